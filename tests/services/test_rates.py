"""Response rates of a survey from the dispositions stored on central, and the
`interviewer report rates` command over them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import pytest

from interviewer.cli import main
from interviewer.metrics import aapor_rates
from interviewer.services.common import (
    SYSTEM,
    CurrentUser,
    NotFound,
    PermissionDenied,
    ServiceError,
)
from interviewer.services.rates import RatesService
from interviewer.storage.central import CENTRAL_ENV, CENTRAL_FILE, open_central
from interviewer.storage.db import Database, sqlite_url
from interviewer.storage.models import CallAttempt, Case, QuestionnaireVersion, Survey, User
from tests.conftest import SignIn

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
SUPERVISOR = CurrentUser(id=uuid.uuid4(), username="sue", role="supervisor")
INTERVIEWER = CurrentUser(id=uuid.uuid4(), username="ian", role="interviewer")
# what seed() stores in survey "S" (see there)
EXPECTED = {"I": 3, "P": 1, "R": 4, "NC": 2, "O": 1, "UH": 3, "UO": 1, "NE": 2}


def _survey(db: Database, name: str) -> uuid.UUID:
    with db.unit_of_work() as session:
        version = QuestionnaireVersion(form_id=f"form_{name}", title=name, file_name="f.xlsx",
                                       content=b"x", sha256=uuid.uuid4().hex)
        session.add(version)
        session.flush()
        survey = Survey(name=name, mode="cati", questionnaire_version_id=version.id)
        session.add(survey)
        session.flush()
        return survey.id


def _case(db: Database, survey_id: uuid.UUID, *, final: str | None = None,
          last_outcome: str | None = None, calls: tuple[tuple[int, str], ...] = ()) -> None:
    """A case; `calls` are (minutes after T0, disposition), stored in the order given."""
    with db.unit_of_work() as session:
        user = session.query(User).first()
        if user is None:
            user = User(username="caller", role="interviewer", password_hash="-")
            session.add(user)
            session.flush()
        case = Case(survey_id=survey_id, final_disposition=final, last_outcome=last_outcome,
                    attempts=len(calls), phone="+48500000000")
        session.add(case)
        session.flush()
        for minutes, code in calls:
            session.add(CallAttempt(case_id=case.id, survey_id=survey_id,
                                    interviewer_id=user.id, outcome="x", disposition=code,
                                    started_at=T0 + timedelta(minutes=minutes)))


def seed(db: Database) -> None:
    survey = _survey(db, "S")
    for _ in range(3):
        _case(db, survey, final="1.1", calls=((0, "1.1"),))
    _case(db, survey, final="1.2", calls=((0, "1.2"),))
    _case(db, survey, final="2.112", calls=((0, "2.112"),))
    _case(db, survey, final="2.12")
    # closed as a refusal although its last call reads no answer: the final code wins
    _case(db, survey, final="2.112", calls=((0, "2.112"), (60, "3.13")))
    # max attempts closed it on its last call
    _case(db, survey, final="2.111")
    # open: the latest call counts, whatever order the rows were written in
    _case(db, survey, last_outcome="no_answer", calls=((120, "3.13"), (0, "2.221")))
    _case(db, survey, last_outcome="message_left", calls=((0, "3.13"), (120, "2.221")))
    # open with a callback whose call has not reached central yet: last_outcome tells
    _case(db, survey, last_outcome="callback")
    _case(db, survey, final="2.32")
    _case(db, survey)  # never called: 3.11, UH
    _case(db, survey)
    _case(db, survey, final="3.21")
    _case(db, survey, final="4.20")
    _case(db, survey, final="4.70")
    other = _survey(db, "Other")
    _case(db, other, final="1.1")  # another survey's complete must not count


@pytest.fixture
def central(any_url: str) -> Iterator[Database]:
    db = open_central(any_url)
    try:
        seed(db)
        yield db
    finally:
        db.dispose()


def test_counts_per_category_from_final_and_last_dispositions(central: Database) -> None:
    assert RatesService(central).counts(SUPERVISOR, "S") == EXPECTED


def test_report_uses_the_proportional_e_and_aapor_formulas(central: Database) -> None:
    report = RatesService(central).report(SUPERVISOR, "S")
    assert report.cases == 17 and report.counts == EXPECTED
    assert report.e == pytest.approx(11 / 13) and not report.e_given
    assert report.rates == pytest.approx(aapor_rates(EXPECTED))
    # by hand: RR1 = I / (I+P+R+NC+O+UH+UO) = 3 / 15
    assert report.rates["RR1"] == pytest.approx(float(Fraction(3, 15)))
    given = RatesService(central).report(SUPERVISOR, "S", e=0.5)
    assert given.e == 0.5 and given.e_given
    # RR3 = 3 / (11 + 0.5 * 4)
    assert given.rates["RR3"] == pytest.approx(3 / 13)


def test_only_supervisors_and_admins_read_rates(central: Database) -> None:
    with pytest.raises(PermissionDenied):
        RatesService(central).report(INTERVIEWER, "S")
    assert RatesService(central).counts(SYSTEM, "S") == EXPECTED


def test_an_unknown_survey_is_not_found(central: Database) -> None:
    with pytest.raises(NotFound, match="'Nope'"):
        RatesService(central).counts(SUPERVISOR, "Nope")


def test_a_survey_without_cases_has_no_rates(central: Database) -> None:
    _survey(central, "Empty")
    report = RatesService(central).report(SUPERVISOR, "Empty")
    assert report.cases == 0 and set(report.rates.values()) == {None} and report.e is None


def test_a_stored_code_that_is_not_aapor_is_named(sqlite_file_url: str) -> None:
    db = open_central(sqlite_file_url)
    try:
        survey = _survey(db, "S")
        _case(db, survey, final="9.99")
        with pytest.raises(ServiceError, match=r"'9\.99'"):
            RatesService(db).counts(SUPERVISOR, "S")
    finally:
        db.dispose()


# -- the command --

@pytest.fixture
def seeded_file(tmp_path: Path) -> str:
    url = sqlite_url(tmp_path / "central.sqlite")
    db = open_central(url)
    try:
        seed(db)
    finally:
        db.dispose()
    return url


def test_report_rates_json(seeded_file: str, capsys: pytest.CaptureFixture[str],
                           staff: SignIn) -> None:
    boss = staff(seeded_file)
    assert main(["report", "rates", "S", "--json", "--central", seeded_file, *boss]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"survey", "counts", "e", "rates"}
    assert data["survey"] == "S" and data["counts"] == EXPECTED
    assert data["e"] == pytest.approx(11 / 13)
    assert data["rates"] == pytest.approx(aapor_rates(EXPECTED))
    assert main(["report", "rates", "S", "--json", "--e", "0.5", "--central",
                 seeded_file, *boss]) == 0
    assert json.loads(capsys.readouterr().out)["e"] == 0.5


def test_report_rates_table(seeded_file: str, capsys: pytest.CaptureFixture[str],
                            staff: SignIn) -> None:
    assert main(["report", "rates", "S", "--central", seeded_file, *staff(seeded_file)]) == 0
    out = capsys.readouterr().out
    assert "17 cases" in out
    assert any(line.split()[:2] == ["UH", "unknown"] and line.split()[-1] == "3"
               for line in out.splitlines())
    assert "RR1     20.00 %" in out  # 3/15
    assert "e = 0.8462 (proportional estimate)" in out


def test_report_rates_reads_the_central_file_of_the_data_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], staff: SignIn) -> None:
    monkeypatch.delenv(CENTRAL_ENV, raising=False)
    data = tmp_path / "data"
    db = open_central(sqlite_url(data / CENTRAL_FILE))
    try:
        seed(db)
        boss = staff(db)
    finally:
        db.dispose()
    assert main(["report", "rates", "S", "--json", "--data-dir", str(data), *boss]) == 0
    assert json.loads(capsys.readouterr().out)["counts"] == EXPECTED


def test_report_rates_of_an_unknown_survey_exits_2(
        seeded_file: str, capsys: pytest.CaptureFixture[str], staff: SignIn) -> None:
    assert main(["report", "rates", "Nope", "--central", seeded_file,
                 *staff(seeded_file)]) == 2
    captured = capsys.readouterr()
    assert "no survey 'Nope'" in captured.err and captured.out == ""


def test_report_rates_refuses_a_bad_e(seeded_file: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["report", "rates", "S", "--e", "1.5", "--central", seeded_file])
    assert exit_info.value.code == 2
    assert "between 0 and 1" in capsys.readouterr().err


def test_report_rates_names_an_unusable_central(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "rates", "S", "--central", "mysql://x@localhost/db"]) == 2
    assert "neither PostgreSQL nor SQLite" in capsys.readouterr().err
