"""Sync as a use case: what the app's Sync action and `interviewer sync` run.

One run: push the user's pending interviews (BATCH aggregates a message; while central
applies one, the next is read from the store and the previous one marked), then their call
attempts and audit entries, then pull pages of central's changes. Each message is
acknowledged before the device marks anything synced, so a cut anywhere (an exception
from the transport) leaves both sides consistent and the next run finishes the work.
Cancel is honoured between messages; what was acknowledged stays acknowledged. Every run
leaves one row in `sync_log`: started, finished, status, counts each way, conflicts,
error. The row is finished whatever stops the run ('interrupted' on Ctrl+C); a row left
'running' by a process that was killed is marked 'interrupted' by the next run.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import select, update

from interviewer.services.common import Clock, CurrentUser, ServiceError, utc_clock
from interviewer.storage.central import open_central, shown_url
from interviewer.storage.db import Database, StorageError
from interviewer.storage.models import AuditEntry, CallAttempt, SyncConflict, SyncLogEntry
from interviewer.sync import device_side
from interviewer.sync.messages import (
    InterviewAggregate,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
    Request,
    Response,
)
from interviewer.sync.transport import DirectTransport, Transport

log = logging.getLogger(__name__)  # counts and ids only
BATCH = 500  # interviews a push message (~25,000 answers: one central transaction)
_M = TypeVar("_M", PushResponse, PullResponse)
ROW_BATCH = 1000
PAGE = 500


class SyncProgress(BaseModel):
    done: int
    total: int
    stage: str  # push, pull


class SyncReport(BaseModel):
    log_id: uuid.UUID
    status: str  # ok, cancelled
    pushed: dict[str, int]
    pulled: dict[str, int]
    conflicts: int


class SyncLogView(BaseModel):
    id: uuid.UUID
    started_at: datetime
    finished_at: datetime | None
    status: str
    central: str
    pushed: dict[str, int]
    pulled: dict[str, int]
    conflicts: int
    error: str | None


class ConflictView(BaseModel):
    id: uuid.UUID
    entity: str
    entity_id: uuid.UUID
    case_id: uuid.UUID | None
    reason: str
    detected_at: datetime
    resolved: bool


class SyncFailed(ServiceError):
    """The sync stopped; what was acknowledged is kept, the next sync finishes."""


class _Cancelled(Exception):
    pass


def direct_transport(url: str) -> DirectTransport:
    """A transport straight to the central database at `url` (migrated on opening).
    StorageError, in plain words, when it is unreachable or not a database."""
    return DirectTransport(open_central(url), label=shown_url(url), owns=True)


class SyncService:
    def __init__(self, local: Database, transport: Transport, user: CurrentUser,
                 device_id: str, clock: Clock = utc_clock) -> None:
        self.local = local
        self.transport = transport
        self.user = user
        self.device_id = device_id
        self.clock = clock

    # -- running --
    def run(self, progress: Callable[[SyncProgress], None] | None = None,
            cancelled: Callable[[], bool] | None = None) -> SyncReport:
        log_id = self._start_log()
        pushed: dict[str, int] = {}
        pulled: dict[str, int] = {}
        counts = {"conflicts": 0}
        status = "interrupted"
        message: str | None = "the sync was stopped before it finished"
        try:  # the log row is finished whatever stops the run (Ctrl+C too)
            try:
                self._push(pushed, counts, progress, cancelled)
                self._pull(pulled, progress, cancelled)
                status, message = "ok", None
            except _Cancelled:
                status, message = "cancelled", None
            except Exception as e:
                status, message = "failed", _plain(e)
                log.warning("sync %s failed: %s", log_id, type(e).__name__)
                raise SyncFailed(message) from e
        finally:
            self._finish_log(log_id, status, pushed, pulled, counts["conflicts"], message)
        log.info("sync %s %s: pushed %s, pulled %s, %d conflicts", log_id, status, pushed,
                 pulled, counts["conflicts"])
        return SyncReport(log_id=log_id, status=status, pushed=pushed, pulled=pulled,
                          conflicts=counts["conflicts"])

    def _owner(self) -> uuid.UUID | None:
        return None if self.user.is_staff else self.user.id

    def _push(self, pushed: dict[str, int], counts: dict[str, int],
              progress: Callable[[SyncProgress], None] | None,
              cancelled: Callable[[], bool] | None) -> None:
        with self.local.transaction() as connection:
            ids = device_side.pending_interviews(connection, self._owner())
        total = len(ids)
        batches = [ids[start:start + BATCH] for start in range(0, total, BATCH)]
        # three at once: the next batch is read from the store and the last acknowledged
        # one is marked synced while central applies this one (one worker each, in order)
        marks: list[Future[int]] = []
        try:
            with ThreadPoolExecutor(1, "sync-read") as reader, \
                    ThreadPoolExecutor(1, "sync-mark") as marker:
                upcoming = reader.submit(self._read, batches[0]) if batches else None
                for n in range(len(batches)):
                    _check(cancelled)
                    if any(m.done() and m.exception() for m in marks):
                        break  # its error is raised below
                    assert upcoming is not None
                    request = self._push_request(interviews=upcoming.result())
                    upcoming = reader.submit(self._read, batches[n + 1]) \
                        if n + 1 < len(batches) else None
                    response = self._exchange_push(request, pushed)
                    marks.append(marker.submit(self._mark, request, response))
                    _report(progress, min((n + 1) * BATCH, total), total, "push")
        finally:  # the executors waited: every mark has ended
            counts["conflicts"] += sum(m.result() for m in marks if not m.exception())
        for mark in marks:
            mark.result()  # a failed mark fails the sync (its batch stays pending)
        for model, key in ((CallAttempt, "call_attempts"), (AuditEntry, "audit")):
            while True:
                _check(cancelled)
                with self.local.transaction() as connection:
                    rows = device_side.pending_rows(connection, model, self._owner(),
                                                    ROW_BATCH)
                if not rows:
                    break
                request = self._push_request(**{key: rows})
                if self._send_push(request, pushed, counts) == 0:
                    break  # nothing acknowledged: do not loop on it

    def _read(self, ids: list[uuid.UUID]) -> list[InterviewAggregate]:
        with self.local.transaction() as connection:
            return device_side.read_aggregates(connection, ids)

    def _push_request(self, **parts: Any) -> PushRequest:
        return PushRequest(device_id=self.device_id, user_id=self.user.id, **parts)

    def _send_push(self, request: PushRequest, pushed: dict[str, int],
                   counts: dict[str, int]) -> int:
        response = self._exchange_push(request, pushed)
        counts["conflicts"] += self._mark(request, response)
        return len(response.results)

    def _exchange_push(self, request: PushRequest, pushed: dict[str, int]) -> PushResponse:
        response = _expect(self.transport.exchange(Request(message=request)), PushResponse)
        for result in response.results:
            key = f"{result.entity}s_{result.outcome}"
            pushed[key] = pushed.get(key, 0) + 1
        return response

    def _mark(self, request: PushRequest, response: PushResponse) -> int:
        """Mark what central acknowledged; the number of conflicts."""
        with self.local.transaction() as connection:
            return device_side.mark_pushed(connection, request, response, self.clock())

    def _pull(self, pulled: dict[str, int], progress: Callable[[SyncProgress], None] | None,
              cancelled: Callable[[], bool] | None) -> None:
        pages = 0
        while True:
            _check(cancelled)
            with self.local.transaction() as connection:
                after = device_side.watermark(connection, self.user.id)
                surveys, versions = device_side.known_ids(connection)
            request = PullRequest(device_id=self.device_id, user_id=self.user.id, after=after,
                                  limit=PAGE, known_surveys=surveys, known_versions=versions)
            response = _expect(self.transport.exchange(Request(message=request)),
                               PullResponse)
            with self.local.transaction() as connection:
                for name, count in device_side.apply_pull(connection, response,
                                                          self.user.id).items():
                    pulled[name] = pulled.get(name, 0) + count
            pages += 1
            _report(progress, pages, pages + (1 if response.more else 0), "pull")
            if not response.more:
                return

    # -- the log --
    def _start_log(self) -> uuid.UUID:
        """A new 'running' row; rows an earlier run left 'running' (the process was killed
        before it could finish them) become 'interrupted'."""
        with self.local.unit_of_work() as session:
            session.execute(update(SyncLogEntry).where(SyncLogEntry.status == "running")
                            .values(status="interrupted",
                                    error="the sync was stopped before it finished"))
            entry = SyncLogEntry(started_at=self.clock(), status="running",
                                 central=self.transport.label, user_id=self.user.id)
            session.add(entry)
            session.flush()
            return entry.id

    def _finish_log(self, log_id: uuid.UUID, status: str, pushed: dict[str, int],
                    pulled: dict[str, int], conflicts: int, error: str | None) -> None:
        with self.local.transaction() as connection:
            connection.execute(update(SyncLogEntry).where(SyncLogEntry.id == log_id).values(
                finished_at=self.clock(), status=status, pushed=pushed, pulled=pulled,
                conflicts=conflicts, error=error))

    def history(self, limit: int = 50) -> list[SyncLogView]:
        with self.local.unit_of_work() as session:
            rows = session.scalars(select(SyncLogEntry).order_by(
                SyncLogEntry.started_at.desc(), SyncLogEntry.id.desc()).limit(limit))
            return [SyncLogView(id=r.id, started_at=r.started_at, finished_at=r.finished_at,
                                status=r.status, central=r.central, pushed=r.pushed,
                                pulled=r.pulled, conflicts=r.conflicts, error=r.error)
                    for r in rows]

    def conflicts(self) -> list[ConflictView]:
        with self.local.unit_of_work() as session:
            rows = session.scalars(select(SyncConflict).order_by(
                SyncConflict.detected_at.desc()))
            return [ConflictView(id=r.id, entity=r.entity, entity_id=r.entity_id,
                                 case_id=r.case_id, reason=r.reason,
                                 detected_at=r.detected_at,
                                 resolved=r.resolved_at is not None) for r in rows]


def _expect(response: Response, kind: type[_M]) -> _M:
    if response.error is not None:
        raise SyncFailed(f"The central database refused the sync: {response.error}")
    if not isinstance(response.message, kind):
        raise SyncFailed("The central database answered with an unexpected message.")
    return response.message


def _check(cancelled: Callable[[], bool] | None) -> None:
    if cancelled is not None and cancelled():
        raise _Cancelled


def _report(progress: Callable[[SyncProgress], None] | None, done: int, total: int,
            stage: str) -> None:
    if progress is not None:
        progress(SyncProgress(done=done, total=total, stage=stage))


def _plain(error: Exception) -> str:
    if isinstance(error, StorageError | ServiceError):
        return str(error)
    return f"{type(error).__name__}: {error}"[:500]


__all__ = ["ConflictView", "SyncFailed", "SyncLogView", "SyncProgress", "SyncReport",
           "SyncService", "direct_transport"]
