"""Driving the window with the keyboard, as an interviewer does."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from interviewer.ui.main_window import MainWindow

TIMEOUT = 10_000


def focused(window: MainWindow) -> QWidget:
    widget = QApplication.focusWidget() or window.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def press(qtbot: QtBot, window: MainWindow, key: Qt.Key,
          modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(focused(window), key, modifier)


def type_text(qtbot: QtBot, window: MainWindow, text: str) -> None:
    qtbot.keyClicks(focused(window), text)


def sign_in(qtbot: QtBot, window: MainWindow, username: str, password: str) -> None:
    """Type the user name and the password, Enter; wait for the work list."""
    login = window.login
    assert window.stack.currentWidget() is login
    qtbot.keyClicks(login.username, username)
    qtbot.keyClick(login.username, Qt.Key.Key_Return)  # to the password
    assert login.password.hasFocus()
    with qtbot.waitSignal(window.home.work_list_loaded, timeout=TIMEOUT):
        qtbot.keyClicks(login.password, password)
        qtbot.keyClick(login.password, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is window.home


def open_case(qtbot: QtBot, window: MainWindow, case: str) -> None:
    """Ctrl+F, the case id, Enter to the list, Enter to open; wait for the interview."""
    home = window.home
    press(qtbot, window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert home.search.hasFocus()
    qtbot.keyClicks(home.search, case)
    qtbot.keyClick(home.search, Qt.Key.Key_Return)
    assert home.table.hasFocus()
    item = home.current_item()
    assert item is not None and item.external_id == case
    with qtbot.waitSignal(window.interview.screen_shown, timeout=TIMEOUT):
        qtbot.keyClick(home.table, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is window.interview


def step_key(window: MainWindow) -> str:
    step = window.interview.current_step
    assert step is not None
    return step.current_key


def enter(qtbot: QtBot, window: MainWindow,
          modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """Enter on the focused widget; wait until the screen shows the outcome."""
    with qtbot.waitSignal(window.interview.screen_shown, timeout=TIMEOUT):
        press(qtbot, window, Qt.Key.Key_Return, modifier)


def answer(qtbot: QtBot, window: MainWindow, keys: str) -> str:
    """Type `keys` into the question on screen, Enter, and return the next screen's key."""
    type_text(qtbot, window, keys)
    enter(qtbot, window)
    return step_key(window)
