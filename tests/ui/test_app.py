"""Starting the app: no display, a data folder that cannot be used, a normal start, and
what happens to an error nobody caught."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from interviewer import app as app_module
from interviewer.app import NO_DISPLAY, UnexpectedErrorHandler, display_available, run_app
from interviewer.ui.dialogs import ErrorMessage
from interviewer.ui.main_window import MainWindow
from tests.ui.conftest import Demo

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def shown_messages(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    shown: list[tuple[str, str]] = []

    def show(cls: type[ErrorMessage], parent: QWidget | None, title: str, text: str) -> None:
        shown.append((title, text))

    monkeypatch.setattr(ErrorMessage, "show", classmethod(show))
    return shown


@pytest.fixture
def keep_log_handlers() -> Iterator[None]:
    """run_app adds a log file handler; take it away again after the test."""
    logger = logging.getLogger("interviewer")
    before, level = list(logger.handlers), logger.level
    yield
    for handler in logger.handlers:
        if handler not in before:
            handler.close()
    logger.handlers[:] = before
    logger.setLevel(level)


def test_without_a_display_one_clear_line_and_exit_code_2(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    folder = tmp_path / "data"
    done = subprocess.run([sys.executable, "-m", "interviewer.app", "--data-dir", str(folder)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [NO_DISPLAY]
    assert "qt.qpa" not in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""
    assert not folder.exists()  # nothing was touched


@pytest.mark.parametrize(("env", "platform", "expected"), [
    ({}, "linux", False),
    ({"DISPLAY": ":0"}, "linux", True),
    ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", True),
    ({"QT_QPA_PLATFORM": "offscreen"}, "linux", True),
    ({"DISPLAY": ""}, "freebsd14", False),
    ({}, "win32", True),
    ({}, "darwin", True),
])
def test_when_a_display_is_there(env: dict[str, str], platform: str, expected: bool) -> None:
    assert display_available(env, platform) is expected


def test_a_data_folder_that_cannot_be_used_is_a_plain_message(
        tmp_path: Path, qapp: QApplication, shown_messages: list[tuple[str, str]],
        capsys: pytest.CaptureFixture[str], keep_log_handlers: None) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "interviewer.sqlite").write_bytes(b"this is somebody's spreadsheet" * 20)
    assert run_app(folder, ["interviewer"]) == 1
    assert len(shown_messages) == 1
    title, text = shown_messages[0]
    assert title == "Interviewer cannot start"
    assert "is not an Interviewer data file" in text and "Traceback" not in text
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_the_app_starts_on_the_sign_in_screen_with_its_style(
        qtbot: QtBot, qapp: QApplication, demo_template: Demo, tmp_path: Path,
        keep_log_handlers: None) -> None:
    folder = tmp_path / "data"
    shutil.copytree(demo_template.template, folder)
    seen: list[str] = []

    def look_and_quit() -> None:
        windows = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, MainWindow) and w.isVisible()]
        seen.extend(type(w.stack.currentWidget()).__name__ for w in windows)
        # exit() alone: closing the last window would also post a quit that outlives this
        # event loop and ends every later test's wait at once
        qapp.exit(0)

    QTimer.singleShot(0, look_and_quit)
    assert run_app(folder, ["interviewer"]) == 0
    assert seen == ["LoginScreen"]
    assert "QPushButton#primary" in qapp.styleSheet()
    assert (folder / "logs" / "interviewer.log").is_file()


def test_an_uncaught_error_is_logged_with_its_trace_and_shown_plainly(
        shown_messages: list[tuple[str, str]], caplog: pytest.LogCaptureFixture) -> None:
    handler = UnexpectedErrorHandler()
    try:
        raise KeyError("position")
    except KeyError as e:
        with caplog.at_level(logging.ERROR, logger="interviewer"):
            handler(type(e), e, e.__traceback__)
    assert "Traceback" in caplog.text and "KeyError: 'position'" in caplog.text
    [(title, text)] = shown_messages
    assert title == "Something went wrong"
    assert "answers up to the last confirmed question are saved" in text
    assert "Traceback" not in text


def test_the_style_sheet_is_there() -> None:
    sheet = app_module.load_style_sheet()
    assert "font-size" in sheet and ":focus" in sheet
    assert app_module.load_style_sheet(Path("/nonexistent.qss")) == ""


def test_void_qt_calls_do_not_leak_none(qapp: QApplication) -> None:
    """PySide6 6.12.0 on Python 3.11 dropped a reference to None on every void call and
    aborted the app after about 5,000 ("none_dealloc"): pyproject pins 6.11.3. This fails
    on a binding that has the defect, before any interviewer meets it."""
    label = QLabel()
    before = sys.getrefcount(None)
    for _ in range(2_000):
        label.setText("z")
    assert sys.getrefcount(None) >= before - 10 or sys.version_info >= (3, 12)


def test_missing_x11_libraries_are_named_instead_of_a_qt_abort(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Qt 6.5+ aborts with a plugin trace when libxcb-cursor0 and friends are missing;
    the app names them and the packages to install, before Qt starts."""
    monkeypatch.setattr(app_module, "display_available", lambda: True)
    monkeypatch.setattr(app_module, "missing_window_libraries",
                        lambda: ["libxcb-cursor.so.0", "libxcb-icccm.so.4"])
    assert app_module.run_app(None, []) == app_module.EXIT_NO_DISPLAY
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "libxcb-cursor.so.0, libxcb-icccm.so.4" in err[0]
    assert "apt-get install libxcb-cursor0" in err[0]


def test_the_library_check_only_concerns_x11() -> None:
    for env in ({}, {"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"},
                {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}):
        assert app_module.missing_window_libraries(env) == []
