"""Push, pull and conflicts between devices and central, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update

from interviewer.services.review import ReviewService
from interviewer.services.sync import SyncService
from interviewer.storage.db import Database
from interviewer.storage.models import (
    Answer,
    Assignment,
    Interview,
    ParadataEvent,
    Remark,
    SyncConflict,
    User,
)
from interviewer.sync.transport import DirectTransport
from tests.sync.helpers import (
    Device,
    FixedClock,
    answers_of,
    assert_sheets_agree,
    seed_central,
    sheets_of,
)


def test_a_completed_interview_reaches_central_and_the_outbox_empties(
        central: Database, transport: DirectTransport, tmp_path: Path) -> None:
    seed = seed_central(central)
    ann = seed.interviewers[0]
    device = Device(tmp_path / "dev", ann)
    first = device.sync(transport)
    assert first.status == "ok"
    assert first.pulled["assignments"] == 3 and first.pulled["cases"] == 3

    case_id = seed.cases[ann.id][0]
    interview = device.start(case_id)
    for n in range(5):
        device.answer(interview, f"q{n}", str(n))
    device.answer(interview, "q1", "changed")
    device.complete(interview)
    report = device.sync(transport)

    assert report.pushed == {"interviews_applied": 1}
    assert answers_of(central, interview) == device.answers(interview)
    assert answers_of(central, interview)["q1"] == "changed"
    assert device.pending() == 0
    with central.transaction() as c:
        assert c.scalar(select(Interview.status).where(Interview.id == interview)) == \
            "completed"
        assert len(c.execute(select(ParadataEvent.id).where(
            ParadataEvent.interview_id == interview)).all()) == 7
    again = device.sync(transport)
    assert again.pushed == {} and again.pulled == {}
    assert [h.status for h in SyncService(device.db, transport, ann, device.device_id)
            .history()] == ["ok", "ok", "ok"]


def test_only_the_syncing_user_gets_a_password_hash(
        central: Database, transport: DirectTransport, tmp_path: Path) -> None:
    seed = seed_central(central)
    ann = seed.interviewers[0]
    device = Device(tmp_path / "dev", ann)
    device.sync(transport)
    with device.db.transaction() as c:
        hashes = dict(c.execute(select(User.username, User.password_hash)).all())
    assert hashes["int0"] == "hash-int0"
    assert hashes["sup"] == ""  # referenced (assigned the cases), cannot sign in here
    assert "int1" not in hashes


def test_a_rejection_of_an_interview_edited_offline_keeps_both_versions(
        central: Database, transport: DirectTransport, tmp_path: Path) -> None:
    seed = seed_central(central)
    ann = seed.interviewers[0]
    device = Device(tmp_path / "dev", ann)
    device.sync(transport)
    interview = device.start(seed.cases[ann.id][0])
    device.answer(interview, "q1", "a")
    device.complete(interview)
    device.sync(transport)
    # the supervisor rejects while the device, offline, changes it
    ReviewService(central, seed.supervisor, FixedClock()).reject(interview, "check q1")
    with device.db.transaction() as c:  # an edit the device made meanwhile (reopened)
        c.execute(Interview.__table__.update().where(Interview.id == interview).values(
            status="in_progress", revision=Interview.revision + 1))
    device.answer(interview, "q2", "offline")

    report = device.sync(transport)

    assert report.conflicts == 1
    assert report.pushed == {"interviews_conflict": 1}
    assert answers_of(central, interview) == {"q1": "a"}  # central's version untouched
    with central.transaction() as c:
        conflict = c.execute(select(SyncConflict)).one()
        assert c.scalar(select(Interview.status).where(Interview.id == interview)) == \
            "rejected"
    assert conflict.case_id == seed.cases[ann.id][0]
    assert {a["path"]: a["value"] for a in conflict.device_payload["answers"]} == \
        {"q1": "a", "q2": "offline"}
    assert [c.entity_id for c in SyncService(device.db, transport, ann, device.device_id)
            .conflicts()] == [interview]
    assert device.status(interview) == "rejected"  # the decision reached the device
    assert device.answers(interview) == {"q1": "a", "q2": "offline"}  # nothing lost
    with device.db.transaction() as c:  # and the supervisor's comment with it
        assert c.execute(select(Remark.text).where(Remark.interview_id == interview)
                         ).scalars().all() == ["check q1"]

    # the interviewer works on the rejected interview: their whole version goes up
    device.answer(interview, "q3", "fixed")
    assert device.sync(transport).pushed == {"interviews_applied": 1}
    assert answers_of(central, interview) == {"q1": "a", "q2": "offline", "q3": "fixed"}


def test_reassigning_a_case_keeps_the_first_interviewers_work_and_flags_it(
        central: Database, transport: DirectTransport, tmp_path: Path) -> None:
    seed = seed_central(central)
    ann, bob = seed.interviewers
    device = Device(tmp_path / "ann", ann)
    device.sync(transport)
    case_id = seed.cases[ann.id][0]
    interview = device.start(case_id)
    device.answer(interview, "q1", "ann's")
    ReviewService(central, seed.supervisor, FixedClock()).reassign(case_id, bob.id)

    report = device.sync(transport)

    assert report.pushed == {"interviews_applied": 1} and report.conflicts == 1
    assert answers_of(central, interview) == {"q1": "ann's"}
    with central.transaction() as c:
        assert c.execute(select(SyncConflict.case_id)).scalars().all() == [case_id]
        holders = c.execute(select(Assignment.interviewer_id).where(
            Assignment.case_id == case_id, Assignment.active.is_(True))).scalars().all()
    assert holders == [bob.id]
    with device.db.transaction() as c:
        assert c.scalar(select(Assignment.active).where(Assignment.case_id == case_id)) \
            is False
    assert device.answers(interview) == {"q1": "ann's"}
    bob_device = Device(tmp_path / "bob", bob)
    assert bob_device.sync(transport).pulled["assignments"] == 4


def test_the_same_revision_with_other_content_is_a_conflict_not_an_overwrite(
        central: Database, transport: DirectTransport, tmp_path: Path) -> None:
    seed = seed_central(central)
    ann = seed.interviewers[0]
    device = Device(tmp_path / "dev", ann)
    device.sync(transport)
    interview = device.start(seed.cases[ann.id][0])
    device.answer(interview, "q1", "first")
    device.sync(transport)
    with device.db.transaction() as c:  # a restored backup diverges at the same revision
        c.execute(Interview.__table__.update().where(Interview.id == interview).values(
            synced_revision=Interview.synced_revision - 1))
        c.execute(Answer.__table__.update().values(value="other"))

    report = device.sync(transport)

    assert report.pushed == {"interviews_conflict": 1}
    assert answers_of(central, interview) == {"q1": "first"}



def test_central_keeps_each_interviews_answer_sheet_with_its_answers(
        central: Database, transport: DirectTransport, tmp_path: Path) -> None:
    """What an export reads (storage.sheets): written by the push that brings an
    interview (PostgreSQL: by the very statement inserting a new one's answers) and
    rewritten by the next, from the rows central then holds."""
    seed = seed_central(central)
    ann = seed.interviewers[0]
    device = Device(tmp_path / "dev", ann)
    device.sync(transport)
    first, second = (device.start(case) for case in seed.cases[ann.id][:2])
    for interview in (first, second):
        for path, value in (("b", "2"), ("a", "1"), ("grp/c", "3"), ("kid[1]/n", "Al"),
                            ("d", "x")):
            device.answer(interview, path, value)
    with device.db.transaction() as c:  # a refusal, and an answer cleared on completion
        c.execute(update(Answer).where(Answer.interview_id == first, Answer.path == "b")
                  .values(value=None, special="refused"))
        c.execute(update(Answer).where(Answer.interview_id == first, Answer.path == "d")
                  .values(value=None))
    device.sync(transport)
    assert sheets_of(central)[first] == [("a", "1", ""), ("b", "", "refused"),
                                         ("grp/c", "3", "")]
    assert_sheets_agree(central)
    device.answer(first, "a", "changed")
    device.answer(first, "e", "5")
    device.sync(transport)
    assert sheets_of(central)[first] == [("a", "changed", ""), ("b", "", "refused"),
                                         ("e", "5", ""), ("grp/c", "3", "")]
    assert_sheets_agree(central)
