"""Review on central (DESIGN.md 8): the queue of interviews to review, everything about one
interview, and the decisions: approve, reject back to the interviewer with comments on
questions, or hand a case to another interviewer.

Each decision is one central transaction that bumps the interview's revision with central
as its origin (so a device that changed it meanwhile gets a conflict, never an
overwrite), writes an audit entry, and records the change for the interviewers'
devices to pull (sync.changes.record_change).
"""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, and_, case, distinct, func, or_, select, update
from sqlalchemy.orm import Session

from interviewer.fieldwork.dispositions import OUTCOMES
from interviewer.questionnaire.compiled import CompiledForm
from interviewer.questionnaire.engine import Interview as FormInterview
from interviewer.questionnaire.engine import Node
from interviewer.questionnaire.engine import restore as restore_answers
from interviewer.questionnaire.model import MULTI_VALUED
from interviewer.services.audit import audit
from interviewer.services.common import (
    Clock,
    CurrentUser,
    NotFound,
    Role,
    ServiceError,
    aware_utc,
    require_role,
    utc_clock,
)
from interviewer.services.interviewing import form_interview
from interviewer.services.paradata import time_away
from interviewer.services.questionnaires import FormCache
from interviewer.storage.db import Database
from interviewer.storage.models import (
    Answer,
    Assignment,
    AuditEntry,
    CallAttempt,
    Case,
    Interview,
    ParadataEvent,
    Remark,
    Survey,
    SyncConflict,
    User,
)
from interviewer.sync.central_side import CENTRAL, hand_over, take_version
from interviewer.sync.changes import record_change

ReviewStatus = Literal["completed", "approved", "rejected"]
REVIEWED: tuple[ReviewStatus, ...] = ("completed", "approved", "rejected")
STAFF_ROLES: tuple[Role, ...] = ("supervisor", "admin")

# flags of the queue, in plain words
SHORT, MANY_DONT_KNOWS, WARNINGS = "short", "many don't knows", "warnings confirmed"
FLAGS = (SHORT, MANY_DONT_KNOWS, WARNINGS)
SHORT_SHARE = 0.4  # under 40% of the survey's median duration
SHORT_MINUTES = 2.0  # or under two minutes, whatever the median
DONT_KNOW_SHARE = 0.2  # don't know + refused over 20% of the answers
WARNINGS_MANY = 3

# paradata kinds that put the interviewer on a screen (its path), and that leave it
ARRIVALS = frozenset({"enter", "resume", "leave", "back", "jump", "add_instance"})
CLOSINGS = frozenset({"suspend", "complete"})
SPECIAL_TEXT = {"dont_know": "Don't know", "refused": "Refused"}


# -- what the service returns (plain data: the screen never sees the ORM) --

class ReviewFilter(BaseModel):
    """The queue's filters; None means any. Dates are UTC days of completion, inclusive."""

    survey_id: uuid.UUID | None = None
    interviewer_id: uuid.UUID | None = None
    date_from: date | None = None
    date_to: date | None = None
    flag: str | None = None
    status: ReviewStatus | None = "completed"  # None: completed, approved and rejected


class ReviewItem(BaseModel):
    interview_id: uuid.UUID
    case_id: uuid.UUID | None
    case: str  # the case's external id
    survey_id: uuid.UUID
    survey: str
    interviewer_id: uuid.UUID
    interviewer: str
    status: str
    completed_at: datetime | None
    duration_minutes: float | None
    answered: int
    dont_know: int
    refused: int
    warnings_confirmed: int
    remarks: int
    flags: list[str]


class Person(BaseModel):
    id: uuid.UUID
    name: str


class SurveyChoice(BaseModel):
    id: uuid.UUID
    name: str


class RemarkView(BaseModel):
    text: str
    author: str
    by_supervisor: bool
    at: datetime


class ChangeView(BaseModel):
    at: datetime
    kind: str  # answer (first answer) or change
    old: str  # as shown: value labels, or Don't know / Refused
    new: str


class AnswerDetail(BaseModel):
    path: str
    question: str
    type: str
    label: str
    value: str | None  # as stored
    value_text: str  # value labels for selects, else the value
    value_labels: list[str] = []
    special: str | None = None
    relevant: bool = True
    remarks: list[RemarkView] = []
    warnings: list[str] = []  # soft warnings the interviewer confirmed here
    seconds: float | None = None  # on the screen showing it, summed over visits
    changes: list[ChangeView] = []


class CallView(BaseModel):
    at: datetime
    outcome: str
    disposition: str
    interviewer: str
    note: str


class DecisionView(BaseModel):
    at: datetime
    action: str  # approved, rejected, reassign
    by: str
    role: str
    detail: dict[str, Any]


class Difference(BaseModel):
    """One answer where a conflicting device version and central's differ."""

    path: str
    central: str | None  # the value, or the special answer in brackets
    device: str | None


class ConflictView(BaseModel):
    id: uuid.UUID
    interview_id: uuid.UUID
    case: str
    survey: str
    interviewer: str  # whose device sent the version central refused
    holder: str  # who holds the interview on central now
    device_id: str | None
    reason: str
    detected_at: datetime
    resolved: bool
    device_status: str | None
    central_status: str
    differences: list[Difference]


class InterviewDetail(BaseModel):
    interview_id: uuid.UUID
    revision: int  # what the supervisor saw: a decision on a changed interview is refused
    case_id: uuid.UUID | None
    case: str
    survey_id: uuid.UUID
    survey: str
    interviewer_id: uuid.UUID
    interviewer: str
    status: str
    language: str
    started_at: datetime
    completed_at: datetime | None
    duration_minutes: float | None
    answers: list[AnswerDetail]
    general_remarks: list[RemarkView]  # remarks on the whole interview (path "")
    calls: list[CallView]
    decisions: list[DecisionView]


# -- the service --

class ReviewService:
    def __init__(self, central: Database, user: CurrentUser, clock: Clock = utc_clock,
                 forms: FormCache | None = None) -> None:
        self.central = central
        self.user = user
        self.clock = clock
        self.forms = forms or FormCache(central)

    # -- reading --
    def surveys(self) -> list[SurveyChoice]:
        require_role(self.user, *STAFF_ROLES)
        with self.central.unit_of_work() as session:
            rows = session.execute(select(Survey.id, Survey.name).order_by(Survey.name))
            return [SurveyChoice(id=r.id, name=r.name) for r in rows]

    def interviewers(self) -> list[Person]:
        """Active interviewers, for the filter and for reassigning."""
        require_role(self.user, *STAFF_ROLES)
        with self.central.unit_of_work() as session:
            rows = session.scalars(select(User).where(
                User.role == "interviewer", User.active.is_(True)).order_by(User.username))
            return [Person(id=u.id, name=_name(u.display_name, u.username)) for u in rows]

    def queue(self, filters: ReviewFilter | None = None) -> list[ReviewItem]:
        """Interviews to review, oldest completion first, with their counts and flags.
        Two queries whatever the number of interviews: the filtered ones with their
        paradata, answer and remark counts aggregated, and the durations of every
        finished interview of their surveys (for the median a short one is measured by)."""
        require_role(self.user, *STAFF_ROLES)
        filters = filters or ReviewFilter()
        if filters.flag is not None and filters.flag not in FLAGS:
            raise ServiceError(f"Unknown flag '{filters.flag}': one of {', '.join(FLAGS)}.")
        with self.central.unit_of_work() as session:
            rows = session.execute(_queue_query(filters)).all()
            surveys = {r.survey_id for r in rows}
            pauses = _pauses(session, surveys)
            medians = _median_minutes(session, surveys, pauses)
        items = [_item(r, medians.get(r.survey_id), pauses.get(r.id, 0.0)) for r in rows]
        if filters.flag is not None:
            items = [i for i in items if filters.flag in i.flags]
        return items

    def detail(self, interview_id: uuid.UUID) -> InterviewDetail:
        """Everything about one interview: answers in the questionnaire's order with
        their labels, remarks, warnings, time and history; calls and decisions."""
        require_role(self.user, *STAFF_ROLES)
        with self.central.unit_of_work() as session:
            row = self._interview(session, interview_id)
            facts = _facts(session, row)
        form = self.forms.get(row.questionnaire_version_id)
        engine = form_interview(form, row.language)
        return _detail(row, facts, engine)

    # -- decisions --
    def approve(self, interview_id: uuid.UUID, expected_revision: int | None = None) -> None:
        """`expected_revision`: the revision the supervisor saw (InterviewDetail)."""
        require_role(self.user, *STAFF_ROLES)
        with self.central.unit_of_work() as session:
            row = self._interview(session, interview_id, expected_revision)
            if row.status != "completed":
                raise ServiceError(f"Only a completed interview can be approved; this one "
                                   f"is {row.status}.")
            self._decide(session, row, "approved")

    def reject(self, interview_id: uuid.UUID, comment: str,
               question_comments: dict[str, str] | None = None,
               expected_revision: int | None = None) -> None:
        """Back to its interviewer, with a comment (and comments on questions, by path).
        Only a completed interview; an admin may also reject an approved one."""
        require_role(self.user, *STAFF_ROLES)
        if not comment.strip():
            raise ServiceError("Say why the interview is rejected.")
        comments = {p: t.strip() for p, t in (question_comments or {}).items() if t.strip()}
        form = self._form_of(interview_id) if comments else None  # read before: SQLite
        with self.central.unit_of_work() as session:
            row = self._interview(session, interview_id, expected_revision)
            allowed = ("completed", "approved") if self.user.role == "admin" \
                else ("completed",)
            if row.status not in allowed:
                raise ServiceError(f"Only a completed interview can be rejected; this one "
                                   f"is {row.status}.")
            if form is not None:
                self._check_comment_paths(session, row, form, set(comments))
            now = self._after_earlier_remarks(session, row.id, self.clock())
            for path, text in {"": comment.strip(), **comments}.items():
                remark = Remark(interview_id=row.id, path=path, text=text,
                                author_id=self.user.id, created_at=now,
                                origin_device=CENTRAL)
                session.add(remark)
                session.flush()
                record_change(session, "remark", remark.id, row.interviewer_id, now)
            self._decide(session, row, "rejected", {"comments": len(comments)})

    def reassign(self, case_id: uuid.UUID, to_user_id: uuid.UUID) -> uuid.UUID:
        """Give the case to another interviewer (or assign it the first time), with the
        interviews central holds on it (not an approved one). Work the old interviewer's
        device has not sent yet still arrives: central keeps it and flags the case."""
        require_role(self.user, *STAFF_ROLES)
        now = self.clock()
        with self.central.unit_of_work() as session:
            # the case, then its interviews (id order), before the change-log lock: the
            # order pushes and decisions take them in, so none of them deadlock
            if session.get(Case, case_id, with_for_update=True) is None:
                raise NotFound("There is no such case.")
            session.execute(select(Interview.id).where(Interview.case_id == case_id)
                            .order_by(Interview.id).with_for_update())
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

    # -- sync conflicts (DESIGN.md 7: what cannot be merged is kept and shown) --
    def conflicts(self, open_only: bool = True) -> list[ConflictView]:
        """Versions sync refused and kept (an interview reassigned or decided while a
        device changed it), newest first, each with the answers that differ."""
        require_role(self.user, *STAFF_ROLES)
        query = select(SyncConflict).where(SyncConflict.entity == "interview")
        if open_only:
            query = query.where(SyncConflict.resolved_at.is_(None))
        with self.central.unit_of_work() as session:
            rows = list(session.scalars(query.order_by(SyncConflict.detected_at.desc())))
            return [_conflict_view(session, row) for row in rows]

    def resolve_conflict(self, conflict_id: uuid.UUID, keep: Literal["central", "device"]
                         ) -> None:
        """Settle a conflict: keep central's version (the device's stays in the conflict
        record, and the device gives up holding it pending at its next sync), or take
        the device's answers as central's version (its holder on central stays who it
        is). Either way the devices concerned pull the result; audited."""
        require_role(self.user, *STAFF_ROLES)
        with self.central.unit_of_work() as session:
            conflict = session.get(SyncConflict, conflict_id, with_for_update=True,
                                   populate_existing=True)
            if conflict is None or conflict.entity != "interview":
                raise NotFound("There is no such conflict on an interview.")
            if conflict.resolved_at is not None:
                raise ServiceError("This conflict is already settled.")
            row = self._interview(session, conflict.entity_id)
            now = self.clock()
            if keep == "device":
                take_version(session.connection(), conflict.device_payload,
                             conflict.device_id or "", row.interviewer_id)
            conflict.resolved_at, conflict.resolved_by = now, self.user.id
            for audience in {conflict.user_id, row.interviewer_id} - {None}:
                record_change(session, "interview", row.id, audience, now)
            self._audit(session, f"conflict_keep_{keep}", "interview", row.id,
                        {"conflict": str(conflict.id)})

    def _interview(self, session: Session, interview_id: uuid.UUID,
                   expected_revision: int | None = None, lock: bool = True) -> Interview:
        """The interview's row, locked for a decision (FOR UPDATE on PostgreSQL; SQLite
        serialises writers), so that its status and holder are checked on what the
        decision changes: two supervisors, or a decision and a reassignment, never both
        act on what they each read before the other committed."""
        row = session.get(Interview, interview_id, with_for_update=lock,
                          populate_existing=lock)
        if row is None:
            raise NotFound("There is no such interview.")
        if expected_revision is not None and row.revision != expected_revision:
            raise ServiceError("This interview changed since you opened it (it was synced "
                               "or decided meanwhile). Reload it (F5) and decide again.")
        return row

    def _form_of(self, interview_id: uuid.UUID) -> CompiledForm:
        with self.central.unit_of_work() as session:
            version = session.scalar(select(Interview.questionnaire_version_id)
                                     .where(Interview.id == interview_id))
        if version is None:
            raise NotFound("There is no such interview.")
        return self.forms.get(version)

    def _check_comment_paths(self, session: Session, row: Interview, form: CompiledForm,
                             paths: set[str]) -> None:
        """A comment must sit on a question the interview asks now: one on an answer
        that is no longer relevant would never be shown to the interviewer."""
        stored = {a.path: (a.value, a.special) for a in session.scalars(
            select(Answer).where(Answer.interview_id == row.id))}
        unknown = sorted(paths - set(stored))
        if unknown:
            raise ServiceError(f"This interview has no answer at {', '.join(unknown)}: "
                               "comment on its answered questions.")
        engine = form_interview(form, row.language)
        restore(engine, stored)
        asked = {node.key for node in _leaves(engine.root_element) if node.relevant}
        hidden = sorted(paths - asked)
        if hidden:
            raise ServiceError(f"{', '.join(hidden)} is no longer asked in this interview: "
                               "put what you want checked in the general comment.")

    def _after_earlier_remarks(self, session: Session, interview_id: uuid.UUID,
                               now: datetime) -> datetime:
        """The time for this rejection's comments: after every earlier remark on the
        interview, whatever this workstation's clock says, because the device shows the
        comments of the latest rejection by time."""
        latest = aware_utc(session.scalar(select(func.max(Remark.created_at)).where(
            Remark.interview_id == interview_id)))
        return max(now, latest + timedelta(milliseconds=1)) if latest else now

    def _decide(self, session: Session, row: Interview, status: str,
                extra: dict[str, object] | None = None) -> None:
        now = self.clock()
        session.execute(update(Interview).where(Interview.id == row.id).values(
            status=status, revision=Interview.revision + 1,
            synced_revision=Interview.revision + 1, origin_device=CENTRAL, sync_hash=None))
        record_change(session, "interview", row.id, row.interviewer_id, now)
        self._audit(session, status, "interview", row.id,
                    {"status": status, "case": str(row.case_id) if row.case_id else None,
                     **(extra or {})})

    def _audit(self, session: Session, action: str, entity: str, entity_id: uuid.UUID,
               detail: dict[str, object]) -> None:
        audit(session, self.user, self.clock(), action, entity, entity_id, detail)


def _conflict_view(session: Session, row: SyncConflict) -> ConflictView:
    interview = session.get(Interview, row.entity_id)
    if interview is None:  # a version of an interview central never took
        raise ServiceError(f"Conflict {row.id} is about an interview central does not hold.")
    case = session.get(Case, interview.case_id) if interview.case_id else None
    names = {u.id: _name(u.display_name, u.username) for u in session.scalars(
        select(User).where(User.id.in_({interview.interviewer_id, row.user_id} - {None})))}
    survey = session.scalar(select(Survey.name).where(Survey.id == interview.survey_id))
    central = {a.path: _as_text(a.value, a.special) for a in session.scalars(
        select(Answer).where(Answer.interview_id == interview.id))}
    device = {a.get("path"): _as_text(a.get("value"), a.get("special"))
              for a in row.device_payload.get("answers", [])}
    differences = [Difference(path=p, central=central.get(p), device=device.get(p))
                   for p in sorted(set(central) | set(device))
                   if central.get(p) != device.get(p)]
    return ConflictView(
        id=row.id, interview_id=interview.id, case=case.external_id or "" if case else "",
        survey=survey or "", interviewer=names.get(row.user_id, "") if row.user_id else "",
        holder=names.get(interview.interviewer_id, ""), device_id=row.device_id,
        reason=row.reason, detected_at=row.detected_at,
        resolved=row.resolved_at is not None,
        device_status=row.device_payload.get("interview", {}).get("status"),
        central_status=interview.status, differences=differences)


def _as_text(value: str | None, special: str | None) -> str | None:
    return f"[{special}]" if special else value


# -- the queue --

def _paradata_totals() -> Any:
    """First and last event and warnings confirmed (distinct questions) per interview.
    Aggregated over the whole table and joined: measured faster, on SQLite and on
    PostgreSQL, than restricting it to the filtered interviews (IN or JOIN)."""
    p = ParadataEvent
    warned = case((p.kind == "warning_confirmed", p.path), else_=None)
    return (select(p.interview_id.label("iid"), func.min(p.at).label("first_at"),
                   func.max(p.at).label("last_at"),
                   func.count(distinct(warned)).label("warnings"))
            .group_by(p.interview_id).subquery("para"))


def _answer_totals() -> Any:
    a = Answer
    given = or_(a.value.is_not(None), a.special.is_not(None))
    return (select(a.interview_id.label("iid"),
                   func.sum(case((given, 1), else_=0)).label("answered"),
                   func.sum(case((a.special == "dont_know", 1), else_=0)).label("dont_know"),
                   func.sum(case((a.special == "refused", 1), else_=0)).label("refused"))
            .group_by(a.interview_id).subquery("ans"))


def _remark_totals() -> Any:
    r = Remark  # the interviewer's own remarks: not the supervisor's comments
    return (select(r.interview_id.label("iid"), func.count().label("remarks"))
            .where(or_(r.origin_device.is_(None), r.origin_device != CENTRAL))
            .group_by(r.interview_id).subquery("rem"))


def _conditions(filters: ReviewFilter) -> list[ColumnElement[bool]]:
    i = Interview
    conditions = [i.status == filters.status if filters.status else i.status.in_(REVIEWED)]
    if filters.survey_id is not None:
        conditions.append(i.survey_id == filters.survey_id)
    if filters.interviewer_id is not None:
        conditions.append(i.interviewer_id == filters.interviewer_id)
    if filters.date_from is not None:
        conditions.append(i.completed_at >= _day_start(filters.date_from))
    if filters.date_to is not None:
        conditions.append(i.completed_at < _day_start(filters.date_to + timedelta(days=1)))
    return conditions


def _queue_query(filters: ReviewFilter) -> Select[*tuple[Any, ...]]:
    i = Interview
    conditions = _conditions(filters)
    para, ans, rem = _paradata_totals(), _answer_totals(), _remark_totals()
    return (select(i.id, i.case_id, i.survey_id, i.interviewer_id, i.status,
                   i.started_at, i.completed_at, Survey.name.label("survey"),
                   User.username, User.display_name, Case.external_id,
                   para.c.first_at, para.c.last_at, para.c.warnings, ans.c.answered,
                   ans.c.dont_know, ans.c.refused, rem.c.remarks)
            .join(Survey, Survey.id == i.survey_id)
            .join(User, User.id == i.interviewer_id)
            .outerjoin(Case, Case.id == i.case_id)
            .outerjoin(para, para.c.iid == i.id)
            .outerjoin(ans, ans.c.iid == i.id)
            .outerjoin(rem, rem.c.iid == i.id)
            .where(*conditions)
            .order_by(i.completed_at, i.id))


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _pauses(session: Session, survey_ids: set[uuid.UUID]) -> dict[uuid.UUID, float]:
    """Seconds each finished interview of these surveys spent away (suspended)."""
    if not survey_ids:
        return {}
    return time_away(session, and_(Interview.survey_id.in_(survey_ids),
                                   Interview.status.in_(REVIEWED)))


def _event_pauses(events: Iterable[tuple[Any, ...]]) -> float:
    """The same from one interview's events (kind, path, at, ...) in order."""
    away, previous = 0.0, None
    for kind, _, at, *_ in events:
        if kind == "resume" and previous is not None:
            away += max((at - previous).total_seconds(), 0.0)
        previous = at
    return away


def _active(minutes: float | None, away_seconds: float) -> float | None:
    """Time working on the interview: its span less the time it lay suspended, so a
    rushed interview is flagged short however long it waited in between."""
    return None if minutes is None else max(minutes - away_seconds / 60, 0.0)


def _median_minutes(session: Session, survey_ids: set[uuid.UUID],
                    pauses: dict[uuid.UUID, float]) -> dict[uuid.UUID, float]:
    """Each survey's median duration (active time) over its finished interviews."""
    if not survey_ids:
        return {}
    finished = (Interview.survey_id.in_(survey_ids), Interview.status.in_(REVIEWED))
    para = _paradata_totals()
    rows = session.execute(
        select(Interview.id, Interview.survey_id, Interview.started_at,
               Interview.completed_at, para.c.first_at, para.c.last_at)
        .outerjoin(para, para.c.iid == Interview.id).where(*finished))
    durations: dict[uuid.UUID, list[float]] = {}
    for r in rows:
        minutes = _active(duration_minutes(r.first_at, r.last_at, r.started_at,
                                           r.completed_at), pauses.get(r.id, 0.0))
        if minutes is not None:
            durations.setdefault(r.survey_id, []).append(minutes)
    return {s: statistics.median(d) for s, d in durations.items()}


def duration_minutes(first: datetime | str | None, last: datetime | str | None,
                     started: datetime | None, completed: datetime | None) -> float | None:
    """First to last paradata event; without paradata, start to completion."""
    first_at, last_at = aware_utc(first), aware_utc(last)
    if first_at is not None and last_at is not None and last_at > first_at:
        return (last_at - first_at).total_seconds() / 60
    if started is not None and completed is not None:
        return max((completed - started).total_seconds(), 0) / 60
    return None


def flags_of(minutes: float | None, median: float | None, answered: int, specials: int,
             warnings: int) -> list[str]:
    flags = []
    if minutes is not None and (minutes < SHORT_MINUTES or
                                (median is not None and minutes < SHORT_SHARE * median)):
        flags.append(SHORT)
    if answered and specials / answered > DONT_KNOW_SHARE:
        flags.append(MANY_DONT_KNOWS)
    if warnings >= WARNINGS_MANY:
        flags.append(WARNINGS)
    return flags


def _item(r: Any, median: float | None, away_seconds: float) -> ReviewItem:
    minutes = _active(duration_minutes(r.first_at, r.last_at, r.started_at, r.completed_at),
                      away_seconds)
    answered, dk, rf = int(r.answered or 0), int(r.dont_know or 0), int(r.refused or 0)
    warnings = int(r.warnings or 0)
    return ReviewItem(
        interview_id=r.id, case_id=r.case_id, case=r.external_id or "",
        survey_id=r.survey_id, survey=r.survey, interviewer_id=r.interviewer_id,
        interviewer=_name(r.display_name, r.username), status=r.status,
        completed_at=r.completed_at,
        duration_minutes=None if minutes is None else round(minutes, 1),
        answered=answered, dont_know=dk, refused=rf, warnings_confirmed=warnings,
        remarks=int(r.remarks or 0), flags=flags_of(minutes, median, answered, dk + rf,
                                                    warnings))


def _name(display_name: str | None, username: str) -> str:
    return display_name or username


# -- one interview --

@dataclass
class _Facts:
    """What detail() reads in its one transaction, before the form is loaded."""

    case: str
    survey: str
    interviewer: str
    answers: list[tuple[str, str, str | None, str | None]]  # path, question, value, special
    events: list[tuple[str, str | None, datetime, dict[str, Any]]]  # kind, path, at, detail
    remarks: list[tuple[str, RemarkView]]
    calls: list[CallView]
    decisions: list[DecisionView]


def _facts(session: Session, row: Interview) -> _Facts:
    case_row = session.get(Case, row.case_id) if row.case_id else None
    survey = session.get(Survey, row.survey_id)
    names = {u.id: (_name(u.display_name, u.username), u.role)
             for u in session.scalars(select(User))}
    answers = [(a.path, a.question, a.value, a.special) for a in session.scalars(
        select(Answer).where(Answer.interview_id == row.id).order_by(Answer.path))]
    events = [(e.kind, e.path, e.at, e.detail or {}) for e in session.scalars(
        select(ParadataEvent).where(ParadataEvent.interview_id == row.id)
        .order_by(ParadataEvent.seq))]
    remarks = []
    for r in session.scalars(select(Remark).where(Remark.interview_id == row.id)
                             .order_by(Remark.created_at, Remark.id)):
        author, role = names.get(r.author_id, ("unknown", ""))
        remarks.append((r.path, RemarkView(text=r.text, author=author, at=r.created_at,
                                           by_supervisor=role in STAFF_ROLES)))
    return _Facts(case=case_row.external_id or "" if case_row else "",
                  survey=survey.name if survey else "",
                  interviewer=names.get(row.interviewer_id, ("unknown", ""))[0],
                  answers=answers, events=events, remarks=remarks,
                  calls=_calls(session, row.case_id, names),
                  decisions=_decisions(session, row, names))


def _calls(session: Session, case_id: uuid.UUID | None,
           names: dict[uuid.UUID, tuple[str, str]]) -> list[CallView]:
    if case_id is None:
        return []
    calls = []
    for c in session.scalars(select(CallAttempt).where(CallAttempt.case_id == case_id)
                             .order_by(CallAttempt.started_at)):
        outcome = OUTCOMES.get(c.outcome)
        calls.append(CallView(at=c.started_at, outcome=outcome.label if outcome else c.outcome,
                              disposition=c.disposition, note=c.note,
                              interviewer=names.get(c.interviewer_id, ("unknown", ""))[0]))
    return calls


def _decisions(session: Session, row: Interview,
               names: dict[uuid.UUID, tuple[str, str]]) -> list[DecisionView]:
    about = [(AuditEntry.entity == "interview") & (AuditEntry.entity_id == str(row.id))]
    if row.case_id is not None:
        about.append((AuditEntry.entity == "case") & (AuditEntry.entity_id == str(row.case_id)))
    entries = session.scalars(select(AuditEntry).where(or_(*about))
                              .order_by(AuditEntry.at, AuditEntry.id))
    return [DecisionView(at=e.at, action=e.action, role=e.role or "", detail=e.detail or {},
                         by=names.get(e.actor_id, ("unknown", ""))[0] if e.actor_id
                         else "system") for e in entries]


def _detail(row: Interview, facts: _Facts, engine: FormInterview) -> InterviewDetail:
    stored = {path: (value, special) for path, _, value, special in facts.answers}
    restore(engine, stored)
    seconds = screen_seconds((k, p, at) for k, p, at, _ in facts.events)
    answers = []
    placed: set[str] = set()
    for node in _leaves(engine.root_element):
        if node.key in stored:
            placed.add(node.key)
            answers.append(_answer(engine, node, stored[node.key], facts, seconds))
    for path, question, value, special in facts.answers:  # no longer in the form
        if path not in placed:
            answers.append(AnswerDetail(path=path, question=question, type="", label="",
                                        value=value, value_text=_plain(value, special),
                                        special=special, relevant=False))
    first = next((at for _, _, at, _ in facts.events), None)
    last = facts.events[-1][2] if facts.events else None
    return InterviewDetail(
        interview_id=row.id, revision=row.revision, case_id=row.case_id, case=facts.case,
        survey_id=row.survey_id, survey=facts.survey, interviewer_id=row.interviewer_id,
        interviewer=facts.interviewer,
        status=row.status, language=engine.language, started_at=row.started_at,
        completed_at=row.completed_at,
        duration_minutes=_rounded(_active(duration_minutes(first, last, row.started_at,
                                                           row.completed_at),
                                          _event_pauses(facts.events))),
        answers=answers, general_remarks=[r for p, r in facts.remarks if p == ""],
        calls=facts.calls, decisions=facts.decisions)


def _rounded(minutes: float | None) -> float | None:
    return None if minutes is None else round(minutes, 1)


def restore(engine: FormInterview, stored: dict[str, tuple[str | None, str | None]]) -> None:
    """Put stored answers into the answer tree (as the interview session does)."""
    restore_answers(engine, [(path, value, special) for path, (value, special)
                             in stored.items()])


def _leaves(parent: Node) -> Iterable[Node]:
    """Every question node in document order, relevant or not."""
    for child in parent.children:
        if child.definition is None:
            continue
        if child.definition.is_container:
            yield from _leaves(child)
        else:
            yield child


def _answer(engine: FormInterview, node: Node, stored: tuple[str | None, str | None],
            facts: _Facts, seconds: dict[str, float]) -> AnswerDetail:
    value, special = stored
    key = node.key
    labels = _labels(engine, node, value)
    changes = [ChangeView(at=at, kind=kind, old=_shown(engine, node, d.get("old"),
                                                       d.get("old_special")),
                          new=_shown(engine, node, d.get("new"), d.get("new_special")))
               for kind, path, at, d in facts.events
               if path == key and kind in ("answer", "change")]
    warnings = list(dict.fromkeys(str(d.get("message", "")) for kind, path, _, d
                                  in facts.events
                                  if path == key and kind == "warning_confirmed"))
    return AnswerDetail(
        path=key, question=node.name, type=node.question.type.value,
        label=engine.label(node), value=value, value_labels=labels,
        value_text=SPECIAL_TEXT.get(special or "") or (", ".join(labels) if labels
                                                       else value or ""),
        special=special, relevant=node.relevant,
        remarks=[r for p, r in facts.remarks if p == key], warnings=warnings,
        seconds=_seconds_at(key, seconds), changes=changes)


def _labels(engine: FormInterview, node: Node, value: str | None) -> list[str]:
    q = node.question
    choice_list = engine.questionnaire.choices.get(q.list_name or "")
    if not value or choice_list is None:
        return []
    by_name = {c.name: engine.piped(c.label, node) or c.name for c in choice_list.choices}
    names = value.split() if q.type in MULTI_VALUED else [value]
    return [by_name.get(n, n) for n in names]


def _shown(engine: FormInterview, node: Node, value: Any, special: Any) -> str:
    if special:
        return SPECIAL_TEXT.get(str(special), str(special))
    text = None if value is None else str(value)
    labels = _labels(engine, node, text)
    return ", ".join(labels) if labels else text or ""


def _plain(value: str | None, special: str | None) -> str:
    return SPECIAL_TEXT.get(special or "") or value or ""


def _seconds_at(key: str, seconds: dict[str, float]) -> float | None:
    """The question's own screen; on a field-list screen (keyed by its group), the
    screen's time, shared by its questions."""
    if key in seconds:
        return round(seconds[key], 1)
    groups = [s for s in seconds if key.startswith(s + "/")]
    return round(seconds[max(groups, key=len)], 1) if groups else None


def screen_seconds(events: Iterable[tuple[str, str | None, datetime]]) -> dict[str, float]:
    """Seconds spent on each screen (by its key), summed over visits: from arriving on it
    (enter, resume, a move) to the next move, suspend or completion. A resume with a
    screen still open (the app stopped without suspending) ends it at the last event
    before, not hours later."""
    spent: dict[str, float] = {}
    current: str | None = None
    since = last = None
    for kind, path, at in events:
        if current is not None and since is not None and (kind in ARRIVALS or
                                                          kind in CLOSINGS):
            end = last if kind == "resume" and last is not None else at
            spent[current] = spent.get(current, 0.0) + max((end - since).total_seconds(), 0)
            current = None
        if kind in ARRIVALS and path:
            current, since = path, at
        last = at
    return spent


__all__ = ["FLAGS", "AnswerDetail", "CallView", "ChangeView", "DecisionView",
           "InterviewDetail", "Person", "RemarkView", "ReviewFilter", "ReviewItem",
           "ReviewService", "SurveyChoice", "flags_of", "screen_seconds"]
