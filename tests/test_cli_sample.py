"""`interviewer sample import` and `interviewer dnc`: exit codes and what they print."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from interviewer.cli import main
from interviewer.services.common import SYSTEM
from interviewer.services.questionnaires import QuestionnaireService
from interviewer.storage.central import open_central
from interviewer.storage.db import Database, sqlite_url
from interviewer.storage.models import Case

SAMPLES = Path(__file__).resolve().parent / "data" / "samples"
CSAT = Path(__file__).resolve().parents[1] / "questionnaires" / "post_call_csat" / \
    "post_call_csat.xlsx"


def central_with_survey(url: str) -> Database:
    db = open_central(url)
    QuestionnaireService(db).publish(SYSTEM, CSAT, "csat", "cati")
    return db


@pytest.fixture
def central(tmp_path: Path) -> Iterator[tuple[str, Database]]:
    url = sqlite_url(tmp_path / "central.sqlite")
    db = central_with_survey(url)
    yield url, db
    db.dispose()


def count(db: Database, flagged_only: bool = False) -> int:
    query = select(func.count()).select_from(Case)
    if flagged_only:
        query = query.where(Case.do_not_call.is_(True))
    with db.transaction() as connection:
        return int(connection.scalar(query) or 0)


def test_import_prints_the_summary(central: tuple[str, Database],
                                   capsys: pytest.CaptureFixture[str]) -> None:
    url, db = central
    code = main(["sample", "import", "csat", str(SAMPLES / "good.csv"), "--region", "PL",
                 "--central", url])
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[0] == "Imported 5 of 5 rows into survey 'csat'"
    assert "flagged do-not-call (never dialled): 0" in out
    assert "  time zones: 2 from the file, 3 inferred from the number\n" in out
    assert "several" not in out and "extension" not in out
    assert "    Asia/Tokyo: 1" in out and "    Europe/London: 1" in out
    assert "601" not in out  # no respondent's number
    assert count(db) == 5


def test_a_number_of_several_zones_stops_the_import(central: tuple[str, Database],
                                                     tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    url, db = central
    path = tmp_path / "au.csv"
    path.write_text("id,phone\nU1,+61 412 345 678\nU2,+48 22 123 45 67 ext. 12\n",
                    encoding="utf-8")
    assert main(["sample", "import", "csat", str(path), "--central", url]) == 1
    err = capsys.readouterr().err
    assert ("  line 2: the number in column 'phone' fits several time zones "
            "(Australia/Adelaide, Australia/Brisbane, Australia/Eucla, Australia/Lord_Howe, "
            "...); add a timezone column") in err
    assert "412" not in err
    path.write_text("id,phone,timezone\nU1,+61 412 345 678,Australia/Perth\n"
                    "U2,+48 22 123 45 67 ext. 12,\n", encoding="utf-8")
    assert main(["sample", "import", "csat", str(path), "--central", url, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert "timezones_ambiguous" not in report and report["extensions"] == 1
    assert count(db) == 2
    path.write_text("id,phone\nU3,+48 22 123 45 68 ext. 12\n", encoding="utf-8")
    assert main(["sample", "import", "csat", str(path), "--central", url]) == 0
    assert "  extensions kept for the interviewer (preload): 1" in capsys.readouterr().out


def test_bad_lines_exit_1_name_each_line_and_write_nothing(
        central: tuple[str, Database], capsys: pytest.CaptureFixture[str]) -> None:
    url, db = central
    code = main(["sample", "import", "csat", str(SAMPLES / "bad.csv"), "--region", "PL",
                 "--central", url])
    err = capsys.readouterr().err.splitlines()
    assert code == 1
    assert err[0] == "error: bad.csv: 7 bad lines; nothing was imported"
    assert "  line 3: no phone number" in err
    assert "  line 6: id 'B1' is also on line 2" in err
    assert [line.split(":")[0] for line in err[1:]] == [
        f"  line {n}" for n in (3, 4, 5, 6, 7, 8, 9)]
    assert count(db) == 0


def test_json_report_and_json_problems(central: tuple[str, Database],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    url, _ = central
    args = ["sample", "import", "csat", "--region", "PL", "--central", url, "--json"]
    assert main([*args, str(SAMPLES / "good.xlsx")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and report["imported"] == 3
    assert report["timezones"] == {"Asia/Tokyo": 1, "America/New_York": 1,
                                   "Europe/Warsaw": 1}
    assert main([*args, str(SAMPLES / "good.xlsx")]) == 1
    failed = json.loads(capsys.readouterr().out)
    assert failed["ok"] is False and failed["file"] == "good.xlsx"
    assert {p["line"] for p in failed["problems"]} == {2, 3, 5}  # Excel row numbers


def test_repeated_map_options_give_several_phone_columns(
        central: tuple[str, Database], capsys: pytest.CaptureFixture[str]) -> None:
    url, db = central
    code = main(["sample", "import", "csat", str(SAMPLES / "custom_headers.csv"),
                 "--map", "id=Nr klienta", "--map", "name=Imię i nazwisko",
                 "--map", "phone=Tel. komórkowy", "--map", "phone=Tel. stacjonarny",
                 "--central", url])
    assert code == 0, capsys.readouterr().err
    with db.unit_of_work() as session:
        phones = {c.external_id: c.phones for c in session.scalars(select(Case))}
    assert phones == {"K-001": ["+48601234567", "+48221234567"], "K-002": ["+48227654321"]}
    assert main(["sample", "import", "csat", str(SAMPLES / "good.csv"), "--map", "phone",
                 "--central", url]) == 2
    assert "write FIELD=COLUMN" in capsys.readouterr().err


def test_existing_lines_stop_the_import_unless_skipped(
        central: tuple[str, Database], capsys: pytest.CaptureFixture[str]) -> None:
    url, db = central
    args = ["sample", "import", "csat", str(SAMPLES / "good.csv"), "--region", "PL",
            "--central", url]
    assert main(args) == 0
    capsys.readouterr()
    assert main(args) == 1
    assert "hint: --skip-existing" in capsys.readouterr().err
    assert main([*args, "--skip-existing"]) == 0
    assert "skipped, already in the survey: 5" in capsys.readouterr().out
    assert count(db) == 5


def test_dry_run_writes_nothing(central: tuple[str, Database],
                                capsys: pytest.CaptureFixture[str]) -> None:
    url, db = central
    assert main(["sample", "import", "csat", str(SAMPLES / "semicolon_bom.csv"),
                 "--dry-run", "--central", url]) == 0
    assert capsys.readouterr().out.startswith(
        "Dry run, nothing written: 3 of 3 rows would be imported into survey 'csat'")
    assert count(db) == 0


def test_refusals_and_their_exit_codes(central: tuple[str, Database], tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    url, _ = central
    good = str(SAMPLES / "good.csv")
    assert main(["sample", "import", "nps", good, "--region", "PL", "--central", url]) == 1
    assert "no survey named 'nps'; the surveys are: csat" in capsys.readouterr().err
    assert main(["sample", "import", "csat", str(tmp_path / "none.csv"), "--central",
                 url]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["sample", "import", "csat", good, "--region", "QQ", "--central", url]) == 1
    assert "'QQ' is not a country code" in capsys.readouterr().err
    assert main(["sample", "import", "csat", good, "--central", "mysql://x/y"]) == 2
    assert "neither PostgreSQL nor SQLite" in capsys.readouterr().err


def test_data_dir_selects_its_central_database(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INTERVIEWER_CENTRAL_URL", raising=False)
    data = tmp_path / "data"
    db = central_with_survey(sqlite_url(data / "central.sqlite"))
    try:
        assert main(["sample", "import", "csat", str(SAMPLES / "good.csv"), "--region",
                     "PL", "--data-dir", str(data)]) == 0
        assert count(db) == 5
    finally:
        db.dispose()


def test_dnc_import_count_and_check(central: tuple[str, Database],
                                    capsys: pytest.CaptureFixture[str]) -> None:
    url, db = central
    assert main(["sample", "import", "csat", str(SAMPLES / "good.csv"), "--region", "PL",
                 "--central", url]) == 0
    capsys.readouterr()
    assert main(["dnc", "import", str(SAMPLES / "dnc.txt"), "--reason", "asked",
                 "--central", url]) == 0
    assert capsys.readouterr().out.strip() == (
        "Do-not-call list: 2 numbers added, 0 already listed, 1 repeated in the file "
        "(3 read); 2 cases flagged, never to be dialled")
    assert count(db, flagged_only=True) == 2
    assert main(["dnc", "import", str(SAMPLES / "dnc.txt"), "--central", url]) == 0
    assert "0 numbers added, 2 already listed" in capsys.readouterr().out
    assert main(["dnc", "count", "--central", url]) == 0
    assert capsys.readouterr().out.strip() == "2"
    assert main(["dnc", "check", "+48 601 234 567", "--central", url]) == 0
    assert capsys.readouterr().out.strip() == "listed"
    assert main(["dnc", "check", "602345678", "--region", "PL", "--central", url]) == 1
    assert capsys.readouterr().out.strip() == "not listed"
    assert main(["dnc", "check", "602345678", "--central", url]) == 2


def test_dnc_bad_lines_exit_1(central: tuple[str, Database], tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    url, _ = central
    bad = tmp_path / "dnc.txt"
    bad.write_text("+48 601 234 567\n+48 12\n", encoding="utf-8")
    assert main(["dnc", "import", str(bad), "--central", url]) == 1
    err = capsys.readouterr().err
    assert "line 2: the number is not a valid number for PL (+48)" in err
    assert main(["dnc", "count", "--central", url]) == 0
    assert capsys.readouterr().out.strip() == "0"


def test_the_commands_are_wired_into_the_interviewer_command() -> None:
    done = subprocess.run([sys.executable, "-m", "interviewer.cli", "sample", "import",
                           "--help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "--skip-existing" in done.stdout
    done = subprocess.run([sys.executable, "-m", "interviewer.cli", "dnc"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "import" in done.stdout
