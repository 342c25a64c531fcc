"""Ours against ODK's own engine (ODK Web Forms, through ../shared/tools/odk-oracle):
every scenario of questionnaires/ and seeded random answer scripts for every corpus form
must give the same status, path, error and data (see the oracle's README for what is
compared)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from interviewer.questionnaire.compiled import load_form
from interviewer.questionnaire.errors import FormError
from interviewer.questionnaire.runner import run_interview

from .odk import (
    ORACLE,
    ROOT,
    corpus_forms,
    differences,
    ignored_names,
    need_oracle,
    odk_batch,
    oracle_env,
    random_answers,
    xform_of,
)

pytestmark = pytest.mark.oracle
SCRIPTS_PER_FORM = 8
FORMS = sorted((ROOT / "questionnaires").glob("*/*.xlsx"))


@pytest.mark.parametrize("form_path", FORMS, ids=lambda p: p.stem)
def test_scenarios_agree_with_odk(form_path: Path) -> None:
    need_oracle()
    form = load_form(form_path)
    scenarios = [json.loads(p.read_text(encoding="utf-8"))
                 for p in sorted((form_path.parent / "scenarios").glob("*.json"))]
    assert scenarios, f"{form_path.parent.name} has no scenarios"
    jobs = [{"answers": s["answers"], "lang": s.get("lang")} for s in scenarios]
    ignore = ignored_names(xform_of(form_path))
    problems = []
    for scenario, odk in zip(scenarios, odk_batch(form_path, jobs), strict=True):
        ours = run_interview(form, scenario["answers"], scenario.get("lang")).as_json()
        for diff in differences(ours, odk, ignore):
            problems.append(f"{scenario['name']}: {diff}")
    assert problems == []


@pytest.mark.parametrize("form_path", corpus_forms(), ids=lambda p: p.name[:60])
def test_random_scripts_agree_with_odk(form_path: Path) -> None:
    need_oracle()
    try:
        form = load_form(form_path)
    except FormError:
        pytest.skip("the form is refused (test_corpus checks that the refusal is right)")
    scripts = [random_answers(form, seed) for seed in range(SCRIPTS_PER_FORM)]
    scripts.append({})
    results = odk_batch(form_path, [{"answers": a, "lang": None} for a in scripts])
    ignore = ignored_names(xform_of(form_path))
    problems = []
    for seed, (answers, odk) in enumerate(zip(scripts, results, strict=True)):
        assert odk.get("status") != "unusable", odk
        ours = run_interview(form, answers).as_json()
        problems.extend(f"seed {seed}: {d}" for d in differences(ours, odk, ignore))
    assert problems == []


def test_the_oracle_compares_through_our_command(tmp_path: Path) -> None:
    """`run --compare` calls our `interviewer questionnaire run`: the CLI contract holds."""
    need_oracle()
    form = FORMS[0]
    scenario = sorted((form.parent / "scenarios").glob("*.json"))[0]
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(json.loads(scenario.read_text(encoding="utf-8"))["answers"]))
    done = subprocess.run([str(ORACLE / "run"), "--compare", str(form), str(answers)],
                          capture_output=True, text=True, env=oracle_env(), check=False,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "agree" in done.stdout
