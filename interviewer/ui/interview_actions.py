"""What each key of the interview screen asks of the InterviewSession, run off the GUI
thread. Every function takes the session and plain values and returns a `Step`: plain
data the screen renders. The order of calls is fixed here; what comes next is decided by
the engine behind the session.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from interviewer.services.interviewing import (
    IndexEntry,
    InterviewingService,
    InterviewSession,
    MoveResult,
    ProblemView,
    ScreenView,
)

Changes = dict[str, Any]  # question key -> the typed answer the interviewer gave


@dataclass(frozen=True)
class Step:
    screen: ScreenView
    index: list[IndexEntry]
    current_key: str = ""
    summary: list[IndexEntry] = field(default_factory=list)
    problems: list[ProblemView] = field(default_factory=list)
    warnings: list[ProblemView] = field(default_factory=list)
    moved: bool = True  # False: the same screen, keep what is typed in it
    closed: str = ""  # "suspended" or "completed": the interview leaves the screen
    notice: str = ""  # a line to show, e.g. "Remark saved."


@dataclass(frozen=True)
class Opened:
    """An interview ready to show: the session and its first step."""

    session: InterviewSession
    step: Step
    respondent: str
    case: str
    survey: str


def screen_key(screen: ScreenView) -> str:
    """A name for what is on screen: its first question, or its kind."""
    return screen.questions[0].key if screen.questions else screen.kind


def _step(session: InterviewSession, screen: ScreenView, *, moved: bool = True,
          problems: list[ProblemView] | None = None,
          warnings: list[ProblemView] | None = None, notice: str = "") -> Step:
    summary = session.summary() if screen.kind == "end" else []
    return Step(screen=screen, index=session.index(), current_key=screen_key(screen),
                summary=summary, problems=problems or [], warnings=warnings or [],
                moved=moved, notice=notice)


def _from_move(session: InterviewSession, result: MoveResult) -> Step:
    return _step(session, result.screen, moved=result.moved, problems=result.problems,
                 warnings=result.warnings)


def open_interview(service: InterviewingService, case_id: uuid.UUID, respondent: str,
                   case: str, survey: str) -> Opened:
    """Start the case's interview (or resume the open one) and restore it."""
    return open_started(service, service.start(case_id), respondent, case, survey)


def open_started(service: InterviewingService, interview_id: uuid.UUID, respondent: str,
                 case: str, survey: str) -> Opened:
    """Restore an interview that exists already (a telephone case starts it itself)."""
    session = service.open(interview_id)
    return Opened(session=session, step=_step(session, session.screen()),
                  respondent=respondent, case=case, survey=survey)


def save_answers(session: InterviewSession, changes: Changes) -> list[ProblemView]:
    """Commit each changed answer (one unit of work each); the ones refused come back."""
    problems = []
    for key, value in changes.items():
        problem = session.answer(key, value)
        if problem is not None:
            problems.append(problem)
    return problems


def go_on(session: InterviewSession, changes: Changes) -> Step:
    """Enter: store what was typed, then move on if the engine lets us."""
    problems = save_answers(session, changes)
    if problems:
        return _step(session, session.screen(), moved=False, problems=problems)
    return _from_move(session, session.next())


def confirm_and_go_on(session: InterviewSession, changes: Changes) -> Step:
    """Enter on a soft warning: confirm it, unless the answer was changed meanwhile
    (the new answer is then checked afresh)."""
    if changes:
        return go_on(session, changes)
    return _from_move(session, session.confirm_warnings())


def back(session: InterviewSession, changes: Changes) -> Step:
    save_answers(session, changes)  # what is typed is kept when it is valid
    return _step(session, session.back())


def jump(session: InterviewSession, changes: Changes, key: str) -> Step:
    save_answers(session, changes)
    return _step(session, session.jump(key))


def set_special(session: InterviewSession, key: str, special: str, go: bool) -> Step:
    """F5/F6: don't know or refused for one question; on a one-question screen, go on."""
    problem = session.set_special(key, special)
    if problem is not None:
        return _step(session, session.screen(), moved=False, problems=[problem])
    if go:
        return _from_move(session, session.next())
    return _step(session, session.screen(), moved=False)


def add_instance(session: InterviewSession) -> Step:
    return _step(session, session.add_instance())


def set_language(session: InterviewSession, changes: Changes, language: str) -> Step:
    save_answers(session, changes)  # what is typed stays, in the new language too
    return _step(session, session.set_language(language))


def add_remark(session: InterviewSession, key: str, text: str) -> Step:
    session.add_remark(key, text)
    return _step(session, session.screen(), moved=False, notice="Remark saved.")


def suspend(session: InterviewSession, changes: Changes) -> Step:
    """Ctrl+S: keep what is typed when it is valid, then suspend."""
    save_answers(session, changes)
    session.suspend()
    return Step(screen=session.screen(), index=[], closed="suspended")


def complete(session: InterviewSession) -> Step:
    problems = session.complete()
    if problems:
        return _step(session, session.screen(), moved=False, problems=problems)
    return Step(screen=session.screen(), index=[], closed="completed")


__all__ = ["Changes", "Opened", "Step", "screen_key"]
