"""Call scheduling rules (DESIGN.md 6), pure: every function takes the clock as an argument.

- Calling hours are in the respondent's local time (per survey: weekdays, Saturday,
  Sunday); a case whose time zone is unknown or missing uses `rules.default_timezone`.
  A window is [start, end): a case may be dialled at start, not at end. DST is handled on
  instants: on the day clocks jump over the start of the window, the window opens at the
  jump.
- After an outcome that calls again, the case waits the retry delay of that outcome
  (busy, no answer, answering machine, other), then for calling hours, and, except after
  busy (someone is there now), for the part of the day (morning, afternoon, evening)
  tried least so far, when one comes within `SPREAD_HORIZON`.
- `max_attempts` closes a case with the disposition of its last call; a final outcome
  closes it at once. A booked appointment is kept even past max attempts (the respondent
  asked for it), and may lie outside calling hours for the same reason.
- A soft appointment may be dialled `soft_window` before its time by anyone; a hard one
  from its time, by the interviewer who booked it while they are on shift, by anyone once
  `hard_reserve` has passed or when the booker is off shift.
- Do-not-call and closed cases are never callable.

All datetimes are UTC-aware; a naive one is a ValueError, never a guess.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from interviewer.fieldwork import dispositions
from interviewer.fieldwork.dispositions import (
    BREAK_OFF,
    DO_NOT_CALL,
    RETRY_KINDS,
    break_off_disposition,
)

Window = tuple[time, time]
DayPart = tuple[str, time, time]

DEFAULT_RETRY: Mapping[str, timedelta] = MappingProxyType({
    "busy": timedelta(minutes=15),
    "no_answer": timedelta(hours=2),
    "machine": timedelta(hours=4),
    "other": timedelta(hours=1),
})
DEFAULT_DAY_PARTS: tuple[DayPart, ...] = (
    ("morning", time(9), time(12)),
    ("afternoon", time(12), time(17)),
    ("evening", time(17), time(21)),
)
# how far past the plain retry time a call may move to reach a part of the day tried less
SPREAD_HORIZON = timedelta(days=2)
_SEARCH_DAYS = 9  # every weekday is seen within a week, plus a day each side for zones


@dataclass(frozen=True)
class CallingRules:
    """A survey's calling rules; `survey.settings["calling"]` holds `to_settings()`."""

    weekday_hours: Window = (time(9), time(21))
    saturday_hours: Window | None = (time(10), time(18))
    sunday_hours: Window | None = None
    max_attempts: int = 8
    retry_after: Mapping[str, timedelta] = field(default_factory=lambda: DEFAULT_RETRY,
                                                 hash=False)
    day_parts: tuple[DayPart, ...] = DEFAULT_DAY_PARTS
    soft_window: timedelta = timedelta(minutes=30)
    hard_reserve: timedelta = timedelta(minutes=15)
    default_timezone: str = "UTC"

    def __post_init__(self) -> None:
        for name in ("weekday_hours", "saturday_hours", "sunday_hours"):
            window = getattr(self, name)
            if window is not None and not window[0] < window[1]:
                raise ValueError(f"calling rules: {name} must start before it ends "
                                 f"({window[0]:%H:%M}-{window[1]:%H:%M})")
        if self.max_attempts < 1:
            raise ValueError(f"calling rules: max_attempts must be at least 1, "
                             f"not {self.max_attempts}")
        unknown = sorted(set(self.retry_after) - set(RETRY_KINDS))
        if unknown:
            raise ValueError(f"calling rules: unknown retry kind(s) {', '.join(unknown)}; "
                             f"known: {', '.join(RETRY_KINDS)}")
        merged = {**DEFAULT_RETRY, **self.retry_after}
        if any(delay < timedelta(0) for delay in merged.values()):
            raise ValueError("calling rules: a retry delay cannot be negative")
        object.__setattr__(self, "retry_after", MappingProxyType(merged))
        for name, start, end in self.day_parts:
            if not start < end:
                raise ValueError(f"calling rules: day part {name!r} must start before it "
                                 "ends")
        if self.soft_window < timedelta(0) or self.hard_reserve < timedelta(0):
            raise ValueError("calling rules: soft_window and hard_reserve cannot be negative")
        try:
            ZoneInfo(self.default_timezone)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"calling rules: unknown time zone {self.default_timezone!r}"
                             ) from e

    def hours_on(self, weekday: int) -> Window | None:
        """The calling window of a weekday (Monday 0), or None for no calls that day."""
        if weekday == 5:
            return self.saturday_hours
        if weekday == 6:
            return self.sunday_hours
        return self.weekday_hours

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> CallingRules:
        """Rules from their JSON form (see `to_settings`); missing keys keep the defaults.
        Raises ValueError naming the key on anything else."""
        if not isinstance(settings, Mapping):
            raise ValueError("calling rules must be a JSON object")
        known = set(_SETTING_KEYS)
        unknown = sorted(str(k) for k in settings if k not in known)
        if unknown:
            raise ValueError(f"calling rules: unknown setting(s) {', '.join(unknown)}; "
                             f"known: {', '.join(_SETTING_KEYS)}")
        values: dict[str, Any] = {}
        for key, value in settings.items():
            try:
                values.update(_SETTING_KEYS[key](value))
            except (TypeError, ValueError) as e:
                raise ValueError(f"calling rules: {key}: {e}") from e
        return cls(**values)

    def to_settings(self) -> dict[str, Any]:
        """The JSON form: times as "HH:MM", delays in minutes."""
        return {
            "weekday_hours": _window_json(self.weekday_hours),
            "saturday_hours": _window_json(self.saturday_hours),
            "sunday_hours": _window_json(self.sunday_hours),
            "max_attempts": self.max_attempts,
            "retry_after_minutes": {k: _minutes(v) for k, v in self.retry_after.items()},
            "day_parts": [[name, _hhmm(start), _hhmm(end)] for name, start, end in
                          self.day_parts],
            "soft_window_minutes": _minutes(self.soft_window),
            "hard_reserve_minutes": _minutes(self.hard_reserve),
            "default_timezone": self.default_timezone,
        }


# -- the JSON form of the rules --

def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def _minutes(value: timedelta) -> int | float:
    minutes = value.total_seconds() / 60
    return int(minutes) if minutes.is_integer() else minutes


def _window_json(window: Window | None) -> list[str] | None:
    return None if window is None else [_hhmm(window[0]), _hhmm(window[1])]


def _parse_time(value: Any) -> time:
    if not isinstance(value, str):
        raise ValueError(f"a time is written as \"HH:MM\", not {value!r}")
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise ValueError(f"a time is written as \"HH:MM\", not {value!r}") from None


def _parse_window(value: Any) -> Window | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ValueError(f"hours are [\"HH:MM\", \"HH:MM\"] or null, not {value!r}")
    return (_parse_time(value[0]), _parse_time(value[1]))


def _parse_weekday_window(value: Any) -> Window:
    window = _parse_window(value)
    if window is None:
        raise ValueError("weekday hours cannot be null")
    return window


def _parse_minutes(value: Any) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"minutes must be a number, not {value!r}")
    return timedelta(minutes=value)


def _parse_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"a whole number is needed, not {value!r}")
    return value


def _parse_retry(value: Any) -> dict[str, timedelta]:
    if not isinstance(value, Mapping):
        raise ValueError(f"an object of minutes per kind is needed, not {value!r}")
    return {str(k): _parse_minutes(v) for k, v in value.items()}


def _parse_day_parts(value: Any) -> tuple[DayPart, ...]:
    if not isinstance(value, list | tuple):
        raise ValueError(f"a list of [name, \"HH:MM\", \"HH:MM\"] is needed, not {value!r}")
    parts = []
    for item in value:
        if not isinstance(item, list | tuple) or len(item) != 3 or not isinstance(item[0], str):
            raise ValueError(f"a day part is [name, \"HH:MM\", \"HH:MM\"], not {item!r}")
        parts.append((item[0], _parse_time(item[1]), _parse_time(item[2])))
    return tuple(parts)


def _parse_zone_name(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"a time zone name is needed, not {value!r}")
    return value


_SETTING_KEYS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "weekday_hours": lambda v: {"weekday_hours": _parse_weekday_window(v)},
    "saturday_hours": lambda v: {"saturday_hours": _parse_window(v)},
    "sunday_hours": lambda v: {"sunday_hours": _parse_window(v)},
    "max_attempts": lambda v: {"max_attempts": _parse_int(v)},
    "retry_after_minutes": lambda v: {"retry_after": _parse_retry(v)},
    "day_parts": lambda v: {"day_parts": _parse_day_parts(v)},
    "soft_window_minutes": lambda v: {"soft_window": _parse_minutes(v)},
    "hard_reserve_minutes": lambda v: {"hard_reserve": _parse_minutes(v)},
    "default_timezone": lambda v: {"default_timezone": _parse_zone_name(v)},
}


# -- time zones and windows --

def _check_aware(value: datetime | None, what: str) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{what} is a naive datetime; give a UTC-aware one")


def zone_of(timezone: str | None, rules: CallingRules) -> ZoneInfo:
    """The respondent's zone; an unknown or missing name falls back to the default."""
    if timezone:
        try:
            return ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo(rules.default_timezone)


def _inside(moment: datetime, zone: ZoneInfo, windows: Callable[[int], Window | None]) -> bool:
    local = moment.astimezone(zone)
    window = windows(local.weekday())
    return window is not None and window[0] <= local.time() < window[1]


def _instants_of(day: date, wall: time, zone: ZoneInfo) -> list[datetime]:
    """The UTC instants whose local time is `wall` on `day`: two in a repeated hour, none
    when the clocks jump over it (the jump itself is among `_changes_on`)."""
    found = []
    for fold in (0, 1):
        local = datetime.combine(day, wall, tzinfo=zone).replace(fold=fold)
        instant = local.astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
            found.append(instant)
    return found


def _offset_change(lo: datetime, hi: datetime, zone: ZoneInfo) -> datetime:
    """The first instant in (lo, hi] with hi's UTC offset (one change lies between)."""
    target = hi.astimezone(zone).utcoffset()
    low, high = 0, int((hi - lo).total_seconds())
    while high - low > 1:
        middle = (low + high) // 2
        if (lo + timedelta(seconds=middle)).astimezone(zone).utcoffset() == target:
            high = middle
        else:
            low = middle
    return lo + timedelta(seconds=high)


def _changes_on(day: date, zone: ZoneInfo) -> list[datetime]:
    """Instants on `day` where the zone's clocks jump (forward or back)."""
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    if start.astimezone(zone).utcoffset() == end.astimezone(zone).utcoffset():
        return []
    return [_offset_change(start, end, zone)]


def _next_inside(after: datetime, zone: ZoneInfo,
                 windows: Callable[[int], Window | None]) -> datetime | None:
    """The earliest instant >= after inside `windows` (local time), or None if no day has
    a window. Local time runs continuously between the instants tried here (window
    starts and clock jumps), so the first of them that lies inside is the answer."""
    if _inside(after, zone, windows):
        return after
    first_day = after.astimezone(zone).date() - timedelta(days=1)
    candidates: list[datetime] = []
    for offset in range(_SEARCH_DAYS):
        day = first_day + timedelta(days=offset)
        window = windows(day.weekday())
        if window is not None:
            candidates += _instants_of(day, window[0], zone)
        candidates += _changes_on(day, zone)
    for candidate in sorted(c for c in candidates if c >= after):
        if _inside(candidate, zone, windows):
            return candidate
    return None


def within_hours(now: datetime, timezone: str | None, rules: CallingRules) -> bool:
    """Whether `now` lies inside the calling hours of the respondent's local day."""
    _check_aware(now, "now")
    return _inside(now, zone_of(timezone, rules), rules.hours_on)


def next_opening(after: datetime, timezone: str | None, rules: CallingRules) -> datetime:
    """The earliest UTC instant >= `after` inside calling hours (local time, DST-safe)."""
    _check_aware(after, "after")
    found = _next_inside(after.astimezone(UTC), zone_of(timezone, rules), rules.hours_on)
    if found is None:
        raise ValueError("calling rules allow no calls on any day of the week")
    return found


def day_part_of(moment: datetime, timezone: str | None, rules: CallingRules) -> str | None:
    """The name of the part of the local day `moment` falls in, or None."""
    _check_aware(moment, "moment")
    local = moment.astimezone(zone_of(timezone, rules)).time()
    for name, start, end in rules.day_parts:
        if start <= local < end:
            return name
    return None


# -- case state and decisions --

@dataclass(frozen=True)
class CaseState:
    """What the scheduling rules read of a case (the queue maps its row onto this)."""

    timezone: str | None
    attempts: int = 0
    next_call_at: datetime | None = None
    appointment_at: datetime | None = None
    appointment_hard: bool = False
    appointment_by: uuid.UUID | None = None
    final_disposition: str | None = None
    do_not_call: bool = False
    priority: int = 0
    attempt_times: tuple[datetime, ...] = ()  # earlier attempts (UTC)

    def __post_init__(self) -> None:
        _check_aware(self.next_call_at, "next_call_at")
        _check_aware(self.appointment_at, "appointment_at")
        for moment in self.attempt_times:
            _check_aware(moment, "an attempt time")

    @property
    def closed(self) -> bool:
        return self.final_disposition is not None or self.do_not_call


@dataclass(frozen=True)
class Decision:
    """The case after an outcome; `disposition` is the AAPOR code of this call."""

    state: CaseState
    disposition: str
    final: bool
    add_to_do_not_call: bool


def appointment_due(state: CaseState, now: datetime, rules: CallingRules) -> bool:
    """Whether the case's appointment may be dialled now (soft: within soft_window)."""
    _check_aware(now, "now")
    if state.appointment_at is None:
        return False
    lead = timedelta(0) if state.appointment_hard else rules.soft_window
    return now >= state.appointment_at - lead


def callable_now(state: CaseState, rules: CallingRules, now: datetime) -> bool:
    """Whether the queue may hand the case out at `now` (whoever asks: see
    reserved_for_other for hard appointments)."""
    _check_aware(now, "now")
    if state.closed:
        return False
    if state.appointment_at is not None:
        return appointment_due(state, now, rules)
    if state.attempts >= rules.max_attempts:
        return False
    if state.next_call_at is not None and now < state.next_call_at:
        return False
    return within_hours(now, state.timezone, rules)


def after_outcome(state: CaseState, outcome: str, now: datetime, rules: CallingRules, *,
                  appointment_at: datetime | None = None, hard: bool = False,
                  booked_by: uuid.UUID | None = None,
                  answered_share: float | None = None) -> Decision:
    """The case after one call ending in `outcome` (an `OUTCOMES` key) at `now`.

    Raises ValueError for an unknown outcome, a naive datetime, an appointment outcome
    without a time or with one not after `now`, or a case already closed.
    """
    found = dispositions.outcome(outcome)
    _check_aware(now, "now")
    _check_aware(appointment_at, "appointment_at")
    if state.final_disposition is not None:
        raise ValueError(f"the case is closed ({state.final_disposition}); no more calls")
    code = found.disposition
    if found.key == BREAK_OFF and answered_share is not None:
        code = break_off_disposition(answered_share)
    called = replace(state, attempts=state.attempts + 1,
                     attempt_times=(*state.attempt_times, now.astimezone(UTC)),
                     appointment_at=None, appointment_hard=False, appointment_by=None)
    if found.final:
        closed = replace(called, final_disposition=code, next_call_at=None,
                         do_not_call=state.do_not_call or found.key == DO_NOT_CALL)
        return Decision(closed, code, True, found.key == DO_NOT_CALL)
    if found.appointment:
        return Decision(_booked(called, now, rules, appointment_at, hard, booked_by), code,
                        False, False)
    if called.attempts >= rules.max_attempts:
        return Decision(replace(called, final_disposition=code, next_call_at=None), code,
                        True, False)
    retry = found.retry or "other"
    next_call = _retry_time(called, now, rules, retry)
    return Decision(replace(called, next_call_at=next_call), code, False, False)


def _booked(state: CaseState, now: datetime, rules: CallingRules, at: datetime | None,
            hard: bool, by: uuid.UUID | None) -> CaseState:
    if at is None:
        raise ValueError("an appointment outcome needs the appointment's time")
    if at <= now:
        raise ValueError("an appointment must lie in the future")
    at = at.astimezone(UTC)
    lead = timedelta(0) if hard else rules.soft_window
    return replace(state, appointment_at=at, appointment_hard=hard,
                   appointment_by=by,
                   next_call_at=max(now, at - lead))


def _retry_time(state: CaseState, now: datetime, rules: CallingRules, retry: str) -> datetime:
    earliest = next_opening(now.astimezone(UTC) + rules.retry_after[retry], state.timezone,
                            rules)
    if retry == "busy":
        return earliest  # someone is there now: try again soon, whatever the day part
    zone = zone_of(state.timezone, rules)
    tried = {name: 0 for name, _, _ in rules.day_parts}
    for moment in state.attempt_times:
        part = day_part_of(moment, state.timezone, rules)
        if part is not None:
            tried[part] += 1
    best: datetime | None = None
    for name, start, end in rules.day_parts:
        if tried[name] != min(tried.values()):
            continue
        found = _next_inside(earliest, zone, _part_windows(rules, start, end))
        if found is not None and (best is None or found < best):
            best = found
    if best is None or best - earliest > SPREAD_HORIZON:
        return earliest
    return best


def _part_windows(rules: CallingRules, start: time,
                  end: time) -> Callable[[int], Window | None]:
    """Calling hours cut down to one part of the day."""
    def windows(weekday: int) -> Window | None:
        hours = rules.hours_on(weekday)
        if hours is None:
            return None
        cut = (max(hours[0], start), min(hours[1], end))
        return cut if cut[0] < cut[1] else None
    return windows


# -- the queue's order --

def reserved_for_other(state: CaseState, now: datetime, user_id: uuid.UUID | None,
                       on_shift: Container[uuid.UUID], rules: CallingRules) -> bool:
    """Whether a hard appointment is kept for the interviewer who booked it: they are on
    shift, it is not `user_id`, and `hard_reserve` past its time has not run out."""
    _check_aware(now, "now")
    if state.appointment_at is None or not state.appointment_hard:
        return False
    booker = state.appointment_by
    if booker is None or booker == user_id or booker not in on_shift:
        return False
    return now < state.appointment_at + rules.hard_reserve


def queue_key(state: CaseState, now: datetime, user_id: uuid.UUID | None,
              on_shift: Container[uuid.UUID]) -> tuple[Any, ...]:
    """Sort key of callable cases, smaller first: hard appointments due (the asker's own
    first), soft appointments due, then the rest; within each, earlier appointments, higher
    priority, fewer attempts, earlier next_call_at. Filter with callable_now and
    reserved_for_other first: this only orders."""
    _check_aware(now, "now")
    tier = 3
    at = state.appointment_at
    if at is not None and state.appointment_hard and at <= now:
        mine = user_id is not None and state.appointment_by == user_id
        tier = 0 if mine else 1
    elif at is not None and not state.appointment_hard and (state.next_call_at or at) <= now:
        tier = 2
    appointment = at.timestamp() if at is not None and tier < 3 else 0.0
    next_call = state.next_call_at.timestamp() if state.next_call_at else float("-inf")
    return (tier, appointment, -state.priority, state.attempts, next_call)


__all__ = ["DEFAULT_DAY_PARTS", "DEFAULT_RETRY", "SPREAD_HORIZON", "CallingRules",
           "CaseState", "Decision", "after_outcome", "appointment_due", "callable_now",
           "day_part_of", "next_opening", "queue_key", "reserved_for_other", "within_hours",
           "zone_of"]
