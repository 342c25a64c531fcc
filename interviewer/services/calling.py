"""Calling (CATI): the shared case queue on the central database (DESIGN.md 6).

"Next case" leases one case to one workstation in one short transaction: candidates are
read in queue order and locked with `FOR UPDATE SKIP LOCKED` on PostgreSQL (on SQLite the
engine's `BEGIN IMMEDIATE` serializes claimers), checked against the calling rules, and
the first good one gets a lease token. Every later write on the case (heartbeat, outcome,
release) is an UPDATE guarded by that token and the lease's expiry: a lease that ran out,
or a token that is not this workstation's, writes nothing and raises LeaseLost.

Leases, due times and calling hours follow one clock: the central database's own (on
PostgreSQL, its transaction time, read by the statements that need it), so that a
workstation whose clock is off neither hands out nor keeps a case by mistake. A clock
passed in explicitly (tests, the bench) is used instead; an SQLite central is a file on
this computer, so its time is this computer's.

The outcome of a call is written to central and then to the local store; the interview
itself runs on the local store as in CAPI. Logs name ids only, never names or numbers.
"""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from pydantic import BaseModel, ConfigDict
from sqlalchemy import (
    Connection,
    Table,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    update,
)

from interviewer.fieldwork.dispositions import BREAK_OFF, DO_NOT_CALL, OUTCOMES, category_of
from interviewer.fieldwork.scheduling import (
    CallingRules,
    CaseState,
    Decision,
    after_outcome,
    callable_now,
    next_opening,
    queue_key,
    reserved_for_other,
    within_hours,
    zone_of,
)
from interviewer.services.common import (
    Clock,
    CurrentUser,
    NotFound,
    Role,
    ServiceError,
    require_role,
    utc_clock,
)
from interviewer.services.interviewing import InterviewingService
from interviewer.services.questionnaires import FormCache
from interviewer.storage.db import Database, StorageError
from interviewer.storage.ids import uuid7
from interviewer.storage.models import (
    Assignment,
    CallAttempt,
    Case,
    DoNotCall,
    Interview,
    QuestionnaireVersion,
    Survey,
    User,
)

log = logging.getLogger(__name__)  # ids only: never names or phone numbers

CASES = cast(Table, Case.__table__)
ATTEMPTS = cast(Table, CallAttempt.__table__)
SURVEYS = cast(Table, Survey.__table__)
USERS = cast(Table, User.__table__)
VERSIONS = cast(Table, QuestionnaireVersion.__table__)
# how many candidates one claim locks and looks at; more only costs time under contention
BATCH = 8
ROUNDS = 4  # batches tried before a claim gives up (the rest stay for the next claim)
ON_SHIFT_WINDOW = timedelta(minutes=15)
SURVEY_TTL = 30.0  # seconds a workstation keeps a survey's calling rules
CLAIMERS: tuple[Role, ...] = ("interviewer", "supervisor", "admin")
# the disposition of a case closed past max_attempts with no call on record
UNKNOWN_OTHER = "3.90"


class LeaseLost(ServiceError):
    """The lease ran out or is not ours: nothing was written."""

    def __init__(self) -> None:
        super().__init__("This case was handed back to the queue: its time ran out or another "
                         "workstation holds it now. Nothing was saved for it here; take the "
                         "next case.")


class OutcomeSavedCentrally(LeaseLost):
    """The outcome is on central (the case is done and its lease over), but this
    computer's copy of it could not be written. A LeaseLost, so that the screen lets go of
    the case; only the message differs."""

    def __init__(self, reason: str) -> None:
        ServiceError.__init__(self, "Saved on the central database; this computer's copy "
                              f"could not be written: {reason} The case is done: take the "
                              "next case.")


class Lease(BaseModel):
    model_config = ConfigDict(frozen=True)
    token: str
    case_id: uuid.UUID
    survey_id: uuid.UUID
    expires_at: datetime


class CallRecord(BaseModel):
    at: datetime
    interviewer: str
    outcome: str
    outcome_label: str
    disposition: str
    note: str
    appointment_at: datetime | None


class CaseCard(BaseModel):
    case_id: uuid.UUID
    survey_id: uuid.UUID
    survey_name: str
    external_id: str
    respondent_name: str
    phone: str | None
    phones: list[str]
    timezone: str
    local_time: datetime  # now, in the respondent's zone
    attempts: int
    max_attempts: int
    appointment_at: datetime | None
    appointment_hard: bool
    preload: dict[str, Any]
    history: list[CallRecord]


class OutcomeResult(BaseModel):
    disposition: str
    final: bool
    next_call_at: datetime | None
    appointment_at: datetime | None


class CatiSurvey(BaseModel):
    id: uuid.UUID
    name: str
    waiting: int  # cases callable now
    open: int  # cases not closed yet


# the columns the queue rules read; contact data stays out of the claim
_QUEUE_COLUMNS = (CASES.c.id, CASES.c.timezone, CASES.c.attempts, CASES.c.next_call_at,
                  CASES.c.appointment_at, CASES.c.appointment_hard, CASES.c.appointment_by,
                  CASES.c.final_disposition, CASES.c.do_not_call, CASES.c.priority)
_CLEARED_LEASE = {"lease_token": None, "lease_holder": None, "lease_user_id": None,
                  "lease_expires_at": None}


def _open(survey_id: Any, now: Any) -> list[Any]:
    """Still to call, due and not leased: the WHERE of every queue read."""
    return [CASES.c.survey_id == survey_id, CASES.c.final_disposition.is_(None),
            not_(CASES.c.do_not_call),
            or_(CASES.c.next_call_at.is_(None), CASES.c.next_call_at <= now),
            or_(CASES.c.lease_expires_at.is_(None), CASES.c.lease_expires_at < now)]


class _Statements:
    """The claim's statements, built once so that each claim only binds values. With
    `central_time` they compare with the database's now() and return it as `db_now`,
    instead of binding the workstation's time: one clock for every workstation, at no
    extra round trip."""

    def __init__(self, central_time: bool) -> None:
        now = func.now() if central_time else bindparam("now")
        columns = (*_QUEUE_COLUMNS, func.now().label("db_now")) if central_time \
            else _QUEUE_COLUMNS
        where = _open(bindparam("s"), now)
        mine = case((and_(CASES.c.appointment_hard, CASES.c.appointment_by == bindparam("me")),
                     0), else_=1)
        self.survey = select(SURVEYS.c.name, SURVEYS.c.mode, SURVEYS.c.settings).where(
            SURVEYS.c.id == bindparam("s"))
        self.appointments = (select(*columns)
                             .where(*where, CASES.c.appointment_at.is_not(None))
                             .order_by(mine, CASES.c.appointment_at)
                             .limit(BATCH).with_for_update(skip_locked=True))
        # NULLS LAST as the index ix_cases_callable keeps it on PostgreSQL (SQLite would put
        # NULL first): a case never scheduled waits behind due ones of its rank
        self.queue = (select(*columns).where(*where)
                      .order_by(CASES.c.priority.desc(), CASES.c.attempts,
                                CASES.c.next_call_at.nulls_last(), CASES.c.id)
                      .limit(BATCH).with_for_update(skip_locked=True))
        self.lease = (update(CASES).where(CASES.c.id == bindparam("c"))
                      .values(lease_token=bindparam("tok"), lease_holder=bindparam("holder"),
                              lease_user_id=bindparam("uid"),
                              lease_expires_at=bindparam("exp"))
                      .returning(*CASES.c))


_Q = _Statements(central_time=False)
_QC = _Statements(central_time=True)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _leased(lease: Lease, user: CurrentUser, now: Any) -> Any:
    return and_(CASES.c.id == lease.case_id, CASES.c.lease_token == lease.token,
                CASES.c.lease_user_id == user.id, CASES.c.lease_expires_at > now)


class _OnShift:
    """Who is on shift, asked per user only when a reserved appointment needs it: an
    unexpired lease, or a call in the last 15 minutes."""

    def __init__(self, connection: Connection, now: datetime, me: uuid.UUID) -> None:
        self._connection = connection
        self._now = now
        self._known: dict[object, bool] = {me: True}

    def __contains__(self, user_id: object) -> bool:
        if user_id not in self._known:
            self._known[user_id] = bool(self._connection.scalar(select(or_(
                exists().where(CASES.c.lease_user_id == user_id,
                               CASES.c.lease_expires_at > self._now),
                exists().where(ATTEMPTS.c.interviewer_id == user_id,
                               ATTEMPTS.c.started_at > self._now - ON_SHIFT_WINDOW)))))
        return self._known[user_id]


class CallingService:
    def __init__(self, central: Database, local: Database, user: CurrentUser, *,
                 clock: Clock = utc_clock, device_id: str, lease_seconds: int = 300) -> None:
        self.central = central
        self.local = local
        self.user = user
        self.clock = clock
        self.device_id = device_id
        self.lease_seconds = lease_seconds
        # no clock given: the central database's time (on an SQLite central, this
        # computer's anyway); a clock given (tests, the bench) is used as it is
        self._central_time = clock is utc_clock and \
            central.engine.dialect.name == "postgresql"
        self._surveys: dict[uuid.UUID, tuple[float, str, CallingRules]] = {}

    def _sql_now(self) -> Any:
        """`now` for a statement: central's now() or the given clock's time."""
        return func.now() if self._central_time else self.clock()

    def _now(self, connection: Connection) -> datetime:
        """`now` in Python: read from central (one round trip) or the given clock."""
        if self._central_time:
            return _utc(cast(datetime, connection.scalar(select(func.now()))))
        return self.clock()

    # -- the queue --
    def surveys(self) -> list[CatiSurvey]:
        """The CATI surveys on central, with how many cases wait to be called now."""
        require_role(self.user, *CLAIMERS)
        result = []
        with self.central.transaction() as connection:
            now = self._now(connection)
            rows = connection.execute(select(SURVEYS.c.id, SURVEYS.c.name, SURVEYS.c.settings)
                                      .where(SURVEYS.c.mode == "cati")
                                      .order_by(SURVEYS.c.name)).all()
            for survey_id, name, settings in rows:
                rules = _rules(settings)
                waiting = 0
                for zone, count in connection.execute(
                        select(CASES.c.timezone, func.count()).where(*_open(survey_id, now))
                        .group_by(CASES.c.timezone)):
                    if within_hours(now, _zone(zone, rules), rules):
                        waiting += count
                open_count = connection.scalar(select(func.count()).where(
                    CASES.c.survey_id == survey_id, CASES.c.final_disposition.is_(None),
                    not_(CASES.c.do_not_call))) or 0
                result.append(CatiSurvey(id=survey_id, name=name, waiting=waiting,
                                         open=open_count))
        return result

    def next_case(self, survey_id: uuid.UUID) -> tuple[Lease, CaseCard] | None:
        """Lease the next case to call, or None when nothing is callable now."""
        require_role(self.user, *CLAIMERS)
        with self.central.transaction() as connection:
            name, rules = self._survey(connection, survey_id)
            claimed = self._claim(connection, survey_id, rules,
                                  None if self._central_time else self.clock())
            if claimed is None:
                return None
            case_id, now = claimed
            lease = Lease(token=secrets.token_hex(16), case_id=case_id, survey_id=survey_id,
                          expires_at=now + timedelta(seconds=self.lease_seconds))
            row = connection.execute(_Q.lease, {
                "c": case_id, "tok": lease.token, "holder": self.device_id,
                "uid": self.user.id, "exp": lease.expires_at}).one()
            card = _card(connection, row, name, rules, now)
        log.info("case %s leased to user %s on %s", case_id, self.user.id, self.device_id)
        return lease, card

    def _survey(self, connection: Connection,
                survey_id: uuid.UUID) -> tuple[str, CallingRules]:
        """The survey's name and calling rules, read again after SURVEY_TTL seconds."""
        cached = self._surveys.get(survey_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1], cached[2]
        survey = connection.execute(_Q.survey, {"s": survey_id}).first()
        if survey is None or survey.mode != "cati":
            raise NotFound("There is no such telephone survey.")
        rules = _rules(survey.settings)
        self._surveys[survey_id] = (time.monotonic() + SURVEY_TTL, survey.name, rules)
        return survey.name, rules

    def _claim(self, connection: Connection, survey_id: uuid.UUID, rules: CallingRules,
               now: datetime | None) -> tuple[uuid.UUID, datetime] | None:
        """The best callable case among the first few of the queue, locked by this
        transaction; cases outside calling hours are moved to their next opening.
        Appointments are read first (hard ones of mine before the rest), then the queue
        by priority, fewest attempts and the longest wait: two reads, so that each is
        served in order by an index instead of sorting every open case. `now` None: the
        database's time, which the first read returns with its rows (it stays the same for
        the whole transaction); the case and that time are returned."""
        statements = _Q if now is not None else _QC
        on_shift: _OnShift | None = None
        passed: list[uuid.UUID] = []  # reserved for someone else: look past them
        params: dict[str, Any] = {"s": survey_id, "me": self.user.id}
        if now is not None:
            params["now"] = now
        for query in (statements.appointments, statements.queue):
            for _ in range(ROUNDS):
                batch = query if not passed else query.where(CASES.c.id.not_in(passed))
                rows = connection.execute(batch, params).all()
                if not rows:
                    break
                if now is None:
                    now = _utc(rows[0].db_now)
                if on_shift is None:
                    on_shift = _OnShift(connection, now, self.user.id)
                chosen = self._pick(connection, survey_id, rows, rules, now, on_shift, passed)
                if chosen is not None:
                    return chosen, now
        return None

    def _pick(self, connection: Connection, survey_id: uuid.UUID, rows: Sequence[Any],
              rules: CallingRules, now: datetime, on_shift: _OnShift,
              passed: list[uuid.UUID]) -> uuid.UUID | None:
        times = _attempt_times(connection, [r.id for r in rows if r.attempts])
        states: dict[uuid.UUID, CaseState] = {
            r.id: _state(r, times.get(r.id, ())) for r in rows}
        ranked = sorted(states, key=lambda i: queue_key(_ranked_as(states[i], now), now,
                                                         self.user.id, on_shift))
        closed_zones: set[str] = set()
        closed_over_max = False
        for case_id in ranked:
            state = states[case_id]
            zone = _zone(state.timezone, rules)
            if zone in closed_zones:
                continue
            if state.appointment_at is None and state.attempts >= rules.max_attempts:
                if not closed_over_max:  # max_attempts was lowered below its attempts
                    self._close_over_max(connection, survey_id, rules, now)
                    closed_over_max = True
                continue
            if reserved_for_other(state, now, self.user.id, on_shift, rules):
                passed.append(case_id)
                continue
            if callable_now(state, rules, now):
                return case_id
            if not within_hours(now, zone, rules):
                closed_zones.add(zone)
                self._until_opening(connection, survey_id, state.timezone, zone, rules, now)
            else:
                passed.append(case_id)  # held back by another rule; its time will come
        return None

    def _until_opening(self, connection: Connection, survey_id: uuid.UUID,
                       timezone: str | None, zone: str, rules: CallingRules,
                       now: datetime) -> None:
        """Every due case of a zone where it is outside calling hours moves to the next
        opening at once, so that claims do not read them again one batch at a time.
        Appointments keep their time; rows other claimers hold are skipped, not waited on."""
        same_zone = (CASES.c.timezone.is_(None) if timezone is None
                     else CASES.c.timezone == timezone)
        ids = (select(CASES.c.id).where(*_open(survey_id, now), same_zone,
                                        CASES.c.appointment_at.is_(None))
               .with_for_update(skip_locked=True).scalar_subquery())
        moved = connection.execute(update(CASES).where(CASES.c.id.in_(ids)).values(
            next_call_at=next_opening(now, zone, rules)))
        log.info("%s cases of survey %s wait for calling hours in %s", moved.rowcount,
                 survey_id, zone)

    def _close_over_max(self, connection: Connection, survey_id: uuid.UUID,
                        rules: CallingRules, now: datetime) -> None:
        """Close at once every due case of the survey already past max_attempts (it was
        lowered during fieldwork), with its last call's disposition, as its last attempt
        would have; appointments stay (the respondent asked). Rows other claimers hold are
        skipped, not waited on."""
        ids = (select(CASES.c.id).where(*_open(survey_id, now),
                                        CASES.c.appointment_at.is_(None),
                                        CASES.c.attempts >= rules.max_attempts)
               .with_for_update(skip_locked=True).scalar_subquery())
        last = (select(ATTEMPTS.c.disposition).where(ATTEMPTS.c.case_id == CASES.c.id)
                .order_by(ATTEMPTS.c.started_at.desc()).limit(1).scalar_subquery())
        closed = connection.execute(update(CASES).where(CASES.c.id.in_(ids)).values(
            final_disposition=func.coalesce(last, literal(UNKNOWN_OTHER)), status="closed",
            next_call_at=None, revision=CASES.c.revision + 1))
        log.info("%s cases of survey %s closed: past max attempts (%d)", closed.rowcount,
                 survey_id, rules.max_attempts)

    # -- one leased case --
    def card(self, lease: Lease) -> CaseCard:
        with self.central.transaction() as connection:
            now = self._now(connection)
            if connection.scalar(select(CASES.c.id).where(_leased(lease, self.user, now))) \
                    is None:
                raise LeaseLost()
            name, rules = self._survey(connection, lease.survey_id)
            row = connection.execute(select(CASES).where(CASES.c.id == lease.case_id)).one()
            return _card(connection, row, name, rules, now)

    def heartbeat(self, lease: Lease) -> Lease:
        """The lease renewed for another lease period; LeaseLost when it ran out or is
        not ours."""
        now = self._sql_now()
        with self.central.transaction() as connection:
            expires = connection.scalar(
                update(CASES).where(_leased(lease, self.user, now))
                .values(lease_expires_at=now + timedelta(seconds=self.lease_seconds))
                .returning(CASES.c.lease_expires_at))
            if expires is None:
                raise LeaseLost()
        return lease.model_copy(update={"expires_at": expires})

    def release(self, lease: Lease) -> None:
        """Hand the case back to the queue without a call attempt."""
        now = self._sql_now()
        with self.central.transaction() as connection:
            released = connection.execute(update(CASES).where(_leased(lease, self.user, now))
                                          .values(**_CLEARED_LEASE))
            if released.rowcount == 0:
                raise LeaseLost()
        log.info("case %s released by user %s", lease.case_id, self.user.id)

    def record_outcome(self, lease: Lease, outcome: str, *,
                       appointment_at: datetime | None = None, hard: bool = False,
                       note: str = "", interview_id: uuid.UUID | None = None,
                       answered_share: float | None = None) -> OutcomeResult:
        """The call's outcome and the case's next state, written to central under the
        lease (which ends), then to the local store. When the local store fails after
        central took the outcome, OutcomeSavedCentrally (the case is done all the same)."""
        if outcome not in OUTCOMES:
            raise ServiceError(f"'{outcome}' is not a call outcome.")
        if appointment_at is not None and appointment_at.tzinfo is None:
            raise ServiceError("An appointment needs a time with its time zone.")
        sql_now = self._sql_now()
        columns = (*_QUEUE_COLUMNS, CASES.c.phone, CASES.c.phones, CASES.c.survey_id)
        with self.central.transaction() as connection:
            if outcome == DO_NOT_CALL:
                # before the case's row: a list import holds this lock and then flags cases
                _lock_do_not_call(connection)
            row = connection.execute(
                select(*columns, *((func.now().label("db_now"),) if self._central_time
                                   else ()))
                .where(_leased(lease, self.user, sql_now)).with_for_update()).first()
            if row is None:
                raise LeaseLost()
            now = _utc(row.db_now) if self._central_time else cast(datetime, sql_now)
            survey = connection.execute(select(SURVEYS).where(
                SURVEYS.c.id == row.survey_id)).one()
            times = _attempt_times(connection, [row.id]).get(row.id, ())
            try:
                decision = after_outcome(
                    _state(row, times), outcome, now, _rules(survey.settings),
                    appointment_at=appointment_at, hard=hard,
                    booked_by=self.user.id if appointment_at is not None else None,
                    answered_share=answered_share)
            except ValueError as e:  # an appointment in the past, a share beyond 0..1
                raise ServiceError(f"The outcome was not saved: {e}.") from e
            central_interview = interview_id if interview_id is not None and \
                connection.scalar(select(Interview.id).where(Interview.id == interview_id)) \
                else None
            attempt = _attempt_values(row, self.user.id, outcome, decision, note, now,
                                      self.device_id)
            connection.execute(insert(ATTEMPTS).values(**attempt,
                                                       interview_id=central_interview))
            case_row = connection.execute(
                update(CASES).where(_leased(lease, self.user, now))
                .values(**_case_values(decision, outcome), **_CLEARED_LEASE,
                        revision=CASES.c.revision + 1)
                .returning(*CASES.c)).first()
            if case_row is None:  # cannot happen under the row lock; never write half
                raise LeaseLost()
            if decision.add_to_do_not_call:
                _add_do_not_call(connection, _numbers(row), self.user.id, now)
        # the local copy: synced already unless central could not take the interview id
        attempt["synced_revision"] = 1 if interview_id == central_interview else 0
        try:
            self._store_locally(case_row, survey, attempt, interview_id,
                                break_off=outcome == BREAK_OFF)
        except Exception as e:  # central has it: the case is done whatever failed here
            self._local_failure(lease, interview_id, outcome == BREAK_OFF, e)
        log.info("case %s outcome %s (%s) by user %s", lease.case_id, outcome,
                 decision.disposition, self.user.id)
        state = decision.state
        return OutcomeResult(disposition=decision.disposition, final=decision.final,
                             next_call_at=state.next_call_at,
                             appointment_at=state.appointment_at)

    def _local_failure(self, lease: Lease, interview_id: uuid.UUID | None, break_off: bool,
                       error: Exception) -> None:
        """Central committed the outcome but the local store failed: logged (ids only),
        a broken-off interview still suspended if the store lets us, and
        OutcomeSavedCentrally raised."""
        log.warning("case %s: the outcome is saved on central, but the local copy failed "
                    "(%s)", lease.case_id, type(error).__name__)
        if break_off and interview_id is not None:
            try:
                with self.local.transaction() as local:
                    _suspend(local, interview_id)
            except Exception as again:  # the same store, failing again
                log.warning("interview %s could not be suspended (%s)", interview_id,
                            type(again).__name__)
        reason = error.message if isinstance(error, StorageError) else \
            f"{self.local.label} failed unexpectedly ({type(error).__name__})."
        raise OutcomeSavedCentrally(reason) from error

    def start_interview(self, lease: Lease, forms: FormCache) -> uuid.UUID:
        """Start (or return) the interview of the leased case on the local store. The lease
        is renewed on the way: it must still be ours."""
        self.heartbeat(lease)
        with self.central.transaction() as connection:
            case_row = connection.execute(select(CASES).where(
                CASES.c.id == lease.case_id)).one()
            survey = connection.execute(select(SURVEYS).where(
                SURVEYS.c.id == case_row.survey_id)).one()
        self._store_locally(case_row, survey)
        service = InterviewingService(self.local, self.user, forms, clock=self.clock,
                                      device_id=self.device_id)
        return service.start(lease.case_id)

    # -- the local store --
    def _store_locally(self, case_row: Any, survey: Any,
                       attempt: dict[str, Any] | None = None,
                       interview_id: uuid.UUID | None = None, *,
                       break_off: bool = False) -> None:
        """Central's case, survey and questionnaire version copied to the local store with
        the same ids, the case assigned to this interviewer (so the local interview can
        run), and the call attempt when there is one; one local transaction."""
        version_id = survey.questionnaire_version_id
        with self.local.transaction() as local:
            if local.scalar(select(VERSIONS.c.id).where(VERSIONS.c.id == version_id)) is None:
                with self.central.transaction() as connection:  # once per version
                    version = connection.execute(select(VERSIONS).where(
                        VERSIONS.c.id == version_id)).one()
                # the publisher need not be known on this device
                local.execute(insert(VERSIONS).values(**{**version._mapping,
                                                         "published_by": None}))
            _upsert_survey(local, dict(survey._mapping))
            _upsert_case(local, dict(case_row._mapping))
            if local.scalar(select(Assignment.id).where(
                    Assignment.case_id == case_row.id,
                    Assignment.interviewer_id == self.user.id,
                    Assignment.active.is_(True))) is None:
                local.execute(insert(cast(Table, Assignment.__table__)).values(
                    id=uuid7(), case_id=case_row.id, interviewer_id=self.user.id,
                    assigned_by=None, assigned_at=self.clock(), active=True, revision=1,
                    synced_revision=1, origin_device=self.device_id))
            if attempt is not None:
                _attempt_locally(local, attempt, interview_id, break_off=break_off)


def _attempt_locally(local: Connection, attempt: dict[str, Any],
                     interview_id: uuid.UUID | None, *, break_off: bool) -> None:
    known = interview_id is not None and local.scalar(
        select(Interview.id).where(Interview.id == interview_id)) is not None
    local.execute(insert(ATTEMPTS).values(**attempt,
                                          interview_id=interview_id if known else None))
    if known and break_off:
        assert interview_id is not None
        _suspend(local, interview_id)


def _suspend(local: Connection, interview_id: uuid.UUID) -> None:
    """The answers stay; the interview can be read, or resumed on a later call."""
    local.execute(update(Interview).where(
        Interview.id == interview_id, Interview.status == "in_progress")
        .values(status="suspended", revision=Interview.revision + 1))


# -- helpers --

def _rules(settings: Mapping[str, Any] | None) -> CallingRules:
    try:
        return CallingRules.from_settings((settings or {}).get("calling") or {})
    except ValueError as e:
        raise ServiceError(f"This survey's calling rules cannot be used ({e}); ask a "
                           "supervisor to correct them.") from e


def _zone(timezone: str | None, rules: CallingRules) -> str:
    """The zone the rules apply for a case (an unknown name falls back to the default)."""
    return zone_of(timezone, rules).key


def _ranked_as(state: CaseState, now: datetime) -> CaseState:
    """The state as the queue ranks it: a case never scheduled (next_call_at NULL) counts
    as due now, behind the due ones of its rank, as the SQL read orders it (NULLS LAST)."""
    if state.next_call_at is None and state.appointment_at is None:
        return replace(state, next_call_at=now)
    return state


def _state(row: Any, attempt_times: Iterable[datetime]) -> CaseState:
    return CaseState(timezone=row.timezone, attempts=row.attempts,
                     next_call_at=row.next_call_at, appointment_at=row.appointment_at,
                     appointment_hard=row.appointment_hard,
                     appointment_by=row.appointment_by,
                     final_disposition=row.final_disposition, do_not_call=row.do_not_call,
                     priority=row.priority, attempt_times=tuple(attempt_times))


def _attempt_times(connection: Connection,
                   case_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[datetime]]:
    times: dict[uuid.UUID, list[datetime]] = {}
    if case_ids:
        for case_id, started in connection.execute(
                select(ATTEMPTS.c.case_id, ATTEMPTS.c.started_at)
                .where(ATTEMPTS.c.case_id.in_(case_ids)).order_by(ATTEMPTS.c.started_at)):
            times.setdefault(case_id, []).append(started)
    return times


def _case_values(decision: Decision, outcome: str) -> dict[str, Any]:
    state = decision.state
    if decision.final:
        status = "completed" if category_of(decision.disposition) == "I" else "closed"
    else:
        status = "appointment" if state.appointment_at is not None else "scheduled"
    return {"attempts": state.attempts, "next_call_at": state.next_call_at,
            "appointment_at": state.appointment_at,
            "appointment_hard": state.appointment_hard,
            "appointment_by": state.appointment_by, "last_outcome": outcome,
            "final_disposition": state.final_disposition if state.final_disposition
            else (decision.disposition if decision.final else None),
            "do_not_call": state.do_not_call, "status": status}


def _attempt_values(row: Any, user_id: uuid.UUID, outcome: str,
                    decision: Decision, note: str, now: datetime,
                    device_id: str) -> dict[str, Any]:
    state = decision.state
    return {"id": uuid7(), "case_id": row.id, "survey_id": row.survey_id,
            "interviewer_id": user_id, "phone": row.phone, "started_at": now,
            "ended_at": now, "outcome": outcome, "disposition": decision.disposition,
            "appointment_at": state.appointment_at if outcome == "callback" else None,
            "appointment_hard": state.appointment_hard if outcome == "callback" else False,
            "note": note, "device_id": device_id, "revision": 1, "synced_revision": 1,
            "origin_device": device_id}


def _numbers(row: Any) -> list[str]:
    """Every number of a case, its first one first."""
    return list(dict.fromkeys([*([row.phone] if row.phone else []), *(row.phones or [])]))


def _lock_do_not_call(connection: Connection) -> None:
    from interviewer.services.sample import lock_do_not_call  # only for this outcome

    lock_do_not_call(connection)


def _add_do_not_call(connection: Connection, numbers: list[str], user_id: uuid.UUID,
                     now: datetime) -> None:
    """Every number of the case on the list (once: a number listed meanwhile by a writer
    that does not take the lock is left as it is), and every case having one of them
    among its numbers flagged, in any survey. The caller holds the do-not-call lock."""
    from interviewer.services.sample import flag_cases  # only for this outcome

    if not numbers:
        return
    dialect = connection.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
    connection.execute(upsert(cast(Table, DoNotCall.__table__)).on_conflict_do_nothing(
        index_elements=["phone"]), [
        {"id": uuid7(), "phone": number, "reason": "asked not to be called",
         "source": "call outcome", "added_at": now, "added_by": user_id}
        for number in numbers])
    flag_cases(connection, set(numbers))


def _card(connection: Connection, row: Any, survey_name: str, rules: CallingRules,
          now: datetime) -> CaseCard:
    history = [
        CallRecord(at=a.started_at, interviewer=a.display_name or a.username,
                   outcome=a.outcome,
                   outcome_label=OUTCOMES[a.outcome].label if a.outcome in OUTCOMES
                   else a.outcome, disposition=a.disposition, note=a.note,
                   appointment_at=a.appointment_at)
        for a in connection.execute(_HISTORY, {"c": row.id})] if row.attempts else []
    zone = zone_of(row.timezone, rules)
    phones = list(row.phones or ([row.phone] if row.phone else []))
    return CaseCard(case_id=row.id, survey_id=row.survey_id, survey_name=survey_name,
                    external_id=row.external_id or "", respondent_name=row.respondent_name,
                    phone=row.phone, phones=phones, timezone=zone.key,
                    local_time=now.astimezone(zone), attempts=row.attempts,
                    max_attempts=rules.max_attempts, appointment_at=row.appointment_at,
                    appointment_hard=row.appointment_hard, preload=dict(row.preload or {}),
                    history=history)


_HISTORY = (select(ATTEMPTS.c.started_at, ATTEMPTS.c.outcome, ATTEMPTS.c.disposition,
                   ATTEMPTS.c.note, ATTEMPTS.c.appointment_at, USERS.c.username,
                   USERS.c.display_name)
            .join(USERS, USERS.c.id == ATTEMPTS.c.interviewer_id)
            .where(ATTEMPTS.c.case_id == bindparam("c")).order_by(ATTEMPTS.c.started_at))


def _local_user(local: Connection, user_id: uuid.UUID | None) -> uuid.UUID | None:
    """A user id the local store can refer to (another interviewer may be unknown here)."""
    if user_id is None:
        return None
    return user_id if local.scalar(select(USERS.c.id).where(USERS.c.id == user_id)) else None


def _upsert_survey(local: Connection, values: dict[str, Any]) -> None:
    table = SURVEYS
    current = local.scalar(select(table.c.revision).where(table.c.id == values["id"]))
    if current is None:
        local.execute(insert(table).values(**values))
    elif current < values["revision"]:
        local.execute(update(table).where(table.c.id == values["id"]).values(**values))


# central owns a CATI case's contact data and queue state; the local status stays
_CENTRAL_CASE_COLUMNS = ("external_id", "respondent_name", "phone", "timezone", "address",
                         "preload", "priority", "phones", "region", "attempts", "next_call_at",
                         "appointment_at", "appointment_hard", "last_outcome",
                         "final_disposition", "do_not_call")


def _upsert_case(local: Connection, values: dict[str, Any]) -> None:
    values = {**values, **_CLEARED_LEASE,
              "appointment_by": _local_user(local, values["appointment_by"])}
    if local.scalar(select(CASES.c.id).where(CASES.c.id == values["id"])) is None:
        local.execute(insert(CASES).values(**values))
    else:
        local.execute(update(CASES).where(CASES.c.id == values["id"]).values(
            **{name: values[name] for name in (*_CENTRAL_CASE_COLUMNS, "appointment_by")}))
