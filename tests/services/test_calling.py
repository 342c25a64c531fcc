"""The shared CATI queue through the service the calling screen uses: leases, outcomes in
both stores, appointments, do-not-call, calling hours, max attempts. Central is a real
SQLite file or a real PostgreSQL database; the local store is an SQLite file. Clocks are
fixed: each service reads `clock.now`, which the test moves."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import OperationalError

from interviewer.questionnaire.compiled import load_form
from interviewer.services import sample as sample_module
from interviewer.services.calling import (
    BATCH,
    ROUNDS,
    CallingService,
    Lease,
    LeaseLost,
    OutcomeSavedCentrally,
)
from interviewer.services.common import SYSTEM, CurrentUser, ServiceError
from interviewer.services.interviewing import InterviewingService
from interviewer.services.questionnaires import FormCache, QuestionnaireService
from interviewer.services.sample import SampleService
from interviewer.storage.central import open_central
from interviewer.storage.db import Database, sqlite_url
from interviewer.storage.ids import uuid7
from interviewer.storage.models import (
    Answer,
    CallAttempt,
    Case,
    DoNotCall,
    Interview,
    QuestionnaireVersion,
    Survey,
    User,
)

# a Wednesday, 14:00 UTC: inside the default weekday hours (09-21) in UTC and Warsaw
WEDNESDAY = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
CSAT = Path(__file__).resolve().parents[2] / "questionnaires" / "post_call_csat" / \
    "post_call_csat.xlsx"


@dataclass
class Clock:
    now: datetime = WEDNESDAY

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    """Central, one local store per workstation, users on both, one CATI survey."""

    central: Database
    folder: Path
    clock: Clock
    survey_id: uuid.UUID
    users: dict[str, CurrentUser]
    locals: dict[str, Database] = field(default_factory=dict)

    def service(self, username: str, lease_seconds: int = 300) -> CallingService:
        if username not in self.locals:
            self.locals[username] = local_store(self.folder / f"{username}.sqlite",
                                                self.users.values())
        return CallingService(self.central, self.locals[username], self.users[username],
                              clock=self.clock, device_id=f"ws-{username}",
                              lease_seconds=lease_seconds)

    def add_case(self, **values: Any) -> uuid.UUID:
        return add_cases(self.central, self.survey_id, [values])[0]

    def case(self, case_id: uuid.UUID, db: Database | None = None) -> Any:
        with (db or self.central).transaction() as connection:
            return connection.execute(select(Case.__table__).where(Case.id == case_id)).one()


def user_rows(names: dict[str, str]) -> dict[str, CurrentUser]:
    return {name: CurrentUser(id=uuid7(), username=name, role=role,  # type: ignore[arg-type]
                              display_name=name.title()) for name, role in names.items()}


def put_users(db: Database, users: Any) -> None:
    """Users are central's; sync copies them to each store with the same ids."""
    with db.transaction() as connection:
        for user in users:
            connection.execute(insert(User.__table__).values(
                id=user.id, username=user.username, display_name=user.display_name,
                role=user.role, password_hash="-", active=True, failed_logins=0,
                created_at=WEDNESDAY, updated_at=WEDNESDAY, revision=1, synced_revision=1))


def local_store(path: Path, users: Any) -> Database:
    db = open_central(sqlite_url(path))  # the same chain migrates a local store
    db.label = f"the data file {path}"  # as open_store names a workstation's store
    put_users(db, users)
    return db


def add_survey(central: Database, settings: dict[str, Any] | None = None,
               name: str = "Customer callback") -> uuid.UUID:
    """A CATI survey on a stub questionnaire version (queue tests never open the form)."""
    version_id, survey_id = uuid7(), uuid7()
    with central.transaction() as connection:
        connection.execute(insert(QuestionnaireVersion.__table__).values(
            id=version_id, form_id=f"stub_{version_id.hex[:8]}", version="1", title="Stub",
            file_name="stub.xlsx", content=b"-", sha256=version_id.hex, languages={},
            published_at=WEDNESDAY, revision=1, synced_revision=0))
        connection.execute(insert(Survey.__table__).values(
            id=survey_id, name=name, mode="cati", questionnaire_version_id=version_id,
            settings={"calling": settings or {}}, created_at=WEDNESDAY, revision=1,
            synced_revision=0))
    return survey_id


def add_cases(central: Database, survey_id: uuid.UUID,
              cases: list[dict[str, Any]]) -> list[uuid.UUID]:
    rows = []
    for n, values in enumerate(cases):
        phone = values.pop("phone", f"+4822{len(cases):03d}{n:04d}")
        rows.append({"id": uuid7(), "survey_id": survey_id, "external_id": f"C{n}",
                     "respondent_name": f"Respondent {n}", "phone": phone, "phones": [phone],
                     "timezone": "Europe/Warsaw", "preload": {"segment": "gold"},
                     "status": "new", "priority": 0, "attempts": 0,
                     "appointment_hard": False, "do_not_call": False,
                     "created_at": WEDNESDAY, "revision": 1, "synced_revision": 0,
                     **values})
    with central.transaction() as connection:
        connection.execute(insert(Case.__table__), rows)
    return [r["id"] for r in rows]


@pytest.fixture
def world(any_url: str, tmp_path: Path) -> Iterator[World]:
    central = open_central(any_url)
    users = user_rows({"anna": "interviewer", "bartek": "interviewer",
                       "sue": "supervisor"})
    put_users(central, users.values())
    w = World(central, tmp_path, Clock(), add_survey(central), users)
    yield w
    for db in w.locals.values():
        db.dispose()
    central.dispose()


def claim(service: CallingService, survey_id: uuid.UUID) -> Lease:
    claimed = service.next_case(survey_id)
    assert claimed is not None
    return claimed[0]


def attempts_on(db: Database, case_id: uuid.UUID) -> list[Any]:
    with db.transaction() as connection:
        return connection.execute(select(CallAttempt.__table__).where(
            CallAttempt.case_id == case_id).order_by(CallAttempt.started_at)).all()


# -- leases --

def test_each_claim_leases_a_different_case_until_none_is_left(world: World) -> None:
    first, second = world.add_case(), world.add_case()
    anna, bartek = world.service("anna"), world.service("bartek")
    lease_a, card_a = anna.next_case(world.survey_id) or pytest.fail("nothing for anna")
    lease_b = claim(bartek, world.survey_id)
    assert {lease_a.case_id, lease_b.case_id} == {first, second}
    assert lease_a.token != lease_b.token
    assert anna.next_case(world.survey_id) is None  # both are leased
    row = world.case(lease_a.case_id)
    assert (row.lease_token, row.lease_holder, row.lease_user_id) == (
        lease_a.token, "ws-anna", world.users["anna"].id)
    assert row.lease_expires_at == WEDNESDAY + timedelta(seconds=300) == lease_a.expires_at
    assert card_a.case_id == lease_a.case_id and card_a.phones == [card_a.phone]
    assert card_a.timezone == "Europe/Warsaw"
    assert card_a.local_time.utcoffset() == timedelta(hours=1)  # CET in December
    assert card_a.local_time == WEDNESDAY and card_a.preload == {"segment": "gold"}
    assert card_a.max_attempts == 8 and card_a.history == []


def test_heartbeat_renews_and_an_expired_lease_returns_to_the_queue(world: World) -> None:
    case_id = world.add_case()
    anna, bartek = world.service("anna"), world.service("bartek")
    lease = claim(anna, world.survey_id)
    world.clock.now = WEDNESDAY + timedelta(seconds=250)
    renewed = anna.heartbeat(lease)
    assert renewed.expires_at == world.clock.now + timedelta(seconds=300)
    world.clock.now = WEDNESDAY + timedelta(seconds=500)  # past the first expiry only
    assert bartek.next_case(world.survey_id) is None
    assert anna.card(renewed).case_id == case_id
    world.clock.now = renewed.expires_at + timedelta(seconds=1)
    taken = claim(bartek, world.survey_id)
    assert taken.case_id == case_id and taken.token != lease.token
    for call in (lambda: anna.heartbeat(renewed), lambda: anna.release(renewed),
                 lambda: anna.card(renewed),
                 lambda: anna.record_outcome(renewed, "no_answer")):
        with pytest.raises(LeaseLost, match="handed back to the queue"):
            call()
    assert attempts_on(world.central, case_id) == []  # nothing written under the old token
    assert world.case(case_id).lease_token == taken.token


def test_a_foreign_or_forged_token_writes_nothing(world: World) -> None:
    case_id = world.add_case()
    anna, bartek = world.service("anna"), world.service("bartek")
    lease = claim(anna, world.survey_id)
    forged = lease.model_copy(update={"token": "0" * 32})
    for service, held in ((bartek, lease), (anna, forged)):
        with pytest.raises(LeaseLost):
            service.record_outcome(held, "complete")
        with pytest.raises(LeaseLost):
            service.release(held)
    assert attempts_on(world.central, case_id) == []
    assert world.case(case_id).lease_token == lease.token
    anna.release(lease)  # the holder hands it back: free at once, no attempt counted
    row = world.case(case_id)
    assert (row.lease_token, row.attempts) == (None, 0)
    assert claim(bartek, world.survey_id).case_id == case_id


# -- outcomes --

def test_an_outcome_is_written_to_central_and_to_the_local_store(world: World) -> None:
    case_id = world.add_case()
    anna = world.service("anna")
    lease = claim(anna, world.survey_id)
    result = anna.record_outcome(lease, "no_answer", note="rang out")
    assert (result.disposition, result.final) == ("3.13", False)
    assert result.next_call_at is not None and result.next_call_at >= WEDNESDAY + \
        timedelta(hours=2)
    central_row = world.case(case_id)
    assert (central_row.attempts, central_row.last_outcome, central_row.lease_token,
            central_row.next_call_at, central_row.status) == (
        1, "no_answer", None, result.next_call_at, "scheduled")
    [attempt] = attempts_on(world.central, case_id)
    assert (attempt.outcome, attempt.disposition, attempt.interviewer_id, attempt.note,
            attempt.origin_device, attempt.revision, attempt.synced_revision) == (
        "no_answer", "3.13", world.users["anna"].id, "rang out", "ws-anna", 1, 1)
    [local_attempt] = attempts_on(world.locals["anna"], case_id)
    assert local_attempt.id == attempt.id and local_attempt.synced_revision == 1
    local_row = world.case(case_id, world.locals["anna"])
    assert (local_row.attempts, local_row.next_call_at, local_row.survey_id) == (
        1, result.next_call_at, world.survey_id)
    with pytest.raises(LeaseLost):  # the outcome ended the lease
        anna.heartbeat(lease)
    assert anna.next_case(world.survey_id) is None  # not due yet
    world.clock.now = result.next_call_at
    again, card = anna.next_case(world.survey_id) or pytest.fail("due again")
    assert again.case_id == case_id and card.attempts == 1
    assert [(h.outcome, h.outcome_label, h.disposition, h.interviewer, h.note)
            for h in card.history] == [("no_answer", "No answer", "3.13", "Anna", "rang out")]


def test_a_callback_returns_at_its_time(world: World) -> None:
    case_id = world.add_case()
    anna, bartek = world.service("anna"), world.service("bartek")
    at = WEDNESDAY + timedelta(hours=3)
    result = anna.record_outcome(claim(anna, world.survey_id), "callback", appointment_at=at)
    assert (result.final, result.appointment_at, result.disposition) == (False, at, "2.21")
    world.clock.now = at - timedelta(minutes=31)
    assert bartek.next_case(world.survey_id) is None
    world.clock.now = at - timedelta(minutes=30)  # a soft appointment: 30 min early is fine
    lease, card = bartek.next_case(world.survey_id) or pytest.fail("the callback is due")
    assert lease.case_id == case_id and card.appointment_at == at
    assert not card.appointment_hard
    with pytest.raises(ServiceError, match="future"):
        bartek.record_outcome(lease, "callback", appointment_at=WEDNESDAY)
    assert world.case(case_id).lease_token == lease.token  # the refused outcome wrote nothing


def _book_hard(world: World) -> tuple[uuid.UUID, datetime]:
    """Anna books a hard appointment on one case; two more cases of higher priority wait."""
    booked = world.add_case()
    anna = world.service("anna")
    at = WEDNESDAY + timedelta(hours=2)
    anna.record_outcome(claim(anna, world.survey_id), "callback", appointment_at=at, hard=True)
    add_cases(world.central, world.survey_id, [{"priority": 5}, {"priority": 5}])
    return booked, at


def test_a_hard_appointment_waits_for_its_booker_while_on_shift(world: World) -> None:
    booked, at = _book_hard(world)
    anna, bartek = world.service("anna", lease_seconds=3600), world.service("bartek")
    world.clock.now = at - timedelta(minutes=5)
    on_shift = claim(anna, world.survey_id)  # anna holds a lease: she is on shift
    assert on_shift.case_id != booked  # not due before its time (hard: no early window)
    world.clock.now = at
    assert claim(bartek, world.survey_id).case_id != booked  # kept for anna
    anna.record_outcome(on_shift, "busy")
    assert claim(anna, world.survey_id).case_id == booked  # hers first, over priority 5


def test_a_hard_appointment_goes_to_others_after_the_reserve(world: World) -> None:
    booked, at = _book_hard(world)
    anna, bartek = world.service("anna", lease_seconds=3600), world.service("bartek")
    world.clock.now = at - timedelta(minutes=5)
    claim(anna, world.survey_id)  # on shift, but busy on another case
    world.clock.now = at + timedelta(minutes=14)
    assert claim(bartek, world.survey_id).case_id != booked
    world.clock.now = at + timedelta(minutes=15)  # hard_reserve has run out
    assert claim(bartek, world.survey_id).case_id == booked


def test_a_hard_appointment_goes_to_others_when_the_booker_is_off_shift(
        world: World) -> None:
    booked, at = _book_hard(world)
    world.clock.now = at  # anna's last call was two hours ago, and she holds no lease
    lease, card = world.service("bartek").next_case(world.survey_id) or pytest.fail("due")
    assert lease.case_id == booked and card.appointment_hard
    assert [h.outcome for h in card.history] == ["callback"]


# -- rules that keep cases out of the queue --

def test_do_not_call_cases_are_never_claimed(world: World) -> None:
    world.add_case(do_not_call=True)
    shared = world.add_case(phone="+48221112233")
    other_survey = add_survey(world.central, name="Second survey")
    [elsewhere] = add_cases(world.central, other_survey, [{"phone": "+48221112233"}])
    anna = world.service("anna")
    lease = claim(anna, world.survey_id)
    assert lease.case_id == shared
    assert anna.next_case(world.survey_id) is None  # the flagged case stays out
    result = anna.record_outcome(lease, "do_not_call")
    assert (result.final, result.disposition) == (True, "2.112")
    with world.central.transaction() as connection:
        listed = connection.scalars(select(DoNotCall.phone)).all()
    assert listed == ["+48221112233"]
    assert world.case(elsewhere).do_not_call  # the same number in another survey
    assert anna.next_case(other_survey) is None
    assert world.case(shared).final_disposition == "2.112"


def test_do_not_call_lists_every_number_of_the_case(world: World) -> None:
    """The respondent's every number goes on the list, and every case having one of them
    among its numbers, in any survey, is flagged: not only cases whose first number is
    the one dialled."""
    first, second = "+48221112233", "+48601234567"
    called = world.add_case(phone=first, phones=[first, second])
    other = add_survey(world.central, name="Second survey")
    as_second, as_first, unrelated = add_cases(world.central, other, [
        {"phone": "+48225556677", "phones": ["+48225556677", first]},
        {"phone": second, "phones": [second]},
        {"phone": "+48229998877", "phones": ["+48229998877"]}])
    anna = world.service("anna")
    lease = claim(anna, world.survey_id)
    assert lease.case_id == called
    anna.record_outcome(lease, "do_not_call")
    with world.central.transaction() as connection:
        listed = set(connection.scalars(select(DoNotCall.phone)))
    assert listed == {first, second}
    assert world.case(as_second).do_not_call and world.case(as_first).do_not_call
    assert not world.case(unrelated).do_not_call
    assert claim(world.service("bartek"), other).case_id == unrelated


def _postgres_only(world: World) -> None:
    if world.central.engine.dialect.name != "postgresql":
        pytest.skip("a race between PostgreSQL sessions (SQLite serialises writers)")


def test_a_do_not_call_outcome_waits_for_a_sample_import(
        world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An import that has read the list while a call ends in 'do not call' on one of its
    numbers: the outcome waits for the import's lock, then flags the imported case."""
    _postgres_only(world)
    number = "+48221112233"
    other = add_survey(world.central, name="Second survey")
    add_cases(world.central, other, [{"phone": number, "phones": [number]}])
    sample = tmp_path / "sample.csv"
    sample.write_text("id,name,phone\nN1,Jan Kowalski,+48 22 111 22 33\n", encoding="utf-8")
    listed = threading.Event()
    original = sample_module._listed

    def slow_listed(connection: Any, phones: Any) -> set[str]:
        found = original(connection, phones)
        listed.set()
        time.sleep(1.0)  # the import has read the list; the call ends meanwhile
        return found

    monkeypatch.setattr(sample_module, "_listed", slow_listed)
    importer = threading.Thread(target=lambda: SampleService(world.central, SYSTEM)
                                .import_sample("Customer callback", sample))
    anna = world.service("anna")
    lease = claim(anna, other)
    importer.start()
    try:
        assert listed.wait(10)
        anna.record_outcome(lease, "do_not_call")
    finally:
        importer.join(30)
    with world.central.transaction() as connection:
        imported = connection.scalar(select(Case.do_not_call).where(
            Case.survey_id == world.survey_id, Case.phone == number))
        on_list = connection.scalar(select(func.count()).select_from(DoNotCall.__table__))
    assert (imported, on_list) == (True, 1)


def test_a_do_not_call_outcome_tolerates_the_number_listed_meanwhile(world: World) -> None:
    """Another writer lists the number while the outcome is being saved: the outcome is
    saved all the same (the number is listed once), never a raw database error."""
    _postgres_only(world)
    number = "+48221112233"
    case_id = world.add_case(phone=number, phones=[number])
    anna = world.service("anna")
    lease = claim(anna, world.survey_id)
    result: dict[str, Any] = {}

    def record() -> None:
        try:
            result["ok"] = anna.record_outcome(lease, "do_not_call")
        except Exception as e:  # the test reports what came out
            result["error"] = e

    with world.central.engine.connect() as other:
        with other.begin():
            other.execute(insert(DoNotCall.__table__).values(
                id=uuid7(), phone=number, reason="", source="another writer",
                added_at=WEDNESDAY))
            recorder = threading.Thread(target=record)
            recorder.start()
            time.sleep(0.5)  # the outcome now waits on the uncommitted row
        recorder.join(30)
    assert "error" not in result, repr(result.get("error"))
    assert result["ok"].final and world.case(case_id).final_disposition == "2.112"
    assert len(attempts_on(world.central, case_id)) == 1
    with world.central.transaction() as connection:
        assert connection.scalars(select(DoNotCall.phone)).all() == [number]


def test_calling_hours_follow_the_respondent_time_zone(world: World) -> None:
    world.clock.now = datetime(2026, 12, 2, 20, 30, tzinfo=UTC)  # 21:30 Warsaw, 15:30 NY
    warsaw = world.add_case(timezone="Europe/Warsaw", priority=9)
    new_york = world.add_case(timezone="America/New_York")
    anna = world.service("anna")
    [waiting] = anna.surveys()
    assert (waiting.waiting, waiting.open) == (1, 2)
    lease, card = anna.next_case(world.survey_id) or pytest.fail("New York is open")
    assert lease.case_id == new_york  # despite Warsaw's higher priority
    assert card.local_time.hour == 15 and card.timezone == "America/New_York"
    assert anna.next_case(world.survey_id) is None
    # Warsaw waits for its next opening: 09:00 local on Thursday
    assert world.case(warsaw).next_call_at == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    world.clock.now = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    assert claim(anna, world.survey_id).case_id == warsaw


def test_max_attempts_closes_a_case(any_url: str, tmp_path: Path) -> None:
    central = open_central(any_url)
    users = user_rows({"anna": "interviewer"})
    put_users(central, users.values())
    world = World(central, tmp_path, Clock(), add_survey(central, {"max_attempts": 2}), users)
    try:
        case_id = world.add_case()
        anna = world.service("anna")
        first = anna.record_outcome(claim(anna, world.survey_id), "no_answer")
        assert not first.final and first.next_call_at is not None
        world.clock.now = first.next_call_at
        second = anna.record_outcome(claim(anna, world.survey_id), "busy")
        assert (second.final, second.disposition) == (True, "3.12")
        row = world.case(case_id)
        assert (row.final_disposition, row.status, row.attempts) == ("3.12", "closed", 2)
        world.clock.now += timedelta(days=3)
        assert anna.next_case(world.survey_id) is None
        assert world.case(case_id, world.locals["anna"]).final_disposition == "3.12"
    finally:
        for db in world.locals.values():
            db.dispose()
        central.dispose()


def test_cases_over_a_lowered_max_attempts_are_closed_when_met(world: World) -> None:
    """A supervisor lowers max_attempts below what many cases already had: they are closed
    with their last call's disposition when the queue meets them, instead of being looked
    past on every claim until claims find nothing."""
    with world.central.transaction() as connection:
        connection.execute(update(Survey.__table__).where(Survey.id == world.survey_id)
                           .values(settings={"calling": {"max_attempts": 2}}))
    earlier = WEDNESDAY - timedelta(days=1)
    over = add_cases(world.central, world.survey_id, [
        {"priority": 5, "attempts": 3, "next_call_at": earlier, "last_outcome": "no_answer"}
        for _ in range(ROUNDS * BATCH + 1)])
    with world.central.transaction() as connection:
        for case_id in over[1:]:
            for hours, outcome, code in ((3, "busy", "3.12"), (2, "no_answer", "3.13")):
                connection.execute(insert(CallAttempt.__table__).values(
                    id=uuid7(), case_id=case_id, survey_id=world.survey_id,
                    interviewer_id=world.users["bartek"].id, phone=None,
                    started_at=earlier - timedelta(hours=hours), ended_at=earlier,
                    outcome=outcome, disposition=code, appointment_hard=False, note="",
                    device_id="ws-bartek", revision=1, synced_revision=1))
    fresh = world.add_case()
    anna = world.service("anna")
    assert claim(anna, world.survey_id).case_id == fresh
    with world.central.transaction() as connection:
        closed = connection.execute(select(Case.id, Case.final_disposition, Case.status)
                                    .where(Case.id.in_(over))).all()
    by_id = {row.id: (row.final_disposition, row.status) for row in closed}
    assert by_id[over[0]] == ("3.90", "closed")  # no call on record: other, unknown
    assert {by_id[i] for i in over[1:]} == {("3.13", "closed")}  # the last call's


def test_a_due_retry_goes_before_cases_never_called_on_both_backends(world: World) -> None:
    """Cases never scheduled (next_call_at NULL) come after due ones of the same priority
    and attempts, in the SQL read (the index's order on PostgreSQL, explicit for SQLite)
    and in the ranking of a batch alike."""
    add_cases(world.central, world.survey_id, [{} for _ in range(BATCH)])
    due = world.add_case(next_call_at=WEDNESDAY - timedelta(hours=1))
    assert claim(world.service("anna"), world.survey_id).case_id == due


def test_claiming_needs_a_telephone_survey(world: World) -> None:
    with pytest.raises(ServiceError, match="no such telephone survey"):
        world.service("anna").next_case(uuid7())
    with world.central.transaction() as connection:
        connection.execute(update(Survey.__table__).where(Survey.id == world.survey_id)
                           .values(mode="capi"))
    with pytest.raises(ServiceError):
        world.service("sue").next_case(world.survey_id)
    assert world.service("sue").surveys() == []


# -- the interview on the local store --

def test_the_interview_runs_locally_and_a_break_off_keeps_its_answers(
        world: World) -> None:
    admin = SYSTEM
    published = QuestionnaireService(world.central).publish(admin, CSAT, "CSAT by phone",
                                                            mode="cati")
    [case_id] = add_cases(world.central, published.survey_id, [{}])
    anna = world.service("anna")
    lease = claim(anna, published.survey_id)
    forms = FormCache(world.locals["anna"])
    interview_id = anna.start_interview(lease, forms)
    assert anna.start_interview(lease, forms) == interview_id  # the same one, resumed
    session = InterviewingService(world.locals["anna"], world.users["anna"], forms,
                                  clock=world.clock).open(interview_id)
    session.next()  # past the introduction
    assert session.answer(session.screen().questions[0].key, 2) is None
    with world.central.transaction() as connection:
        assert connection.scalar(select(func.count()).select_from(Interview.__table__)) == 0
    result = anna.record_outcome(lease, "break_off", answered_share=0.1,
                                 interview_id=interview_id)
    assert (result.disposition, result.final) == ("2.12", True)
    local = world.locals["anna"]
    with local.transaction() as connection:
        status = connection.scalar(select(Interview.status).where(Interview.id == interview_id))
        answers = connection.scalar(select(func.count()).where(
            Answer.interview_id == interview_id))
    assert (status, answers) == ("suspended", 1)
    [central_attempt] = attempts_on(world.central, case_id)
    [local_attempt] = attempts_on(local, case_id)
    # central has no interview yet: the local row stays pending so sync brings the link
    assert central_attempt.interview_id is None and central_attempt.synced_revision == 1
    assert (local_attempt.interview_id, local_attempt.synced_revision) == (interview_id, 0)
    assert load_form(CSAT).questionnaire.form_id == "post_call_csat"


def test_a_local_failure_after_central_saved_the_outcome_says_so(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    """Central has committed the outcome when the local store fails: the interviewer is
    told that it was saved centrally (not that nothing was saved), the error names this
    computer's data file, the lease is over, and the log names ids only."""
    number = "+48221112233"
    case_id = world.add_case(phone=number, phones=[number])
    anna = world.service("anna")
    lease = claim(anna, world.survey_id)
    locked = OperationalError("INSERT", {}, Exception("database is locked"))
    with caplog.at_level(logging.DEBUG, logger="interviewer"), \
            mock.patch("interviewer.services.calling._attempt_locally", side_effect=locked), \
            pytest.raises(OutcomeSavedCentrally) as saved:
        anna.record_outcome(lease, "refusal")
    message = str(saved.value)
    assert message.startswith("Saved on the central database;")
    assert "the data file" in message and str(world.folder / "anna.sqlite") in message
    assert isinstance(saved.value, LeaseLost)  # the screen lets go of the case
    assert world.case(case_id).final_disposition == "2.112"  # central has it
    assert len(attempts_on(world.central, case_id)) == 1
    assert attempts_on(world.locals["anna"], case_id) == []
    assert str(case_id) in caplog.text
    assert number not in caplog.text and "Respondent" not in caplog.text
    with pytest.raises(LeaseLost):  # the lease ended with the central write
        anna.record_outcome(lease, "refusal")
    assert len(attempts_on(world.central, case_id)) == 1


def test_a_break_off_suspends_the_local_interview_even_when_its_attempt_fails(
        world: World) -> None:
    published = QuestionnaireService(world.central).publish(SYSTEM, CSAT, "CSAT by phone",
                                                            mode="cati")
    add_cases(world.central, published.survey_id, [{}])
    anna = world.service("anna")
    lease = claim(anna, published.survey_id)
    interview_id = anna.start_interview(lease, FormCache(world.locals["anna"]))
    locked = OperationalError("INSERT", {}, Exception("database is locked"))
    with mock.patch("interviewer.services.calling._attempt_locally", side_effect=locked), \
            pytest.raises(OutcomeSavedCentrally):
        anna.record_outcome(lease, "break_off", answered_share=0.1,
                            interview_id=interview_id)
    with world.locals["anna"].transaction() as connection:
        assert connection.scalar(select(Interview.status).where(
            Interview.id == interview_id)) == "suspended"


# -- the central database's clock --

@pytest.mark.postgres
def test_leases_are_timed_by_the_central_clock_not_the_workstation(
        pg_url: str, tmp_path: Path) -> None:
    """Two workstations whose clocks are six minutes apart: without an injected clock,
    leases are set and checked with central's time, so they never share a case."""
    central = open_central(pg_url)
    users = user_rows({"anna": "interviewer", "bartek": "interviewer"})
    put_users(central, users.values())
    all_day = ["00:00", "23:59:59.999999"]
    survey_id = add_survey(central, {"weekday_hours": all_day, "saturday_hours": all_day,
                                     "sunday_hours": all_day})
    case_id, other_id = add_cases(central, survey_id, [{"timezone": "UTC"},
                                                       {"timezone": "UTC"}])
    stores = [local_store(tmp_path / f"{n}.sqlite", users.values()) for n in users]
    anna, bartek = (CallingService(central, store, users[n], device_id=f"ws-{n}")
                    for n, store in zip(users, stores, strict=True))
    anna.clock = lambda: datetime.now(UTC) - timedelta(minutes=6)  # this PC runs slow
    bartek.clock = lambda: datetime.now(UTC) + timedelta(minutes=6)  # and this one fast
    try:
        before = datetime.now(UTC)
        lease = claim(anna, survey_id)
        after = datetime.now(UTC)
        slack = timedelta(seconds=5)
        assert before - slack <= lease.expires_at - timedelta(seconds=300) <= after + slack
        taken = claim(bartek, survey_id)
        assert {lease.case_id, taken.case_id} == {case_id, other_id}
        assert bartek.next_case(survey_id) is None  # anna's lease holds on central's time
        renewed = anna.heartbeat(lease)
        assert renewed.expires_at >= lease.expires_at
        anna.card(renewed)
        result = anna.record_outcome(renewed, "no_answer")
        [attempt] = attempts_on(central, lease.case_id)
        assert before - slack <= attempt.started_at <= datetime.now(UTC) + slack
        assert result.next_call_at is not None and result.next_call_at > attempt.started_at
        bartek.release(taken)
        assert claim(bartek, survey_id).case_id == taken.case_id
        [listed] = bartek.surveys()
        assert listed.open == 2
    finally:
        for store in stores:
            store.dispose()
        central.dispose()


# -- SQLite central --

def test_two_threads_on_an_sqlite_central_never_share_a_case(tmp_path: Path) -> None:
    central = open_central(sqlite_url(tmp_path / "central.sqlite"))
    users = user_rows({"anna": "interviewer", "bartek": "interviewer"})
    put_users(central, users.values())
    world = World(central, tmp_path, Clock(), add_survey(central), users)
    cases = set(add_cases(central, world.survey_id, [{} for _ in range(40)]))
    services = [world.service("anna"), world.service("bartek")]
    claimed: dict[str, list[uuid.UUID]] = {"anna": [], "bartek": []}
    start = threading.Barrier(2)

    def work(service: CallingService) -> None:
        start.wait()
        while (got := service.next_case(world.survey_id)) is not None:
            claimed[service.user.username].append(got[0].case_id)
            service.record_outcome(got[0], "complete")

    threads = [threading.Thread(target=work, args=(s,)) for s in services]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        everyone = claimed["anna"] + claimed["bartek"]
        assert sorted(everyone) == sorted(cases)  # each case once, none left out
        with central.transaction() as connection:
            assert connection.scalar(select(func.count()).select_from(
                CallAttempt.__table__)) == 40
    finally:
        for db in world.locals.values():
            db.dispose()
        central.dispose()
