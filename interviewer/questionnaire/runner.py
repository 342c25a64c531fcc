"""`questionnaire run`: walk an interview from the start with scripted answers.

The walk is the contract of the command line (README): every relevant question and note
in document order, each answered from ANSWERS, validated, soft warnings confirmed, until
the end or the first error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from interviewer.questionnaire.compiled import CompiledForm, Def
from interviewer.questionnaire.engine import Clock, Interview, Node, Problem
from interviewer.questionnaire.model import DEFAULT_LANGUAGE, SPECIAL_ANSWERS, QuestionType

_MISSING = object()


class UnusableInput(ValueError):
    """The answers or the language cannot be used (exit 2)."""


@dataclass
class RunResult:
    status: str = "completed"
    path: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    warnings: list[dict[str, str]] = field(default_factory=list)
    error: dict[str, Any] | None = None
    # answers that were not used, for stderr (not part of the JSON contract)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "path": self.path, "data": self.data,
                "warnings": self.warnings, "error": self.error}


def pick_language(form: CompiledForm, wanted: str | None) -> str | None:
    """A language by its full name (`Polski (pl)`), its code (`pl`) or its bare name."""
    if wanted is None:
        return None
    languages = [lang for lang in form.questionnaire.languages if lang != DEFAULT_LANGUAGE]
    w = wanted.strip().lower()
    tests: tuple[Callable[[str], bool], ...] = (
        lambda lang: lang == wanted.strip(),
        lambda lang: lang.lower() == w,
        lambda lang: lang.lower().replace(" ", "").endswith(f"({w})"),
        lambda lang: lang.split("(")[0].strip().lower() == w,
    )
    for test in tests:
        hits = [lang for lang in languages if test(lang)]
        if len(hits) == 1:
            return hits[0]
    have = ", ".join(f'"{lang}"' for lang in languages) or "none"
    raise UnusableInput(f'unknown language "{wanted}"; the form has: {have}')


def run_interview(form: CompiledForm, answers: dict[str, Any], language: str | None = None,
                  clock: Clock | None = None) -> RunResult:
    if not isinstance(answers, dict):
        raise UnusableInput("answers must be a JSON object mapping question names to answers")
    walker = _Walker(form, answers, pick_language(form, language), clock)
    result = walker.run()
    result.notes = _unused_answers(form, answers)
    return result


def _unused_answers(form: CompiledForm, answers: dict[str, Any]) -> list[str]:
    """Answers ODK would ignore too: names of no question, single values for questions
    inside a repeat (which take a list, one entry per instance)."""
    notes = []
    for name, value in answers.items():
        defs = form.by_name.get(name)
        if not defs:
            notes.append(f"'{name}' names no question in the form: its answer was not used")
        elif defs[0].repeats and value is not None and not isinstance(value, list):
            notes.append(f"'{name}' is inside a repeat: give a list, one answer per instance")
    return notes


class _Walker:
    def __init__(self, form: CompiledForm, answers: dict[str, Any], language: str | None,
                 clock: Clock | None) -> None:
        self.form = form
        self.answers = answers
        self.interview = Interview(form, language=language, clock=clock)
        self.result = RunResult()

    def run(self) -> RunResult:
        completed = self._walk(self.interview.root_element, self.form.top, "", ())
        self.result.status = "completed" if completed else "stopped"
        self.result.data = self.interview.data()
        return self.result

    def _walk(self, parent: Node, defs: Sequence[Def], prefix: str,
              idx: tuple[int, ...]) -> bool:
        for d in defs:
            if d.is_repeat:
                if not parent.relevant:
                    continue
                if "repeat_count" not in d.exprs:
                    self.interview.set_instance_count(parent, d, self._wanted_instances(d, idx))
                for i, instance in enumerate(parent.instances(d)):
                    if instance.relevant and not self._walk(
                            instance, d.children, f"{prefix}{d.name}[{i + 1}]/", (*idx, i + 1)):
                        return False
                continue
            node = parent.child(d)
            if node is None or not node.relevant:
                continue
            if d.is_container:
                if not self._walk(node, d.children, prefix, idx):
                    return False
            elif d.visible and not self._answer(node, prefix + d.name, idx):
                return False
        return True

    def _wanted_instances(self, repeat: Def, idx: tuple[int, ...]) -> int:
        """Without repeat_count, the longest answer list inside the repeat sets the count."""
        longest = 0
        for d in repeat.descendants():
            if not d.is_container:
                a = self._answer_at(d.name, idx)
                if isinstance(a, list):
                    longest = max(longest, len(a))
        return longest

    def _answer_at(self, name: str, idx: tuple[int, ...]) -> Any:
        a = self.answers.get(name, _MISSING)
        for i in idx:
            if not isinstance(a, list) or i > len(a):
                return _MISSING
            a = a[i - 1]
        return a

    def _answer(self, node: Node, label: str, idx: tuple[int, ...]) -> bool:
        interview = self.interview
        self.result.path.append(label)
        q = node.question
        a: Any = _MISSING
        if q.type != QuestionType.NOTE and not interview.is_read_only(node):
            a = self._answer_at(q.name, idx)
        problem: Problem | None
        if isinstance(a, dict) and "special" in a and not _is_special(a):
            problem = Problem("type", f"unknown special answer {a['special']!r}: use "
                              f"{' or '.join(SPECIAL_ANSWERS)}")
        elif _is_special(a):
            problem = interview.set_special(node, a["special"])
        elif a is not _MISSING and a is not None:
            problem = interview.answer(node, a)
        else:
            problem = None
        problem = problem or interview.violation(node)
        if problem is not None:
            self.result.error = {"question": label, "kind": problem.kind,
                                 "message": problem.message}
            return False
        warning = interview.warning(node)
        if warning is not None:  # the script confirms every soft warning
            self.result.warnings.append({"question": label, "message": warning})
        return True


def _is_special(a: Any) -> bool:
    return isinstance(a, dict) and set(a) == {"special"} and a["special"] in SPECIAL_ANSWERS
