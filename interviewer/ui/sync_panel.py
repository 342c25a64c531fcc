"""Sync in the window: a button (F7), a progress bar with Cancel while it runs, the last
result in one line, and the sync log with the conflicts a click away. Optionally it runs
by itself every N minutes (INTERVIEWER_SYNC_MINUTES) while someone is signed in.

The sync runs on a worker thread; progress comes back through a queued signal, and
Cancel sets a flag the service reads between messages (what central has acknowledged
stays acknowledged).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, get_args

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from interviewer.services.common import ServiceError
from interviewer.services.sync import ConflictView, SyncLogView, SyncProgress, SyncReport
from interviewer.storage.db import StorageError
from interviewer.sync.messages import Outcome
from interviewer.ui.tasks import TaskRunner, report_unexpected

log = logging.getLogger(__name__)

OUTCOMES = frozenset(get_args(Outcome))  # what central did with each item pushed
SyncFactory = Callable[[], Any]  # -> SyncService; may open central (off the GUI thread)


class _Progress(QObject):
    """Carries progress from the worker thread to the GUI thread."""

    changed = Signal(object)  # SyncProgress


def counts_text(counts: dict[str, int]) -> str:
    """{"interviews_applied": 1, "call_attempts_duplicate": 3, "users": 1} as
    "1 interview (applied), 3 call attempts (duplicate), 1 user"."""
    shown = []
    for key, n in counts.items():
        if not n:
            continue
        what, _, how = key.rpartition("_")
        if how not in OUTCOMES:
            what, how = key, ""
        noun = what.replace("_", " ")
        if n == 1 and noun.endswith("s"):
            noun = noun[:-1]
        shown.append(f"{n} {noun}" + (f" ({how})" if how else ""))
    return ", ".join(shown) or "nothing"


class SyncPanel(QWidget):
    finished = Signal(object)  # SyncReport, or None after a failure

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncPanel")
        self._tasks = tasks
        self._factory: SyncFactory | None = None
        self._service: Any = None
        self._cancel = threading.Event()
        self.running = False
        self._progress = _Progress(self)
        self._progress.changed.connect(self._on_progress)
        self.auto = QTimer(self)
        self.auto.timeout.connect(self.start)

        self.button = QPushButton("Sync   F7", self)
        self.button.setObjectName("syncButton")
        self.button.setAutoDefault(True)
        self.bar = QProgressBar(self)
        self.bar.setObjectName("syncProgress")
        self.bar.setMaximumWidth(220)
        self.bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel", self)
        self.status = QLabel("", self)
        self.status.setObjectName("caption")
        self.log_button = QPushButton("Sync log…", self)
        self.log_button.setFlat(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.button)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        layout.addWidget(self.status, 1)
        layout.addWidget(self.log_button)
        self.button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.log_button.clicked.connect(self.show_log)
        self._set_running(False)

    def set_factory(self, factory: SyncFactory | None, every_minutes: int = 0) -> None:
        """The signed-in user's sync; None on sign-out (a running sync finishes on its
        own; its result is not shown to whoever signs in next)."""
        self._factory, self._service = factory, None
        self.status.clear()
        self.auto.stop()
        if factory is not None and every_minutes > 0:
            self.auto.start(every_minutes * 60_000)

    def start(self) -> None:
        factory = self._factory
        if factory is None or self.running:
            return
        self._cancel.clear()
        self._set_running(True)
        self.status.setText("Syncing…")
        progress, cancel = self._progress, self._cancel

        def work() -> tuple[Any, SyncReport]:
            service = self._service or factory()
            return service, service.run(progress=progress.changed.emit,
                                        cancelled=cancel.is_set)

        self._tasks.run(work, lambda result: self._on_done(factory, result),
                        lambda error: self._on_failed(factory, error))

    def cancel(self) -> None:
        if self.running:
            self._cancel.set()
            self.status.setText("Stopping after the current batch…")

    def _on_progress(self, progress: object) -> None:
        assert isinstance(progress, SyncProgress)
        self.bar.setMaximum(max(progress.total, 1))
        self.bar.setValue(progress.done)
        stage = "Sending" if progress.stage == "push" else "Receiving"
        self.status.setText(f"{stage}… {progress.done} of {progress.total}")

    def _on_done(self, factory: SyncFactory, result: Any) -> None:
        self._set_running(False)
        if factory is not self._factory:
            return
        self._service, report = result
        assert isinstance(report, SyncReport)
        word = "Synced" if report.status == "ok" else "Sync cancelled"
        text = (f"{word}: sent {counts_text(report.pushed)}; received "
                f"{counts_text(report.pulled)}.")
        if report.conflicts:
            text += f" {report.conflicts} conflict(s): see the sync log."
        self.status.setText(text)
        self.finished.emit(report)

    def _on_failed(self, factory: SyncFactory, error: BaseException) -> None:
        self._set_running(False)
        if factory is not self._factory:
            return
        if isinstance(error, ServiceError | StorageError):
            self.status.setText(f"Sync failed: {error}")
            self.finished.emit(None)
            return
        report_unexpected(error)

    def _set_running(self, running: bool) -> None:
        self.running = running
        self.button.setEnabled(not running)
        self.bar.setVisible(running)
        self.cancel_button.setVisible(running)
        if running:
            self.bar.setRange(0, 0)  # busy until the first progress report

    def show_log(self) -> None:
        factory = self._factory
        if factory is None:
            return

        def work() -> tuple[Any, list[SyncLogView], list[ConflictView]]:
            service = self._service or factory()
            return service, service.history(), service.conflicts()

        def done(result: Any) -> None:
            if factory is self._factory:
                self._service = result[0]
                SyncLogDialog.show_log(self, result[1], result[2])

        self._tasks.run(work, done, lambda error: self._on_failed(factory, error))


class SyncLogDialog(QDialog):
    """What each sync did, and the conflicts kept for a supervisor."""

    def __init__(self, history: list[SyncLogView], conflicts: list[ConflictView],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sync log")
        self.setObjectName("syncLogDialog")
        self.resize(860, 480)
        layout = QVBoxLayout(self)
        self.history = _table(self, ["Started", "Status", "Sent", "Received", "Conflicts",
                                     "Problem"],
                              [[f"{h.started_at.astimezone():%d %b %H:%M:%S}", h.status,
                                counts_text(h.pushed), counts_text(h.pulled),
                                str(h.conflicts), h.error or ""] for h in history])
        layout.addWidget(self.history, 2)
        open_conflicts = [c for c in conflicts if not c.resolved]
        layout.addWidget(QLabel(f"Conflicts kept for a supervisor: {len(open_conflicts)}",
                                self))
        self.conflicts = _table(self, ["Found", "What", "Why"],
                                [[f"{c.detected_at.astimezone():%d %b %H:%M}", c.entity,
                                  c.reason] for c in open_conflicts])
        layout.addWidget(self.conflicts, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    @classmethod
    def show_log(cls, parent: QWidget | None, history: list[SyncLogView],
                 conflicts: list[ConflictView]) -> None:
        cls(history, conflicts, parent).exec()


def _table(parent: QWidget, headers: list[str], rows: list[list[str]]) -> QTableWidget:
    table = QTableWidget(len(rows), len(headers), parent)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setSectionResizeMode(len(headers) - 1,
                                                  QHeaderView.ResizeMode.Stretch)
    table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))
    table.resizeColumnsToContents()
    return table


__all__ = ["SyncLogDialog", "SyncPanel", "counts_text"]
