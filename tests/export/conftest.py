"""The export tests' store, built once per module: answering is the slow part."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.export.helpers import Store, build_store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    built = build_store(tmp_path_factory.mktemp("export"))
    yield built
    built.context.close()
