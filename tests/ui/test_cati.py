"""A shift on the telephone queue, by keyboard, on a fixed clock: several cases, each kind
of outcome, an interview started from a case and broken off, one completed, and a
callback that comes back at its time."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt, QThreadPool
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from interviewer.context import AppContext, build_context
from interviewer.fieldwork.dispositions import OUTCOMES
from interviewer.fieldwork.scheduling import CallingRules, within_hours
from interviewer.services.calling import CallingService, Lease, LeaseLost
from interviewer.services.questionnaires import FormCache
from interviewer.storage.models import Answer, CallAttempt, Case, Interview
from interviewer.ui.cati_window import CatiScreen
from interviewer.ui.dialogs import CallbackDialog
from interviewer.ui.main_window import MainWindow
from tests.ui.conftest import Demo
from tests.ui.helpers import TIMEOUT, answer, enter, press, sign_in, step_key
from tests.ui.test_screenshots import distinct_colours, save

CTRL = Qt.KeyboardModifier.ControlModifier
# a Wednesday: 14:00 in Warsaw and Berlin, 13:00 in London, but night in Tokyo and
# Sydney and early morning in New York and Los Angeles
START = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def context(data_dir: Path, clock: Clock) -> Iterator[AppContext]:
    context = build_context(data_dir, clock=clock)
    yield context
    QThreadPool.globalInstance().waitForDone(10_000)
    context.close()


def open_queue(qtbot: QtBot, window: MainWindow, demo: Demo) -> CatiScreen:
    sign_in(qtbot, window, "anna", demo.password("anna"))
    cati = window.cati
    press(qtbot, window, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is cati and cati.survey.count() == 1,
                    timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=TIMEOUT)
    return cati


def next_case(qtbot: QtBot, window: MainWindow, cati: CatiScreen) -> uuid.UUID:
    press(qtbot, window, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: cati.card is not None, timeout=TIMEOUT)

    assert cati.card is not None and cati.card_frame.isVisible()
    return cati.card.case_id


def outcome(qtbot: QtBot, window: MainWindow, cati: CatiScreen, key: str) -> None:
    """The outcome's own key on the case card; wait until it is saved."""
    shortcut = OUTCOMES[key].shortcut
    if shortcut.startswith("F"):
        qtbot.keyClick(cati.start_button, getattr(Qt.Key, f"Key_{shortcut}"))
    else:
        qtbot.keyClicks(cati.start_button, shortcut)
    qtbot.waitUntil(lambda: cati.card is None and cati.message.text().startswith("Saved"),
                    timeout=TIMEOUT)


def central_case(context: AppContext, case_id: uuid.UUID) -> tuple[Case, list[CallAttempt]]:
    with context.central().unit_of_work() as session:
        case = session.get(Case, case_id)
        assert case is not None
        attempts = list(session.scalars(select(CallAttempt).where(
            CallAttempt.case_id == case_id).order_by(CallAttempt.started_at)))
        return case, attempts


def local_interview(context: AppContext, case_id: uuid.UUID) -> uuid.UUID:
    """The interview a call attempt points to, in the local store: central has no
    interview until the device syncs it."""
    with context.db.unit_of_work() as session:
        found = session.scalars(select(CallAttempt.interview_id).where(
            CallAttempt.case_id == case_id).order_by(CallAttempt.started_at.desc())).first()
        assert found is not None
        return found


def test_a_shift_on_the_telephone_queue(qtbot: QtBot, window: MainWindow,
                                        context: AppContext, demo: Demo, clock: Clock,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    cati = open_queue(qtbot, window, demo)
    rules = CallingRules()

    # every case handed out can be called now in the respondent's own time zone
    seen = []
    for key in ("busy", "no_answer", "answering_machine", "refusal", "non_working"):
        case_id = next_case(qtbot, window, cati)
        card = cati.card
        assert card is not None
        assert within_hours(clock.now, card.timezone, rules), card.timezone
        assert card.local_time.utcoffset() == clock.now.astimezone(
            ZoneInfo(card.timezone)).utcoffset()
        assert cati.phone.text().replace(" ", "").startswith(card.phone or "?")
        assert card.attempts == 0 and card.preload["customer_id"].startswith("CU-")
        if not seen:
            assert distinct_colours(save(window, "cati-case")) > 8
        outcome(qtbot, window, cati, key)
        case, attempts = central_case(context, case_id)
        assert [a.outcome for a in attempts] == [key]
        assert attempts[0].disposition == OUTCOMES[key].disposition
        assert case.attempts == 1 and case.lease_token is None
        assert (case.final_disposition is not None) == OUTCOMES[key].final
        seen.append(case_id)
    assert len(set(seen)) == 5  # never the same case twice in a row

    busy, _ = central_case(context, seen[0])
    assert busy.next_call_at is not None and busy.next_call_at > clock.now

    # a firm callback two hours on, asked for by the respondent
    at = clock.now + timedelta(hours=2)
    monkeypatch.setattr(CallbackDialog, "ask",
                        classmethod(lambda cls, parent, zone, now: (at, True, "after work")))
    callback_id = next_case(qtbot, window, cati)
    qtbot.keyClicks(cati.start_button, OUTCOMES["callback"].shortcut)
    qtbot.waitUntil(lambda: cati.card is None, timeout=TIMEOUT)
    assert "callback" in cati.message.text()
    case, attempts = central_case(context, callback_id)
    assert case.appointment_at == at and case.appointment_hard
    assert attempts[-1].note == "after work"

    # an interview started from a case, suspended, then recorded as a break-off:
    # the answers stay in the local store
    broken_id = next_case(qtbot, window, cati)
    with qtbot.waitSignal(window.interview.screen_shown, timeout=TIMEOUT):
        qtbot.keyClick(cati.start_button, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is window.interview
    assert step_key(window) == "intro"
    enter(qtbot, window)
    assert answer(qtbot, window, "5") == "first_contact"
    press(qtbot, window, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is cati, timeout=TIMEOUT)
    assert cati.card is not None and cati.break_button.isVisible()
    qtbot.keyClick(cati.start_button, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: cati.card is None, timeout=TIMEOUT)
    case, attempts = central_case(context, broken_id)
    assert attempts[-1].outcome == "break_off"
    assert case.final_disposition == "2.12"  # one answer of several: a break-off
    with context.db.unit_of_work() as session:
        kept = session.scalars(select(Answer.path).where(
            Answer.interview_id == local_interview(context, broken_id),
            Answer.value.is_not(None)))
        assert set(kept) == {"csat"}

    # a whole interview: completing it completes the call
    done_id = next_case(qtbot, window, cati)
    with qtbot.waitSignal(window.interview.screen_shown, timeout=TIMEOUT):
        qtbot.keyClick(cati.start_button, Qt.Key.Key_Return)
    enter(qtbot, window)
    for keys in ("5", "1", "1", "5", "4"):
        answer(qtbot, window, keys)
    assert step_key(window) == "end_note"
    enter(qtbot, window)
    press(qtbot, window, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is cati and cati.card is None
                    and cati.message.text().startswith("Saved"), timeout=TIMEOUT)
    case, attempts = central_case(context, done_id)
    assert case.final_disposition == "1.1" and attempts[-1].outcome == "complete"
    with context.db.unit_of_work() as session:
        row = session.get(Interview, local_interview(context, done_id))
        assert row is not None and row.status == "completed"

    # two hours later the firm callback is the first case handed out, to who booked it
    clock.now = at + timedelta(minutes=1)
    assert next_case(qtbot, window, cati) == callback_id
    card = cati.card
    assert card is not None and card.appointment_hard and card.attempts == 1
    assert cati.history.rowCount() == 1
    assert distinct_colours(save(window, "cati-callback-back")) > 8
    assert "Callback" in cati.history.item(0, 2).text()

    # Esc hands it back untouched: no attempt is recorded
    qtbot.keyClick(cati.start_button, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: cati.card is None, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: central_case(context, callback_id)[0].lease_token is None,
                    timeout=TIMEOUT)
    assert len(central_case(context, callback_id)[1]) == 1


def test_esc_while_the_interview_is_starting_keeps_the_case(
        qtbot: QtBot, window: MainWindow, context: AppContext, demo: Demo,
        monkeypatch: pytest.MonkeyPatch) -> None:
    cati = open_queue(qtbot, window, demo)
    case_id = next_case(qtbot, window, cati)
    go_on = threading.Event()
    start = CallingService.start_interview

    def slow_start(self: CallingService, lease: Lease, forms: FormCache) -> uuid.UUID:
        go_on.wait(TIMEOUT / 1000)  # the form is still loading
        return start(self, lease, forms)

    monkeypatch.setattr(CallingService, "start_interview", slow_start)
    qtbot.keyClick(cati.start_button, Qt.Key.Key_Return)
    qtbot.keyClick(cati.start_button, Qt.Key.Key_Escape)  # ignored: the case is in use
    assert cati.card is not None and cati.lease is not None
    with qtbot.waitSignal(window.interview.screen_shown, timeout=TIMEOUT):
        go_on.set()
    case, _ = central_case(context, case_id)
    assert case.lease_token == cati.lease.token  # still ours while we interview


def test_a_stale_heartbeat_does_not_drop_the_next_case(
        qtbot: QtBot, window: MainWindow, context: AppContext, demo: Demo) -> None:
    cati = open_queue(qtbot, window, demo)
    next_case(qtbot, window, cati)
    first = cati.lease
    assert first is not None and cati._calling is not None
    outcome(qtbot, window, cati, "no_answer")
    second_id = next_case(qtbot, window, cati)
    # the first case's heartbeat, sent before its outcome was saved, fails now
    cati._on_renew_failed(cati._calling, first, LeaseLost())
    assert cati.card is not None and cati.card.case_id == second_id


def test_signing_out_hands_the_held_case_back(
        qtbot: QtBot, window: MainWindow, context: AppContext, demo: Demo) -> None:
    cati = open_queue(qtbot, window, demo)
    case_id = next_case(qtbot, window, cati)
    qtbot.mouseClick(cati.back_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.home, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: central_case(context, case_id)[0].lease_token is None,
                    timeout=TIMEOUT)
    assert central_case(context, case_id)[1] == []  # handed back: no attempt

    press(qtbot, window, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is cati and cati.survey.count() == 1,
                    timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=TIMEOUT)
    held = next_case(qtbot, window, cati)
    window.cati.clear()  # what signing out does
    cati.wait()
    assert central_case(context, held)[0].lease_token is None
