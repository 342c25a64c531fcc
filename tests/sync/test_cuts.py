"""A sync cut at every message boundary, then run again, ends where an uninterrupted sync
ends; batches delivered twice and out of order change nothing."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from interviewer.services import sync as sync_service
from interviewer.services.review import ReviewService
from interviewer.services.sync import SyncFailed
from interviewer.storage.central import open_central
from interviewer.storage.db import Database, backup_sqlite, sqlite_url
from interviewer.sync.central_side import handle
from interviewer.sync.messages import PushRequest
from interviewer.sync.transport import DirectTransport
from tests.sync.helpers import (
    CuttingTransport,
    Device,
    FixedClock,
    RecordingTransport,
    canonical_dump,
    seed_central,
)


class Centrals:
    """Copies of one prepared central: SQLite files, or PostgreSQL databases made from it
    as a template."""

    def __init__(self, url: str, tmp: Path) -> None:
        self.url = url
        self.tmp = tmp
        self.made: list[str] = []

    def copy(self) -> str:
        name = f"copy_{uuid.uuid4().hex[:10]}"
        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite":
            target = self.tmp / f"{name}.sqlite"
            backup_sqlite(Path(str(parsed.database)), target)
            return sqlite_url(target)
        admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT",
                              poolclass=NullPool)
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"'))
        admin.dispose()
        self.made.append(name)
        return parsed.set(database=name).render_as_string(hide_password=False)

    def drop(self) -> None:
        parsed = make_url(self.url)
        if not self.made:
            return
        admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT",
                              poolclass=NullPool)
        with admin.connect() as c:
            for name in self.made:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def prepared(any_url: str, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Centrals, Device]]:
    """A central with a decision waiting, and a device with five interviews to push in
    three batches: push, push, push, pull."""
    monkeypatch.setattr(sync_service, "BATCH", 2)
    central = open_central(any_url)
    seed = seed_central(central, interviewers=1, cases_each=6)
    ann = seed.interviewers[0]
    device = Device(tmp_path / "device", ann)
    transport = DirectTransport(central)
    device.sync(transport)
    first = device.start(seed.cases[ann.id][5])
    device.answer(first, "q", "done")
    device.complete(first)
    device.sync(transport)
    ReviewService(central, seed.supervisor, FixedClock()).reject(first, "again")
    for case_id in seed.cases[ann.id][:5]:
        interview = device.start(case_id)
        for n in range(4):
            device.answer(interview, f"q{n}", f"{case_id}-{n}")
        device.complete(interview)
    central.dispose()
    device.db.dispose()
    centrals = Centrals(any_url, tmp_path)
    yield centrals, device
    centrals.drop()


def device_copy(device: Device, folder: Path) -> Device:
    folder.mkdir(parents=True)
    backup_sqlite(device.folder / "interviewer.sqlite", folder / "interviewer.sqlite")
    return Device(folder, device.user)


def test_a_cut_at_any_message_boundary_then_a_resync_ends_as_an_uninterrupted_sync(
        prepared: tuple[Centrals, Device], tmp_path: Path) -> None:
    centrals, device = prepared
    baseline_central = Database(centrals.copy())
    baseline = device_copy(device, tmp_path / "baseline")
    assert baseline.sync(DirectTransport(baseline_central)).status == "ok"
    expected = canonical_dump(baseline_central)
    baseline_central.dispose()

    messages = 4
    for at in range(messages):
        for after_commit in (False, True):
            central = Database(centrals.copy())
            copy = device_copy(device, tmp_path / f"cut{at}{after_commit}")
            with pytest.raises(SyncFailed, match="cut"):
                copy.sync(CuttingTransport(DirectTransport(central), at, after_commit))
            assert copy.sync(DirectTransport(central)).status == "ok"
            assert canonical_dump(central) == expected, (at, after_commit)
            assert copy.pending() == 0
            statuses = [h.status for h in sync_service.SyncService(
                copy.db, DirectTransport(central), copy.user, copy.device_id).history()]
            assert statuses[:2] == ["ok", "failed"]
            central.dispose()
            copy.db.dispose()


def test_batches_delivered_twice_and_out_of_order_change_nothing(
        prepared: tuple[Centrals, Device], tmp_path: Path) -> None:
    centrals, device = prepared
    central = Database(centrals.copy())
    copy = device_copy(device, tmp_path / "copy")
    recorder = RecordingTransport(DirectTransport(central))
    copy.sync(recorder)
    interviews = copy_ids(copy)
    copy.answer(interviews[0], "q0", "later")  # a newer revision of one sent before
    copy.sync(recorder)
    pushes = [r for r in recorder.requests if isinstance(r.message, PushRequest)]
    assert len(pushes) == 4
    before = canonical_dump(central)

    replay = pushes * 2
    random.Random(5).shuffle(replay)
    for request in replay:
        assert handle(central, request, FixedClock()).error is None

    assert canonical_dump(central) == before
    central.dispose()


def copy_ids(device: Device) -> list[uuid.UUID]:
    from sqlalchemy import select

    from interviewer.storage.models import Interview

    with device.db.transaction() as c:
        return list(c.scalars(select(Interview.id).where(Interview.status == "rejected")
                              .order_by(Interview.id)))
