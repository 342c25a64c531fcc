"""Pictures of the main screens at 1366x768, offscreen, for a person to look at
(test-artifacts/screenshots/, git-ignored); the test checks they exist and are not blank."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from interviewer.ui.main_window import MainWindow
from tests.ui.conftest import Demo
from tests.ui.helpers import answer, enter, open_case, press, sign_in, type_text

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def save(window: MainWindow, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    QApplication.processEvents()  # pending layout requests, as the event loop would run them
    assert window.grab().save(str(path), "PNG")
    return path


def distinct_colours(path: Path) -> int:
    """How many colours a sample of the picture holds (1 for a blank one)."""
    image = QImage(str(path))
    assert not image.isNull()
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7)
               for y in range(0, image.height(), 7)}
    return len(colours)


def test_screenshots_of_login_home_and_interview(qtbot: QtBot, window: MainWindow,
                                                 demo: Demo) -> None:
    shots = []
    window.login.username.setFocus()
    qtbot.keyClicks(window.login.username, "anna")
    shots.append(save(window, "01-login"))
    qtbot.keyClick(window.login.username, Qt.Key.Key_Return)
    qtbot.keyClicks(window.login.password, "not the password")
    with qtbot.waitSignal(window.login.sign_in_failed, timeout=10_000):
        qtbot.keyClick(window.login.password, Qt.Key.Key_Return)
    shots.append(save(window, "02-login-wrong-password"))
    window.login.username.clear()
    window.login.username.setFocus()
    sign_in(qtbot, window, "anna", demo.password("anna"))
    shots.append(save(window, "03-home"))

    ces = next(i for i in window.home.model.items() if i.survey == "Support CES")
    open_case(qtbot, window, ces.external_id)
    shots.append(save(window, "04-interview-intro"))
    enter(qtbot, window)
    shots.append(save(window, "05-interview-choices"))
    assert answer(qtbot, window, "2") == "contacts"
    type_text(qtbot, window, "9")
    enter(qtbot, window)
    shots.append(save(window, "06-interview-warning"))
    enter(qtbot, window)
    enter(qtbot, window)  # no answer: the required message
    shots.append(save(window, "07-interview-required"))
    assert answer(qtbot, window, "1") == "ces"
    assert answer(qtbot, window, "6") == "easy_what"
    type_text(qtbot, window, "Quick and friendly")
    press(qtbot, window, Qt.Key.Key_F3)
    shots.append(save(window, "08-interview-index"))
    press(qtbot, window, Qt.Key.Key_Escape)
    enter(qtbot, window)
    assert answer(qtbot, window, "1") == "end_note"
    enter(qtbot, window)
    shots.append(save(window, "09-interview-summary"))

    for path in shots:
        assert path.is_file() and path.stat().st_size > 5_000, path
        assert distinct_colours(path) > 8, f"{path} looks blank"
