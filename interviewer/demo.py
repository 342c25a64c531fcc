"""`interviewer demo`: a fresh data folder with users, the CX questionnaires and cases."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from interviewer.context import AppContext
from interviewer.demo_interviews import Plan, Wave, add_completed_interviews
from interviewer.services.common import SYSTEM
from interviewer.services.questionnaires import Published
from interviewer.storage.db import Database
from interviewer.storage.models import Assignment, Case, QuestionnaireVersion, Survey, User

QUESTIONNAIRES = Path(__file__).resolve().parents[1] / "questionnaires"
SURVEYS = (  # survey name, questionnaire folder, mode
    ("Relationship NPS 2026", "relationship_nps", "capi"),
    ("Post-call CSAT", "post_call_csat", "capi"),
    ("Support CES", "support_ces", "capi"),
    ("Customer journey key moments", "journey_key_moments", "capi"),
)
USERS = (("admin", "admin"), ("supervisor", "supervisor"), ("anna", "interviewer"),
         ("bartek", "interviewer"))
CASES = 60
CATI_SURVEY = ("Customer callback CSAT (phone)", "post_call_csat")
CATI_CASES = 300
# numbers of the demo's telephone sample: (E.164 prefix, digits that follow, time zone)
CATI_NUMBERS = (("+48512", 6, "Europe/Warsaw"), ("+49151", 8, "Europe/Berlin"),
                ("+4420", 8, "Europe/London"), ("+1212555", 4, "America/New_York"),
                ("+1310555", 4, "America/Los_Angeles"), ("+8190", 8, "Asia/Tokyo"),
                ("+612", 8, "Australia/Sydney"))
FIRST = ("Anna", "Jan", "Maria", "Piotr", "Olga", "Wei", "Li", "Sofia", "Tomasz", "Irina",
         "Marta", "Pavel", "Chen", "Ewa", "Igor")
LAST = ("Nowak", "Kowalska", "Ivanova", "Zhang", "Wang", "Smith", "Lewandowski", "Petrova",
        "Wojcik", "Liu", "Kaminska", "Sokolov")
SEGMENTS = ("consumer", "small business", "enterprise")
TOUCHPOINTS = ("purchase", "onboarding", "billing", "support", "renewal")
# four quarters of fieldwork; the last one dips below the targets (an alert to show)
WAVES = (Wave("2026-Q1", date(2026, 1, 5), date(2026, 3, 31), 0.35),
         Wave("2026-Q2", date(2026, 4, 1), date(2026, 6, 30), 0.45),
         Wave("2026-Q3", date(2026, 7, 1), date(2026, 9, 30), 0.30),
         Wave("2026-Q4", date(2026, 10, 1), date(2026, 11, 20), 0.10))
# completed interviews per survey (SURVEYS, then the telephone one), and whether by phone
HISTORY = ((240, False), (60, False), (120, False), (80, False), (160, True))


MARKER = ".interviewer-demo"


class DemoFolderInUse(Exception):
    """The folder holds something that is not an earlier demo: we do not touch it."""


def prepare_demo_folder(folder: Path | None) -> Path:
    """An empty folder for a fresh demo. An earlier demo there (it carries a marker file)
    is moved aside, not deleted: interviews may have been made in it; any other non-empty
    folder is refused."""
    if folder is None:
        from interviewer.context import default_data_dir

        folder = default_data_dir() / "demo"
    if folder.exists() and any(folder.iterdir()):
        if not (folder / MARKER).is_file():
            raise DemoFolderInUse(f"{folder} is not empty and is not an earlier demo: choose "
                                  "another folder with --data-dir")
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        folder.rename(folder.with_name(f"{folder.name}.previous-{stamp}"))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("made by `interviewer demo`; replaced by the next one\n",
                                 encoding="utf-8")
    return folder


@dataclass
class DemoInfo:
    passwords: dict[str, str] = field(default_factory=dict)  # username -> password
    roles: dict[str, str] = field(default_factory=dict)
    surveys: list[str] = field(default_factory=list)
    cases: int = 0
    cati_cases: int = 0
    completed: int = 0  # synthetic interviews of past waves on central


def make_password() -> str:
    return "-".join(secrets.token_urlsafe(4) for _ in range(3))


def create_demo(context: AppContext, seed: int = 7, history: bool = False) -> DemoInfo:
    """Users for each role, the four CX questionnaires published, 60 cases assigned, a
    telephone sample on central; with `history`, completed interviews of four past waves
    on central (what `interviewer demo` makes; tests that need none skip the 3 s)."""
    info = DemoInfo()
    users = {}
    for username, role in USERS:
        password = make_password()
        users[username] = context.auth.add_user(SYSTEM, username, role, password,
                                                display_name=username.capitalize())
        info.passwords[username] = password
        info.roles[username] = role
    survey_ids = []
    published_all = []
    for name, folder, mode in SURVEYS:
        published = context.questionnaires.publish(
            SYSTEM, QUESTIONNAIRES / folder / f"{folder}.xlsx", name, mode)
        survey_ids.append(published.survey_id)
        published_all.append(published)
        info.surveys.append(name)
    interviewers = [u for u in users.values() if u.role == "interviewer"]
    rng = random.Random(seed)
    with context.db.unit_of_work() as session:
        for i in range(CASES):
            case = Case(survey_id=survey_ids[i % len(survey_ids)], external_id=f"C{1001 + i}",
                        respondent_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                        phone=f"+48 600 {rng.randint(100, 999)} {rng.randint(100, 999)}",
                        timezone="Europe/Warsaw",
                        preload={"customer_id": f"CU-{rng.randint(10000, 99999)}",
                                 "segment": rng.choice(SEGMENTS),
                                 "touchpoint": rng.choice(TOUCHPOINTS),
                                 "value": rng.choice((120, 480, 1500, 9000))},
                        priority=rng.randint(0, 2), origin_device=context.device_id)
            session.add(case)
            session.flush()
            # every interviewer gets cases of every survey
            interviewer = interviewers[(i // len(survey_ids)) % len(interviewers)]
            session.add(Assignment(case_id=case.id, interviewer_id=interviewer.id,
                                   origin_device=context.device_id))
    info.cases = CASES
    cati = _telephone_survey(context, rng)
    info.cati_cases = CATI_CASES
    info.surveys.append(CATI_SURVEY[0])
    if history:
        info.completed = _history(context, [*published_all, cati], interviewers, rng)
    return info


def _history(context: AppContext, surveys: list[Published], interviewers: list[Any],
             rng: random.Random) -> int:
    """Completed interviews of past waves on central, and each survey's CX settings
    (waves, targets, follow-up rules), so that every screen has figures at once."""
    central = context.central()
    total = 0
    for published, (count, telephone) in zip(surveys, HISTORY, strict=True):
        settings = cx_settings(published.form_id)
        for db in (context.db, central):
            with db.unit_of_work() as session:
                survey = session.get(Survey, published.survey_id)
                if survey is not None:
                    survey.settings = {**survey.settings, "cx": settings}
        plan = Plan(survey_id=published.survey_id, version_id=published.version_id,
                    form=context.forms.get(published.version_id),
                    interviewers=[u.id for u in interviewers], count=count,
                    waves=WAVES, segments=SEGMENTS, touchpoints=TOUCHPOINTS,
                    telephone=telephone, not_interviewed=120 if telephone else 0,
                    names=lambda r: f"{r.choice(FIRST)} {r.choice(LAST)}")
        total += add_completed_interviews(central, plan, rng)
    return total


def cx_settings(form_id: str) -> dict[str, Any]:
    """Waves by quarter, targets and follow-up rules of a demo survey (CxSettings)."""
    targets = {"relationship_nps": {"nps": 30.0},
               "post_call_csat": {"csat": 80.0},
               "support_ces": {"ces": 5.7},
               "journey_key_moments": {"nps": 30.0, "csat": 75.0, "ces": 3.8}}[form_id]
    return {
        "waves": [{"name": w.name, "start": w.start.isoformat(), "end": w.end.isoformat()}
                  for w in WAVES],
        "targets": targets,
        "follow_up": [
            {"metric": "nps", "max": 6, "reason": "Detractor (NPS 0-6): call back within "
             "two working days", "priority": 3},
            {"metric": "csat", "max": 2, "reason": "Dissatisfied (CSAT 1-2): call back",
             "priority": 2},
            {"metric": "ces", "max": 2, "reason": "High effort (CES 1-2): call back",
             "priority": 2}],
    }


def _copy(source: Database, target: Database, model: Any) -> None:
    """The rows of `model` that `target` lacks, copied as they are."""
    table = model.__table__
    query = select(*table.columns)
    with source.unit_of_work() as session:
        rows = [dict(row._mapping) for row in session.execute(query)]
    with target.unit_of_work() as session:
        known = set(session.scalars(select(table.c.id)))
        fresh = [row for row in rows if row["id"] not in known]
        if fresh:
            session.execute(insert(table), fresh)


def _number(rng: random.Random, prefix: str, digits: int) -> str:
    """A random number that phonenumbers accepts as valid (as a sample import would)."""
    import phonenumbers

    while True:
        number = prefix + "".join(str(rng.randint(0, 9)) for _ in range(digits))
        if phonenumbers.is_valid_number(phonenumbers.parse(number)):
            return number


def _telephone_survey(context: AppContext, rng: random.Random) -> Published:
    """A CATI survey whose queue lives on the central database (the embedded one unless
    INTERVIEWER_CENTRAL_URL says otherwise), with a sample across several time zones.
    Central owns users, questionnaires, surveys, cases and assignments: the demo makes
    them here and copies them there with the same ids, as if a sync had brought them, so
    that interviews done in the demo sync to its central."""
    name, folder = CATI_SURVEY
    published = context.questionnaires.publish(
        SYSTEM, QUESTIONNAIRES / folder / f"{folder}.xlsx", name, "cati")
    central = context.central()
    for model in (User, QuestionnaireVersion, Survey, Case, Assignment):
        _copy(context.db, central, model)
    with central.unit_of_work() as session:
        for i in range(CATI_CASES):
            prefix, digits, zone = CATI_NUMBERS[i % len(CATI_NUMBERS)]
            number = _number(rng, prefix, digits)
            session.add(Case(
                survey_id=published.survey_id, external_id=f"T{5001 + i}",
                respondent_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}", phone=number,
                phones=[number], timezone=zone,
                preload={"customer_id": f"CU-{rng.randint(10000, 99999)}",
                         "segment": rng.choice(SEGMENTS),
                         "touchpoint": rng.choice(TOUCHPOINTS),
                         "value": rng.choice((120, 480, 1500, 9000))},
                priority=rng.choice((0, 0, 0, 1, 2))))
    return published
