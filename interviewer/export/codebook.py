"""The human-readable codebook (markdown) and the DDI-Codebook 2.5 XML beside the data."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from interviewer.export.frames import value_labels
from interviewer.export.layout import DK_LABEL, RF_LABEL, Layout, Table, Variable

DDI_NS = "ddi:codebook:2_5"


@dataclass
class WrittenTable:
    table: Table
    file_name: str
    rows: int


CONVENTIONS = """\
- One row per interview in the main file; one row per repeat instance in each repeat file,
  keyed by `interview_id`, `repeat`, `instance` (1, 2, ... within its parent) and
  `parent_instance` (the enclosing instance's path for nested repeats, else empty).
- Don't know / refused in numeric variables: -98 / -99, declared user-missing in SPSS and
  labelled; when a variable has a value or code of -98 or lower, the first pair above its
  largest value of the form 98/99, 998/999, ... is used instead (listed per variable
  below). Stata: the extended missing values .a (don't know) and .b (refused). CSV: the
  same numeric codes as SPSS; a column holding choice names (CSV without --codes) holds
  the words dont_know / refused.
- Text, date and date-time questions that accept don't know / refused: the value stays
  empty and a numeric companion `<name>_special` holds 1 (don't know) or 2 (refused).
- select_multiple: `<name>` holds the selected choice names separated by spaces, and one
  0/1 column per choice; the 0/1 columns are empty (system-missing) when the question was
  not answered or not relevant, and hold the special codes for don't know / refused.
- select_one with non-numeric choice names: codes 1..k in the order of the choices (the
  mapping is listed per variable). Numeric choice names are their own codes.
- Calculations are exported (numeric when every value is a number); notes are not.
- Dates are SPSS DATE11 (CSV: YYYY-MM-DD; Stata: a date-time at midnight, %tc);
  date-times are in UTC.
- Paradata: one row per event (enter, leave, answer, change, back, jump, add_instance,
  suspend, resume, warning_confirmed, remark, language, complete, clear) in the same
  format as the data. `clear`: on completion, an answer to a question the interview no
  longer asked (a later answer turned it off, or its repeat instance was removed) was
  cleared; the value it had is in `old_value` / `old_special`, and the data files hold
  no value for it.
- Several questionnaire versions: choices are coded in the order they first appear,
  oldest version first (a choice a later version adds gets the next code; codes never
  move); each choice has the newest version's label. Labels that changed are noted per
  variable; the Warnings section (if any) lists changes that may relabel older
  answers.
- Labels: a piped answer `${name}` in a question or choice label shows as `[name]`.
"""
STATA_CONVENTION = """\
- Stata (.dta): don't know and refused are the extended missing values .a and .b,
  labelled, in numeric variables (and 0/1 columns) that hold one; variable labels are
  the short labels (at most 80 characters: the choice first for a 0/1 column, "DK/RF:"
  for a `_special` companion).
"""


def codebook_markdown(layout: Layout, written: Sequence[WrittenTable], survey: str,
                      made_at: datetime, statuses: Sequence[str]) -> str:
    lines = [f"# Codebook: {layout.title}", "",
             f"Survey: {survey}; form `{layout.form_id}`, versions "
             f"{', '.join(layout.versions)} (newest first); labels in {layout.language}.",
             f"Interviews with status {', '.join(statuses)}; exported {made_at:%Y-%m-%d %H:%M} "
             "UTC.", "", "## Files", ""]
    lines += [f"- `{w.file_name}`: {w.rows} rows, {len(w.table.variables)} variables"
              for w in written]
    if layout.warnings:
        lines += ["", "## Warnings", "",
                  "**Check these before analysing answers across questionnaire versions:**",
                  ""]
        lines += [f"- **{warning}**" for warning in layout.warnings]
    lines += ["", "## Personal data", "", _personal_text(layout)]
    lines += ["", "## Conventions", "", CONVENTIONS]
    if any(_stata(w) for w in written):
        lines[-1] += STATA_CONVENTION
    for w in written:
        lines += [f"## {w.file_name}", ""]
        lines += _variable_lines(w.table, _stata(w))
    return "\n".join(lines).rstrip() + "\n"


def _personal_text(layout: Layout) -> str:
    contact = ("Respondent name, phone and address are included (`respondent_name`, "
               "`phone`, `address`)." if layout.include_contact else
               "Respondent name, phone and address are not included.")
    names = ", ".join(f"`{name}`" for name in sorted(layout.personal_questions))
    if not names:
        return contact + " No question is marked as personal data."
    if layout.include_contact:
        return (f"{contact} The questions marked as personal data ({names}) are included, "
                "as contact data was asked for (--include-contact).")
    return (f"{contact} The questions marked as personal data ({names}) are left out, "
            "and so are their values in the paradata; export with --include-contact to "
            "include them.")


def _stata(written: WrittenTable) -> bool:
    return written.file_name.lower().endswith(".dta")


def _variable_lines(table: Table, stata: bool = False) -> list[str]:
    lines: list[str] = []
    for v in table.variables:
        kind: str = v.kind
        if v.coded:
            kind += ": choice names" if v.kind == "string" else ", coded 1..k"
        origin = f"; question `{v.source}`" if v.source != v.name else ""
        lines.append(f"- `{v.name}` ({kind}{origin}): {v.label}")
        if stata and v.short_label != v.label:
            lines.append(f"  - short label (.dta): {v.short_label}")
        if v.coded:
            lines.append("  - codes: " + ", ".join(
                f"{_num(code)} = {name}" for name, code in v.codes.items()))
        if v.coded and v.kind == "string" and v.accepts_special:
            lines.append(f"  - missing: dont_know = {DK_LABEL}, refused = {RF_LABEL}")
        if stata and v.stata_missing:
            lines.append(f"  - missing: .a = {DK_LABEL}, .b = {RF_LABEL} (Stata extended "
                         "missing values)")
        lines += [f"  - note: {note}" for note in v.notes]
        labels = value_labels(v)
        if labels and v.kind == "numeric" and not v.coded:
            lines.append("  - values: " + ", ".join(
                f"{_num(code)} = {label}" for code, label in labels.items()))
        elif v.coded and v.kind == "numeric" and v.dk_code is not None:
            lines.append(f"  - {_num(v.dk_code)} = {DK_LABEL}, "
                         f"{_num(v.rf_code or 0)} = {RF_LABEL}")
        if v.dk_code is not None:
            lines.append(f"  - user-missing: {_num(v.dk_code)}, {_num(v.rf_code or 0)}")
    lines.append("")
    return lines


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def ddi_xml(layout: Layout, written: Sequence[WrittenTable], survey: str,
            made_at: datetime) -> bytes:
    """DDI-Codebook 2.5: the study, one fileDscr per file, one var per variable."""
    ET.register_namespace("", DDI_NS)
    root = ET.Element(_q("codeBook"), {"version": "2.5", "ID": _id(layout.form_id)})
    doc = _sub(root, "docDscr")
    doc_citation = _sub(doc, "citation")
    _sub(_sub(doc_citation, "titlStmt"), "titl", f"Codebook: {layout.title}")
    _sub(_sub(doc_citation, "prodStmt"), "prodDate",
         made_at.strftime("%Y-%m-%d"), date=made_at.strftime("%Y-%m-%d"))
    study = _sub(root, "stdyDscr")
    citation = _sub(study, "citation")
    titles = _sub(citation, "titlStmt")
    _sub(titles, "titl", layout.title)
    _sub(titles, "altTitl", survey)
    _sub(titles, "IDNo", layout.form_id)
    _sub(_sub(citation, "verStmt"), "version", ", ".join(layout.versions))
    for warning in layout.warnings:
        _sub(study, "notes", f"Warning: {warning}")
    _sub(study, "notes", "Personal data: " + _personal_text(layout))
    for number, w in enumerate(written, start=1):
        described = _sub(root, "fileDscr", ID=f"F{number}")
        text = _sub(described, "fileTxt")
        _sub(text, "fileName", w.file_name)
        dims = _sub(text, "dimensns")
        _sub(dims, "caseQnty", str(w.rows))
        _sub(dims, "varQnty", str(len(w.table.variables)))
    data = _sub(root, "dataDscr")
    for number, w in enumerate(written, start=1):
        for v in w.table.variables:
            _var(data, v, f"F{number}", f"V{number}_{v.name}", _stata(w))
    ET.indent(root)
    xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return xml


def _var(parent: ET.Element, v: Variable, file_id: str, var_id: str,
         stata: bool = False) -> None:
    attrs = {"ID": var_id, "name": v.name, "files": file_id,
             "intrvl": "contin" if v.measure == "scale" else "discrete"}
    var = _sub(parent, "var", **attrs)
    _sub(var, "labl", v.label)
    if v.role not in ("key", "meta", "paradata"):
        _sub(_sub(var, "qstn", ID=f"Q_{var_id}"), "qstnLit", v.label)
    if v.dk_code is not None and v.rf_code is not None:
        invalid = _sub(var, "invalrng")
        _sub(invalid, "item", VALUE=_num(v.dk_code))
        _sub(invalid, "item", VALUE=_num(v.rf_code))
    missing = {v.dk_code, v.rf_code}
    categories: list[tuple[str, str, bool]] = []  # value, label, missing
    if v.coded and v.kind == "string":  # CSV without --codes: the names are the values
        categories = [(name, v.value_labels[code], False) for name, code in v.codes.items()]
        if v.accepts_special:
            categories += [("dont_know", DK_LABEL, True), ("refused", RF_LABEL, True)]
    elif stata:
        for code, label in value_labels(v, stata=True).items():
            if isinstance(code, str):  # .a / .b: Stata's extended missing values
                categories.append((f".{code}", label, True))
            else:
                categories.append((_num(code), label, False))
    else:
        categories = [(_num(code), label, code in missing)
                      for code, label in value_labels(v).items()]
    for value, label, is_missing in categories:
        category = _sub(var, "catgry", **({"missing": "Y"} if is_missing else {}))
        _sub(category, "catValu", value)
        _sub(category, "labl", label)
    fmt_type = "character" if v.kind == "string" else "numeric"
    schema_fmt = {"date": "date", "datetime": "date-time"}.get(v.kind)
    _sub(var, "varFormat", type=fmt_type, schema="other",
         **({"formatname": schema_fmt} if schema_fmt else {}))
    if v.source != v.name or v.coded:
        note = f"question {v.source}" if v.source != v.name else ""
        if v.coded:
            note += ("; " if note else "") + "codes: " + ", ".join(
                f"{_num(c)}={n}" for n, c in v.codes.items())
        _sub(var, "notes", note)
    for note in v.notes:
        _sub(var, "notes", note)


def _q(tag: str) -> str:
    return f"{{{DDI_NS}}}{tag}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, _q(tag), attrs)
    if text is not None:
        element.text = text
    return element


def _id(text: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "._-" else "_" for c in text)
    return cleaned if cleaned[:1].isalpha() else f"f{cleaned}"
