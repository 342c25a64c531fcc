"""Review on central (DESIGN.md 8), as far as sync needs it: a supervisor approves or
rejects a completed interview, or hands a case to another interviewer.

Each action is one central transaction that bumps the interview's revision with central
as its origin (so a device that changed it meanwhile gets a conflict, never an
overwrite), writes an audit entry, and records the change for the interviewers'
devices to pull (sync.changes.record_change).
"""

from __future__ import annotations

import hashlib
import json
import uuid

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from interviewer.services.common import (
    Clock,
    CurrentUser,
    NotFound,
    ServiceError,
    require_role,
    utc_clock,
)
from interviewer.storage.db import Database
from interviewer.storage.models import Assignment, AuditEntry, Case, Interview, Remark, User
from interviewer.sync.central_side import CENTRAL, hand_over
from interviewer.sync.changes import record_change


class ReviewService:
    def __init__(self, central: Database, user: CurrentUser, clock: Clock = utc_clock) -> None:
        self.central = central
        self.user = user
        self.clock = clock

    def approve(self, interview_id: uuid.UUID) -> None:
        require_role(self.user, "supervisor", "admin")
        with self.central.unit_of_work() as session:
            row = self._interview(session, interview_id)
            if row.status != "completed":
                raise ServiceError(f"Only a completed interview can be approved; this one "
                                   f"is {row.status}.")
            self._decide(session, row, "approved")

    def reject(self, interview_id: uuid.UUID, comment: str,
               question_comments: dict[str, str] | None = None) -> None:
        """Back to its interviewer, with a comment (and comments on questions, by path)."""
        require_role(self.user, "supervisor", "admin")
        if not comment.strip():
            raise ServiceError("Say why the interview is rejected.")
        with self.central.unit_of_work() as session:
            row = self._interview(session, interview_id)
            if row.status == "rejected":
                raise ServiceError("This interview is already rejected.")
            now = self.clock()
            for path, text in {"": comment, **(question_comments or {})}.items():
                remark = Remark(interview_id=row.id, path=path, text=text.strip(),
                                author_id=self.user.id, created_at=now,
                                origin_device=CENTRAL)
                session.add(remark)
                session.flush()
                record_change(session, "remark", remark.id, row.interviewer_id, now)
            self._decide(session, row, "rejected")

    def reassign(self, case_id: uuid.UUID, to_user_id: uuid.UUID) -> uuid.UUID:
        """Give the case to another interviewer (or assign it the first time), with the
        interviews central holds on it (not an approved one). Work the old interviewer's
        device has not sent yet still arrives: central keeps it and flags the case."""
        require_role(self.user, "supervisor", "admin")
        now = self.clock()
        with self.central.unit_of_work() as session:
            if session.get(Case, case_id) is None:
                raise NotFound("There is no such case.")
            to_user = session.get(User, to_user_id)
            if to_user is None or not to_user.active or to_user.role != "interviewer":
                raise ServiceError("A case goes to an active interviewer.")
            old = list(session.scalars(select(Assignment).where(
                Assignment.case_id == case_id, Assignment.active.is_(True))))
            if any(a.interviewer_id == to_user_id for a in old):
                raise ServiceError("The case is already assigned to this interviewer.")
            for assignment in old:
                assignment.active = False
                assignment.revision += 1
                assignment.origin_device = CENTRAL
                record_change(session, "assignment", assignment.id,
                              assignment.interviewer_id, now)
            new = Assignment(case_id=case_id, interviewer_id=to_user_id,
                             assigned_by=self.user.id, assigned_at=now,
                             origin_device=CENTRAL)
            session.add(new)
            session.flush()
            record_change(session, "assignment", new.id, to_user_id, now)
            # the interview follows the case: the new interviewer continues it (their
            # device pulls it whole); the old one's later edits become a kept conflict
            hand_over(session.connection(), {case_id}, to_user_id)
            self._audit(session, "reassign", "case", case_id,
                        {"from": [str(a.interviewer_id) for a in old],
                         "to": str(to_user_id)})
            return new.id

    def _interview(self, session: Session, interview_id: uuid.UUID) -> Interview:
        row = session.get(Interview, interview_id)
        if row is None:
            raise NotFound("There is no such interview.")
        return row

    def _decide(self, session: Session, row: Interview, status: str) -> None:
        now = self.clock()
        session.execute(update(Interview).where(Interview.id == row.id).values(
            status=status, revision=Interview.revision + 1,
            synced_revision=Interview.revision + 1, origin_device=CENTRAL, sync_hash=None))
        record_change(session, "interview", row.id, row.interviewer_id, now)
        self._audit(session, status, "interview", row.id, {"status": status})

    def _audit(self, session: Session, action: str, entity: str, entity_id: uuid.UUID,
               detail: dict[str, object]) -> None:
        """An audit entry chained to central's previous one (the change-log lock, taken
        by record_change, orders the writers)."""
        previous = session.scalar(select(AuditEntry.hash).order_by(
            AuditEntry.at.desc(), AuditEntry.id.desc()).limit(1))
        now = self.clock()
        body = json.dumps([previous, now.isoformat(), str(self.user.id), self.user.role,
                           action, entity, str(entity_id), detail], sort_keys=True)
        session.add(AuditEntry(at=now, actor_id=self.user.id, role=self.user.role,
                               action=action, entity=entity, entity_id=str(entity_id),
                               detail=detail, prev_hash=previous, synced=True,
                               hash=hashlib.sha256(body.encode("utf-8")).hexdigest()))


__all__ = ["ReviewService"]
