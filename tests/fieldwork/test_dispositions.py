"""AAPOR telephone dispositions as data, and the project's outcomes mapped onto them."""

from __future__ import annotations

import pytest

from interviewer.fieldwork.dispositions import (
    DISPOSITIONS,
    OUTCOMES,
    RETRY_KINDS,
    Category,
    break_off_disposition,
    category_of,
    disposition,
    outcome,
)


@pytest.mark.parametrize(("code", "category"), [
    ("1.1", "I"), ("1.2", "P"), ("2.10", "R"), ("2.111", "R"), ("2.112", "R"), ("2.12", "R"),
    ("2.21", "NC"), ("2.221", "NC"), ("2.222", "NC"), ("2.31", "O"), ("2.32", "O"),
    ("2.333", "O"), ("2.36", "O"), ("3.11", "UH"), ("3.12", "UH"), ("3.13", "UH"),
    ("3.14", "UH"), ("3.16", "UH"), ("3.21", "UO"), ("3.90", "UO"), ("4.10", "NE"),
    ("4.20", "NE"), ("4.32", "NE"), ("4.42", "NE"), ("4.51", "NE"), ("4.70", "NE"),
    ("4.80", "NE"), ("4.90", "NE"),
])
def test_codes_fall_in_their_aapor_category(code: str, category: str) -> None:
    assert category_of(code) == Category(category)
    assert DISPOSITIONS[code].code == code


def test_every_code_sits_under_the_group_of_its_category() -> None:
    groups = {"1": {"I", "P"}, "2.1": {"R"}, "2.2": {"NC"}, "2.3": {"O"}, "3.1": {"UH"},
              "3.2": {"UO"}, "3.9": {"UO"}, "4": {"NE"}}
    for code, entry in DISPOSITIONS.items():
        key = code[:1] if code[0] in "14" else code[:3]
        assert entry.category in groups[key], code
        assert entry.label
    # every level is there: each sub-code's parent group exists too
    for code in DISPOSITIONS:
        if len(code) == 5:
            assert code[:4] in DISPOSITIONS, code
        if len(code) == 4 and code[0] in "234" and code[-1] != "0":
            assert code[:3] + "0" in DISPOSITIONS, code
    assert len(DISPOSITIONS) >= 45


def test_an_unknown_code_is_a_value_error_naming_it() -> None:
    with pytest.raises(ValueError, match=r"'5\.1'"):
        category_of("5.1")
    with pytest.raises(ValueError, match=r"'1\.0'"):
        disposition("1.0")  # spans I and P: not a code a case can carry


def test_the_table_cannot_be_changed_at_run_time() -> None:
    with pytest.raises(TypeError):
        DISPOSITIONS["9.9"] = DISPOSITIONS["1.1"]  # type: ignore[index]


def test_outcomes_map_onto_the_required_codes() -> None:
    expected = {
        "complete": ("1.1", True), "refusal": ("2.112", True),
        "soft_refusal": ("2.112", False), "busy": ("3.12", False),
        "no_answer": ("3.13", False), "answering_machine": ("3.14", False),
        "message_left": ("2.221", False), "callback": ("2.21", False),
        "language": ("2.332", True), "unable": ("2.32", True),
        "not_eligible": ("4.70", True), "non_working": ("4.30", True),
        "fax": ("4.20", True), "business": ("4.51", True), "quota_filled": ("4.80", True),
        "do_not_call": ("2.112", True),
    }
    for key, (code, final) in expected.items():
        assert (OUTCOMES[key].disposition, OUTCOMES[key].final) == (code, final), key
    assert OUTCOMES["break_off"].disposition in ("1.2", "2.12")
    assert OUTCOMES["callback"].appointment and OUTCOMES["callback"].retry is None
    assert OUTCOMES["soft_refusal"].retry == "other"
    assert {OUTCOMES[k].retry for k in ("busy", "no_answer", "answering_machine")} == {
        "busy", "no_answer", "machine"}


def test_outcomes_are_consistent_and_have_distinct_shortcuts() -> None:
    shortcuts = [o.shortcut for o in OUTCOMES.values()]
    assert len(set(shortcuts)) == len(shortcuts)
    for key, item in OUTCOMES.items():
        assert item.key == key
        category_of(item.disposition)  # a real AAPOR code
        calls_again = not item.final and not item.appointment
        assert (item.retry is not None) == calls_again, key
        assert item.retry is None or item.retry in RETRY_KINDS
    assert next(iter(OUTCOMES)) == "complete"  # display order: the usual outcome first


def test_outcome_lookup_names_an_unknown_key() -> None:
    assert outcome("busy").disposition == "3.12"
    with pytest.raises(ValueError, match="'hung_up'"):
        outcome("hung_up")


@pytest.mark.parametrize(("share", "code"), [
    (0.0, "2.12"), (0.49, "2.12"), (0.5, "1.2"), (0.8, "1.2"), (1.0, "1.2"),
])
def test_a_break_off_is_a_partial_once_enough_was_answered(share: float, code: str) -> None:
    assert break_off_disposition(share) == code


def test_break_off_threshold_is_a_parameter_and_checked() -> None:
    assert break_off_disposition(0.6, partial_threshold=0.8) == "2.12"
    assert break_off_disposition(0.3, partial_threshold=0.25) == "1.2"
    with pytest.raises(ValueError):
        break_off_disposition(1.5)
    with pytest.raises(ValueError):
        break_off_disposition(0.5, partial_threshold=0.0)
