"""The ready CX questionnaires: each loads, carries its metrics and languages, and passes
every one of its scenario files."""

from __future__ import annotations

from pathlib import Path

import pytest

from interviewer.questionnaire.compiled import load_form
from interviewer.questionnaire.scenarios import check_scenario, read_scenario

from .odk import ROOT

FORMS = sorted((ROOT / "questionnaires").glob("*/*.xlsx"))
LANGUAGES = {"English (en)", "Polski (pl)", "Русский (ru)", "中文 (zh)"}
METRIC = {"relationship_nps": "nps", "post_call_csat": "csat", "support_ces": "ces",
          "journey_key_moments": "nps"}


def test_four_instruments_are_shipped() -> None:
    assert {p.stem for p in FORMS} >= set(METRIC)


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.stem)
def test_questionnaire_is_complete(path: Path) -> None:
    form = load_form(path)
    q = form.questionnaire
    assert set(q.languages) >= LANGUAGES
    metrics = {x.cx_metric for x in q.questions() if x.cx_metric}
    assert METRIC[path.stem] in metrics
    scenarios = sorted((path.parent / "scenarios").glob("*.json"))
    assert len(scenarios) >= 5
    for scenario_path in scenarios:
        outcome = check_scenario(form, read_scenario(scenario_path))
        assert outcome.differences == [], scenario_path.name


def test_journey_survey_tags_touchpoints() -> None:
    form = load_form(ROOT / "questionnaires/journey_key_moments/journey_key_moments.xlsx")
    assert any(x.touchpoint for x in form.questionnaire.questions())
    assert any(d.is_repeat for d in form.defs)
