"""Scenario files: scripted answers plus what the interview must do with them.

A scenario is a JSON (or YAML) object:
    {"name": "...", "lang": "pl", "answers": {...},
     "expect": {"status": ..., "path": [...], "data": {...}, "warnings": [...], "error": ...}}
Every key of `expect` is optional; each one given is compared exactly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from interviewer.questionnaire.compiled import CompiledForm
from interviewer.questionnaire.runner import UnusableInput, run_interview

EXPECTED_KEYS = ("status", "path", "data", "warnings", "error")


class ScenarioError(ValueError):
    """A scenario file that cannot be used."""


@dataclass
class Scenario:
    name: str
    answers: dict[str, Any]
    expect: dict[str, Any]
    lang: str | None = None
    file: str | None = None


@dataclass
class ScenarioOutcome:
    scenario: Scenario
    differences: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.differences


def read_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ScenarioError(f"{path}: cannot read ({e.strerror})") from e
    try:
        raw = _parse(text, path)
    except ValueError as e:
        raise ScenarioError(f"{path}: not valid {path.suffix.lstrip('.') or 'JSON'}: {e}") from e
    if not isinstance(raw, dict) or not isinstance(raw.get("answers", {}), dict):
        raise ScenarioError(f"{path}: a scenario is an object with 'answers' (an object) and "
                            "'expect'")
    expect = raw.get("expect", {})
    if not isinstance(expect, dict):
        raise ScenarioError(f"{path}: 'expect' must be an object")
    for key in ("name", "lang"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise ScenarioError(f"{path}: '{key}' must be a string")
    unknown = set(expect) - set(EXPECTED_KEYS)
    if unknown:
        raise ScenarioError(f"{path}: 'expect' may hold only {', '.join(EXPECTED_KEYS)}; "
                            f"found {', '.join(sorted(unknown))}")
    return Scenario(name=str(raw.get("name") or path.stem), answers=raw.get("answers", {}),
                    expect=expect, lang=raw.get("lang"), file=str(path))


def _parse(text: str, path: Path) -> Any:
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml  # optional: only for YAML scenarios

        return yaml.safe_load(text)
    return json.loads(text)


def check_scenario(form: CompiledForm, scenario: Scenario) -> ScenarioOutcome:
    outcome = ScenarioOutcome(scenario)
    try:
        result = run_interview(form, scenario.answers, scenario.lang).as_json()
    except UnusableInput as e:
        outcome.differences.append(f"the run cannot start: {e}")
        return outcome
    for key in EXPECTED_KEYS:
        if key in scenario.expect:
            outcome.differences.extend(_differences(key, scenario.expect[key], result[key]))
    return outcome


def _differences(key: str, expected: Any, actual: Any) -> list[str]:
    if expected == actual:
        return []
    if key == "path" and isinstance(expected, list) and isinstance(actual, list):
        for i, (e, a) in enumerate(zip(expected, actual, strict=False)):
            if e != a:
                return [f"path step {i + 1}: expected '{e}', got '{a}'"]
        longer = actual if len(actual) > len(expected) else expected
        return [f"path: expected {len(expected)} steps, got {len(actual)} "
                f"(first extra: '{longer[min(len(expected), len(actual))]}')"]
    if key == "data" and isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        for name in sorted(set(expected) | set(actual)):
            if expected.get(name) != actual.get(name):
                out.append(f"data.{name}: expected {_show(expected.get(name))}, "
                           f"got {_show(actual.get(name))}")
        return out
    return [f"{key}: expected {_show(expected)}, got {_show(actual)}"]


def _show(v: Any) -> str:
    return "absent" if v is None else json.dumps(v, ensure_ascii=False)
