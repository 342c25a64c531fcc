"""AAPOR response rates of a survey, from the dispositions stored on central.

Each case of the survey counts once, in the category of:
- its final disposition, when it is closed;
- else the disposition of its last call attempt (a case still being worked counts as
  what happened last), or of `cases.last_outcome` when its attempts have not reached
  this database yet;
- else 3.11 "not attempted" (UH): it was never called.
"""

from __future__ import annotations

import uuid
from fractions import Fraction

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from interviewer.fieldwork.dispositions import OUTCOMES, category_of
from interviewer.metrics.aapor import CATEGORIES, aapor_fractions, proportional_e
from interviewer.services.common import CurrentUser, NotFound, ServiceError, require_role
from interviewer.storage.db import Database
from interviewer.storage.models import CallAttempt, Case, Survey

NOT_ATTEMPTED = "3.11"


class RatesReport(BaseModel):
    survey: str
    cases: int
    counts: dict[str, int]  # every category of CATEGORIES, in that order
    e: float | None  # the e used: given, or AAPOR's proportional estimate
    e_given: bool
    rates: dict[str, float | None]  # proportions 0..1; None where the denominator is 0

    def as_json(self) -> dict[str, object]:
        return {"survey": self.survey, "counts": self.counts, "e": self.e,
                "rates": self.rates}


class RatesService:
    """Counts and rates per survey; supervisors and admins only."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def counts(self, user: CurrentUser, survey: str) -> dict[str, int]:
        """Cases per AAPOR category (every category present, 0 when none)."""
        require_role(user, "supervisor", "admin")
        with self._db.unit_of_work() as session:
            survey_id = session.scalar(select(Survey.id).where(Survey.name == survey))
            if survey_id is None:
                raise NotFound(f"there is no survey '{survey}'")
            cases = session.execute(
                select(Case.id, Case.final_disposition, Case.last_outcome)
                .where(Case.survey_id == survey_id)).all()
            last_calls = _last_dispositions(session, survey_id)
        counts = dict.fromkeys(CATEGORIES, 0)
        for case_id, final, last_outcome in cases:
            code = final or last_calls.get(case_id) or _code_of(last_outcome) or NOT_ATTEMPTED
            try:
                counts[category_of(code)] += 1
            except ValueError:
                raise ServiceError(f"case {case_id} carries the disposition {code!r}, which is "
                                   "not an AAPOR code; correct it, then ask again") from None
        return counts

    def report(self, user: CurrentUser, survey: str, e: float | None = None) -> RatesReport:
        counts = self.counts(user, survey)
        used = Fraction(e) if e is not None else proportional_e(counts)
        rates = aapor_fractions(counts, used)
        return RatesReport(
            survey=survey, cases=sum(counts.values()), counts=counts,
            e=None if used is None else float(used), e_given=e is not None,
            rates={k: None if v is None else float(v) for k, v in rates.items()})


def _last_dispositions(session: Session, survey_id: uuid.UUID) -> dict[uuid.UUID, str]:
    """The disposition of each case's latest call attempt (by start, then id: UUIDv7
    ids are time-ordered, so two attempts in the same instant keep their order)."""
    ranked = (select(CallAttempt.case_id, CallAttempt.disposition,
                     func.row_number().over(
                         partition_by=CallAttempt.case_id,
                         order_by=(CallAttempt.started_at.desc(), CallAttempt.id.desc()))
                     .label("rank"))
              .where(CallAttempt.survey_id == survey_id).subquery())
    rows = session.execute(select(ranked.c.case_id, ranked.c.disposition)
                           .where(ranked.c.rank == 1)).all()
    return {case_id: code for case_id, code in rows}


def _code_of(last_outcome: str | None) -> str | None:
    """`cases.last_outcome` holds an outcome key; an AAPOR code is accepted too."""
    if not last_outcome:
        return None
    known = OUTCOMES.get(last_outcome)
    return known.disposition if known is not None else last_outcome


__all__ = ["NOT_ATTEMPTED", "RatesReport", "RatesService"]
