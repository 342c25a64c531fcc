"""Access to ../shared: the XLSForm corpus and ODK's reference engine (the oracle).

Under CI=true a missing shared folder or oracle fails the tests instead of skipping them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from interviewer.questionnaire.compiled import CompiledForm, Def
from interviewer.questionnaire.model import QuestionType

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("INTERVIEWER_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus" / "xlsform"
ORACLE = SHARED / "tools" / "odk-oracle"
IN_CI = os.environ.get("CI") == "true"


def need(condition: bool, why: str) -> None:
    """Skip when something outside the project is missing; in CI, fail."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{why} (CI=true: this must not be skipped)")
    pytest.skip(why)


def corpus_forms() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.iterdir() if p.name != "SOURCES.md" and p.is_file())


def oracle_env() -> dict[str, str]:
    venv_bin = str(Path(sys.executable).parent)
    env = dict(os.environ)
    env["PATH"] = venv_bin + os.pathsep + env.get("PATH", "")
    env["ODK_ORACLE_PYTHON"] = sys.executable
    return env


def need_oracle() -> None:
    need(CORPUS.is_dir() and (ORACLE / "run").is_file(), f"no ODK oracle at {ORACLE}")
    need(shutil.which("node") is not None, "node is not on PATH (the ODK oracle needs it)")


@cache
def compare_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("odk_compare", ORACLE / "compare.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def xform_of(form: Path) -> str | None:
    """The XForm ODK is given (pyxform's conversion, cached by the tool), or None."""
    done = subprocess.run([str(ORACLE / "run"), "--xml", str(form)], capture_output=True,
                          text=True, env=oracle_env(), check=False, timeout=300)
    return done.stdout.strip() if done.returncode == 0 else None


def odk_batch(form: Path, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """ODK's results for many answer scripts on one form (the form is loaded once)."""
    lines = "".join(json.dumps(job) + "\n" for job in jobs)
    done = subprocess.run([str(ORACLE / "run"), "--batch", str(form)], input=lines,
                          capture_output=True, text=True, env=oracle_env(), check=False,
                          timeout=600)
    assert done.returncode == 0, f"oracle failed on {form.name}: {done.stderr[-2000:]}"
    results = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert len(results) == len(jobs), done.stderr[-2000:]
    return results


def differences(ours: dict[str, Any], odk: dict[str, Any], ignore: set[str]) -> list[str]:
    diffs: list[str] = compare_module().diff(ours, odk, ignore)
    return diffs


def ignored_names(xform_path: str | None) -> set[str]:
    if xform_path is None:
        return {"meta"}
    names: set[str] = compare_module().metadata_names(xform_path)
    return names


# -- seeded random answer scripts --

def random_answers(form: CompiledForm, seed: int) -> dict[str, Any]:
    """Answers for every answerable question, of the right shape, mostly plausible: some
    break constraints or pick filtered-out choices, which both engines must catch alike."""
    rng = random.Random(seed)
    answers: dict[str, Any] = {}
    for d in form.top:
        _fill(form, d, rng, answers, depth=0)
    return answers


def _fill(form: CompiledForm, d: Def, rng: random.Random, answers: dict[str, Any],
          depth: int) -> None:
    if d.is_container:
        for child in d.children:
            _fill(form, child, rng, answers, depth)
        return
    if not d.visible or d.question.type == QuestionType.NOTE:
        return
    count_of = [rng.randint(1, 3) for _ in range(len(d.repeats))]
    answers[d.name] = _nested(form, d, rng, count_of)


def _nested(form: CompiledForm, d: Def, rng: random.Random, counts: list[int]) -> Any:
    if not counts:
        return _one(form, d, rng)
    return [_nested(form, d, rng, counts[1:]) for _ in range(counts[0])]


def _one(form: CompiledForm, d: Def, rng: random.Random) -> Any:
    q = d.question
    if rng.random() < 0.08:
        return None
    t = q.type
    if t in (QuestionType.INTEGER,):
        return rng.choice([rng.randint(0, 10), rng.randint(0, 100), rng.randint(-5, 5)])
    if t == QuestionType.DECIMAL:
        return round(rng.uniform(0, 100), 2)
    if t == QuestionType.RANGE:
        start = float(q.parameters.get("start", 1))
        end = float(q.parameters.get("end", 10))
        return int(rng.uniform(min(start, end), max(start, end)))
    if t in (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE, QuestionType.RANK):
        names = [c.name for c in form.questionnaire.choices[q.list_name or ""].choices]
        if not names:
            return None
        if t == QuestionType.SELECT_ONE:
            return rng.choice(names)
        if t == QuestionType.RANK:  # ODK takes only a full ranking
            return rng.sample(names, len(names))
        picked = rng.sample(names, rng.randint(1, min(3, len(names))))
        return sorted(picked, key=names.index)
    if t == QuestionType.DATE:
        return (date(2000, 1, 1) + timedelta(days=rng.randint(0, 11000))).isoformat()
    if t == QuestionType.TIME:
        return f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00"
    if t == QuestionType.DATETIME:
        return f"2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T10:30:00"
    if t == QuestionType.ACKNOWLEDGE:
        return True
    if t == QuestionType.GEOPOINT:
        return f"{rng.randint(-80, 80)}.5 {rng.randint(-170, 170)}.25 100.5 5.5"
    if t == QuestionType.GEOTRACE:
        return "1.5 2.5 0.5 0.5;3.5 4.5 0.5 0.5"
    if t == QuestionType.GEOSHAPE:
        return "1.5 2.5 0.5 0.5;3.5 4.5 0.5 0.5;5.5 2.5 0.5 0.5;1.5 2.5 0.5 0.5"
    if t in (QuestionType.IMAGE, QuestionType.AUDIO, QuestionType.VIDEO, QuestionType.FILE):
        return "file.jpg"
    return rng.choice(["yes", "Ann", "12", "hello world", "x"])


def scenario_files() -> Iterator[tuple[Path, Path]]:
    for form in sorted((ROOT / "questionnaires").glob("*/*.xlsx")):
        for scenario in sorted((form.parent / "scenarios").glob("*.json")):
            yield form, scenario
