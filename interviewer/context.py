"""Wiring without Qt: the data folder, the store and the services over it.

`app.py` (Qt) and `cli.py` both build one AppContext; nothing here runs at import time.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from interviewer.services.auth import AuthService
from interviewer.services.common import Clock, CurrentUser, utc_clock
from interviewer.services.interviewing import InterviewingService
from interviewer.services.questionnaires import FormCache, QuestionnaireService
from interviewer.storage.central import central_url, open_central
from interviewer.storage.db import Database
from interviewer.storage.models import SyncState
from interviewer.storage.store import open_store

if TYPE_CHECKING:
    from interviewer.services.calling import CallingService
    from interviewer.services.results import ResultsService
    from interviewer.services.review import ReviewService
    from interviewer.services.sync import SyncService

LOG_FILE = "interviewer.log"


def sync_minutes() -> int:
    """INTERVIEWER_SYNC_MINUTES: sync by itself this often while signed in (0: only on
    request). A value that is not a whole number is ignored."""
    text = os.environ.get("INTERVIEWER_SYNC_MINUTES", "").strip()
    return int(text) if text.isdigit() else 0


def default_data_dir() -> Path:
    """INTERVIEWER_HOME, else the platform's user data folder."""
    home = os.environ.get("INTERVIEWER_HOME")
    if home:
        return Path(home).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("Interviewer", appauthor=False))


@dataclass
class AppContext:
    data_dir: Path
    db: Database
    device_id: str
    clock: Clock = utc_clock
    central_url: str = ""  # empty: the embedded central beside the store
    forms: FormCache = field(init=False)
    auth: AuthService = field(init=False)
    questionnaires: QuestionnaireService = field(init=False)
    _central: Database | None = field(init=False, default=None)
    _central_lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.forms = FormCache(self.db)
        self.auth = AuthService(self.db, clock=self.clock)
        self.questionnaires = QuestionnaireService(self.db)
        if not self.central_url:
            self.central_url = central_url(self.data_dir)

    def central(self) -> Database:
        """The central database, opened (and migrated) on first use: it may be far away
        or down, so nothing waits for it at start. Raises StorageError in plain words."""
        with self._central_lock:
            if self._central is None:
                self._central = open_central(self.central_url)
            return self._central

    def sync(self, user: CurrentUser) -> SyncService:
        """A sync of this store with central as `user` (opens central: call off the GUI
        thread)."""
        from interviewer.services.sync import SyncService
        from interviewer.storage.central import shown_url
        from interviewer.sync.transport import DirectTransport

        transport = DirectTransport(self.central(), label=shown_url(self.central_url))
        return SyncService(self.db, transport, user, self.device_id, clock=self.clock)

    def calling(self, user: CurrentUser) -> CallingService:
        """The telephone queue for `user` (opens central: call off the GUI thread)."""
        from interviewer.services.calling import CallingService

        return CallingService(self.central(), self.db, user, clock=self.clock,
                              device_id=self.device_id)

    def review(self, user: CurrentUser) -> ReviewService:
        """Supervisors' review on central (opens central: call off the GUI thread)."""
        from interviewer.services.review import ReviewService

        return ReviewService(self.central(), user, clock=self.clock)

    def results(self, user: CurrentUser) -> ResultsService:
        """Fieldwork and CX results read from central (off the GUI thread)."""
        from interviewer.services.results import ResultsService

        return ResultsService(self.central(), user, clock=self.clock)

    def interviewing(self, user: CurrentUser) -> InterviewingService:
        return InterviewingService(self.db, user, self.forms, clock=self.clock,
                                   device_id=self.device_id)

    def close(self) -> None:
        self.db.dispose()
        with self._central_lock:
            if self._central is not None:
                self._central.dispose()
                self._central = None


def build_context(data_dir: Path | None = None, clock: Clock = utc_clock) -> AppContext:
    """Open (create, check, back up, migrate) the store in the data folder."""
    folder = data_dir or default_data_dir()
    db = open_store(folder)
    return AppContext(data_dir=folder, db=db, device_id=_device_id(db), clock=clock)


class AlreadyOpen(Exception):
    """Another Interviewer window works on this data folder."""


class WindowLock:
    """One app window per data folder: two windows on one interview would each believe
    their screen. An OS lock on a file, released when the process ends, even by a crash."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self._file = (data_dir / ".window.lock").open("a+")
        try:
            import fcntl
        except ImportError:  # Windows: msvcrt locks would go here
            return
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            self._file.close()
            raise AlreadyOpen(f"Interviewer is already open on {data_dir}: switch to that "
                              "window.") from e

    def release(self) -> None:
        self._file.close()


def _device_id(db: Database) -> str:
    """This store's id, made once: rows born here carry it."""
    with db.unit_of_work() as session:
        row = session.get(SyncState, "device_id")
        if row is None:
            row = SyncState(key="device_id", value=str(uuid.uuid4()))
            session.add(row)
        return row.value


def setup_logging(data_dir: Path, level: int = logging.INFO) -> Path:
    """A rotating log in the data folder. What we log names ids and actions, never a
    respondent's name, number or answers."""
    path = data_dir / "logs" / LOG_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5,
                                                   encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("interviewer")
    root.setLevel(level)
    for old in [h for h in root.handlers if isinstance(h, logging.handlers.RotatingFileHandler)]:
        root.removeHandler(old)  # one log: the data folder's
        old.close()
    root.addHandler(handler)
    return path


__all__ = ["AlreadyOpen", "AppContext", "WindowLock", "build_context", "default_data_dir",
           "setup_logging", "sync_minutes"]
