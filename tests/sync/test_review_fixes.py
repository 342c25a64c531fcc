"""Regressions from the sync review: a refused version stays pending at its old base,
concurrent pushes of one interview, an interview held by another interviewer, a new answer
id at a path central holds, and a sync log row left 'running'."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from interviewer.services.review import ReviewService
from interviewer.services.sync import SyncService
from interviewer.storage.db import Database
from interviewer.storage.models import Answer, Assignment, Interview, SyncConflict
from interviewer.sync import central_side
from interviewer.sync.messages import Request, Response
from interviewer.sync.transport import DirectTransport
from tests.sync.helpers import Device, FixedClock, answers_of, seed_central


def _conflicts(db: Database) -> int:
    with db.transaction() as c:
        return int(c.scalar(select(func.count()).select_from(SyncConflict)) or 0)


def _revisions(db: Database, interview: Any) -> tuple[int, int]:
    with db.transaction() as c:
        row = c.execute(select(Interview.revision, Interview.synced_revision).where(
            Interview.id == interview)).one()
    return int(row.revision), int(row.synced_revision)


def test_a_refused_version_stays_pending_at_its_old_base(
        central: Database, transport: DirectTransport, tmp_path: Path) -> None:
    seed = seed_central(central)
    ann = seed.interviewers[0]
    d1, d2 = Device(tmp_path / "d1", ann), Device(tmp_path / "d2", ann)
    d1.sync(transport)
    i = d1.start(seed.cases[ann.id][0])
    d1.answer(i, "q1", "a")
    d1.answer(i, "q2", "b")
    d1.sync(transport)
    d2.sync(transport)  # gets the interview whole
    assert d2.answers(i) == {"q1": "a", "q2": "b"}
    base = _revisions(d2.db, i)[1]
    d1.answer(i, "q1", "D1-CONFIRMED")
    d2.answer(i, "q2", "d2-x")
    d1.sync(transport)
    assert answers_of(central, i)["q1"] == "D1-CONFIRMED"
    report = d2.sync(transport)
    assert report.pushed.get("interviews_conflict") == 1
    assert _revisions(d2.db, i)[1] == base  # not moved to the revision it sent
    d2.answer(i, "q2", "d2-y")  # based on what d2 had, never on d1's version
    report = d2.sync(transport)
    assert report.pushed.get("interviews_conflict") == 1
    assert answers_of(central, i) == {"q1": "D1-CONFIRMED", "q2": "b"}
    assert _conflicts(central) == 2  # two versions refused, each kept once
    d2.sync(transport)  # resent: recognised by its fingerprint, no new row
    assert _conflicts(central) == 2
    assert _conflicts(d2.db) == 2


@pytest.mark.parametrize("any_url", ["postgres"], indirect=True)
def test_two_concurrent_pushes_of_one_interview_are_never_both_applied(
        central: Database, transport: DirectTransport, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    seed = seed_central(central)
    ann = seed.interviewers[0]
    d1, d2 = Device(tmp_path / "d1", ann), Device(tmp_path / "d2", ann)
    d1.sync(transport)
    i = d1.start(seed.cases[ann.id][0])
    d1.answer(i, "q1", "a")
    d1.answer(i, "q2", "b")
    d1.sync(transport)
    d2.sync(transport)
    d1.answer(i, "q1", "D1-CONFIRMED")
    d2.answer(i, "q2", "D2-CONFIRMED")
    # without the lock both verdicts are given before either push commits
    barrier = threading.Barrier(2, timeout=3)
    original = central_side._verdict

    def slow(*args: Any, **kwargs: Any) -> Any:
        out = original(*args, **kwargs)
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return out

    monkeypatch.setattr(central_side, "_verdict", slow)
    reports: dict[str, dict[str, int]] = {}

    def run(name: str, device: Device) -> None:
        reports[name] = device.sync(transport).pushed

    threads = [threading.Thread(target=run, args=(n, d)) for n, d in (("d1", d1), ("d2", d2))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcomes = sorted(r.get("interviews_applied", 0) for r in reports.values())
    assert outcomes == [0, 1]
    assert sorted(r.get("interviews_conflict", 0) for r in reports.values()) == [0, 1]
    got = answers_of(central, i)
    assert got in ({"q1": "D1-CONFIRMED", "q2": "b"}, {"q1": "a", "q2": "D2-CONFIRMED"})


def test_an_interview_held_by_another_interviewer_is_never_taken_back(
        central: Database, transport: DirectTransport, tmp_path: Path) -> None:
    seed = seed_central(central)
    ann, bob = seed.interviewers
    a, b = Device(tmp_path / "a", ann), Device(tmp_path / "b", bob)
    a.sync(transport)
    b.sync(transport)
    case = seed.cases[ann.id][0]
    i = a.start(case)
    a.answer(i, "q1", "ann")
    a.sync(transport)
    ReviewService(central, seed.supervisor, clock=FixedClock()).reassign(case, bob.id)
    b.sync(transport)  # bob gets the interview whole
    a.answer(i, "q2", "ann-offline")
    assert a.sync(transport).pushed.get("interviews_conflict") == 1
    a.answer(i, "q3", "ann-more")
    assert a.sync(transport).pushed.get("interviews_conflict") == 1
    with central.transaction() as c:
        who = c.scalar(select(Interview.interviewer_id).where(Interview.id == i))
        holder = c.scalar(select(Assignment.interviewer_id).where(
            Assignment.case_id == case, Assignment.active.is_(True)))
    assert who == bob.id and holder == bob.id
    assert answers_of(central, i) == {"q1": "ann"}
    b.answer(i, "q4", "bob")
    assert b.sync(transport).pushed.get("interviews_applied") == 1
    assert answers_of(central, i) == {"q1": "ann", "q4": "bob"}


def test_a_version_held_by_another_interviewer_is_a_conflict_even_based_on_it(
        central: Database, transport: DirectTransport, tmp_path: Path) -> None:
    """The check is central's own: a device whose version is based on central's current
    one (so the revision rules would apply it) still cannot take the interview back."""
    seed = seed_central(central)
    ann, bob = seed.interviewers
    a = Device(tmp_path / "a", ann)
    a.sync(transport)
    case = seed.cases[ann.id][0]
    i = a.start(case)
    a.answer(i, "q1", "ann")
    a.sync(transport)
    with central.transaction() as c:  # central gives it to bob (no revision bump)
        c.execute(Interview.__table__.update().where(Interview.id == i).values(
            interviewer_id=bob.id))
    a.answer(i, "q2", "ann-again")
    report = a.sync(transport)
    assert report.pushed.get("interviews_conflict") == 1
    assert answers_of(central, i) == {"q1": "ann"}
    with central.transaction() as c:
        assert c.scalar(select(Interview.interviewer_id).where(Interview.id == i)) == bob.id
        reasons = list(c.scalars(select(SyncConflict.reason)))
    assert any("another interviewer" in r for r in reasons)


def test_a_new_answer_id_at_a_path_central_holds_updates_that_answer(
        central: Database, transport: DirectTransport, tmp_path: Path) -> None:
    """A cleared and re-answered question comes back under a new answer id: it updates
    central's answer at that path (central's id kept) instead of failing the batch."""
    seed = seed_central(central)
    ann = seed.interviewers[0]
    d = Device(tmp_path / "d", ann)
    d.sync(transport)
    i = d.start(seed.cases[ann.id][0])
    d.answer(i, "q1", "a")
    d.answer(i, "q5", "first")
    d.sync(transport)
    with central.transaction() as c:
        central_id = c.scalar(select(Answer.id).where(Answer.interview_id == i,
                                                      Answer.path == "q5"))
    with d.db.transaction() as c:
        c.execute(delete(Answer).where(Answer.interview_id == i, Answer.path == "q5"))
    d.answer(i, "q5", "again")  # a new id at q5
    with d.db.transaction() as c:
        assert c.scalar(select(Answer.id).where(Answer.interview_id == i,
                                                Answer.path == "q5")) != central_id
    report = d.sync(transport)
    assert report.pushed.get("interviews_applied") == 1
    assert d.pending() == 0
    assert answers_of(central, i) == {"q1": "a", "q5": "again"}
    with central.transaction() as c:
        assert c.scalar(select(Answer.id).where(Answer.interview_id == i,
                                                Answer.path == "q5")) == central_id
    d.answer(i, "q5", "third")  # and again: still the same row on central
    assert d.sync(transport).pushed.get("interviews_applied") == 1
    assert answers_of(central, i) == {"q1": "a", "q5": "third"}


class _Interrupting:
    def __init__(self, inner: DirectTransport) -> None:
        self.inner, self.label = inner, inner.label

    def exchange(self, request: Request) -> Response:
        raise KeyboardInterrupt  # Ctrl+C mid-sync

    def close(self) -> None:
        pass


def test_an_interrupted_sync_does_not_leave_its_log_row_running(
        central: Database, transport: DirectTransport, tmp_path: Path) -> None:
    seed = seed_central(central)
    ann = seed.interviewers[0]
    d = Device(tmp_path / "d", ann)
    d.sync(transport)
    d.answer(d.start(seed.cases[ann.id][0]), "q1", "x")
    with pytest.raises(KeyboardInterrupt):
        d.sync(_Interrupting(transport))
    history = SyncService(d.db, transport, ann, d.device_id).history()
    assert history[0].status == "interrupted"
    assert history[0].finished_at is not None
    d.sync(transport)
    statuses = [h.status for h in SyncService(d.db, transport, ann, d.device_id).history()]
    assert "running" not in statuses
    assert statuses.count("interrupted") == 1


def test_a_log_row_left_running_by_a_killed_process_becomes_interrupted(
        central: Database, transport: DirectTransport, tmp_path: Path) -> None:
    seed = seed_central(central)
    ann = seed.interviewers[0]
    d = Device(tmp_path / "d", ann)
    service = SyncService(d.db, transport, ann, d.device_id)
    service._start_log()  # the process died here
    d.sync(transport)
    statuses = [h.status for h in service.history()]
    assert sorted(statuses) == ["interrupted", "ok"]
