"""Engine speed on a generated 2,000-question questionnaire.

Measures: load + compile of the XLSForm; the time of each interview step (answer,
validate, warnings) when answering every question in order; and incremental
re-evaluation against re-evaluating everything at each step, on the same steps of the
same run. Prints one JSON object as its last line:
    {"load_s": ..., "step_p99_ms": ..., "incremental_vs_full_ratio": ...}
incremental_vs_full_ratio = mean step time incremental / mean step time full (lower is
better). Run: .venv/bin/python bench/engine.py
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from interviewer.questionnaire.compiled import CompiledForm, Def, load_form
from interviewer.questionnaire.engine import Interview, Node

SECTIONS = 100
PER_SECTION = 20
CALCULATIONS = 200
MEMBERS = 20


def make_form(path: Path, sections: int = SECTIONS, per_section: int = PER_SECTION,
              calculations: int = CALCULATIONS, members: int = MEMBERS) -> Path:
    """Write a big XLSForm: relevance chains, calculations, a repeat, choice filters."""
    survey: list[list[Any]] = [["type", "name", "label", "relevant", "constraint",
                                "calculation", "choice_filter", "repeat_count"]]
    survey.append(["select_one region", "region", "Region", "", "", "", "", ""])
    survey.append(["select_one district", "district", "District", "", "", "", "region=${region}",
                   ""])
    names: list[tuple[str, str]] = []
    for s in range(sections):
        survey.append(["begin group", f"s{s}", f"Section {s}", "", "", "", "", ""])
        for i in range(per_section):
            name = f"q{s}_{i}"
            previous = names[-1] if names else None
            relevant = ""
            if previous and i % 2 == 1:  # relevance chains through the section
                relevant = (f"${{{previous[0]}}} != 'no'" if previous[1] == "yn"
                            else f"${{{previous[0]}}} >= 0")
            if i % 3 == 0:
                survey.append(["select_one yn", name, f"Q {name} (after ${{region}})", relevant,
                               "", "", "", ""])
                names.append((name, "yn"))
            else:
                survey.append(["integer", name, f"Q {name}", relevant, ". >= 0 and . <= 100",
                               "", "", ""])
                names.append((name, "int"))
        survey.append(["end group", "", "", "", "", "", "", ""])
    integers = [n for n, kind in names if kind == "int"]
    for c in range(calculations):
        a, b = integers[(c * 7) % len(integers)], integers[(c * 13 + 5) % len(integers)]
        expr = f"${{{a}}} + ${{{b}}}" if c == 0 else f"${{c{c - 1}}} + ${{{a}}} - ${{{b}}}"
        survey.append(["calculate", f"c{c}", "", "", "", expr, "", ""])
    survey.append(["integer", "n_members", "How many members?", "", ". <= 30", "", "", ""])
    survey.append(["begin repeat", "member", "Member", "", "", "", "", "${n_members}"])
    survey.append(["text", "m_name", "Name of member ${m_pos}", "", "", "", "", ""])
    survey.append(["calculate", "m_pos", "", "", "", "position(..)", "", ""])
    survey.append(["integer", "m_age", "Age of ${m_name}", "", ". < 120", "", "", ""])
    survey.append(["select_one yn", "m_works", "Works?", "${m_age} >= 15", "", "", "", ""])
    survey.append(["integer", "m_hours", "Hours", "${m_works} = 'yes'", "", "", "", ""])
    survey.append(["end repeat", "", "", "", "", "", "", ""])
    choices: list[list[Any]] = [["list_name", "name", "label", "region"]]
    choices += [["yn", "yes", "Yes", ""], ["yn", "no", "No", ""]]
    choices += [["region", f"r{r}", f"Region {r}", ""] for r in range(10)]
    choices += [["district", f"d{d}", f"District {d}", f"r{d % 10}"] for d in range(50)]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "survey"
    for row in survey:
        sheet.append(row)
    choice_sheet = book.create_sheet("choices")
    for row in choices:
        choice_sheet.append(row)
    settings = book.create_sheet("settings")
    settings.append(["form_id", "version"])
    settings.append(["bench", "1"])
    book.save(path)
    return path


def scripted_answer(node: Node, members: int = MEMBERS) -> Any:
    """An answer that keeps every question relevant."""
    name = node.name
    if name == "region":
        return "r3"
    if name == "district":
        return "d13"
    if name == "n_members":
        return members
    if name == "m_name":
        return f"member {node.parent.index if node.parent else 0}"
    if name == "m_works":
        return "yes"
    q_type = node.question.type.value
    if q_type == "select_one":
        return "yes"
    return 7


def walk(form: CompiledForm, incremental: bool, max_steps: int | None = None) -> list[float]:
    """Answer every question in order, as an interviewer would; return each step's seconds
    (answer, validation, soft check, the next label piped)."""
    interview = Interview(form)
    interview.incremental = incremental
    steps: list[float] = []
    for node in _questions(interview, interview.root_element, form.top):
        if max_steps is not None and len(steps) >= max_steps:
            break
        t0 = time.perf_counter()
        problem = interview.answer(node, scripted_answer(node))
        problem = problem or interview.violation(node)
        interview.warning(node)
        interview.label(node)
        steps.append(time.perf_counter() - t0)
        if problem is not None:
            raise SystemExit(f"bench form stopped at {node.path}: {problem}")
    return steps


def _questions(interview: Interview, parent: Node, defs: list[Def]) -> Iterator[Node]:
    """Relevant questions in document order, repeat instances read as they are reached."""
    for d in defs:
        if d.is_repeat:
            for instance in parent.instances(d):
                yield from _questions(interview, instance, d.children)
            continue
        node = parent.child(d)
        if node is None or not node.relevant:
            continue
        if d.is_container:
            yield from _questions(interview, node, d.children)
        elif d.visible:
            yield node


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = make_form(Path(tmp) / "bench.xlsx")
        t0 = time.perf_counter()
        form = load_form(path)
        load_s = time.perf_counter() - t0
    shown = sum(1 for d in form.defs if d.visible)
    steps = walk(form, incremental=True)
    compared = min(len(steps), 300)
    full = walk(form, incremental=False, max_steps=compared)
    p99 = statistics.quantiles(steps, n=100)[98] * 1000
    ratio = statistics.fmean(steps[:compared]) / statistics.fmean(full)
    print(f"questions in the form: {shown} shown + {CALCULATIONS} calculations; "
          f"steps answered: {len(steps)}", file=sys.stderr)
    print(f"step mean {statistics.fmean(steps) * 1000:.3f} ms, max {max(steps) * 1000:.3f} ms; "
          f"full re-evaluation mean over the first {compared} steps "
          f"{statistics.fmean(full) * 1000:.3f} ms", file=sys.stderr)
    print(json.dumps({"load_s": round(load_s, 3), "step_p99_ms": round(p99, 3),
                      "incremental_vs_full_ratio": round(ratio, 4)}))


if __name__ == "__main__":
    main()
