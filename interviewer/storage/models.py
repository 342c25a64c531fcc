"""The schema (DESIGN.md 5): one set of models for the local SQLite store and the central
database. Every row has a UUIDv7 id made where it is born and UTC-aware timestamps.

Sync bookkeeping: rows a device creates or changes carry `revision` (bumped on every
change) and `synced_revision` (the revision central has acknowledged); a row is pending
while they differ. Append-only tables (paradata, audit) are pushed by id.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from interviewer.storage.ids import uuid7

# Every column of a multi-column index or unique constraint is named: with the first
# column only, two constraints that start alike would get the same name.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on SQLite (which keeps no zone) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store: use UTC-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None,
                             dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime(), dict[str, Any]: JSON,
                           uuid.UUID: Uuid(as_uuid=True)}


class _Id:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)


# Sync finds a store's pending rows through partial indexes, so that a sync with nothing
# to do costs the same whatever the size of the store (the same SQL text in queries).
PENDING = "revision != synced_revision"
UNSYNCED = "synced = false"


def _pending_index(table: str, column: str, where: str = PENDING) -> Index:
    return Index(f"ix_{table}_pending", column, sqlite_where=text(where),
                 postgresql_where=text(where))


class _Synced:
    """Rows that travel between a device and central."""

    revision: Mapped[int] = mapped_column(Integer, default=1)
    synced_revision: Mapped[int] = mapped_column(Integer, default=0)
    origin_device: Mapped[str | None] = mapped_column(String(64))


class User(_Id, _Synced, Base):
    __tablename__ = "users"
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))  # interviewer, supervisor, admin
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class QuestionnaireVersion(_Id, _Synced, Base):
    """A published XLSForm, kept whole: interviews stay on the version they started on."""

    __tablename__ = "questionnaire_versions"
    __table_args__ = (UniqueConstraint("form_id", "sha256"),)
    form_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(500))
    file_name: Mapped[str] = mapped_column(String(500))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    # the parsed form (our model as JSON, with the parser's version), so that opening an
    # interview need not read the workbook again
    model_json: Mapped[str | None] = mapped_column(Text)
    languages: Mapped[dict[str, Any]] = mapped_column(default=dict)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class Survey(_Id, _Synced, Base):
    __tablename__ = "surveys"
    name: Mapped[str] = mapped_column(String(200), unique=True)
    mode: Mapped[str] = mapped_column(String(8))  # capi, cati
    questionnaire_version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("questionnaire_versions.id"))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Case(_Id, _Synced, Base):
    """One respondent to reach. Contact data is personal: never logged."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_queue", "survey_id", "final_disposition", "next_call_at"),
        # the telephone queue's two reads (services/calling.py), each served in its order
        Index("ix_cases_callable", "survey_id", text("priority DESC"), "attempts",
              "next_call_at", "id",
              postgresql_where=text("final_disposition IS NULL AND NOT do_not_call"),
              sqlite_where=text("final_disposition IS NULL AND NOT do_not_call")),
        Index("ix_cases_appointments", "survey_id", "appointment_at",
              postgresql_where=text("appointment_at IS NOT NULL AND final_disposition IS NULL"),
              sqlite_where=text("appointment_at IS NOT NULL AND final_disposition IS NULL")),
    )
    survey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("surveys.id"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(200))
    respondent_name: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str | None] = mapped_column(String(40))
    timezone: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(Text)
    preload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(24), default="new")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # CATI (DESIGN.md 6): every number of the respondent in E.164, `phone` the first
    phones: Mapped[list[str]] = mapped_column(JSON, default=list)
    region: Mapped[str | None] = mapped_column(String(100))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # the queue hands out a case once next_call_at has passed (None: at once)
    next_call_at: Mapped[datetime | None]
    appointment_at: Mapped[datetime | None]
    appointment_hard: Mapped[bool] = mapped_column(Boolean, default=False)
    appointment_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    last_outcome: Mapped[str | None] = mapped_column(String(32))
    # an AAPOR code once the case is closed; no more calls after that
    final_disposition: Mapped[str | None] = mapped_column(String(16))
    do_not_call: Mapped[bool] = mapped_column(Boolean, default=False)
    # the lease of the shared queue: one workstation holds a case until it expires
    lease_token: Mapped[str | None] = mapped_column(String(64))
    lease_holder: Mapped[str | None] = mapped_column(String(64))
    lease_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    lease_expires_at: Mapped[datetime | None]


class Assignment(_Id, _Synced, Base):
    __tablename__ = "assignments"
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    interviewer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Interview(_Id, _Synced, Base):
    __tablename__ = "interviews"
    __table_args__ = (_pending_index("interviews", "id"),)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"), index=True)
    survey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("surveys.id"), index=True)
    questionnaire_version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("questionnaire_versions.id"))
    interviewer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    # in_progress, suspended, completed, rejected, approved
    status: Mapped[str] = mapped_column(String(16), default="in_progress")
    language: Mapped[str | None] = mapped_column(String(100))
    position: Mapped[str | None] = mapped_column(String(500))  # path of the screen shown
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    device_id: Mapped[str | None] = mapped_column(String(64))
    # on central: the hash of the device's version it holds (interview and answers), so
    # that a resend is recognised and the same revision with other content is a conflict
    sync_hash: Mapped[str | None] = mapped_column(String(64))


class Answer(_Id, _Synced, Base):
    """The current answer to one question instance; the value and a special answer
    (don't know, refused) are kept apart. History lives in paradata."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("interview_id", "path"),)
    interview_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("interviews.id"))
    question: Mapped[str] = mapped_column(String(200))  # the question's name
    path: Mapped[str] = mapped_column(String(500))  # instance path: `q`, `rep[2]/q`
    value: Mapped[str | None] = mapped_column(Text)
    special: Mapped[str | None] = mapped_column(String(16))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)


class AnswerSheet(Base):
    """Central only: an interview's answers outside repeats as three texts joined by
    storage.sheets.SEP (questions, values, specials), so that an export reads one row per
    interview instead of fifty. Written from the answer rows in the transaction that
    writes them on central (sync.central_side: a push, a supervisor's choice in a
    conflict; the demo's and the export bench's bulk inserts call the same
    storage.sheets.write_sheets); an interview without a sheet is read from its answers."""

    __tablename__ = "answer_sheets"
    interview_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("interviews.id"),
                                                    primary_key=True)
    questions: Mapped[str] = mapped_column(Text)
    answer_values: Mapped[str] = mapped_column(Text)
    specials: Mapped[str] = mapped_column(Text)


class ParadataEvent(_Id, Base):
    """Append-only: enter, leave, answer, change, back, jump, suspend, resume,
    warning_confirmed, language, complete."""

    __tablename__ = "paradata_events"
    # one sequence per interview, whatever number of windows writes to it
    __table_args__ = (UniqueConstraint("interview_id", "seq"),
                      _pending_index("paradata_events", "interview_id", UNSYNCED))
    interview_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("interviews.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    path: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    synced: Mapped[bool] = mapped_column(Boolean, default=False)


class Remark(_Id, _Synced, Base):
    __tablename__ = "remarks"
    __table_args__ = (_pending_index("remarks", "interview_id"),)
    interview_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("interviews.id"), index=True)
    path: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(_Id, Base):
    """Append-only and hash-chained: each entry's hash covers the previous one."""

    __tablename__ = "audit_log"
    __table_args__ = (_pending_index("audit_log", "id", UNSYNCED),)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    synced: Mapped[bool] = mapped_column(Boolean, default=False)


class SyncState(Base):
    """Per-store facts: this device's id, pull watermarks."""

    __tablename__ = "sync_state"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class CallAttempt(_Id, _Synced, Base):
    """One dialling of a case: who, when, which number, and the outcome (a project code
    and the AAPOR disposition it maps onto)."""

    __tablename__ = "call_attempts"
    __table_args__ = (_pending_index("call_attempts", "id"),)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    survey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("surveys.id"), index=True)
    interviewer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    interview_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("interviews.id"))
    phone: Mapped[str | None] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(32))
    disposition: Mapped[str] = mapped_column(String(16))
    appointment_at: Mapped[datetime | None]
    appointment_hard: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    device_id: Mapped[str | None] = mapped_column(String(64))


class FollowUp(_Id, Base):
    """A follow-up case (closed loop, DESIGN.md 8): an interview whose CX score matched a
    survey's rule, for staff to call back. Lives on central only. One per interview,
    question instance and metric whatever rules match, so running the rules again, or
    after they were edited, creates nothing twice."""

    __tablename__ = "follow_ups"
    __table_args__ = (UniqueConstraint("interview_id", "question", "metric"),)
    survey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("surveys.id"), index=True)
    interview_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("interviews.id"))
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"))
    rule_index: Mapped[int] = mapped_column(Integer)  # the rule that matched: information
    metric: Mapped[str] = mapped_column(String(8))
    question: Mapped[str] = mapped_column(String(500))  # the answer's instance path
    score: Mapped[float]
    reason: Mapped[str] = mapped_column(String(300))
    priority: Mapped[int] = mapped_column(Integer, default=2)
    status: Mapped[str] = mapped_column(String(8), default="open")  # open, closed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")


class DoNotCall(_Id, Base):
    """A number nobody may call, in any survey (E.164)."""

    __tablename__ = "do_not_call"
    phone: Mapped[str] = mapped_column(String(40), unique=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(300), default="")
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class ChangeLogEntry(Base):
    """Central's change sequence for pull (DESIGN.md 7). Writers append under one lock
    held to their commit, so sequence order is commit order and a late commit is never
    skipped by a device's watermark. `audience` is the user who may see the change
    (None: everyone)."""

    __tablename__ = "change_log"
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                     primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[uuid.UUID]
    audience: Mapped[uuid.UUID | None] = mapped_column(index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class SyncConflict(_Id, Base):
    """What sync could not merge, kept whole and shown; never dropped."""

    __tablename__ = "sync_conflicts"
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[uuid.UUID] = mapped_column(index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    device_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[uuid.UUID | None]
    reason: Mapped[str] = mapped_column(String(300))
    device_payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    central_payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[uuid.UUID | None]
    # what was in conflict (entity, id, revision, content hash): the same conflict seen
    # again, from a resent batch, is recognised instead of recorded twice
    fingerprint: Mapped[str | None] = mapped_column(String(64), unique=True)


class SyncLogEntry(_Id, Base):
    """One sync run on this device: when, what went each way, conflicts, errors."""

    __tablename__ = "sync_log"
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16))  # running, ok, failed, cancelled, interrupted
    central: Mapped[str] = mapped_column(String(500), default="")  # URL, password hidden
    user_id: Mapped[uuid.UUID | None]
    pushed: Mapped[dict[str, Any]] = mapped_column(default=dict)
    pulled: Mapped[dict[str, Any]] = mapped_column(default=dict)
    conflicts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
