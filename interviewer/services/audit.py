"""The audit log of supervisors' and admins' actions on central (DESIGN.md 9): each
entry's hash covers the previous one, so an entry removed or changed breaks the chain."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from interviewer.services.common import CurrentUser
from interviewer.storage.ids import uuid7
from interviewer.storage.models import AuditEntry
from interviewer.sync.changes import lock_change_log

Entry = tuple[str, str, Any, dict[str, object]]  # action, entity, entity id, detail


def audit(session: Session, user: CurrentUser, now: datetime, action: str, entity: str,
          entity_id: Any, detail: dict[str, object]) -> None:
    audit_many(session, user, now, [(action, entity, entity_id, detail)])


def audit_many(session: Session, user: CurrentUser, now: datetime,
               entries: list[Entry]) -> None:
    """Entries chained to the previous one, under the change-log lock that orders every
    central writer of the chain. Written in one statement; ids are sorted so that the
    (at, id) order is the chain's order. The command line's system user has no row in
    users: its entries name no actor."""
    if not entries:
        return
    lock_change_log(session)
    previous = session.scalar(select(AuditEntry.hash).order_by(
        AuditEntry.at.desc(), AuditEntry.id.desc()).limit(1))
    rows = []
    for row_id, (action, entity, entity_id, detail) in zip(
            sorted(uuid7() for _ in entries), entries, strict=True):
        body = json.dumps([previous, now.isoformat(), str(user.id), user.role, action,
                           entity, str(entity_id), detail], sort_keys=True)
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
        rows.append({"id": row_id, "at": now, "actor_id": user.id if user.id.int else None,
                     "role": user.role, "action": action, "entity": entity,
                     "entity_id": str(entity_id), "detail": detail, "prev_hash": previous,
                     "synced": True, "hash": digest})
        previous = digest
    session.execute(insert(AuditEntry), rows)


__all__ = ["audit", "audit_many"]
