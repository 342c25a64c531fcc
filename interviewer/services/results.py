"""CX results of a survey read from central (DESIGN.md 8): NPS, CSAT, CES with intervals
by wave, touchpoint and segment against targets; alerts; follow-up cases (closed loop);
fieldwork progress and interviewer productivity. Supervisors and admins only."""

from __future__ import annotations

import logging
import re
import statistics
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import ColumnElement, String, and_, cast, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from interviewer.fieldwork.dispositions import category_of
from interviewer.metrics.cx import ces, csat_pooled, nps
from interviewer.metrics.targets import (
    DECIMALS,
    CxSettings,
    FollowUpRule,
    below_target,
    distinct_decimals,
    rule_matches,
)
from interviewer.questionnaire.model import Question, Questionnaire, Repeat
from interviewer.services.audit import audit, audit_many
from interviewer.services.common import (
    Clock,
    CurrentUser,
    NotFound,
    ServiceError,
    aware_utc,
    require_role,
    utc_clock,
)
from interviewer.services.paradata import time_away
from interviewer.services.questionnaires import FormCache
from interviewer.services.rates import RatesService
from interviewer.storage.db import Database
from interviewer.storage.ids import uuid7
from interviewer.storage.models import (
    Answer,
    CallAttempt,
    Case,
    FollowUp,
    Interview,
    ParadataEvent,
    Survey,
    User,
)
from interviewer.sync.changes import lock_change_log, record_change

log = logging.getLogger(__name__)  # ids and counts only: never names, numbers, answers

COUNTED = ("completed", "approved")  # interviews that count in results
NONE_KEY = "(none)"
OUTSIDE_WAVES = "(outside waves)"
# an interview suspended overnight would otherwise count its whole pause as work
MAX_INTERVIEW = timedelta(hours=3)
MAX_CALL = timedelta(hours=3)
# a contact that ended in a break-off: 2.12, or 1.2 (partial) when enough was answered
BREAK_OFFS = ("2.12", "1.2")
# the touchpoint of a `dynamic` question: its repeat instance's pick from a multi-select
_SELECTED_AT = re.compile(
    r"^\s*selected-at\(\s*\$\{(\w+)\}\s*,\s*position\(\.\.\)\s*-\s*1\s*\)\s*$")
_PIPE = re.compile(r"\$\{(\w+)\}")
_INSTANCE = re.compile(r"\[(\d+)\][^\[]*$")


class Estimate(BaseModel):
    metric: Literal["nps", "csat", "ces"]
    question: str
    label: str  # default-language question label (with its scale when split, below)
    score: float | None
    low: float | None
    high: float | None
    n: int
    target: float | None
    status: Literal["ok", "below", "no_target", "no_data"]
    # the answer scale's top: NPS 10, CES 5 or 7, CSAT its list's (None: versions differ)
    scale: int | None = None
    # names the estimate in overall and in every cell alike: the question, or for a CES
    # question asked on two scales (versions) one estimate per scale, "ease (1-7)"
    series: str = ""

    @model_validator(mode="after")
    def _named(self) -> Estimate:
        self.series = self.series or self.question
        return self


class Cell(BaseModel):
    """One group of a breakdown."""

    dimension: Literal["all", "wave", "touchpoint", "segment"]
    key: str
    estimates: list[Estimate]


class Alert(BaseModel):
    metric: str
    question: str
    dimension: str
    key: str
    score: float
    target: float
    message: str
    series: str = ""  # the estimate's (Estimate.series)

    @model_validator(mode="after")
    def _named(self) -> Alert:
        self.series = self.series or self.question
        return self


class FollowUpView(BaseModel):
    id: uuid.UUID
    interview_id: uuid.UUID
    case_id: uuid.UUID | None
    reason: str
    metric: str
    question: str
    score: float
    priority: int
    status: Literal["open", "closed"]
    created_at: datetime
    respondent: str
    note: str = ""
    phone: str | None = None  # personal data: shown to staff, never logged


class CxReport(BaseModel):
    survey_id: uuid.UUID
    survey: str
    generated_at: datetime
    interviews: int
    overall: list[Estimate]
    by_wave: list[Cell]
    by_touchpoint: list[Cell]
    by_segment: list[Cell]
    alerts: list[Alert]
    follow_ups_open: int
    follow_ups_closed: int
    rates: dict[str, float | None]  # AAPOR RR1..CON3 via services/rates.py

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class DayCount(BaseModel):
    day: date
    completes: int


class FieldworkProgress(BaseModel):
    survey: str
    cases: int
    completes: int
    cases_by_status: dict[str, int]
    completes_per_day: list[DayCount]
    # CATI: closed cases by AAPOR category of their final disposition
    final_by_category: dict[str, int] = Field(default_factory=dict)


class InterviewerStats(BaseModel):
    interviewer_id: uuid.UUID
    name: str
    completes: int
    hours: float
    completes_per_hour: float | None
    median_minutes: float | None
    calls: int
    refusals: int
    refusal_rate: float | None


class SurveyRef(BaseModel):
    id: uuid.UUID
    name: str
    mode: str



@dataclass(frozen=True)
class MetricQuestion:
    """A question that is a CX metric, as one questionnaire version defines it."""

    metric: Literal["nps", "csat", "ces"]
    name: str
    label: str
    touchpoint: str | None  # a fixed stage; None: the case's; "dynamic": per instance
    dynamic_source: str | None  # dynamic: the multi-select whose k-th pick is instance k's
    scale: int | None  # the largest numeric choice name of its list


class Score(NamedTuple):
    """One valid metric answer where it belongs (a tuple: there are tens of thousands)."""

    metric: Literal["nps", "csat", "ces"]
    question: str  # the question's name
    path: str  # the answer's instance path
    value: float
    scale: int  # the top of the scale of the answer's own questionnaire version
    interview: Any  # the interview id as the driver returns it (hex text on SQLite)
    case: Any  # the case id alike, or None
    wave: str
    touchpoint: str
    segment: str


class _Counted(NamedTuple):
    """What a counted interview lends its answers."""

    version: uuid.UUID
    case: Any
    wave: str
    touchpoint: str  # the case's preloaded touchpoint
    segment: str


@dataclass(frozen=True)
class _Series:
    """One estimate of the report: a question, or a CES question on one of its scales."""

    metric: Literal["nps", "csat", "ces"]
    question: str
    label: str
    scale: int | None
    name: str  # Estimate.series


@dataclass
class _Data:
    survey: Survey
    settings: CxSettings
    series: list[_Series]  # document order
    series_of: dict[tuple[str, str, int], str]  # (metric, question, scale) -> its name
    scores: list[Score]
    interviews: int


class ResultsService:
    """Supervisors and admins read results of a survey from central; the dashboard calls
    these every minute, so each is a few aggregate queries and one pass over answers."""

    def __init__(self, central: Database, user: CurrentUser, clock: Clock = utc_clock) -> None:
        self._db = central
        self._user = user
        self._clock = clock
        self._forms = FormCache(central)
        # follow-up keys known to exist, so that a refresh with nothing new reads none
        self._known: dict[uuid.UUID, set[tuple[Any, str, str]]] = {}

    def surveys(self) -> list[SurveyRef]:
        self._allowed()
        with self._db.unit_of_work() as session:
            rows = session.execute(select(Survey.id, Survey.name, Survey.mode)
                                   .order_by(Survey.name)).all()
        return [SurveyRef(id=i, name=n, mode=m) for i, n, m in rows]

    # -- CX metrics --
    def cx(self, survey_id: uuid.UUID) -> CxReport:
        """The report; runs the follow-up rules first so its counts include new ones."""
        self._allowed()
        data = self._load(survey_id)
        self._create_follow_ups(data)
        overall = _estimates(data, data.scores)
        cells = {dimension: _cells(data, dimension)
                 for dimension in ("wave", "touchpoint", "segment")}
        all_cell = Cell(dimension="all", key="all", estimates=overall)
        alerts = [alert for cell in [all_cell, *(c for cs in cells.values() for c in cs)]
                  for alert in _alerts(cell, data.settings)]
        with self._db.unit_of_work() as session:
            counts = dict(session.execute(
                select(FollowUp.status, func.count()).where(FollowUp.survey_id == survey_id)
                .group_by(FollowUp.status)).all())
        return CxReport(
            survey_id=survey_id, survey=data.survey.name, generated_at=self._clock(),
            interviews=data.interviews, overall=overall, by_wave=cells["wave"],
            by_touchpoint=cells["touchpoint"], by_segment=cells["segment"], alerts=alerts,
            follow_ups_open=counts.get("open", 0), follow_ups_closed=counts.get("closed", 0),
            rates=self._rates(data.survey.name))

    def settings(self, survey_id: uuid.UUID) -> CxSettings:
        self._allowed()
        with self._db.unit_of_work() as session:
            return _settings_of(_survey(session, survey_id))

    def save_settings(self, survey_id: uuid.UUID, settings: CxSettings) -> None:
        """Stored in the survey's settings under "cx"; audited."""
        self._allowed()
        now = self._clock()
        with self._db.unit_of_work() as session:
            row = _survey(session, survey_id)
            row.settings = {**(row.settings or {}), "cx": settings.model_dump(mode="json")}
            row.revision += 1
            session.flush()
            record_change(session, "survey", row.id, None, now)
            audit(session, self._user, now, "cx_settings", "survey", row.id, {})
        self._known.pop(survey_id, None)  # the rules may differ now

    def _load(self, survey_id: uuid.UUID) -> _Data:
        with self._db.unit_of_work() as session:
            survey = _survey(session, survey_id)
            session.expunge(survey)
            settings = _settings_of(survey)
            versions = [survey.questionnaire_version_id, *session.scalars(
                select(Interview.questionnaire_version_id).distinct()
                .where(Interview.survey_id == survey_id, Interview.status.in_(COUNTED)))]
        by_version = {v: _metric_questions(self._forms.get(v).questionnaire)
                      for v in dict.fromkeys(versions)}
        questions: dict[tuple[str, str], MetricQuestion] = {}  # (metric, name)
        for found in by_version.values():
            for q in found:
                questions.setdefault((q.metric, q.name), q)
        with self._db.unit_of_work() as session:
            counted = _counted(session, survey_id, settings)
            rows = _metric_answers(session, survey_id, by_version)
        scores = _scores(rows, by_version, counted)
        series, series_of = _series(questions, scores)
        return _Data(survey, settings, series, series_of, scores, len(counted))

    def _rates(self, survey: str) -> dict[str, float | None]:
        try:
            return RatesService(self._db).report(self._user, survey).rates
        except ServiceError as e:  # a bad disposition code must not hide the CX results
            log.warning("no AAPOR rates for a survey: %s", e)
            return {}

    # -- follow-up cases (closed loop) --
    def run_follow_ups(self, survey_id: uuid.UUID) -> list[FollowUpView]:
        """Create a follow-up for every score a rule matches, once: the new ones."""
        self._allowed()
        return self._create_follow_ups(self._load(survey_id))

    def _create_follow_ups(self, data: _Data) -> list[FollowUpView]:
        rules = data.settings.follow_up
        candidates = [(score, index) for score in data.scores
                      if (index := _rule_for(rules, score)) is not None]
        known = self._known.setdefault(data.survey.id, set())
        candidates = [(s, i) for s, i in candidates if _follow_up_key(s) not in known]
        if not candidates or not self._missing(data.survey.id, candidates):
            known.update(_follow_up_key(s) for s, _ in candidates)
            return []  # the usual case on a refresh: nothing new, no lock taken
        now = self._clock()
        with self._db.unit_of_work() as session:
            # one run at a time per central (the audit chain needs it too); the unique
            # key still keeps a second copy out should anything else insert
            lock_change_log(session)
            new = [{"id": uuid7(), "survey_id": data.survey.id,
                    "interview_id": _as_uuid(s.interview),
                    "case_id": None if s.case is None else _as_uuid(s.case),
                    "rule_index": i, "metric": s.metric, "question": s.path,
                    "score": s.value, "reason": rules[i].reason,
                    "priority": rules[i].priority, "status": "open", "created_at": now,
                    "note": ""}
                   for s, i in _missing_in(session, data.survey.id, candidates)]
            created = _insert_new(session, new)
            audit_many(session, self._user, now, [
                ("follow_up_created", "follow_up", row["id"],
                 {"rule": row["rule_index"], "metric": row["metric"]})
                for row in new if row["id"] in created])
        known.update(_follow_up_key(s) for s, _ in candidates)
        if created:
            log.info("survey %s: %d follow-up cases created", data.survey.id, len(created))
        return self._views(FollowUp.id.in_(created)) if created else []

    def _missing(self, survey_id: uuid.UUID,
                 candidates: list[tuple[Score, int]]) -> list[tuple[Score, int]]:
        with self._db.unit_of_work() as session:
            return _missing_in(session, survey_id, candidates)

    def follow_ups(self, survey_id: uuid.UUID,
                   status: str | None = "open") -> list[FollowUpView]:
        """The survey's follow-ups (status "open", "closed", or None for all), most
        urgent (lowest priority number) and oldest first."""
        self._allowed()
        if status not in (None, "open", "closed"):
            raise ServiceError(f"a follow-up is open or closed, not '{status}'")
        with self._db.unit_of_work() as session:
            _survey(session, survey_id)
        if status is None:
            return self._views(FollowUp.survey_id == survey_id)
        return self._views(FollowUp.survey_id == survey_id, FollowUp.status == status)

    def close_follow_up(self, follow_up_id: uuid.UUID, note: str) -> None:
        """Closed with a note (what was done); audited."""
        self._allowed()
        now = self._clock()
        with self._db.unit_of_work() as session:
            row = session.get(FollowUp, follow_up_id)
            if row is None:
                raise NotFound("There is no such follow-up case.")
            if row.status == "closed":
                raise ServiceError("This follow-up case is already closed.")
            closed = session.execute(
                update(FollowUp).where(FollowUp.id == follow_up_id,
                                       FollowUp.status == "open")
                .values(status="closed", closed_at=now,
                        closed_by=self._user.id if self._user.id.int else None,
                        note=note.strip()))
            if getattr(closed, "rowcount", 1) == 0:  # closed meanwhile by someone else
                raise ServiceError("This follow-up case is already closed.")
            audit(session, self._user, now, "follow_up_closed", "follow_up", row.id,
                   {"survey_id": str(row.survey_id)})

    def _views(self, *where: ColumnElement[bool]) -> list[FollowUpView]:
        with self._db.unit_of_work() as session:
            rows = session.execute(
                select(FollowUp, Case.respondent_name, Case.phone)
                .outerjoin(Case, Case.id == FollowUp.case_id).where(*where)
                .order_by(FollowUp.priority, FollowUp.created_at, FollowUp.id)).all()
            return [_view(row, name, phone) for row, name, phone in rows]

    # -- fieldwork and productivity --
    def fieldwork(self, survey_id: uuid.UUID) -> FieldworkProgress:
        self._allowed()
        with self._db.unit_of_work() as session:
            survey = _survey(session, survey_id)
            by_status = dict(session.execute(
                select(Case.status, func.count()).where(Case.survey_id == survey_id)
                .group_by(Case.status).order_by(Case.status)).all())
            finals = session.execute(
                select(Case.final_disposition, func.count())
                .where(Case.survey_id == survey_id, Case.final_disposition.is_not(None))
                .group_by(Case.final_disposition)).all()
            completed = session.execute(
                select(Interview.completed_at, Case.timezone)
                .outerjoin(Case, Case.id == Interview.case_id)
                .where(Interview.survey_id == survey_id,
                       Interview.status.in_(COUNTED))).all()
            name, mode, fallback = survey.name, survey.mode, _survey_zone(survey)
        per_day: dict[date, int] = defaultdict(int)
        for at, timezone in completed:
            day = _local_day(at, timezone, fallback)
            if day is not None:
                per_day[day] += 1
        return FieldworkProgress(
            survey=name, cases=sum(by_status.values()), completes=len(completed),
            cases_by_status=by_status,
            completes_per_day=[DayCount(day=d, completes=n) for d, n in sorted(per_day.items())],
            final_by_category=_categories(finals) if mode == "cati" else {})

    def productivity(self, survey_id: uuid.UUID) -> list[InterviewerStats]:
        """Per interviewer over the survey. Hours: the working time of each counted
        interview (from its paradata: first to last event less the time before each
        resume; without paradata start to completion; capped at 3 h) plus the calls
        whose interview is not a counted complete (no interview, a break-off). Refusal
        rate: refusals per contact that reached a decision (refusal, complete or
        break-off); no-answers and other non-contacts do not dilute it."""
        self._allowed()
        with self._db.unit_of_work() as session:
            _survey(session, survey_id)
            lengths = session.execute(_lengths_query(survey_id)).all()
            pauses = _pauses(session, survey_id)
            calls = session.execute(
                select(CallAttempt.interviewer_id, CallAttempt.disposition, func.count())
                .where(CallAttempt.survey_id == survey_id)
                .group_by(CallAttempt.interviewer_id, CallAttempt.disposition)).all()
            other_calls = session.execute(_other_calls_query(survey_id)).all()
            ids = {row[1] for row in lengths} | {row[0] for row in calls}
            names: dict[uuid.UUID, str] = dict(session.execute(
                select(User.id, func.coalesce(func.nullif(User.display_name, ""),
                                              User.username))
                .where(User.id.in_(ids))).all()) if ids else {}
        worked = [(who, _working_time(start, end, first, last, pauses.get(key, 0.0)))
                  for key, who, start, end, first, last in lengths]
        return _productivity(ids, names, worked, calls, other_calls)

    def _allowed(self) -> None:
        require_role(self._user, "supervisor", "admin")


# -- loading --
def _survey(session: Session, survey_id: uuid.UUID) -> Survey:
    row = session.get(Survey, survey_id)
    if row is None:
        raise NotFound("There is no such survey.")
    return row


def _settings_of(survey: Survey) -> CxSettings:
    try:
        return CxSettings.from_survey_settings(survey.settings or {})
    except ValueError as e:
        raise ServiceError(f"The CX settings of survey '{survey.name}' are wrong: {e}") \
            from None


def _survey_zone(survey: Survey) -> ZoneInfo:
    """The survey's cx.timezone; UTC should its CX settings be wrong (cx() says so:
    fieldwork figures stay readable meanwhile)."""
    try:
        return _zone(_settings_of(survey).timezone) or ZoneInfo("UTC")
    except ServiceError:
        return ZoneInfo("UTC")


def _metric_questions(form: Questionnaire) -> list[MetricQuestion]:
    found: list[MetricQuestion] = []

    def visit(elements: Sequence[Question | Any], repeat: Repeat | None) -> None:
        for element in elements:
            if isinstance(element, Question):
                if element.cx_metric is not None:
                    found.append(_metric_question(form, element, repeat))
            else:
                visit(element.children, element if isinstance(element, Repeat) else repeat)

    visit(form.children, None)
    return found


def _metric_question(form: Questionnaire, q: Question, repeat: Repeat | None) -> MetricQuestion:
    assert q.cx_metric is not None
    label = (q.label.get(form.default_language) or next(iter(q.label.values()), "")
             or q.name)
    label = _PIPE.sub(r"[\1]", label)  # a report shows no piped answer
    choices = form.choices.get(q.list_name or "")
    numbers = [int(float(c.name)) for c in (choices.choices if choices else ())
               if _number(c.name, None) is not None]
    return MetricQuestion(
        metric=q.cx_metric, name=q.name, label=label, touchpoint=q.touchpoint,
        dynamic_source=_dynamic_source(repeat) if q.touchpoint == "dynamic" else None,
        scale=max(numbers) if numbers else None)


def _dynamic_source(repeat: Repeat | None) -> str | None:
    """The multi-select behind the repeat's `tp_code` (questionnaires/README.md: its
    calculation is `selected-at(${touchpoints}, position(..)-1)`)."""
    if repeat is None:
        return None
    calcs = [e for e in _descendants(repeat) if e.calculation]
    calcs.sort(key=lambda e: e.name != "tp_code")  # the named one first
    for calc in calcs:
        match = _SELECTED_AT.match(calc.calculation or "")
        if match:
            return match.group(1)
    return None


def _descendants(container: Any) -> Iterable[Question]:
    for element in container.children:
        if isinstance(element, Question):
            yield element
        else:
            yield from _descendants(element)


def _raw_id(column: Any) -> Any:
    """An id column read as text, without making UUID objects (hex on SQLite, dashed on
    PostgreSQL): equal ids stay equal, at a fraction of the cost."""
    return cast(column, String)


@lru_cache(maxsize=4096)
def _as_uuid(raw: Any) -> uuid.UUID:
    return raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))


def _counted(session: Session, survey_id: uuid.UUID,
             settings: CxSettings) -> dict[Any, _Counted]:
    """The counted interviews with their wave (by the respondent's day of completion)
    and their case's touchpoint and segment (read out of the preload JSON by the
    database)."""
    rows = session.execute(
        select(_raw_id(Interview.id), _raw_id(Interview.questionnaire_version_id),
               _raw_id(Interview.case_id), Interview.completed_at, Case.timezone,
               Case.preload[settings.touchpoint].as_string(),
               Case.preload[settings.segment].as_string())
        .outerjoin(Case, Case.id == Interview.case_id)
        .where(Interview.survey_id == survey_id, Interview.status.in_(COUNTED))).all()
    fallback = _zone(settings.timezone) or ZoneInfo("UTC")
    waves: dict[date, str] = {}
    out = {}
    for key, version, case, completed_at, timezone, touchpoint, segment in rows:
        day = _local_day(completed_at, timezone, fallback)
        if day is not None and day not in waves:
            waves[day] = settings.wave_of(day) or OUTSIDE_WAVES
        out[key] = _Counted(_as_uuid(version), case, waves.get(day, OUTSIDE_WAVES) if day
                            else OUTSIDE_WAVES, _text(touchpoint), _text(segment))
    return out


@lru_cache(maxsize=256)
def _zone(name: str | None) -> ZoneInfo | None:
    """The time zone so named; None for none or an unknown name (a case imported with
    a typo falls back to the survey's)."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _local_day(at: datetime | None, timezone: str | None, fallback: ZoneInfo) -> date | None:
    """The respondent's day of `at`: in the case's time zone, else the survey's. Waves
    are local dates: an evening interview in New York is the next day in UTC."""
    if at is None:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(_zone(timezone) or fallback).date()


def _metric_answers(session: Session, survey_id: uuid.UUID,
                    by_version: dict[uuid.UUID, list[MetricQuestion]]) -> list[Any]:
    """Only the answers of metric questions (and of the multi-selects that name a
    dynamic touchpoint), of the survey's counted interviews."""
    names = {q.name for qs in by_version.values() for q in qs} | {
        q.dynamic_source for qs in by_version.values() for q in qs if q.dynamic_source}
    if not names:
        return []
    return list(session.execute(
        select(_raw_id(Answer.interview_id), Answer.question, Answer.path, Answer.value,
               Answer.special)
        .join(Interview, Interview.id == Answer.interview_id)
        .where(Interview.survey_id == survey_id, Interview.status.in_(COUNTED),
               Answer.question.in_(sorted(names)))).all())


def _number(value: str | None, special: str | None) -> float | None:
    """A score from an answer's text; None for a special, empty or non-numeric one."""
    if special or value is None or not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _scores(rows: list[Any], by_version: dict[uuid.UUID, list[MetricQuestion]],
            counted: dict[Any, _Counted]) -> list[Score]:
    metric_of = {(v, q.name): q for v, qs in by_version.items() for q in qs}
    sources = {q.dynamic_source for qs in by_version.values() for q in qs
               if q.dynamic_source}
    picks: dict[tuple[Any, str], list[str]] = {}
    if sources:
        for key, question, _, value, special in rows:
            if question in sources and not special:
                picks[(key, question)] = (value or "").split()
    scores: list[Score] = []
    guessed: dict[tuple[uuid.UUID, str], list[int]] = defaultdict(list)
    valid: dict[tuple[Any, str, str | None], float | None] = {}  # few distinct answers
    for key, question, path, value, special in rows:
        interview = counted.get(key)
        if interview is None or special:
            continue
        q = metric_of.get((interview.version, question))
        if q is None:
            continue
        memo = (interview.version, question, value)
        if memo not in valid:
            number = _number(value, None)
            valid[memo] = number if number is not None and _in_range(q, number) else None
        number = valid[memo]
        if number is None:
            continue
        touchpoint = interview.touchpoint
        if q.touchpoint:
            touchpoint = _touchpoint(q, path, picks.get((key, q.dynamic_source or ""))) \
                or touchpoint
        scale = _answer_scale(q)
        if scale == 0:
            guessed[(interview.version, question)].append(len(scores))
        scores.append(Score(q.metric, q.name, path, number, scale, key, interview.case,
                            interview.wave, touchpoint, interview.segment))
    _guess_ces_scales(scores, guessed)
    return scores


def _answer_scale(q: MetricQuestion) -> int:
    """The top of the scale its version asks `q` on: NPS 10; CSAT its list's (5 without
    one); CES 5 or 7 from its list, else 0: guessed from the answers."""
    if q.metric == "nps":
        return 10
    if q.metric == "csat":
        return q.scale if q.scale and q.scale >= 3 else 5
    return q.scale if q.scale in (5, 7) else 0


def _guess_ces_scales(scores: list[Score],
                      guessed: dict[tuple[uuid.UUID, str], list[int]]) -> None:
    """A CES question without a 5 or 7 point list (one version's): 7 points when an
    answer of that version goes past 5, else 5."""
    for at in guessed.values():
        top = 7 if any(scores[i].value > 5 for i in at) else 5
        for i in at:
            scores[i] = scores[i]._replace(scale=top)


def _in_range(q: MetricQuestion, value: float) -> bool:
    """Each answer on its own version's scale; out-of-scale ones (a form changed under
    the data) are left out, not fatal."""
    if q.metric == "nps":
        return 0 <= value <= 10
    return 1 <= value <= (_answer_scale(q) or 7)


def _touchpoint(q: MetricQuestion, path: str, picks: list[str] | None) -> str | None:
    """The question's own touchpoint; for `dynamic`, its repeat instance's pick."""
    if q.touchpoint != "dynamic":
        return q.touchpoint
    instance = _INSTANCE.search(path)
    if picks and instance and 1 <= int(instance.group(1)) <= len(picks):
        return picks[int(instance.group(1)) - 1]
    return None


def _text(value: Any) -> str:
    return NONE_KEY if value is None or str(value).strip() == "" else str(value)


# -- estimates --
def _series(questions: dict[tuple[str, str], MetricQuestion],
            scores: list[Score]) -> tuple[list[_Series], dict[tuple[str, str, int], str]]:
    """An estimate per question; a CES question whose answers (versions) come on two
    scales gets one per scale, since a mean of 1-5 and 1-7 answers means nothing. CSAT
    pools its top-2-box hits across scales."""
    scales: dict[tuple[str, str], set[int]] = defaultdict(set)
    for s in scores:
        scales[(s.metric, s.question)].add(s.scale)
    out: list[_Series] = []
    names: dict[tuple[str, str, int], str] = {}
    for key, q in questions.items():
        found = sorted(scales.get(key) or {_answer_scale(q) or 5})
        if q.metric == "ces" and len(found) > 1:
            for top in found:
                out.append(_Series(q.metric, q.name, f"{q.label} (1-{top})", top,
                                   f"{q.name} (1-{top})"))
                names[(q.metric, q.name, top)] = out[-1].name
            continue
        out.append(_Series(q.metric, q.name, q.label, found[0] if len(found) == 1 else None,
                           q.name))
        names.update({(q.metric, q.name, top): q.name for top in found})
    return out, names


def _estimates(data: _Data, scores: Iterable[Score]) -> list[Estimate]:
    answers: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for s in scores:
        answers[data.series_of[(s.metric, s.question, s.scale)]].append((s.value, s.scale))
    return [_estimate(series, answers.get(series.name, []), data.settings)
            for series in data.series]


def _estimate(series: _Series, answers: list[tuple[float, int]],
              settings: CxSettings) -> Estimate:
    """The answers were checked against their own scales (_in_range): nothing raises."""
    if series.metric == "nps":
        r: Any = nps(value for value, _ in answers)
    elif series.metric == "csat":
        r = csat_pooled(answers)
    else:
        r = ces([value for value, _ in answers], scale=series.scale or 5)
    target = settings.targets.get(series.metric)
    status: Literal["ok", "below", "no_target", "no_data"]
    if r.score is None:
        status = "no_data"
    elif target is None:
        status = "no_target"
    elif below_target(series.metric, r.score, target, settings.ces_higher_is_better):
        status = "below"
    else:
        status = "ok"
    return Estimate(metric=series.metric, question=series.question, label=series.label,
                    score=r.score, low=r.low, high=r.high, n=r.n, target=target,
                    status=status, scale=series.scale, series=series.name)


def _cells(data: _Data, dimension: Literal["wave", "touchpoint", "segment"]) -> list[Cell]:
    """One cell per key; a cell lists the questions it has scores for."""
    groups: dict[str, list[Score]] = defaultdict(list)
    for s in data.scores:
        groups[getattr(s, dimension)].append(s)
    order = sorted(groups)
    if dimension == "wave" and data.settings.waves:
        named = [w.name for w in data.settings.waves]
        order = [k for k in named if k in groups] + [k for k in order if k not in named]
    return [Cell(dimension=dimension, key=key,
                 estimates=[e for e in _estimates(data, groups[key]) if e.n > 0])
            for key in order]


_METRIC_NAMES = {"nps": "NPS", "csat": "CSAT", "ces": "CES"}


def _alerts(cell: Cell, settings: CxSettings) -> list[Alert]:
    """Worse than the target (lower, or higher for a lower-is-better CES) with enough
    scores (alert_min_n) to be more than noise."""
    out = []
    where = "overall" if cell.dimension == "all" else f"{cell.dimension} '{cell.key}'"
    for e in cell.estimates:
        if e.status != "below" or e.n < settings.alert_min_n:
            continue
        assert e.score is not None and e.target is not None
        digits = distinct_decimals(e.score, e.target, DECIMALS[e.metric])
        out.append(Alert(
            metric=e.metric, question=e.question, dimension=cell.dimension, key=cell.key,
            score=e.score, target=e.target, series=e.series,
            message=f"{_METRIC_NAMES[e.metric]} of {e.series} {where}: "
                    f"{e.score:.{digits}f}, worse than the target {e.target:.{digits}f} "
                    f"(n={e.n})"))
    return out


# -- follow-ups --
def _rule_for(rules: Sequence[FollowUpRule], score: Score) -> int | None:
    """The index of the most urgent rule (lowest priority number, then the first) that
    matches the score; None when none does."""
    matching = [i for i, rule in enumerate(rules)
                if rule_matches(rule, score.metric, score.question, score.value)]
    return min(matching, key=lambda i: (rules[i].priority, i)) if matching else None


def _follow_up_key(score: Score) -> tuple[Any, str, str]:
    """One follow-up per answer and metric whatever rules match it: editing the rules
    (their order) must not bring back one already closed."""
    return score.interview, score.path, score.metric


def _missing_in(session: Session, survey_id: uuid.UUID,
                candidates: list[tuple[Score, int]]) -> list[tuple[Score, int]]:
    """The candidates (score, rule index) that have no follow-up yet."""
    existing = set(session.execute(
        select(_raw_id(FollowUp.interview_id), FollowUp.question, FollowUp.metric)
        .where(FollowUp.survey_id == survey_id)).all())
    return [(s, i) for s, i in candidates if _follow_up_key(s) not in existing]


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
    """Insert, skipping any that exist by the unique key; the ids really inserted. One
    statement run for many rows (SQLAlchemy batches it, RETURNING included)."""
    if not rows:
        return set()
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (make(FollowUp)
                 .on_conflict_do_nothing(
                     index_elements=["interview_id", "question", "metric"])
                 .returning(FollowUp.id))
    return set(session.connection().execute(statement, rows).scalars())


def _view(row: FollowUp, name: str | None, phone: str | None) -> FollowUpView:
    return FollowUpView(
        id=row.id, interview_id=row.interview_id, case_id=row.case_id, reason=row.reason,
        metric=row.metric, question=row.question, score=row.score, priority=row.priority,
        status="closed" if row.status == "closed" else "open", created_at=row.created_at,
        respondent=name or "", note=row.note or "", phone=phone)




# -- fieldwork --
def _categories(finals: Sequence[tuple[str | None, int]]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for code, count in finals:
        try:
            out[str(category_of(code or ""))] += count
        except ValueError:
            out["unknown code"] += count
    return dict(sorted(out.items()))


def _lengths_query(survey_id: uuid.UUID) -> Any:
    """Each counted interview with its first and last paradata event: one grouped join
    (a joined aggregate subquery is re-run per interview when PostgreSQL's statistics
    are stale, as after a bulk load)."""
    i, p = Interview, ParadataEvent
    return (select(_raw_id(i.id), i.interviewer_id, i.started_at, i.completed_at,
                   func.min(p.at), func.max(p.at))
            .outerjoin(p, p.interview_id == i.id)
            .where(i.survey_id == survey_id, i.status.in_(COUNTED))
            .group_by(i.id, i.interviewer_id, i.started_at, i.completed_at))


def _other_calls_query(survey_id: uuid.UUID) -> Any:
    """The ended calls whose time no counted interview holds: those that reached nobody
    or no interview, and break-offs (their interview is not counted)."""
    return (select(CallAttempt.interviewer_id, CallAttempt.started_at, CallAttempt.ended_at)
            .outerjoin(Interview, Interview.id == CallAttempt.interview_id)
            .where(CallAttempt.survey_id == survey_id, CallAttempt.ended_at.is_not(None),
                   or_(Interview.id.is_(None), Interview.status.not_in(COUNTED))))


def _pauses(session: Session, survey_id: uuid.UUID) -> dict[Any, float]:
    """Seconds each counted interview lay suspended, by its id as the database's text."""
    return time_away(session, and_(Interview.survey_id == survey_id,
                                   Interview.status.in_(COUNTED)), key=_raw_id)


def _working_time(started: datetime | None, completed: datetime | None, first: Any,
                  last: Any, away_seconds: float) -> timedelta | None:
    """An interview's working time: its events' span less its pauses; without
    paradata start to completion. Capped: a pause its events do not show (no resume
    logged) must not count whole."""
    first_at, last_at = aware_utc(first), aware_utc(last)
    if first_at is not None and last_at is not None and last_at > first_at:
        span = last_at - first_at - timedelta(seconds=away_seconds)
    elif started is not None and completed is not None and completed >= started:
        span = completed - started
    else:
        return None
    return min(max(span, timedelta()), MAX_INTERVIEW)


def _productivity(ids: set[uuid.UUID], names: dict[uuid.UUID, str],
                  lengths: Sequence[tuple[uuid.UUID, timedelta | None]],
                  calls: Sequence[Any], other_calls: Sequence[Any]) -> list[InterviewerStats]:
    minutes: dict[uuid.UUID, list[float]] = defaultdict(list)
    counted: dict[uuid.UUID, int] = defaultdict(int)
    worked: dict[uuid.UUID, timedelta] = defaultdict(timedelta)
    for who, span in lengths:
        counted[who] += 1
        if span is not None:
            minutes[who].append(span.total_seconds() / 60)
            worked[who] += span
    for who, start, end in other_calls:
        if end >= start:
            worked[who] += min(end - start, MAX_CALL)
    dialled, refused, decided = _call_counts(calls)
    out = []
    for who in ids:
        hours = worked[who].total_seconds() / 3600
        completes = counted[who]
        decisions = refused[who] + completes + decided[who]
        out.append(InterviewerStats(
            interviewer_id=who, name=names.get(who, str(who)), completes=completes,
            hours=round(hours, 3),
            completes_per_hour=round(completes / hours, 3) if hours > 0 else None,
            median_minutes=statistics.median(minutes[who]) if minutes[who] else None,
            calls=dialled[who], refusals=refused[who],
            refusal_rate=refused[who] / decisions if dialled[who] and decisions else None))
    return sorted(out, key=lambda s: (s.name.lower(), str(s.interviewer_id)))


def _call_counts(calls: Sequence[Any]) -> tuple[dict[uuid.UUID, int], ...]:
    """Per interviewer: calls, refusals and break-offs."""
    dialled: dict[uuid.UUID, int] = defaultdict(int)
    refused: dict[uuid.UUID, int] = defaultdict(int)
    broken: dict[uuid.UUID, int] = defaultdict(int)
    for who, code, count in calls:
        dialled[who] += count
        if _is_refusal(code):
            refused[who] += count
        elif code in BREAK_OFFS:
            broken[who] += count
    return dialled, refused, broken


def _is_refusal(code: str | None) -> bool:
    """AAPOR 2.11x: refusals (a break-off, 2.12, is not one)."""
    return bool(code) and (code == "2.10" or str(code).startswith("2.11"))


__all__ = ["OUTSIDE_WAVES", "Alert", "Cell", "CxReport", "DayCount", "Estimate",
           "FieldworkProgress", "FollowUpView", "InterviewerStats", "ResultsService",
           "SurveyRef"]
