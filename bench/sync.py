"""Sync speed against PostgreSQL (INTERVIEWER_TEST_PG_URL, default postgres on
127.0.0.1:5432; four scratch databases are made and dropped).

- push_s: a device pushes INTERVIEWS completed interviews of ANSWERS answers each
  through SyncService and the DirectTransport (JSON both ways);
  raw_s: the same rows (interviews + answers, as central holds them after the push; the
  push carries no paradata here) loaded with PostgreSQL COPY into an empty central of
  the same schema in the same run, one transaction: the fastest plain bulk insert;
  timed right before and right after the push (the mean: both sides of the ratio see the
  same machine load); ratio = push_s / raw_s. The driver's executemany of the same rows
  is printed on the line before, for comparison.
- noop_sync_ms: the best of 5 syncs with nothing to do, once central holds CENTRAL_SIZE
  interviews (the cost must follow the change, not the size).
Prints one JSON object as its last line:
    {"push_s": ..., "raw_s": ..., "ratio": ..., "noop_sync_ms": ...}
Run: .venv/bin/python bench/sync.py [--interviews N] [--central-size N] [--profile FILE]
(smoke: --interviews 200 --central-size 1000, a few seconds)
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from interviewer.services.common import CurrentUser
from interviewer.services.sync import SyncService
from interviewer.storage.central import open_central
from interviewer.storage.db import Database
from interviewer.storage.ids import uuid7
from interviewer.storage.models import Answer, Interview, QuestionnaireVersion, Survey, User
from interviewer.storage.store import open_store
from interviewer.sync.codec import table_of
from interviewer.sync.transport import DirectTransport

INTERVIEWS = 10_000
ANSWERS = 50
CENTRAL_SIZE = 100_000
T0 = datetime(2026, 11, 1, tzinfo=UTC)
SERVER = os.environ.get("INTERVIEWER_TEST_PG_URL") or \
    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def scratch_database(name: str) -> str:
    admin = create_engine(make_url(SERVER), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(SERVER).set(database=name).render_as_string(hide_password=False)


def drop_database(name: str) -> None:
    admin = create_engine(make_url(SERVER), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def reference_rows(db: Database, user: CurrentUser) -> tuple[uuid.UUID, uuid.UUID]:
    """The user, questionnaire version and survey the interviews refer to."""
    version_id, survey_id = uuid.UUID(int=1), uuid.UUID(int=2)
    with db.transaction() as c:
        c.execute(insert(User).values(id=user.id, username=user.username, role=user.role,
                                      display_name="", password_hash="x", created_at=T0,
                                      updated_at=T0))
        c.execute(insert(QuestionnaireVersion).values(
            id=version_id, form_id="f", title="f", file_name="f", content=b"", sha256="0",
            published_at=T0))
        c.execute(insert(Survey).values(id=survey_id, name="s", mode="capi",
                                        questionnaire_version_id=version_id, created_at=T0))
    return version_id, survey_id


def interview_rows(user: CurrentUser, version_id: uuid.UUID, survey_id: uuid.UUID,
                   count: int, synced: bool) -> tuple[list[dict[str, Any]],
                                                      list[dict[str, Any]]]:
    interviews, answers = [], []
    for _ in range(count):
        interview_id = uuid7()
        interviews.append({"id": interview_id, "case_id": None, "survey_id": survey_id,
                           "questionnaire_version_id": version_id, "interviewer_id": user.id,
                           "status": "completed", "started_at": T0, "updated_at": T0,
                           "completed_at": T0, "revision": ANSWERS + 2,
                           "synced_revision": ANSWERS + 2 if synced else 0,
                           "origin_device": "bench", "device_id": "bench",
                           "language": None, "position": "end"})
        for n in range(ANSWERS):
            answers.append({"id": uuid7(), "interview_id": interview_id, "question": f"q{n}",
                            "path": f"q{n}", "value": f"{n * 7}", "special": None,
                            "answered_at": T0, "revision": 1,
                            "synced_revision": 1 if synced else 0, "origin_device": "bench"})
    return interviews, answers


def bulk_insert(db: Database, interviews: list[dict[str, Any]],
                answers: list[dict[str, Any]]) -> None:
    with db.transaction() as c:
        c.execute(insert(Interview), interviews)
        for start in range(0, len(answers), 10_000):
            c.execute(insert(Answer), answers[start:start + 10_000])


def pushed(rows: tuple[list[dict[str, Any]], list[dict[str, Any]]]
           ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows as central holds them after the push (acknowledged, from this device)."""
    interviews, answers = rows
    return ([dict(r, synced_revision=r["revision"], sync_hash="0" * 64) for r in interviews],
            [dict(r, synced_revision=r["revision"]) for r in answers])


def copy_insert(db: Database, interviews: list[dict[str, Any]],
                answers: list[dict[str, Any]]) -> None:
    """The raw baseline: the same rows with PostgreSQL COPY (the fastest plain bulk
    insert), one transaction, no conflict handling."""
    with db.transaction() as c:
        driver = c.connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor:
            for table, rows in ((table_of(Interview), interviews), (table_of(Answer), answers)):
                columns = [column.name for column in table.columns if column.name in rows[0]]
                with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") \
                        as copy:
                    for row in rows:
                        copy.write_row([row[name] for name in columns])


def executemany_insert(db: Database, interviews: list[dict[str, Any]],
                       answers: list[dict[str, Any]]) -> None:
    """For comparison only: the same rows with the driver's executemany (psycopg
    pipelines it), one transaction."""
    with db.transaction() as c:
        driver = c.connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor:
            for table, rows in ((table_of(Interview), interviews), (table_of(Answer), answers)):
                columns = [column.name for column in table.columns if column.name in rows[0]]
                cursor.executemany(
                    f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "
                    f"({', '.join(['%s'] * len(columns))})",
                    [[row[name] for name in columns] for row in rows])


def main(interviews: int = INTERVIEWS, central_size: int = CENTRAL_SIZE,
         profile: str | None = None) -> dict[str, float]:
    tag = uuid.uuid4().hex[:8]
    names = [f"bench_{kind}_{tag}" for kind in ("sync", "raw_before", "raw_after", "many")]
    user = CurrentUser(id=uuid7(), username="ann", role="interviewer")
    try:
        central, before, after, many = (open_central(scratch_database(n)) for n in names)
        with tempfile.TemporaryDirectory() as folder:
            device = open_store(Path(folder) / "device")
            version_id, survey_id = reference_rows(central, user)
            for db in (before, after, many, device):
                reference_rows(db, user)
            rows = interview_rows(user, version_id, survey_id, interviews, synced=False)
            bulk_insert(device, *rows)
            central_rows = pushed(rows)
            sync = SyncService(device, DirectTransport(central), user, "bench")

            # the raw load right before and right after the push, into empty centrals:
            # on a shared machine both sides of the ratio see the same load
            raw_before = timed(copy_insert, before, central_rows)
            profiler = cProfile.Profile() if profile else None
            start = time.perf_counter()
            if profiler is not None:
                profiler.enable()
            report = sync.run()
            push_s = time.perf_counter() - start
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(str(profile))
            assert report.pushed == {"interviews_applied": interviews}, report.pushed
            raw_after = timed(copy_insert, after, central_rows)
            raw_s = (raw_before + raw_after) / 2
            print(json.dumps({"raw_copy_before_s": round(raw_before, 2),
                              "raw_copy_after_s": round(raw_after, 2),
                              "raw_executemany_s": round(timed(executemany_insert, many,
                                                               central_rows), 2)}),
                  flush=True)

            more = central_size - interviews
            for begin in range(0, more, 10_000):  # filling, not measured
                copy_insert(central, *interview_rows(user, version_id, survey_id,
                                                     min(10_000, more - begin), synced=True))
            noop = []
            for _ in range(5):
                start = time.perf_counter()
                assert sync.run().pushed == {}
                noop.append(time.perf_counter() - start)
            device.dispose()
        for db in (central, before, after, many):
            db.dispose()
    finally:
        for name in names:
            drop_database(name)
    return {"push_s": round(push_s, 2), "raw_s": round(raw_s, 2),
            "ratio": round(push_s / raw_s, 2),
            "noop_sync_ms": round(statistics.median(noop) * 1000, 1),
            "noop_sync_max_ms": round(max(noop) * 1000, 1)}


def timed(load: Callable[..., None], db: Database,
          rows: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> float:
    start = time.perf_counter()
    load(db, *rows)
    return time.perf_counter() - start


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interviews", type=int, default=INTERVIEWS)
    parser.add_argument("--central-size", type=int, default=CENTRAL_SIZE)
    parser.add_argument("--profile", metavar="FILE",
                        help="write a cProfile of the push to FILE (pstats)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    options = arguments(sys.argv[1:])
    result = main(options.interviews, options.central_size, options.profile)
    print(json.dumps(result))
    sys.exit(0)
