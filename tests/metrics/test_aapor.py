"""AAPOR outcome rates against worked examples computed by hand from the formulas of
Standard Definitions, written as exact fractions."""

from __future__ import annotations

from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interviewer.metrics import RATE_NAMES, aapor_fractions, aapor_rates, proportional_e

# ropensci/outcomerate's test case, re-derived by hand: D1 = 15, D0 = 13, De = 13 + 0.5*2 = 14
ORACLE_A = {"I": 5, "P": 3, "R": 2, "NC": 1, "O": 2, "UH": 1, "UO": 1, "NE": 1}
ORACLE_A_RATES = {
    "RR1": F(1, 3), "RR2": F(8, 15), "RR3": F(5, 14), "RR4": F(4, 7), "RR5": F(5, 13),
    "RR6": F(8, 13), "COOP1": F(5, 12), "COOP2": F(2, 3), "COOP3": F(1, 2), "COOP4": F(4, 5),
    "REF1": F(2, 15), "REF2": F(1, 7), "REF3": F(2, 13), "CON1": F(4, 5), "CON2": F(6, 7),
    "CON3": F(12, 13),
}


def test_oracle_a_with_e_given() -> None:
    assert aapor_fractions(ORACLE_A, e=0.5) == ORACLE_A_RATES
    rates = aapor_rates(ORACLE_A, e=0.5)
    assert list(rates) == list(RATE_NAMES)
    for name, value in ORACLE_A_RATES.items():
        assert rates[name] == pytest.approx(float(value), abs=1e-15), name


def test_a_second_example_with_the_proportional_e() -> None:
    # I=40 P=10 R=20 NC=15 O=5 UH=30 UO=10 NE=10: eligible 90, known 100, e = 9/10
    counts = {"I": 40, "P": 10, "R": 20, "NC": 15, "O": 5, "UH": 30, "UO": 10, "NE": 10}
    assert proportional_e(counts) == F(9, 10)
    # D1 = 130, D0 = 90, De = 90 + 9/10 * 40 = 126; contacted = 50 + 20 + 5 = 75
    assert aapor_fractions(counts) == {
        "RR1": F(40, 130), "RR2": F(50, 130), "RR3": F(40, 126), "RR4": F(50, 126),
        "RR5": F(40, 90), "RR6": F(50, 90),
        "COOP1": F(40, 75), "COOP2": F(50, 75), "COOP3": F(40, 70), "COOP4": F(50, 70),
        "REF1": F(20, 130), "REF2": F(20, 126), "REF3": F(20, 90),
        "CON1": F(75, 130), "CON2": F(75, 126), "CON3": F(75, 90),
    }


def test_default_e_is_the_proportional_estimate_not_one() -> None:
    # e = 13/14 here; with e = 1, RR3 would equal RR1 (5/15)
    assert proportional_e(ORACLE_A) == F(13, 14)
    assert aapor_fractions(ORACLE_A)["RR3"] == F(5) / (13 + F(13, 14) * 2)
    assert aapor_fractions(ORACLE_A, e=1)["RR3"] == aapor_fractions(ORACLE_A)["RR1"]
    assert aapor_fractions(ORACLE_A, e=0)["RR3"] == aapor_fractions(ORACLE_A)["RR5"]


def test_missing_categories_count_as_zero() -> None:
    assert aapor_fractions({"I": 3, "R": 1})["RR1"] == F(3, 4)
    assert aapor_fractions({"I": 3, "R": 1})["COOP1"] == F(3, 4)


def test_only_unknown_cases_leave_the_eligible_rates_undefined() -> None:
    rates = aapor_rates({"UO": 4})
    assert rates["RR1"] == 0.0 and rates["REF1"] == 0.0 and rates["CON1"] == 0.0
    for name in ("RR5", "RR6", "COOP1", "COOP2", "COOP3", "COOP4", "REF3", "CON3"):
        assert rates[name] is None, name
    # no case of known eligibility: e cannot be estimated, so neither can the e rates
    assert proportional_e({"UO": 4}) is None
    for name in ("RR3", "RR4", "REF2", "CON2"):
        assert rates[name] is None, name
    # given e, they are defined
    assert aapor_rates({"UO": 4}, e=0.5)["RR3"] == 0.0


def test_no_cases_at_all_gives_no_rates() -> None:
    assert set(aapor_rates({}).values()) == {None}


def test_cooperation_needs_a_contact() -> None:
    rates = aapor_rates({"NC": 3, "UH": 2, "NE": 1})
    assert rates["COOP1"] is None and rates["COOP4"] is None
    assert rates["RR1"] == 0.0 and rates["CON1"] == 0.0


def test_not_eligible_cases_only_move_e() -> None:
    base = {"I": 2, "R": 1, "UH": 3}
    more = {**base, "NE": 50}
    for name in ("RR1", "RR2", "RR5", "COOP1", "REF1", "CON3"):
        assert aapor_fractions(base)[name] == aapor_fractions(more)[name], name
    assert aapor_fractions(more)["RR3"] > aapor_fractions(base)["RR3"]


@pytest.mark.parametrize("counts", [{"X": 1}, {"I": -1}, {"I": 1.5}, {"I": True}])
def test_bad_counts_are_refused(counts: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        aapor_rates(counts)  # type: ignore[arg-type]


@pytest.mark.parametrize("e", [-0.1, 1.1])
def test_e_out_of_range_is_refused(e: float) -> None:
    with pytest.raises(ValueError, match="e must lie"):
        aapor_rates(ORACLE_A, e=e)


counts_strategy = st.fixed_dictionaries(
    {name: st.integers(0, 200) for name in ("I", "P", "R", "NC", "O", "UH", "UO", "NE")})


def _le(a: F | None, b: F | None) -> bool:
    return a is None or b is None or a <= b


@given(counts_strategy, st.none() | st.fractions(0, 1))
def test_rates_keep_aapor_orderings(counts: dict[str, int], e: F | None) -> None:
    r = aapor_fractions(counts, e)
    for name, value in r.items():
        assert value is None or 0 <= value <= 1, name
    assert _le(r["RR1"], r["RR2"]) and _le(r["RR3"], r["RR4"]) and _le(r["RR5"], r["RR6"])
    assert _le(r["RR1"], r["RR3"]) and _le(r["RR3"], r["RR5"])
    assert _le(r["RR2"], r["RR4"]) and _le(r["RR4"], r["RR6"])
    assert _le(r["COOP1"], r["COOP2"]) and _le(r["COOP3"], r["COOP4"])
    assert _le(r["COOP1"], r["COOP3"]) and _le(r["COOP2"], r["COOP4"])
    assert _le(r["REF1"], r["REF2"]) and _le(r["REF2"], r["REF3"])
    assert _le(r["CON1"], r["CON2"]) and _le(r["CON2"], r["CON3"])
    # a response rate never exceeds the contact rate on the same base
    assert _le(r["RR2"], r["CON1"]) and _le(r["RR6"], r["CON3"])


@given(counts_strategy)
def test_e_of_one_and_zero_are_rr1_and_rr5(counts: dict[str, int]) -> None:
    assert aapor_fractions(counts, 1)["RR3"] == aapor_fractions(counts)["RR1"]
    assert aapor_fractions(counts, 0)["RR3"] == aapor_fractions(counts)["RR5"]
