"""Supervisor review on a real central (SQLite file and PostgreSQL): the queue with its
counts and flags from real paradata, everything about one interview, the decisions and
their audit entries, and a rejected interview opening on the device where the
supervisor commented. Interviews are made through the interviewing service on device
stores and synced, with a clock the test moves, so every duration is known."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from interviewer.services.common import CurrentUser, PermissionDenied, ServiceError
from interviewer.services.interviewing import InterviewingService
from interviewer.services.questionnaires import FormCache, QuestionnaireService
from interviewer.services.review import (
    MANY_DONT_KNOWS,
    SHORT,
    WARNINGS,
    ReviewFilter,
    ReviewService,
    flags_of,
    screen_seconds,
)
from interviewer.storage.central import open_central
from interviewer.storage.db import Database
from interviewer.storage.models import AuditEntry, CallAttempt, Interview
from interviewer.sync.transport import DirectTransport
from tests.sync.helpers import T0, Device, Seed, seed_central

CSAT = Path(__file__).resolve().parents[2] / "questionnaires" / "post_call_csat" / \
    "post_call_csat.xlsx"
RESOLVED_WARNING = ("The customer was very satisfied with the call although the issue was "
                    "not resolved. Please check this with the customer.")


class StepClock:
    """Stands still until the test moves it."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class World:
    central: Database
    transport: DirectTransport
    seed: Seed
    devices: dict[uuid.UUID, Device]
    clock: StepClock
    interviews: dict[str, uuid.UUID]  # A (int0, 3 min), B (int1, short), C, D (20 min)

    def review(self, user: CurrentUser | None = None) -> ReviewService:
        return ReviewService(self.central, user or self.seed.supervisor, clock=self.clock)

    def interviewing(self, user: CurrentUser) -> InterviewingService:
        device = self.devices[user.id]
        return InterviewingService(device.db, user, FormCache(device.db), clock=self.clock,
                                   device_id=device.device_id)


def walk(service: InterviewingService, case_id: uuid.UUID, clock: StepClock,
         answers: dict[str, Any], seconds: dict[str, float], default: float) -> uuid.UUID:
    """Start, answer every question shown (a value, or 'dont_know' / 'refused') spending
    the given seconds on each screen, confirm warnings, complete."""
    session = service.open(service.start(case_id))
    screen = session.screen()
    while screen.kind != "end":
        question = screen.questions[0]
        clock.advance(seconds.get(question.name, default))
        value = answers.get(question.name)
        if value in ("dont_know", "refused"):
            assert session.set_special(question.key, value) is None
        elif value is not None:
            for one in value if isinstance(value, tuple) else (value,):  # a change
                assert session.answer(question.key, one) is None
        result = session.next()
        if not result.moved and result.warnings:
            result = session.confirm_warnings()
        assert result.moved, result.problems
        screen = result.screen
    assert session.complete() == []
    return session.id


# interview A: csat answered 2 then changed to 5, "not resolved" confirmed against the
# warning, a remark on csat, suspended for an hour; 30 s on each screen
A_ANSWERS = {"csat": ("2", "5"), "first_contact": "yes", "resolved": "no",
             "agent_courtesy": "5", "agent_knowledge": "4", "callback": "no"}
# interview B: quick, three of five answers don't know or refused
B_ANSWERS = {"csat": "refused", "first_contact": "yes", "resolved": "yes",
             "agent_courtesy": "dont_know", "agent_knowledge": "dont_know"}
LONG_ANSWERS = {"csat": "4", "first_contact": "yes", "resolved": "yes",
                "agent_courtesy": "4", "agent_knowledge": "4"}


def build(central: Database, tmp_path: Path) -> World:
    seed = seed_central(central)
    QuestionnaireService(central).publish(seed.admin, CSAT, "S")
    transport = DirectTransport(central, label="central")
    clock = StepClock()
    world = World(central, transport, seed, {}, clock, {})
    for user in seed.interviewers:
        device = Device(tmp_path / user.username, user)
        device.sync(transport)
        world.devices[user.id] = device
    ann, bob = seed.interviewers
    a_service = world.interviewing(ann)
    a_case = seed.cases[ann.id][0]
    session = a_service.open(a_service.start(a_case))
    clock.advance(10)
    session.next()
    world.interviews["A"] = session.id
    clock.advance(5)
    session.add_remark("csat", "Thought about it for long")
    session.suspend()  # resumed below on the csat screen
    clock.advance(3600)  # an hour away: not time on any screen
    world.interviews["A"] = walk(a_service, a_case, clock, A_ANSWERS, {"csat": 25}, 30)
    clock.advance(600)
    world.interviews["B"] = walk(world.interviewing(bob), seed.cases[bob.id][0], clock,
                                 B_ANSWERS, {}, 5)
    clock.advance(86_400)  # the next day
    world.interviews["C"] = walk(a_service, seed.cases[ann.id][1], clock, LONG_ANSWERS,
                                 {}, 200)
    world.interviews["D"] = walk(world.interviewing(bob), seed.cases[bob.id][1], clock,
                                 LONG_ANSWERS, {}, 200)
    for device in world.devices.values():
        assert device.sync(transport).pushed == {"interviews_applied": 2}
    return world


@pytest.fixture
def central(any_url: str) -> Iterator[Database]:
    db = open_central(any_url)
    yield db
    db.dispose()


@pytest.fixture
def world(central: Database, tmp_path: Path) -> World:
    return build(central, tmp_path)


def test_the_queue_counts_and_flags_from_real_paradata(world: World) -> None:
    queue = world.review().queue(ReviewFilter())
    by_id = {item.interview_id: item for item in queue}
    a, b, c, d = (by_id[world.interviews[k]] for k in "ABCD")
    assert [i.interview_id for i in queue] == [world.interviews[k] for k in "ABCD"]  # oldest
    # A: 10 s on the intro, 5 s then suspended an hour; resumed: 25 s on csat, 30 s on
    # each of the other 6 screens; the hour away is not working time
    assert a.duration_minutes == round((10 + 5 + 25 + 6 * 30) / 60, 1)
    assert (a.answered, a.dont_know, a.refused, a.warnings_confirmed, a.remarks) == \
        (6, 0, 0, 1, 1)
    assert (b.answered, b.dont_know, b.refused) == (5, 2, 1)
    assert b.duration_minutes == round(7 * 5 / 60, 1)
    assert c.duration_minutes == d.duration_minutes == round(7 * 200 / 60, 1)
    assert b.flags == [SHORT, MANY_DONT_KNOWS]  # under 2 minutes; 3 of 5 special
    # A's 3.7 minutes of work are under 40% of the median (13.5): a suspend in between
    # does not hide a rushed interview
    assert a.flags == [SHORT] and c.flags == [] and d.flags == []
    assert (a.survey, a.interviewer, a.case, a.status) == ("S", "int0", "C0", "completed")


def test_short_is_measured_against_the_surveys_median() -> None:
    assert flags_of(3.0, 11.5, 10, 0, 0) == [SHORT]  # 3 < 40% of 11.5
    assert flags_of(5.0, 11.5, 10, 0, 0) == []
    assert flags_of(1.9, 1.0, 10, 2, 3) == [SHORT, WARNINGS]  # 2 of 10 is not over 20%
    assert flags_of(None, None, 0, 0, 0) == []


@pytest.mark.parametrize("any_url", ["sqlite"], indirect=True)
def test_queue_filters(world: World) -> None:
    review = world.review()
    bob = world.seed.interviewers[1]
    ids = world.interviews

    def found(**kwargs: Any) -> list[uuid.UUID]:
        return [i.interview_id for i in review.queue(ReviewFilter(**kwargs))]

    assert found(interviewer_id=bob.id) == [ids["B"], ids["D"]]
    day_one = T0.date()
    assert found(date_to=day_one) == [ids["A"], ids["B"]]
    assert found(date_from=day_one + timedelta(days=1)) == [ids["C"], ids["D"]]
    assert found(flag=MANY_DONT_KNOWS) == [ids["B"]]
    survey = review.surveys()[0]
    assert found(survey_id=survey.id) == [ids[k] for k in "ABCD"]
    assert found(survey_id=uuid.uuid4()) == []
    review.approve(ids["C"])
    review.reject(ids["D"], "Check the agent questions")
    assert found() == [ids["A"], ids["B"]]  # decided: no longer waiting
    assert found(status="approved") == [ids["C"]]
    assert found(status="rejected") == [ids["D"]]
    assert found(status=None) == [ids[k] for k in "ABCD"]
    # decided ones still count for the median (13.5 min of work): A and B are short
    assert [i.flags for i in review.queue(ReviewFilter(status=None))][:2] == \
        [[SHORT], [SHORT, MANY_DONT_KNOWS]]
    with pytest.raises(ServiceError, match="Unknown flag"):
        review.queue(ReviewFilter(flag="slow"))
    assert [p.name for p in review.interviewers()] == ["int0", "int1"]


def test_the_detail_of_an_interview(world: World) -> None:
    ann = world.seed.interviewers[0]
    interview = world.interviews["A"]
    with world.central.unit_of_work() as session:
        row = session.get(Interview, interview)
        assert row is not None and row.case_id is not None
        session.add(CallAttempt(case_id=row.case_id, survey_id=row.survey_id,
                                interviewer_id=ann.id, started_at=T0, outcome="no_answer",
                                disposition="3.13", note="rang out"))
    detail = world.review().detail(interview)

    assert [a.path for a in detail.answers] == [
        "csat", "first_contact", "resolved", "agent/agent_courtesy",
        "agent/agent_knowledge", "callback"]  # the questionnaire's order, not the path's
    csat = detail.answers[0]
    assert csat.label.startswith("Overall, how satisfied were you with your recent call")
    assert "${" not in csat.label  # piped
    assert (csat.value, csat.value_text) == ("5", "5 \N{EN DASH} Very satisfied")
    assert [(c.kind, c.old, c.new) for c in csat.changes] == [
        ("answer", "", "2 \N{EN DASH} Dissatisfied"), ("change", "2 \N{EN DASH} Dissatisfied",
                                             "5 \N{EN DASH} Very satisfied")]
    assert csat.changes[1].at - csat.changes[0].at == timedelta(0)  # both on the screen
    assert [(r.text, r.author, r.by_supervisor) for r in csat.remarks] == [
        ("Thought about it for long", "int0", False)]
    # 5 s before the suspend, 25 s after resuming: the hour away is not counted
    assert csat.seconds == 30
    assert [a.seconds for a in detail.answers[1:]] == [30] * 5
    resolved = detail.answers[2]
    assert resolved.warnings == [RESOLVED_WARNING]
    assert resolved.value_text == "No"
    assert detail.duration_minutes == round((10 + 5 + 25 + 6 * 30) / 60, 1)
    assert [(c.outcome, c.disposition, c.interviewer, c.note) for c in detail.calls] == [
        ("No answer", "3.13", "int0", "rang out")]
    assert [d.action for d in detail.decisions] == ["reassign"]  # the first assignment
    assert (detail.survey, detail.interviewer, detail.language) == \
        ("S", "int0", "English (en)")

    specials = world.review().detail(world.interviews["B"]).answers
    assert [(a.path, a.special, a.value_text) for a in specials if a.special] == [
        ("csat", "refused", "Refused"), ("agent/agent_courtesy", "dont_know", "Don't know"),
        ("agent/agent_knowledge", "dont_know", "Don't know")]


def test_screen_seconds_sum_visits_and_skip_time_away() -> None:
    t = T0

    def at(seconds: int) -> datetime:
        return t + timedelta(seconds=seconds)

    events = [("enter", "a", at(0)), ("answer", "a", at(4)), ("leave", "b", at(5)),
              ("back", "a", at(12)), ("leave", "b", at(14)), ("suspend", "b", at(20)),
              ("resume", "b", at(500)), ("answer", "b", at(503)),
              # the app stopped here without suspending; opened again much later
              ("resume", "b", at(9000)), ("leave", "end", at(9002)),
              ("complete", "end", at(9003))]
    assert screen_seconds(events) == {"a": 7, "b": 7 + 6 + 3 + 2, "end": 1}


@pytest.mark.parametrize("any_url", ["sqlite"], indirect=True)
def test_reject_rules_and_the_audit_of_every_decision(world: World) -> None:
    review = world.review()
    ids = world.interviews
    with pytest.raises(ServiceError, match="no answer at low_reason, nowhere"):
        review.reject(ids["A"], "Check", {"nowhere": "?", "low_reason": "?", "csat": "ok"})
    with pytest.raises(ServiceError, match="Say why"):
        review.reject(ids["A"], "  ")
    review.approve(ids["C"])
    world.clock.advance(1)
    with pytest.raises(ServiceError, match="this one is approved"):
        review.reject(ids["C"], "Too late for a supervisor")
    world.review(world.seed.admin).reject(ids["C"], "Admin: reopen it")  # an admin may
    world.clock.advance(1)
    review.reject(ids["A"], "Check csat", {"csat": "Really 5?"})
    world.clock.advance(1)
    with pytest.raises(ServiceError, match="this one is rejected"):
        review.reject(ids["A"], "again")
    with pytest.raises(ServiceError, match="this one is rejected"):
        review.approve(ids["A"])
    ann, bob = world.seed.interviewers
    case_b = world.seed.cases[bob.id][0]
    review.reassign(case_b, ann.id)

    with world.central.unit_of_work() as session:
        audit = [(e.action, e.entity, e.entity_id, e.role) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action != "reassign")
            .order_by(AuditEntry.at, AuditEntry.id))]
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.at.desc(),
                                                           AuditEntry.id.desc())).first()
    assert audit == [("approved", "interview", str(ids["C"]), "supervisor"),
                     ("rejected", "interview", str(ids["C"]), "admin"),
                     ("rejected", "interview", str(ids["A"]), "supervisor")]
    assert last is not None and (last.action, last.entity_id) == ("reassign", str(case_b))
    detail = review.detail(ids["A"])
    assert [d.action for d in detail.decisions] == ["reassign", "rejected"]
    assert detail.decisions[-1].detail["comments"] == 1
    assert [(r.text, r.by_supervisor) for r in detail.general_remarks] == [
        ("Check csat", True)]
    assert [(r.text, r.author) for r in detail.answers[0].remarks][-1] == ("Really 5?", "sup")
    assert [i.interview_id for i in review.queue(ReviewFilter())] == [ids["B"], ids["D"]]

    # an interview still in progress is not for review
    service = world.interviewing(ann)
    open_one = service.start(world.seed.cases[ann.id][2])
    world.devices[ann.id].sync(world.transport)
    with pytest.raises(ServiceError, match="this one is in_progress"):
        review.reject(open_one, "not yet")


@pytest.mark.parametrize("any_url", ["sqlite"], indirect=True)
def test_an_interviewer_may_not_review(world: World) -> None:
    ann = world.seed.interviewers[0]
    review = world.review(ann)
    interview = world.interviews["A"]
    for call in (lambda: review.queue(ReviewFilter()), lambda: review.detail(interview),
                 lambda: review.approve(interview), lambda: review.reject(interview, "x"),
                 lambda: review.reassign(world.seed.cases[ann.id][0], ann.id),
                 review.interviewers, review.surveys):
        with pytest.raises(PermissionDenied):
            call()


@pytest.mark.parametrize("any_url", ["sqlite"], indirect=True)
def test_a_rejected_interview_opens_on_the_first_commented_question(world: World) -> None:
    ann = world.seed.interviewers[0]
    device = world.devices[ann.id]
    interview = world.interviews["A"]
    # commented out of order: the first in the questionnaire is where it opens
    world.review().reject(interview, "Please check two answers", {
        "agent/agent_knowledge": "Knowledge 4 but courtesy 5?",
        "resolved": "Not resolved, yet very satisfied?"})
    device.sync(world.transport)

    session = world.interviewing(ann).open(interview)

    screen = session.screen()
    assert [q.key for q in screen.questions] == ["resolved"]
    assert screen.questions[0].review_comment == "Not resolved, yet very satisfied?"
    assert screen.questions[0].remark is None
    assert session.review_note == "Please check two answers"
    session.jump("csat")
    csat = session.screen().questions[0]
    # the interviewer's own remark stays theirs; the csat has no comment this time
    assert (csat.remark, csat.review_comment) == ("Thought about it for long", None)
    session.jump("agent/agent_knowledge")
    assert session.screen().questions[0].review_comment == "Knowledge 4 but courtesy 5?"
