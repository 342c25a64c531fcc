"""The command line over the services: publish, user add, demo."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from interviewer.cli import main
from interviewer.context import build_context
from interviewer.demo import MARKER, QUESTIONNAIRES

CSAT = QUESTIONNAIRES / "post_call_csat" / "post_call_csat.xlsx"


def test_publish_and_republish(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    args = ["questionnaire", "publish", str(CSAT), "--survey", "CSAT", "--data-dir", str(data)]
    assert main(args) == 0
    assert "published; survey 'CSAT' (capi) now uses it" in capsys.readouterr().out
    assert main(args) == 0
    assert "already published" in capsys.readouterr().out


def test_publish_refuses_a_broken_form(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.md"
    broken.write_text("| survey |\n| | type | name | label | relevant |\n"
                      "| | integer | x | X | . > and 1 |\n", encoding="utf-8")
    code = main(["questionnaire", "publish", str(broken), "--survey", "S", "--data-dir",
                 str(tmp_path / "data")])
    assert code == 1 and "row 2" in capsys.readouterr().err


def test_user_add_reads_the_password_from_stdin(tmp_path: Path) -> None:
    data = tmp_path / "data"
    done = subprocess.run([sys.executable, "-m", "interviewer.cli", "user", "add", "ola",
                           "--role", "supervisor", "--password-stdin", "--data-dir", str(data)],
                          input="a long secret\n", capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    context = build_context(data)
    try:
        assert context.auth.login("ola", "a long secret").role == "supervisor"
    finally:
        context.close()
    again = subprocess.run([sys.executable, "-m", "interviewer.cli", "user", "add", "ola",
                            "--role", "admin", "--password-stdin", "--data-dir", str(data)],
                           input="another secret\n", capture_output=True, text=True,
                           check=False)
    assert again.returncode == 1 and "already a user 'ola'" in again.stderr


def test_a_wrong_data_folder_is_named_without_a_traceback(tmp_path: Path) -> None:
    foreign = tmp_path / "data"
    foreign.mkdir()
    (foreign / "interviewer.sqlite").write_bytes(b"not a database at all" * 100)
    done = subprocess.run([sys.executable, "-m", "interviewer.cli", "questionnaire", "publish",
                           str(CSAT), "--survey", "S", "--data-dir", str(foreign)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "interviewer.sqlite" in done.stderr and "Traceback" not in done.stderr
    assert (foreign / "interviewer.sqlite").read_bytes() == b"not a database at all" * 100


def test_demo_without_a_display_says_so_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    folder = tmp_path / "demo"
    done = subprocess.run([sys.executable, "-m", "interviewer.cli", "demo", "--data-dir",
                           str(folder)], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 2
    assert "60 cases assigned" in done.stdout
    for role in ("admin", "supervisor", "interviewer"):
        assert role in done.stdout and "password:" in done.stdout
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "QT_QPA_PLATFORM=offscreen" in lines[0]
    assert "qt.qpa" not in done.stderr
    assert (folder / MARKER).is_file()
    # a second demo replaces the first; a folder that is not a demo is never touched
    again = subprocess.run([sys.executable, "-m", "interviewer.cli", "demo", "--no-window",
                            "--data-dir", str(folder)], capture_output=True, text=True,
                           env=env, check=False)
    assert again.returncode == 0
    kept = list(tmp_path.glob("demo.previous-*"))
    assert len(kept) == 1 and (kept[0] / "interviewer.sqlite").is_file()  # moved, not lost
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.docx").write_text("keep me")
    refused = subprocess.run([sys.executable, "-m", "interviewer.cli", "demo", "--no-window",
                              "--data-dir", str(precious)], capture_output=True, text=True,
                             env=env, check=False)
    assert refused.returncode == 2 and "not empty" in refused.stderr
    assert (precious / "thesis.docx").read_text() == "keep me"
