"""`interviewer central init` and `interviewer sync` end to end on SQLite files."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from interviewer.cli import main
from interviewer.storage.db import sqlite_url


def run(monkeypatch: pytest.MonkeyPatch, argv: list[str], stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(argv)


def test_central_init_then_sync_and_its_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    url = sqlite_url(tmp_path / "central.sqlite")
    data = str(tmp_path / "device")
    assert run(monkeypatch, ["central", "init", url, "--admin", "boss", "--password-stdin"],
               "correct horse\n") == 0
    assert "admin 'boss' added" in capsys.readouterr().out
    assert run(monkeypatch, ["central", "init", url, "--password-stdin"], "x\n") == 1
    assert "already has an admin ('boss')" in capsys.readouterr().out

    sync = ["sync", "--data-dir", data, "--central", url, "--user", "boss",
            "--password-stdin"]
    assert run(monkeypatch, sync, "wrong password\n") == 2
    assert "refused the sign-in" in capsys.readouterr().err
    assert run(monkeypatch, sync, "correct horse\n") == 0
    assert "sync ok" in capsys.readouterr().out

    assert run(monkeypatch, ["sync", "--data-dir", data, "--log", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert [e["status"] for e in entries] == ["ok"]
    assert entries[0]["central"].endswith("central.sqlite")
    assert run(monkeypatch, ["sync", "--data-dir", data, "--conflicts"]) == 0
    assert "no conflicts" in capsys.readouterr().out


def test_an_unreachable_central_exits_2_with_a_plain_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    code = run(monkeypatch, ["sync", "--data-dir", str(tmp_path / "d"), "--central",
                             "postgresql+psycopg://nobody:secret@127.0.0.1:1/none", "--user",
                             "x", "--password-stdin"], "pw\n")
    err = capsys.readouterr().err
    assert code == 2
    assert "Could not reach the central database" in err and "secret" not in err
