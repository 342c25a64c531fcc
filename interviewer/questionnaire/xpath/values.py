"""XPath values and their coercions, as ODK applies them.

A value is a str, a float, a bool or a node-set (a list or tuple of XNode in document
order). The conversions follow XPath 1.0 section 4 with ODK's deviations:

- a string holding a date (`YYYY-MM-DD`) or a dateTime (`YYYY-MM-DDTHH:MM[:SS[.sss]]`
  with an optional `Z` or `+HH:MM` offset) converts to a number of days since 1970-01-01
  (a dateTime gives a fraction, counted in UTC; a dateTime without an offset is taken as UTC);
- a number string is read as JavaScript's Number() reads it (ODK's reference engine is
  JavaScript): surrounding whitespace, a sign, an exponent and `Infinity` are accepted,
  so '1e-7' (how a small number prints) reads back; '' and blank strings are NaN;
- a number prints as JavaScript prints it (`format_number`), except that NaN becomes ''
  when converted to a string (ODK Web Forms stores a NaN calculation as blank).
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

from interviewer.questionnaire.xpath.nodes import XNode

NodeSet = Sequence[XNode]
Value = str | float | bool | NodeSet

NAN = math.nan
INF = math.inf
_DAY_MS = 86_400_000
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# JavaScript's StrDecimalLiteral, with the surrounding whitespace Number() strips.
_NUMBER_RE = re.compile(
    r"\s*(?:[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?Infinity)\s*\Z"
)
DATE_RE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?\Z"
)
_number_cache: dict[str, float] = {}
_CACHE_LIMIT = 20_000


# ---------------------------------------------------------------- numbers to strings


def format_number(x: float) -> str:
    """A number as JavaScript's Number::toString writes it (shortest round-trip digits)."""
    x = float(x)
    if x != x:
        return "NaN"
    if x == INF:
        return "Infinity"
    if x == -INF:
        return "-Infinity"
    if x == 0:
        return "0"  # also -0
    if x.is_integer() and -9007199254740992.0 < x < 9007199254740992.0:
        return str(int(x))
    sign = "-" if x < 0 else ""
    mantissa, _, exp = repr(abs(x)).partition("e")
    intpart, _, frac = mantissa.partition(".")
    if frac == "0":
        frac = ""
    all_digits = intpart + frac
    stripped = all_digits.lstrip("0")
    # value = 0.<digits> * 10**n, i.e. digits * 10**(n - k)
    n = len(intpart) - (len(all_digits) - len(stripped)) + (int(exp) if exp else 0)
    digits = stripped.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        out = digits + "0" * (n - k)
    elif 0 < n <= 21:
        out = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        e_str = ("+" if e >= 0 else "-") + str(abs(e))
        out = (digits if k == 1 else digits[0] + "." + digits[1:]) + "e" + e_str
    return sign + out


# ---------------------------------------------------------------- strings to numbers


def _parse_number(s: str) -> float:
    if _NUMBER_RE.match(s) is not None:
        return float(s)
    m = DATE_RE.match(s)
    if m is not None:
        return _date_match_to_days(m)
    return NAN


def str_to_number(s: str) -> float:
    """number() of a string: a JavaScript number literal, a date, a dateTime, else NaN."""
    v = _number_cache.get(s)
    if v is None:
        v = _parse_number(s)
        if len(_number_cache) >= _CACHE_LIMIT:
            _number_cache.clear()
        _number_cache[s] = v
    return v


def _date_match_to_days(m: re.Match[str]) -> float:
    dt = parse_date_match(m)
    if dt is None:
        return NAN
    if isinstance(dt, datetime):
        return datetime_to_days(dt)
    return float(dt.toordinal() - _EPOCH_ORDINAL)


def parse_date_match(m: re.Match[str]) -> date | datetime | None:
    """The date (no time given) or dateTime a DATE_RE match stands for; None if invalid.
    A dateTime is aware when the text gives an offset (`Z`, `+02:00`), naive otherwise."""
    year, month, day, hour, minute, second, fraction, offset = m.groups()
    try:
        if hour is None:
            return date(int(year), int(month), int(day))
        micro = int((fraction[1:] + "000000")[:6]) if fraction else 0
        tz: tzinfo | None = None
        if offset == "Z":
            tz = UTC
        elif offset:
            hours, minutes = int(offset[1:3]), int(offset[4:6])
            if hours > 14 or minutes > 59:
                return None
            delta = timedelta(hours=hours, minutes=minutes)
            tz = timezone(-delta if offset[0] == "-" else delta)
        return datetime(int(year), int(month), int(day), int(hour), int(minute),
                        int(second or 0), micro, tzinfo=tz)
    except ValueError:
        return None


def parse_date_string(s: str) -> date | datetime | None:
    m = DATE_RE.match(s)
    return None if m is None else parse_date_match(m)


def datetime_to_days(dt: datetime) -> float:
    """Days since 1970-01-01T00:00Z, counted in whole milliseconds as ODK does; a naive
    dateTime is taken as UTC."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    delta = dt - _EPOCH
    ms = (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
    return ms / _DAY_MS


def days_to_date(days: float) -> date | None:
    """The calendar date `days` (floored) after 1970-01-01; None when out of range."""
    if days != days or days in (INF, -INF):
        return None
    ordinal = _EPOCH_ORDINAL + math.floor(days)
    if not 1 <= ordinal <= date.max.toordinal():
        return None
    return date.fromordinal(ordinal)


# ---------------------------------------------------------------- coercions


def to_string(v: Value) -> str:
    """XPath string(): a node-set gives its first node's value; NaN gives ''."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float | int):
        x = float(v)
        return "" if x != x else format_number(x)
    return v[0].string_value() if v else ""


def to_number(v: Value) -> float:
    """XPath number(), with ODK's date rule; '' and blank nodes are NaN."""
    if isinstance(v, float):
        return v
    if isinstance(v, str):
        return str_to_number(v)
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, int):
        return float(v)
    return str_to_number(v[0].string_value()) if v else NAN


def to_boolean(v: Value) -> bool:
    """XPath boolean(): non-empty string, non-zero non-NaN number, non-empty node-set."""
    if isinstance(v, bool):
        return v
    if isinstance(v, str):
        return v != ""
    if isinstance(v, float | int):
        return v != 0 and v == v
    return len(v) > 0


# ---------------------------------------------------------------- arithmetic


def divide(a: float, b: float) -> float:
    if b == 0.0:
        if a == 0.0 or a != a:
            return NAN
        return math.copysign(INF, a) * math.copysign(1.0, b)
    return a / b


def modulo(a: float, b: float) -> float:
    """JavaScript's %: the sign follows the dividend."""
    if b == 0.0 or a != a or b != b or a in (INF, -INF):
        return NAN
    if b in (INF, -INF):
        return a
    return math.fmod(a, b)


def js_round(x: float) -> float:
    """Math.round: halves go towards +infinity (XPath 1.0 round())."""
    if x != x or x in (INF, -INF):
        return x
    r = math.floor(x)
    if x - r >= 0.5:
        r += 1
    if r == 0 and x < 0:
        return -0.0
    return float(r)


def js_pow(a: float, b: float) -> float:
    """Math.pow, without Python's exceptions."""
    if a != a or b != b:
        return NAN
    if b in (INF, -INF) and abs(a) == 1.0:
        return NAN
    odd = b.is_integer() and abs(b) < 2.0**53 and int(b) % 2 == 1
    if a == 0.0 and b < 0:
        return -INF if (odd and math.copysign(1.0, a) < 0) else INF
    try:
        return math.pow(a, b)
    except OverflowError:
        return -INF if (a < 0 and odd) else INF
    except ValueError:
        return NAN


# ---------------------------------------------------------------- comparisons


def _node_numbers(nodes: NodeSet) -> list[float]:
    return [str_to_number(n.string_value()) for n in nodes]


_SCALAR = (str, float, int)  # int covers bool


def equals(a: Value, b: Value, negate: bool) -> bool:
    """`=` (negate False) and `!=` (negate True), XPath 1.0 section 3.4."""
    if not isinstance(a, _SCALAR):
        if not isinstance(b, _SCALAR):
            if not a or not b:
                return False
            sa = {n.string_value() for n in a}
            if not negate:
                return any(n.string_value() in sa for n in b)
            return len(sa | {n.string_value() for n in b}) > 1
        return _node_set_equals(a, b, negate)
    if not isinstance(b, _SCALAR):
        return _node_set_equals(b, a, negate)
    if isinstance(a, bool) or isinstance(b, bool):
        r = to_boolean(a) == to_boolean(b)
    elif isinstance(a, str) and isinstance(b, str):
        r = a == b
    else:
        r = to_number(a) == to_number(b)
    return not r if negate else r


def _node_set_equals(nodes: NodeSet, other: str | float | bool, negate: bool) -> bool:
    if isinstance(other, bool):
        return (len(nodes) > 0) != other if negate else (len(nodes) > 0) == other
    if isinstance(other, str):
        if negate:
            return any(n.string_value() != other for n in nodes)
        return any(n.string_value() == other for n in nodes)
    y = float(other)
    if negate:
        return any(x != y for x in _node_numbers(nodes))
    return any(x == y for x in _node_numbers(nodes))


RELATIONAL: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def relate(op: Callable[[float, float], bool], a: Value, b: Value) -> bool:
    """`<`, `<=`, `>`, `>=`: both sides as numbers, existential over node-sets."""
    if not isinstance(a, _SCALAR):
        if not isinstance(b, _SCALAR):
            ys = _node_numbers(b)
            return any(op(x, y) for x in _node_numbers(a) for y in ys)
        if isinstance(b, bool):  # the node-set converts to a boolean first
            return op(1.0 if a else 0.0, 1.0 if b else 0.0)
        y = to_number(b)
        return any(op(x, y) for x in _node_numbers(a))
    if not isinstance(b, _SCALAR):
        if isinstance(a, bool):
            return op(1.0 if a else 0.0, 1.0 if b else 0.0)
        x = to_number(a)
        return any(op(x, y) for y in _node_numbers(b))
    return op(to_number(a), to_number(b))


__all__ = [
    "NodeSet",
    "Value",
    "divide",
    "equals",
    "format_number",
    "js_pow",
    "js_round",
    "modulo",
    "relate",
    "str_to_number",
    "to_boolean",
    "to_number",
    "to_string",
]
