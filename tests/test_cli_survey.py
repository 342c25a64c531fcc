"""`interviewer survey cx`: print a survey's CX settings, set them from a file; a wrong
file is named in one line and changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from interviewer.cli import main
from interviewer.storage.central import open_central
from interviewer.storage.db import sqlite_url
from interviewer.storage.models import AuditEntry, Survey, User
from tests.conftest import SignIn
from tests.services.test_results import build


@pytest.fixture
def url(tmp_path: Path, staff: SignIn) -> str:
    url = sqlite_url(tmp_path / "central.sqlite")
    build(url).db.dispose()
    staff(url)  # BOSS
    return url


BOSS = ["--user", "boss", "--password-stdin"]


def test_print_edit_and_set(url: str, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["survey", "cx", "CX Survey", "--central", url, *BOSS]) == 0
    settings = json.loads(capsys.readouterr().out)
    settings["targets"] = {"nps": 45, "csat": 85}
    settings["follow_up"] = [{"metric": "nps", "max": 6, "reason": "Detractor"}]
    path = tmp_path / "cx.json"
    path.write_text(json.dumps(settings), encoding="utf-8")
    assert main(["survey", "cx", "CX Survey", "--set", str(path), "--central", url, *BOSS]) == 0
    assert main(["survey", "cx", "CX Survey", "--central", url, *BOSS]) == 0
    stored = json.loads(capsys.readouterr().out)
    assert stored["targets"] == {"nps": 45.0, "csat": 85.0}
    assert [r["reason"] for r in stored["follow_up"]] == ["Detractor"]
    central = open_central(url)
    with central.unit_of_work() as session:
        entry = session.execute(select(AuditEntry.action, User.username).join(
            User, User.id == AuditEntry.actor_id).where(
            AuditEntry.action == "cx_settings")).one()
        assert tuple(entry) == ("cx_settings", "boss")  # who set them, signed in
    central.dispose()


def test_a_wrong_file_is_named_and_changes_nothing(
        url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    central = open_central(url)
    with central.unit_of_work() as session:
        before = session.scalar(select(Survey.settings).where(Survey.name == "CX Survey"))
    path = tmp_path / "cx.json"
    path.write_text(json.dumps({"targets": {"nps": "high"}}), encoding="utf-8")
    assert main(["survey", "cx", "CX Survey", "--set", str(path), "--central", url, *BOSS]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: survey settings cx.targets.nps") and "\n" not in err
    path.write_text("{not json", encoding="utf-8")
    assert main(["survey", "cx", "CX Survey", "--set", str(path), "--central", url, *BOSS]) == 1
    assert "line 1: not JSON" in capsys.readouterr().err
    assert main(["survey", "cx", "Nope", "--central", url, *BOSS]) == 1
    assert "there is no survey 'Nope'" in capsys.readouterr().err
    with central.unit_of_work() as session:
        after = session.scalar(select(Survey.settings).where(Survey.name == "CX Survey"))
    central.dispose()
    assert after == before
