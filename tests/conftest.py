"""Shared fixtures: real SQLite files and the real PostgreSQL server, never mocks.

`pg_url` makes a fresh database per test on the server named by INTERVIEWER_TEST_PG_URL
(default: postgres on 127.0.0.1:5432) and drops it afterwards. Without a server the
test is skipped, except under CI=true, where it fails and says what was tried.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from interviewer.storage.db import sqlite_url

DEFAULT_PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def pg_server_url() -> str:
    return os.environ.get("INTERVIEWER_TEST_PG_URL") or DEFAULT_PG_SERVER


def server_missing(message: str) -> None:
    """Skip, or fail under CI=true, where the PostgreSQL tests must run."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI=true: the PostgreSQL tests must run; start the server "
                    "or set INTERVIEWER_TEST_PG_URL)", pytrace=False)
    pytest.skip(message)


def create_test_database(server_url: str, name: str) -> Engine:
    """CREATE DATABASE `name` on the server; returns the AUTOCOMMIT engine that drops it
    later. An unreachable server skips the test (fails it under CI=true)."""
    server = make_url(server_url)
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool,
                          connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        return admin
    except DBAPIError as e:
        admin.dispose()
        reason = " ".join(str(e.orig).split())
    source = ("INTERVIEWER_TEST_PG_URL" if os.environ.get("INTERVIEWER_TEST_PG_URL")
              else "the default; set INTERVIEWER_TEST_PG_URL for another")
    server_missing(f"PostgreSQL server {server.render_as_string(hide_password=True)} "
                   f"({source}) cannot be used: {reason}")
    raise AssertionError("unreachable: server_missing skips or fails")


@pytest.fixture
def pg_url() -> Iterator[str]:
    name = f"interviewer_test_{uuid.uuid4().hex[:16]}"
    admin = create_test_database(pg_server_url(), name)
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_file_url(tmp_path: Path) -> str:
    return sqlite_url(tmp_path / "test.sqlite")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on an SQLite file and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "any.sqlite")
    return str(request.getfixturevalue("pg_url"))


STAFF_PASSWORD = "correct horse 7"  # a test user's


class _TypedPassword:
    """Standard input giving the staff password at every read: one per command run."""

    def readline(self) -> str:
        return STAFF_PASSWORD + "\n"


SignIn = Callable[..., list[str]]


@pytest.fixture
def staff(monkeypatch: pytest.MonkeyPatch) -> SignIn:
    """`staff(where, username="boss", role="supervisor")`: that user with a password on
    the database (a URL, or an open Database), and the arguments that sign them in to a
    command (--user, and the password on standard input)."""
    from interviewer.services.auth import AuthService
    from interviewer.services.common import SYSTEM
    from interviewer.storage.central import open_central
    from interviewer.storage.db import Database
    from interviewer.storage.models import User

    monkeypatch.setattr("sys.stdin", _TypedPassword())

    def sign_in(where: str | Database, username: str = "boss",
                role: str = "supervisor") -> list[str]:
        db = open_central(where) if isinstance(where, str) else where
        try:
            with db.unit_of_work() as session:
                known = session.scalar(select(User.id).where(User.username == username))
            if known is None:
                AuthService(db).add_user(SYSTEM, username, role, STAFF_PASSWORD)
        finally:
            if isinstance(where, str):
                db.dispose()
        return ["--user", username, "--password-stdin"]

    return sign_in
