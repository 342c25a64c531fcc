"""A pull brings whole interviews to a device that does not hold them: a rejected one
follows its interviewer to another device (or a fresh data folder), and the interview of
a reassigned case moves with the case to the new interviewer, who continues it. Pending
work on a device is never overwritten. On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from interviewer.services.interviewing import InterviewingService
from interviewer.services.questionnaires import FormCache, QuestionnaireService
from interviewer.services.review import ReviewService
from interviewer.storage.db import Database
from interviewer.storage.models import Interview, ParadataEvent, SyncConflict
from interviewer.sync.messages import PullRequest, Request, Response
from interviewer.sync.transport import DirectTransport
from tests.sync.helpers import Device, FixedClock, Seed, answers_of, seed_central

CSAT = Path(__file__).resolve().parents[2] / "questionnaires" / "post_call_csat" / \
    "post_call_csat.xlsx"


def csat_central(central: Database) -> Seed:
    """The seeded central, its survey now on a real questionnaire (interviews can open)."""
    seed = seed_central(central)
    QuestionnaireService(central).publish(seed.admin, CSAT, "S")
    return seed


def interviewing(device: Device) -> InterviewingService:
    return InterviewingService(device.db, device.user, FormCache(device.db),
                               clock=FixedClock(), device_id=device.device_id)


def begin(device: Device, case_id: uuid.UUID) -> tuple[uuid.UUID, str]:
    """An interview started through the service, its first question answered 4."""
    service = interviewing(device)
    session = service.open(service.start(case_id))
    assert session.next().moved  # past the introduction
    key = session.screen().questions[0].key
    assert session.answer(key, 4) is None
    return session.id, key


def row(db: Database, interview_id: uuid.UUID) -> tuple[str, uuid.UUID, int, int]:
    with db.transaction() as c:
        r = c.execute(select(Interview.status, Interview.interviewer_id, Interview.revision,
                             Interview.synced_revision).where(Interview.id == interview_id)
                      ).one()
    return r.status, r.interviewer_id, r.revision, r.synced_revision


def paradata_count(db: Database, interview_id: uuid.UUID) -> int:
    with db.transaction() as c:
        return int(c.scalar(select(func.count()).where(
            ParadataEvent.interview_id == interview_id)) or 0)


def test_a_rejected_interview_follows_its_interviewer_to_a_fresh_device(
        central: Database, transport: DirectTransport, tmp_path: Path) -> None:
    seed = csat_central(central)
    ann = seed.interviewers[0]
    laptop = Device(tmp_path / "a", ann)
    laptop.sync(transport)
    interview, key = begin(laptop, seed.cases[ann.id][0])
    laptop.complete(interview)
    assert laptop.sync(transport).pushed == {"interviews_applied": 1}
    ReviewService(central, seed.supervisor, FixedClock()).reject(interview, "ask again")
    assert laptop.sync(transport).pulled["interviews"] == 1  # the laptop hears of it too

    fresh = Device(tmp_path / "b", ann)  # another laptop, or a fresh data folder
    report = fresh.sync(transport)

    assert report.pulled["interviews"] == 1
    status, owner, revision, synced = row(fresh.db, interview)
    assert (status, owner) == ("rejected", ann.id)
    assert revision == synced == row(central, interview)[2]  # acknowledged: nothing to push
    assert fresh.pending() == 0
    assert fresh.answers(interview) == answers_of(central, interview) == {key: "4"}
    assert paradata_count(fresh.db, interview) == paradata_count(central, interview)
    session = interviewing(fresh).open(interview)
    assert session.interview.find(key).value == "4"  # type: ignore[union-attr]
    assert session.remarks[""] == "ask again"
    assert fresh.sync(transport).pulled == {}  # nothing new: nothing comes again

    # the interviewer continues on the fresh device; every paradata event reaches central
    assert session.answer(key, 5) is None
    assert fresh.sync(transport).pushed == {"interviews_applied": 1}
    assert answers_of(central, interview) == {key: "5"}
    assert paradata_count(central, interview) == paradata_count(fresh.db, interview)

    # the first laptop's copy is now out of date: a change made there is kept, not applied
    laptop.answer(interview, key, "1")
    report = laptop.sync(transport)
    assert report.pushed == {"interviews_conflict": 1} and report.conflicts == 1
    assert answers_of(central, interview) == {key: "5"}


def test_a_reassigned_case_brings_its_interview_to_the_new_interviewer(
        central: Database, transport: DirectTransport, tmp_path: Path) -> None:
    seed = csat_central(central)
    ann, bob = seed.interviewers
    ann_laptop = Device(tmp_path / "a", ann)
    ann_laptop.sync(transport)
    case_id = seed.cases[ann.id][0]
    interview, key = begin(ann_laptop, case_id)
    ann_laptop.sync(transport)  # ann's work is on central, in progress
    ReviewService(central, seed.supervisor, FixedClock()).reassign(case_id, bob.id)

    bob_laptop = Device(tmp_path / "c", bob)
    report = bob_laptop.sync(transport)

    # the interview moved with the case: bob continues ann's interview, not a new one
    assert report.pulled["interviews"] == 1
    assert row(central, interview)[:2] == ("in_progress", bob.id)
    status, owner, revision, synced = row(bob_laptop.db, interview)
    assert (status, owner) == ("in_progress", bob.id) and revision == synced
    items = [i for i in interviewing(bob_laptop).work_list() if i.case_id == case_id]
    assert [(i.interview_id, i.status) for i in items] == [(interview, "in_progress")]
    session = interviewing(bob_laptop).open(interview)
    assert session.interview.find(key).value == "4"  # type: ignore[union-attr]
    assert session.answer(key, 2) is None
    report = bob_laptop.sync(transport)
    assert report.pushed == {"interviews_applied": 1} and report.conflicts == 0
    assert answers_of(central, interview) == {key: "2"}

    # ann, offline, changed it meanwhile: her version is kept as a conflict, bob's stays
    ann_laptop.answer(interview, key, "1")
    report = ann_laptop.sync(transport)
    assert report.pushed == {"interviews_conflict": 1}
    assert answers_of(central, interview) == {key: "2"}
    with central.transaction() as c:
        assert c.execute(select(SyncConflict.entity_id)).scalars().all() == [interview]
    assert [i.case_id for i in interviewing(ann_laptop).work_list()] == \
        seed.cases[ann.id][1:]


class WorkDuringSync:
    """The interviewer keeps working while the sync runs (it runs on a worker thread):
    `work` runs just before the first pull is sent, after the push."""

    def __init__(self, inner: DirectTransport, work: Callable[[], None]) -> None:
        self.inner = inner
        self.label = inner.label
        self.work: Callable[[], None] | None = work

    def exchange(self, request: Request) -> Response:
        if isinstance(request.message, PullRequest) and self.work is not None:
            self.work()
            self.work = None
        return self.inner.exchange(request)

    def close(self) -> None:
        self.inner.close()


def test_pending_work_on_the_device_is_never_replaced_by_a_pulled_interview(
        central: Database, transport: DirectTransport, tmp_path: Path) -> None:
    seed = csat_central(central)
    ann = seed.interviewers[0]
    review = ReviewService(central, seed.supervisor, FixedClock())
    laptop = Device(tmp_path / "a", ann)
    laptop.sync(transport)
    interview, key = begin(laptop, seed.cases[ann.id][0])
    laptop.complete(interview)
    laptop.sync(transport)
    review.reject(interview, "again")
    other = Device(tmp_path / "b", ann)
    other.sync(transport)
    assert other.answers(interview) == {key: "4"}
    laptop.sync(transport)  # the laptop fixes it and sends it in again: rejected again
    laptop.answer(interview, key, "1")
    laptop.complete(interview)
    assert laptop.sync(transport).pushed == {"interviews_applied": 1}
    review.reject(interview, "once more")

    report = other.sync(WorkDuringSync(transport, lambda: other.answer(interview, key, "3")))

    assert "interviews" not in report.pulled and report.pulled["decisions"] == 1
    assert other.answers(interview) == {key: "3"}  # the pull did not overwrite it
    status, _, revision, synced = row(other.db, interview)
    central_status, _, central_revision, _ = row(central, interview)
    # the decision reached it: its pending version is now based on central's
    assert (status, synced, revision) == ("rejected", central_revision, central_revision + 1)
    assert central_status == "rejected"
    assert other.sync(transport).pushed == {"interviews_applied": 1}
    assert answers_of(central, interview) == {key: "3"}


def test_a_push_racing_another_for_a_new_interview_upserts_instead(
        central: Database, transport: DirectTransport, tmp_path: Path) -> None:
    """Central takes interviews it has never seen with plain inserts; when another push
    got there first (verdicts given before its commit), the batch upserts instead."""
    from interviewer.sync import central_side, device_side
    from interviewer.sync.codec import aggregate_hash

    seed = csat_central(central)
    ann = seed.interviewers[0]
    laptop = Device(tmp_path / "a", ann)
    laptop.sync(transport)
    interview, key = begin(laptop, seed.cases[ann.id][0])
    with laptop.db.transaction() as c:
        [aggregate] = device_side.read_aggregates(c, [interview])
    digest = aggregate_hash(aggregate.interview, aggregate.answers)
    for _ in range(2):  # the second time as if the first had not been seen
        with central.transaction() as c:
            central_side._write_interviews(c, [(aggregate, digest)], laptop.device_id,
                                           known=set())
    assert answers_of(central, interview) == {key: "4"}
    assert row(central, interview)[2:] == (aggregate.revision, aggregate.revision)
