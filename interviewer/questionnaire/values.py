"""Answers in, stored values out: the checks and canonical forms ODK uses.

An answer arrives as JSON-like data (a number, a choice name, a list of names, a string,
`true`); the engine stores it as the string ODK would hold in its XML instance.
"""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import Decimal
from typing import Any

from interviewer.questionnaire.model import Question, QuestionType

INT32 = (-(2**31), 2**31 - 1)
INTEGER_TEXT = re.compile(r"^[+-]?\d+$")
_DEC = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)?$")
_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$")


class AnswerTypeError(ValueError):
    """The answer does not fit the question's type."""


def to_stored(q: Question, answer: Any) -> str:
    """The stored string for `answer`, or AnswerTypeError. None clears the answer."""
    if answer is None:
        return ""
    convert = _CONVERTERS.get(q.type, _text)
    return convert(q, answer)


def _integer(q: Question, a: Any) -> str:
    if isinstance(a, bool):
        raise AnswerTypeError(f"expected a whole number, got {a!r}")
    if isinstance(a, int):
        value = a
    elif isinstance(a, float) and a.is_integer():
        value = int(a)
    elif isinstance(a, str) and INTEGER_TEXT.match(a.strip()):
        value = int(a.strip())
    else:
        raise AnswerTypeError(f"expected a whole number, got {_show(a)}")
    if not INT32[0] <= value <= INT32[1]:
        raise AnswerTypeError(f"{value} is too large for a whole-number question")
    return str(value)


def _number(a: Any) -> float:
    if isinstance(a, bool):
        raise AnswerTypeError(f"expected a number, got {a!r}")
    if isinstance(a, (int, float)) and math.isfinite(a):
        return float(a)
    if isinstance(a, str) and _DEC.match(a.strip()) and math.isfinite(float(a.strip())):
        return float(a.strip())
    raise AnswerTypeError(f"expected a number, got {_show(a)}")


def decimal_text(x: float) -> str:
    """A decimal as ODK stores it: plain notation, at least one decimal place (3 -> 3.0)."""
    text = format(Decimal(repr(x)), "f")
    return text if "." in text else text + ".0"


def _decimal(q: Question, a: Any) -> str:
    return decimal_text(_number(a))


def _range(q: Question, a: Any) -> str:
    x = _number(a)
    start = _param(q, "start", 1.0)
    end = _param(q, "end", 10.0)
    low, high = min(start, end), max(start, end)
    if not low <= x <= high:
        raise AnswerTypeError(f"{_show(a)} is outside the range {_num(start)} to {_num(end)}")
    integral = all(v.is_integer() for v in (start, end, _param(q, "step", 1.0)))
    if integral:
        if not x.is_integer():
            raise AnswerTypeError(f"expected a whole number, got {_show(a)}")
        return str(int(x))
    return decimal_text(x)


def _param(q: Question, key: str, default: float) -> float:
    try:
        return float(q.parameters.get(key, default))
    except ValueError:
        return default


def _num(x: float) -> str:
    return str(int(x)) if x.is_integer() else str(x)


def _text(q: Question, a: Any) -> str:
    if isinstance(a, str):
        return a
    number = _number_text(a)
    if number is None:
        raise AnswerTypeError(f"expected text, got {_show(a)}")
    return number


def _number_text(a: Any) -> str | None:
    """A JSON number given where text is wanted, as JavaScript's String() writes it."""
    if isinstance(a, (int, float)) and not isinstance(a, bool) and math.isfinite(a):
        return str(int(a)) if float(a).is_integer() else repr(float(a))
    return None


def _date(q: Question, a: Any) -> str:
    if isinstance(a, str) and valid_date(a):
        return a
    raise AnswerTypeError(f"expected a date YYYY-MM-DD, got {_show(a)}")


def valid_date(s: str) -> bool:
    if not _DATE.match(s):
        return False
    try:
        date.fromisoformat(s)
    except ValueError:
        return False
    return True


def _time(q: Question, a: Any) -> str:
    if isinstance(a, str) and _TIME.match(a) and _clock_ok(a):
        return a
    raise AnswerTypeError(f"expected a time HH:MM:SS, got {_show(a)}")


def _datetime(q: Question, a: Any) -> str:
    if isinstance(a, str) and _DATETIME.match(a) and valid_date(a[:10]) and \
            _clock_ok(a[11:]):
        return a
    raise AnswerTypeError(f"expected a date and time (ISO 8601), got {_show(a)}")


def _clock_ok(text: str) -> bool:
    """Hours 0-23, minutes and seconds 0-59, and a zone offset that exists."""
    hours, minutes = int(text[0:2]), int(text[3:5])
    seconds = int(text[6:8]) if len(text) >= 8 and text[5] == ":" else 0
    zone = re.search(r"[+-](\d{2}):?(\d{2})?$", text[5:])
    zone_ok = zone is None or (int(zone.group(1)) <= 14 and int(zone.group(2) or 0) <= 59)
    return hours <= 23 and minutes <= 59 and seconds <= 59 and zone_ok


def _choice_name(a: Any) -> str:
    if isinstance(a, str):
        return a
    number = _number_text(a)
    if number is None:
        raise AnswerTypeError(f"expected a choice name, got {_show(a)}")
    return number


def _select_one(q: Question, a: Any) -> str:
    if isinstance(a, list):
        raise AnswerTypeError("expected one choice name, got a list")
    return _choice_name(a)


def _select_many(q: Question, a: Any) -> str:
    if not isinstance(a, list):
        raise AnswerTypeError(f"expected a list of choice names, got {_show(a)}")
    names = [_choice_name(x) for x in a]
    return " ".join(dict.fromkeys(names))


def _acknowledge(q: Question, a: Any) -> str:
    if a is True or a == "OK":
        return "OK"
    if a is False:
        return ""
    raise AnswerTypeError(f"expected true (acknowledge), got {_show(a)}")


def _geo(q: Question, a: Any) -> str:
    if not isinstance(a, str):
        raise AnswerTypeError(f"expected coordinates 'lat lon [alt [accuracy]]', got {_show(a)}")
    points = [_geopoint(p.strip(), a) for p in a.split(";") if p.strip()]
    closed = len(points) > 1 and _same_place(points[0], points[-1])
    if q.type == QuestionType.GEOPOINT and len(points) != 1:
        raise AnswerTypeError(f"expected coordinates 'lat lon [alt [accuracy]]', got {_show(a)}")
    if q.type == QuestionType.GEOTRACE and (len(points) < 2 or closed):
        raise AnswerTypeError(f"a line needs at least two points and must not end where it "
                              f"starts; got {_show(a)}")
    if q.type == QuestionType.GEOSHAPE and (len(points) < 3 or not closed):
        raise AnswerTypeError(f"a shape needs at least three points and must end where it "
                              f"starts; got {_show(a)}")
    return ";".join(points)


def _same_place(a: str, b: str) -> bool:
    return a.split()[:2] == b.split()[:2]


def _geopoint(point: str, whole: Any) -> str:
    parts = point.split()
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = []
    if not 2 <= len(numbers) <= 4 or not all(math.isfinite(x) for x in numbers) or \
            not -90 <= numbers[0] <= 90 or not -180 <= numbers[1] <= 180:
        raise AnswerTypeError(f"expected coordinates 'lat lon [alt [accuracy]]', got "
                              f"{_show(whole)}")
    return " ".join(repr(x) for x in numbers)


def _file(q: Question, a: Any) -> str:
    if isinstance(a, str):
        return a
    raise AnswerTypeError(f"expected a file name, got {_show(a)}")


def _show(a: Any) -> str:
    return repr(a) if not isinstance(a, str) else f"'{a}'"


_CONVERTERS = {
    QuestionType.INTEGER: _integer,
    QuestionType.DECIMAL: _decimal,
    QuestionType.RANGE: _range,
    QuestionType.DATE: _date,
    QuestionType.TIME: _time,
    QuestionType.DATETIME: _datetime,
    QuestionType.SELECT_ONE: _select_one,
    QuestionType.SELECT_MULTIPLE: _select_many,
    QuestionType.RANK: _select_many,
    QuestionType.ACKNOWLEDGE: _acknowledge,
    QuestionType.GEOPOINT: _geo,
    QuestionType.GEOTRACE: _geo,
    QuestionType.GEOSHAPE: _geo,
    QuestionType.IMAGE: _file,
    QuestionType.AUDIO: _file,
    QuestionType.VIDEO: _file,
    QuestionType.FILE: _file,
}
