"""CX settings of a survey: waves, targets, follow-up rules."""

from __future__ import annotations

from datetime import date

import pytest

from interviewer.metrics.targets import CxSettings, FollowUpRule, below_target, rule_matches


def test_settings_read_from_survey_settings_with_defaults() -> None:
    settings = CxSettings.from_survey_settings({"cx": {
        "waves": [{"name": "Spring", "start": "2026-03-01", "end": "2026-05-31"}],
        "targets": {"nps": 25, "ces": 5.5},
        "follow_up": [{"metric": "nps", "max": 6, "reason": "Detractor"}]}})
    assert settings.targets == {"nps": 25.0, "ces": 5.5}
    assert settings.follow_up[0].priority == 2 and settings.alert_min_n == 30
    assert settings.segment == "segment" and settings.touchpoint == "touchpoint"
    assert CxSettings.from_survey_settings({}) == CxSettings()


@pytest.mark.parametrize(("raw", "named"), [
    ({"targets": {"nps": "high"}}, "cx.targets.nps"),
    ({"waves": [{"name": "W", "start": "2026-03-02", "end": "2026-03-01"}]}, "ends"),
    ({"targets": {"speed": 3}}, "unknown metrics ['speed']"),
    ({"follow_up": [{"metric": "nps", "max": 6}]}, "cx.follow_up.0.reason"),
    ({"alert_min_n": 0}, "cx.alert_min_n"),
])
def test_bad_settings_say_which_field(raw: dict[str, object], named: str) -> None:
    with pytest.raises(ValueError, match="survey settings") as caught:
        CxSettings.from_survey_settings({"cx": raw})
    assert named in str(caught.value)


def test_waves_are_inclusive_and_default_to_months() -> None:
    settings = CxSettings.model_validate({"waves": [
        {"name": "W1", "start": "2026-03-01", "end": "2026-03-15"},
        {"name": "W2", "start": "2026-03-16", "end": "2026-03-31"}]})
    assert settings.wave_of(date(2026, 3, 15)) == "W1"
    assert settings.wave_of(date(2026, 3, 16)) == "W2"
    assert settings.wave_of(date(2026, 4, 1)) is None
    assert CxSettings().wave_of(date(2026, 3, 9)) == "2026-03"


def test_below_target_follows_the_direction_of_the_metric() -> None:
    assert below_target("nps", 19.9, 20) and not below_target("nps", 20, 20)
    assert below_target("csat", 79, 80)
    assert below_target("ces", 4.9, 5) and not below_target("ces", 4.9, 5, False)
    assert below_target("ces", 5.1, 5, higher_is_better=False)
    with pytest.raises(ValueError, match="unknown metric"):
        below_target("speed", 1, 2)


def test_rules_match_metric_question_and_inclusive_range() -> None:
    detractor = FollowUpRule(metric="nps", min=0, max=6, reason="Detractor")
    assert rule_matches(detractor, "nps", "nps", 6) and rule_matches(detractor, "nps", "x", 0)
    assert not rule_matches(detractor, "nps", "nps", 7)
    assert not rule_matches(detractor, "csat", "nps", 1)
    only_csat = FollowUpRule(metric="csat", question="csat", max=2, reason="Unhappy")
    assert rule_matches(only_csat, "csat", "csat", 2)
    assert not rule_matches(only_csat, "csat", "tp_sat", 1)


def test_the_surveys_time_zone_defaults_to_utc_and_must_exist() -> None:
    assert CxSettings().timezone == "UTC"
    assert CxSettings.from_survey_settings(
        {"cx": {"timezone": "Europe/Warsaw"}}).timezone == "Europe/Warsaw"
    with pytest.raises(ValueError, match=r"cx\.timezone") as caught:
        CxSettings.from_survey_settings({"cx": {"timezone": "Mars/Olympus"}})
    assert "Mars/Olympus" in str(caught.value)
