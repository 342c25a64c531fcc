"""A supervisor settles a sync conflict: keep central's version or take the device's.
Either way nothing is lost, the device stops holding its version pending, and the
devices concerned end with the chosen version."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from interviewer.services.common import PermissionDenied, ServiceError
from interviewer.services.review import ReviewService
from interviewer.storage.db import Database
from interviewer.storage.models import AuditEntry, Interview, SyncConflict
from interviewer.sync.transport import DirectTransport
from tests.sync.helpers import Device, FixedClock, Seed, answers_of, seed_central


def _conflicted(central: Database, transport: DirectTransport, tmp_path: Path
                ) -> tuple[Seed, Device, Device, uuid.UUID]:
    """Ann's interview goes to Bob; Ann goes on answering offline: a kept conflict."""
    seed = seed_central(central)
    ann, bob = seed.interviewers
    a, b = Device(tmp_path / "a", ann), Device(tmp_path / "b", bob)
    a.sync(transport)
    b.sync(transport)
    case = seed.cases[ann.id][0]
    interview = a.start(case)
    a.answer(interview, "q1", "ann")
    a.sync(transport)
    ReviewService(central, seed.supervisor, clock=FixedClock()).reassign(case, bob.id)
    b.sync(transport)
    a.answer(interview, "q2", "ann-offline")
    assert a.sync(transport).pushed.get("interviews_conflict") == 1
    return seed, a, b, interview


def test_the_supervisor_sees_what_differs(
        central: Database, transport: DirectTransport, tmp_path: Path) -> None:
    seed, _, _, interview = _conflicted(central, transport, tmp_path)
    review = ReviewService(central, seed.supervisor, clock=FixedClock())
    [conflict] = review.conflicts()
    assert conflict.interview_id == interview and not conflict.resolved
    assert (conflict.interviewer, conflict.holder) == ("int0", "int1")
    assert [(d.path, d.central, d.device) for d in conflict.differences] == [
        ("q2", None, "ann-offline")]
    with pytest.raises(PermissionDenied):
        ReviewService(central, seed.interviewers[0]).conflicts()


def test_keep_central_settles_the_device_without_losing_its_version(
        central: Database, transport: DirectTransport, tmp_path: Path) -> None:
    seed, a, _, interview = _conflicted(central, transport, tmp_path)
    review = ReviewService(central, seed.supervisor, clock=FixedClock())
    [conflict] = review.conflicts()
    review.resolve_conflict(conflict.id, "central")
    report = a.sync(transport)
    assert report.pushed.get("interviews_conflict") is None  # settled: not again
    assert a.pending() == 0
    assert answers_of(central, interview) == {"q1": "ann"}
    assert review.conflicts() == []
    with central.transaction() as c:  # the device's version is still on record
        kept = c.scalar(select(SyncConflict.device_payload).where(
            SyncConflict.id == conflict.id))
        actions = list(c.scalars(select(AuditEntry.action)))
    assert kept is not None and {x["value"] for x in kept["answers"]} >= {"ann-offline"}
    assert "conflict_keep_central" in actions
    with pytest.raises(ServiceError, match="already settled"):
        review.resolve_conflict(conflict.id, "device")


def test_take_the_device_version_reaches_the_holder(
        central: Database, transport: DirectTransport, tmp_path: Path) -> None:
    seed, a, b, interview = _conflicted(central, transport, tmp_path)
    bob = seed.interviewers[1]
    review = ReviewService(central, seed.supervisor, clock=FixedClock())
    [conflict] = review.conflicts()
    review.resolve_conflict(conflict.id, "device")
    assert answers_of(central, interview) == {"q1": "ann", "q2": "ann-offline"}
    with central.transaction() as c:
        holder = c.scalar(select(Interview.interviewer_id).where(Interview.id == interview))
    assert holder == bob.id  # the case stays with its new interviewer
    report = a.sync(transport)
    assert report.pushed.get("interviews_conflict") is None and a.pending() == 0
    b.sync(transport)
    assert b.answers(interview) == {"q1": "ann", "q2": "ann-offline"}
    b.answer(interview, "q3", "bob")  # bob goes on from the version taken
    assert b.sync(transport).pushed.get("interviews_applied") == 1
    assert answers_of(central, interview) == {"q1": "ann", "q2": "ann-offline", "q3": "bob"}


def test_keep_central_replaces_the_other_devices_version(
        central: Database, transport: DirectTransport, tmp_path: Path) -> None:
    seed = seed_central(central)
    ann = seed.interviewers[0]
    d1, d2 = Device(tmp_path / "d1", ann), Device(tmp_path / "d2", ann)
    d1.sync(transport)
    interview = d1.start(seed.cases[ann.id][0])
    d1.answer(interview, "q1", "a")
    d1.sync(transport)
    d2.sync(transport)
    d1.answer(interview, "q1", "from d1")
    d2.answer(interview, "q2", "from d2")
    d1.sync(transport)
    assert d2.sync(transport).pushed.get("interviews_conflict") == 1
    review = ReviewService(central, seed.supervisor, clock=FixedClock())
    [conflict] = review.conflicts()
    review.resolve_conflict(conflict.id, "central")
    report = d2.sync(transport)
    assert report.pushed.get("interviews_conflict") is None and d2.pending() == 0
    assert d2.answers(interview) == answers_of(central, interview) == {"q1": "from d1"}
