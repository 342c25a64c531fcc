"""CX metrics with 95% intervals (DESIGN.md 8, ECOSYSTEM.md 3), pure.

- NPS: promoters 9-10, passives 7-8, detractors 0-6; score = 100 (P - D) / n, in points
  -100..100. Interval: adjusted-Wald (Rocks 2016): add 3/4 to the promoters and to the
  detractors and 3 to n, then the trinomial variance (pP + pD - (pP - pD)^2) / n. The
  plain Wald interval is too narrow for small n and collapses to a point when every
  answer falls in one group; the adjusted one does not.
- CSAT: the top-2-box share (4-5 on a 5-point scale, 6-7 on a 7-point one), in percent;
  answers on different scales pool their hits (csat_pooled).
  Interval: adjusted-Wald for a proportion (Agresti-Coull): add z^2/2 hits and z^2 trials.
- CES: the mean on its scale (1-5 or 1-7); interval: Student's t with n - 1 degrees of
  freedom (none for n < 2).

Callers leave out don't know, refused and empty answers: they are not scores.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import NormalDist

Z95 = NormalDist().inv_cdf(0.975)


@dataclass(frozen=True)
class NpsResult:
    score: float | None  # None when n == 0
    low: float | None
    high: float | None
    n: int
    promoters: int
    passives: int
    detractors: int


@dataclass(frozen=True)
class ShareResult:
    score: float | None  # percent 0..100
    low: float | None
    high: float | None
    n: int
    hits: int


@dataclass(frozen=True)
class MeanResult:
    score: float | None  # the mean on the scale
    low: float | None
    high: float | None
    n: int
    sd: float | None


def _checked(values: Iterable[float], lowest: int, highest: int, what: str) -> list[float]:
    out = []
    for value in values:
        number = float(value)
        if math.isnan(number) or not lowest <= number <= highest:
            raise ValueError(f"{what} score {value!r} is outside {lowest}..{highest}")
        out.append(number)
    return out


def nps(scores: Iterable[float]) -> NpsResult:
    values = _checked(scores, 0, 10, "an NPS")
    n = len(values)
    promoters = sum(1 for v in values if v >= 9)
    detractors = sum(1 for v in values if v <= 6)
    passives = n - promoters - detractors
    if n == 0:
        return NpsResult(None, None, None, 0, 0, 0, 0)
    adjusted_n = n + 3
    p = (promoters + 0.75) / adjusted_n
    d = (detractors + 0.75) / adjusted_n
    margin = Z95 * math.sqrt((p + d - (p - d) ** 2) / adjusted_n)
    centre = p - d
    return NpsResult(score=100 * (promoters - detractors) / n,
                     low=100 * max(-1.0, centre - margin),
                     high=100 * min(1.0, centre + margin),
                     n=n, promoters=promoters, passives=passives, detractors=detractors)


def share_interval(hits: int, n: int) -> tuple[float, float]:
    """The adjusted-Wald (Agresti-Coull) 95% interval of hits/n, as proportions."""
    adjusted_n = n + Z95**2
    p = (hits + Z95**2 / 2) / adjusted_n
    margin = Z95 * math.sqrt(p * (1 - p) / adjusted_n)
    return max(0.0, p - margin), min(1.0, p + margin)


def csat(values: Iterable[float], scale: int = 5) -> ShareResult:
    """The top-2-box share of a 1..scale satisfaction question."""
    return csat_pooled((value, scale) for value in values)


def csat_pooled(answers: Iterable[tuple[float, int]]) -> ShareResult:
    """The top-2-box share of answers each on its own 1..scale (value, scale): versions
    of a questionnaire may ask on 5 and on 7 points, and a top-2 answer means the same
    on both, so the hits pool (a mean would not)."""
    n = hits = 0
    for value, scale in answers:
        if scale < 3:
            raise ValueError(f"a CSAT scale has at least 3 points, not {scale}")
        number = _checked([value], 1, scale, "a CSAT")[0]
        n += 1
        hits += number >= scale - 1
    if n == 0:
        return ShareResult(None, None, None, 0, 0)
    low, high = share_interval(hits, n)
    return ShareResult(score=100 * hits / n, low=100 * low, high=100 * high, n=n, hits=hits)


def ces(values: Iterable[float], scale: int) -> MeanResult:
    """The mean effort score on a 1..scale question (5 or 7 points)."""
    if scale not in (5, 7):
        raise ValueError(f"a CES scale has 5 or 7 points, not {scale}")
    answers = _checked(values, 1, scale, "a CES")
    n = len(answers)
    if n == 0:
        return MeanResult(None, None, None, 0, None)
    mean = math.fsum(answers) / n
    if n == 1:
        return MeanResult(mean, None, None, 1, None)
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in answers) / (n - 1))
    margin = t_quantile(0.975, n - 1) * sd / math.sqrt(n)
    return MeanResult(score=mean, low=max(1.0, mean - margin),
                      high=min(float(scale), mean + margin), n=n, sd=sd)


# -- Student's t without scipy: the CDF through the regularized incomplete beta function
# (continued fraction, Numerical Recipes 6.4), inverted by bisection.

def t_quantile(p: float, df: int) -> float:
    """The p-quantile (0.5 < p < 1) of Student's t with df degrees of freedom."""
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        high *= 2
    for _ in range(100):
        middle = (low + high) / 2
        if t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def t_cdf(t: float, df: int) -> float:
    tail = 0.5 * _incomplete_beta(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t >= 0 else tail


def _incomplete_beta(a: float, b: float, x: float) -> float:
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                     + a * math.log(x) + b * math.log(1 - x))
    if x < (a + 1) / (a + b + 2):
        return front * _beta_fraction(a, b, x) / a
    return 1 - front * _beta_fraction(b, a, 1 - x) / b


def _beta_fraction(a: float, b: float, x: float) -> float:
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 300):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return result


__all__ = ["MeanResult", "NpsResult", "ShareResult", "ces", "csat", "csat_pooled", "nps",
           "share_interval", "t_quantile"]
