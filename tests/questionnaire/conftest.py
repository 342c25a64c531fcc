from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from interviewer.questionnaire.compiled import CompiledForm, load_form

MakeForm = Callable[[str], Path]


@pytest.fixture
def make_form(tmp_path: Path) -> MakeForm:
    """Write a markdown-table XLSForm and return its path."""
    counter = iter(range(1000))

    def make(text: str) -> Path:
        path = tmp_path / f"form{next(counter)}.md"
        path.write_text(textwrap.dedent(text).strip() + "\n", encoding="utf-8")
        return path

    return make


@pytest.fixture
def compile_md(make_form: MakeForm) -> Callable[[str], CompiledForm]:
    def compile_(text: str) -> CompiledForm:
        return load_form(make_form(text))

    return compile_
