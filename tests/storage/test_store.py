"""The local store: its SQLite settings, its write lock, UTC datetimes and UUIDv7 ids,
and `open_store` on fresh, current, old, foreign, damaged and unusable files."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy.exc
from sqlalchemy import select, text

from interviewer.storage import migrate
from interviewer.storage.db import Database, StorageError, integrity_ok, known_error, sqlite_url
from interviewer.storage.ids import uuid7
from interviewer.storage.models import SyncState, User
from interviewer.storage.store import BACKUP_FOLDER, KEEP_BACKUPS, STORE_FILE, open_store

RUNNING_AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
MOMENT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "home" / "data"  # does not exist yet


@pytest.fixture
def store(data_dir: Path) -> Iterator[Database]:
    database = open_store(data_dir)
    yield database
    database.dispose()


def reopen(data_dir: Path, **kwargs: datetime) -> None:
    open_store(data_dir, **kwargs).dispose()


def backups(data_dir: Path) -> list[Path]:
    folder = data_dir / BACKUP_FOLDER
    return sorted(folder.glob("*.sqlite")) if folder.exists() else []


def sqlite_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(STORE_FILE))


def new_user(name: str, at: datetime) -> User:
    return User(username=name, role="interviewer", password_hash="x", created_at=at,
                updated_at=at)


# -- the connection -------------------------------------------------------------------

def test_every_store_connection_has_the_durability_pragmas(store: Database) -> None:
    with store.engine.connect() as connection:
        def pragma(name: str) -> object:
            return connection.exec_driver_sql(f"PRAGMA {name}").scalar()

        assert pragma("journal_mode") == "wal"
        assert pragma("synchronous") == 2  # FULL
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") == 5000


def test_a_unit_of_work_holds_the_write_lock_from_its_begin(store: Database,
                                                              data_dir: Path) -> None:
    other = sqlite3.connect(data_dir / STORE_FILE, timeout=0, isolation_level=None)
    try:
        other.execute("PRAGMA busy_timeout=0")
        with store.unit_of_work() as session:
            session.execute(text("SELECT 1"))  # nothing written yet: BEGIN IMMEDIATE did it
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                other.execute("BEGIN IMMEDIATE")
            assert other.execute("SELECT count(*) FROM users").fetchone() == (0,)  # WAL: reads go on
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_foreign_keys_are_enforced(store: Database) -> None:
    with pytest.raises(sqlalchemy.exc.IntegrityError, match="FOREIGN KEY"):
        with store.unit_of_work() as session:
            session.execute(text(
                "INSERT INTO remarks (id, interview_id, path, text, author_id, created_at, "
                "revision, synced_revision) VALUES ('1', 'none', 'q', 't', 'nobody', "
                "'2026-01-01 00:00:00', 1, 0)"))


# -- values ---------------------------------------------------------------------------

@pytest.fixture
def any_database(any_url: str) -> Iterator[Database]:
    migrate.upgrade(any_url)
    database = Database(any_url)
    yield database
    database.dispose()


def test_utc_datetime_refuses_naive_datetimes(any_database: Database) -> None:
    naive = datetime(2026, 1, 2, 3, 4, 5)  # noqa: DTZ001 - the point of the test
    with pytest.raises(sqlalchemy.exc.StatementError, match="naive datetime") as caught:
        with any_database.unit_of_work() as session:
            session.add(new_user("naive", naive))
    assert isinstance(caught.value.orig, ValueError)
    with any_database.unit_of_work() as session:
        assert session.scalars(select(User)).all() == []


def test_utc_datetime_gives_back_the_same_instant_in_utc(any_database: Database) -> None:
    warsaw_summer = datetime(2026, 7, 1, 14, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    with any_database.unit_of_work() as session:
        session.add(new_user("aware", warsaw_summer))
    with any_database.unit_of_work() as session:
        user = session.scalars(select(User)).one()
    assert user.created_at == warsaw_summer
    assert user.created_at.tzinfo == UTC
    assert user.created_at.hour == 12
    assert isinstance(user.id, uuid.UUID) and user.id.version == 7


def test_uuid7_has_version_7_the_rfc_variant_and_the_time() -> None:
    before = time.time_ns() // 1_000_000
    value = uuid7()
    after = time.time_ns() // 1_000_000
    assert value.version == 7
    assert value.variant == uuid.RFC_4122
    assert before <= value.int >> 80 <= after


def test_uuid7_sorts_by_time() -> None:
    made = []
    for _ in range(5):
        made.append(uuid7())
        time.sleep(0.002)  # the next millisecond
    assert sorted(made) == made
    assert sorted(str(v) for v in made) == [str(v) for v in made]  # as text too
    assert len({uuid7() for _ in range(10_000)}) == 10_000


# -- open_store -----------------------------------------------------------------------

def test_open_store_creates_the_folder_and_migrates_a_new_store(data_dir: Path) -> None:
    database = open_store(data_dir)
    database.dispose()
    path = data_dir / STORE_FILE
    assert path.is_file()
    assert migrate.current_revision(sqlite_url(path)) == migrate.head_revision()
    assert integrity_ok(path) == (True, "ok")
    assert backups(data_dir) == []  # nothing to back up


def test_reopening_a_current_store_keeps_its_data_and_makes_no_backup(data_dir: Path) -> None:
    database = open_store(data_dir)
    with database.unit_of_work() as session:
        session.add(SyncState(key="device_id", value="laptop-7"))
    database.dispose()

    database = open_store(data_dir, now=MOMENT)
    try:
        with database.unit_of_work() as session:
            assert session.get(SyncState, "device_id") is not None
    finally:
        database.dispose()
    assert backups(data_dir) == []


def make_old_store(data_dir: Path) -> Path:
    """A store one step behind head. With a single revision, that is a store at base:
    migrated, then downgraded, and marked so that its copy can be recognised."""
    reopen(data_dir)
    path = data_dir / STORE_FILE
    old = migrate.script_directory().get_revision(migrate.head_revision()).down_revision
    migrate.downgrade(sqlite_url(path), str(old) if old else "base")
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA user_version=42")
    finally:
        connection.close()
    return path


def test_an_old_store_is_backed_up_then_migrated(data_dir: Path) -> None:
    path = make_old_store(data_dir)
    old_revision = migrate.current_revision(sqlite_url(path))

    reopen(data_dir, now=MOMENT)

    assert migrate.current_revision(sqlite_url(path)) == migrate.head_revision()
    [copy] = backups(data_dir)
    assert copy.name == f"interviewer-20260102T030405.000000Z-{old_revision or 'base'}.sqlite"
    assert copy.read_bytes()[:16] == b"SQLite format 3\x00"
    assert integrity_ok(copy) == (True, "ok")
    assert migrate.current_revision(sqlite_url(copy)) == old_revision
    connection = sqlite3.connect(f"{copy.as_uri()}?mode=ro", uri=True)
    try:
        assert connection.execute("PRAGMA user_version").fetchone() == (42,)
    finally:
        connection.close()


def test_only_the_newest_backups_are_kept(data_dir: Path) -> None:
    path = make_old_store(data_dir)
    folder = data_dir / BACKUP_FOLDER
    folder.mkdir()
    older = [folder / f"interviewer-2025010{i % 10}T00000{i // 10}.000000Z-base.sqlite"
             for i in range(KEEP_BACKUPS + 1)]
    for name in older:
        name.write_bytes(path.read_bytes())
    (folder / "notes.txt").write_text("not a backup", encoding="utf-8")

    reopen(data_dir, now=MOMENT)

    kept = backups(data_dir)
    assert len(kept) == KEEP_BACKUPS
    assert kept[-1].name.startswith("interviewer-20260102T030405")
    assert kept[:-1] == sorted(older)[-(KEEP_BACKUPS - 1):]
    assert (folder / "notes.txt").exists()


def test_no_migration_without_a_backup(data_dir: Path) -> None:
    path = make_old_store(data_dir)
    old_revision = migrate.current_revision(sqlite_url(path))
    (data_dir / BACKUP_FOLDER).write_text("a file where the folder should be", encoding="utf-8")

    with pytest.raises(StorageError, match="could not be backed up") as caught:
        open_store(data_dir, now=MOMENT)

    assert "Traceback" not in str(caught.value)
    assert migrate.current_revision(sqlite_url(path)) == old_revision


def test_an_empty_file_is_taken_as_a_new_store(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / STORE_FILE).touch()
    reopen(data_dir)
    assert migrate.current_revision(sqlite_url(data_dir / STORE_FILE)) == migrate.head_revision()


def refused(data_dir: Path) -> str:
    """open_store's refusal, checked to leave the file exactly as it was."""
    path = data_dir / STORE_FILE
    before = path.read_bytes()
    files_before = sqlite_files(data_dir)
    with pytest.raises(StorageError) as caught:
        open_store(data_dir)
    assert path.read_bytes() == before
    assert sqlite_files(data_dir) == files_before  # no -wal or -shm left either
    assert not (data_dir / BACKUP_FOLDER).exists()
    message = str(caught.value)
    assert str(path) in message
    assert "left as it is" in message
    assert "Traceback" not in message
    return message


def test_random_bytes_are_refused_and_left_alone(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / STORE_FILE).write_bytes(os.urandom(8192))
    assert "not an Interviewer data file" in refused(data_dir)


def test_a_file_with_a_forged_header_is_refused_and_left_alone(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / STORE_FILE).write_bytes(b"SQLite format 3\x00" + os.urandom(8192))
    assert "not an Interviewer data file, or it is damaged" in refused(data_dir)


def test_another_programs_database_is_refused_and_left_alone(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    connection = sqlite3.connect(data_dir / STORE_FILE)
    try:
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        connection.execute("INSERT INTO notes (body) VALUES ('mine')")
        connection.commit()
    finally:
        connection.close()
    assert "another program's tables" in refused(data_dir)


def test_a_store_from_a_newer_interviewer_is_refused_and_left_alone(data_dir: Path) -> None:
    reopen(data_dir)
    connection = sqlite3.connect(data_dir / STORE_FILE)
    try:
        connection.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
        connection.commit()
    finally:
        connection.close()
    message = refused(data_dir)
    assert "ffffffffffff" in message and "Update Interviewer" in message


def test_a_damaged_store_fails_its_integrity_check_and_is_left_alone(data_dir: Path) -> None:
    database = open_store(data_dir)
    with database.unit_of_work() as session:
        session.add_all(new_user(f"user{i}", MOMENT) for i in range(300))
    database.dispose()
    path = data_dir / STORE_FILE
    assert sqlite_files(data_dir) == [STORE_FILE]  # checkpointed: all in the main file
    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        [root] = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'users'").fetchone()
    finally:
        connection.close()
    with path.open("r+b") as file:  # scribble over the users table's root page
        file.seek(page_size * (root - 1))
        file.write(b"\x07" * 64)
    message = refused(data_dir)
    assert "damaged" in message and "backups folder" in message


def test_a_store_that_fails_its_quick_check_is_refused_and_left_alone(data_dir: Path) -> None:
    reopen(data_dir)
    path = data_dir / STORE_FILE
    image = bytearray(path.read_bytes())
    image[36:40] = (5).to_bytes(4, "big")  # the header's count of free pages: a lie
    path.write_bytes(bytes(image))
    message = refused(data_dir)
    assert "is damaged (integrity check: *** in database main *** Main freelist" in message


def test_a_folder_that_cannot_be_created_is_reported_plainly(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way", encoding="utf-8")
    data_dir = blocker / "sub"
    with pytest.raises(StorageError) as caught:
        open_store(data_dir)
    message = str(caught.value)
    assert f"The data folder {data_dir} cannot be created" in message
    assert "INTERVIEWER_HOME" in message
    assert "Traceback" not in message and "File \"" not in message
    assert not data_dir.exists()


@pytest.mark.skipif(RUNNING_AS_ROOT, reason="root writes through permission bits")
def test_a_read_only_folder_is_reported_plainly(tmp_path: Path) -> None:
    data_dir = tmp_path / "locked"
    data_dir.mkdir()
    data_dir.chmod(stat.S_IRUSR | stat.S_IXUSR)  # 0o500
    try:
        with pytest.raises(StorageError) as caught:
            open_store(data_dir)
    finally:
        data_dir.chmod(stat.S_IRWXU)
    message = str(caught.value)
    assert f"The data folder {data_dir} cannot be written" in message
    assert "Traceback" not in message
    assert list(data_dir.iterdir()) == []


# -- known errors ---------------------------------------------------------------------

@pytest.mark.parametrize("text_", [
    "database or disk is full",
    "database is locked",
    "attempt to write a readonly database",
    "file is not a database",
])
def test_known_sqlite_errors_become_storage_errors(text_: str) -> None:
    raw = sqlite3.OperationalError(text_)
    wrapped = sqlalchemy.exc.OperationalError("INSERT ...", {}, raw)
    for error in (raw, wrapped):
        known = known_error(error, "the data file")
        assert isinstance(known, StorageError)
        assert "the data file" in known.message and known.fix


@pytest.mark.parametrize("text_", [
    "no such table: answers",
    "UNIQUE constraint failed: users.username",
    "near \"SELEC\": syntax error",
])
def test_other_errors_are_bugs_not_storage_errors(text_: str) -> None:
    raw = sqlite3.OperationalError(text_)
    assert known_error(raw, "the data file") is None
    assert known_error(sqlalchemy.exc.OperationalError("SELECT", {}, raw), "x") is None


def test_a_store_left_with_its_write_ahead_log_by_a_crash_opens_with_its_data(
        data_dir: Path) -> None:
    reopen(data_dir)
    path = data_dir / STORE_FILE
    crash = (
        "import os, sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('PRAGMA journal_mode=WAL')\n"
        "c.execute(\"INSERT INTO sync_state (key, value) VALUES ('last', 'committed')\")\n"
        "os._exit(0)\n"  # no close, no checkpoint: the row lives only in the -wal
    )
    subprocess.run([sys.executable, "-c", crash, str(path)], check=True)
    assert (data_dir / f"{STORE_FILE}-wal").stat().st_size > 0

    database = open_store(data_dir)
    try:
        with database.unit_of_work() as session:
            row = session.get(SyncState, "last")
            assert row is not None and row.value == "committed"
    finally:
        database.dispose()
    assert backups(data_dir) == []


@pytest.mark.skipif(not RUNNING_AS_ROOT or shutil.which("setpriv") is None,
                    reason="needs root to switch to an unprivileged user")
def test_a_read_only_folder_is_reported_plainly_to_an_ordinary_user() -> None:
    """As root, permission bits do not stop writes: run the opening as `nobody`, for whom
    a root-owned 0o755 folder is read-only."""
    as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                 sys.executable]
    root = Path(__file__).resolve().parents[2]
    reachable = subprocess.run([*as_nobody, "-c", "import interviewer.storage.store"],
                               capture_output=True, cwd=root, check=False)
    if reachable.returncode != 0:
        pytest.skip("the checkout is not readable by an unprivileged user here")
    base = Path(tempfile.mkdtemp(prefix="interviewer-ro-"))
    try:
        base.chmod(0o755)
        data_dir = base / "data"
        data_dir.mkdir(mode=0o755)
        code = ("import sys\nfrom pathlib import Path\n"
                "from interviewer.storage.db import StorageError\n"
                "from interviewer.storage.store import open_store\n"
                "try:\n    open_store(Path(sys.argv[1]))\n"
                "except StorageError as e:\n    print(e)\n    sys.exit(3)\n")
        done = subprocess.run([*as_nobody, "-c", code, str(data_dir)], capture_output=True,
                              text=True, check=False, cwd=root)
        assert done.returncode == 3, done.stdout + done.stderr
        assert f"The data folder {data_dir} cannot be written" in done.stdout
        assert "Traceback" not in done.stdout + done.stderr
        assert list(data_dir.iterdir()) == []
    finally:
        shutil.rmtree(base)
