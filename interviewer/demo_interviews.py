"""Completed synthetic interviews for the demo, so that review, dashboards, reports and
exports show real figures on first run.

Each interview is walked through the real engine (relevance, constraints, choice
filters, repeats), answered by a seeded random respondent whose scores drift by wave and
segment, and written to central as a device's sync would leave it: the case, its
assignment, the interview, its answers, the paradata of every screen (times, one
change now and then, soft warnings confirmed) and, for a telephone survey, the calls.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from interviewer.questionnaire.compiled import CompiledForm, Def
from interviewer.questionnaire.engine import Interview, Node
from interviewer.questionnaire.model import SELECTS, Question, QuestionType
from interviewer.storage.db import Database
from interviewer.storage.ids import uuid7
from interviewer.storage.models import (
    Answer,
    Assignment,
    CallAttempt,
    Case,
    ParadataEvent,
)
from interviewer.storage.models import (
    Interview as InterviewRow,
)
from interviewer.storage.sheets import write_sheets

PHRASES = ("Quick and friendly service", "The app keeps logging me out", "Clear prices",
           "Waited too long on the phone", "Nothing to add", "Delivery was on time",
           "Invoices are hard to read", "The agent solved it at once")
ORIGIN = "demo"


@dataclass(frozen=True)
class Wave:
    name: str
    start: date
    end: date
    mood: float  # shifts every score: a better or worse quarter


@dataclass(frozen=True)
class Respondent:
    mood: float  # -1..1: how the person feels about the brand
    segment: str
    touchpoint: str


@dataclass
class Plan:
    survey_id: uuid.UUID
    version_id: uuid.UUID
    form: CompiledForm
    interviewers: Sequence[uuid.UUID]
    count: int
    waves: Sequence[Wave]
    segments: Sequence[str]
    touchpoints: Sequence[str]
    telephone: bool = False
    awaiting_review: int = 30  # the newest ones stay "completed"; the rest are approved
    # telephone only: closed cases that gave no interview (refused, number not working,
    # never reached), so that response rates and refusal rates are not trivially 100 / 0
    not_interviewed: int = 0
    names: Callable[[random.Random], str] = lambda rng: "Respondent"


@dataclass
class _Rows:
    cases: list[dict[str, Any]] = field(default_factory=list)
    assignments: list[dict[str, Any]] = field(default_factory=list)
    interviews: list[dict[str, Any]] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)


def add_completed_interviews(central: Database, plan: Plan, rng: random.Random) -> int:
    """Write plan.count completed interviews to central; returns how many."""
    rows = _Rows()
    moments = sorted(_moment(rng, plan.waves) for _ in range(plan.count))
    for number, (finished, wave) in enumerate(moments):
        person = Respondent(mood=max(-1.0, min(1.0, rng.gauss(wave.mood, 0.45))),
                            segment=rng.choice(plan.segments),
                            touchpoint=rng.choice(plan.touchpoints))
        reviewed = number < plan.count - plan.awaiting_review
        _one(rows, plan, rng, number, finished, person, reviewed)
    for number in range(plan.not_interviewed):
        _no_interview(rows, plan, rng, plan.count + number)
    with central.unit_of_work() as session:
        for model, batch in ((Case, rows.cases), (Assignment, rows.assignments),
                             (InterviewRow, rows.interviews), (Answer, rows.answers),
                             (ParadataEvent, rows.events), (CallAttempt, rows.calls)):
            if batch:
                session.execute(insert(model), batch)
        write_sheets(session.connection(), [row["id"] for row in rows.interviews])
    return plan.count


def _moment(rng: random.Random, waves: Sequence[Wave]) -> tuple[datetime, Wave]:
    wave = rng.choice(waves)
    days = (wave.end - wave.start).days
    day = wave.start + timedelta(days=rng.randint(0, days))
    at = datetime(day.year, day.month, day.day, rng.randint(8, 19), rng.randint(0, 59),
                  rng.randint(0, 59), tzinfo=UTC)
    return at, wave


def _one(rows: _Rows, plan: Plan, rng: random.Random, number: int, finished: datetime,
         person: Respondent, reviewed: bool) -> None:
    interviewer = plan.interviewers[number % len(plan.interviewers)]
    case_id, interview_id = uuid7(), uuid7()
    answers, screens = _answer_all(plan.form, rng, person)
    seconds = [rng.randint(8, 75) for _ in screens]
    started = finished - timedelta(seconds=sum(seconds) + 20)
    rows.cases.append({
        "id": case_id, "survey_id": plan.survey_id, "external_id": f"H{10001 + number}",
        "respondent_name": plan.names(rng), "phone": (phone := _phone(rng)),
        "phones": [phone],
        "timezone": "Europe/Warsaw", "status": "completed", "priority": 0,
        "preload": {"customer_id": f"CU-{rng.randint(10000, 99999)}",
                    "segment": person.segment, "touchpoint": person.touchpoint},
        "created_at": started - timedelta(days=3), "revision": 1, "synced_revision": 1,
        "origin_device": ORIGIN, "attempts": 0, "do_not_call": False,
        "appointment_hard": False})
    rows.assignments.append({
        "id": uuid7(), "case_id": case_id, "interviewer_id": interviewer,
        "assigned_at": started - timedelta(days=2), "active": True, "revision": 1,
        "synced_revision": 1, "origin_device": ORIGIN})
    rows.interviews.append({
        "id": interview_id, "case_id": case_id, "survey_id": plan.survey_id,
        "questionnaire_version_id": plan.version_id, "interviewer_id": interviewer,
        "status": "approved" if reviewed else "completed", "language": None,
        "position": screens[-1] if screens else None, "started_at": started,
        "updated_at": finished, "completed_at": finished, "device_id": ORIGIN,
        "revision": 1, "synced_revision": 1, "origin_device": ORIGIN})
    for path, (name, value, special) in answers.items():
        rows.answers.append({
            "id": uuid7(), "interview_id": interview_id, "question": name, "path": path,
            "value": value, "special": special, "answered_at": finished, "revision": 1,
            "synced_revision": 1, "origin_device": ORIGIN})
    _paradata(rows, rng, interview_id, started, screens, seconds, answers)
    if plan.telephone:
        _calls(rows, rng, plan, case_id, interview_id, interviewer, started, finished)


def _phone(rng: random.Random) -> str:
    return f"+48 600 {rng.randint(100, 999)} {rng.randint(100, 999)}"


# (outcome, AAPOR disposition) of the last call of a case that gave no interview, with
# how often it happens
ENDINGS = ((("refusal", "2.112"), 5), (("soft_refusal", "2.112"), 2),
           (("non_working", "4.30"), 2), (("no_answer", "3.13"), 3),
           (("language", "2.332"), 1))


def _no_interview(rows: _Rows, plan: Plan, rng: random.Random, number: int) -> None:
    """A case called one to five times that ends without an interview."""
    interviewer = plan.interviewers[number % len(plan.interviewers)]
    (outcome, disposition), = rng.choices([e for e, _ in ENDINGS],
                                          weights=[w for _, w in ENDINGS])
    case_id = uuid7()
    wave = rng.choice(plan.waves)
    at = datetime(wave.start.year, wave.start.month, wave.start.day, 10, tzinfo=UTC) \
        + timedelta(days=rng.randint(0, max(0, (wave.end - wave.start).days - 5)),
                    minutes=rng.randint(0, 480))
    tries = rng.randint(1, 5) if outcome == "no_answer" else rng.randint(1, 3)
    for attempt in range(tries):
        last = attempt == tries - 1
        kind, code = (outcome, disposition) if last else ("no_answer", "3.13")
        rows.calls.append(_call(plan, case_id, None, interviewer, at,
                                at + timedelta(seconds=rng.randint(20, 90)), kind, code))
        at += timedelta(days=1, minutes=rng.randint(-120, 120))
    final = disposition if outcome in ("refusal", "non_working", "language") else None
    rows.cases.append({
        "id": case_id, "survey_id": plan.survey_id, "external_id": f"H{10001 + number}",
        "respondent_name": plan.names(rng), "phone": (phone := _phone(rng)),
        "phones": [phone], "timezone": "Europe/Warsaw",
        "status": "closed" if final else "scheduled", "priority": 0,
        "preload": {"customer_id": f"CU-{rng.randint(10000, 99999)}",
                    "segment": rng.choice(plan.segments),
                    "touchpoint": rng.choice(plan.touchpoints)},
        "created_at": at - timedelta(days=tries + 3), "revision": 1, "synced_revision": 1,
        "origin_device": ORIGIN, "attempts": tries, "last_outcome": outcome,
        "final_disposition": final, "do_not_call": False, "appointment_hard": False,
        "next_call_at": None if final else at + timedelta(days=1)})


def _paradata(rows: _Rows, rng: random.Random, interview_id: uuid.UUID, started: datetime,
              screens: list[str], seconds: list[int],
              answers: dict[str, tuple[str, str | None, str | None]]) -> None:
    """The events a real session writes: enter, per screen its answer (sometimes a
    change before it) and a leave to the next screen, then complete."""
    events: list[tuple[str, str | None, dict[str, Any], datetime]] = []
    at = started
    events.append(("enter", screens[0] if screens else None, {}, at))
    for i, screen in enumerate(screens):
        at += timedelta(seconds=seconds[i])
        _, value, special = answers.get(screen, ("", None, None))
        if value is not None or special is not None:
            if rng.random() < 0.05 and value is not None:
                events.append(("answer", screen, {"old": None, "old_special": None,
                                                  "new": "1", "new_special": None},
                               at - timedelta(seconds=2)))
                kind, old = "change", "1"
            else:
                kind, old = "answer", None
            events.append((kind, screen, {"old": old, "old_special": None, "new": value,
                                          "new_special": special}, at))
        if rng.random() < 0.02 and value is not None:
            events.append(("warning_confirmed", screen,
                           {"message": "This answer is unusual: please confirm it.",
                            "value": value}, at))
        following = screens[i + 1] if i + 1 < len(screens) else screen
        events.append(("leave", following, {"from": screen}, at + timedelta(seconds=1)))
    events.append(("complete", screens[-1] if screens else None, {},
                   at + timedelta(seconds=2)))
    for seq, (kind, path, detail, moment) in enumerate(events, start=1):
        rows.events.append({"id": uuid7(), "interview_id": interview_id, "seq": seq,
                            "kind": kind, "path": path, "at": moment, "detail": detail,
                            "synced": True})


def _calls(rows: _Rows, rng: random.Random, plan: Plan, case_id: uuid.UUID,
           interview_id: uuid.UUID, interviewer: uuid.UUID, started: datetime,
           finished: datetime) -> None:
    """A no-answer or two before the call that got the interview."""
    tries = [("no_answer", "3.13"), ("busy", "3.12")][:rng.randint(0, 2)]
    at = started - timedelta(days=len(tries))
    for outcome, disposition in tries:
        rows.calls.append(_call(plan, case_id, None, interviewer, at,
                                at + timedelta(seconds=35), outcome, disposition))
        at += timedelta(days=1)
    rows.calls.append(_call(plan, case_id, interview_id, interviewer, started, finished,
                            "complete", "1.1"))
    rows.cases[-1]["attempts"] = len(tries) + 1
    rows.cases[-1]["last_outcome"] = "complete"
    rows.cases[-1]["final_disposition"] = "1.1"


def _call(plan: Plan, case_id: uuid.UUID, interview_id: uuid.UUID | None,
          interviewer: uuid.UUID, started: datetime, ended: datetime, outcome: str,
          disposition: str) -> dict[str, Any]:
    return {"id": uuid7(), "case_id": case_id, "survey_id": plan.survey_id,
            "interviewer_id": interviewer, "interview_id": interview_id, "phone": None,
            "started_at": started, "ended_at": ended, "outcome": outcome,
            "disposition": disposition, "appointment_hard": False, "note": "",
            "device_id": ORIGIN, "revision": 1, "synced_revision": 1,
            "origin_device": ORIGIN}


# -- answering through the engine --

def _answer_all(form: CompiledForm, rng: random.Random, person: Respondent
                ) -> tuple[dict[str, tuple[str, str | None, str | None]], list[str]]:
    """(path -> (question, value, special)) and the screens in the order walked."""
    interview = Interview(form)
    answers: dict[str, tuple[str, str | None, str | None]] = {}
    screens: list[str] = []
    _walk(interview, interview.root_element, form.top, rng, person, answers, screens)
    return answers, screens


def _walk(interview: Interview, parent: Node, defs: Sequence[Def], rng: random.Random,
          person: Respondent, answers: dict[str, tuple[str, str | None, str | None]],
          screens: list[str]) -> None:
    for d in defs:
        if d.is_repeat:
            if not parent.relevant:
                continue
            if "repeat_count" not in d.exprs:
                interview.set_instance_count(parent, d, rng.randint(1, 2))
            for instance in parent.instances(d):
                if instance.relevant:
                    _walk(interview, instance, d.children, rng, person, answers, screens)
            continue
        node = parent.child(d)
        if node is None or not node.relevant:
            continue
        if d.is_container:
            _walk(interview, node, d.children, rng, person, answers, screens)
        elif d.visible:
            screens.append(node.key)
            if node.question.type != QuestionType.NOTE and not interview.is_read_only(node):
                _answer(interview, node, rng, person, answers)


def _answer(interview: Interview, node: Node, rng: random.Random, person: Respondent,
            answers: dict[str, tuple[str, str | None, str | None]]) -> None:
    q = node.question
    if q.special and rng.random() < 0.04:
        if interview.set_special(node, rng.choice(q.special)) is None:
            answers[node.key] = (q.name, None, node.special)
            return
    for _ in range(12):
        candidate = _candidate(interview, node, rng, person)
        if candidate is None:
            break
        if interview.answer(node, candidate) is None and interview.violation(node) is None:
            answers[node.key] = (q.name, node.value or None, None)
            return
    interview.put(node, "", None)
    if q.special and interview.set_special(node, q.special[-1]) is None:
        answers[node.key] = (q.name, None, node.special)


def _candidate(interview: Interview, node: Node, rng: random.Random,
               person: Respondent) -> Any:
    q = node.question
    if q.type in SELECTS:
        names = [c.name for c in interview.choices(node)]
        if not names:
            return None
        if q.type == QuestionType.SELECT_ONE:
            return _scale_pick(q, names, rng, person) or rng.choice(names)
        if q.type == QuestionType.RANK:
            return rng.sample(names, len(names))
        return rng.sample(names, min(len(names), rng.randint(1, 2)))
    if q.type in (QuestionType.INTEGER, QuestionType.RANGE):
        if q.cx_metric == "nps":
            return _score(person, 0, 10, rng)
        return rng.choice((rng.randint(0, 10), rng.randint(0, 30)))
    if q.type == QuestionType.DECIMAL:
        return round(rng.uniform(0, 100), 1)
    if q.type == QuestionType.TEXT:
        return rng.choice(("+48 600 100 200", *PHRASES)) if "phone" in q.name \
            else rng.choice(PHRASES)
    if q.type == QuestionType.DATE:
        return (date(2026, 1, 1) + timedelta(days=rng.randint(0, 300))).isoformat()
    if q.type == QuestionType.ACKNOWLEDGE:
        return True
    return None


def _scale_pick(q: Question, names: list[str], rng: random.Random,
                person: Respondent) -> str | None:
    """On a numeric scale (NPS, CSAT, CES and other ratings) the respondent's mood
    chooses the point; elsewhere None."""
    if not all(n.lstrip("-").isdigit() for n in names) or len(names) < 3:
        return None
    points = sorted(int(n) for n in names)
    value = _score(person, points[0], points[-1], rng)
    return str(min(points, key=lambda p: abs(p - value)))


def _score(person: Respondent, low: int, high: int, rng: random.Random) -> int:
    """Customers lean to the upper half of a scale (a mean LTR near 8 gives an NPS near
    +25); mood and segment move them."""
    bonus = {"enterprise": 0.15, "small business": 0.0, "consumer": -0.1}
    share = 0.72 + 0.3 * (person.mood + bonus.get(person.segment, 0.0))
    middle = low + share * (high - low)
    return max(low, min(high, round(rng.gauss(middle, (high - low) / 7))))


__all__ = ["Plan", "Wave", "add_completed_interviews"]
