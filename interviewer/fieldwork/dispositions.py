"""AAPOR final disposition codes for telephone surveys, and the project's call outcomes.

`DISPOSITIONS` is AAPOR Standard Definitions' telephone table (Table 1) as data, every
level from the x.10 groups down (the top headings 1.0-3.0 span several rate categories, so
they are not codes a case can carry; 4.0 would be NE). Each code carries the category the
outcome rates count it in (`interviewer.metrics.aapor`):

    I  1.1 complete          R  2.10 refusal and break-off      UH 3.10 unknown if household
    P  1.2 partial           NC 2.20 non-contact                UO 3.20, 3.90 unknown other
                             O  2.30 other                      NE 4.x  not eligible

`OUTCOMES` are the codes an interviewer picks after a call, in display order, each mapped
onto one AAPOR code. A break-off keeps its answers: it counts as a partial interview (1.2)
when enough of the questionnaire was answered, else as a break-off (2.12, a refusal).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class Category(StrEnum):
    """The disposition groups of AAPOR's outcome-rate formulas."""

    I = "I"  # noqa: E741 - AAPOR's own name
    P = "P"
    R = "R"
    NC = "NC"
    O = "O"  # noqa: E741 - AAPOR's own name
    UH = "UH"
    UO = "UO"
    NE = "NE"


@dataclass(frozen=True)
class Disposition:
    code: str  # "1.1", "2.112", "3.13", "4.32"
    label: str
    category: Category


_C = Category
_TABLE: tuple[tuple[str, str, Category], ...] = (
    ("1.1", "Complete", _C.I),
    ("1.2", "Partial", _C.P),
    ("2.10", "Refusal and break-off", _C.R),
    ("2.11", "Refusal", _C.R),
    ("2.111", "Household-level refusal", _C.R),
    ("2.112", "Known-respondent refusal", _C.R),
    ("2.12", "Break-off", _C.R),
    ("2.20", "Non-contact", _C.NC),
    ("2.21", "Respondent never available", _C.NC),
    ("2.22", "Answering device confirming household", _C.NC),
    ("2.221", "Message left", _C.NC),
    ("2.222", "No message left", _C.NC),
    ("2.30", "Other", _C.O),
    ("2.31", "Dead", _C.O),
    ("2.32", "Physically or mentally unable", _C.O),
    ("2.33", "Language", _C.O),
    ("2.331", "Household-level language problem", _C.O),
    ("2.332", "Respondent language problem", _C.O),
    ("2.333", "No interviewer available for the language", _C.O),
    ("2.34", "Inaudible response", _C.O),
    ("2.35", "Location or activity not allowing interview", _C.O),
    ("2.36", "Miscellaneous", _C.O),
    ("3.10", "Unknown if household", _C.UH),
    ("3.11", "Not attempted or worked", _C.UH),
    ("3.12", "Always busy", _C.UH),
    ("3.13", "No answer", _C.UH),
    ("3.14", "Answering device, household unknown", _C.UH),
    ("3.15", "Call blocking or telecommunication barriers", _C.UH),
    ("3.16", "Technical phone problems", _C.UH),
    ("3.20", "Household, unknown if eligible respondent", _C.UO),
    ("3.21", "No screener completed", _C.UO),
    ("3.90", "Other unknown eligibility", _C.UO),
    ("4.10", "Out of sample", _C.NE),
    ("4.20", "Fax or data line", _C.NE),
    ("4.30", "Non-working or disconnected number", _C.NE),
    ("4.31", "Non-working number", _C.NE),
    ("4.32", "Disconnected number", _C.NE),
    ("4.33", "Temporarily out of service", _C.NE),
    ("4.40", "Special technological circumstances", _C.NE),
    ("4.41", "Number changed", _C.NE),
    ("4.42", "Cell phone", _C.NE),
    ("4.43", "Call forwarding", _C.NE),
    ("4.50", "Non-residence", _C.NE),
    ("4.51", "Business, government office or other organisation", _C.NE),
    ("4.52", "Institution", _C.NE),
    ("4.53", "Group quarters", _C.NE),
    ("4.70", "No eligible respondent", _C.NE),
    ("4.80", "Quota filled", _C.NE),
    ("4.90", "Other not eligible", _C.NE),
)

DISPOSITIONS: Mapping[str, Disposition] = MappingProxyType(
    {code: Disposition(code, label, category) for code, label, category in _TABLE})


def category_of(code: str) -> Category:
    """The rate category of an AAPOR code; ValueError naming an unknown code."""
    disposition = DISPOSITIONS.get(code)
    if disposition is None:
        raise ValueError(f"{code!r} is not an AAPOR telephone disposition code")
    return disposition.category


def disposition(code: str) -> Disposition:
    """The table entry of an AAPOR code; ValueError naming an unknown code."""
    category_of(code)
    return DISPOSITIONS[code]


RETRY_KINDS = ("busy", "no_answer", "machine", "other")


@dataclass(frozen=True)
class Outcome:
    """A call outcome an interviewer records. `retry` names the delay rule for outcomes
    that call again (None: final, or an appointment); `shortcut` is its key on the CATI
    screen."""

    key: str
    label: str
    disposition: str
    final: bool
    retry: str | None
    appointment: bool
    shortcut: str


def _outcome(key: str, label: str, code: str, shortcut: str, *, final: bool = False,
             retry: str | None = None, appointment: bool = False) -> Outcome:
    return Outcome(key, label, code, final, retry, appointment, shortcut)


BREAK_OFF = "break_off"
DO_NOT_CALL = "do_not_call"

_OUTCOMES = (
    _outcome("complete", "Interview completed", "1.1", "1", final=True),
    # the code shown is the fallback; break_off_disposition() decides 1.2 or 2.12
    _outcome(BREAK_OFF, "Interview broken off", "2.12", "2", final=True),
    _outcome("callback", "Callback booked", "2.21", "3", appointment=True),
    _outcome("busy", "Busy", "3.12", "4", retry="busy"),
    _outcome("no_answer", "No answer", "3.13", "5", retry="no_answer"),
    _outcome("answering_machine", "Answering machine, no message", "3.14", "6",
             retry="machine"),
    _outcome("message_left", "Answering machine, message left", "2.221", "7",
             retry="machine"),
    _outcome("soft_refusal", "Refused for now (try again)", "2.112", "8", retry="other"),
    _outcome("refusal", "Refused", "2.112", "9", final=True),
    _outcome(DO_NOT_CALL, "Do not call again", "2.112", "0", final=True),
    _outcome("language", "Language barrier", "2.332", "F1",
             final=True),
    _outcome("unable", "Respondent unable to take part", "2.32", "F2", final=True),
    _outcome("not_eligible", "No eligible respondent", "4.70", "F3", final=True),
    _outcome("non_working", "Number not working", "4.30", "F4", final=True),
    _outcome("fax", "Fax or data line", "4.20", "F5", final=True),
    _outcome("business", "Business number", "4.51", "F6", final=True),
    _outcome("quota_filled", "Quota filled", "4.80", "F7", final=True),
)

OUTCOMES: Mapping[str, Outcome] = MappingProxyType({o.key: o for o in _OUTCOMES})


def outcome(key: str) -> Outcome:
    """The project outcome `key`; ValueError naming an unknown one."""
    found = OUTCOMES.get(key)
    if found is None:
        raise ValueError(f"{key!r} is not a call outcome; known: {', '.join(OUTCOMES)}")
    return found


def break_off_disposition(answered_share: float, partial_threshold: float = 0.5) -> str:
    """1.2 (partial) when at least `partial_threshold` of the questions that applied were
    answered, else 2.12 (break-off). Either way the answers given are kept."""
    if not 0.0 <= answered_share <= 1.0:
        raise ValueError(f"answered share must lie in 0..1, not {answered_share}")
    if not 0.0 < partial_threshold <= 1.0:
        raise ValueError(f"partial threshold must lie in (0, 1], not {partial_threshold}")
    return "1.2" if answered_share >= partial_threshold else "2.12"


__all__ = ["BREAK_OFF", "DISPOSITIONS", "DO_NOT_CALL", "OUTCOMES", "RETRY_KINDS", "Category",
           "Disposition", "Outcome", "break_off_disposition", "category_of", "disposition",
           "outcome"]
