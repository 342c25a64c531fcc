from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from interviewer.context import AppContext, build_context
from interviewer.demo import DemoInfo, create_demo


@pytest.fixture
def context(tmp_path: Path) -> Iterator[AppContext]:
    ctx = build_context(tmp_path / "data")
    yield ctx
    ctx.close()


@pytest.fixture
def demo(context: AppContext) -> DemoInfo:
    return create_demo(context)
