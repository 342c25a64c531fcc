"""The Alembic chain: it builds the whole schema on SQLite and PostgreSQL and takes it
away again, matches the models, stays linear, and lands each revision whole."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Column, Engine, MetaData, String, Text, inspect, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from interviewer.storage import migrate
from interviewer.storage.db import make_engine
from interviewer.storage.models import Base
from tests.conftest import create_test_database

SCHEMA_TABLES = set(Base.metadata.tables)
VERSIONS = migrate.migrations_folder() / "versions"


@pytest.fixture
def engine_for() -> Iterator[list[Engine]]:
    """Engines made by a test, disposed at its end (before its database is dropped)."""
    engines: list[Engine] = []
    yield engines
    for engine in engines:
        engine.dispose()


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def execute(url: str, sql: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(sql))
    finally:
        engine.dispose()


def test_upgrade_builds_every_table_and_downgrade_removes_them(any_url: str) -> None:
    assert migrate.current_revision(any_url) is None
    migrate.upgrade(any_url)
    assert migrate.current_revision(any_url) == migrate.head_revision()
    assert tables(any_url) == SCHEMA_TABLES | {"alembic_version"}

    migrate.downgrade(any_url)
    assert migrate.current_revision(any_url) is None
    assert tables(any_url) == {"alembic_version"}

    migrate.upgrade(any_url)  # and back up again from base
    assert tables(any_url) == SCHEMA_TABLES | {"alembic_version"}


def test_downgrade_leaves_no_indexes_types_or_sequences(any_url: str) -> None:
    migrate.upgrade(any_url)
    migrate.downgrade(any_url)
    engine = make_engine(any_url)
    try:
        inspector = inspect(engine)
        leftovers = [(name, inspector.get_indexes(name)) for name in inspector.get_table_names()
                     if name != "alembic_version"]
        if engine.dialect.name == "postgresql":
            with engine.connect() as connection:
                types = connection.execute(text(
                    "SELECT typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                    "WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd')")).scalars().all()
                sequences = connection.execute(text(
                    "SELECT sequence_name FROM information_schema.sequences")).scalars().all()
            assert (types, sequences) == ([], [])
    finally:
        engine.dispose()
    assert leftovers == []


def test_no_drift_after_upgrade(any_url: str) -> None:
    migrate.upgrade(any_url)
    assert migrate.drift(any_url) == []


def test_drift_sees_a_column_the_models_lack(any_url: str) -> None:
    migrate.upgrade(any_url)
    execute(any_url, "ALTER TABLE sync_state ADD COLUMN stray TEXT")
    found = migrate.drift(any_url)
    assert [(d[0], d[2], d[3].name) for d in found] == [("remove_column", "sync_state", "stray")]


def test_drift_sees_a_column_the_database_lacks_and_a_changed_type(any_url: str) -> None:
    migrate.upgrade(any_url)
    models = MetaData(naming_convention=dict(Base.metadata.naming_convention))
    for table in Base.metadata.sorted_tables:
        table.to_metadata(models)
    models.tables["sync_state"].append_column(Column("added", Text, nullable=True))
    models.tables["users"].c["username"].type = String(80)

    found = migrate.drift(any_url, models)

    kinds = {d[0] if isinstance(d, tuple) else d[0][0] for d in found}
    assert kinds == {"add_column", "modify_type"}
    assert migrate.drift(any_url) == []  # the models themselves still match


def test_a_failed_upgrade_leaves_the_database_as_it_was(any_url: str) -> None:
    """One transaction per command: a clash halfway rolls back the tables made before it
    (SQLite and PostgreSQL both roll back DDL)."""
    execute(any_url, "CREATE TABLE remarks (id INTEGER PRIMARY KEY)")
    with pytest.raises((OperationalError, ProgrammingError)):
        migrate.upgrade(any_url)
    assert tables(any_url) == {"remarks"}
    assert migrate.current_revision(any_url) is None


def test_migrations_check_foreign_keys_before_committing(sqlite_file_url: str) -> None:
    """Foreign keys are off while SQLite tables are rebuilt, so they are checked at the
    end: a migration that leaves a dangling reference is rolled back."""
    migrate.upgrade(sqlite_file_url)
    with pytest.raises(RuntimeError, match="broke foreign keys: remarks"):
        with migrate.migration_connection(sqlite_file_url) as connection:
            connection.execute(text(
                "INSERT INTO remarks (id, interview_id, path, text, author_id, created_at, "
                "revision, synced_revision) VALUES ('1', 'missing', 'q', 't', 'nobody', "
                "'2026-01-01 00:00:00', 1, 0)"))
    engine = make_engine(sqlite_file_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM remarks")).scalar() == 0
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_the_revision_chain_is_linear() -> None:
    scripts = migrate.script_directory()
    revisions = list(scripts.walk_revisions())
    assert len(scripts.get_heads()) == 1
    assert len(scripts.get_bases()) == 1
    for revision in revisions:
        assert revision.down_revision is None or isinstance(revision.down_revision, str), \
            f"{revision.revision} merges {revision.down_revision}"
        assert not revision.branch_labels and not revision.dependencies
    assert len(revisions) == len(list(VERSIONS.glob("*.py")))


def test_revision_files_are_date_prefixed_and_name_their_revision() -> None:
    files = sorted(VERSIONS.glob("*.py"))
    assert files
    for path in files:
        match = re.fullmatch(r"(\d{8})_([0-9a-f]+)_\w+\.py", path.name)
        assert match, f"{path.name} is not named YYYYMMDD_<rev>_<slug>.py"
        datetime.strptime(match.group(1), "%Y%m%d")  # noqa: DTZ007 - a date, no zone
        source = path.read_text(encoding="utf-8")
        assert re.search(rf"^revision: str = [\"']{match.group(2)}[\"']$", source, re.M), path.name


def test_revisions_never_import_the_application() -> None:
    for path in VERSIONS.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+interviewer\b", source, re.M), path.name


def test_new_revision_writes_a_dated_empty_revision_when_nothing_changed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The documented way to start a revision, run on a copy of migrations/."""
    copy = tmp_path / "migrations"
    shutil.copytree(migrate.migrations_folder(), copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrate, "migrations_folder", lambda: copy)
    old_head = migrate.head_revision()

    path = migrate.new_revision("nothing changed")

    assert path.parent == copy / "versions"
    assert re.fullmatch(r"\d{8}_[0-9a-f]+_nothing_changed\.py", path.name)
    source = path.read_text(encoding="utf-8")
    assert re.search(rf"^down_revision: .* = [\"']{old_head}[\"']$", source, re.M)
    body = re.search(r"def upgrade\(\) -> None:\n(.*?)\n\n\ndef downgrade", source, re.S)
    assert body is not None and "op." not in body.group(1) and "pass" in body.group(1)
    assert "please adjust" not in source
    assert migrate.head_revision() != old_head
    assert len(migrate.script_directory().get_heads()) == 1


@pytest.mark.parametrize(("ci", "outcome"), [("true", pytest.fail.Exception),
                                             ("", pytest.skip.Exception)])
def test_an_unreachable_postgres_skips_but_fails_under_ci(
        monkeypatch: pytest.MonkeyPatch, ci: str, outcome: type[BaseException]) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match=r"PostgreSQL server .*127\.0\.0\.1:1/postgres"):
        create_test_database("postgresql+psycopg://postgres@127.0.0.1:1/postgres", "never")


REBUILD_USERS = '''"""rebuild users

Revision ID: 0000rebuild0
Revises: {down}
"""

import sqlalchemy as sa
from alembic import op

revision = "0000rebuild0"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", recreate="always") as batch_op:
        batch_op.add_column(sa.Column("nickname", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", recreate="always") as batch_op:
        batch_op.drop_column("nickname")
'''


def test_rebuilding_a_referenced_sqlite_table_keeps_its_rows_and_references(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_file_url: str) -> None:
    """Batch mode drops and renames `users`, which other tables refer to: with foreign
    keys enforced the drop would fail, so migrations run with them off and checked."""
    migrate.upgrade(sqlite_file_url)
    execute(sqlite_file_url,
            "INSERT INTO users (id, username, display_name, role, password_hash, active, "
            "failed_logins, created_at, updated_at, revision, synced_revision) VALUES "
            "('u1', 'ann', 'Ann', 'interviewer', 'x', 1, 0, '2026-01-01 00:00:00', "
            "'2026-01-01 00:00:00', 1, 0)")
    execute(sqlite_file_url,
            "INSERT INTO audit_log (id, at, actor_id, action, entity, detail, hash, synced) "
            "VALUES ('a1', '2026-01-01 00:00:00', 'u1', 'login', 'user', '{}', 'h', 0)")
    copy = tmp_path / "migrations"
    shutil.copytree(migrate.migrations_folder(), copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    head = migrate.head_revision()
    (copy / "versions" / "20990101_0000rebuild0_rebuild_users.py").write_text(
        REBUILD_USERS.format(down=head), encoding="utf-8")
    monkeypatch.setattr(migrate, "migrations_folder", lambda: copy)

    migrate.upgrade(sqlite_file_url)
    migrate.downgrade(sqlite_file_url, head)
    migrate.upgrade(sqlite_file_url)

    engine = make_engine(sqlite_file_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text(
                "SELECT u.username FROM audit_log a JOIN users u ON u.id = a.actor_id"
            )).scalars().all() == ["ann"]
            assert connection.execute(text("PRAGMA foreign_key_check")).fetchall() == []
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            sql = connection.execute(text(
                "SELECT group_concat(sql, ' ') FROM sqlite_master")).scalar()
    finally:
        engine.dispose()
    assert "_alembic_tmp" not in str(sql)


def test_follow_ups_are_unique_per_answer_and_metric_not_per_rule(any_url: str) -> None:
    """Editing the rules (their order) must not bring a closed follow-up back."""
    migrate.upgrade(any_url)
    engine = make_engine(any_url)
    try:
        unique = inspect(engine).get_unique_constraints("follow_ups")
    finally:
        engine.dispose()
    assert [u["column_names"] for u in unique] == [["interview_id", "question", "metric"]]
