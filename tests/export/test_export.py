"""Export of interviews made through the real services, read back with pyreadstat, the
CSV reader and an XML parser; the command line; SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyreadstat
import pytest
from sqlalchemy import func, select

from interviewer.cli import main
from interviewer.services.common import SYSTEM, PermissionDenied, ServiceError
from interviewer.services.export import ExportService
from interviewer.services.questionnaires import QuestionnaireService
from interviewer.storage.central import open_central
from interviewer.storage.ids import uuid7
from interviewer.storage.models import Answer, AuditEntry, Interview, ParadataEvent, User
from tests.conftest import SignIn
from tests.export.helpers import FORM, Store, build_store, interview, new_case, write_form

DK, RF = "Don't know", "Refused"
DDI = "{ddi:codebook:2_5}"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def export(store: Store, out: Path, **options: Any) -> Any:
    return ExportService(store.context.db).export(store.supervisor, "Acme", out, **options)


def test_sav_holds_the_answers_labels_and_missing_codes(store: Store, tmp_path: Path) -> None:
    report = export(store, tmp_path / "acme.sav")
    assert report.interviews == 3  # completed and approved; not the one in progress
    data, meta = pyreadstat.read_sav(str(tmp_path / "acme.sav"), user_missing=True)
    assert data["interview_id"].tolist() == [str(i) for i in store.ids[:3]]
    assert data["status"].tolist() == ["completed", "completed", "approved"]
    assert data["external_id"].tolist() == ["C000", "C001", "C002"]
    assert "respondent_name" not in data and "phone" not in data  # personal data
    assert list(data.columns[:9]) == ["interview_id", "external_id", "interviewer", "status",
                                      "started_at", "completed_at", "duration_minutes",
                                      "language", "questionnaire_version"]
    labels = meta.column_names_to_labels
    assert labels["consent"] == "Do you agree?"
    assert labels["fruit_apple"] == "Fruit eaten: Apple"
    assert labels["status_2"] == "Status of the household"  # clashes with the meta column
    assert labels["first_name"] == "Given name"  # `first.name` is no SPSS name
    assert meta.variable_value_labels["colour"] == {1: "Red", 2: "Green", 3: "Blue",
                                                    -98: DK, -99: RF}
    assert meta.variable_value_labels["consent"] == {1: "Yes", 2: "No"}
    assert meta.missing_ranges["age"] == [{"lo": -98.0, "hi": -98.0},
                                          {"lo": -99.0, "hi": -99.0}]
    columns = {name: data[name].tolist() for name in data.columns}
    assert columns["consent"] == [1, 2, 1]
    assert columns["colour"] == [1, -98, 3]
    assert columns["age"] == [34, -99, 70]
    assert columns["fruit"] == ["apple plum", "", ""]
    np.testing.assert_array_equal(columns["fruit_apple"], [1, -99, np.nan])
    np.testing.assert_array_equal(columns["fruit_pear"], [0, -99, np.nan])
    assert columns["comment"] == ["fine", "", ""]
    np.testing.assert_array_equal(columns["comment_special"], [np.nan, 1, np.nan])
    assert columns["visit"][0] == date(2026, 11, 2) and columns["visit"][2] == date(2026, 11, 3)
    np.testing.assert_array_equal(columns["double_age"], [68, np.nan, 140])  # calculated
    assert columns["town"] == ["Gdańsk", "", ""]  # in a group
    assert columns["town_mark"] == ["Gdańsk!", "!", "!"]  # calculated in a group: text
    assert columns["n"] == [2, 0, 1]
    assert "thanks" not in data and "instanceID" not in data  # a note; form metadata
    assert meta.original_variable_types["visit"] == "DATE11"


def test_repeats_go_to_files_of_their_own(store: Store, tmp_path: Path) -> None:
    export(store, tmp_path / "acme.sav")
    members, meta = pyreadstat.read_sav(str(tmp_path / "acme_member.sav"), user_missing=True)
    first, third = str(store.ids[0]), str(store.ids[2])
    assert members["interview_id"].tolist() == [first, first, third]
    assert members["instance"].tolist() == [1, 2, 1]
    assert members["mname"].tolist() == ["Ann", "Bob", "Cy"]
    assert members["mage"].tolist() == [34, -98, 70]
    assert meta.variable_value_labels["mage"] == {-98: DK, -99: RF}
    cars, _ = pyreadstat.read_sav(str(tmp_path / "acme_car.sav"))
    assert cars["parent_instance"].tolist() == ["member[1]", "member[1]"]
    assert cars["instance"].tolist() == [1, 2]
    assert cars["make"].tolist() == ["Fiat", "Opel"]


def test_paradata_file_has_every_event(store: Store, tmp_path: Path) -> None:
    export(store, tmp_path / "acme.sav")
    events, _ = pyreadstat.read_sav(str(tmp_path / "acme_paradata.sav"))
    with store.context.db.unit_of_work() as session:
        stored = session.scalar(select(func.count()).select_from(ParadataEvent).where(
            ParadataEvent.interview_id.in_(store.ids[:3])))
    assert len(events) == stored
    first = events[events["interview_id"] == str(store.ids[0])]
    assert first["seq"].tolist() == sorted(first["seq"].tolist())
    assert first["kind"].tolist()[-1] == "complete"
    answer = first[(first["kind"] == "answer") & (first["path"] == "colour")]
    assert answer["new_value"].tolist() == ["red"]


def test_stata_uses_extended_missing_values(store: Store, tmp_path: Path) -> None:
    export(store, tmp_path / "acme.dta")
    data, meta = pyreadstat.read_dta(str(tmp_path / "acme.dta"), user_missing=True)
    assert data["colour"].tolist() == [1, "a", 3]
    assert data["age"].tolist() == [34, "b", 70]
    assert meta.variable_value_labels["colour"] == {1: "Red", 2: "Green", 3: "Blue",
                                                    "a": DK, "b": RF}
    # the choice first: the 80 characters Stata keeps tell the 0/1 columns apart
    assert meta.column_names_to_labels["fruit_plum"] == "Plum: Fruit eaten"
    assert all(len(name) <= 32 for name in data.columns)


def test_csv_writes_choice_names_or_codes(store: Store, tmp_path: Path) -> None:
    export(store, tmp_path / "names.csv")
    export(store, tmp_path / "codes.csv", codes=True)
    names = read_csv(tmp_path / "names.csv")
    codes = read_csv(tmp_path / "codes.csv")
    assert [r["colour"] for r in names] == ["red", "dont_know", "blue"]
    assert [r["colour"] for r in codes] == ["1", "-98", "3"]
    assert [r["age"] for r in names] == ["34", "-99", "70"]
    assert [r["fruit_plum"] for r in names] == ["1", "-99", ""]
    assert [r["visit"] for r in names] == ["2026-11-02", "", "2026-11-03"]
    members = read_csv(tmp_path / "names_member.csv")
    assert [r["mname"] for r in members] == ["Ann", "Bob", "Cy"]


def test_ddi_and_codebook_describe_every_variable(store: Store, tmp_path: Path) -> None:
    report = export(store, tmp_path / "acme.sav", include_contact=True)
    root = ET.parse(tmp_path / "acme.ddi.xml").getroot()
    assert root.tag == f"{DDI}codeBook" and root.get("version") == "2.5"
    files = root.findall(f"{DDI}fileDscr")
    assert [f.findtext(f"{DDI}fileTxt/{DDI}fileName") for f in files] == [
        "acme.sav", "acme_member.sav", "acme_car.sav", "acme_paradata.sav"]
    variables = root.findall(f"{DDI}dataDscr/{DDI}var")
    assert len(variables) == sum(f.variables for f in report.files)
    colour = next(v for v in variables if v.get("name") == "colour" and v.get("files") == "F1")
    missing = [c.findtext(f"{DDI}catValu") for c in colour.findall(f"{DDI}catgry")
               if c.get("missing") == "Y"]
    assert missing == ["-98", "-99"]
    assert colour.findtext(f"{DDI}labl") == "Favourite colour"
    codebook = (tmp_path / "acme_codebook.md").read_text(encoding="utf-8")
    assert "`first_name` (string; question `first.name`)" in codebook
    assert "codes: 1 = red, 2 = green, 3 = blue" in codebook
    data, _ = pyreadstat.read_sav(str(tmp_path / "acme.sav"))
    assert data["respondent_name"].tolist() == ["Respondent 0", "Respondent 1",
                                                "Respondent 2"]


def test_status_choice_and_refusals(store: Store, tmp_path: Path) -> None:
    report = export(store, tmp_path / "open.csv", statuses=["in_progress"])
    assert report.interviews == 1
    with pytest.raises(PermissionDenied):
        ExportService(store.context.db).export(store.interviewer, "Acme", tmp_path / "x.sav")
    with pytest.raises(ServiceError, match="unknown status"):
        export(store, tmp_path / "x.sav", statuses=["done"])
    with pytest.raises(ServiceError, match="format"):
        export(store, tmp_path / "x.xlsx")
    with pytest.raises(ServiceError, match="no language 'pl'"):
        export(store, tmp_path / "x.sav", language="pl")


def test_the_command_writes_the_files_and_says_so(store: Store, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str],
                                                  staff: SignIn) -> None:
    data_dir = str(store.context.data_dir)
    out = tmp_path / "results" / "acme.sav"
    boss = staff(store.context.db, "chief")
    code = main(["export", "Acme", "--out", str(out), "--local", "--data-dir", data_dir, *boss])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "Exported 3 interviews" in printed.out and "acme_member.sav" in printed.out
    assert {p.name for p in out.parent.iterdir()} == {
        "acme.sav", "acme_member.sav", "acme_car.sav", "acme_paradata.sav", "acme.ddi.xml",
        "acme_codebook.md"}
    code = main(["export", "Nope", "--out", str(out), "--local", "--data-dir", data_dir,
                 *boss])
    printed = capsys.readouterr()
    assert code == 1 and printed.err.count("\n") == 1 and "no survey 'Nope'" in printed.err
    code = main(["export", "Acme", "--out", str(tmp_path / "a.sav"), "--status", "x",
                 "--local", "--data-dir", data_dir, *boss])
    assert code == 1 and "Traceback" not in capsys.readouterr().err


def test_two_versions_export_as_one_table(tmp_path: Path) -> None:
    built = build_store(tmp_path)
    try:
        newer = FORM.replace("| | integer | status |", "| | integer | rooms |") \
            .replace("| | acme | 1 |", "| | acme | 2 |")
        published = built.context.questionnaires.publish(
            SYSTEM, write_form(tmp_path, newer, "acme2.md"), "Acme")
        case_id = new_case(built.context, published.survey_id, built.interviewer, 9)
        interview(built.context, built.interviewer, case_id, {"rooms": 4, "age": 20},
                  "completed")
        export(built, tmp_path / "v.sav")
        data, _ = pyreadstat.read_sav(str(tmp_path / "v.sav"), user_missing=True)
    finally:
        built.context.close()
    assert data["questionnaire_version"].tolist() == ["1", "1", "1", "2"]
    assert list(data.columns).index("rooms") < list(data.columns).index("status_2")
    np.testing.assert_array_equal(data["rooms"], [np.nan, np.nan, np.nan, 4])
    np.testing.assert_array_equal(data["status_2"], [3, np.nan, np.nan, np.nan])
    assert data["age"].tolist() == [34, -99, 70, 20]


SMALL = """
| survey |
| | type | name | label | special |
| | integer | age | Age | dont_know refused |
| | begin repeat | kid | Kid | |
| | text | kname | Name | |
| | end repeat | | | |
| settings |
| | form_id | version |
| | small | 1 |
"""


def test_central_databases_alike(any_url: str, tmp_path: Path) -> None:
    """The driver-level reads (joined strings, literal ids, JSON detail) on SQLite and
    PostgreSQL give the same file."""
    db = open_central(any_url)
    try:
        published = QuestionnaireService(db).publish(SYSTEM, write_form(tmp_path, SMALL),
                                                     "Small")
        user_id = uuid7()
        at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
        ids = [uuid7() for _ in range(3)]
        answers = [(0, "age", "age", "41", None), (0, "kname", "kid[1]/kname", "Al", None),
                   (0, "kname", "kid[2]/kname", "Bo", None), (1, "age", "age", None, "refused"),
                   (2, "age", "age", "7", None)]
        with db.unit_of_work() as session:
            session.add(User(id=user_id, username="ann", role="interviewer", password_hash="x"))
            session.flush()
            for interview_id in ids:
                session.add(Interview(id=interview_id, survey_id=published.survey_id,
                                      questionnaire_version_id=published.version_id,
                                      interviewer_id=user_id, status="completed",
                                      started_at=at, completed_at=at))
                session.flush()
                session.add(ParadataEvent(interview_id=interview_id, seq=1, kind="change",
                                          path="age", at=at, detail={"old": "1", "new": "2"}))
            for row, question, path, value, special in answers:
                session.add(Answer(interview_id=ids[row], question=question, path=path,
                                   value=value, special=special))
        report = ExportService(db).export(SYSTEM, "Small", tmp_path / "s.csv", batch=2)
    finally:
        db.dispose()
    assert report.interviews == 3
    main_rows = read_csv(tmp_path / "s.csv")
    assert sorted(r["age"] for r in main_rows) == ["-99", "41", "7"]
    kids = read_csv(tmp_path / "s_kid.csv")
    assert [(r["instance"], r["kname"]) for r in kids] == [("1", "Al"), ("2", "Bo")]
    events = read_csv(tmp_path / "s_paradata.csv")
    assert {(r["old_value"], r["new_value"]) for r in events} == {("1", "2")}
    assert len(events) == 3 and uuid.UUID(events[0]["interview_id"]) in ids


def test_long_texts_stay_whole_in_stata(tmp_path: Path) -> None:
    import pandas as pd

    from interviewer.export.layout import Table, Variable
    from interviewer.export.writers import write_dta

    long = "ż" * 3000  # an open answer longer than Stata's 2045-byte str
    note = Variable(name="note", label="A long note", kind="string", role="answer",
                    source="note")
    write_dta(pd.DataFrame({"note": [long, ""]}),
              Table(repeat="", label="", variables=[note]), tmp_path / "long.dta")
    data, _ = pyreadstat.read_dta(str(tmp_path / "long.dta"))
    assert data["note"][0] == long


PERSONAL_FORM = """
| survey |
| | type | name | label | personal |
| | text | phone | Your phone | yes |
| | text | why | Why? | |
| settings |
| | form_id | version | form_title |
| | pers | 1 | Personal data |
"""


def test_personal_answers_stay_out_of_the_files_and_the_paradata(tmp_path: Path) -> None:
    from interviewer.context import build_context
    from tests.export.helpers import add_user

    context = build_context(tmp_path / "data")
    form = write_form(tmp_path, PERSONAL_FORM, "pers.md")
    published = context.questionnaires.publish(SYSTEM, form, "Pers")
    anna = add_user(context, "anna", "interviewer")
    boss = add_user(context, "boss", "supervisor")
    case_id = new_case(context, published.survey_id, anna, 1)
    interview(context, anna, case_id, {"phone": "+48 600 111 222", "why": "ok"}, "completed")
    service = ExportService(context.db)
    service.export(boss, "Pers", tmp_path / "out" / "p.csv")
    main_text = (tmp_path / "out" / "p.csv").read_text(encoding="utf-8-sig")
    paradata = (tmp_path / "out" / "p_paradata.csv").read_text(encoding="utf-8-sig")
    assert "600 111 222" not in main_text and "600 111 222" not in paradata
    assert "ok" in main_text  # the rest is there
    service.export(boss, "Pers", tmp_path / "all" / "p.csv", include_contact=True)
    assert "600 111 222" in (tmp_path / "all" / "p.csv").read_text(encoding="utf-8-sig")
    assert "600 111 222" in (tmp_path / "all" / "p_paradata.csv").read_text(
        encoding="utf-8-sig")
    context.close()


def test_every_export_is_in_the_audit_log(store: Store, tmp_path: Path) -> None:
    from interviewer.storage.models import AuditEntry

    def exports() -> list[AuditEntry]:
        with store.context.db.unit_of_work() as session:
            return list(session.scalars(select(AuditEntry).where(
                AuditEntry.action == "export").order_by(AuditEntry.at, AuditEntry.id)))

    before = len(exports())  # the store is shared by this module's tests
    export(store, tmp_path / "acme.sav")
    entries = exports()
    assert len(entries) == before + 1
    entry = entries[-1]
    assert (entry.actor_id, entry.role) == (store.supervisor.id, "supervisor")
    assert entry.detail["format"] == "sav" and entry.detail["interviews"] == 3
    assert entry.detail["include_contact"] is False


def test_the_command_is_run_by_a_signed_in_supervisor(
        store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        staff: SignIn) -> None:
    """Who takes the data out signs in, the service checks their role and the audit
    log names them; a missing --user, a wrong password or an interviewer gets one line."""
    data_dir = str(store.context.data_dir)
    command = ["export", "Acme", "--out", str(tmp_path / "a.csv"), "--local",
               "--data-dir", data_dir]
    assert main(command) == 2
    assert "say who runs this: --user NAME" in capsys.readouterr().err
    assert main([*command, *staff(store.context.db, "ivan", "interviewer")]) == 1
    err = capsys.readouterr().err
    assert "ivan (interviewer) may not do this" in err and err.count("\n") == 1
    assert main([*command, "--user", "chief2", "--password-stdin"]) == 2  # no such user
    err = capsys.readouterr().err
    assert "interviewer.sqlite refused the sign-in" in err and "synced on this computer" in err
    assert main([*command, *staff(store.context.db, "chief2")]) == 0
    with store.context.db.unit_of_work() as session:
        who = session.scalars(select(User.username).join(
            AuditEntry, AuditEntry.actor_id == User.id).where(
            AuditEntry.action == "export")).all()
    assert "chief2" in who and "ivan" not in who


def test_without_a_terminal_the_password_is_asked_for_on_standard_input(
        tmp_path: Path) -> None:
    """cron, CI: no terminal to type into and no --password-stdin: one line, exit 2."""
    done = subprocess.run(
        [sys.executable, "-m", "interviewer.cli", "export", "Acme", "--out",
         str(tmp_path / "a.csv"), "--data-dir", str(tmp_path / "data"), "--user", "boss"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
        start_new_session=True, check=False)  # no controlling terminal either
    assert done.returncode == 2, done.stderr
    assert "--password-stdin" in done.stderr and "Traceback" not in done.stderr
