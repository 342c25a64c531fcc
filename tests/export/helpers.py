"""A survey with interviews made through the real services (publish, start, answer,
complete), for the export tests."""

from __future__ import annotations

import textwrap
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import update

from interviewer.context import AppContext, build_context
from interviewer.services.common import SYSTEM, CurrentUser
from interviewer.storage.ids import uuid7
from interviewer.storage.models import Assignment, Case, Interview, User

FORM = """
| survey |
| | type | name | label | special | calculation | repeat_count | relevant |
| | select_one yn | consent | Do you agree? | | | | |
| | select_one colour | colour | Favourite colour | dont_know refused | | | |
| | select_multiple fruit | fruit | Fruit eaten | dont_know refused | | | |
| | integer | age | Age in years | dont_know refused | | | |
| | text | comment | Any comment | dont_know refused | | | |
| | date | visit | Date of the visit | | | | |
| | integer | status | Status of the household | | | | |
| | text | first.name | Given name | | | | |
| | integer | n | Household members | | | | |
| | begin repeat | member | Member | | | ${n} | |
| | text | mname | Member's name | | | | |
| | integer | mage | Member's age | dont_know refused | | | |
| | integer | ncars | Cars of this member | | | | |
| | begin repeat | car | Car | | | ${ncars} | |
| | text | make | Make of the car | | | | |
| | end repeat | | | | | | |
| | end repeat | | | | | | |
| | calculate | double_age | | | ${age} * 2 | | |
| | begin group | place | Place | | | | |
| | text | town | Town | | | | |
| | calculate | town_mark | | | concat(${town}, '!') | | |
| | end group | | | | | | |
| | note | thanks | Thank you | | | | |
| choices |
| | list_name | name | label |
| | yn | 1 | Yes |
| | yn | 2 | No |
| | colour | red | Red |
| | colour | green | Green |
| | colour | blue | Blue |
| | fruit | apple | Apple |
| | fruit | pear | Pear |
| | fruit | plum | Plum |
| settings |
| | form_id | version | form_title |
| | acme | 1 | Acme household survey |
"""

# what each interview answers: key -> value, or ("special", kind)
INTERVIEWS: list[dict[str, Any]] = [
    {"consent": "1", "colour": "red", "fruit": ["apple", "plum"], "age": 34,
     "comment": "fine", "visit": "2026-11-02", "status": 3, "first.name": "Ann", "n": 2,
     "place/town": "Gdańsk",
     "member[1]/mname": "Ann", "member[1]/mage": 34, "member[1]/ncars": 2,
     "member[1]/car[1]/make": "Fiat", "member[1]/car[2]/make": "Opel",
     "member[2]/mname": "Bob", "member[2]/mage": ("special", "dont_know"),
     "member[2]/ncars": 0},
    {"consent": "2", "colour": ("special", "dont_know"), "fruit": ("special", "refused"),
     "age": ("special", "refused"), "comment": ("special", "dont_know"), "n": 0},
    {"consent": "1", "colour": "blue", "age": 70, "comment": "", "visit": "2026-11-03",
     "n": 1, "member[1]/mname": "Cy", "member[1]/mage": 70, "member[1]/ncars": 0},
    {"consent": "1", "colour": "green", "fruit": ["pear"], "age": 51, "n": 0},
]
STATUSES = ["completed", "completed", "approved", "in_progress"]


@dataclass
class Store:
    context: AppContext
    supervisor: CurrentUser
    interviewer: CurrentUser
    ids: list[uuid.UUID]  # in INTERVIEWS order
    form: Path


def write_form(folder: Path, text: str, name: str = "acme.md") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).strip() + "\n", encoding="utf-8")
    return path


def add_user(context: AppContext, username: str, role: Any) -> CurrentUser:
    user = CurrentUser(id=uuid7(), username=username, role=role)
    with context.db.unit_of_work() as session:
        session.add(User(id=user.id, username=username, role=role, password_hash="x"))
    return user


def new_case(context: AppContext, survey_id: uuid.UUID, user: CurrentUser,
             number: int) -> uuid.UUID:
    with context.db.unit_of_work() as session:
        case = Case(survey_id=survey_id, external_id=f"C{number:03d}",
                    respondent_name=f"Respondent {number}", phone="+48123456789")
        session.add(case)
        session.flush()
        session.add(Assignment(case_id=case.id, interviewer_id=user.id))
        return case.id


def interview(context: AppContext, user: CurrentUser, case_id: uuid.UUID,
              answers: dict[str, Any], status: str) -> uuid.UUID:
    service = context.interviewing(user)
    session = service.open(service.start(case_id))
    for key, value in answers.items():
        if isinstance(value, tuple):
            problem = session.set_special(key, value[1])
        else:
            problem = session.answer(key, value)
        assert problem is None, (key, problem)
    if status != "in_progress":
        assert session.complete() == []
    if status == "approved":
        with context.db.unit_of_work() as s:
            s.execute(update(Interview).where(Interview.id == session.id)
                      .values(status="approved"))
    return session.id


def build_store(folder: Path) -> Store:
    clock_at = [datetime(2026, 11, 2, 9, 0, tzinfo=UTC)]

    def clock() -> datetime:
        clock_at[0] += timedelta(seconds=30)
        return clock_at[0]

    context = build_context(folder / "data", clock=clock)
    form = write_form(folder, FORM)
    published = context.questionnaires.publish(SYSTEM, form, "Acme")
    anna = add_user(context, "anna", "interviewer")
    boss = add_user(context, "boss", "supervisor")
    ids = []
    for number, (answers, status) in enumerate(zip(INTERVIEWS, STATUSES, strict=True)):
        case_id = new_case(context, published.survey_id, anna, number)
        ids.append(interview(context, anna, case_id, answers, status))
    return Store(context, boss, anna, ids, form)
