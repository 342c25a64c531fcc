"""The telephone queue (CATI): take the next case from the shared queue, read its card,
dial, and record what happened, start the interview or book a callback.

Keys: F9 next case; the outcome keys shown beside each outcome (3 books a callback);
Enter starts the interview; F12 records a break-off after it; Esc hands the case back.
While a case is held, its lease is renewed in the background; if it is lost anyway (the
network was gone for minutes), the screen says so and lets go of the case.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from interviewer.fieldwork.dispositions import OUTCOMES, Outcome
from interviewer.services.calling import CallingService, CaseCard, Lease, LeaseLost, OutcomeResult
from interviewer.services.common import ServiceError
from interviewer.services.interviewing import InterviewingService
from interviewer.services.questionnaires import FormCache
from interviewer.storage.db import StorageError
from interviewer.ui.dialogs import CallbackDialog
from interviewer.ui.interview_actions import Opened, open_started
from interviewer.ui.tasks import TaskRunner, report_unexpected

log = logging.getLogger(__name__)

# outcomes that only an interview produces, and the callback, which has its own button
NOT_IN_GRID = ("complete", "break_off", "callback")
HEARTBEAT_SHARE = 3  # renew the lease three times per lease period


def call_outcomes() -> list[Outcome]:
    return [o for key, o in OUTCOMES.items() if key not in NOT_IN_GRID]


def when_text(moment: datetime | None, zone: str) -> str:
    """A UTC instant as the respondent's local date and time."""
    if moment is None:
        return ""
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(zone)).strftime("%a %d %b %H:%M")


def readable_number(e164: str) -> str:
    """+4915154185836 as +49 1515 4185836: easier to read out and to dial."""
    import phonenumbers

    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


class CatiScreen(QWidget):
    interview_opened = Signal(object)  # Opened
    back_requested = Signal()

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("catiScreen")
        self._tasks = tasks  # reading: the surveys and their counts
        # every action on a held case (claim, heartbeat, start, outcome, hand back) runs on
        # one thread, in the order asked: a hand-back can never overtake an outcome
        self._serial = TaskRunner(self, serial=True)
        self._calling: CallingService | None = None
        self._interviewing: InterviewingService | None = None
        self._forms: FormCache | None = None
        self.lease: Lease | None = None
        self.card: CaseCard | None = None
        self.opened: Opened | None = None  # the interview started on the held case
        self._acting = False  # a claim, an outcome or a start is on its way
        self._heartbeat = QTimer(self)
        self._heartbeat.timeout.connect(self._renew)

        self.title = QLabel("Telephone queue", self)
        self.title.setObjectName("screenTitle")
        self.survey = QComboBox(self)
        self.survey.setObjectName("catiSurvey")
        self.survey.setAccessibleName("Survey")
        self.next_button = QPushButton("Next case   F9", self)
        self.next_button.setObjectName("primary")
        self.back_button = QPushButton("My interviews", self)
        self.message = QLabel("", self)
        self.message.setObjectName("notice")
        self.message.setWordWrap(True)

        self.card_frame = QFrame(self)
        self.card_frame.setObjectName("questionCard")
        self.respondent = QLabel("", self.card_frame)
        self.respondent.setObjectName("questionLabel")
        self.case_line = QLabel("", self.card_frame)
        self.case_line.setObjectName("caption")
        self.phone = QLabel("", self.card_frame)
        self.phone.setObjectName("phoneNumber")
        self.phone.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.local_time = QLabel("", self.card_frame)
        self.attempts = QLabel("", self.card_frame)
        self.appointment = QLabel("", self.card_frame)
        self.preload = QFormLayout()
        self.history = QTableWidget(0, 4, self.card_frame)
        self.history.setObjectName("callHistory")
        self.history.setHorizontalHeaderLabels(["When (respondent's time)", "Interviewer",
                                                "Outcome", "Note"])
        self.history.verticalHeader().setVisible(False)
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.history.horizontalHeader().setSectionResizeMode(
            3, QHeaderView.ResizeMode.Stretch)
        card = QVBoxLayout(self.card_frame)
        card.addWidget(self.respondent)
        card.addWidget(self.case_line)
        card.addWidget(self.phone)
        self.local_time.setObjectName("localTime")
        card.addWidget(self.local_time)
        facts = QHBoxLayout()
        facts.setSpacing(24)
        for label in (self.attempts, self.appointment):
            label.setObjectName("caption")
            facts.addWidget(label)
        facts.addStretch(1)
        card.addLayout(facts)
        card.addLayout(self.preload)
        card.addWidget(QLabel("Call history", self.card_frame))
        card.addWidget(self.history, 1)

        self.start_button = QPushButton("Start interview   Enter", self)
        self.start_button.setObjectName("primary")
        self.callback_button = QPushButton(
            f"Book callback…   {OUTCOMES['callback'].shortcut}", self)
        self.release_button = QPushButton("Hand back   Esc", self)
        self.break_button = QPushButton("Break-off   F12", self)
        self.break_button.setObjectName("breakOff")
        self.outcome_buttons: dict[str, QPushButton] = {}
        outcomes = QGridLayout()
        callback_key = OUTCOMES["callback"].shortcut
        shortcut = QShortcut(QKeySequence(callback_key), self, lambda: self.choose("callback"))
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        for i, outcome in enumerate(call_outcomes()):
            button = QPushButton(f"{outcome.label}   {outcome.shortcut}", self)
            button.setObjectName(f"outcome_{outcome.key}")
            button.clicked.connect(lambda _=False, key=outcome.key: self.choose(key))
            self.outcome_buttons[outcome.key] = button
            outcomes.addWidget(button, i // 2, i % 2)
            if outcome.shortcut:
                shortcut = QShortcut(QKeySequence(outcome.shortcut), self,
                                     lambda key=outcome.key: self.choose(key))
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.survey, 1)
        top.addWidget(self.next_button)
        top.addWidget(self.back_button)
        side = QVBoxLayout()
        side.addWidget(self.start_button)
        side.addWidget(self.callback_button)
        side.addWidget(self.break_button)
        side.addSpacing(12)
        side.addWidget(QLabel("Call outcome", self))
        side.addLayout(outcomes)
        side.addStretch(1)
        side.addWidget(self.release_button)
        middle = QHBoxLayout()
        middle.addWidget(self.card_frame, 3)
        middle.addLayout(side, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 22, 28, 20)
        layout.setSpacing(14)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addLayout(middle, 1)

        self.next_button.clicked.connect(self.next_case)
        self.back_button.clicked.connect(self._on_back)
        self.start_button.clicked.connect(self.start_interview)
        self.callback_button.clicked.connect(lambda: self.choose("callback"))
        self.release_button.clicked.connect(self.hand_back)
        self.break_button.clicked.connect(self.break_off)
        for sequence, slot in ((Qt.Key.Key_F9, self.next_case),
                               (Qt.Key.Key_Escape, self.hand_back),
                               (Qt.Key.Key_F12, self.break_off),
                               (Qt.Key.Key_Return, self.start_interview),
                               (Qt.Key.Key_Enter, self.start_interview)):
            shortcut = QShortcut(QKeySequence(sequence), self, slot)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._show_card(None)

    # -- setting up --
    def set_services(self, calling: CallingService, interviewing: InterviewingService,
                     forms: FormCache) -> None:
        self._calling, self._interviewing, self._forms = calling, interviewing, forms
        self.message.clear()
        self.load_surveys()

    def clear(self) -> None:
        """Sign-out or closing: the held case goes back to the queue, after whatever is
        on its way for it (an outcome being saved is saved first)."""
        calling, lease = self._calling, self.lease
        if calling is not None and lease is not None:
            self._serial.run(lambda: calling.release(lease), lambda _: None, _hand_back_failed)
        self._let_go()
        self._calling = self._interviewing = self._forms = None
        self.survey.clear()

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until the actions on the held case have run (on closing)."""
        return self._serial.wait(msecs)

    def load_surveys(self) -> None:
        calling = self._calling
        if calling is None:
            return
        self._run(calling, calling.surveys, self._on_surveys, action=False)

    def _on_surveys(self, surveys: Any) -> None:
        keep = self.survey.currentData()
        self.survey.clear()
        for survey in surveys:
            self.survey.addItem(f"{survey.name}  ({survey.waiting} to call now)", survey.id)
        if keep is not None and self.survey.findData(keep) >= 0:
            self.survey.setCurrentIndex(self.survey.findData(keep))
        if not surveys:
            self.message.setText("No telephone survey is open.")
        self.next_button.setFocus()

    # -- the queue --
    def next_case(self) -> None:
        calling, survey_id = self._calling, self.survey.currentData()
        if calling is None or self.lease is not None or self._acting:
            return
        if not isinstance(survey_id, uuid.UUID):
            self.message.setText("Choose a survey first.")
            return
        self.message.setText("Looking for the next case…")
        self._run(calling, lambda: calling.next_case(survey_id), self._on_claimed)

    def _on_claimed(self, claimed: Any) -> None:
        if claimed is None:
            self.message.setText("No case can be called now. Try again in a few minutes.")
            self.load_surveys()
            return
        lease, card = claimed
        self.lease, self.card, self.opened = lease, card, None
        calling = self._calling
        assert calling is not None
        self._heartbeat.start(max(1_000, calling.lease_seconds * 1000 // HEARTBEAT_SHARE))
        self.message.setText("Dial the number, then record what happened.")
        self._show_card(card)
        self.start_button.setFocus()
        log.info("case %s claimed", card.case_id)

    def _renew(self) -> None:
        calling, lease = self._calling, self.lease
        if calling is None or lease is None:
            self._heartbeat.stop()
            return
        self._serial.run(lambda: calling.heartbeat(lease), self._on_renewed,
                         lambda error: self._on_renew_failed(calling, lease, error))

    def _on_renew_failed(self, calling: CallingService, lease: Lease,
                         error: BaseException) -> None:
        """Only the lease still held matters: a heartbeat of a case already done (its
        outcome saved meanwhile) fails harmlessly."""
        if calling is not self._calling or self.lease is None \
                or self.lease.token != lease.token:
            return
        if isinstance(error, LeaseLost):
            self._let_go()
            self.message.setText(str(error))
        else:  # the network: the next heartbeat tries again while the lease lasts
            log.info("heartbeat failed: %s", type(error).__name__)

    def _on_renewed(self, lease: Any) -> None:
        if self.lease is not None and lease.case_id == self.lease.case_id:
            self.lease = lease

    # -- outcomes --
    def choose(self, key: str, *, interview_id: uuid.UUID | None = None,
               answered_share: float | None = None) -> None:
        """Record outcome `key` for the held case (a callback asks for its time first)."""
        calling, lease, card = self._calling, self.lease, self.card
        if calling is None or lease is None or card is None or self._acting:
            return
        appointment_at, hard, note = None, False, ""
        if key == "callback":
            booked = CallbackDialog.ask(self, card.timezone, card.local_time)
            if booked is None:
                return
            appointment_at, hard, note = booked
        if self.opened is not None and interview_id is None:
            interview_id = self.opened.session.id
        self._set_buttons(False)
        self._run(calling, lambda: calling.record_outcome(
            lease, key, appointment_at=appointment_at, hard=hard, note=note,
            interview_id=interview_id, answered_share=answered_share),
            lambda result: self._on_recorded(key, result))

    def _on_recorded(self, key: str, result: Any) -> None:
        assert isinstance(result, OutcomeResult)
        card = self.card
        zone = card.timezone if card is not None else "UTC"
        label = OUTCOMES[key].label if key in OUTCOMES else key
        if result.final:
            text = f"Saved: {label}. The case is closed ({result.disposition})."
        elif result.appointment_at is not None:
            text = f"Saved: callback on {when_text(result.appointment_at, zone)} " \
                   "(respondent's time)."
        else:
            text = f"Saved: {label}. Next call {when_text(result.next_call_at, zone)} " \
                   "(respondent's time)."
        self._let_go()
        self.message.setText(text + "   F9: next case")
        self.load_surveys()

    def hand_back(self) -> None:
        """Esc: give the case back without an attempt; not while an outcome or the start
        of the interview is on its way (the case is being worked on)."""
        calling, lease = self._calling, self.lease
        if calling is None or lease is None or self._acting:
            return
        self._let_go()
        self.message.setText("The case went back to the queue.")
        self._serial.run(lambda: calling.release(lease), lambda _: None, _hand_back_failed)

    def _let_go(self) -> None:
        self._heartbeat.stop()
        self.lease, self.card, self.opened = None, None, None
        self._show_card(None)
        self.next_button.setFocus()

    # -- the interview --
    def start_interview(self) -> None:
        calling, interviewing, forms = self._calling, self._interviewing, self._forms
        lease, card = self.lease, self.card
        if None in (calling, interviewing, forms, lease, card) or self._acting:
            return
        assert calling is not None and interviewing is not None and forms is not None
        assert lease is not None and card is not None

        def work() -> Opened:
            interview_id = calling.start_interview(lease, forms)
            return open_started(interviewing, interview_id, card.respondent_name,
                                card.external_id, card.survey_name)

        self._run(calling, work, self._on_interview_ready)

    def _on_interview_ready(self, opened: Any) -> None:
        assert isinstance(opened, Opened)
        if self.lease is None:  # let go meanwhile (signed out): not shown
            return
        self.opened = opened
        self.interview_opened.emit(opened)

    def interview_closed(self, how: str) -> None:
        """Back from the interview: a completed one completes the call; otherwise the
        interviewer says what happened (break-off, callback), and the answers stay."""
        opened = self.opened
        if self.lease is None or opened is None:
            return
        if how == "completed":
            self.choose("complete", interview_id=opened.session.id)
            return
        key = OUTCOMES["callback"].shortcut
        self.message.setText("The interview stopped before the end; its answers are saved. "
                             f"Book a callback ({key}) or record a break-off (F12).")
        self._show_card(self.card)

    def break_off(self) -> None:
        opened, calling = self.opened, self._calling
        if opened is None or calling is None:
            return
        screen = opened.session.screen()
        share = screen.answered / screen.total if screen.total else 0.0
        self.choose("break_off", interview_id=opened.session.id,
                    answered_share=share)

    # -- showing --
    def _show_card(self, card: CaseCard | None) -> None:
        held = card is not None
        self.card_frame.setVisible(held)
        for button in (self.start_button, self.callback_button, self.release_button,
                       *self.outcome_buttons.values()):
            button.setVisible(held)
        self.break_button.setVisible(held and self.opened is not None)
        self.next_button.setEnabled(not held)
        self.survey.setEnabled(not held)
        while self.preload.rowCount():
            self.preload.removeRow(0)
        self.history.setRowCount(0)
        if card is None:
            return
        self._set_buttons(True)
        self.start_button.setText("Resume interview   Enter" if self.opened
                                  else "Start interview   Enter")
        self.respondent.setText(card.respondent_name)
        self.case_line.setText(f"{card.survey_name}   ·   case {card.external_id}")
        numbers = [card.phone or ""] + [p for p in card.phones if p != card.phone]
        self.phone.setText("     ".join(readable_number(n) for n in numbers if n))
        self.local_time.setText(f"Their time: {card.local_time:%a %H:%M}  "
                                f"({card.timezone.replace('_', ' ')})")
        self.attempts.setText(f"Attempts: {card.attempts} of {card.max_attempts}")
        kind = "hard" if card.appointment_hard else "soft"
        self.appointment.setText(
            f"Appointment ({kind}): {when_text(card.appointment_at, card.timezone)}"
            if card.appointment_at else "")
        for name, value in card.preload.items():
            self.preload.addRow(f"{name.replace('_', ' ').capitalize()}:",
                                QLabel(str(value), self.card_frame))
        for record in card.history:
            row = self.history.rowCount()
            self.history.insertRow(row)
            for column, text in enumerate((when_text(record.at, card.timezone),
                                           record.interviewer, record.outcome_label,
                                           record.note)):
                self.history.setItem(row, column, QTableWidgetItem(text))
        self.history.resizeColumnsToContents()

    def _set_buttons(self, enabled: bool) -> None:
        for button in (self.start_button, self.callback_button, self.release_button,
                       self.break_button, *self.outcome_buttons.values()):
            button.setEnabled(enabled)

    def _on_back(self) -> None:
        if self.lease is not None:
            self.hand_back()
        self.back_requested.emit()

    # -- running --
    def _run(self, calling: CallingService, work: Callable[[], Any],
             done: Callable[[Any], None], *, action: bool = True) -> None:
        """Run off the GUI thread; a result for a signed-out user is dropped. One action
        at a time: a second key press while one is on its way is ignored."""
        if action:
            self._acting = True

        def deliver(result: Any) -> None:
            if action:
                self._acting = False
            if calling is self._calling:
                done(result)

        def failed(error: BaseException) -> None:
            if action:
                self._acting = False
            if calling is not self._calling:
                return
            self._set_buttons(True)
            if isinstance(error, LeaseLost):
                self._let_go()
                self.message.setText(str(error))
            elif isinstance(error, ServiceError | StorageError):
                self.message.setText(str(error))
            else:
                report_unexpected(error)

        (self._serial if action else self._tasks).run(work, deliver, failed)


def _hand_back_failed(error: BaseException) -> None:
    # the lease had ended already (an outcome, or it expired): the case is in the queue
    log.info("hand back failed: %s", type(error).__name__)


__all__ = ["CatiScreen", "call_outcomes", "when_text"]
