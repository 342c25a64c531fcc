"""The review screen with the keyboard, on a real central (SQLite file) filled through the
interviewing service and sync: select an interview, comment a question, reject, approve,
reassign; and the rejected interview on the interviewer's screen, opened on the
commented question with the comment in place."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from interviewer.storage.central import open_central
from interviewer.storage.db import Database
from interviewer.storage.models import Assignment, Interview, Remark
from interviewer.ui.interview_actions import open_started
from interviewer.ui.interview_window import InterviewScreen
from interviewer.ui.review_dialogs import (
    CommentDialog,
    ConflictsDialog,
    ReassignDialog,
    RejectDialog,
)
from interviewer.ui.review_model import REMARKS
from interviewer.ui.review_window import ReviewScreen
from interviewer.ui.tasks import TaskRunner
from tests.services.test_review import World, build

TIMEOUT = 10_000


@pytest.fixture
def world(sqlite_file_url: str, tmp_path: Path) -> Iterator[World]:
    central = open_central(sqlite_file_url)
    yield build(central, tmp_path)
    central.dispose()


@pytest.fixture
def screen(styled_app: QApplication, qtbot: QtBot, world: World) -> Iterator[ReviewScreen]:
    tasks = TaskRunner()
    review = ReviewScreen(tasks)
    qtbot.addWidget(review)
    review.resize(1366, 768)
    review.show()
    qtbot.waitExposed(review)
    with qtbot.waitSignal(review.queue_loaded, timeout=TIMEOUT):
        review.set_service(world.review())
    qtbot.waitUntil(lambda: review.detail is not None, timeout=TIMEOUT)
    yield review
    tasks.wait()


def status(central: Database, interview: Any) -> str:
    with central.unit_of_work() as session:
        row = session.get(Interview, interview)
        assert row is not None
        return row.status


def queued(screen: ReviewScreen) -> list[Any]:
    return [item.interview_id for item in screen.model.items()]


def test_comment_a_question_reject_and_the_next_one_is_shown(
        screen: ReviewScreen, world: World, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    ids = world.interviews
    assert queued(screen) == [ids[k] for k in "ABCD"]
    assert screen.detail is not None and screen.detail.interview_id == ids["A"]
    answers = screen.answers_model
    paths = [answers.answer(r).path for r in range(answers.rowCount())]  # type: ignore[union-attr]
    assert paths[:3] == ["csat", "first_contact", "resolved"]
    assert answers.index(0, 1).data() == "5 \N{EN DASH} Very satisfied"
    assert "int0: Thought about it for long" in answers.index(0, REMARKS).data()

    screen.answers.setFocus()
    screen.answers.setCurrentIndex(answers.index(2, 0))
    monkeypatch.setattr(CommentDialog, "ask", classmethod(
        lambda cls, parent, question, current="": "Not resolved, yet very satisfied?"))
    qtbot.keyClick(screen.answers, Qt.Key.Key_C)
    assert answers.comments == {"resolved": "Not resolved, yet very satisfied?"}
    assert "Your comment: Not resolved" in answers.index(2, REMARKS).data()

    asked: list[Any] = []

    def reject_dialog(cls: Any, parent: Any, commented: list[tuple[str, str]]) -> str:
        asked.append(commented)
        return "Please check with the customer"

    monkeypatch.setattr(RejectDialog, "ask", classmethod(reject_dialog))
    with qtbot.waitSignal(screen.detail_shown, timeout=TIMEOUT) as shown:
        qtbot.keyClick(screen.answers, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert asked == [[("Was your issue resolved during this call?",
                       "Not resolved, yet very satisfied?")]]
    assert shown.args == [ids["B"]]  # the next one
    assert queued(screen) == [ids[k] for k in "BCD"]
    assert screen.current_item() is not None and screen.current_item().interview_id == ids["B"]  # type: ignore[union-attr]
    assert status(world.central, ids["A"]) == "rejected"
    with world.central.unit_of_work() as session:
        remarks = {(r.path, r.text) for r in session.scalars(
            select(Remark).where(Remark.interview_id == ids["A"], Remark.origin_device ==
                                 "central"))}
    assert remarks == {("", "Please check with the customer"),
                       ("resolved", "Not resolved, yet very satisfied?")}


def test_approve_with_the_key_and_reassign(screen: ReviewScreen, world: World, qtbot: QtBot,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    ids = world.interviews
    with qtbot.waitSignal(screen.detail_shown, timeout=TIMEOUT):
        qtbot.keyClick(screen.queue, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert status(world.central, ids["A"]) == "approved"
    assert queued(screen) == [ids[k] for k in "BCD"]
    assert screen.message.text() == "Case C0: approved."

    ann, bob = world.seed.interviewers
    offered: list[Any] = []

    def reassign_dialog(cls: Any, parent: Any, people: list[Any]) -> Any:
        offered.append([p.name for p in people])
        return ann.id

    monkeypatch.setattr(ReassignDialog, "ask", classmethod(reassign_dialog))
    with qtbot.waitSignal(screen.queue_loaded, timeout=TIMEOUT):
        qtbot.keyClick(screen.queue, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert offered == [["int0"]]  # not B's own interviewer
    with world.central.unit_of_work() as session:
        holder = session.scalar(select(Assignment.interviewer_id).where(
            Assignment.case_id == world.seed.cases[bob.id][0], Assignment.active.is_(True)))
    assert holder == ann.id
    # still waiting for review, now under int0
    first = screen.model.items()[0]
    assert (first.interview_id, first.interviewer) == (ids["B"], "int0")

    with qtbot.waitSignal(screen.back_requested, timeout=TIMEOUT):
        qtbot.keyClick(screen.queue, Qt.Key.Key_Escape)


def test_a_rejected_interview_opens_on_the_commented_question(
        styled_app: QApplication, qtbot: QtBot, world: World) -> None:
    ann = world.seed.interviewers[0]
    interview = world.interviews["A"]
    world.review().reject(interview, "Please check two answers", {
        "agent/agent_knowledge": "Knowledge 4 but courtesy 5?",
        "resolved": "Not resolved, yet very satisfied?"})
    world.devices[ann.id].sync(world.transport)
    opened = open_started(world.interviewing(ann), interview, "R0", "C0", "S")
    window = InterviewScreen()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)

    window.start(opened)

    [card] = window.cards
    assert card.question.key == "resolved"
    assert card.review.isVisible()
    assert card.review.text() == "Supervisor: Not resolved, yet very satisfied?"
    assert not card.remark.isVisible()  # no remark of the interviewer's own here
    assert window.review_note.isVisible()
    assert window.review_note.text() == "Rejected by the supervisor: Please check two answers"
    window.wait()


# -- slow central: results that arrive late or out of order (a gate holds a call back) --

def test_nothing_is_decided_while_the_next_interview_loads(
        screen: ReviewScreen, world: World, qtbot: QtBot) -> None:
    import threading

    ids = world.interviews
    service = screen._service
    assert service is not None and screen.detail is not None
    gate = threading.Event()
    real_detail = service.detail

    def slow_detail(interview_id: Any) -> Any:
        if interview_id == ids["B"]:
            gate.wait(10)
        return real_detail(interview_id)

    service.detail = slow_detail  # type: ignore[method-assign]
    screen.queue.setFocus()
    qtbot.keyClick(screen.queue, Qt.Key.Key_Down)  # B selected, still loading
    qtbot.keyClick(screen.queue, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not screen.approve_button.isEnabled()
    with qtbot.waitSignal(screen.detail_shown, timeout=TIMEOUT):
        gate.set()
    assert screen.detail is not None and screen.detail.interview_id == ids["B"]
    assert status(world.central, ids["A"]) == "completed"  # A was not on screen any more


def test_an_earlier_slow_refresh_does_not_replace_a_later_one(
        screen: ReviewScreen, world: World, qtbot: QtBot) -> None:
    import threading

    service = screen._service
    assert service is not None
    gate = threading.Event()
    real_queue = service.queue

    def queue(filters: Any) -> Any:
        if filters.status == "completed":
            gate.wait(10)  # the first refresh ("waiting for review") is slow
        return real_queue(filters)

    service.queue = queue  # type: ignore[method-assign]
    world.review().approve(world.interviews["C"])
    screen.refresh()  # waiting for review: slow
    screen.status.setCurrentIndex(screen.status.findData("approved"))
    with qtbot.waitSignal(screen.queue_loaded, timeout=TIMEOUT):
        screen.refresh()
    gate.set()
    screen._tasks.wait()
    qtbot.wait(100)
    assert [i.status for i in screen.model.items()] == ["approved"]


def test_after_a_decision_the_interview_moved_to_stays_shown(
        screen: ReviewScreen, world: World, qtbot: QtBot) -> None:
    import threading

    ids = world.interviews
    service = screen._service
    assert service is not None
    gate = threading.Event()
    real_approve = service.approve

    def approve(interview_id: Any, expected_revision: int | None = None) -> None:
        gate.wait(10)
        real_approve(interview_id, expected_revision)

    service.approve = approve  # type: ignore[method-assign]
    screen.approve()  # A, slow
    screen.queue.setFocus()
    with qtbot.waitSignal(screen.detail_shown, timeout=TIMEOUT):
        qtbot.keyClick(screen.queue, Qt.Key.Key_Down)  # meanwhile B, shown
    with qtbot.waitSignal(screen.decided, timeout=TIMEOUT):
        gate.set()
    item = screen.current_item()
    assert item is not None and item.interview_id == ids["B"]
    assert screen.detail is not None and screen.detail.interview_id == ids["B"]
    assert ids["A"] not in queued(screen) and status(world.central, ids["A"]) == "approved"


def test_the_period_filter_keeps_recent_interviews(
        screen: ReviewScreen, world: World, qtbot: QtBot) -> None:
    # the world's interviews were completed on T0's days, long before today
    assert len(queued(screen)) == 4
    screen.period.setCurrentIndex(screen.period.findText("Last 7 days"))
    with qtbot.waitSignal(screen.queue_loaded, timeout=TIMEOUT):
        screen.refresh()
    assert queued(screen) == []
    screen.period.setCurrentIndex(screen.period.findText("Any time"))
    with qtbot.waitSignal(screen.queue_loaded, timeout=TIMEOUT):
        screen.refresh()
    assert len(queued(screen)) == 4


def test_settle_a_sync_conflict_from_the_review_screen(
        styled_app: QApplication, qtbot: QtBot, sqlite_file_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from interviewer.services.review import ReviewService
    from interviewer.sync.transport import DirectTransport
    from tests.sync.helpers import Device, FixedClock, answers_of, seed_central

    central = open_central(sqlite_file_url)
    transport = DirectTransport(central, label="central")
    seed = seed_central(central)
    ann, bob = seed.interviewers
    a = Device(tmp_path / "a", ann)
    a.sync(transport)
    case = seed.cases[ann.id][0]
    interview = a.start(case)
    a.answer(interview, "q1", "ann")
    a.sync(transport)
    ReviewService(central, seed.supervisor, clock=FixedClock()).reassign(case, bob.id)
    a.answer(interview, "q2", "ann-offline")
    assert a.sync(transport).pushed.get("interviews_conflict") == 1

    shown: list[Any] = []

    def choose(parent: Any, conflicts: list[Any]) -> Any:
        shown.extend(conflicts)
        return conflicts[0].id, "device"

    monkeypatch.setattr(ConflictsDialog, "ask", classmethod(
        lambda cls, parent, conflicts: choose(parent, conflicts)))
    tasks = TaskRunner()
    review = ReviewScreen(tasks)
    qtbot.addWidget(review)
    review.show()
    with qtbot.waitSignal(review.queue_loaded, timeout=TIMEOUT):
        review.set_service(ReviewService(central, seed.supervisor))
    with qtbot.waitSignal(review.queue_loaded, timeout=TIMEOUT):  # refreshed after it
        qtbot.keyClick(review, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert [(d.path, d.device) for d in shown[0].differences] == [("q2", "ann-offline")]
    assert review.message.text() == "Conflict settled: the device's version taken."
    assert answers_of(central, interview) == {"q1": "ann", "q2": "ann-offline"}
    tasks.wait()
    central.dispose()


def test_the_conflicts_dialog_shows_the_differences_and_the_choice(
        styled_app: QApplication, qtbot: QtBot) -> None:
    import uuid
    from datetime import UTC, datetime

    from interviewer.services.review import ConflictView, Difference

    conflict = ConflictView(
        id=uuid.uuid4(), interview_id=uuid.uuid4(), case="C1", survey="S",
        interviewer="ann", holder="bob", device_id="d", reason="the case was reassigned",
        detected_at=datetime(2026, 11, 2, 9, tzinfo=UTC), resolved=False,
        device_status="in_progress", central_status="in_progress",
        differences=[Difference(path="q2", central=None, device="ann-offline")])
    dialog = ConflictsDialog([conflict])
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 1
    texts = [dialog.table.item(0, c).text() for c in range(3)]
    assert texts == ["q2", "", "ann-offline"]
    assert "reassigned" in dialog.reason.text()
    dialog.take_device.click()
    assert dialog.choice == (conflict.id, "device")
