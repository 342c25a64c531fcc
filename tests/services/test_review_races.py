"""Decisions against what else happens on central meanwhile: another supervisor, a
reassignment, the interviewer's new version; and a supervisor's comment on a question no
longer asked, or made on a slow clock."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from interviewer.services.common import ServiceError
from interviewer.services.review import ReviewService
from interviewer.storage.central import open_central
from interviewer.storage.models import Interview, Remark
from tests.services.test_review import World, build


@pytest.fixture
def world(sqlite_file_url: str, tmp_path: Path) -> Iterator[World]:
    central = open_central(sqlite_file_url)
    yield build(central, tmp_path)
    central.dispose()


@pytest.fixture
def pg_world(pg_url: str, tmp_path: Path) -> Iterator[World]:
    central = open_central(pg_url)
    yield build(central, tmp_path)
    central.dispose()


class RaceClock:
    """The decision's first look at the clock (after it has read the interview) starts
    `rival` on its own connection and gives it a second to commit; with the row locked
    the rival waits instead, and runs after the decision."""

    def __init__(self, inner: Callable[[], datetime], rival: Callable[[], Any]) -> None:
        self.inner, self.rival = inner, rival
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def __call__(self) -> datetime:
        if self.thread is None:
            self.thread = threading.Thread(target=self._run)
            self.thread.start()
            self.thread.join(timeout=1.0)
        return self.inner()

    def _run(self) -> None:
        try:
            self.rival()
        except BaseException as e:  # the test reads it
            self.error = e

    def finish(self) -> None:
        assert self.thread is not None
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()


@pytest.mark.postgres
def test_a_supervisor_cannot_reject_what_another_just_approved(pg_world: World) -> None:
    interview = pg_world.interviews["A"]
    other = ReviewService(pg_world.central, pg_world.seed.supervisor, clock=pg_world.clock)
    clock = RaceClock(pg_world.clock, lambda: other.approve(interview))
    ReviewService(pg_world.central, pg_world.seed.supervisor, clock=clock).reject(
        interview, "Check csat")
    clock.finish()
    with pg_world.central.unit_of_work() as session:
        status = session.scalar(select(Interview.status).where(Interview.id == interview))
    # one decision, the other refused: never an approval silently undone
    assert status == "rejected"
    assert isinstance(clock.error, ServiceError) and "rejected" in str(clock.error)


@pytest.mark.postgres
def test_a_rejection_racing_a_reassignment_reaches_the_new_interviewer(
        pg_world: World) -> None:
    ann, bob = pg_world.seed.interviewers
    interview = pg_world.interviews["A"]
    case_id = pg_world.seed.cases[ann.id][0]
    admin = ReviewService(pg_world.central, pg_world.seed.admin, clock=pg_world.clock)

    def rival() -> None:  # reassigned, and bob's device syncs at once (it gets the case)
        admin.reassign(case_id, bob.id)
        pg_world.devices[bob.id].sync(pg_world.transport)

    clock = RaceClock(pg_world.clock, rival)
    ReviewService(pg_world.central, pg_world.seed.supervisor, clock=clock).reject(
        interview, "Check csat", {"csat": "Really 5?"})
    clock.finish()
    assert clock.error is None
    pg_world.devices[bob.id].sync(pg_world.transport)
    with pg_world.devices[bob.id].db.unit_of_work() as session:
        on_bob = session.get(Interview, interview)
        comments = set(session.scalars(select(Remark.text).where(
            Remark.interview_id == interview)))
    assert on_bob is not None and on_bob.status == "rejected"
    assert on_bob.interviewer_id == bob.id
    assert {"Check csat", "Really 5?"} <= comments


def test_a_decision_on_a_changed_interview_is_refused(world: World) -> None:
    ann = world.seed.interviewers[0]
    interview = world.interviews["A"]
    seen = world.review().detail(interview)
    world.review(world.seed.admin).reject(interview, "Redo csat")  # someone else
    world.devices[ann.id].sync(world.transport)
    with pytest.raises(ServiceError, match="changed since you opened it"):
        world.review().approve(interview, expected_revision=seen.revision)
    fresh = world.review().detail(interview)
    assert fresh.revision != seen.revision and fresh.status == "rejected"


def test_a_comment_on_a_question_no_longer_asked_is_refused(world: World) -> None:
    ann = world.seed.interviewers[0]
    service = world.interviewing(ann)
    session = service.open(service.start(world.seed.cases[ann.id][2]))
    session.next()
    assert session.answer("csat", "1") is None
    session.next()
    assert session.answer("low_reason", ["other"]) is None  # asked after a low score
    session.back()
    assert session.answer("csat", "5") is None  # no longer asked; its answer stays
    screen = session.screen()
    answers = {"first_contact": "yes", "resolved": "yes", "agent/agent_courtesy": "5",
               "agent/agent_knowledge": "5", "callback": "no"}
    while screen.kind != "end":
        for question in screen.questions:
            if question.key in answers:
                assert session.answer(question.key, answers[question.key]) is None
        result = session.next()
        if not result.moved and result.warnings:
            result = session.confirm_warnings()
        assert result.moved, result.problems
        screen = result.screen
    assert session.complete() == []
    world.devices[ann.id].sync(world.transport)
    with pytest.raises(ServiceError, match="low_reason is no longer asked"):
        world.review().reject(session.id, "See my comment", {"low_reason": "Why other?"})
    world.review().reject(session.id, "See my comment", {"csat": "Why 5?"})


def test_a_later_rejection_on_a_slow_clock_still_shows_its_own_comments(
        world: World) -> None:
    ann = world.seed.interviewers[0]
    interview = world.interviews["A"]
    world.review().reject(interview, "Check csat", {"csat": "Really?"})
    world.devices[ann.id].sync(world.transport)
    session = world.interviewing(ann).open(interview)
    while session.screen().kind != "end":
        result = session.next()
        if not result.moved and result.warnings:
            result = session.confirm_warnings()
        assert result.moved
    assert session.complete() == []
    world.devices[ann.id].sync(world.transport)
    slow = world.clock() - timedelta(minutes=5)  # this supervisor's laptop is behind
    ReviewService(world.central, world.seed.supervisor, clock=lambda: slow).reject(
        interview, "Now check resolved", {"resolved": "Sure?"})
    world.devices[ann.id].sync(world.transport)
    again = world.interviewing(ann).open(interview)
    assert again.review_comments == {"resolved": "Sure?"}
    assert again.review_note == "Now check resolved"
