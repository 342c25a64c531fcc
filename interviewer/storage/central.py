"""The central database (DESIGN.md 10): `INTERVIEWER_CENTRAL_URL` (PostgreSQL in
production), else an SQLite file beside the local store, so one machine runs everything.
Migrated by the same Alembic chain as the local store.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from interviewer.storage.db import Database, StorageError, known_error, sqlite_url

CENTRAL_ENV = "INTERVIEWER_CENTRAL_URL"
CENTRAL_FILE = "central.sqlite"
_FIX = (f"Check {CENTRAL_ENV} (for example postgresql+psycopg://user:password@host:5432/db), "
        "that the server runs and that this computer may reach it.")


def central_url(data_dir: Path, environ: Mapping[str, str] | None = None) -> str:
    """The configured central URL, or the embedded SQLite central in `data_dir`."""
    env = os.environ if environ is None else environ
    configured = env.get(CENTRAL_ENV, "").strip()
    if configured:
        return configured
    return sqlite_url(data_dir.expanduser().absolute() / CENTRAL_FILE)


def shown_url(url: str) -> str:
    """The URL with its password hidden, for messages and the sync log."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a database URL)"


def open_central(url: str, *, migrate: bool = True) -> Database:
    """A Database on central, reached once and migrated to the newest revision. Raises
    StorageError naming what was tried when the URL is wrong or the server unreachable."""
    shown = shown_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as e:
        raise StorageError(f"The central database URL {url!r} is not a database URL.",
                           _FIX) from e
    if parsed.get_backend_name() not in ("postgresql", "sqlite"):
        raise StorageError(
            f"The central database {shown} is neither PostgreSQL nor SQLite.", _FIX)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    try:
        database = Database(url, label=f"the central database {shown}")
    except (ArgumentError, NoSuchModuleError) as e:
        raise StorageError(f"The central database URL {shown} cannot be used ({e}).",
                           _FIX) from e
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        if migrate:
            from interviewer.storage.migrate import upgrade  # Alembic: only when migrating

            upgrade(url)
    except DBAPIError as e:
        database.dispose()
        known = known_error(e, database.label)
        if known is not None:
            raise known from e
        reason = " ".join(str(getattr(e, "orig", e)).split())[:300]
        raise StorageError(f"Could not reach the central database {shown}: {reason}.",
                           _FIX) from e
    except BaseException:
        database.dispose()
        raise
    return database
