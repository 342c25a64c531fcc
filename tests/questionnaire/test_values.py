"""Answers in, stored values out: the checks ODK's codecs make."""

from __future__ import annotations

from typing import Any

import pytest

from interviewer.questionnaire.model import Question, QuestionType
from interviewer.questionnaire.values import AnswerTypeError, to_stored


def q(kind: QuestionType, **parameters: str) -> Question:
    return Question(name="q", type=kind, parameters=parameters)


@pytest.mark.parametrize(("kind", "answer", "stored"), [
    (QuestionType.INTEGER, "007", "7"),
    (QuestionType.DECIMAL, 3, "3.0"),
    (QuestionType.DECIMAL, 1e21, "1000000000000000000000.0"),
    (QuestionType.DECIMAL, "0.000001", "0.000001"),
    (QuestionType.TIME, "10:30:00", "10:30:00"),
    (QuestionType.TIME, "23:59:59+02:00", "23:59:59+02:00"),
    (QuestionType.DATETIME, "2024-01-02T10:30:00.5Z", "2024-01-02T10:30:00.5Z"),
    (QuestionType.GEOPOINT, "1 2 3", "1.0 2.0 3.0"),
    (QuestionType.TEXT, 3.5, "3.5"),
    (QuestionType.SELECT_MULTIPLE, ["b", "a", "b"], "b a"),
    (QuestionType.ACKNOWLEDGE, True, "OK"),
])
def test_canonical_forms(kind: QuestionType, answer: Any, stored: str) -> None:
    assert to_stored(q(kind), answer) == stored


@pytest.mark.parametrize(("kind", "answer"), [
    (QuestionType.INTEGER, 3.7),
    (QuestionType.INTEGER, 2**31),
    (QuestionType.INTEGER, True),
    (QuestionType.DECIMAL, "1e400"),
    (QuestionType.DECIMAL, "NaN"),
    (QuestionType.TIME, "10:30"),
    (QuestionType.TIME, "25:99:99"),
    (QuestionType.TIME, "10:30:00+25:00"),
    (QuestionType.DATETIME, "2024-01-01T25:61"),
    (QuestionType.DATE, "2025-02-30"),
    (QuestionType.GEOPOINT, "95 10"),
    (QuestionType.GEOTRACE, "1 2"),
    (QuestionType.GEOSHAPE, "1 2;3 4;5 6"),
    (QuestionType.SELECT_ONE, ["a"]),
    (QuestionType.ACKNOWLEDGE, "yes"),
])
def test_answers_that_do_not_fit_are_refused(kind: QuestionType, answer: Any) -> None:
    with pytest.raises(AnswerTypeError):
        to_stored(q(kind), answer)


def test_range_bounds() -> None:
    question = q(QuestionType.RANGE, start="0", end="10", step="2")
    assert to_stored(question, 4) == "4"
    with pytest.raises(AnswerTypeError, match="outside the range 0 to 10"):
        to_stored(question, 12)
