"""The device's half: what is still to push, marking it synced once central has
acknowledged it, and applying what was pulled.

Pending rows are found through partial indexes (models.PENDING, models.UNSYNCED), so a
sync with nothing to do reads a few empty index ranges whatever the store's size. Every
step that changes the store runs in one local transaction: the acknowledgement of a batch
with its rows marked, a pulled page with its watermark. A cut between central's commit
and the acknowledgement leaves the rows pending; they are sent again and central
recognises them (same id, revision and content). A version central refused (a conflict,
kept on both sides) stays pending at its old base: the device never had central's version,
so its next edit is not taken as based on it (it is a conflict too, until resolved).

Pulled decisions (central owns them): a local interview without pending changes takes
central's status and revision; one with pending changes takes the status and is based on
central's revision, so its next push applies on top of the decision (or, for an approved
interview, is kept as a conflict). Pulled whole interviews (rejected back to this user, or
on a case just given to them): one the device does not hold is stored as central has it,
acknowledged; one it holds with nothing pending is replaced by central's version (all it
had was acknowledged: taken by central, or kept on both sides as a conflict); one with
pending work is never touched by a pull, its answers least of all.

Marking a batch synced is one UPDATE a table: the ids go as one JSON array (json_each).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select, text, update
from sqlalchemy.dialects import sqlite

from interviewer.storage.models import (
    PENDING,
    UNSYNCED,
    Answer,
    AuditEntry,
    CallAttempt,
    Interview,
    ParadataEvent,
    QuestionnaireVersion,
    Remark,
    Survey,
    SyncConflict,
    SyncState,
    User,
)
from interviewer.sync.codec import (
    ANSWER_COLUMNS,
    answer_dicts,
    answer_lists,
    content_hash,
    decode,
    encode,
    table_of,
)
from interviewer.sync.messages import (
    InterviewAggregate,
    ItemResult,
    PullResponse,
    PushRequest,
    PushResponse,
    Row,
    aggregate_payload,
)

# tables pulled whole, in the order foreign keys need
PULLED = ("users", "questionnaire_versions", "surveys", "cases", "assignments", "remarks")
# local columns a pull leaves alone: case status follows the device's interviews
KEEP_LOCAL = {"cases": ("status",)}


class SyncRefused(Exception):
    """Something in the store stops the sync; the message says what to do."""


def watermark_key(user_id: uuid.UUID) -> str:
    return f"pull:{user_id}"


# -- push --

def pending_interviews(connection: Connection, user_id: uuid.UUID | None) -> list[uuid.UUID]:
    """Interviews with anything to push (their row, paradata or remarks), oldest first."""
    ids: set[uuid.UUID] = set(connection.scalars(select(Interview.id).where(text(PENDING))))
    ids |= set(connection.scalars(select(ParadataEvent.interview_id).where(text(UNSYNCED))))
    ids |= set(connection.scalars(select(Remark.interview_id).where(text(PENDING))))
    if user_id is not None and ids:
        ids = set(connection.scalars(select(Interview.id).where(
            Interview.id.in_(ids), Interview.interviewer_id == user_id)))
    return sorted(ids)  # UUIDv7: creation order


def read_aggregates(connection: Connection, ids: list[uuid.UUID]) -> list[InterviewAggregate]:
    interviews, paradata, remarks = table_of(Interview), table_of(ParadataEvent), \
        table_of(Remark)
    answers = answer_lists(connection, ids)
    by_interview: dict[Any, dict[str, list[Row]]] = {i: {"paradata": [], "remarks": []}
                                                     for i in ids}
    for key, table, where in (("paradata", paradata, UNSYNCED), ("remarks", remarks, PENDING)):
        query = select(table).where(table.c.interview_id.in_(ids), text(where))
        for row in connection.execute(query):
            by_interview[row.interview_id][key].append(encode(table, row))
    result = []
    for row in connection.execute(select(interviews).where(interviews.c.id.in_(ids))):
        parts = by_interview[row.id]
        # built from this store's own rows: no validation (the transport validates)
        result.append(InterviewAggregate.model_construct(
            id=row.id, revision=row.revision, base_revision=row.synced_revision,
            changed=row.revision != row.synced_revision, interview=encode(interviews, row),
            answers=answers[row.id], paradata=parts["paradata"], remarks=parts["remarks"]))
    return result


def pending_rows(connection: Connection, model: type[CallAttempt] | type[AuditEntry],
                 user_id: uuid.UUID | None, limit: int) -> list[Row]:
    table = table_of(model)
    where = UNSYNCED if model is AuditEntry else PENDING
    query = select(table).where(text(where)).order_by(table.c.id).limit(limit)
    if user_id is not None:
        owner = table.c.actor_id if model is AuditEntry else table.c.interviewer_id
        query = query.where(owner == user_id)
    return [encode(table, row) for row in connection.execute(query)]


def mark_pushed(connection: Connection, request: PushRequest, response: PushResponse,
                now: datetime | None = None) -> int:
    """Mark what central acknowledged as synced, and keep its conflicts here too (detected
    at `now`, the sync's clock). Returns the number of conflicts."""
    detected = now or datetime.now(UTC)
    done = {(r.entity, r.id): r for r in response.results}
    interviews, marks, remarks = [], [], []
    answers: dict[int, list[str]] = {}  # revision -> ids of the answers sent at it
    events: list[str] = []
    conflicts: list[dict[str, Any]] = []
    for aggregate in request.interviews:
        result = done.get(("interview", aggregate.id))
        if result is None:
            continue  # not acknowledged: stays pending
        # a version central refused (kept there as a conflict) stays pending at its old
        # base: the device never had central's version, so its next edit must not be
        # taken as based on it (resent, the conflict is recognised by its fingerprint)
        if aggregate.changed and result.outcome != "conflict":
            interviews.append({"i": aggregate.id, "r": aggregate.revision})
            for answer in aggregate.answers:
                answers.setdefault(answer[_REVISION], []).append(answer[0])
        events += [e["id"] for e in aggregate.paradata]
        remarks += [{"i": uuid.UUID(r["id"]), "r": r["revision"]} for r in aggregate.remarks]
        if result.conflict:
            conflicts.append(_local_conflict(request, result, aggregate_payload(aggregate),
                                             aggregate.interview.get("case_id"), detected))
    for row in request.call_attempts:
        result = done.get(("call_attempt", uuid.UUID(row["id"])))
        if result is not None:
            marks.append({"i": uuid.UUID(row["id"]), "r": row["revision"]})
            if result.conflict:
                conflicts.append(_local_conflict(request, result, row, row.get("case_id"),
                                                 detected))
    audit = []
    for row in request.audit:
        result = done.get(("audit", uuid.UUID(row["id"])))
        if result is not None:
            audit.append(row["id"])
            if result.conflict:
                conflicts.append(_local_conflict(request, result, row, None, detected))
    _mark_revision(connection, table_of(Interview), interviews)
    for revision, ids in answers.items():
        _mark_ids(connection, table_of(Answer), ids, revision)
    _mark_revision(connection, table_of(Remark), remarks)
    _mark_revision(connection, table_of(CallAttempt), marks)
    _mark_ids(connection, table_of(ParadataEvent), events)
    _mark_ids(connection, table_of(AuditEntry), audit)
    if conflicts:
        connection.execute(sqlite.insert(table_of(SyncConflict)).on_conflict_do_nothing(
            index_elements=["fingerprint"]), conflicts)
    return len(conflicts)


_REVISION = ANSWER_COLUMNS.index("revision")


def _mark_revision(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        connection.execute(update(table).where(
            table.c.id == bindparam("i"), table.c.synced_revision < bindparam("r"))
            .values(synced_revision=bindparam("r")), rows)


def _mark_ids(connection: Connection, table: Table, ids: list[str],
              revision: int | None = None) -> None:
    """One UPDATE for all these ids (UUID text, bound as one JSON array and matched as the
    store keeps them, 32 hex digits): synced (flagged tables), or synced at `revision`
    (rows sent at that revision; a row changed since keeps its newer revision pending)."""
    if not ids:
        return
    within = "id IN (SELECT lower(replace(value, '-', '')) FROM json_each(:ids))"
    if revision is None:
        statement = text(f"UPDATE {table.name} SET synced = 1 WHERE {within}")
    else:
        statement = text(f"UPDATE {table.name} SET synced_revision = :r "
                         f"WHERE {within} AND synced_revision < :r")
    connection.execute(statement, {"ids": json.dumps(ids), "r": revision})


def _local_conflict(request: PushRequest, result: ItemResult, payload: Row,
                    case_id: Any, now: datetime) -> dict[str, Any]:
    return {"id": uuid.uuid4(), "entity": result.entity, "entity_id": result.id,
            "case_id": uuid.UUID(case_id) if case_id else None,
            "device_id": request.device_id, "user_id": request.user_id,
            "reason": (result.conflict or "")[:300], "device_payload": payload,
            "central_payload": {"revision": result.central_revision},
            "detected_at": now,
            "fingerprint": content_hash("device", result.entity, str(result.id),
                                        result.revision, result.conflict)}


# -- pull --

def known_ids(connection: Connection) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    return (list(connection.scalars(select(Survey.id))),
            list(connection.scalars(select(QuestionnaireVersion.id))))


def watermark(connection: Connection, user_id: uuid.UUID) -> int:
    value = connection.scalar(select(SyncState.value).where(
        SyncState.key == watermark_key(user_id)))
    return int(value) if value else 0


def apply_pull(connection: Connection, response: PullResponse,
               user_id: uuid.UUID) -> dict[str, int]:
    """Apply one pulled page and store its watermark, in the caller's transaction."""
    counts: dict[str, int] = {}
    from interviewer.storage.models import Base

    tables = Base.metadata.tables
    for name in PULLED:
        rows = response.rows.get(name, [])
        if name == "remarks":  # the interviews first: remarks refer to them
            _count(counts, "interviews", _apply_interviews(connection, response.interviews))
        if not rows:
            continue
        table = tables[name]
        if name == "users":  # the syncing user comes every time: not counted
            applied = _apply_users(connection, table, rows) - sum(
                1 for r in rows if r["id"] == str(user_id))
        elif name == "remarks":
            applied = _apply_rows(connection, table, _known_interviews(connection, rows))
        elif name == "assignments":
            applied = _apply_rows(connection, table, _known_cases(connection, rows))
        else:
            applied = _apply_rows(connection, table, rows)
        _count(counts, name, applied)
    _count(counts, "decisions", _apply_decisions(connection, response.decisions))
    _store_watermark(connection, user_id, response.watermark)
    return counts


def _count(counts: dict[str, int], name: str, applied: int) -> None:
    if applied:
        counts[name] = applied


def _apply_rows(connection: Connection, table: Table, rows: Iterable[Row]) -> int:
    values = []
    for data in rows:
        row = decode(table, data)
        if "synced_revision" in row and "revision" in row:
            row["synced_revision"] = row["revision"]
        values.append(row)
    if not values:
        return 0
    keep = KEEP_LOCAL.get(table.name, ())
    statement = sqlite.insert(table)
    columns = [c for c in values[0] if c != "id" and c not in keep]
    connection.execute(statement.on_conflict_do_update(
        index_elements=["id"], set_={c: statement.excluded[c] for c in columns}), values)
    return len(values)


def _apply_users(connection: Connection, table: Table, rows: list[Row]) -> int:
    """Users as central has them; a user sent without a hash keeps the local one (or gets
    none: such a user cannot sign in here until they sync on this device)."""
    clash = connection.execute(select(User.id, User.username).where(
        User.username.in_([r["username"] for r in rows]))).all()
    ids = {r["username"]: r["id"] for r in rows}
    for local_id, username in clash:
        if str(local_id) != ids[username]:
            raise SyncRefused(
                f"This device has its own user '{username}', not the central one: sync this "
                "device into a fresh data folder (local users cannot be merged).")
    with_hash = [r for r in rows if "password_hash" in r]
    without = [dict(r, password_hash="") for r in rows if "password_hash" not in r]
    _apply_rows(connection, table, with_hash)
    if without:
        values = [decode(table, r) for r in without]
        for v in values:
            v["synced_revision"] = v["revision"]
        statement = sqlite.insert(table)
        columns = [c for c in values[0] if c not in ("id", "password_hash")]
        connection.execute(statement.on_conflict_do_update(
            index_elements=["id"], set_={c: statement.excluded[c] for c in columns}), values)
    return len(rows)


def _apply_interviews(connection: Connection, aggregates: list[InterviewAggregate]) -> int:
    """Interviews central sent whole. One this device does not hold is stored as central
    has it, acknowledged (revision = synced_revision = central's). One it holds with
    nothing pending is replaced by central's version (what it had was all acknowledged:
    taken by central, or kept there and here as a conflict). One with pending work is
    left alone: the decision rules rebase it or its next push is a conflict."""
    if not aggregates:
        return 0
    interviews = table_of(Interview)
    local = {row.id: row for row in connection.execute(
        select(interviews.c.id, interviews.c.revision, interviews.c.synced_revision).where(
            interviews.c.id.in_([a.id for a in aggregates])))}
    taken = []
    for aggregate in aggregates:
        row = local.get(aggregate.id)
        if row is None or (row.revision == row.synced_revision
                           and row.revision <= aggregate.revision):
            taken.append(aggregate)
    if not taken:
        return 0
    ids = [a.id for a in taken]
    rows = []
    for aggregate in taken:
        values = decode(interviews, aggregate.interview)
        values.update(revision=aggregate.revision, synced_revision=aggregate.revision)
        rows.append(values)
    statement = sqlite.insert(interviews)
    connection.execute(statement.on_conflict_do_update(index_elements=["id"], set_={
        c: statement.excluded[c] for c in rows[0] if c != "id"}), rows)
    answers = table_of(Answer)
    connection.execute(answers.delete().where(answers.c.interview_id.in_(ids)))
    answer_rows = []
    for aggregate in taken:
        for data in answer_dicts(aggregate.answers):
            values = decode(answers, data)
            values.update(interview_id=aggregate.id, synced_revision=values["revision"])
            answer_rows.append(values)
    if answer_rows:
        connection.execute(sqlite.insert(answers), answer_rows)
    events = [dict(decode(table_of(ParadataEvent), e), synced=True)
              for a in taken for e in a.paradata]
    if events:
        connection.execute(sqlite.insert(table_of(ParadataEvent)).on_conflict_do_nothing(),
                           events)
    _apply_rows(connection, table_of(Remark), [r for a in taken for r in a.remarks])
    return len(taken)


def _known_interviews(connection: Connection, rows: list[Row]) -> list[Row]:
    known = {str(i) for i in connection.scalars(select(Interview.id).where(
        Interview.id.in_([uuid.UUID(r["interview_id"]) for r in rows])))}
    return [r for r in rows if r["interview_id"] in known]


def _known_cases(connection: Connection, rows: list[Row]) -> list[Row]:
    from interviewer.storage.models import Case

    known = {str(i) for i in connection.scalars(select(Case.id).where(
        Case.id.in_([uuid.UUID(r["case_id"]) for r in rows])))}
    return [r for r in rows if r["case_id"] in known]


def _apply_decisions(connection: Connection, decisions: list[Row]) -> int:
    if not decisions:
        return 0
    local = {row.id: row for row in connection.execute(
        select(Interview.id, Interview.revision, Interview.synced_revision).where(
            Interview.id.in_([uuid.UUID(d["id"]) for d in decisions])))}
    values = []
    for decision in decisions:
        row = local.get(uuid.UUID(decision["id"]))
        if row is None:
            continue  # held on another device
        central = int(decision["revision"])
        pending = row.revision != row.synced_revision
        values.append({"i": row.id, "s": decision["status"], "sr": central,
                       "r": central + 1 if pending else central})
    if values:
        connection.execute(update(Interview).where(Interview.id == bindparam("i")).values(
            status=bindparam("s"), revision=bindparam("r"),
            synced_revision=bindparam("sr")), values)
    return len(values)


def _store_watermark(connection: Connection, user_id: uuid.UUID, value: int) -> None:
    statement = sqlite.insert(table_of(SyncState)).values(key=watermark_key(user_id),
                                                          value=str(value))
    connection.execute(statement.on_conflict_do_update(
        index_elements=["key"], set_={"value": statement.excluded.value}))


__all__ = ["SyncRefused", "apply_pull", "known_ids", "mark_pushed", "pending_interviews",
           "pending_rows", "read_aggregates", "watermark", "watermark_key"]
