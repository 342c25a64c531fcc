"""The shared queue under load on the real PostgreSQL: 50 workers (10 processes of 5
threads, each thread with its own connection and local store) empty a queue of 10,000
cases, and a killed workstation's case comes back after its lease."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from interviewer.services.calling import CallingService, Lease, LeaseLost
from interviewer.services.common import CurrentUser
from interviewer.storage.central import open_central
from interviewer.storage.db import Database, sqlite_url
from interviewer.storage.models import CallAttempt, Case
from tests.services.test_calling import add_cases, add_survey, local_store, put_users, user_rows

ROOT = Path(__file__).resolve().parents[2]
PROCESSES, THREADS, CASES = 10, 5, 10_000

pytestmark = pytest.mark.postgres


def start_worker(central_url: str, survey_id: uuid.UUID, user_ids: list[uuid.UUID],
                 folder: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.services.queue_worker", central_url, str(survey_id),
         ",".join(str(u) for u in user_ids), str(folder), *extra],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})


def stop(worker: subprocess.Popen[str]) -> None:
    worker.send_signal(signal.SIGKILL)  # as a crash or a pulled plug: no clean-up runs
    worker.wait(timeout=30)
    for stream in (worker.stdin, worker.stdout):
        if stream is not None:
            stream.close()


def prepare(pg_url: str, folder: Path, users: int) -> tuple[Database, uuid.UUID, list[uuid.UUID]]:
    """Central with `users` interviewers and a survey; the template local store the
    workers copy (users on both sides with the same ids, as sync leaves them)."""
    central = open_central(pg_url)
    people = user_rows({f"worker{n}": "interviewer" for n in range(users)})
    put_users(central, people.values())
    local_store(folder / "template.sqlite", people.values()).dispose()
    return central, add_survey(central), [u.id for u in people.values()]


def test_fifty_workers_claim_every_case_exactly_once(pg_url: str, tmp_path: Path) -> None:
    central, survey_id, user_ids = prepare(pg_url, tmp_path, PROCESSES * THREADS)
    try:
        cases = set(add_cases(central, survey_id, [{} for _ in range(CASES)]))
        workers = [start_worker(pg_url, survey_id, user_ids[p * THREADS:(p + 1) * THREADS],
                                tmp_path) for p in range(PROCESSES)]
        try:
            for worker in workers:
                assert worker.stdout is not None and worker.stdout.readline() == "READY\n"
            for worker in workers:  # every workstation starts claiming at once
                assert worker.stdin is not None
                worker.stdin.write("\n")
                worker.stdin.flush()
            results = [json.loads(worker.communicate(timeout=240)[0]) for worker in workers]
        finally:
            for worker in workers:
                stop(worker)
        claims = [claim for result in results for claim in result["claims"]]
        assert sum(result["refused"] for result in results) == 0
        assert len(claims) == CASES  # no case handed out twice...
        assert {uuid.UUID(case_id) for case_id, _ in claims} == cases  # ...none left out
        assert len({token for _, token in claims}) == CASES
        with central.transaction() as connection:
            attempts = connection.execute(select(
                func.count(), func.count(CallAttempt.case_id.distinct()))).one()
            open_or_leased = connection.scalar(select(func.count()).where(
                (Case.final_disposition.is_(None)) | Case.lease_token.is_not(None)))
        assert tuple(attempts) == (CASES, CASES)  # one call per case
        assert open_or_leased == 0
    finally:
        central.dispose()


def test_a_killed_workers_case_returns_after_its_lease(pg_url: str, tmp_path: Path) -> None:
    central, survey_id, user_ids = prepare(pg_url, tmp_path, 2)
    [case_id] = add_cases(central, survey_id, [{}])
    worker = start_worker(pg_url, survey_id, user_ids[:1], tmp_path, "--hold", "--lease", "3")
    try:
        assert worker.stdout is not None
        line = worker.stdout.readline().split()
        assert line[:2] == ["HELD", str(case_id)], line
    finally:
        stop(worker)
    dead = Lease(token=line[2], case_id=case_id, survey_id=survey_id,
                 expires_at=datetime.fromisoformat(line[3]))
    shutil.copyfile(tmp_path / "template.sqlite", tmp_path / "survivor.sqlite")
    local = Database(sqlite_url(tmp_path / "survivor.sqlite"))
    survivor = CallingService(central, local, CurrentUser(
        id=user_ids[1], username="worker1", role="interviewer"), device_id="survivor")
    returning = CallingService(central, local, CurrentUser(
        id=user_ids[0], username="worker0", role="interviewer"), device_id="restarted")
    try:
        if datetime.now(UTC) < dead.expires_at - timedelta(seconds=1):
            assert survivor.next_case(survey_id) is None  # still leased to the dead one
        time.sleep(max(0.0, (dead.expires_at - datetime.now(UTC)).total_seconds()) + 0.2)
        claimed = survivor.next_case(survey_id)
        assert claimed is not None and claimed[0].case_id == case_id
        assert claimed[0].token != dead.token
        for call in (lambda: returning.heartbeat(dead), lambda: returning.release(dead),
                     lambda: returning.record_outcome(dead, "complete")):
            with pytest.raises(LeaseLost):
                call()
        survivor.record_outcome(claimed[0], "complete")
        with central.transaction() as connection:
            attempts = connection.execute(select(CallAttempt.interviewer_id)).scalars().all()
        assert attempts == [user_ids[1]]  # only the survivor's call counts
    finally:
        local.dispose()
        central.dispose()
