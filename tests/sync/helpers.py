"""A central with users, a survey and assigned cases, and devices that write interviews
the way services/interviewing.py does (revision bumped on every change, paradata
appended), so sync is tested on real stores without parsing questionnaires."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text, update

from interviewer.services.common import CurrentUser
from interviewer.services.review import ReviewService
from interviewer.services.sync import SyncService
from interviewer.storage.db import Database
from interviewer.storage.ids import uuid7
from interviewer.storage.models import (
    Answer,
    AnswerSheet,
    Base,
    Case,
    Interview,
    ParadataEvent,
    QuestionnaireVersion,
    Survey,
    User,
)
from interviewer.storage.sheets import SEP
from interviewer.storage.store import open_store
from interviewer.sync.codec import encode
from interviewer.sync.messages import Request, Response
from interviewer.sync.transport import DirectTransport, Transport

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


class FixedClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@dataclass
class Seed:
    admin: CurrentUser
    supervisor: CurrentUser
    interviewers: list[CurrentUser]
    cases: dict[uuid.UUID, list[uuid.UUID]] = field(default_factory=dict)  # user -> cases


def person(username: str, role: Any) -> CurrentUser:
    return CurrentUser(id=uuid7(), username=username, role=role)


def seed_central(central: Database, interviewers: int = 2, cases_each: int = 3) -> Seed:
    seed = Seed(admin=person("admin", "admin"), supervisor=person("sup", "supervisor"),
                interviewers=[person(f"int{i}", "interviewer") for i in range(interviewers)])
    with central.unit_of_work() as session:
        for user in [seed.admin, seed.supervisor, *seed.interviewers]:
            session.add(User(id=user.id, username=user.username, role=user.role,
                             display_name=user.username, password_hash=f"hash-{user.username}",
                             created_at=T0, updated_at=T0))
        session.flush()
        version = QuestionnaireVersion(form_id="f", version="1", title="Form", file_name="f.md",
                                       content=b"form", sha256="0" * 64, published_at=T0,
                                       published_by=seed.admin.id)
        session.add(version)
        session.flush()
        survey = Survey(name="S", mode="capi", questionnaire_version_id=version.id,
                        created_at=T0)
        session.add(survey)
        session.flush()
        case_ids = []
        for n in range(interviewers * cases_each):
            case = Case(survey_id=survey.id, external_id=f"C{n}", respondent_name=f"R{n}",
                        created_at=T0)
            session.add(case)
            session.flush()
            case_ids.append(case.id)
    review = ReviewService(central, seed.supervisor, clock=FixedClock())
    for n, case_id in enumerate(case_ids):
        user = seed.interviewers[n % interviewers]
        review.reassign(case_id, user.id)
        seed.cases.setdefault(user.id, []).append(case_id)
    return seed


class Device:
    """A device's store, and an interviewer's actions on it."""

    def __init__(self, folder: Path, user: CurrentUser) -> None:
        self.folder = folder
        self.db = open_store(folder)
        self.user = user
        with self.db.transaction() as connection:
            self.device_id = str(connection.scalar(text(
                "SELECT value FROM sync_state WHERE key = 'device_id'")) or "")
        if not self.device_id:
            self.device_id = f"dev-{uuid.uuid4().hex[:8]}"
            with self.db.transaction() as connection:
                connection.execute(text("INSERT INTO sync_state (key, value) VALUES "
                                        "('device_id', :v)"), {"v": self.device_id})

    def sync(self, transport: Transport, **kwargs: Any) -> Any:
        return SyncService(self.db, transport, self.user, self.device_id).run(**kwargs)

    def start(self, case_id: uuid.UUID) -> uuid.UUID:
        interview_id = uuid7()
        with self.db.transaction() as c:
            survey = c.execute(select(Survey.id, Survey.questionnaire_version_id).join(
                Case, Case.survey_id == Survey.id).where(Case.id == case_id)).one()
            c.execute(insert(Interview).values(
                id=interview_id, case_id=case_id, survey_id=survey.id,
                questionnaire_version_id=survey.questionnaire_version_id,
                interviewer_id=self.user.id, status="in_progress", started_at=T0,
                updated_at=T0, device_id=self.device_id, origin_device=self.device_id,
                revision=1, synced_revision=0))
        return interview_id

    def answer(self, interview_id: uuid.UUID, path: str, value: str) -> None:
        with self.db.transaction() as c:
            touched = c.execute(update(Interview).where(
                Interview.id == interview_id,
                Interview.status.in_(("in_progress", "suspended", "rejected")))
                .values(revision=Interview.revision + 1))
            assert touched.rowcount == 1, "interview closed"
            done = c.execute(update(Answer).where(Answer.interview_id == interview_id,
                                                  Answer.path == path)
                             .values(value=value, revision=Answer.revision + 1))
            if done.rowcount == 0:
                c.execute(insert(Answer).values(
                    id=uuid7(), interview_id=interview_id, question=path, path=path,
                    value=value, answered_at=T0, revision=1, synced_revision=0,
                    origin_device=self.device_id))
            self._event(c, interview_id, "answer", path)

    def complete(self, interview_id: uuid.UUID) -> None:
        with self.db.transaction() as c:
            c.execute(update(Interview).where(Interview.id == interview_id).values(
                status="completed", completed_at=T0, revision=Interview.revision + 1))
            self._event(c, interview_id, "complete", None)

    def _event(self, c: Any, interview_id: uuid.UUID, kind: str, path: str | None) -> None:
        seq = c.scalar(select(func.coalesce(func.max(ParadataEvent.seq), 0) + 1).where(
            ParadataEvent.interview_id == interview_id))
        c.execute(insert(ParadataEvent).values(id=uuid7(), interview_id=interview_id, seq=seq,
                                               kind=kind, path=path, at=T0, detail={},
                                               synced=False))

    def answers(self, interview_id: uuid.UUID) -> dict[str, str | None]:
        return answers_of(self.db, interview_id)

    def status(self, interview_id: uuid.UUID) -> str:
        with self.db.transaction() as c:
            return str(c.scalar(select(Interview.status).where(Interview.id == interview_id)))

    def pending(self) -> int:
        """Rows still to push (the outbox)."""
        with self.db.transaction() as c:
            return sum(int(c.scalar(text(sql)) or 0) for sql in (
                "SELECT count(*) FROM interviews WHERE revision != synced_revision",
                "SELECT count(*) FROM answers WHERE revision != synced_revision",
                "SELECT count(*) FROM remarks WHERE revision != synced_revision",
                "SELECT count(*) FROM paradata_events WHERE synced = false",
                "SELECT count(*) FROM audit_log WHERE synced = false",
                "SELECT count(*) FROM call_attempts WHERE revision != synced_revision"))


def answers_of(db: Database, interview_id: uuid.UUID) -> dict[str, str | None]:
    with db.transaction() as c:
        return {r.path: r.value for r in c.execute(select(Answer.path, Answer.value).where(
            Answer.interview_id == interview_id))}


def sheets_of(db: Database) -> dict[uuid.UUID, list[tuple[str, str, str]]]:
    """Central's answer sheets, split: interview -> [(question, value, special)]."""
    with db.transaction() as c:
        rows = c.execute(select(AnswerSheet.interview_id, AnswerSheet.questions,
                                AnswerSheet.answer_values, AnswerSheet.specials)).all()
    return {r.interview_id: list(zip(r.questions.split(SEP), r.answer_values.split(SEP),
                                     r.specials.split(SEP), strict=True)) for r in rows}


def assert_sheets_agree(db: Database) -> None:
    """Every interview with answers outside repeats has a sheet saying exactly what its
    answer rows say, in path order (cleared answers left out); no other has one."""
    with db.transaction() as c:
        rows = c.execute(select(Answer.interview_id, Answer.path, Answer.question,
                                Answer.value, Answer.special)
                         .order_by(Answer.interview_id, Answer.path)).all()
    expected: dict[uuid.UUID, list[tuple[str, str, str]]] = {}
    for r in rows:
        if "[" not in r.path and (r.value is not None or r.special is not None):
            expected.setdefault(r.interview_id, []).append(
                (r.question, r.value or "", r.special or ""))
    assert sheets_of(db) == expected


# what differs between two equally good runs: conflict ids and times, change-log times
VOLATILE = {"sync_conflicts": ("id", "detected_at")}


def canonical_dump(db: Database) -> str:
    """Every table's rows, sorted, as JSON: two centrals with the same content give the
    same text."""
    tables: dict[str, list[str]] = {}
    with db.transaction() as c:
        for table in Base.metadata.sorted_tables:
            skip = VOLATILE.get(table.name, ())
            rows = []
            for row in c.execute(select(table)):
                data = {k: v for k, v in encode(table, row).items() if k not in skip}
                rows.append(json.dumps(data, sort_keys=True, default=str))
            tables[table.name] = sorted(rows)
    return json.dumps(tables, sort_keys=True)


class Cut(Exception):
    """The connection dropped."""


class CuttingTransport:
    """Delivers messages until number `at` (0-based); that one is lost before it reaches
    central (`after_commit=False`) or after central committed it, before the answer
    comes back (`after_commit=True`)."""

    def __init__(self, inner: DirectTransport, at: int, after_commit: bool) -> None:
        self.inner = inner
        self.label = inner.label
        self.at = at
        self.after_commit = after_commit
        self.sent = 0

    def exchange(self, request: Request) -> Response:
        n = self.sent
        self.sent += 1
        if n == self.at and not self.after_commit:
            raise Cut(f"cut before message {n}")
        response = self.inner.exchange(request)
        if n == self.at:
            raise Cut(f"cut after message {n}")
        return response

    def close(self) -> None:
        self.inner.close()


class RecordingTransport:
    def __init__(self, inner: DirectTransport) -> None:
        self.inner = inner
        self.label = inner.label
        self.requests: list[Request] = []

    def exchange(self, request: Request) -> Response:
        self.requests.append(Request.model_validate_json(request.model_dump_json()))
        return self.inner.exchange(request)

    def close(self) -> None:
        self.inner.close()
