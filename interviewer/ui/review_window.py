"""The supervisor's review screen: the queue of completed interviews on the left, the one
selected on the right (every answer, its remarks, time and checks; the changes, calls and
earlier decisions in tabs), and the decisions.

Keys: Enter on an interview goes to its answers (Tab too); C (or Comment) comments on
the selected answer; Ctrl+Enter approves; Ctrl+R rejects, with the comments and a
general comment; Ctrl+G reassigns the case; F5 reloads the queue; Esc goes back. Every
service call runs off the GUI thread (TaskRunner); after a decision the interview leaves
the queue and the next one is shown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from interviewer.services.common import ServiceError
from interviewer.services.review import (
    FLAGS,
    InterviewDetail,
    Person,
    ReviewFilter,
    ReviewItem,
    ReviewService,
)
from interviewer.storage.db import StorageError
from interviewer.ui.review_dialogs import (
    CommentDialog,
    ConflictsDialog,
    ReassignDialog,
    RejectDialog,
)
from interviewer.ui.review_model import (
    ANSWER,
    ITEM_ROLE,
    QUESTION,
    REMARKS,
    AnswersModel,
    QueueModel,
)
from interviewer.ui.tasks import TaskRunner, report_unexpected
from interviewer.ui.work_list_model import local_time, status_label

log = logging.getLogger(__name__)  # ids and actions only

STATUS_CHOICES = (("Waiting for review", "completed"), ("Approved", "approved"),
                  ("Rejected", "rejected"), ("All", None))


def _table(parent: QWidget, name: str) -> QTableView:
    table = QTableView(parent)
    table.setObjectName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft)
    return table


def _history(parent: QWidget, name: str, headers: list[str],
             stretch: tuple[int, ...]) -> QTableWidget:
    """A read-only table whose `stretch` columns share the width and wrap."""
    table = QTableWidget(0, len(headers), parent)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(True)
    header = table.horizontalHeader()
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    for column in stretch:
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
    return table


def _fill(table: QTableWidget, rows: list[tuple[str, ...]]) -> None:
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, text in enumerate(values):
            table.setItem(r, c, QTableWidgetItem(text))


# completed within: today (0 days back), the last week, the last 30 days
PERIODS = (("Any time", None), ("Today", 0), ("Last 7 days", 6), ("Last 30 days", 29))


class ReviewScreen(QWidget):
    back_requested = Signal()
    queue_loaded = Signal(int)  # how many interviews
    detail_shown = Signal(object)  # the interview id
    decided = Signal(str)  # approved, rejected or reassigned

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewScreen")
        self._tasks = tasks
        self._service: ReviewService | None = None
        self.detail: InterviewDetail | None = None
        self._acting = False  # a decision is on its way
        self._generation = 0  # of queue refreshes: only the latest one is shown
        self._people: list[Person] = []  # active interviewers, to reassign to

        self.title = QLabel("Review", self)
        self.title.setObjectName("screenTitle")
        self.survey = self._combo("reviewSurvey", "Survey")
        self.interviewer = self._combo("reviewInterviewer", "Interviewer")
        self.flag = self._combo("reviewFlag", "Flag")
        self.flag.addItem("Any flag", None)
        for flag in FLAGS:
            self.flag.addItem(flag.capitalize(), flag)
        self.status = self._combo("reviewStatus", "Status")
        for label, status in STATUS_CHOICES:
            self.status.addItem(label, status)
        self.period = self._combo("reviewPeriod", "Completed")
        for label, days in PERIODS:
            self.period.addItem(label, days)
        self.refresh_button = QPushButton("Refresh   F5", self)
        self.back_button = QPushButton("Back   Esc", self)

        self.model = QueueModel(self)
        self.queue = _table(self, "reviewQueue")
        self.queue.setModel(self.model)
        self.queue.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.count_label = QLabel("", self)
        self.count_label.setObjectName("caption")

        self.heading = QLabel("", self)
        self.heading.setObjectName("groupTitle")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.general = QLabel("", self)
        self.general.setObjectName("remarkText")
        self.general.setWordWrap(True)
        self.general.setTextFormat(Qt.TextFormat.PlainText)
        self.answers_model = AnswersModel(self)
        self.answers = _table(self, "reviewAnswers")
        self.answers.setModel(self.answers_model)
        header = self.answers.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for column in (QUESTION, ANSWER, REMARKS):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.answers.setWordWrap(True)
        self.answers.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.changes = _history(self, "reviewChanges", ["When", "Question", "Old", "New"],
                                (1, 2, 3))
        self.calls = _history(self, "reviewCalls",
                              ["When", "Interviewer", "Outcome", "Disposition", "Note"],
                              (4,))
        self.decisions = _history(self, "reviewDecisions", ["When", "By", "Decision"], (2,))
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.answers, "Answers")
        self.tabs.addTab(self.changes, "Answer history")
        self.tabs.addTab(self.calls, "Calls")
        self.tabs.addTab(self.decisions, "Decisions")

        self.comment_button = QPushButton("Comment   C", self)
        self.approve_button = QPushButton("Approve   Ctrl+Enter", self)
        self.approve_button.setObjectName("primary")
        self.reject_button = QPushButton("Reject…   Ctrl+R", self)
        self.reassign_button = QPushButton("Reassign…   Ctrl+G", self)
        self.conflicts_button = QPushButton("Sync conflicts…   Ctrl+K", self)
        self.message = QLabel("", self)
        self.message.setObjectName("notice")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self._layout()
        self._connect()
        self._show_detail(None)

    def _combo(self, name: str, label: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.setAccessibleName(label)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        return combo

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        for widget in (self.survey, self.interviewer, self.flag, self.period, self.status,
                       self.back_button):
            top.addWidget(widget)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.queue, 1)
        under = QHBoxLayout()  # below the queue: what acts on the queue as a whole
        under.addWidget(self.count_label, 1)
        under.addWidget(self.conflicts_button)
        under.addWidget(self.refresh_button)
        left_layout.addLayout(under)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(12, 0, 0, 0)
        right_layout.addWidget(self.heading)
        right_layout.addWidget(self.general)
        right_layout.addWidget(self.tabs, 1)
        buttons = QHBoxLayout()
        for button in (self.comment_button, self.reject_button, self.reassign_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.approve_button)
        right_layout.addLayout(buttons)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([540, 800])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 22, 28, 20)
        layout.setSpacing(12)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)

    def _connect(self) -> None:
        for combo in (self.survey, self.interviewer, self.flag, self.period, self.status):
            combo.activated.connect(lambda _=0: self.refresh())
        self.refresh_button.clicked.connect(self.refresh)
        self.back_button.clicked.connect(self.back_requested)
        self.comment_button.clicked.connect(self.comment)
        self.approve_button.clicked.connect(self.approve)
        self.reject_button.clicked.connect(self.reject)
        self.reassign_button.clicked.connect(self.reassign)
        self.conflicts_button.clicked.connect(self.show_conflicts)
        self.queue.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.queue.activated.connect(lambda _: self.answers.setFocus())  # Enter: to answers
        keys: list[tuple[str | Qt.Key, Callable[[], None]]] = [
            ("Ctrl+Return", self.approve), ("Ctrl+Enter", self.approve),
            ("Ctrl+R", self.reject), ("Ctrl+G", self.reassign),
            ("Ctrl+K", self.show_conflicts),
            (Qt.Key.Key_F5, self.refresh), (Qt.Key.Key_Escape, self.back_requested.emit)]
        for sequence, slot in keys:
            shortcut = QShortcut(QKeySequence(sequence), self, slot)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        # C comments on the answer selected: only while the answers have the focus
        comment = QShortcut(QKeySequence(Qt.Key.Key_C), self.answers, self.comment)
        comment.setContext(Qt.ShortcutContext.WidgetShortcut)

    # -- setting up --
    def set_service(self, service: ReviewService) -> None:
        self._service = service
        self.message.clear()
        self.model.set_items([])
        self._show_detail(None)
        self._run(service, lambda: (service.surveys(), service.interviewers()),
                  self._on_choices)
        self.refresh()

    def clear(self) -> None:
        self._service = None
        self._acting = False
        self._people = []
        self.model.set_items([])
        self._show_detail(None)
        self.survey.clear()
        self.interviewer.clear()
        self.message.clear()

    def _on_choices(self, choices: Any) -> None:
        surveys, people = choices
        self._people = list(people)
        for combo, first, rows in ((self.survey, "All surveys", surveys),
                                   (self.interviewer, "All interviewers", people)):
            combo.clear()
            combo.addItem(first, None)
            for row in rows:
                combo.addItem(row.name, row.id)

    def filters(self) -> ReviewFilter:
        days = self.period.currentData()
        since = None if days is None else \
            datetime.now(UTC).astimezone().date() - timedelta(days=days)
        return ReviewFilter(survey_id=self.survey.currentData(),
                            interviewer_id=self.interviewer.currentData(),
                            flag=self.flag.currentData(), status=self.status.currentData(),
                            date_from=since)

    # -- the queue --
    def refresh(self) -> None:
        service = self._service
        if service is None:
            return
        filters = self.filters()
        self.count_label.setText("Loading…")
        self._generation += 1
        generation = self._generation
        self._run(service, lambda: service.queue(filters),
                  lambda items: self._on_queue(generation, items))

    def _on_queue(self, generation: int, items: Any) -> None:
        if generation != self._generation:
            return  # an earlier refresh, overtaken by a later one (or by a decision)
        keep = self.current_item()
        self.model.set_items(items)
        row = self.model.row_of(keep.interview_id) if keep is not None else -1
        self._select(max(row, 0))
        self.queue.setFocus()
        self.queue_loaded.emit(len(items))

    def _select(self, row: int) -> None:
        count = self.model.rowCount()
        self.count_label.setText(f"{count} interviews" if count != 1 else "1 interview")
        if count == 0:
            self._show_detail(None)
            return
        row = min(row, count - 1)
        self.queue.setCurrentIndex(self.model.index(row, 0))
        self.queue.selectRow(row)

    def current_item(self) -> ReviewItem | None:
        index = self.queue.currentIndex()
        item = index.siblingAtColumn(0).data(ITEM_ROLE) if index.isValid() else None
        return item if isinstance(item, ReviewItem) else None

    def _on_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        item, service = self.current_item(), self._service
        if item is None or service is None:
            self._show_detail(None)
            return
        if self.detail is not None and self.detail.interview_id == item.interview_id:
            return
        wanted = item.interview_id
        self._show_detail(None)  # nothing to decide on until this one is shown
        self.heading.setText("Loading…")
        self._run(service, lambda: service.detail(wanted), self._on_detail)

    def _on_detail(self, detail: Any) -> None:
        item = self.current_item()
        if item is None or item.interview_id != detail.interview_id:
            return  # another interview was selected meanwhile
        self._show_detail(detail)
        self.detail_shown.emit(detail.interview_id)

    # -- the interview shown --
    def _show_detail(self, detail: InterviewDetail | None) -> None:
        self.detail = detail
        self.answers_model.set_answers(detail.answers if detail else [])
        for button in (self.comment_button, self.approve_button, self.reject_button,
                       self.reassign_button):
            button.setEnabled(detail is not None)
        if detail is None:
            self.heading.setText("No interview selected" if self._service else "")
            self.general.clear()
            for table in (self.changes, self.calls, self.decisions):
                table.setRowCount(0)
            return
        minutes = "" if detail.duration_minutes is None else \
            f"   ·   {detail.duration_minutes:g} min"
        self.heading.setText(f"{detail.survey}   ·   case {detail.case}   ·   "
                             f"{detail.interviewer}   ·   {status_label(detail.status)}"
                             f"{minutes}")
        self.general.setText("\n".join(
            f"{'Supervisor' if r.by_supervisor else r.author}: {r.text}"
            for r in detail.general_remarks))
        self.general.setVisible(bool(detail.general_remarks))
        _fill(self.changes, [(local_time(c.at), a.label or a.path, c.old, c.new)
                             for a in detail.answers for c in a.changes])
        _fill(self.calls, [(local_time(c.at), c.interviewer, c.outcome, c.disposition,
                            c.note) for c in detail.calls])
        _fill(self.decisions, [(local_time(d.at), d.by, d.action) for d in detail.decisions])
        self.approve_button.setEnabled(detail.status == "completed")
        if self.answers_model.rowCount():
            self.answers.setCurrentIndex(self.answers_model.index(0, 0))

    # -- decisions --
    def comment(self) -> None:
        """A comment on the selected answer, sent with the rejection."""
        index = self.answers.currentIndex()
        answer = self.answers_model.answer(index.row()) if index.isValid() else None
        if answer is None or self.detail is None:
            return
        text = CommentDialog.ask(self, answer.label or answer.path,
                                 self.answers_model.comments.get(answer.path, ""))
        if text is not None:
            self.answers_model.set_comment(answer.path, text)
        self.answers.setFocus()

    def _shown(self) -> InterviewDetail | None:
        """The interview on screen, when it is the one selected in the queue."""
        item, detail = self.current_item(), self.detail
        if item is None or detail is None or item.interview_id != detail.interview_id:
            return None
        return detail

    def approve(self) -> None:
        service, detail = self._service, self._shown()
        if service is None or detail is None or self._acting:
            return
        interview_id, revision = detail.interview_id, detail.revision
        self._decide(service, lambda: service.approve(interview_id, revision), "approved",
                     detail)

    def reject(self) -> None:
        service, detail = self._service, self._shown()
        if service is None or detail is None or self._acting:
            return
        comments = dict(self.answers_model.comments)
        labels = {a.path: a.label or a.path for a in detail.answers}
        general = RejectDialog.ask(self, [(labels.get(p, p), t) for p, t in comments.items()])
        if general is None:
            return
        interview_id, revision = detail.interview_id, detail.revision
        self._decide(service,
                     lambda: service.reject(interview_id, general, comments, revision),
                     "rejected", detail)

    def reassign(self) -> None:
        service, detail = self._service, self._shown()
        if service is None or detail is None or detail.case_id is None or self._acting:
            return
        people = [p for p in self._people if p.id != detail.interviewer_id]
        if not people:
            self.message.setText("There is no other active interviewer to give it to.")
            return
        chosen = ReassignDialog.ask(self, people)
        if chosen is None:
            return
        case_id = detail.case_id
        self._decide(service, lambda: service.reassign(case_id, chosen), "reassigned",
                     detail)

    def _decide(self, service: ReviewService, work: Callable[[], Any], what: str,
                detail: InterviewDetail) -> None:
        self._acting = True
        self.message.setText("Saving…")

        def done(_: Any) -> None:
            self._acting = False
            self._on_decided(what, detail)

        def failed(error: BaseException) -> None:
            self._acting = False
            self._failed(error)

        self._run(service, work, done, failed)

    def _on_decided(self, what: str, detail: InterviewDetail) -> None:
        log.info("interview %s %s", detail.interview_id, what)
        self.message.setText(f"Case {detail.case}: {what}.")
        if what == "reassigned":  # still waiting for review, under its new interviewer
            self.detail = None
            self.refresh()
        else:
            self._generation += 1  # a refresh started before this decision is stale
            current = self.current_item()
            moved_on = current is not None and current.interview_id != detail.interview_id
            row = self.model.row_of(detail.interview_id)
            self.model.remove(detail.interview_id)
            if moved_on:  # the user went on to another interview meanwhile: keep it
                assert current is not None
                self._select(self.model.row_of(current.interview_id))
            else:
                self.detail = None
                self._select(max(row, 0))
                self._on_current_changed(self.queue.currentIndex(), QModelIndex())
            self.queue.setFocus()
        self.decided.emit(what)

    # -- running --
    def _run(self, service: ReviewService, work: Callable[[], Any],
             done: Callable[[Any], None],
             failed: Callable[[BaseException], None] | None = None) -> None:
        """Off the GUI thread; a result for a signed-out user is dropped."""
        def deliver(result: Any) -> None:
            if service is self._service:
                done(result)

        def fail(error: BaseException) -> None:
            if service is not self._service:
                return
            (failed or self._failed)(error)

        self._tasks.run(work, deliver, fail)

    # -- sync conflicts --
    def show_conflicts(self) -> None:
        """The open sync conflicts, loaded off the GUI thread, then the choice."""
        service = self._service
        if service is None or self._acting:
            return
        self.message.setText("Loading the sync conflicts…")
        self._run(service, service.conflicts, self._on_conflicts, self._failed)

    def _on_conflicts(self, conflicts: Any) -> None:
        service = self._service
        if service is None:
            return
        if not conflicts:
            self.message.setText("There are no open sync conflicts.")
            return
        self.message.clear()
        choice = ConflictsDialog.ask(self, conflicts)
        if choice is None:
            return
        conflict_id, keep = choice
        self._acting = True

        def done(_: Any) -> None:
            self._acting = False
            self.message.setText("Conflict settled: " + (
                "central's version kept." if keep == "central" else
                "the device's version taken."))
            self.refresh()

        def failed(error: BaseException) -> None:
            self._acting = False
            self._failed(error)

        self._run(service, lambda: service.resolve_conflict(
            conflict_id, "device" if keep == "device" else "central"), done, failed)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, ServiceError | StorageError):
            self.message.setText(str(error))
        else:
            report_unexpected(error)


__all__ = ["ReviewScreen"]
