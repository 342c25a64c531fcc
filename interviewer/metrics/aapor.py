"""AAPOR outcome rates (Standard Definitions, "Calculating rates from response
distributions"), from counts of final dispositions per category:

    I  complete interviews           P  partial interviews
    R  refusals and break-offs       NC non-contacts          O  other eligible non-interviews
    UH unknown if household          UO unknown, other        NE not eligible (no rate uses it,
                                                               except the estimate of e)

With D1 = (I+P) + (R+NC+O) + (UH+UO), De = (I+P) + (R+NC+O) + e(UH+UO) and
D0 = (I+P) + (R+NC+O):

    RR1 = I / D1          RR3 = I / De          RR5 = I / D0
    RR2 = (I+P) / D1      RR4 = (I+P) / De      RR6 = (I+P) / D0
    COOP1 = I / ((I+P)+R+O)        COOP2 = (I+P) / ((I+P)+R+O)
    COOP3 = I / ((I+P)+R)          COOP4 = (I+P) / ((I+P)+R)
    REF1 = R / D1         REF2 = R / De         REF3 = R / D0
    CON1 = ((I+P)+R+O) / D1    CON2 = ((I+P)+R+O) / De    CON3 = ((I+P)+R+O) / D0

e is the estimated share of the unknown-eligibility cases that are eligible. By default it
is AAPOR's proportional estimate (the eligible share among cases whose eligibility is
known): e = (I+P+R+NC+O) / (I+P+R+NC+O+NE).

A rate whose denominator is 0 is None (not 0, which would read as a measured rate). When
e cannot be estimated (no case of known eligibility) while unknown cases exist, the rates
that need it (RR3, RR4, REF2, CON2) are None; with no unknown cases e plays no part.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

CATEGORIES = ("I", "P", "R", "NC", "O", "UH", "UO", "NE")
RATE_NAMES = ("RR1", "RR2", "RR3", "RR4", "RR5", "RR6", "COOP1", "COOP2", "COOP3", "COOP4",
              "REF1", "REF2", "REF3", "CON1", "CON2", "CON3")
_NEEDS_E = ("RR3", "RR4", "REF2", "CON2")


def _checked(counts: Mapping[str, int]) -> dict[str, int]:
    unknown = sorted(str(k) for k in counts if k not in CATEGORIES)
    if unknown:
        raise ValueError(f"unknown disposition categories {', '.join(unknown)}; known: "
                         f"{', '.join(CATEGORIES)}")
    checked = {}
    for name in CATEGORIES:
        value = counts.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"count {name} must be a whole number >= 0, not {value!r}")
        checked[name] = value
    return checked


def proportional_e(counts: Mapping[str, int]) -> Fraction | None:
    """(I+P+R+NC+O) / (I+P+R+NC+O+NE), or None when no case's eligibility is known."""
    c = _checked(counts)
    eligible = c["I"] + c["P"] + c["R"] + c["NC"] + c["O"]
    known = eligible + c["NE"]
    return Fraction(eligible, known) if known else None


def _ratio(numerator: Fraction, denominator: Fraction) -> Fraction | None:
    return numerator / denominator if denominator else None


def aapor_fractions(counts: Mapping[str, int],
                    e: Fraction | float | None = None) -> dict[str, Fraction | None]:
    """Every rate as an exact fraction (None where the denominator is 0), in RATE_NAMES
    order. `e` defaults to proportional_e(counts); a given e must lie in 0..1."""
    c = {k: Fraction(v) for k, v in _checked(counts).items()}
    if e is None:
        e = proportional_e(counts)
    else:
        if isinstance(e, bool) or not 0 <= e <= 1:
            raise ValueError(f"e must lie between 0 and 1, not {e!r}")
        e = Fraction(e)
    interviews = c["I"] + c["P"]
    d0 = interviews + c["R"] + c["NC"] + c["O"]
    unknown = c["UH"] + c["UO"]
    d1 = d0 + unknown
    de = None if e is None and unknown else d0 + (e or 0) * unknown
    contacted = interviews + c["R"] + c["O"]
    per_base = {"1": d1, "e": de, "0": d0}

    def over(numerator: Fraction, base: str) -> Fraction | None:
        denominator = per_base[base]
        return None if denominator is None else _ratio(numerator, denominator)

    return {
        "RR1": over(c["I"], "1"), "RR2": over(interviews, "1"),
        "RR3": over(c["I"], "e"), "RR4": over(interviews, "e"),
        "RR5": over(c["I"], "0"), "RR6": over(interviews, "0"),
        "COOP1": _ratio(c["I"], contacted), "COOP2": _ratio(interviews, contacted),
        "COOP3": _ratio(c["I"], interviews + c["R"]),
        "COOP4": _ratio(interviews, interviews + c["R"]),
        "REF1": over(c["R"], "1"), "REF2": over(c["R"], "e"), "REF3": over(c["R"], "0"),
        "CON1": over(contacted, "1"), "CON2": over(contacted, "e"),
        "CON3": over(contacted, "0"),
    }


def aapor_rates(counts: Mapping[str, int], e: float | None = None) -> dict[str, float | None]:
    """RR1-RR6, COOP1-COOP4, REF1-REF3, CON1-CON3 as proportions (0..1), None where the
    denominator is 0. `counts` maps I, P, R, NC, O, UH, UO, NE to whole numbers (a missing
    one is 0); `e` defaults to AAPOR's proportional estimate (see the module's doc)."""
    return {name: None if value is None else float(value)
            for name, value in aapor_fractions(counts, e).items()}


__all__ = ["CATEGORIES", "RATE_NAMES", "aapor_fractions", "aapor_rates", "proportional_e"]
