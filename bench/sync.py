"""Sync speed against PostgreSQL (INTERVIEWER_TEST_PG_URL, default postgres on
127.0.0.1:5432; two scratch databases are made and dropped).

- push_s: a device pushes INTERVIEWS completed interviews of ANSWERS answers each;
  raw_s: the same rows inserted with plain executemany into an empty central in the
  same run; ratio = push_s / raw_s.
- noop_sync_ms: the best of 5 syncs with nothing to do, once central holds CENTRAL_SIZE
  interviews (the cost must follow the change, not the size).
Prints one JSON object as its last line:
    {"push_s": ..., "raw_s": ..., "ratio": ..., "noop_sync_ms": ...}
Run: .venv/bin/python bench/sync.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import uuid
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


def main(interviews: int = INTERVIEWS, central_size: int = CENTRAL_SIZE) -> dict[str, float]:
    tag = uuid.uuid4().hex[:8]
    names = [f"bench_sync_{tag}", f"bench_raw_{tag}"]
    user = CurrentUser(id=uuid7(), username="ann", role="interviewer")
    try:
        central = open_central(scratch_database(names[0]))
        raw = open_central(scratch_database(names[1]))
        with tempfile.TemporaryDirectory() as folder:
            device = open_store(Path(folder) / "device")
            version_id, survey_id = reference_rows(central, user)
            reference_rows(raw, user)
            reference_rows(device, user)
            rows = interview_rows(user, version_id, survey_id, interviews, synced=False)
            bulk_insert(device, *rows)
            sync = SyncService(device, DirectTransport(central), user, "bench")

            start = time.perf_counter()
            report = sync.run()
            push_s = time.perf_counter() - start
            assert report.pushed == {"interviews_applied": interviews}, report.pushed

            start = time.perf_counter()
            bulk_insert(raw, *rows)
            raw_s = time.perf_counter() - start

            more = central_size - interviews
            for begin in range(0, more, 10_000):
                bulk_insert(central, *interview_rows(user, version_id, survey_id,
                                                     min(10_000, more - begin), synced=True))
            noop = []
            for _ in range(5):
                start = time.perf_counter()
                assert sync.run().pushed == {}
                noop.append(time.perf_counter() - start)
            device.dispose()
        central.dispose()
        raw.dispose()
    finally:
        for name in names:
            drop_database(name)
    return {"push_s": round(push_s, 2), "raw_s": round(raw_s, 2),
            "ratio": round(push_s / raw_s, 2), "noop_sync_ms": round(min(noop) * 1000, 1)}


if __name__ == "__main__":
    result = main()
    print(json.dumps(result))
    sys.exit(0)
