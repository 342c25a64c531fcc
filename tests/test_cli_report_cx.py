"""`interviewer report cx`: text, JSON, HTML and PDF from a real central."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import update

from interviewer.cli import main
from interviewer.storage.db import sqlite_url
from interviewer.storage.models import Survey
from tests.conftest import STAFF_PASSWORD, SignIn
from tests.services.test_results import World, build


@pytest.fixture
def central(tmp_path: Path, staff: SignIn) -> tuple[str, World]:
    url = sqlite_url(tmp_path / "central.sqlite")
    world = build(url)
    world.db.dispose()
    staff(url)  # BOSS
    return url, world


BOSS = ["--user", "boss", "--password-stdin"]


def test_text_table(central: tuple[str, World], capsys: pytest.CaptureFixture[str]) -> None:
    url, _ = central
    assert main(["report", "cx", "CX Survey", "--central", url, *BOSS]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("Survey 'CX Survey': 12 completed interviews")
    nps_line = next(line for line in lines if line.split()[:2] == ["NPS", "nps"])
    assert nps_line.split()[2:] == ["+0", "-46", "..", "+46", "10", "+20", "WORSE"]
    assert "  W2" in lines and "Follow-up cases: 6 open, 0 closed" in lines
    assert "By wave (days in the respondent's time zone):" in lines
    assert "Resp " not in out and "+4850" not in out  # no respondent data


def test_json_has_report_fieldwork_and_productivity(
        central: tuple[str, World], capsys: pytest.CaptureFixture[str]) -> None:
    url, _ = central
    assert main(["report", "cx", "CX Survey", "--central", url, "--json", *BOSS]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["survey"] == "CX Survey" and data["interviews"] == 12
    assert {e["question"]: e["n"] for e in data["overall"]} == {
        "nps": 10, "csat": 5, "ces": 4, "tp_sat": 2}
    assert data["fieldwork"]["completes"] == 12
    assert sorted(p["name"] for p in data["productivity"]) == ["Anna", "Ben"]
    assert data["follow_ups_open"] == 6


def test_unknown_survey_and_bad_settings_in_one_line(
        central: tuple[str, World], capsys: pytest.CaptureFixture[str]) -> None:
    url, world = central
    assert main(["report", "cx", "cx survey", "--central", url, *BOSS]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "there is no survey 'cx survey'" in err
    db = world.db.__class__(url)
    with db.unit_of_work() as s:
        s.execute(update(Survey).values(settings={"cx": {"targets": {"nps": "high"}}}))
    db.dispose()
    assert main(["report", "cx", "CX Survey", "--central", url, *BOSS]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cx.targets.nps" in err


def test_html_and_pdf_written(central: tuple[str, World], tmp_path: Path) -> None:
    """In a child process: Qt's application object must not outlive into other tests."""
    url, _ = central
    html, pdf = tmp_path / "cx.html", tmp_path / "cx.pdf"
    done = subprocess.run(
        [sys.executable, "-m", "interviewer.cli", "report", "cx", "CX Survey", "--central", url,
         "--json", "--html", str(html), "--pdf", str(pdf), *BOSS],
        input=STAFF_PASSWORD + "\n", capture_output=True, text=True, check=False,
        timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["survey"] == "CX Survey"  # stdout stays JSON
    text = html.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "CX Survey" in text
    assert text.count("<svg") >= 10 and "<script" not in text and "http://" not in \
        text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        shown = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                               check=True).stdout
        assert "Customer experience results: CX Survey" in shown
        assert "Interviewer productivity" in shown


def test_help_shows_percent_signs_once(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["report", "cx", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "Scores with 95 % intervals" in out and "%%" not in out
