"""Findings of the export review: versions that recode or relabel answers, personal data,
Stata's 80-character labels, names of generated columns, the codebook and DDI."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from interviewer.export import (
    SPSS_MAX,
    STATA_MAX,
    Cells,
    Layout,
    Variable,
    WrittenTable,
    build_frame,
    build_layout,
    codebook_markdown,
    ddi_xml,
)
from interviewer.questionnaire.model import Questionnaire
from interviewer.questionnaire.xlsform import load_questionnaire
from interviewer.services.common import SYSTEM
from interviewer.services.export import ExportService
from tests.export.helpers import add_user, build_store, interview, new_case, write_form

DDI = "{ddi:codebook:2_5}"
MADE = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]

V1 = """
| survey |
| | type | name | label | special |
| | select_one col | colour | Colour | dont_know refused |
| | select_one yn | agree | Agree | |
| | integer | balance | Account balance | dont_know refused |
| | select_multiple fr | fruit | Fruit | |
| choices |
| | list_name | name | label |
| | col | red | Red |
| | col | green | Green |
| | col | blue | Blue |
| | yn | 1 | Yes |
| | yn | 2 | No |
| | fr | apple | Apple |
| | fr | pear | Pear |
| settings |
| | form_id | version |
| | acme | 1 |
"""
V2 = (V1.replace("| | col | red | Red |", "| | col | red | Red |\n| | col | yellow | Yellow |")
      .replace("| | yn | 1 | Yes |\n| | yn | 2 | No |", "| | yn | 1 | No |\n| | yn | 2 | Yes |")
      .replace("| | col | blue | Blue |", "| | col | blue | Navy blue |")
      .replace("| | integer | balance |", "| | text | balance |")
      .replace("| | fr | apple | Apple |", "| | fr | kiwi | Kiwi |\n| | fr | apple | Apple |")
      .replace("| acme | 1 |", "| acme | 2 |"))


def _forms(tmp_path: Path, *texts: str) -> list[Questionnaire]:
    """Newest first, as the service passes them."""
    return [load_questionnaire(write_form(tmp_path, text, f"v{n}.md"))
            for n, text in reversed(list(enumerate(texts, start=1)))]


def _var(layout: Layout, name: str) -> Variable:
    return next(v for t in (layout.main, *layout.repeats) for v in t.variables
                if v.name == name)


def _fixed(layout: Layout, rows: int) -> dict[str, list[None]]:
    return {v.source: [None] * rows for v in layout.main.variables if v.role == "meta"}


# 1. versions ---------------------------------------------------------------------------

def test_a_choice_added_in_a_later_version_never_moves_existing_codes(tmp_path: Path
                                                                        ) -> None:
    alone = build_layout(_forms(tmp_path, V1), max_name=SPSS_MAX)
    both = build_layout(_forms(tmp_path, V1, V2), max_name=SPSS_MAX)
    old, new = _var(alone, "colour"), _var(both, "colour")
    assert old.codes == {"red": 1.0, "green": 2.0, "blue": 3.0}
    assert new.codes == {"red": 1.0, "green": 2.0, "blue": 3.0, "yellow": 4.0}
    assert new.value_labels == {1.0: "Red", 2.0: "Green", 3.0: "Navy blue", 4.0: "Yellow"}
    # the changed label is kept (the newest) and noted; 0/1 columns keep their order too
    assert any("blue" in n and "'Blue' in version 1" in n for n in new.notes)
    assert [v.choice for v in both.main.variables if v.role == "multi_choice"] == \
        ["apple", "pear", "kiwi"]


def test_numeric_codes_that_change_meaning_and_changed_types_are_warnings(
        tmp_path: Path) -> None:
    layout = build_layout(_forms(tmp_path, V1, V2), max_name=SPSS_MAX)
    agree = _var(layout, "agree")
    assert agree.value_labels == {1.0: "No", 2.0: "Yes"}  # the newest labels
    assert any("'Yes' in version 1" in n for n in agree.notes)
    text = "\n".join(layout.warnings)
    assert "`agree`: 1 is labelled 'No' but meant 'Yes' in version 1" in text
    assert "`agree`: 2 is labelled 'Yes' but meant 'No' in version 1" in text
    assert "`balance` changed type (integer in version 1, text in version 2)" in text
    assert "`colour`" not in text  # a relabelled text name: a note, not a warning
    swapped = build_layout(_forms(tmp_path, V1, V1.replace("| Red |", "| Green! |").replace(
        "| Green |", "| Red |").replace("| Green! |", "| Green |")), max_name=SPSS_MAX)
    assert any(w.startswith("`colour`: red is labelled 'Green' but meant 'Red'")
               for w in swapped.warnings)  # a label moved to another name
    one = build_layout(_forms(tmp_path, V1), max_name=SPSS_MAX)
    assert one.warnings == [] and all(not v.notes for v in one.main.variables)
    # the codebook shows the warnings prominently, the DDI carries the notes
    frame_cells = Cells([s for s in layout.main.by_source()], 0)
    build_frame(layout.main, frame_cells, _fixed(layout, 0))
    written = [WrittenTable(layout.main, "a.sav", 0)]
    book = codebook_markdown(layout, written, "Acme", MADE, ["completed"])
    assert "## Warnings" in book.split("## Conventions")[0]
    assert "note: choice `blue` is now labelled 'Navy blue'" in book
    root = ET.fromstring(ddi_xml(layout, written, "Acme", MADE))
    agree_notes = [n.text or "" for n in root.iter(f"{DDI}notes")
                   if "'Yes' in version 1" in (n.text or "")]
    assert len(agree_notes) >= 2  # the variable's note and the study's warning


def test_service_codes_of_two_versions_follow_the_names(tmp_path: Path) -> None:
    from interviewer.context import build_context
    context = build_context(tmp_path / "data")
    published = context.questionnaires.publish(SYSTEM, write_form(tmp_path, V1, "v1.md"),
                                               "Acme")
    anna = add_user(context, "anna", "interviewer")
    boss = add_user(context, "boss", "supervisor")
    interview(context, anna, new_case(context, published.survey_id, anna, 1),
              {"colour": "blue", "agree": "1", "balance": 5}, "completed")
    context.questionnaires.publish(SYSTEM, write_form(tmp_path, V2, "v2.md"), "Acme")
    interview(context, anna, new_case(context, published.survey_id, anna, 2),
              {"colour": "yellow", "agree": "2", "balance": "about 5"}, "completed")
    out = tmp_path / "out" / "a.csv"
    ExportService(context.db).export(boss, "Acme", out, codes=True)
    context.close()
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["colour"] for r in rows] == ["3", "4"]  # blue keeps v1's code 3
    assert "## Warnings" in (tmp_path / "out" / "a_codebook.md").read_text(encoding="utf-8")


# 2. personal data ----------------------------------------------------------------------

PERSONAL = """
| survey |
| | type | name | label | personal | special | calculation |
| | text | email | Your e-mail | yes | dont_know refused | |
| | calculate | email_domain | | | | substring-after(${email}, '@') |
| | integer | age | Age | | | |
| settings |
| | form_id |
| | p |
"""


def test_personal_questions_are_left_out_unless_contact_data_is_asked_for(
        tmp_path: Path) -> None:
    form = load_questionnaire(write_form(tmp_path, PERSONAL))
    layout = build_layout([form], max_name=SPSS_MAX)
    names = [v.name for v in layout.main.variables]
    assert "email" not in names and "email_special" not in names
    assert "email_domain" not in names  # a calculation from personal data is personal
    assert "age" in names
    assert layout.personal_questions == frozenset({"email", "email_domain"})
    assert layout.personal_left_out == ["email", "email_domain"]
    book = codebook_markdown(layout, [WrittenTable(layout.main, "p.csv", 0)], "P", MADE,
                             ["completed"])
    assert "(`email`, `email_domain`) are left out" in book
    full = build_layout([form], max_name=SPSS_MAX, include_contact=True)
    assert {"email", "email_special", "email_domain", "phone"} <= \
        {v.name for v in full.main.variables}
    assert _var(full, "email").personal and _var(full, "email").notes
    assert full.personal_questions == layout.personal_questions
    assert full.personal_left_out == []
    assert layout.is_personal("email") and layout.is_personal("contact/email")
    assert layout.is_personal("member[2]/email") and not layout.is_personal("age")


def test_relationship_nps_leaves_the_recontact_phone_out(tmp_path: Path) -> None:
    form = load_questionnaire(ROOT / "questionnaires/relationship_nps/relationship_nps.xlsx")
    layout = build_layout([form], max_name=STATA_MAX)
    assert "recontact_phone" in layout.personal_questions
    assert not any(v.source == "recontact_phone" for v in layout.main.variables)
    full = build_layout([form], max_name=STATA_MAX, include_contact=True)
    assert any(v.source == "recontact_phone" for v in full.main.variables)


# 4. short labels, piped answers ---------------------------------------------------------

LONG = """
| survey |
| | type | name | label | special |
| | text | brand | Brand | |
| | select_multiple why | why | What made handling your issue with ${brand} easy or hard for you today? Select all that apply. | dont_know refused |
| | text | story | Tell us, in your own words and with as much detail as you like, what happened with ${brand} | dont_know refused |
| choices |
| | list_name | name | label |
| | why | wait | Long wait |
| | why | staff | Friendly staff |
| settings |
| | form_id |
| | s |
"""


def test_short_labels_keep_what_distinguishes_the_variable(tmp_path: Path) -> None:
    layout = build_layout([load_questionnaire(write_form(tmp_path, LONG))],
                          max_name=STATA_MAX)
    shorts = {v.name: v.short_label for v in layout.main.variables}
    assert all(len(s) <= 80 for s in shorts.values())
    assert shorts["why_wait"].startswith("Long wait: What made handling your issue with "
                                         "[brand]")
    assert shorts["why_staff"].startswith("Friendly staff: ")
    assert shorts["why_wait"].endswith("…")
    assert shorts["story_special"].startswith("DK/RF: Tell us")
    assert shorts["interview_id"] == "Interview id"
    why = _var(layout, "why")
    assert "${" not in why.label and "[brand]" in why.label  # as on the dashboard
    assert why.label.endswith("Select all that apply.")  # the full label stays
    assert Variable("x", "y" * 100, "numeric", "answer", "x").short_label == "y" * 79 + "…"


# 5 and 9. codebook and DDI -----------------------------------------------------------------

def _ddi_vars(xml: bytes) -> dict[str, ET.Element]:
    root = ET.fromstring(xml)
    return {v.get("name", ""): v for v in root.iter(f"{DDI}var")}


def _categories(var: ET.Element) -> list[tuple[str, str, str | None]]:
    return [(c.findtext(f"{DDI}catValu") or "", c.findtext(f"{DDI}labl") or "",
             c.get("missing")) for c in var.findall(f"{DDI}catgry")]


def test_dta_codebook_and_ddi_list_the_extended_missing_values(tmp_path: Path) -> None:
    layout = build_layout(_forms(tmp_path, V1), max_name=STATA_MAX)
    cells = Cells(list(layout.main.by_source()), 2)
    cells.put(np.array([0, 1, 0, 1]), ["balance", "balance", "colour", "colour"],
              ["5", "", "red", ""], ["", "dont_know", "", "refused"])
    build_frame(layout.main, cells, _fixed(layout, 2), stata=True)
    written = [WrittenTable(layout.main, "a.dta", 2)]
    variables = _ddi_vars(ddi_xml(layout, written, "Acme", MADE))
    assert (".a", "Don't know", "Y") in _categories(variables["balance"])
    assert (".b", "Refused", "Y") in _categories(variables["balance"])
    assert (".b", "Refused", "Y") in _categories(variables["colour"])
    assert ("1", "Red", None) in _categories(variables["colour"])
    book = codebook_markdown(layout, written, "Acme", MADE, ["completed"])
    assert "missing: .a = Don't know, .b = Refused" in book
    assert "complete, clear)" in book and "`clear`: on completion" in book


def test_ddi_document_citation_has_a_title_first(tmp_path: Path) -> None:
    store = build_store(tmp_path)
    out = tmp_path / "out" / "a.csv"
    ExportService(store.context.db).export(store.supervisor, "Acme", out)
    root = ET.parse(tmp_path / "out" / "a.ddi.xml").getroot()
    citation = root.find(f"{DDI}docDscr/{DDI}citation")
    assert citation is not None
    assert citation[0].tag == f"{DDI}titlStmt"
    assert citation.findtext(f"{DDI}titlStmt/{DDI}titl")
    # CSV without --codes: the choice names, and the words for the special answers
    colour = _ddi_vars((tmp_path / "out" / "a.ddi.xml").read_bytes())["colour"]
    categories = _categories(colour)
    assert ("red", "Red", None) in categories
    assert ("dont_know", "Don't know", "Y") in categories
    assert ("refused", "Refused", "Y") in categories
    store.context.close()


# 6. names --------------------------------------------------------------------------------

OTHER = """
| survey |
| | type | name | label | special |
| | select_multiple areas | improve_areas | Improve what? | |
| | text | improve_areas_other | Specify other | dont_know refused |
| | text | improve_areas_other_special | A question of that name | |
| choices |
| | list_name | name | label |
| | areas | price | Price |
| | areas | other | Other |
| settings |
| | form_id |
| | o |
"""


def test_generated_columns_never_take_a_question_name(tmp_path: Path) -> None:
    layout = build_layout([load_questionnaire(write_form(tmp_path, OTHER))],
                          max_name=SPSS_MAX)
    by_name = {v.name: v for v in layout.main.variables}
    assert by_name["improve_areas_other"].source == "improve_areas_other"
    assert by_name["improve_areas_other"].role == "answer"
    assert by_name["improve_areas_other_2"].role == "multi_choice"
    assert by_name["improve_areas_other_special"].source == "improve_areas_other_special"
    assert by_name["improve_areas_other_special_2"].role == "special"
    again = build_layout([load_questionnaire(write_form(tmp_path, OTHER))],
                         max_name=SPSS_MAX)
    assert [v.name for v in again.main.variables] == list(by_name)  # deterministic
