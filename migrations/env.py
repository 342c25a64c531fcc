"""Alembic environment for the one migration chain of the local SQLite store and the
central PostgreSQL database (DESIGN.md 5). Configured in code, not by an ini file: see
interviewer/storage/migrate.py, which runs every command and hands over a connection
already inside a transaction (`config.attributes["connection"]`).
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection

from interviewer.storage.migrate import context_options, migration_connection
from interviewer.storage.models import Base

config = context.config
target_metadata = Base.metadata


def _database_url() -> str:
    url = (config.attributes.get("url")
           or context.get_x_argument(as_dictionary=True).get("url")
           or config.get_main_option("sqlalchemy.url"))
    if not url:
        raise RuntimeError("no database given: pass a connection, a url, or -x url=...")
    return str(url)


def _options(dialect_name: str) -> dict[str, Any]:
    options = context_options(dialect_name)
    options["target_metadata"] = target_metadata
    # SQLite has transactional DDL too (with pysqlite's own BEGIN switched off, as
    # db.make_engine does): a revision lands whole or not at all.
    options["transactional_ddl"] = True
    return options


def run_migrations_offline() -> None:
    """`--sql` mode: write the SQL instead of running it."""
    url = _database_url()
    dialect_name = url.split(":", 1)[0].split("+", 1)[0]
    context.configure(url=url, literal_binds=True, dialect_opts={"paramstyle": "named"},
                      **_options(dialect_name))
    with context.begin_transaction():
        context.run_migrations()


def _run_on(connection: Connection) -> None:
    context.configure(connection=connection, **_options(connection.dialect.name))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    with migration_connection(_database_url()) as own_connection:
        _run_on(own_connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
