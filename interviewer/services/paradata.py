"""What the paradata tell about time, shared by review (durations, the `short` flag)
and results (interviewers' working hours)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, aliased

from interviewer.services.common import aware_utc
from interviewer.storage.models import Interview, ParadataEvent


def time_away(session: Session, which: ColumnElement[bool],
              key: Callable[[Any], Any] = lambda column: column) -> dict[Any, float]:
    """Seconds each interview matching `which` lay suspended: from the event before each
    resume (a suspend, or the last answer before the app stopped) to the resume. Resumes
    are few, and each finds its previous event by the (interview, seq) index. `key`
    shapes the interview id column (results reads ids as the database's text)."""
    resume, earlier = aliased(ParadataEvent), aliased(ParadataEvent)
    before = (select(func.max(earlier.at))
              .where(earlier.interview_id == resume.interview_id, earlier.seq < resume.seq)
              .scalar_subquery())
    rows = session.execute(
        select(key(resume.interview_id), resume.at, before)
        .join(Interview, Interview.id == resume.interview_id)
        .where(resume.kind == "resume", which))
    away: dict[Any, float] = defaultdict(float)
    for interview_id, at, previous in rows:
        start, end = aware_utc(previous), aware_utc(at)
        if start is not None and end is not None:
            away[interview_id] += max((end - start).total_seconds(), 0.0)
    return dict(away)


__all__ = ["time_away"]
