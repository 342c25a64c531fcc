"""Export (DESIGN.md 8): the layout of the files from the questionnaire, the columns
from the answers, the writers (CSV, SPSS .sav, Stata .dta), the codebook and DDI XML.
Pure: no SQL, no Qt; `services/export.py` reads the database and calls these."""

from interviewer.export.codebook import WrittenTable, codebook_markdown, ddi_xml
from interviewer.export.frames import Cells, build_frame, special_codes
from interviewer.export.layout import Layout, Table, Variable, build_layout
from interviewer.export.names import SPSS_MAX, STATA_MAX, Names, base_name
from interviewer.export.writers import FORMATS, Format, write_table

__all__ = ["FORMATS", "SPSS_MAX", "STATA_MAX", "Cells", "Format", "Layout", "Names", "Table",
           "Variable", "WrittenTable", "base_name", "build_frame", "build_layout",
           "codebook_markdown", "ddi_xml", "special_codes", "write_table"]
