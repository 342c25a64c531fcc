"""Answer sheets (storage.sheets): an export that reads them gives the very files an
export from the answer rows gives, on SQLite and PostgreSQL, whichever interviews have
one: specials, cleared answers, repeats, calculations, several choices, a separator and
a line break inside answers, and groups large enough for pandas' parser."""

from __future__ import annotations

import csv
import io
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyreadstat
import pytest
from sqlalchemy import delete, insert, select, update

from interviewer.services import export as export_module
from interviewer.services.common import SYSTEM
from interviewer.services.export import PARSED, ExportService
from interviewer.services.questionnaires import QuestionnaireService
from interviewer.storage.central import open_central
from interviewer.storage.db import Database
from interviewer.storage.ids import uuid7
from interviewer.storage.models import Answer, AnswerSheet, Interview, ParadataEvent, User
from interviewer.storage.sheets import SEP, write_sheets
from tests.export.helpers import FORM, write_form

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
COUNT = PARSED + 60  # the common list of questions is parsed by pandas, the rest split


def answers_of(number: int, rnd: random.Random) -> list[tuple[str, str, str | None, str | None]]:
    """(question, path, value, special) of one interview."""
    rows: list[tuple[str, str, str | None, str | None]] = [
        ("consent", "consent", rnd.choice(("1", "2")), None),
        ("colour", "colour", *rnd.choice(((rnd.choice(("red", "green", "blue")), None),
                                          (None, "dont_know"), (None, "refused")))),
        ("fruit", "fruit", rnd.choice(("apple", "apple plum", "pear plum")), None),
        ("age", "age", str(rnd.randint(18, 90)), None),
        ("comment", "comment", rnd.choice(("fine", "too slow", "")), None),
        ("visit", "visit", f"2026-11-{rnd.randint(1, 28):02d}", None),
        ("status", "status", None, None),  # cleared: no longer asked
        ("n", "n", "1", None),
        ("town", "place/town", rnd.choice(("Gdańsk", "Łódź")), None),
        ("mname", "member[1]/mname", f"Member {number}", None),
        ("mage", "member[1]/mage", None, "dont_know"),
    ]
    if number % 37 == 0:
        rows.append(("first.name", "first.name", f"Ann{SEP}Bea", None))  # separator inside
    elif number % 41 == 0:
        rows.append(("first.name", "first.name", "Line\nbreak", None))
    return rows


def fill(db: Database, folder: Path) -> list[uuid.UUID]:
    published = QuestionnaireService(db).publish(SYSTEM, write_form(folder, FORM), "Acme")
    user_id, rnd, ids = uuid7(), random.Random(5), []
    interviews, answers, events = [], [], []
    for number in range(COUNT):
        interview_id = uuid7()
        ids.append(interview_id)
        interviews.append({"id": interview_id, "survey_id": published.survey_id,
                           "questionnaire_version_id": published.version_id,
                           "interviewer_id": user_id, "status": "completed",
                           "started_at": T0 + timedelta(minutes=number),
                           "completed_at": T0 + timedelta(minutes=number + 9)})
        answers += [{"id": uuid7(), "interview_id": interview_id, "question": q, "path": p,
                     "value": v, "special": s} for q, p, v, s in answers_of(number, rnd)]
        events.append({"id": uuid7(), "interview_id": interview_id, "seq": 1, "kind": "change",
                       "path": "age", "at": T0, "detail": {"old": "1", "new": "2"}})
    with db.transaction() as c:
        c.execute(insert(User).values(id=user_id, username="ann", role="interviewer",
                                      password_hash="x"))
        c.execute(insert(Interview), interviews)
        c.execute(insert(Answer), answers)
        c.execute(insert(ParadataEvent), events)
    return ids


def exported(db: Database, folder: Path, name: str) -> dict[str, Any]:
    """The data files of a CSV and an SPSS export, as text and as frames."""
    service = ExportService(db)
    service.export(SYSTEM, "Acme", folder / name / "a.csv", codes=True)
    service.export(SYSTEM, "Acme", folder / name / "a.sav")
    files = {p.name: p.read_text(encoding="utf-8-sig")
             for p in sorted((folder / name).glob("a*.csv"))}
    frame, meta = pyreadstat.read_sav(str(folder / name / "a.sav"), user_missing=True)
    return {"csv": files, "sav": frame, "labels": meta.variable_value_labels,
            "missing": meta.missing_ranges}


def assert_same(one: dict[str, Any], other: dict[str, Any]) -> None:
    pd.testing.assert_frame_equal(one.pop("sav"), other.pop("sav"))
    assert one == other


def test_sheets_export_as_the_answer_rows_do(any_url: str, tmp_path: Path) -> None:
    db = open_central(any_url)
    try:
        ids = fill(db, tmp_path)
        from_rows = exported(db, tmp_path, "rows")
        with db.transaction() as c:
            write_sheets(c, ids)
            assert c.scalar(select(AnswerSheet.questions).where(
                AnswerSheet.interview_id == ids[1])).split(SEP)[:3] == [
                "age", "colour", "comment"]  # in path order, the cleared one left out
        from_sheets = exported(db, tmp_path, "sheets")
        with db.transaction() as c:
            c.execute(delete(AnswerSheet).where(AnswerSheet.interview_id.in_(ids[::3])))
        mixed = exported(db, tmp_path, "mixed")
    finally:
        db.dispose()
    assert from_rows["sav"]["double_age"].notna().sum() > COUNT / 2  # worked out
    assert_same(from_sheets, dict(from_rows))
    assert_same(mixed, dict(from_rows))
    assert len(list(csv.DictReader(io.StringIO(from_rows["csv"]["a.csv"])))) == COUNT
    assert f"Ann{SEP}Bea" in from_rows["csv"]["a.csv"]  # not split at the separator
    assert '"Line\nbreak"' in from_rows["csv"]["a.csv"]
    assert from_rows["csv"]["a_member.csv"].count("Member ") == COUNT


def test_an_interview_approved_during_the_export_keeps_its_paradata(
        sqlite_file_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The interview list is read first; a supervisor approves one of them before its
    answers and paradata are read: it is exported whole, paradata included."""
    db = open_central(sqlite_file_url)
    try:
        ids = fill(db, tmp_path)
        read = export_module._Reader.read

        def approved_meanwhile(reader: Any, *args: Any, **kwargs: Any) -> None:
            with db.transaction() as c:
                c.execute(update(Interview).where(Interview.id == ids[0])
                          .values(status="approved"))
            read(reader, *args, **kwargs)

        monkeypatch.setattr(export_module._Reader, "read", approved_meanwhile)
        ExportService(db).export(SYSTEM, "Acme", tmp_path / "e" / "a.csv",
                                 statuses=["completed"])
    finally:
        db.dispose()
    main_rows = list(csv.DictReader(io.StringIO(
        (tmp_path / "e" / "a.csv").read_text(encoding="utf-8-sig"))))
    events = list(csv.DictReader(io.StringIO(
        (tmp_path / "e" / "a_paradata.csv").read_text(encoding="utf-8-sig"))))
    assert str(ids[0]) in {r["interview_id"] for r in main_rows}
    assert len(events) == len(main_rows) == COUNT  # one event each, none lost
