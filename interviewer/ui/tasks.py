"""Work off the GUI thread: a function runs on a QThreadPool and its result, or its error,
comes back to the GUI thread through a queued signal.

Workers take and return plain data and never touch a widget. `TaskRunner()` uses the
global pool (sign-in, the work list, opening an interview); `TaskRunner(serial=True)`
has a private one-thread pool, so the actions of one interview reach the store strictly
one after the other, in the order the interviewer made them.
"""

from __future__ import annotations

import itertools
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


@dataclass
class _Pending:
    on_done: Done
    on_error: Failed | None


def report_unexpected(error: BaseException) -> None:
    """Hand an unexpected error to sys.excepthook: the app logs its trace and shows a
    plain message."""
    sys.excepthook(type(error), error, error.__traceback__)


class _Task(QRunnable):
    def __init__(self, runner: TaskRunner, task_id: int, work: Callable[[], Any]) -> None:
        super().__init__()
        self._runner = runner
        self._task_id = task_id
        self._work = work

    def run(self) -> None:
        try:
            result = self._work()
        except Exception as error:  # handed to the GUI thread, never lost
            self._runner._failed.emit(self._task_id, error)
        else:
            self._runner._finished.emit(self._task_id, result)


class TaskRunner(QObject):
    """Runs callables in the background; callbacks run on the GUI thread.

    The runner must outlive its tasks: its owner calls `wait()` before it goes away.
    """

    busy_changed = Signal(bool)
    _finished = Signal(int, object)
    _failed = Signal(int, object)

    def __init__(self, parent: QObject | None = None, *, serial: bool = False) -> None:
        super().__init__(parent)
        if serial:
            self._pool = QThreadPool(self)
            self._pool.setMaxThreadCount(1)
        else:
            self._pool = QThreadPool.globalInstance()
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        # The runner lives in the GUI thread and the workers emit from theirs, so Qt
        # queues these calls into the GUI thread's event loop.
        self._finished.connect(self._on_finished)
        self._failed.connect(self._on_failed)

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def run(self, work: Callable[[], Any], on_done: Done,
            on_error: Failed | None = None) -> None:
        """Run `work()` on the pool, then `on_done(result)` or `on_error(exception)` on
        the GUI thread. Without `on_error` the exception goes to sys.excepthook (logged
        with its trace and shown by the app)."""
        task_id = next(self._ids)
        was_busy = self.busy
        self._pending[task_id] = _Pending(on_done, on_error)
        if not was_busy:
            self.busy_changed.emit(True)
        self._pool.start(_Task(self, task_id, work))

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until the tasks started here have run (on closing)."""
        return self._pool.waitForDone(msecs)

    def _on_finished(self, task_id: int, result: object) -> None:
        pending = self._take(task_id)
        if pending is not None:
            pending.on_done(result)

    def _on_failed(self, task_id: int, error: object) -> None:
        pending = self._take(task_id)
        assert isinstance(error, BaseException)
        if pending is not None and pending.on_error is not None:
            pending.on_error(error)
        else:
            report_unexpected(error)

    def _take(self, task_id: int) -> _Pending | None:
        pending = self._pending.pop(task_id, None)
        if not self._pending:
            self.busy_changed.emit(False)
        return pending


__all__ = ["TaskRunner", "report_unexpected"]
