"""NPS, CSAT and CES with their intervals, against values worked out by hand from the
formulas (ECOSYSTEM.md 3) and published figures."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interviewer.metrics import ces, csat, nps
from interviewer.metrics.cx import share_interval, t_cdf, t_quantile

Z = 1.959963984540054


def test_nps_counts_groups_and_scores_in_points() -> None:
    result = nps([10] * 50 + [9] * 5 + [8] * 25 + [7] * 5 + [6] * 10 + [0] * 5)
    assert (result.n, result.promoters, result.passives, result.detractors) == (100, 55, 30, 15)
    assert result.score == pytest.approx(40.0)


def test_nps_interval_is_the_adjusted_wald_one() -> None:
    # 50 promoters, 30 passives, 20 detractors: add 3/4 to P and D and 3 to n
    p, d, n = 50.75 / 103, 20.75 / 103, 103
    margin = Z * math.sqrt((p + d - (p - d) ** 2) / n)
    result = nps([10] * 50 + [8] * 30 + [3] * 20)
    assert result.low == pytest.approx(100 * (p - d - margin))
    assert result.high == pytest.approx(100 * (p - d + margin))
    assert result.low < result.score < result.high  # type: ignore[operator]


def test_nps_interval_does_not_collapse_when_everyone_agrees() -> None:
    # the plain Wald interval of 5 promoters out of 5 is the point 100; adjusted-Wald is
    # honest about how little five answers say
    result = nps([10, 9, 10, 10, 9])
    assert result.score == 100.0
    assert result.high == 100.0
    assert result.low is not None and result.low < 70


def test_nps_without_answers_has_no_score_and_refuses_out_of_range() -> None:
    empty = nps([])
    assert (empty.score, empty.low, empty.high, empty.n) == (None, None, None, 0)
    with pytest.raises(ValueError, match=r"outside 0\.\.10"):
        nps([5, 11])
    with pytest.raises(ValueError):
        nps([float("nan")])


def test_csat_is_the_top_two_box_share_delighted_example() -> None:
    # Delighted's worked example: 5:42, 4:32, 3:10, 2:9, 1:14 -> 74/107 = 69.16%
    result = csat([5] * 42 + [4] * 32 + [3] * 10 + [2] * 9 + [1] * 14)
    assert result.hits == 74 and result.n == 107
    assert result.score == pytest.approx(69.158878, abs=1e-5)
    adjusted_n = 107 + Z**2
    p = (74 + Z**2 / 2) / adjusted_n
    margin = Z * math.sqrt(p * (1 - p) / adjusted_n)
    assert result.low == pytest.approx(100 * (p - margin))
    assert result.high == pytest.approx(100 * (p + margin))


def test_csat_on_a_seven_point_scale_counts_six_and_seven() -> None:
    result = csat([7, 6, 5, 5, 1], scale=7)
    assert result.hits == 2 and result.score == pytest.approx(40.0)
    with pytest.raises(ValueError, match=r"outside 1\.\.7"):
        csat([8], scale=7)
    with pytest.raises(ValueError, match=r"outside 1\.\.5"):
        csat([0])


def test_ces_mean_and_t_interval() -> None:
    # 1..5: mean 3, sd sqrt(2.5), t(0.975, 4) = 2.776445
    result = ces([1, 2, 3, 4, 5], scale=5)
    assert result.score == pytest.approx(3.0)
    assert result.sd == pytest.approx(math.sqrt(2.5))
    margin = 2.7764451 * math.sqrt(2.5) / math.sqrt(5)
    assert result.low == pytest.approx(3 - margin, abs=1e-5)
    assert result.high == pytest.approx(3 + margin, abs=1e-5)


def test_ces_edges() -> None:
    one = ces([6], scale=7)
    assert (one.score, one.low, one.high, one.n) == (6.0, None, None, 1)
    assert ces([], scale=7).score is None
    with pytest.raises(ValueError, match="5 or 7"):
        ces([3], scale=10)
    # the interval stays on the scale
    assert ces([7, 7, 7, 6], scale=7).high == 7.0


@pytest.mark.parametrize(("df", "expected"), [(1, 12.7062), (2, 4.3027), (4, 2.7764),
                                              (9, 2.2622), (29, 2.0452), (120, 1.9799)])
def test_t_quantile_matches_the_printed_tables(df: int, expected: float) -> None:
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=1e-4)


@given(st.floats(-30, 30), st.integers(1, 200))
def test_t_cdf_is_symmetric_and_monotone(t: float, df: int) -> None:
    assert t_cdf(t, df) + t_cdf(-t, df) == pytest.approx(1.0)
    assert t_cdf(t + 0.5, df) >= t_cdf(t, df)


@given(st.integers(0, 500), st.integers(1, 500))
def test_share_interval_holds_the_share_and_stays_in_bounds(hits: int, n: int) -> None:
    hits = min(hits, n)
    low, high = share_interval(hits, n)
    assert 0.0 <= low <= hits / n <= high <= 1.0


@given(st.lists(st.integers(0, 10), min_size=1, max_size=300))
def test_nps_interval_holds_the_score(scores: list[int]) -> None:
    result = nps(scores)
    assert result.promoters + result.passives + result.detractors == result.n
    assert result.low is not None and result.high is not None and result.score is not None
    assert -100.0 <= result.low <= result.high <= 100.0
    # the adjusted centre pulls towards 0, so the raw score may sit just outside for
    # tiny n; it is always within one interval width
    assert result.low - (result.high - result.low) <= result.score
    assert result.score <= result.high + (result.high - result.low)


def test_nps_interval_narrows_as_answers_grow() -> None:
    small = nps([10] * 5 + [8] * 3 + [2] * 2)
    large = nps([10] * 500 + [8] * 300 + [2] * 200)
    assert (large.high - large.low) < (small.high - small.low) / 5  # type: ignore[operator]
