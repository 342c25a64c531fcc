"""Properties of the calling-hours search, over zones with DST (including half-hour and
midnight changes), random windows and instants near the changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from interviewer.fieldwork.dispositions import OUTCOMES
from interviewer.fieldwork.scheduling import (
    CallingRules,
    CaseState,
    after_outcome,
    callable_now,
    next_opening,
    within_hours,
)

ZONES = ("Europe/Warsaw", "America/New_York", "Asia/Tokyo", "America/Los_Angeles",
         "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata", "Pacific/Chatham",
         "Unknown/Zone")
# days of 2026 with a clock change in one of ZONES
CHANGE_DAYS = (datetime(2026, 3, 8, tzinfo=UTC), datetime(2026, 3, 29, tzinfo=UTC),
               datetime(2026, 4, 5, tzinfo=UTC), datetime(2026, 9, 6, tzinfo=UTC),
               datetime(2026, 9, 27, tzinfo=UTC), datetime(2026, 10, 4, tzinfo=UTC),
               datetime(2026, 10, 25, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))

minutes_of_day = st.integers(0, 24 * 60 - 1)


@st.composite
def windows(draw: st.DrawFn) -> tuple[time, time]:
    start, end = sorted(draw(st.lists(minutes_of_day, min_size=2, max_size=2, unique=True)))
    return (time(start // 60, start % 60), time(end // 60, end % 60))


rules_strategy = st.builds(CallingRules, weekday_hours=windows(),
                           saturday_hours=st.none() | windows(),
                           sunday_hours=st.none() | windows())
instants = st.one_of(
    st.builds(lambda day, minutes: day + timedelta(minutes=minutes),
              st.sampled_from(CHANGE_DAYS), st.integers(-36 * 60, 36 * 60)),
    st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 31)).map(  # noqa: DTZ001
        lambda naive: naive.replace(tzinfo=UTC)),
)


@settings(max_examples=60, deadline=None)
@given(instants, st.sampled_from(ZONES), rules_strategy)
def test_next_opening_is_the_first_instant_inside_hours(after: datetime, zone: str,
                                                         rules: CallingRules) -> None:
    opening = next_opening(after, zone, rules)
    assert opening >= after
    assert within_hours(opening, zone, rules)
    if opening > after:
        assert not within_hours(opening - timedelta(seconds=1), zone, rules)
    moment = after
    while moment < opening:
        assert not within_hours(moment, zone, rules), moment
        moment += timedelta(minutes=1)


retry_outcomes = [key for key, o in OUTCOMES.items() if not o.final and not o.appointment]


@settings(max_examples=100, deadline=None)
@given(instants, st.sampled_from(ZONES), st.sampled_from(retry_outcomes),
       st.integers(0, 10), st.booleans())
def test_a_retry_is_later_inside_hours_or_the_case_closes(now: datetime, zone: str, key: str,
                                                          attempts: int, dnc: bool) -> None:
    rules = CallingRules(sunday_hours=(time(12), time(18)))
    state = CaseState(zone, attempts=attempts, do_not_call=dnc)
    decision = after_outcome(state, key, now, rules)
    if decision.final:
        assert decision.state.attempts >= rules.max_attempts
        assert decision.state.final_disposition == OUTCOMES[key].disposition
        return
    due = decision.state.next_call_at
    assert due is not None and due >= now + rules.retry_after[OUTCOMES[key].retry or "other"]
    assert within_hours(due, zone, rules)
    assert callable_now(decision.state, rules, due) is not dnc
