"""Call scheduling rules with fixed clocks: calling hours in the respondent's zone (DST,
weekends), retries, day-part spread, max attempts, appointments, queue order."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from interviewer.fieldwork.scheduling import (
    SPREAD_HORIZON,
    CallingRules,
    CaseState,
    after_outcome,
    callable_now,
    day_part_of,
    next_opening,
    queue_key,
    reserved_for_other,
    within_hours,
)

RULES = CallingRules()  # Mon-Fri 9-21, Sat 10-18, no Sunday
WARSAW = "Europe/Warsaw"
NEW_YORK = "America/New_York"
ANNA = uuid.UUID(int=1)
BEN = uuid.UUID(int=2)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def local(zone: str, *args: int) -> datetime:
    """A local wall time as a UTC instant."""
    return datetime(*args, tzinfo=ZoneInfo(zone)).astimezone(UTC)  # type: ignore[misc]


# -- calling hours --

@pytest.mark.parametrize(("when", "inside"), [
    (local(WARSAW, 2026, 6, 1, 8, 59), False),   # Monday before nine
    (local(WARSAW, 2026, 6, 1, 9, 0), True),     # the window opens at its start
    (local(WARSAW, 2026, 6, 1, 20, 59), True),
    (local(WARSAW, 2026, 6, 1, 21, 0), False),   # and is shut at its end
    (local(WARSAW, 2026, 6, 6, 9, 30), False),   # Saturday opens at ten
    (local(WARSAW, 2026, 6, 6, 10, 0), True),
    (local(WARSAW, 2026, 6, 6, 18, 0), False),
    (local(WARSAW, 2026, 6, 7, 12, 0), False),   # no calls on Sunday
])
def test_calling_hours_by_weekday_in_local_time(when: datetime, inside: bool) -> None:
    assert within_hours(when, WARSAW, RULES) is inside


def test_the_same_instant_is_inside_in_tokyo_and_outside_in_los_angeles() -> None:
    at = utc(2026, 6, 3, 6, 0)  # Tokyo Wed 15:00, Los Angeles Tue 23:00
    assert within_hours(at, "Asia/Tokyo", RULES)
    assert not within_hours(at, "America/Los_Angeles", RULES)
    at = utc(2026, 6, 2, 20, 0)  # Tokyo Wed 05:00, Los Angeles Tue 13:00
    assert not within_hours(at, "Asia/Tokyo", RULES)
    assert within_hours(at, "America/Los_Angeles", RULES)
    assert next_opening(at, "Asia/Tokyo", RULES) == local("Asia/Tokyo", 2026, 6, 3, 9, 0)


def test_an_unknown_or_missing_zone_uses_the_default() -> None:
    rules = CallingRules(default_timezone=WARSAW)
    at = local(WARSAW, 2026, 6, 1, 8, 30)  # 06:30 UTC: inside nowhere, outside in Warsaw
    at_utc_nine = utc(2026, 6, 1, 7, 30)  # 09:30 Warsaw, 07:30 UTC
    for zone in (None, "", "Mars/Olympus_Mons", "../etc/passwd"):
        assert not within_hours(at, zone, rules)
        assert within_hours(at_utc_nine, zone, rules)
    assert not within_hours(at_utc_nine, None, RULES)  # UTC default: 07:30 is too early


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        within_hours(datetime(2026, 6, 1, 12), WARSAW, RULES)  # noqa: DTZ001
    with pytest.raises(ValueError, match="naive"):
        next_opening(datetime(2026, 6, 1, 12), WARSAW, RULES)  # noqa: DTZ001
    with pytest.raises(ValueError, match="naive"):
        CaseState(WARSAW, next_call_at=datetime(2026, 6, 1, 12))  # noqa: DTZ001


def test_next_opening_inside_hours_is_now() -> None:
    at = local(WARSAW, 2026, 6, 1, 12, 0)
    assert next_opening(at, WARSAW, RULES) == at


def test_next_opening_skips_the_weekend() -> None:
    friday_night = local(NEW_YORK, 2026, 6, 5, 21, 0)
    rules = CallingRules(saturday_hours=None)
    assert next_opening(friday_night, NEW_YORK, rules) == local(NEW_YORK, 2026, 6, 8, 9, 0)
    assert next_opening(friday_night, NEW_YORK, RULES) == local(NEW_YORK, 2026, 6, 6, 10, 0)


def test_next_opening_across_the_spring_change_in_warsaw() -> None:
    rules = CallingRules(sunday_hours=(time(9), time(21)))
    saturday_evening = local(WARSAW, 2026, 3, 28, 18, 0)  # CET, +1
    sunday_nine = next_opening(saturday_evening, WARSAW, rules)
    assert sunday_nine == utc(2026, 3, 29, 7, 0)  # CEST, +2: nine local, not eight or ten
    assert sunday_nine.astimezone(ZoneInfo(WARSAW)).hour == 9


def test_next_opening_across_the_autumn_change_in_new_york() -> None:
    rules = CallingRules(sunday_hours=(time(9), time(21)))
    saturday_night = local(NEW_YORK, 2026, 10, 31, 18, 0)  # EDT, -4
    assert next_opening(saturday_night, NEW_YORK, rules) == utc(2026, 11, 1, 14, 0)  # EST
    friday_night = local(NEW_YORK, 2026, 3, 6, 22, 0)  # EST; Monday is EDT
    assert next_opening(friday_night, NEW_YORK, CallingRules(saturday_hours=None)) == utc(
        2026, 3, 9, 13, 0)


def test_hours_that_start_in_the_skipped_hour_open_at_the_jump() -> None:
    # 02:30 does not exist in Warsaw on 29 March 2026: clocks go from 02:00 to 03:00
    night = (time(2, 30), time(5))
    rules = CallingRules(weekday_hours=night, saturday_hours=night, sunday_hours=night)
    assert next_opening(utc(2026, 3, 29, 0, 0), WARSAW, rules) == utc(2026, 3, 29, 1, 0)
    assert not within_hours(utc(2026, 3, 29, 0, 59), WARSAW, rules)


def test_hours_reentered_in_the_repeated_hour_open_at_the_change() -> None:
    # 25 October 2026 Warsaw: 03:00 CEST becomes 02:00 CET; 02:00-02:15 comes round again
    window = (time(1, 30), time(2, 15))
    rules = CallingRules(weekday_hours=window, sunday_hours=window)
    after_first_pass = utc(2026, 10, 25, 0, 20)  # 02:20 CEST
    assert next_opening(after_first_pass, WARSAW, rules) == utc(2026, 10, 25, 1, 0)


def test_rules_without_any_calling_day_are_unusable() -> None:
    rules = CallingRules(weekday_hours=(time(9), time(10)), saturday_hours=None)
    assert next_opening(utc(2026, 6, 6, 12), WARSAW, rules) == local(WARSAW, 2026, 6, 8, 9, 0)
    with pytest.raises(ValueError, match="start before"):
        CallingRules(weekday_hours=(time(21), time(9)))


# -- outcomes and retries --

def test_a_retry_landing_after_hours_moves_to_the_next_morning() -> None:
    state = CaseState(WARSAW)
    now = local(WARSAW, 2026, 6, 2, 20, 0)  # Tuesday evening; +2 h is 22:00, shut
    decision = after_outcome(state, "no_answer", now, RULES)
    assert not decision.final and decision.disposition == "3.13"
    assert decision.state.next_call_at == local(WARSAW, 2026, 6, 3, 9, 0)
    assert decision.state.attempts == 1 and decision.state.attempt_times == (now,)


def test_retry_delays_per_outcome() -> None:
    now = local(WARSAW, 2026, 6, 2, 9, 0)
    busy = after_outcome(CaseState(WARSAW), "busy", now, RULES)
    assert busy.state.next_call_at == now + timedelta(minutes=15)
    rules = CallingRules(day_parts=())  # no spread: the plain delays
    for key, delay in (("no_answer", timedelta(hours=2)),
                       ("answering_machine", timedelta(hours=4)),
                       ("message_left", timedelta(hours=4)),
                       ("soft_refusal", timedelta(hours=1))):
        decision = after_outcome(CaseState(WARSAW), key, now, rules)
        assert decision.state.next_call_at == now + delay, key


def test_retries_spread_over_the_parts_of_the_day() -> None:
    state = CaseState(WARSAW)
    morning = local(WARSAW, 2026, 6, 2, 9, 30)
    first = after_outcome(state, "no_answer", morning, RULES)
    # 11:30 would be morning again: the afternoon, not tried yet, comes first
    assert first.state.next_call_at == local(WARSAW, 2026, 6, 2, 12, 0)
    second = after_outcome(first.state, "no_answer", local(WARSAW, 2026, 6, 2, 12, 0), RULES)
    assert second.state.next_call_at == local(WARSAW, 2026, 6, 2, 17, 0)
    third = after_outcome(second.state, "no_answer", local(WARSAW, 2026, 6, 2, 17, 0), RULES)
    # every part tried once: the plain delay
    assert third.state.next_call_at == local(WARSAW, 2026, 6, 2, 19, 0)
    parts = [day_part_of(t, WARSAW, RULES) for t in third.state.attempt_times]
    assert parts == ["morning", "afternoon", "evening"]


def test_busy_is_retried_soon_whatever_the_part_of_the_day() -> None:
    state = CaseState(WARSAW, attempts=1, attempt_times=(local(WARSAW, 2026, 6, 1, 10, 0),))
    now = local(WARSAW, 2026, 6, 2, 10, 0)
    decision = after_outcome(state, "busy", now, RULES)
    assert decision.state.next_call_at == now + timedelta(minutes=15)


def test_the_spread_gives_up_beyond_its_horizon() -> None:
    # weekdays only mornings; afternoons and evenings exist only on Saturday
    rules = CallingRules(weekday_hours=(time(9), time(12)), saturday_hours=(time(9), time(21)))
    monday = local(WARSAW, 2026, 6, 1, 9, 0)
    decision = after_outcome(CaseState(WARSAW), "no_answer", monday, rules)
    saturday_noon = local(WARSAW, 2026, 6, 6, 12, 0)
    assert saturday_noon - (monday + timedelta(hours=2)) > SPREAD_HORIZON
    assert decision.state.next_call_at == monday + timedelta(hours=2)


def test_max_attempts_closes_the_case_with_the_last_disposition() -> None:
    now = local(WARSAW, 2026, 6, 2, 10, 0)
    state = CaseState(WARSAW, attempts=7)
    decision = after_outcome(state, "no_answer", now, RULES)
    assert decision.final and decision.state.final_disposition == "3.13"
    assert decision.state.next_call_at is None and decision.state.attempts == 8
    assert not callable_now(decision.state, RULES, now + timedelta(days=1))
    soft = after_outcome(state, "soft_refusal", now, RULES)
    assert soft.final and soft.state.final_disposition == "2.112"
    not_yet = after_outcome(CaseState(WARSAW, attempts=6), "no_answer", now, RULES)
    assert not not_yet.final and not_yet.state.final_disposition is None


@pytest.mark.parametrize(("key", "code"), [
    ("complete", "1.1"), ("refusal", "2.112"), ("language", "2.332"), ("unable", "2.32"),
    ("not_eligible", "4.70"), ("non_working", "4.30"), ("fax", "4.20"),
    ("business", "4.51"), ("quota_filled", "4.80"),
])
def test_final_outcomes_close_the_case(key: str, code: str) -> None:
    now = local(WARSAW, 2026, 6, 2, 10, 0)
    decision = after_outcome(CaseState(WARSAW), key, now, RULES)
    assert decision.final and decision.disposition == code
    assert decision.state.final_disposition == code and decision.state.next_call_at is None
    assert not decision.add_to_do_not_call
    assert not callable_now(decision.state, RULES, now + timedelta(hours=1))
    with pytest.raises(ValueError, match="closed"):
        after_outcome(decision.state, "no_answer", now, RULES)


def test_do_not_call_closes_and_lists_the_number() -> None:
    now = local(WARSAW, 2026, 6, 2, 10, 0)
    decision = after_outcome(CaseState(WARSAW), "do_not_call", now, RULES)
    assert decision.final and decision.add_to_do_not_call
    assert decision.state.do_not_call and decision.state.final_disposition == "2.112"
    assert not after_outcome(CaseState(WARSAW), "refusal", now, RULES).add_to_do_not_call


def test_a_do_not_call_case_is_never_callable() -> None:
    now = local(WARSAW, 2026, 6, 2, 10, 0)
    open_case = CaseState(WARSAW)
    assert callable_now(open_case, RULES, now)
    blocked = CaseState(WARSAW, do_not_call=True, appointment_at=now - timedelta(minutes=1),
                        appointment_hard=True)
    for minutes in range(0, 7 * 24 * 60, 37):
        assert not callable_now(blocked, RULES, now + timedelta(minutes=minutes))


@pytest.mark.parametrize(("share", "code"), [(0.7, "1.2"), (0.1, "2.12"), (None, "2.12")])
def test_a_break_off_keeps_its_answers_as_partial_or_break_off(share: float | None,
                                                                code: str) -> None:
    now = local(WARSAW, 2026, 6, 2, 10, 0)
    decision = after_outcome(CaseState(WARSAW), "break_off", now, RULES, answered_share=share)
    assert decision.final and decision.disposition == code
    assert decision.state.final_disposition == code


# -- appointments --

def test_a_soft_appointment_may_be_dialled_early_by_anyone() -> None:
    now = local(WARSAW, 2026, 6, 2, 10, 0)
    at = local(WARSAW, 2026, 6, 3, 15, 0)
    decision = after_outcome(CaseState(WARSAW), "callback", now, RULES, appointment_at=at,
                             booked_by=ANNA)
    state = decision.state
    assert not decision.final and decision.disposition == "2.21"
    assert (state.appointment_at, state.appointment_hard) == (at, False)
    assert state.next_call_at == at - timedelta(minutes=30)
    assert not callable_now(state, RULES, at - timedelta(minutes=31))
    assert callable_now(state, RULES, at - timedelta(minutes=30))
    assert not reserved_for_other(state, at, BEN, {ANNA}, RULES)


def test_a_callback_outside_calling_hours_is_kept() -> None:
    now = local(WARSAW, 2026, 6, 2, 10, 0)
    late = local(WARSAW, 2026, 6, 2, 22, 30)  # the respondent asked for it
    state = after_outcome(CaseState(WARSAW), "callback", now, RULES, appointment_at=late,
                          hard=True, booked_by=ANNA).state
    assert not within_hours(late, WARSAW, RULES)
    assert callable_now(state, RULES, late)
    assert not callable_now(state, RULES, late - timedelta(minutes=5))  # hard: not early


def test_an_appointment_survives_max_attempts_then_the_next_call_closes() -> None:
    now = local(WARSAW, 2026, 6, 2, 10, 0)
    at = local(WARSAW, 2026, 6, 4, 11, 0)
    booked = after_outcome(CaseState(WARSAW, attempts=7), "callback", now, RULES,
                           appointment_at=at).state
    assert booked.final_disposition is None and booked.attempts == 8
    assert callable_now(booked, RULES, at)
    after = after_outcome(booked, "no_answer", at, RULES)
    assert after.final and after.state.final_disposition == "3.13"
    assert after.state.appointment_at is None


def test_appointment_mistakes_are_value_errors() -> None:
    now = local(WARSAW, 2026, 6, 2, 10, 0)
    with pytest.raises(ValueError, match="future"):
        after_outcome(CaseState(WARSAW), "callback", now, RULES, appointment_at=now)
    with pytest.raises(ValueError, match="time"):
        after_outcome(CaseState(WARSAW), "callback", now, RULES)
    with pytest.raises(ValueError, match="naive"):
        after_outcome(CaseState(WARSAW), "callback", now, RULES,
                      appointment_at=datetime(2026, 6, 3, 10))  # noqa: DTZ001
    with pytest.raises(ValueError, match="naive"):
        after_outcome(CaseState(WARSAW), "busy", datetime(2026, 6, 3, 10), RULES)  # noqa: DTZ001
    with pytest.raises(ValueError, match="'hung_up'"):
        after_outcome(CaseState(WARSAW), "hung_up", now, RULES)


def test_a_hard_appointment_is_reserved_for_its_booker_while_on_shift() -> None:
    at = local(WARSAW, 2026, 6, 3, 15, 0)
    state = CaseState(WARSAW, attempts=1, appointment_at=at, appointment_hard=True,
                      appointment_by=ANNA, next_call_at=at)
    assert reserved_for_other(state, at, BEN, {ANNA, BEN}, RULES)
    assert not reserved_for_other(state, at, ANNA, {ANNA, BEN}, RULES)
    assert not reserved_for_other(state, at, BEN, {BEN}, RULES)  # Anna is off shift
    assert reserved_for_other(state, at + timedelta(minutes=14), BEN, {ANNA}, RULES)
    assert not reserved_for_other(state, at + timedelta(minutes=15), BEN, {ANNA}, RULES)
    assert reserved_for_other(state, at, None, {ANNA}, RULES)


# -- the queue's order --

def test_queue_order() -> None:
    now = local(WARSAW, 2026, 6, 2, 15, 0)
    past = now - timedelta(hours=1)
    cases = {
        "plain": CaseState(WARSAW, attempts=2, next_call_at=past),
        "fresh": CaseState(WARSAW),
        "urgent": CaseState(WARSAW, attempts=5, priority=3, next_call_at=past),
        "soft": CaseState(WARSAW, appointment_at=now + timedelta(minutes=10),
                          next_call_at=now - timedelta(minutes=20)),
        "others_hard": CaseState(WARSAW, appointment_at=now - timedelta(minutes=30),
                                 appointment_hard=True, appointment_by=BEN, next_call_at=past),
        "my_hard": CaseState(WARSAW, appointment_at=now - timedelta(minutes=5),
                             appointment_hard=True, appointment_by=ANNA,
                             next_call_at=now - timedelta(minutes=5)),
        "hard_later": CaseState(WARSAW, appointment_at=now + timedelta(hours=2),
                                appointment_hard=True, appointment_by=ANNA,
                                next_call_at=now + timedelta(hours=2)),
        "earlier_retry": CaseState(WARSAW, attempts=2, next_call_at=past - timedelta(hours=1)),
    }
    ready = [name for name, state in cases.items() if callable_now(state, RULES, now)]
    assert "hard_later" not in ready
    order = sorted(ready, key=lambda name: queue_key(cases[name], now, ANNA, {ANNA, BEN}))
    assert order == ["my_hard", "others_hard", "soft", "urgent", "fresh", "earlier_retry",
                     "plain"]
    # for Ben, his own booking comes first
    ben_first = sorted(ready, key=lambda name: queue_key(cases[name], now, BEN, {ANNA, BEN}))
    assert ben_first[:2] == ["others_hard", "my_hard"]


def test_callable_now_waits_for_next_call_and_hours() -> None:
    now = local(WARSAW, 2026, 6, 2, 15, 0)
    waiting = CaseState(WARSAW, attempts=1, next_call_at=now + timedelta(minutes=1))
    assert not callable_now(waiting, RULES, now)
    assert callable_now(waiting, RULES, now + timedelta(minutes=1))
    assert not callable_now(CaseState(WARSAW), RULES, local(WARSAW, 2026, 6, 2, 21, 30))
    assert not callable_now(CaseState(WARSAW, attempts=8), RULES, now)


# -- settings --

def test_rules_round_trip_through_their_json_form() -> None:
    rules = CallingRules(weekday_hours=(time(8, 30), time(20)), sunday_hours=(time(12), time(16)),
                         max_attempts=5, retry_after={"busy": timedelta(minutes=10)},
                         soft_window=timedelta(minutes=45), default_timezone=WARSAW)
    settings = rules.to_settings()
    assert settings["weekday_hours"] == ["08:30", "20:00"]
    assert settings["retry_after_minutes"]["busy"] == 10
    assert settings["retry_after_minutes"]["no_answer"] == 120  # defaults kept
    assert CallingRules.from_settings(settings) == rules
    assert CallingRules.from_settings({}) == CallingRules()
    partial = CallingRules.from_settings({"max_attempts": 3, "saturday_hours": None})
    assert partial.max_attempts == 3 and partial.saturday_hours is None


@pytest.mark.parametrize(("settings", "message"), [
    ({"max_atempts": 3}, "max_atempts"),
    ({"max_attempts": 0}, "max_attempts"),
    ({"max_attempts": "8"}, "max_attempts"),
    ({"weekday_hours": ["9:00"]}, "weekday_hours"),
    ({"weekday_hours": ["21:00", "09:00"]}, "weekday_hours"),
    ({"weekday_hours": None}, "weekday_hours"),
    ({"saturday_hours": ["10", "noon"]}, "saturday_hours"),
    ({"retry_after_minutes": {"ringing": 5}}, "ringing"),
    ({"retry_after_minutes": {"busy": -5}}, "negative"),
    ({"day_parts": [["night", "22:00"]]}, "day_parts"),
    ({"default_timezone": "Mars/Base"}, "Mars/Base"),
    ({"soft_window_minutes": True}, "soft_window_minutes"),
])
def test_bad_settings_are_named(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CallingRules.from_settings(settings)
