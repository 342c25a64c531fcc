from __future__ import annotations

from collections.abc import Iterator

import pytest

from interviewer.storage.central import open_central
from interviewer.storage.db import Database
from interviewer.sync.transport import DirectTransport


@pytest.fixture
def central(any_url: str) -> Iterator[Database]:
    db = open_central(any_url)
    yield db
    db.dispose()


@pytest.fixture
def transport(central: Database) -> DirectTransport:
    return DirectTransport(central, label="central")
