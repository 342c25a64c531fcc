"""Central under several writers: the change log is read in commit order, and devices
syncing at the same time each land whole (PostgreSQL)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from interviewer.storage.central import open_central
from interviewer.storage.db import Database
from interviewer.storage.models import Answer, ChangeLogEntry, Interview
from interviewer.sync.central_side import serve_pull
from interviewer.sync.changes import record_change
from interviewer.sync.messages import PullRequest
from interviewer.sync.transport import DirectTransport
from tests.sync.helpers import Device, seed_central

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_central(pg_url: str) -> Iterator[Database]:
    db = open_central(pg_url)
    yield db
    db.dispose()


def pull_ids(central: Database, after: int) -> tuple[list[uuid.UUID], int]:
    with central.transaction() as c:
        page = serve_pull(c, PullRequest(device_id="d", user_id=uuid.uuid4(), after=after),
                          "admin")
    with central.transaction() as c:
        seen = list(c.scalars(select(ChangeLogEntry.entity_id).where(
            ChangeLogEntry.seq > after, ChangeLogEntry.seq <= page.watermark)))
    return seen, page.watermark


def test_a_late_committing_writer_is_not_skipped_by_a_watermark(
        pg_central: Database) -> None:
    early, late = uuid.uuid4(), uuid.uuid4()
    finished = threading.Event()
    with pg_central.engine.connect() as slow:
        transaction = slow.begin()
        record_change(slow, "case", early, None)  # holds the change-log lock, uncommitted

        def quick_writer() -> None:
            with pg_central.transaction() as c:
                record_change(c, "case", late, None)
            finished.set()

        thread = threading.Thread(target=quick_writer)
        thread.start()
        time.sleep(0.3)
        # the second writer waits: it cannot commit a higher number past the first
        assert not finished.is_set()
        seen, watermark = pull_ids(pg_central, 0)
        assert seen == []
        transaction.commit()
    thread.join(5)
    assert finished.is_set()
    seen, _ = pull_ids(pg_central, watermark)
    assert seen == [early, late]


def test_three_devices_syncing_at_once_each_land_whole(
        pg_central: Database, tmp_path: Path) -> None:
    seed = seed_central(pg_central, interviewers=3, cases_each=4)
    devices = [Device(tmp_path / f"d{n}", user) for n, user in enumerate(seed.interviewers)]
    transport = DirectTransport(pg_central)
    for device in devices:
        device.sync(transport)
        for case_id in seed.cases[device.user.id]:
            interview = device.start(case_id)
            for q in range(10):
                device.answer(interview, f"q{q}", f"{device.user.username}-{q}")
            device.complete(interview)
    errors: list[BaseException] = []

    def run(device: Device) -> None:
        try:
            for _ in range(2):
                assert device.sync(transport).status == "ok"
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=run, args=(d,)) for d in devices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with pg_central.transaction() as c:
        assert c.scalar(select(func.count()).select_from(Interview)) == 12
        assert c.scalar(select(func.count()).select_from(Answer)) == 120
        per_user = dict(c.execute(select(Interview.interviewer_id, func.count()).group_by(
            Interview.interviewer_id)).all())
    assert per_user == {u.id: 4 for u in seed.interviewers}
    assert all(d.pending() == 0 for d in devices)
