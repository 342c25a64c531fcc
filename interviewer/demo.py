"""`interviewer demo`: a fresh data folder with users, the CX questionnaires and cases."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from interviewer.context import AppContext
from interviewer.services.common import SYSTEM
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


def make_password() -> str:
    return "-".join(secrets.token_urlsafe(4) for _ in range(3))


def create_demo(context: AppContext, seed: int = 7) -> DemoInfo:
    """Users for each role, the four CX questionnaires published, 60 cases assigned."""
    info = DemoInfo()
    users = {}
    for username, role in USERS:
        password = make_password()
        users[username] = context.auth.add_user(SYSTEM, username, role, password,
                                                display_name=username.capitalize())
        info.passwords[username] = password
        info.roles[username] = role
    survey_ids = []
    for name, folder, mode in SURVEYS:
        published = context.questionnaires.publish(
            SYSTEM, QUESTIONNAIRES / folder / f"{folder}.xlsx", name, mode)
        survey_ids.append(published.survey_id)
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
    info.cati_cases = _telephone_survey(context, rng)
    info.surveys.append(CATI_SURVEY[0])
    return info


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


def _telephone_survey(context: AppContext, rng: random.Random) -> int:
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
    return CATI_CASES
