"""The local store: one SQLite file per workstation, `interviewer.sqlite` in the data
folder. Opened at start (DESIGN.md 5): checked, backed up, migrated.

A file that is not ours (another program's database, random bytes, a damaged store) is
refused and left exactly as it is: it is looked at through its header bytes and a
read-only connection before anything could write to it (even switching a database to WAL
writes to it).
"""

from __future__ import annotations

import contextlib
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from interviewer.storage.db import Database, StorageError, backup_sqlite, known_error, sqlite_url
from interviewer.storage.revisions import head as head_revision
from interviewer.storage.revisions import known as known_revisions

STORE_FILE = "interviewer.sqlite"
BACKUP_FOLDER = "backups"
KEEP_BACKUPS = 10
SQLITE_HEADER = b"SQLite format 3\x00"
VERSION_TABLE = "alembic_version"

_LEFT_AS_IS = "The file was left as it is."
# errors about the surroundings (another program, permissions, the disk), not the file
_NOT_THE_FILES_FAULT = ("locked", "busy", "unable to open", "readonly", "read-only",
                        "disk i/o", "disk is full")


@dataclass(frozen=True)
class _Found:
    """What an existing file holds: `revision` None means at base (or no tables at all);
    `has_data` is False for an empty database, which needs no backup."""

    revision: str | None
    has_data: bool


def store_path(data_dir: Path) -> Path:
    return data_dir / STORE_FILE


def open_store(data_dir: Path, *, now: datetime | None = None) -> Database:
    """The local store in `data_dir`, checked, backed up when it is about to be migrated,
    and migrated to the newest revision. Raises StorageError with what to do when the
    folder cannot be used or the file is not a sound Interviewer store. `now` (UTC-aware)
    names the backup; it defaults to the current time."""
    if now is not None and now.tzinfo is None:
        raise ValueError("naive datetime given for the backup name: use a UTC-aware one")
    data_dir = data_dir.expanduser().absolute()
    path = store_path(data_dir)
    label = f"the data file {path}"
    _ensure_writable_folder(data_dir)
    found = _inspect(path) if path.exists() else _Found(revision=None, has_data=False)
    head = head_revision()
    if found.revision != head:
        if found.has_data:
            moment = now if now is not None else datetime.now(UTC)
            _backup(path, data_dir / BACKUP_FOLDER, found.revision, moment, label)
        from interviewer.storage.migrate import upgrade  # Alembic: only when migrating

        try:
            upgrade(sqlite_url(path))
        except DBAPIError as e:
            known = known_error(e, label)
            if known is not None:
                raise known from e
            raise
    database = Database(sqlite_url(path), label=label)
    try:
        _check_connection(database, path)
    except BaseException:
        database.dispose()
        raise
    return database


def _ensure_writable_folder(data_dir: Path) -> None:
    fix = ("Choose a data folder you may write to (set INTERVIEWER_HOME), or create this "
           "one and allow writing to it.")
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StorageError(
            f"The data folder {data_dir} cannot be created ({_reason(e)}).", fix) from e
    if not data_dir.is_dir():
        raise StorageError(f"The data folder {data_dir} is not a folder.", fix)
    try:
        # a real write: permission bits alone miss read-only mounts and ACLs
        with tempfile.TemporaryFile(dir=data_dir):
            pass
    except OSError as e:
        raise StorageError(
            f"The data folder {data_dir} cannot be written ({_reason(e)}).", fix) from e


def _reason(error: OSError) -> str:
    return (error.strerror or type(error).__name__).lower()


def _not_ours(path: Path, why: str) -> StorageError:
    return StorageError(
        f"{path} is not an Interviewer data file{why}. {_LEFT_AS_IS}",
        "Move it out of the data folder, or choose another data folder.")


def _inspect(path: Path) -> _Found:
    """Identify an existing file without writing to it: the header bytes first, then a
    read-only connection for the tables, the schema revision and a quick check."""
    if not path.is_file():
        raise _not_ours(path, " (it is not a regular file)")
    try:
        with path.open("rb") as file:
            header = file.read(100)
    except OSError as e:
        raise StorageError(f"{path} cannot be read ({_reason(e)}). {_LEFT_AS_IS}",
                           "Check that you may read and write the data folder.") from e
    if not header:
        return _Found(revision=None, has_data=False)  # SQLite's empty database
    if len(header) < 100 or not header.startswith(SQLITE_HEADER):
        raise _not_ours(path, " (it is not an SQLite database)")
    try:
        with contextlib.closing(sqlite3.connect(_read_only_uri(path), uri=True)) as db:
            found = _identify(path, db)
            problems = [str(row[0]) for row in db.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.DatabaseError as e:
        reason = str(e).lower()
        if any(word in reason for word in _NOT_THE_FILES_FAULT):
            known = known_error(e, f"the data file {path}")
            if known is not None:
                raise known from e
        raise StorageError(
            f"{path} is not an Interviewer data file, or it is damaged ({reason}). "
            f"{_LEFT_AS_IS}",
            "Move it out of the data folder and restore the newest copy from the backups "
            "folder, or choose another data folder.") from e
    if problems != ["ok"]:
        shown = "; ".join(" ".join(problem.split()) for problem in problems[:3])
        raise StorageError(
            f"{path} is damaged (integrity check: {shown}). {_LEFT_AS_IS}",
            "Move it out of the data folder and restore the newest copy from the backups "
            "folder.")
    return found


def _read_only_uri(path: Path) -> str:
    """Read-only, and without a write-ahead log beside the file also `immutable`: a
    read-only connection to a file whose header says WAL would otherwise leave new -wal
    and -shm files next to it. With a -wal present (a crash, or another program holding
    the file open), its frames are part of the database, so it must be read."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    if not Path(f"{path}-wal").exists():
        uri += "&immutable=1"
    return uri


def _identify(path: Path, db: sqlite3.Connection) -> _Found:
    objects = db.execute(
        "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchall()
    if not objects:
        return _Found(revision=None, has_data=False)
    tables = {str(name) for kind, name in objects if kind == "table"}
    if VERSION_TABLE not in tables:
        raise _not_ours(path, " (it holds another program's tables)")
    revisions = [str(row[0]) for row in db.execute(f"SELECT version_num FROM {VERSION_TABLE}")]
    if len(revisions) > 1:
        raise _not_ours(path, f" (it is at several schema revisions: {', '.join(revisions)})")
    if not revisions:
        if tables != {VERSION_TABLE}:
            raise _not_ours(path, " (it has tables but no schema revision)")
        return _Found(revision=None, has_data=True)
    revision = revisions[0]
    if revision not in known_revisions():
        raise StorageError(
            f"{path} was written by another version of Interviewer (schema revision "
            f"{revision}, unknown to this one). {_LEFT_AS_IS}",
            "Update Interviewer to the newest version, or choose another data folder.")
    return _Found(revision=revision, has_data=True)


def _backup(path: Path, folder: Path, revision: str | None, moment: datetime,
            label: str) -> None:
    """A consistent copy through SQLite's backup API before migrating; the newest
    KEEP_BACKUPS copies are kept. Names sort by time."""
    stamp = moment.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    target = folder / f"interviewer-{stamp}-{revision or 'base'}.sqlite"
    fix = ("Free some space or allow writing to the backups folder, then start again; the "
           "data file was not changed.")
    try:
        backup_sqlite(path, target)
    except (sqlite3.Error, OSError) as e:
        with contextlib.suppress(OSError):
            target.unlink(missing_ok=True)  # a partial copy is no backup
        known = known_error(e, label) if isinstance(e, sqlite3.Error) else None
        if known is not None:
            raise known from e
        reason = _reason(e) if isinstance(e, OSError) else str(e).lower()
        raise StorageError(
            f"The data file {path} could not be backed up to {folder} ({reason}).",
            fix) from e
    _prune_backups(folder)


def _prune_backups(folder: Path) -> None:
    copies = sorted(folder.glob("interviewer-*.sqlite"))
    for old in copies[:-KEEP_BACKUPS]:
        for companion in (old, Path(f"{old}-wal"), Path(f"{old}-shm"), Path(f"{old}-journal")):
            companion.unlink(missing_ok=True)


def _check_connection(database: Database, path: Path) -> None:
    """Connect once now, so that a store that cannot be written or locked is reported
    at start rather than at the first answer."""
    try:
        with database.engine.connect() as connection:
            mode = connection.execute(text("PRAGMA journal_mode")).scalar()
    except DBAPIError as e:
        known = known_error(e, database.label)
        if known is not None:
            raise known from e
        raise
    if str(mode).lower() != "wal":
        raise StorageError(
            f"{path} cannot use SQLite's write-ahead log (journal mode {mode}).",
            "Keep the data folder on a local disk, not on a network or synced folder.")
