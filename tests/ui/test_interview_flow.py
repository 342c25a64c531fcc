"""The real window, driven with the keyboard as an interviewer drives it; what it stored
is then read back from the SQLite store."""

from __future__ import annotations

import uuid

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from interviewer.context import AppContext
from interviewer.services.interviewing import InterviewSession, WorkItem
from interviewer.storage.models import Answer, Case, Interview, ParadataEvent, Remark
from interviewer.ui.dialogs import RemarkDialog
from interviewer.ui.interview_window import QuestionCard
from interviewer.ui.main_window import MainWindow
from tests.ui.conftest import Demo
from tests.ui.helpers import (
    TIMEOUT,
    answer,
    enter,
    focused,
    open_case,
    press,
    sign_in,
    step_key,
    type_text,
)

CTRL = Qt.KeyboardModifier.ControlModifier


def first_case(window: MainWindow, survey: str) -> WorkItem:
    item = next(i for i in window.home.model.items() if i.survey == survey)
    assert item.status == "new"
    return item


def only_card(window: MainWindow) -> QuestionCard:
    cards = window.interview.cards
    assert len(cards) == 1
    return cards[0]


def stored(context: AppContext, interview_id: uuid.UUID) -> tuple[Interview, dict[str, Answer],
                                                                   list[str]]:
    with context.db.unit_of_work() as session:
        row = session.get(Interview, interview_id)
        assert row is not None
        answers = {a.path: a for a in session.scalars(
            select(Answer).where(Answer.interview_id == interview_id))}
        events = list(session.scalars(
            select(ParadataEvent.kind).where(ParadataEvent.interview_id == interview_id)
            .order_by(ParadataEvent.seq)))
        session.expunge_all()
    return row, answers, events


def interview_of(context: AppContext, case_id: uuid.UUID | None) -> uuid.UUID:
    with context.db.unit_of_work() as session:
        found = session.scalar(select(Interview.id).where(Interview.case_id == case_id))
    assert found is not None
    return found


def test_a_whole_support_ces_interview_by_keyboard_with_suspend_and_resume(
        qtbot: QtBot, window: MainWindow, context: AppContext, demo: Demo) -> None:
    sign_in(qtbot, window, "anna", demo.password("anna"))
    case = first_case(window, "Support CES")
    open_case(qtbot, window, case.external_id)
    interview = window.interview

    assert step_key(window) == "intro"  # a new interview starts with its introduction
    enter(qtbot, window)
    assert step_key(window) == "channel"
    assert answer(qtbot, window, "1") == "contacts"  # 1 = Phone
    assert "(Phone)" in only_card(window).question.label  # piped from the answer

    # 7 contacts breaks the soft warning: shown in place, Enter confirms it
    type_text(qtbot, window, "7")
    enter(qtbot, window)
    card = only_card(window)
    assert step_key(window) == "contacts"
    assert card.warning.isVisible() and "unusual" in card.warning_text.text()
    assert not card.error.isVisible()
    enter(qtbot, window)
    assert step_key(window) == "resolved"

    assert answer(qtbot, window, "2") == "open_issue"  # 2 = No
    assert answer(qtbot, window, "Refund still pending") == "ces"

    # Ctrl+S suspends; the home list shows it, Enter on it resumes where it was left
    with qtbot.waitSignal(window.home.work_list_loaded, timeout=TIMEOUT):
        press(qtbot, window, Qt.Key.Key_S, CTRL)
    assert window.stack.currentWidget() is window.home
    current = window.home.current_item()
    assert current is not None and current.case_id == case.case_id
    assert current.status == "suspended"
    assert window.home.open_button.text().startswith("Resume")
    assert focused(window) is window.home.table
    with qtbot.waitSignal(interview.screen_shown, timeout=TIMEOUT):
        press(qtbot, window, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is interview
    assert step_key(window) == "ces"
    assert interview.progress_text.text() == "4 of 6 answered"

    assert answer(qtbot, window, "3") == "effort_drivers"  # 3 = somewhat disagree
    type_text(qtbot, window, "13")  # digits toggle: repeat_info, long_wait
    assert only_card(window).typed() == ["repeat_info", "long_wait"]
    enter(qtbot, window)
    assert step_key(window) == "effort_main"
    assert [c.name for c in only_card(window).question.choices] == ["repeat_info",
                                                                   "long_wait"]
    assert answer(qtbot, window, "2") == "recontact"
    assert answer(qtbot, window, "1") == "end_note"
    enter(qtbot, window)
    assert step_key(window) == "end"
    summary = interview.summary.index_model.entries()
    assert [(e.key, e.value_text) for e in summary] == [
        ("channel", "Phone"), ("contacts", "7"), ("resolved", "No"),
        ("open_issue", "Refund still pending"), ("ces", "3 \u2013 Somewhat disagree"),
        ("effort_drivers", "I had to repeat information, I had to wait too long"),
        ("effort_main", "I had to wait too long"), ("recontact", "Yes")]

    press(qtbot, window, Qt.Key.Key_Return)  # a stray Enter does not complete
    assert interview.current_step is not None and step_key(window) == "end"
    with qtbot.waitSignal(window.home.work_list_loaded, timeout=TIMEOUT):
        press(qtbot, window, Qt.Key.Key_Return, CTRL)
    assert window.stack.currentWidget() is window.home
    assert "completed" in window.statusBar().currentMessage()
    done = next(i for i in window.home.model.items() if i.case_id == case.case_id)
    assert done.status == "completed"

    # what the store holds
    row, answers, events = stored(context, interview_of(context, case.case_id))
    assert row.status == "completed" and row.completed_at is not None
    assert {path: (a.value, a.special) for path, a in answers.items()} == {
        "channel": ("phone", None), "contacts": ("7", None), "resolved": ("no", None),
        "open_issue": ("Refund still pending", None), "ces": ("3", None),
        "effort_drivers": ("repeat_info long_wait", None),
        "effort_main": ("long_wait", None), "recontact": ("yes", None)}
    assert events[0] == "enter"
    for kind in ("suspend", "resume", "warning_confirmed", "complete"):
        assert kind in events
    assert events.index("suspend") < events.index("resume") < events.index("complete")
    with context.db.unit_of_work() as session:
        stored_case = session.get(Case, case.case_id)
        assert stored_case is not None and stored_case.status == "completed"


def test_required_answers_back_and_jump(qtbot: QtBot, window: MainWindow,
                                        context: AppContext, demo: Demo) -> None:
    sign_in(qtbot, window, "anna", demo.password("anna"))
    open_case(qtbot, window, first_case(window, "Post-call CSAT").external_id)
    enter(qtbot, window)
    assert step_key(window) == "csat"

    enter(qtbot, window)  # nothing chosen: the form's message, in red, in place
    card = only_card(window)
    assert step_key(window) == "csat"
    assert card.error.isVisible() and card.error.text() == "Please answer this question."

    assert answer(qtbot, window, "4") == "first_contact"
    with qtbot.waitSignal(window.interview.screen_shown, timeout=TIMEOUT):
        press(qtbot, window, Qt.Key.Key_PageUp)
    assert step_key(window) == "csat"
    assert only_card(window).typed() == "4"  # the answer is still there
    with qtbot.waitSignal(window.interview.screen_shown, timeout=TIMEOUT):
        press(qtbot, window, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert step_key(window) == "intro"
    enter(qtbot, window)
    assert answer(qtbot, window, "5") == "first_contact"  # changed from 4 to 5
    assert answer(qtbot, window, "1") == "resolved"

    # F3 reaches the index; Enter on a line jumps there
    press(qtbot, window, Qt.Key.Key_F3)
    panel = window.interview.panel
    assert panel.hasFocus()
    target = panel.index_model.index_of_key("csat")
    panel.setCurrentIndex(target)
    with qtbot.waitSignal(window.interview.screen_shown, timeout=TIMEOUT):
        press(qtbot, window, Qt.Key.Key_Return)
    assert step_key(window) == "csat"
    assert only_card(window).typed() == "5"

    with context.db.unit_of_work() as session:
        events = list(session.scalars(select(ParadataEvent.kind)))
    assert {"back", "jump", "change"} <= set(events)


def test_dont_know_and_refused_only_where_allowed(qtbot: QtBot, window: MainWindow,
                                                 context: AppContext, demo: Demo) -> None:
    sign_in(qtbot, window, "anna", demo.password("anna"))
    case = first_case(window, "Post-call CSAT")
    open_case(qtbot, window, case.external_id)
    enter(qtbot, window)
    assert step_key(window) == "csat"  # accepts refused only
    assert not window.interview.dont_know_button.isEnabled()
    press(qtbot, window, Qt.Key.Key_F5)
    assert "not an answer this question takes" in window.interview.notice.text()
    assert step_key(window) == "csat"
    with qtbot.waitSignal(window.interview.screen_shown, timeout=TIMEOUT):
        press(qtbot, window, Qt.Key.Key_F6)
    assert step_key(window) == "first_contact"  # refused, and on
    _, answers, _ = stored(context, interview_of(context, case.case_id))
    assert (answers["csat"].value, answers["csat"].special) == (None, "refused")
    row = next(e for e in window.interview.panel.index_model.entries() if e.key == "csat")
    assert row.value_text == "Refused"


def test_a_remark_with_f2(qtbot: QtBot, window: MainWindow, context: AppContext,
                          demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def ask(cls: type[RemarkDialog], parent: object, question: str, current: str = "") -> str:
        asked.append(question)
        return "Customer hesitated"

    monkeypatch.setattr(RemarkDialog, "ask", classmethod(ask))
    sign_in(qtbot, window, "anna", demo.password("anna"))
    case = first_case(window, "Support CES")
    open_case(qtbot, window, case.external_id)
    enter(qtbot, window)
    with qtbot.waitSignal(window.interview.screen_shown, timeout=TIMEOUT):
        press(qtbot, window, Qt.Key.Key_F2)
    assert asked == ["How did you first contact Acme about this issue?"]
    card = only_card(window)
    assert card.remark.isVisible() and "Customer hesitated" in card.remark.text()
    assert window.interview.notice.text() == "Remark saved."
    with context.db.unit_of_work() as session:
        remarks = [(r.path, r.text) for r in session.scalars(select(Remark))]
    assert remarks == [("channel", "Customer hesitated")]


def test_the_language_changes_the_questions(qtbot: QtBot, window: MainWindow,
                                            demo: Demo) -> None:
    sign_in(qtbot, window, "anna", demo.password("anna"))
    open_case(qtbot, window, first_case(window, "Support CES").external_id)
    enter(qtbot, window)
    combo = window.interview.language
    polish = combo.findText("Polski (pl)")
    with qtbot.waitSignal(window.interview.screen_shown, timeout=TIMEOUT):
        combo.setCurrentIndex(polish)
        combo.activated.emit(polish)
    assert step_key(window) == "channel"
    card = only_card(window)
    assert card.question.label.startswith("W jaki sposób")
    assert card.question.choices[0].label == "Telefon"
    assert window.interview.panel.index_model.entries()[1].label.startswith("W jaki sposób")


def test_closing_the_window_suspends_the_interview(qtbot: QtBot, window: MainWindow,
                                                   context: AppContext, demo: Demo) -> None:
    sign_in(qtbot, window, "anna", demo.password("anna"))
    case = first_case(window, "Support CES")
    open_case(qtbot, window, case.external_id)
    enter(qtbot, window)
    type_text(qtbot, window, "3")  # chosen, not yet confirmed with Enter
    window.close()
    row, answers, events = stored(context, interview_of(context, case.case_id))
    assert row.status == "suspended"
    assert answers["channel"].value == "chat"
    assert events[-1] == "suspend"


def test_an_unexpected_error_leaves_the_interview_safe_to_resume(
        qtbot: QtBot, window: MainWindow, context: AppContext, demo: Demo,
        monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in(qtbot, window, "anna", demo.password("anna"))
    case = first_case(window, "Support CES")
    open_case(qtbot, window, case.external_id)
    enter(qtbot, window)
    assert answer(qtbot, window, "2") == "contacts"

    def broken(self: InterviewSession) -> None:
        raise RuntimeError("a bug in moving on")

    monkeypatch.setattr(InterviewSession, "next", broken)
    type_text(qtbot, window, "3")
    with qtbot.capture_exceptions() as caught, \
            qtbot.waitSignal(window.interview.interview_closed, timeout=TIMEOUT) as closed, \
            qtbot.waitSignal(window.home.work_list_loaded, timeout=TIMEOUT):
        press(qtbot, window, Qt.Key.Key_Return)
    assert closed.args == ["error"]
    assert [str(e[1]) for e in caught] == ["a bug in moving on"]
    assert window.stack.currentWidget() is window.home
    assert "answers are saved" in window.statusBar().currentMessage()
    monkeypatch.undo()

    # the answer typed before the error was committed; the interview reopens there
    _, answers, _ = stored(context, interview_of(context, case.case_id))
    assert answers["contacts"].value == "3"
    with qtbot.waitSignal(window.interview.screen_shown, timeout=TIMEOUT):
        press(qtbot, window, Qt.Key.Key_Return)
    assert step_key(window) == "contacts"
    assert only_card(window).typed() == 3
