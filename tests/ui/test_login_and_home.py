"""Signing in, and the home list an interviewer works from."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from interviewer.context import AppContext
from interviewer.services.auth import FAILED
from interviewer.ui.main_window import MainWindow
from interviewer.ui.work_list_model import STATUS
from tests.ui.conftest import Demo
from tests.ui.helpers import TIMEOUT, enter, open_case, press, sign_in, type_text


def test_a_wrong_password_shows_the_message_and_keeps_the_user_name(
        qtbot: QtBot, window: MainWindow) -> None:
    login = window.login
    qtbot.keyClicks(login.username, "anna")
    qtbot.keyClick(login.username, Qt.Key.Key_Return)
    qtbot.keyClicks(login.password, "not-her-password")
    with qtbot.waitSignal(login.sign_in_failed, timeout=TIMEOUT) as failed:
        qtbot.keyClick(login.password, Qt.Key.Key_Return)
    assert failed.args == [FAILED]
    assert login.error.text() == FAILED
    assert window.stack.currentWidget() is login
    assert login.username.text() == "anna" and login.password.text() == ""
    assert login.password.hasFocus()
    assert login.sign_in_button.isEnabled()


def test_signing_in_with_nothing_typed_says_what_is_missing(qtbot: QtBot,
                                                            window: MainWindow) -> None:
    with qtbot.assertNotEmitted(window.login.signed_in):
        window.login.sign_in_button.click()
    assert window.login.error.text() == "Type your user name and password."


def test_an_interviewer_sees_only_their_own_cases(qtbot: QtBot, window: MainWindow,
                                                  context: AppContext, demo: Demo) -> None:
    sign_in(qtbot, window, "anna", demo.password("anna"))
    shown = {i.case_id for i in window.home.model.items()}
    anna = context.interviewing(context.auth.login("anna", demo.password("anna")))
    bartek = context.interviewing(context.auth.login("bartek", demo.password("bartek")))
    assert shown == {i.case_id for i in anna.work_list()}
    theirs = {i.case_id for i in bartek.work_list()}
    assert shown and theirs and not shown & theirs
    assert window.home.user_label.text() == "Signed in as Anna (interviewer)"

    # bartek, after anna signs out, sees his and not hers
    window.home.sign_out_button.click()
    assert window.stack.currentWidget() is window.login
    assert window.login.username.hasFocus()
    window.login.username.clear()
    sign_in(qtbot, window, "bartek", demo.password("bartek"))
    assert {i.case_id for i in window.home.model.items()} == theirs


def test_search_and_status_filter_the_list(qtbot: QtBot, window: MainWindow,
                                           demo: Demo) -> None:
    sign_in(qtbot, window, "anna", demo.password("anna"))
    home = window.home
    total = home.proxy.rowCount()
    assert home.count_label.text() == f"{total} cases"

    press(qtbot, window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    type_text(qtbot, window, "support ces")
    rows = [home.proxy.index(r, 2).data() for r in range(home.proxy.rowCount())]
    assert rows and set(rows) == {"Support CES"} and len(rows) < total
    assert home.count_label.text() == f"{len(rows)} of {total} cases"
    home.search.clear()

    first = home.model.items()[0]
    open_case(qtbot, window, first.external_id)
    enter(qtbot, window)
    with qtbot.waitSignal(home.work_list_loaded, timeout=TIMEOUT):
        press(qtbot, window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    home.search.clear()
    suspended = home.status_filter.findData("suspended")
    home.status_filter.setCurrentIndex(suspended)
    assert home.proxy.rowCount() == 1
    assert home.proxy.index(0, STATUS).data() == "Suspended"
    home.status_filter.setCurrentIndex(home.status_filter.findData("new"))
    assert home.proxy.rowCount() == total - 1


def test_a_completed_interview_cannot_be_started_again(qtbot: QtBot, window: MainWindow,
                                                       context: AppContext,
                                                       demo: Demo) -> None:
    anna = context.auth.login("anna", demo.password("anna"))
    service = context.interviewing(anna)
    item = next(i for i in service.work_list() if i.survey == "Support CES")
    assert item.case_id is not None
    session = service.open(service.start(item.case_id))
    for key, value in (("channel", "email"), ("contacts", 1), ("resolved", "yes"),
                       ("ces", "7"), ("recontact", "no")):
        assert session.answer(key, value) is None
    assert session.complete() == []

    sign_in(qtbot, window, "anna", demo.password("anna"))
    home = window.home
    home.status_filter.setCurrentIndex(home.status_filter.findData(""))
    home.search.setText(item.external_id)
    home.select_row(0)
    assert home.current_item() is not None
    assert home.current_item().status == "completed"  # type: ignore[union-attr]
    assert not home.open_button.isEnabled()
    with qtbot.assertNotEmitted(home.interview_opened):
        qtbot.keyClick(home.table, Qt.Key.Key_Return)
    assert "completed" in home.message.text()


def test_an_interview_opening_during_sign_out_is_not_shown(qtbot: QtBot, window: MainWindow,
                                                           demo: Demo) -> None:
    """A task finishing after sign-out must not put the last user's interview (or list)
    in front of whoever is at the screen now."""
    sign_in(qtbot, window, "anna", demo.password("anna"))
    home = window.home
    home.select_row(0)
    qtbot.keyClick(home.table, Qt.Key.Key_Return)  # opening runs on the pool
    home.sign_out_button.click()
    assert window.stack.currentWidget() is window.login and window.user is None
    qtbot.waitUntil(lambda: not home._tasks.busy, timeout=TIMEOUT)
    qtbot.wait(100)  # let any queued result arrive
    assert window.stack.currentWidget() is window.login
    assert window.interview.session is None
