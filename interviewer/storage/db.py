"""Database engines: the local SQLite store with its durability settings, or any
SQLAlchemy URL (PostgreSQL for central). Nothing is built at import time.

SQLite (DESIGN.md 5, RELIABILITY.md 3): WAL, synchronous=FULL, foreign keys on, a busy
timeout, and every transaction opened with BEGIN IMMEDIATE so that a writer never
upgrades a read lock halfway (pysqlite's deferred BEGIN is switched off for that).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
)


class StorageError(Exception):
    """A storage problem the user can act on (DESIGN: 'known' errors, as qutebrowser's
    misc/sql.py splits them); anything else is a bug and is reported as such."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message} {self.fix}"


def known_error(error: BaseException, where: str) -> StorageError | None:
    """The user-facing form of a database error, or None when it is a bug."""
    text = str(getattr(error, "orig", error)).lower()
    if "database or disk is full" in text or "disk i/o error" in text:
        return StorageError(f"The disk holding {where} is full or failing.",
                            "Free some space, then try again; nothing was lost.")
    if "readonly" in text or "read-only" in text:
        return StorageError(f"{where} cannot be written (read-only).",
                            "Choose a folder you may write to.")
    if "locked" in text or "busy" in text:
        return StorageError(f"{where} is in use by another program.",
                            "Close the other Interviewer window, then try again.")
    if "not a database" in text or "malformed" in text or "file is encrypted" in text:
        return StorageError(f"{where} is not an Interviewer data file, or it is damaged.",
                            "Choose another data folder; the file was left as it is.")
    if "unable to open" in text:
        return StorageError(f"{where} cannot be opened.",
                            "Check that the folder exists and that you may write to it.")
    return None


def sqlite_url(path: Path) -> str:
    return f"sqlite+pysqlite:///{path}"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets the durability settings on every connection."""
    # hide_parameters: an error's text must not carry answers or names into a log
    if url.startswith("sqlite"):
        engine = create_engine(url, hide_parameters=True, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        try:
            for pragma in SQLITE_PRAGMAS:
                cursor.execute(pragma)
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """An engine and its sessions. `unit_of_work()` is one user action: it commits when
    the block ends and rolls back when it raises."""

    def __init__(self, url: str, label: str = "the database") -> None:
        self.url = url
        self.label = label
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
            session.commit()
        except (OperationalError, DBAPIError) as e:
            session.rollback()
            known = known_error(e, self.label)
            if known is not None:
                raise known from e
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A Core connection in one transaction, for the hot path (saving an answer):
        the same commit-or-rollback rules as unit_of_work, without the ORM's bookkeeping."""
        try:
            with self.engine.begin() as connection:
                yield connection
        except (OperationalError, DBAPIError) as e:
            known = known_error(e, self.label)
            if known is not None:
                raise known from e
            raise

    def dispose(self) -> None:
        self.engine.dispose()


def backup_sqlite(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's backup API (a file copy could catch a
    transaction halfway)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(str(source))
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def integrity_ok(path: Path) -> tuple[bool, str]:
    """PRAGMA integrity_check on a store file."""
    connection = sqlite3.connect(str(path))
    try:
        rows = connection.execute("PRAGMA integrity_check").fetchall()
    finally:
        connection.close()
    text = "; ".join(str(r[0]) for r in rows)
    return text == "ok", text
