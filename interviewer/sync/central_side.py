"""Central's half of the protocol: apply a push, serve a pull. One request, one
transaction; nothing is kept between requests.

Push, per interview aggregate (device owns interviews; central owns review decisions):
- unknown on central: inserted;
- the same revision with the same content hash: a resend, nothing changes;
- central's version is this device's own (same lineage): a newer revision fast-forwards
  (a lost acknowledgement followed by newer work), an older one is stale and ignored, the
  same revision with other content is a conflict;
- central's version was written by someone else (a supervisor's decision): the device's
  version applies only when it was based on that version; else it is a conflict;
- an approved interview never changes: anything else arriving for it is a conflict.
A conflict stores the device's whole aggregate in `sync_conflicts` (central's version is
left as it was) and is returned in the acknowledgement; its fingerprint makes a resent
conflict one row. A version applied while another interviewer now holds the case is kept
and flagged the same way. Paradata and remarks are appended whatever the verdict (union:
nothing a device recorded is dropped). Call attempts are versioned like interviews by
their owning device; audit entries are append-only by id.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, and_, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from interviewer.storage.db import Database
from interviewer.storage.models import (
    Answer,
    Assignment,
    AuditEntry,
    CallAttempt,
    Case,
    ChangeLogEntry,
    Interview,
    ParadataEvent,
    QuestionnaireVersion,
    Remark,
    Survey,
    SyncConflict,
    User,
)
from interviewer.sync.codec import (
    aggregate_hash,
    content,
    content_hash,
    decode,
    encode,
    table_of,
)
from interviewer.sync.messages import (
    InterviewAggregate,
    ItemResult,
    Outcome,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
    Request,
    Response,
    Row,
)

CENTRAL = "central"  # origin_device of what central itself writes (review decisions)
STAFF = ("supervisor", "admin")
# never sent to a device: sign-in throttling is each store's own
USER_PRIVATE = ("failed_logins", "locked_until")


class Refused(Exception):
    """Central will not take this request (unknown user, someone else's data)."""


def handle(central: Database, request: Request, clock: Callable[[], datetime]) -> Response:
    message = request.message
    try:
        with central.transaction() as connection:
            role = _user_role(connection, message.user_id)
            if isinstance(message, PushRequest):
                return Response(message=apply_push(connection, message, role, clock()))
            return Response(message=serve_pull(connection, message, role))
    except Refused as e:
        return Response(error=str(e))


def _user_role(connection: Connection, user_id: uuid.UUID) -> str:
    row = connection.execute(select(User.role, User.active).where(User.id == user_id)).first()
    if row is None or not row.active:
        raise Refused("This user is unknown to the central database or no longer active.")
    return str(row.role)


def insert_for(connection: Connection, table: Table) -> Any:
    """INSERT with ON CONFLICT for this connection's dialect."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


# -- push --

def apply_push(connection: Connection, request: PushRequest, role: str,
               now: datetime) -> PushResponse:
    if role not in STAFF:
        _only_own(request)
    results: list[ItemResult] = []
    results += _apply_interviews(connection, request, now)
    results += _apply_versioned(connection, table_of(CallAttempt), "call_attempt",
                                request.call_attempts, request, now)
    results += _apply_append_only(connection, table_of(AuditEntry), "audit", request.audit,
                                  request, now)
    return PushResponse(results=results)


def _only_own(request: PushRequest) -> None:
    mine = str(request.user_id)
    if any(a.interview.get("interviewer_id") != mine for a in request.interviews) or any(
            r.get("interviewer_id") != mine for r in request.call_attempts) or any(
            r.get("actor_id") not in (mine, None) for r in request.audit):
        raise Refused("An interviewer may send only their own interviews, calls and "
                      "audit entries.")


def _apply_interviews(connection: Connection, request: PushRequest,
                      now: datetime) -> list[ItemResult]:
    aggregates = request.interviews
    if not aggregates:
        return []
    table = table_of(Interview)
    current = {row.id: row for row in connection.execute(
        select(table.c.id, table.c.revision, table.c.origin_device, table.c.sync_hash,
               table.c.status).where(table.c.id.in_([a.id for a in aggregates])))}
    holders = _case_holders(connection, [a.interview.get("case_id") for a in aggregates
                                         if a.changed])
    results: list[ItemResult] = []
    apply: list[tuple[InterviewAggregate, str]] = []
    conflicts: list[dict[str, Any]] = []
    for aggregate in aggregates:
        now_row = current.get(aggregate.id)
        central_revision = None if now_row is None else now_row.revision
        if not aggregate.changed:
            results.append(_result("interview", aggregate, "unchanged", central_revision))
            continue
        digest = aggregate_hash(aggregate.interview, aggregate.answers)
        outcome, why = _verdict(now_row, aggregate, digest, request.device_id)
        if outcome == "applied":
            apply.append((aggregate, digest))
            holder = holders.get(str(aggregate.interview.get("case_id")))
            if holder is not None and holder != aggregate.interview.get("interviewer_id"):
                why = "the case was reassigned to another interviewer; this version is kept"
                conflicts.append(_conflict(aggregate, digest, request, why, {}, now))
            central_revision = aggregate.revision
        elif outcome == "conflict":
            assert why is not None
            conflicts.append(_conflict(aggregate, digest, request, why, {}, now))
        results.append(_result("interview", aggregate, outcome, central_revision, why))
    _write_interviews(connection, apply, request.device_id)
    _append_paradata(connection, aggregates)
    _upsert_remarks(connection, aggregates)
    _record_conflicts(connection, conflicts)
    return results


def _verdict(row: Any, aggregate: InterviewAggregate, digest: str,
             device: str) -> tuple[Outcome, str | None]:
    if row is None:
        return "applied", None
    if row.revision == aggregate.revision and row.sync_hash == digest:
        return "duplicate", None
    if row.status == "approved":
        return "conflict", "the interview was approved on central; the device's version " \
                           "is kept beside it"
    if row.origin_device == device:
        if row.revision < aggregate.revision:
            return "applied", None
        if row.revision > aggregate.revision:
            return "stale", None
        return "conflict", "the same revision arrived with other content"
    if row.revision == aggregate.base_revision:
        return "applied", None
    return "conflict", f"the interview changed on central ({row.status}) while the device " \
                       "changed it too; both versions are kept"


def _result(entity: str, aggregate: InterviewAggregate, outcome: Outcome,
            central_revision: int | None, why: str | None = None) -> ItemResult:
    return ItemResult(entity=entity, id=aggregate.id, revision=aggregate.revision,
                      outcome=outcome, central_revision=central_revision, conflict=why)


def _case_holders(connection: Connection, case_ids: Iterable[Any]) -> dict[str, str]:
    wanted = {uuid.UUID(c) for c in case_ids if c}
    if not wanted:
        return {}
    rows = connection.execute(select(Assignment.case_id, Assignment.interviewer_id).where(
        Assignment.case_id.in_(wanted), Assignment.active.is_(True)))
    return {str(r.case_id): str(r.interviewer_id) for r in rows}


def _conflict(aggregate: InterviewAggregate, digest: str, request: PushRequest, why: str,
              central_payload: Row, now: datetime) -> dict[str, Any]:
    case_id = aggregate.interview.get("case_id")
    return {
        "id": uuid.uuid4(), "entity": "interview", "entity_id": aggregate.id,
        "case_id": uuid.UUID(case_id) if case_id else None, "device_id": request.device_id,
        "user_id": request.user_id, "reason": why[:300],
        "device_payload": aggregate.model_dump(mode="json"),
        "central_payload": central_payload, "detected_at": now,
        "fingerprint": content_hash("interview", str(aggregate.id), aggregate.revision,
                                    digest, why),
    }


def _record_conflicts(connection: Connection, conflicts: list[dict[str, Any]]) -> None:
    if not conflicts:
        return
    table = table_of(Interview)
    ids = {c["entity_id"] for c in conflicts}
    central = {row.id: encode(table, row) for row in connection.execute(
        select(table).where(table.c.id.in_(ids)))}
    for conflict in conflicts:
        if not conflict["central_payload"]:
            conflict["central_payload"] = central.get(conflict["entity_id"], {})
    _insert_conflicts(connection, conflicts)


def _write_interviews(connection: Connection, apply: list[tuple[InterviewAggregate, str]],
                      device: str) -> None:
    if not apply:
        return
    interviews = table_of(Interview)
    rows = []
    for aggregate, digest in apply:
        row = decode(interviews, aggregate.interview)
        row.update(revision=aggregate.revision, synced_revision=aggregate.revision,
                   origin_device=device, sync_hash=digest)
        rows.append(row)
    _upsert(connection, interviews, rows)
    answers = table_of(Answer)
    answer_rows = []
    for aggregate, _ in apply:
        for data in aggregate.answers:
            row = decode(answers, data)
            row["synced_revision"] = row["revision"]
            answer_rows.append(row)
    if answer_rows:
        _upsert(connection, answers, answer_rows)


def _upsert(connection: Connection, table: Table, rows: list[dict[str, Any]],
            newer_only: bool = False) -> None:
    statement = insert_for(connection, table)
    columns = [c.name for c in table.columns if c.name != "id"]
    where = table.c.revision < statement.excluded.revision if newer_only else None
    statement = statement.on_conflict_do_update(
        index_elements=["id"], set_={name: statement.excluded[name] for name in columns},
        where=where)
    connection.execute(statement, rows)


def _append_paradata(connection: Connection, aggregates: list[InterviewAggregate]) -> None:
    table = table_of(ParadataEvent)
    rows = []
    for aggregate in aggregates:
        for data in aggregate.paradata:
            row = decode(table, data)
            row["synced"] = True
            rows.append(row)
    if rows:
        connection.execute(insert_for(connection, table).on_conflict_do_nothing(), rows)


def _upsert_remarks(connection: Connection, aggregates: list[InterviewAggregate]) -> None:
    table = table_of(Remark)
    rows = []
    for aggregate in aggregates:
        for data in aggregate.remarks:
            row = decode(table, data)
            row["synced_revision"] = row["revision"]
            rows.append(row)
    if rows:
        _upsert(connection, table, rows, newer_only=True)


def _apply_versioned(connection: Connection, table: Table, entity: str, rows: list[Row],
                     request: PushRequest, now: datetime) -> list[ItemResult]:
    """Rows one device owns and may change (call attempts): by id and revision."""
    if not rows:
        return []
    existing = {str(r.id): encode(table, r) for r in connection.execute(
        select(table).where(table.c.id.in_([uuid.UUID(r["id"]) for r in rows])))}
    results, write, conflicts = [], [], []
    for data in rows:
        have = existing.get(data["id"])
        revision = int(data["revision"])
        outcome: Outcome
        if have is None or int(have["revision"]) < revision:
            outcome = "applied"
            row = decode(table, data)
            row["synced_revision"] = revision
            write.append(row)
        elif int(have["revision"]) > revision:
            outcome = "stale"
        elif content(have) == content(data):
            outcome = "duplicate"
        else:
            outcome = "conflict"
            conflicts.append(_row_conflict(entity, data, have, request, now))
        results.append(ItemResult(entity=entity, id=uuid.UUID(data["id"]), revision=revision,
                                  outcome=outcome, central_revision=None if have is None
                                  else int(have["revision"]),
                                  conflict="the same revision arrived with other content"
                                  if outcome == "conflict" else None))
    if write:
        _upsert(connection, table, write)
    _insert_conflicts(connection, conflicts)
    return results


def _apply_append_only(connection: Connection, table: Table, entity: str, rows: list[Row],
                       request: PushRequest, now: datetime) -> list[ItemResult]:
    if not rows:
        return []
    existing = {str(r.id): encode(table, r) for r in connection.execute(
        select(table).where(table.c.id.in_([uuid.UUID(r["id"]) for r in rows])))}
    results, write, conflicts = [], [], []
    for data in rows:
        have = existing.get(data["id"])
        outcome: Outcome
        if have is None:
            outcome = "applied"
            row = decode(table, data)
            row["synced"] = True
            write.append(row)
        elif content(have) == content(data):
            outcome = "duplicate"
        else:
            outcome = "conflict"
            conflicts.append(_row_conflict(entity, data, have, request, now))
        results.append(ItemResult(entity=entity, id=uuid.UUID(data["id"]), revision=0,
                                  outcome=outcome, conflict="the same entry arrived with "
                                  "other content" if outcome == "conflict" else None))
    if write:
        connection.execute(insert_for(connection, table).on_conflict_do_nothing(), write)
    _insert_conflicts(connection, conflicts)
    return results


def _row_conflict(entity: str, data: Row, have: Row, request: PushRequest,
                  now: datetime) -> dict[str, Any]:
    case_id = data.get("case_id")
    return {"id": uuid.uuid4(), "entity": entity, "entity_id": uuid.UUID(data["id"]),
            "case_id": uuid.UUID(case_id) if case_id else None,
            "device_id": request.device_id, "user_id": request.user_id,
            "reason": "the same id arrived with other content", "device_payload": data,
            "central_payload": have, "detected_at": now,
            "fingerprint": content_hash(entity, data)}


def _insert_conflicts(connection: Connection, conflicts: list[dict[str, Any]]) -> None:
    if conflicts:
        connection.execute(insert_for(connection, table_of(SyncConflict))
                           .on_conflict_do_nothing(index_elements=["fingerprint"]), conflicts)


# -- pull --

def serve_pull(connection: Connection, request: PullRequest, role: str) -> PullResponse:
    """The rows changed after `request.after` that this user may see, current as of now.
    The page stops at the highest sequence number visible when it starts: later commits
    get higher numbers (see changes.py), so nothing below the watermark is missed."""
    log = table_of(ChangeLogEntry)
    top = int(connection.scalar(select(func.max(log.c.seq))) or 0)
    user = request.user_id
    entries = connection.execute(
        select(log.c.seq, log.c.entity, log.c.entity_id)
        .where(log.c.seq > request.after, log.c.seq <= top,
               or_(log.c.audience == user, log.c.audience.is_(None)))
        .order_by(log.c.seq).limit(request.limit)).all()
    more = len(entries) == request.limit
    watermark = entries[-1].seq if more else max(top, request.after)
    wanted: dict[str, set[uuid.UUID]] = {}
    for entry in entries:
        wanted.setdefault(entry.entity, set()).add(entry.entity_id)
    staff = role in STAFF
    response = PullResponse(watermark=watermark, more=more)
    _collect(connection, response, wanted, request, staff)
    return response


def _collect(connection: Connection, response: PullResponse,
             wanted: dict[str, set[uuid.UUID]], request: PullRequest, staff: bool) -> None:
    user = request.user_id
    assignments = _rows(connection, table_of(Assignment), wanted.get("assignment"),
                        None if staff else Assignment.interviewer_id == user)
    case_ids = set(wanted.get("case", set())) | {
        uuid.UUID(a["case_id"]) for a in assignments if a["active"]}
    mine = None if staff else Case.id.in_(
        select(Assignment.case_id).where(Assignment.interviewer_id == user,
                                         Assignment.active.is_(True)))
    cases = _rows(connection, table_of(Case), case_ids, mine)
    survey_ids = set(wanted.get("survey", set())) | {
        uuid.UUID(c["survey_id"]) for c in cases} - set(request.known_surveys)
    surveys = _rows(connection, table_of(Survey), survey_ids)
    version_ids = set(wanted.get("questionnaire_version", set())) | {
        uuid.UUID(s["questionnaire_version_id"]) for s in surveys} - set(request.known_versions)
    versions = _rows(connection, table_of(QuestionnaireVersion), version_ids)
    own_interviews = None if staff else Remark.interview_id.in_(
        select(Interview.id).where(Interview.interviewer_id == user))
    remarks = _rows(connection, table_of(Remark), wanted.get("remark"), own_interviews)
    decisions = []
    if wanted.get("interview"):
        query = select(Interview.id, Interview.status, Interview.revision).where(
            Interview.id.in_(wanted["interview"]))
        if not staff:
            query = query.where(Interview.interviewer_id == user)
        decisions = [{"id": str(r.id), "status": r.status, "revision": r.revision}
                     for r in connection.execute(query)]
    referenced = {user} | set(wanted.get("user", set()))
    for rows, columns in ((assignments, ("interviewer_id", "assigned_by")),
                          (cases, ("appointment_by", "lease_user_id")),
                          (versions, ("published_by",)), (remarks, ("author_id",))):
        referenced |= {uuid.UUID(r[c]) for r in rows for c in columns if r[c]}
    users = _users(connection, referenced, user)
    response.rows = {"users": users, "questionnaire_versions": versions, "surveys": surveys,
                     "cases": cases, "assignments": assignments, "remarks": remarks}
    response.decisions = decisions


def _rows(connection: Connection, table: Table, ids: set[uuid.UUID] | None,
          allowed: Any = None) -> list[Row]:
    if not ids:
        return []
    query = select(table).where(table.c.id.in_(ids))
    if allowed is not None:
        query = query.where(and_(allowed))
    return [encode(table, row) for row in connection.execute(query)]


def _users(connection: Connection, ids: set[uuid.UUID], signed_in: uuid.UUID) -> list[Row]:
    """Users the pulled rows refer to. Only the user who syncs comes with a password hash:
    a device keeps hashes of the people who sign in on it, no one else's."""
    table = table_of(User)
    rows = []
    for row in connection.execute(select(table).where(table.c.id.in_(ids))):
        data = encode(table, row)
        for name in USER_PRIVATE:
            data.pop(name)
        if row.id != signed_in:
            data.pop("password_hash")
        rows.append(data)
    return rows


__all__ = ["CENTRAL", "Refused", "apply_push", "handle", "insert_for", "serve_pull"]
