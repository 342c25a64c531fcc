"""Real questionnaires written by others (../shared/corpus/xlsform): each that pyxform
accepts loads and runs with an empty answer file; each that pyxform rejects gives a clear,
located error and no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyxform.xls2xform import convert

from interviewer.questionnaire.compiled import load_form
from interviewer.questionnaire.errors import FormError
from interviewer.questionnaire.runner import run_interview

from .odk import CORPUS, corpus_forms, need

# Corpus forms that pyxform accepts but we refuse, and the feature named in our error.
# README lists the same features under "Not supported yet".
UNSUPPORTED: dict[str, str] = {}


def pyxform_accepts(path: Path) -> bool:
    try:
        convert(xlsform=str(path), validate=False)
    except Exception:
        return False
    return True


def test_the_corpus_is_there() -> None:
    need(CORPUS.is_dir(), f"no corpus at {CORPUS}")
    assert len(corpus_forms()) >= 30


@pytest.mark.filterwarnings("ignore::UserWarning")  # openpyxl on some workbooks' extensions
@pytest.mark.parametrize("path", corpus_forms(), ids=lambda p: p.name[:60])
def test_corpus_form(path: Path) -> None:
    accepted = pyxform_accepts(path)
    try:
        form = load_form(path)
    except FormError as e:
        text = str(e)
        assert "Traceback" not in text and path.name in text
        if accepted:
            feature = UNSUPPORTED.get(path.name)
            assert feature is not None, f"pyxform accepts {path.name} but we refuse: {text}"
            assert feature in text
        return
    assert accepted, f"pyxform rejects {path.name} but we load it"
    result = run_interview(form, {})
    assert result.status in ("completed", "stopped")
    if result.status == "stopped":  # at a required question, or at a default that
        assert result.error is not None  # breaks its own constraint (as ODK stops too)
        kind, name = result.error["kind"], result.error["question"].rsplit("/", 1)[-1]
        assert kind == "required" or (kind == "constraint" and form.single(name).question
                                      .default is not None), result.error
