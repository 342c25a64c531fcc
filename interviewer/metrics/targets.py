"""CX targets, waves and follow-up rules of a survey (`surveys.settings["cx"]`).

Pure: Pydantic only. The results service reads these to judge scores against targets,
to group interviews into waves and to create follow-up cases (closed loop).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

METRICS = ("nps", "csat", "ces")
DECIMALS = {"nps": 0, "csat": 1, "ces": 2}  # how reports show each metric's scores


class Wave(BaseModel):
    """A fieldwork period; both days inclusive."""

    name: str
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Wave:
        if self.end < self.start:
            raise ValueError(f"wave '{self.name}' ends ({self.end}) before it starts "
                             f"({self.start})")
        return self


class FollowUpRule(BaseModel):
    """Scores in [min, max] (inclusive; None: open) of `metric` create a follow-up case."""

    metric: Literal["nps", "csat", "ces"]
    question: str | None = None  # None: every question with that cx_metric
    min: float | None = None
    max: float | None = None
    reason: str
    priority: int = 2


class CxSettings(BaseModel):
    waves: list[Wave] = []  # no waves: one wave per calendar month of completion
    targets: dict[str, float] = {}  # metric -> target: NPS points, CSAT percent, CES mean
    segment: str = "segment"  # the case preload key that names the segment
    touchpoint: str = "touchpoint"  # preload key used when a question has no touchpoint
    ces_higher_is_better: bool = True  # CES 2.0 (1-7 agree) and our 1-5 ease scales
    follow_up: list[FollowUpRule] = []
    # a cell needs this many scores before it may raise an alert: small cells are noise
    alert_min_n: int = Field(default=30, ge=1)
    # the day of a completion (its wave, its count per day) is the respondent's: the
    # case's time zone, else this one
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{name}' (use an IANA name such as "
                             "'Europe/Warsaw')") from None
        return name

    @model_validator(mode="after")
    def _known_targets(self) -> CxSettings:
        unknown = sorted(set(self.targets) - set(METRICS))
        if unknown:
            raise ValueError(f"targets name unknown metrics {unknown}; use nps, csat, ces")
        return self

    @classmethod
    def from_survey_settings(cls, settings: dict[str, Any]) -> CxSettings:
        """The `cx` entry of a survey's settings (absent: defaults)."""
        raw = (settings or {}).get("cx") or {}
        if not isinstance(raw, dict):
            raise ValueError("survey settings 'cx' must be an object, not "
                             f"{type(raw).__name__}")
        try:
            return cls.model_validate(raw)
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "cx"
            raise ValueError(f"survey settings cx.{where}: {first['msg']}") from None

    def wave_of(self, day: date) -> str | None:
        """The name of the wave holding `day`; without waves, its month ("2026-03");
        None when waves are set and none holds it."""
        if not self.waves:
            return f"{day.year:04d}-{day.month:02d}"
        for wave in self.waves:
            if wave.start <= day <= wave.end:
                return wave.name
        return None


def below_target(metric: str, score: float, target: float,
                 higher_is_better: bool = True) -> bool:
    """NPS and CSAT are better higher; CES as the settings say."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; use nps, csat, ces")
    if metric == "ces" and not higher_is_better:
        return score > target
    return score < target


def distinct_decimals(score: float, target: float, decimals: int, most: int = 4) -> int:
    """`decimals`, or more until the score and the target no longer read alike: a score
    of 29.6 against 30 must not show as "30, worse than the target 30"."""
    while (decimals < most and score != target
           and f"{score:.{decimals}f}" == f"{target:.{decimals}f}"):
        decimals += 1
    return decimals


def rule_matches(rule: FollowUpRule, metric: str, question: str, score: float) -> bool:
    if rule.metric != metric:
        return False
    if rule.question is not None and rule.question != question:
        return False
    if rule.min is not None and score < rule.min:
        return False
    return not (rule.max is not None and score > rule.max)


__all__ = ["DECIMALS", "METRICS", "CxSettings", "FollowUpRule", "Wave", "below_target",
           "distinct_decimals", "rule_matches"]
