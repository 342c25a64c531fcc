"""Central's change sequence, which devices pull after their watermark (DESIGN.md 7).

PostgreSQL gives sequence values at insert, not at commit: a writer that inserted seq 7
and commits after another writer's seq 8 would be skipped by a device that already read
8. So every writer takes one transaction-scoped advisory lock before appending and holds
it to its commit: sequence order is commit order, and a device that has seen seq N has
seen every committed change below it. SQLite serialises writers anyway (BEGIN IMMEDIATE).
The lock serialises only the short tail of central write transactions that record a
change, never pushes (which record none).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Connection, insert, text
from sqlalchemy.orm import Session

from interviewer.storage.models import ChangeLogEntry

CHANGE_LOCK = 0x1A7E_C4A6  # our pg_advisory key for appending to change_log
ENTITIES = ("user", "questionnaire_version", "survey", "case", "assignment", "interview",
            "remark")


def lock_change_log(connection: Connection | Session) -> None:
    """Take the change-log lock until this transaction ends (PostgreSQL only)."""
    bind = connection.get_bind() if isinstance(connection, Session) else connection
    if bind.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGE_LOCK})


def record_change(connection: Connection | Session, entity: str, entity_id: uuid.UUID,
                  audience: uuid.UUID | None, at: datetime | None = None) -> None:
    """Append a change of `entity` `entity_id` visible to `audience` (a user id; None:
    every device). Call it inside the writer's transaction, after or before its change:
    the row devices pull is read when they pull, so it is the committed one."""
    if entity not in ENTITIES:
        raise ValueError(f"unknown entity {entity!r}: one of {', '.join(ENTITIES)}")
    lock_change_log(connection)
    connection.execute(insert(ChangeLogEntry).values(
        entity=entity, entity_id=entity_id, audience=audience, at=at or datetime.now(UTC)))


__all__ = ["CHANGE_LOCK", "ENTITIES", "lock_change_log", "record_change"]
