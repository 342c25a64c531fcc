"""Claiming from the shared CATI queue on PostgreSQL with 50 concurrent workstations.

A database is created on the server (INTERVIEWER_TEST_PG_URL, else postgres on
127.0.0.1:5432), migrated and filled with CASES cases of one CATI survey; PROCESSES
worker processes of THREADS threads each (every thread its own connection and local
store, as a workstation) claim with CallingService.next_case until the queue is empty,
recording "complete" after each claim, with THINK_MS of talking in between (each call
lasting 0.5-1.5 times THINK_MS, the first starting at a random moment within it). The
default, one second a call, is already far busier than a call centre (50 interviewers
claiming 2,700 cases a minute); `--think-ms 0` is the stress case, 50 workers claiming
back to back. The latency of each next_case call is measured; afterwards the database is
asked how many cases were called more than once. The database is dropped at the end.

Prints a summary, then one JSON object as its last line:
    {"claims_per_s": ..., "claim_p99_ms": ..., "double_claims": 0, ...}
Run: .venv/bin/python bench/checkout.py [--cases N] [--think-ms MS]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from interviewer.services.calling import CallingService
from interviewer.services.common import CurrentUser
from interviewer.storage.central import open_central
from interviewer.storage.db import Database, sqlite_url
from interviewer.storage.ids import uuid7
from interviewer.storage.models import CallAttempt, Case, QuestionnaireVersion, Survey, User

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CASES, PROCESSES, THREADS, THINK_MS = 3_000, 10, 5, 1000.0
NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # a Wednesday afternoon: calling hours


def server_url() -> str:
    return os.environ.get("INTERVIEWER_TEST_PG_URL") or DEFAULT_SERVER


# -- the database --

def put_users(connection: Any, user_ids: list[uuid.UUID]) -> None:
    connection.execute(insert(User.__table__), [
        {"id": u, "username": f"bench{n}", "display_name": "", "role": "interviewer",
         "password_hash": "-", "active": True, "failed_logins": 0, "created_at": NOW,
         "updated_at": NOW, "revision": 1, "synced_revision": 1}
        for n, u in enumerate(user_ids)])


def fill(central: Database, folder: Path, cases: int, user_ids: list[uuid.UUID]) -> uuid.UUID:
    """Users, one CATI survey and its cases on central; the local template store."""
    version_id, survey_id = uuid7(), uuid7()
    with central.transaction() as connection:
        put_users(connection, user_ids)
        connection.execute(insert(QuestionnaireVersion.__table__).values(
            id=version_id, form_id="bench", version="1", title="Bench", file_name="b.xlsx",
            content=b"-", sha256="0" * 64, languages={}, published_at=NOW, revision=1,
            synced_revision=0))
        connection.execute(insert(Survey.__table__).values(
            id=survey_id, name="Checkout bench", mode="cati",
            questionnaire_version_id=version_id, settings={}, created_at=NOW, revision=1,
            synced_revision=0))
        for start in range(0, cases, 5000):
            connection.execute(insert(Case.__table__), [
                {"id": uuid7(), "survey_id": survey_id, "external_id": f"B{n}",
                 "respondent_name": "", "phone": f"+4820{n:07d}", "phones": [],
                 "timezone": "UTC", "preload": {}, "status": "new", "priority": n % 3,
                 "attempts": 0, "appointment_hard": False, "do_not_call": False,
                 "created_at": NOW, "revision": 1, "synced_revision": 0}
                for n in range(start, min(cases, start + 5000))])
        connection.execute(text("ANALYZE cases"))
    template = open_central(sqlite_url(folder / "template.sqlite"))
    with template.transaction() as connection:
        put_users(connection, user_ids)
    template.dispose()
    return survey_id


def double_claims(central: Database) -> int:
    """Cases called more than once (each case is closed by its first call)."""
    with central.transaction() as connection:
        per_case = (select(CallAttempt.case_id).group_by(CallAttempt.case_id)
                    .having(func.count() > 1).subquery())
        return int(connection.scalar(select(func.count()).select_from(per_case)) or 0)


# -- a workstation process --

def clock() -> datetime:
    """The fixed afternoon plus the time elapsed: calling hours whenever the bench runs."""
    return NOW + (datetime.now(UTC) - START)


START = datetime.now(UTC)


def work(service: CallingService, survey_id: uuid.UUID, think: float,
         latencies: list[float], claims: list[str]) -> None:
    # calls last different times: with a pause, workers start apart and stay apart
    # (identical pauses would march all 50 to the queue in the same millisecond)
    rng = random.Random()
    if think:
        time.sleep(rng.uniform(0, think))
    while True:
        t0 = time.perf_counter()
        claimed = service.next_case(survey_id)
        latencies.append(time.perf_counter() - t0)
        if claimed is None:
            return
        claims.append(str(claimed[0].case_id))
        if think:
            time.sleep(rng.uniform(0.5, 1.5) * think)
        service.record_outcome(claimed[0], "complete")


def worker(central_url: str, survey: str, users: str, folder: str, think: float) -> None:
    services = []
    for user in users.split(","):
        local = Path(folder) / f"ws-{uuid.uuid4().hex[:8]}.sqlite"
        shutil.copyfile(Path(folder) / "template.sqlite", local)
        services.append(CallingService(
            Database(central_url), Database(sqlite_url(local)),
            CurrentUser(id=uuid.UUID(user), username="bench", role="interviewer"),
            clock=clock, device_id=local.stem))
    latencies: list[float] = []
    claims: list[str] = []
    print("READY", flush=True)
    sys.stdin.readline()
    threads = [threading.Thread(target=work, args=(s, uuid.UUID(survey), think, latencies,
                                                   claims)) for s in services]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"latencies": latencies, "claims": claims}), flush=True)


# -- the run --

def run(cases: int = CASES, processes: int = PROCESSES, threads: int = THREADS,
        think_ms: float = THINK_MS) -> dict[str, Any]:
    name = f"interviewer_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(server_url()), isolation_level="AUTOCOMMIT",
                          poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url()).set(database=name).render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            return _measure(url, Path(tmp), cases, processes, threads, think_ms)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _measure(url: str, folder: Path, cases: int, processes: int, threads: int,
             think_ms: float) -> dict[str, Any]:
    central = open_central(url)
    try:
        user_ids = [uuid7() for _ in range(processes * threads)]
        survey_id = fill(central, folder, cases, user_ids)
        workers = [subprocess.Popen(
            [sys.executable, __file__, "--worker", url, str(survey_id),
             ",".join(str(u) for u in user_ids[p * threads:(p + 1) * threads]), str(folder),
             str(think_ms / 1000)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            for p in range(processes)]
        for w in workers:
            assert w.stdout is not None and w.stdout.readline() == "READY\n"
        t0 = time.perf_counter()
        for w in workers:
            assert w.stdin is not None
            w.stdin.write("\n")
            w.stdin.flush()
        results = [json.loads(w.communicate()[0]) for w in workers]
        elapsed = time.perf_counter() - t0
        latencies = sorted(x for r in results for x in r["latencies"])
        claims = [c for r in results for c in r["claims"]]
        doubles = double_claims(central) + len(claims) - len(set(claims))
    finally:
        central.dispose()
    p99 = statistics.quantiles(latencies, n=100)[98] * 1000 if len(latencies) > 1 \
        else latencies[0] * 1000
    return {"claims_per_s": round(len(claims) / elapsed, 1), "claim_p99_ms": round(p99, 2),
            "double_claims": doubles, "claims": len(claims), "cases": cases,
            "workers": processes * threads, "claim_p50_ms": round(
                statistics.median(latencies) * 1000, 2), "think_ms": think_ms,
            "seconds": round(elapsed, 1)}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(*sys.argv[2:6], think=float(sys.argv[6]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=CASES)
    parser.add_argument("--processes", type=int, default=PROCESSES)
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--think-ms", type=float, default=THINK_MS)
    args = parser.parse_args()
    result = run(args.cases, args.processes, args.threads, args.think_ms)
    print(f"{result['claims']} claims of {result['cases']} cases by {result['workers']} "
          f"workers in {result['seconds']} s: {result['claims_per_s']} claims/s, p50 "
          f"{result['claim_p50_ms']} ms, p99 {result['claim_p99_ms']} ms, "
          f"{result['double_claims']} double claims", file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
