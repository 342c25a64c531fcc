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
- an approved interview never changes: anything else arriving for it is a conflict;
- an interviewer's version of an interview central holds under another interviewer is a
  conflict (the interview follows its case; staff may push anyone's).
The verdicts read central's rows locked (FOR UPDATE), so concurrent pushes of one
interview are judged one after the other. Answers are matched by (interview, path): a new
answer id at a path central holds updates central's row, which keeps its id.
A conflict stores the device's whole aggregate in `sync_conflicts` (central's version is
left as it was) and is returned in the acknowledgement; its fingerprint makes a resent
conflict one row. A version applied while another interviewer now holds the case is kept
and flagged the same way. Paradata and remarks are appended whatever the verdict (union:
nothing a device recorded is dropped). Call attempts are versioned like interviews by
their owning device; audit entries are append-only by id. On PostgreSQL a batch's rows go
to the server as one JSON text a table (jsonb, unpacked and cast there): interviews
central has never seen are plain inserts (an upsert if another push got there first),
known ones upserts. One hash per aggregate (codec.aggregate_hash) serves the verdict.

Pull, per page of the change log: the rows the user may see, the decisions on their
interviews, and whole interviews (row, answers, paradata, remarks) where the change
concerns the user: rejected back to them, or on a case just given to them. A case given
to another interviewer takes its interviews with it (`hand_over`, called by the
reassignment, as in Survey Solutions: the new interviewer continues the same interview; an
approved one stays where it is).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    and_,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

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
from interviewer.storage.sheets import postgresql_sheets, write_sheets
from interviewer.sync.codec import (
    ANSWER_COLUMNS,
    aggregate_hash,
    answer_lists,
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
    aggregate_payload,
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
    results += _apply_interviews(connection, request, now, staff=role in STAFF)
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


def _apply_interviews(connection: Connection, request: PushRequest, now: datetime,
                      staff: bool = True) -> list[ItemResult]:
    """The verdicts read central's rows locked (FOR UPDATE on PostgreSQL, in id order so
    concurrent pushes cannot deadlock): a second push of the same interview waits for the
    first to commit and is judged against what it wrote, never both applied (lost update).
    SQLite serialises writers itself. `staff`: a non-staff pusher's version of an interview
    central holds under another interviewer is a conflict (kept), never applied."""
    aggregates = request.interviews
    if not aggregates:
        return []
    table = table_of(Interview)
    current = {row.id: row for row in connection.execute(
        select(table.c.id, table.c.revision, table.c.origin_device, table.c.sync_hash,
               table.c.status, table.c.interviewer_id)
        .where(table.c.id.in_([a.id for a in aggregates]))
        .order_by(table.c.id).with_for_update())}
    holders = _case_holders(connection, [a.interview.get("case_id") for a in aggregates
                                         if a.changed])
    results: list[ItemResult] = []
    apply: list[tuple[InterviewAggregate, str]] = []
    conflicts: list[dict[str, Any]] = []
    refused: list[tuple[int, InterviewAggregate, str, int | None]] = []
    for aggregate in aggregates:
        now_row = current.get(aggregate.id)
        central_revision = None if now_row is None else now_row.revision
        if not aggregate.changed:
            results.append(_result("interview", aggregate, "unchanged", central_revision))
            continue
        digest = aggregate_hash(aggregate.interview, aggregate.answers)
        outcome, why = _verdict(now_row, aggregate, digest, request.device_id)
        if (not staff and now_row is not None and outcome != "duplicate"
                and now_row.interviewer_id != request.user_id):
            outcome, why = "conflict", "the interview is held by another interviewer on " \
                                       "central; the device's version is kept beside it"
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
            refused.append((len(results), aggregate, digest, central_revision))
        results.append(_result("interview", aggregate, outcome, central_revision, why))
    settled = _settled(connection, refused)
    for index, aggregate, digest, central_revision in refused:
        if (aggregate.id, aggregate.revision, digest) in settled:
            results[index] = _result("interview", aggregate, "duplicate", central_revision)
            conflicts = [c for c in conflicts if c["entity_id"] != aggregate.id]
    _write_interviews(connection, apply, request.device_id, known=set(current))
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


def _settled(connection: Connection,
             refused: list[tuple[int, InterviewAggregate, str, int | None]]
             ) -> set[tuple[uuid.UUID, int, str]]:
    """The refused versions a supervisor has already settled (ReviewService
    .resolve_conflict): the same interview, revision and content as a resolved conflict.
    A resend of one is acknowledged as a duplicate, so the device stops holding it
    pending and takes central's version at its next pull."""
    if not refused:
        return set()
    table = table_of(SyncConflict)
    rows = connection.execute(select(table.c.entity_id, table.c.device_payload).where(
        table.c.entity_id.in_({a.id for _, a, _, _ in refused}),
        table.c.resolved_at.is_not(None)))
    settled = set()
    for entity_id, payload in rows:
        answers = [[a.get(c) for c in ANSWER_COLUMNS] for a in payload.get("answers", [])]
        digest = aggregate_hash(payload.get("interview", {}), answers)
        settled.add((uuid.UUID(str(entity_id)), int(payload.get("revision", -1)), digest))
    return settled


def take_version(connection: Connection, payload: Row, device: str,
                 holder: uuid.UUID) -> None:
    """Make a device's version kept in a conflict (its `device_payload`) central's, as a
    supervisor chose: its answers and status, at the device's revision and content hash,
    so that the device's resend of it is a duplicate. Who holds the interview stays
    central's say (`holder`): a reassigned case keeps its new interviewer."""
    answers = [[a.get(c) for c in ANSWER_COLUMNS] for a in payload.get("answers", [])]
    interview = dict(payload.get("interview", {}))
    digest = aggregate_hash(interview, answers)  # what the device holds and resends
    aggregate = InterviewAggregate(
        id=uuid.UUID(str(payload["id"])), revision=int(payload["revision"]),
        base_revision=int(payload.get("base_revision", 0)), changed=True,
        interview={**interview, "interviewer_id": str(holder)}, answers=answers)
    _write_interviews(connection, [(aggregate, digest)], device, known={aggregate.id})


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
        "device_payload": aggregate_payload(aggregate),
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
                      device: str, known: set[uuid.UUID]) -> None:
    """Write the applied aggregates: interview rows, then all their answers (an answer id
    stays with its interview: a row of another interview is never taken over). `known`:
    the interviews central held when the verdicts were given.

    Answers are unique by (interview_id, path) as well as by id. A version may bring, at
    a path central already holds, an answer under another id (two devices of one user
    each answered the question). Such an answer updates central's row at that path and
    central's row id is kept (the device's id is dropped): ids already pulled by other
    devices stay valid, and a device replaces its answers wholesale when it pulls the
    interview, so it takes central's id then. Their answer sheets are rewritten from
    the rows written (storage.sheets: what an export reads)."""
    if not apply:
        return
    interviews, answers = table_of(Interview), table_of(Answer)
    columns = {c.name for c in interviews.columns}
    width = len(ANSWER_COLUMNS)
    rows: dict[uuid.UUID, Row] = {}
    for aggregate, digest in apply:
        row = dict(aggregate.interview, id=str(aggregate.id), revision=aggregate.revision,
                   synced_revision=aggregate.revision, origin_device=device, sync_hash=digest)
        if not row.keys() <= columns:
            raise ValueError(f"interviews has no column {', '.join(sorted(row.keys() - columns))}")
        if any(len(answer) != width for answer in aggregate.answers):
            raise ValueError(f"an answer of {aggregate.id} does not have the columns "
                             f"{', '.join(ANSWER_COLUMNS)}")
        rows[aggregate.id] = row
    if connection.dialect.name == "postgresql":
        new = [a for a, _ in apply if a.id not in known]
        old = [a for a, _ in apply if a.id in known]
        if new:
            try:  # most of a push: interviews central has never seen, plain inserts
                with connection.begin_nested():
                    _pg_write(connection, rows, new, upsert=False)
            except IntegrityError:  # another device's push got there first: upsert
                old += new
        _pg_write(connection, rows, old, upsert=True)
        write_sheets(connection, [a.id for a in old])  # the new ones': with their answers
        return
    _upsert(connection, interviews, [decode(interviews, r) for r in rows.values()])
    answer_columns = (*ANSWER_COLUMNS, "interview_id")
    answer_rows = []
    held = _answer_ids_by_path(connection, [a.id for a, _ in apply if a.id in known])
    for aggregate, _ in apply:
        for answer in aggregate.answers:
            values = decode(answers, dict(zip(answer_columns, (*answer, str(aggregate.id)),
                                              strict=True)))
            values["synced_revision"] = values["revision"]
            values["id"] = held.get((aggregate.id, values["path"]), values["id"])
            answer_rows.append(values)
    if answer_rows:
        _upsert(connection, answers, answer_rows, where=text(_SAME_INTERVIEW))
    write_sheets(connection, list(rows))


def _answer_ids_by_path(connection: Connection,
                        ids: list[uuid.UUID]) -> dict[tuple[uuid.UUID, str], uuid.UUID]:
    """Central's answer ids of these interviews, by (interview, path)."""
    if not ids:
        return {}
    table = table_of(Answer)
    return {(r.interview_id, r.path): r.id for r in connection.execute(
        select(table.c.id, table.c.interview_id, table.c.path).where(
            table.c.interview_id.in_(ids)))}


def _pg_write(connection: Connection, rows: dict[uuid.UUID, Row],
              aggregates: list[InterviewAggregate], upsert: bool) -> None:
    """PostgreSQL: the rows go as they came, one JSON text a table, and the server
    unpacks and casts them (no per-row work here: this is the bulk of a push). New
    interviews' answer sheets are made by the same statement, from the rows it inserts."""
    if not aggregates:
        return
    connection.exec_driver_sql(_PG_INTERVIEWS[upsert], {"rows": json.dumps(
        [rows[a.id] for a in aggregates])})
    with_answers = [[str(a.id), a.answers] for a in aggregates if a.answers]
    if with_answers:
        connection.exec_driver_sql(_PG_ANSWERS[upsert], {"rows": json.dumps(with_answers)})


_SAME_INTERVIEW = "answers.interview_id = EXCLUDED.interview_id"


def _pg_insert(table: Table, columns: list[str], select_list: str, source: str,
               upsert: bool, where: str | None = None) -> str:
    statement = (f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT {select_list} "
                 f"FROM {source}")
    if not upsert:
        return statement
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != "id")
    return (f"{statement} ON CONFLICT (id) DO UPDATE SET {updates}"
            + (f" WHERE {where}" if where else ""))


def _pg_statements(upsert: bool) -> tuple[str, str]:
    interviews = table_of(Interview)
    names = [c.name for c in interviews.columns]
    for_interviews = _pg_insert(
        interviews, names, ", ".join(names),
        "jsonb_populate_recordset(NULL::interviews, %(rows)s::jsonb)", upsert)
    casts = {"id": "uuid", "answered_at": "timestamptz", "revision": "integer"}
    picked = [f"(e->>{n})::{casts[c]}" if c in casts else f"e->>{n}"
              for n, c in enumerate(ANSWER_COLUMNS)]
    revision = picked[ANSWER_COLUMNS.index("revision")]
    if upsert:  # at a path central holds, central's row id is kept (see _write_interviews)
        picked[0] = (f"COALESCE((SELECT held.id FROM answers AS held WHERE "
                     f"held.interview_id = (a->>0)::uuid AND held.path = "
                     f"{picked[ANSWER_COLUMNS.index('path')]}), {picked[0]})")
    for_answers = _pg_insert(
        table_of(Answer), [*ANSWER_COLUMNS, "interview_id", "synced_revision"],
        ", ".join([*picked, "(a->>0)::uuid", revision]),
        "jsonb_array_elements(%(rows)s::jsonb) AS a, jsonb_array_elements(a->1) AS e",
        upsert, _SAME_INTERVIEW)
    if not upsert:  # new interviews: their answer sheets from the rows just inserted
        for_answers = (f"WITH written AS ({for_answers} RETURNING interview_id, question, "
                       f"path, value, special) "
                       + postgresql_sheets("written").replace("%", "%%"))
    return for_interviews, for_answers


# by upsert: False (rows central has never seen), True
_PG_INTERVIEWS, _PG_ANSWERS = (dict(zip((False, True), pair, strict=True)) for pair in zip(
    _pg_statements(False), _pg_statements(True), strict=True))


def _upsert(connection: Connection, table: Table, rows: list[dict[str, Any]],
            newer_only: bool = False, where: Any = None) -> None:
    statement = insert_for(connection, table)
    columns = [c.name for c in table.columns if c.name != "id"]
    if newer_only:
        where = table.c.revision < statement.excluded.revision
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


def _held(connection: Connection, table: Table, rows: list[Row]) -> dict[str, Row]:
    """Central's copies of the pushed rows, by id, encoded as the device sends them."""
    return {str(r.id): encode(table, r) for r in connection.execute(
        select(table).where(table.c.id.in_([uuid.UUID(r["id"]) for r in rows])))}


def _apply_versioned(connection: Connection, table: Table, entity: str, rows: list[Row],
                     request: PushRequest, now: datetime) -> list[ItemResult]:
    """Rows one device owns and may change (call attempts): by id and revision."""
    if not rows:
        return []
    existing = _held(connection, table, rows)
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
    existing = _held(connection, table, rows)
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
    get higher numbers (see changes.py), so nothing below the watermark is missed. A
    pull only reads."""
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
    held = {uuid.UUID(a["case_id"]) for a in assignments
            if a["active"] and a["interviewer_id"] == str(user)}
    aggregates = whole_interviews(connection, _concerning(connection, user, held,
                                                          wanted.get("interview", set())))
    pulled_cases = {uuid.UUID(a.interview["case_id"]) for a in aggregates
                    if a.interview["case_id"]}
    case_ids = set(wanted.get("case", set())) | pulled_cases | {
        uuid.UUID(a["case_id"]) for a in assignments if a["active"]}
    mine = None if staff else or_(Case.id.in_(
        select(Assignment.case_id).where(Assignment.interviewer_id == user,
                                         Assignment.active.is_(True))),
        Case.id.in_(pulled_cases))
    cases = _rows(connection, table_of(Case), case_ids, mine)
    survey_ids = set(wanted.get("survey", set())) | {
        uuid.UUID(c["survey_id"]) for c in cases} | {
        uuid.UUID(a.interview["survey_id"]) for a in aggregates}
    surveys = _rows(connection, table_of(Survey), survey_ids - set(request.known_surveys))
    version_ids = set(wanted.get("questionnaire_version", set())) | {
        uuid.UUID(s["questionnaire_version_id"]) for s in surveys} | {
        uuid.UUID(a.interview["questionnaire_version_id"]) for a in aggregates}
    versions = _rows(connection, table_of(QuestionnaireVersion),
                     version_ids - set(request.known_versions))
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
                          (versions, ("published_by",)), (remarks, ("author_id",)),
                          ([a.interview for a in aggregates], ("interviewer_id",)),
                          ([r for a in aggregates for r in a.remarks], ("author_id",))):
        referenced |= {uuid.UUID(r[c]) for r in rows for c in columns if r[c]}
    users = _users(connection, referenced, user)
    response.rows = {"users": users, "questionnaire_versions": versions, "surveys": surveys,
                     "cases": cases, "assignments": assignments, "remarks": remarks}
    response.decisions = decisions
    response.interviews = aggregates


def hand_over(connection: Connection, case_ids: set[uuid.UUID], to_user: uuid.UUID) -> int:
    """The interviews on these cases, now held by `to_user`, move to them with the case
    (as in Survey Solutions, the interview follows its assignment): the new interviewer
    continues the same interview. An approved interview stays its interviewer's. The move
    is a revision written by central, so the previous interviewer's device, if it still
    sends a version based on an older one, gets a conflict (kept), never an overwrite.
    Idempotent: an interview already `to_user`'s is left alone."""
    if not case_ids:
        return 0
    table = table_of(Interview)
    moved = connection.execute(update(table).where(
        table.c.case_id.in_(case_ids), table.c.interviewer_id != to_user,
        table.c.status != "approved").values(
        interviewer_id=to_user, revision=table.c.revision + 1,
        synced_revision=table.c.revision + 1, origin_device=CENTRAL, sync_hash=None))
    return int(moved.rowcount or 0)


def _concerning(connection: Connection, user: uuid.UUID, held: set[uuid.UUID],
                changed: set[uuid.UUID]) -> list[uuid.UUID]:
    """Interviews a device of `user` gets whole: every interview on a case just given to
    them (to continue it, or to know it is done), and their interviews central changed
    (rejected back to them, or a conflict settled by a supervisor). An approval travels
    as a decision only."""
    table = table_of(Interview)
    conditions: list[ColumnElement[bool]] = []
    if held:
        conditions.append(table.c.case_id.in_(held))
    if changed:
        conditions.append(and_(table.c.id.in_(changed), table.c.interviewer_id == user,
                               table.c.status != "approved"))
    if not conditions:
        return []
    return sorted(connection.scalars(select(table.c.id).where(or_(*conditions))))


def whole_interviews(connection: Connection, ids: list[uuid.UUID]) -> list[InterviewAggregate]:
    """Interviews as central holds them: the row, all answers, paradata and remarks."""
    if not ids:
        return []
    interviews, paradata, remarks = table_of(Interview), table_of(ParadataEvent), \
        table_of(Remark)
    answers = answer_lists(connection, ids)
    parts: dict[Any, dict[str, list[Row]]] = {i: {"paradata": [], "remarks": []}
                                              for i in ids}
    for key, table in (("paradata", paradata), ("remarks", remarks)):
        for row in connection.execute(select(table).where(table.c.interview_id.in_(ids))):
            parts[row.interview_id][key].append(encode(table, row))
    return [InterviewAggregate(
        id=row.id, revision=row.revision, base_revision=row.revision, changed=False,
        interview=encode(interviews, row), answers=answers[row.id],
        paradata=parts[row.id]["paradata"], remarks=parts[row.id]["remarks"])
        for row in connection.execute(select(interviews).where(interviews.c.id.in_(ids))
                                      .order_by(interviews.c.id))]


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


__all__ = ["CENTRAL", "Refused", "apply_push", "hand_over", "handle", "insert_for",
           "serve_pull", "take_version", "whole_interviews"]
