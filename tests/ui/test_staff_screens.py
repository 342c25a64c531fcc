"""The supervisors' ways in from the home screen: F6 review, F8 dashboard, Esc back; an
interviewer has neither (and the services refuse them anyway: tests/services)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from interviewer.ui.main_window import MainWindow
from tests.ui.conftest import Demo
from tests.ui.helpers import TIMEOUT, press, sign_in

pytestmark = pytest.mark.gui


def test_a_supervisor_opens_review_and_the_dashboard_with_keys(
        qtbot: QtBot, window: MainWindow, demo: Demo) -> None:
    sign_in(qtbot, window, "supervisor", demo.password("supervisor"))
    home = window.home
    assert home.review_button.isVisible() and home.dashboard_button.isVisible()
    assert home.title.text() == "All cases"

    with qtbot.waitSignal(window.review.queue_loaded, timeout=TIMEOUT):
        press(qtbot, window, Qt.Key.Key_F6)
    assert window.stack.currentWidget() is window.review
    press(qtbot, window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.home)

    with qtbot.waitSignal(window.dashboard.loaded, timeout=TIMEOUT):
        press(qtbot, window, Qt.Key.Key_F8)
    assert window.stack.currentWidget() is window.dashboard
    assert window.dashboard.current_survey() is not None
    press(qtbot, window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.home)


def test_an_interviewer_has_no_review_nor_dashboard(
        qtbot: QtBot, window: MainWindow, demo: Demo) -> None:
    sign_in(qtbot, window, "anna", demo.password("anna"))
    home = window.home
    assert not home.review_button.isVisible() and not home.dashboard_button.isVisible()
    assert home.title.text() == "Your interviews"
    press(qtbot, window, Qt.Key.Key_F6)
    press(qtbot, window, Qt.Key.Key_F8)
    qtbot.wait(200)
    assert window.stack.currentWidget() is home
