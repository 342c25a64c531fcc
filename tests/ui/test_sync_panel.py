"""Sync from the window: F7 on the home screen sends a suspended interview to central and
says what went; an unreachable central is one plain line; the log lists each run."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from interviewer.context import AppContext
from interviewer.storage.models import Answer, Interview
from interviewer.ui.main_window import MainWindow
from interviewer.ui.sync_panel import SyncLogDialog
from tests.ui.conftest import Demo
from tests.ui.helpers import TIMEOUT, answer, enter, open_case, press, sign_in
from tests.ui.test_screenshots import distinct_colours, save

CTRL = Qt.KeyboardModifier.ControlModifier


def test_f7_sends_the_interview_to_central_and_the_log_shows_it(
        qtbot: QtBot, window: MainWindow, context: AppContext, demo: Demo,
        monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in(qtbot, window, "anna", demo.password("anna"))
    case = next(i for i in window.home.model.items() if i.survey == "Support CES")
    open_case(qtbot, window, case.external_id)
    enter(qtbot, window)
    answer(qtbot, window, "1")  # channel: phone
    with qtbot.waitSignal(window.home.work_list_loaded, timeout=TIMEOUT):
        press(qtbot, window, Qt.Key.Key_S, CTRL)

    panel = window.home.sync
    with qtbot.waitSignal(panel.finished, timeout=TIMEOUT) as done:
        press(qtbot, window, Qt.Key.Key_F7)
    assert done.args is not None and done.args[0] is not None
    assert panel.status.text().startswith("Synced: sent 1 interview (applied)")
    assert not panel.bar.isVisible() and not panel.cancel_button.isVisible()
    with context.central().unit_of_work() as session:
        row = session.scalar(select(Interview).where(Interview.case_id == case.case_id))
        assert row is not None and row.status == "suspended"
        answers = {a.path: a.value for a in session.scalars(
            select(Answer).where(Answer.interview_id == row.id))}
    assert answers == {"channel": "phone"}
    assert distinct_colours(save(window, "home-after-sync")) > 8

    # a second sync has nothing to send
    with qtbot.waitSignal(panel.finished, timeout=TIMEOUT):
        qtbot.mouseClick(panel.button, Qt.MouseButton.LeftButton)
    assert panel.status.text().startswith("Synced: sent nothing")

    shown: list[SyncLogDialog] = []
    monkeypatch.setattr(SyncLogDialog, "show_log", classmethod(
        lambda cls, parent, history, conflicts: shown.append(cls(history, conflicts,
                                                                 parent))))
    qtbot.mouseClick(panel.log_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(shown), timeout=TIMEOUT)
    table = shown[0].history
    assert table.rowCount() == 2
    assert {table.item(r, 1).text() for r in range(2)} == {"ok"}
    assert "1 interview (applied)" in {table.item(r, 2).text() for r in range(2)}


def test_an_unreachable_central_is_one_plain_line(
        qtbot: QtBot, window: MainWindow, demo: Demo) -> None:
    window.context.central_url = "postgresql+psycopg://nobody@127.0.0.1:9/nowhere"
    sign_in(qtbot, window, "anna", demo.password("anna"))
    panel = window.home.sync
    with qtbot.waitSignal(panel.finished, timeout=TIMEOUT) as done:
        press(qtbot, window, Qt.Key.Key_F7)
    assert done.args == [None]
    text = panel.status.text()
    assert text.startswith("Sync failed: Could not reach the central database "
                           "postgresql+psycopg://nobody@127.0.0.1:9/nowhere")
    assert "INTERVIEWER_CENTRAL_URL" in text and "Traceback" not in text
    assert panel.button.isEnabled()


def test_automatic_sync_every_n_minutes_is_set_from_the_environment(
        qtbot: QtBot, window: MainWindow, demo: Demo,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERVIEWER_SYNC_MINUTES", "15")
    sign_in(qtbot, window, "anna", demo.password("anna"))
    timer = window.home.sync.auto
    assert timer.isActive() and timer.interval() == 15 * 60_000
    qtbot.mouseClick(window.home.sign_out_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.login
    assert not timer.isActive()


def test_sync_minutes_ignores_nonsense(monkeypatch: pytest.MonkeyPatch) -> None:
    from interviewer.context import sync_minutes

    for text, expected in (("", 0), ("abc", 0), ("-5", 0), ("10", 10)):
        monkeypatch.setenv("INTERVIEWER_SYNC_MINUTES", text)
        assert sync_minutes() == expected
