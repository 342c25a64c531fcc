"""XLSForm adapter: what pyxform reads must land in our model, and broken forms must say
where they are broken."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from interviewer.questionnaire.compiled import CompiledForm, load_form
from interviewer.questionnaire.errors import FormError
from interviewer.questionnaire.model import Group, Question, QuestionType, Repeat
from interviewer.questionnaire.xlsform import load_questionnaire
from tests.questionnaire.conftest import MakeForm

FULL = """
| survey |
| | type | name | label::English (en) | label::Polski (pl) | hint::English (en) | required | required_message::English (en) | constraint | constraint_message::English (en) | constraint_message::Polski (pl) | relevant | appearance | warning | warning_message::English (en) | special | cx_metric | touchpoint | default | repeat_count | calculation | choice_filter |
| | integer | nps | Recommend? | Polecisz? | 0 to 10 | yes | Please answer | . <= 10 | At most 10 | Najwyzej 10 | | | . > 0 | Zero, sure? | | nps | onboarding | | | | |
| | begin group | g | Group | Grupa | | | | | | | ${nps} >= 0 | field-list | | | | | | | | | |
| | select_multiple areas or_other | areas | Areas | Obszary | | | | | | | | | | | none | | | | | | |
| | text | why | Why | Dlaczego | | | | | | | | | | | dont_know | | | hello | | | |
| | end group | | | | | | | | | | | | | | | | | | | | |
| | begin repeat | rep | Rep | Powt | | | | | | | | | | | | | | | 2 | | |
| | select_one city | city | City | Miasto | | | | | | | | | | | | | | | | | region = ${nps} |
| | end repeat | | | | | | | | | | | | | | | | | | | | |
| | calculate | twice | | | | | | | | | | | | | | | | | | ${nps} * 2 | |
| | acknowledge | ok | OK? | OK? | | | | | | | | | | | | | | | | | |
| choices |
| | list_name | name | label::English (en) | label::Polski (pl) | region |
| | areas | price | Price | Cena | |
| | areas | support | Support | Wsparcie | |
| | city | waw | Warsaw | Warszawa | 1 |
| | city | krk | Cracow | Krakow | 2 |
| settings |
| | form_id | version | form_title | default_language | special |
| | full | 2026112501 | Full form | English (en) | dont_know refused |
"""


def test_a_full_form_lands_in_the_model(make_form: MakeForm) -> None:
    q = load_questionnaire(make_form(FULL))
    assert (q.form_id, q.version, q.title) == ("full", "2026112501", "Full form")
    assert q.languages == ("English (en)", "Polski (pl)")
    assert q.default_language == "English (en)"
    nps, group, rep_count, repeat, twice, ok = q.children[:6]
    assert isinstance(nps, Question) and nps.type == QuestionType.INTEGER
    assert nps.label == {"English (en)": "Recommend?", "Polski (pl)": "Polecisz?"}
    assert nps.required == "true()"
    assert nps.required_message == {"English (en)": "Please answer"}
    assert nps.constraint == ". <= 10"
    assert nps.constraint_message["Polski (pl)"] == "Najwyzej 10"
    assert nps.warning == ". > 0" and nps.warning_message == {"English (en)": "Zero, sure?"}
    assert nps.special == ("dont_know", "refused")  # the settings default
    assert (nps.cx_metric, nps.touchpoint) == ("nps", "onboarding")
    assert nps.source.row == 2
    assert isinstance(group, Group) and group.field_list and group.relevant == "${nps} >= 0"
    areas, other, why = group.children
    assert isinstance(areas, Question) and areas.type == QuestionType.SELECT_MULTIPLE
    assert areas.special == ()  # `none` overrides the default
    assert [c.name for c in q.choices["areas"].choices] == ["price", "support", "other"]
    assert isinstance(other, Question) and other.name == "areas_other"
    assert isinstance(why, Question) and why.default == "hello" and why.special == ("dont_know",)
    # pyxform puts a repeat_count into a calculate of its own, which ODK keeps in the data
    assert isinstance(rep_count, Question) and rep_count.calculation == "2"
    assert isinstance(repeat, Repeat) and repeat.repeat_count == "${rep_count}"
    city = repeat.children[0]
    assert isinstance(city, Question) and city.choice_filter == "region = ${nps}"
    assert q.choices["city"].choices[0].extra == {"region": "1"}
    assert isinstance(twice, Question) and twice.type == QuestionType.CALCULATE
    assert twice.calculation == "${nps} * 2" and twice.special == ()
    assert isinstance(ok, Question) and ok.type == QuestionType.ACKNOWLEDGE and ok.special == ()


def test_metadata_and_aliases_map_to_our_types(make_form: MakeForm) -> None:
    q = load_questionnaire(make_form("""
        | survey |
        | | type | name | label |
        | | start | start | |
        | | deviceid | dev | |
        | | select one yn | a | A |
        | | select all that apply yn | b | B |
        | | int | c | C |
        | | gps | d | D |
        | | photo | e | E |
        | | rank yn | f | F |
        | | range | g | G |
        | | time | h | H |
        | | audit | audit | |
        | choices |
        | | list_name | name | label |
        | | yn | yes | Yes |
        | | yn | no | No |
        """))
    types = {x.name: (x.type, x.metadata) for x in q.questions()}
    assert types["start"] == (QuestionType.METADATA, "start")
    assert types["dev"] == (QuestionType.METADATA, "deviceid")
    assert types["a"][0] == QuestionType.SELECT_ONE
    assert types["b"][0] == QuestionType.SELECT_MULTIPLE
    assert types["c"][0] == QuestionType.INTEGER
    assert types["d"][0] == QuestionType.GEOPOINT
    assert types["e"][0] == QuestionType.IMAGE
    assert types["f"][0] == QuestionType.RANK
    assert types["g"][0] == QuestionType.RANGE
    assert types["h"][0] == QuestionType.TIME
    assert types["audit"][0] == QuestionType.METADATA


def test_a_legacy_loop_becomes_one_group_per_choice(make_form: MakeForm) -> None:
    q = load_questionnaire(make_form("""
        | survey |
        | | type | name | label |
        | | begin loop over toilets | loop | Loop |
        | | integer | number | How many %(label)s? |
        | | end loop | | |
        | choices |
        | | list_name | name | label |
        | | toilets | pit | Pit latrine |
        | | toilets | flush | Flush toilet |
        """))
    groups = [g for g in q.children if isinstance(g, Group) and g.name != "meta"]
    assert [g.name for g in groups] == ["pit", "flush"]
    first = groups[0].children[0]
    assert isinstance(first, Question)
    assert first.label == {"default": "How many Pit latrine?"}


def errors_of(path: Path) -> list[str]:
    with pytest.raises(FormError) as caught:
        load_form(path)
    return [str(issue) for issue in caught.value.issues]


def issue_of(path: Path) -> object:
    with pytest.raises(FormError) as caught:
        load_form(path)
    return caught.value.issues[0]


@pytest.mark.parametrize(("column", "cell", "words"), [
    ("constraint", ". >= 0 and and . <= 10", "unexpected"),
    ("relevant", "${nope} = 1", "'nope'"),
    ("relevant", "frobnicate(1)", "frobnicate"),
    ("calculation", "1 +", "expected"),
    ("special", "maybe", "unknown special answer 'maybe'"),
    ("cx_metric", "nss", "unknown cx_metric 'nss'"),
])
def test_broken_cells_are_named_by_row_and_column(make_form: MakeForm, column: str, cell: str,
                                                  words: str) -> None:
    qtype = "calculate" if column == "calculation" else "integer"
    path = make_form(f"""
        | survey |
        | | type | name | label | {column} |
        | | text | first | First | |
        | | {qtype} | x | X | {cell} |
        """)
    issue = issue_of(path)
    assert issue.row == 3  # type: ignore[attr-defined]
    assert issue.column == column  # type: ignore[attr-defined]
    assert issue.sheet == "survey"  # type: ignore[attr-defined]
    assert issue.file == path.name  # type: ignore[attr-defined]
    text = str(issue)
    assert words in text
    assert "row 3" in text and f"column '{column}'" in text and "Fix:" in text


def test_a_cycle_is_refused_with_its_members(make_form: MakeForm) -> None:
    [text] = errors_of(make_form("""
        | survey |
        | | type | name | label | calculation |
        | | calculate | a | | ${b} + 1 |
        | | calculate | b | | ${a} + 1 |
        """))
    assert "cycle" in text and "a, b" in text and "row 2" in text


def test_pyxform_errors_keep_their_row(make_form: MakeForm) -> None:
    [text] = errors_of(make_form("""
        | survey |
        | | type | name | label |
        | | text | a | A |
        | | Select one from source | b | B |
        """))
    assert "Select one from source" in text


def test_every_problem_is_reported_at_once(make_form: MakeForm) -> None:
    issues = errors_of(make_form("""
        | survey |
        | | type | name | label | relevant |
        | | text | a | A | . >= and 1 |
        | | text | b | B | 1 +* 2 |
        """))
    assert len(issues) == 2


@pytest.mark.parametrize(("name", "content"), [
    ("broken.xlsx", b"PK\x03\x04 this is not really a zip"),
    ("foreign.xls", b"\x00\x01\x02 not a workbook"),
    ("notes.txt", b"hello"),
])
def test_foreign_files_give_a_clear_error(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    [text] = errors_of(path)
    assert name in text
    assert "Traceback" not in text


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    [text] = errors_of(tmp_path / "nowhere.xlsx")
    assert "no such file" in text


def test_compiled_expressions_are_shared(compile_md: Callable[[str], CompiledForm]) -> None:
    form = compile_md("""
        | survey |
        | | type | name | label | relevant |
        | | integer | a | A | |
        | | integer | b | B | ${a} > 1 |
        | | integer | c | C | ${a} > 1 |
        """)
    b, c = form.single("b"), form.single("c")
    assert b.exprs["relevant"] is c.exprs["relevant"]  # parsed once


def test_choices_from_a_csv_file_beside_the_form(make_form: MakeForm) -> None:
    path = make_form("""
        | survey |
        | | type | name | label | choice_filter |
        | | select_one_from_file cities.csv | city | City | region = 2 |
        | | select_one_from_file missing.csv | town | Town | |
        """)
    (path.parent / "cities.csv").write_text("name,label,region\nwaw,Warsaw,1\nkrk,Krakow,2\n",
                                            encoding="utf-8")
    q = load_questionnaire(path)
    cities = q.choices["cities.csv"].choices
    assert [(c.name, c.label, c.extra) for c in cities] == [
        ("waw", {"default": "Warsaw"}, {"region": "1"}),
        ("krk", {"default": "Krakow"}, {"region": "2"})]
    assert q.choices["missing.csv"].choices == ()  # as ODK: an empty list


@pytest.mark.parametrize(("row", "named"), [
    ("| | osm building | b | Building |", "'osm'"),
    ("| | xml-external | ext | |", "'xml-external'"),
    ("| | csv-external | ext | |", "'csv-external'"),
    ("| | calculate | r | | randomize(${a}) |", "randomize"),
    ("| | calculate | r | | area(${a}) |", "area"),
])
def test_unsupported_features_are_refused_by_name(make_form: MakeForm, row: str,
                                                  named: str) -> None:
    text = "\n".join(errors_of(make_form(f"""
        | survey |
        | | type | name | label | calculation |
        | | text | a | A | |
        {row}
        """)))
    assert named in text and "row 3" in text
    assert "not supported" in text or "unknown function" in text


@pytest.mark.parametrize(("cell", "words"), [
    ("/lp/x = 1", "does not start at the form's root /data"),
    ("max()", "max() takes"),
])
def test_paths_and_calls_that_cannot_work_are_refused(make_form: MakeForm, cell: str,
                                                      words: str) -> None:
    text = "\n".join(errors_of(make_form(f"""
        | survey |
        | | type | name | label | relevant |
        | | integer | x | X | |
        | | integer | y | Y | {cell} |
        """)))
    assert words in text and "row 3" in text


def test_a_syntax_error_points_at_the_place(make_form: MakeForm) -> None:
    [text] = errors_of(make_form("""
        | survey |
        | | type | name | label | constraint |
        | | integer | x | X | . >= 0 and and . <= 10 |
        """))
    lines = text.splitlines()
    expression = next(i for i, line in enumerate(lines) if ". >= 0 and and" in line)
    caret = lines[expression + 1]
    assert caret.strip() == "^"
    assert lines[expression][caret.index("^"):].startswith("and . <= 10")


def test_cx_metric_must_be_on_a_score(make_form: MakeForm) -> None:
    [text] = errors_of(make_form("""
        | survey |
        | | type | name | label | cx_metric |
        | | text | x | X | nps |
        """))
    assert "cx_metric 'nps' is on a text question" in text


def test_the_personal_column_marks_personal_data(make_form: MakeForm) -> None:
    q = load_questionnaire(make_form("""
        | survey |
        | | type | name | label | personal |
        | | text | phone | Your phone | yes |
        | | text | email | Your e-mail | TRUE |
        | | text | why | Why? | |
        | | text | what | What? | no |
        """))
    assert [x.name for x in q.questions() if x.personal] == ["phone", "email"]
