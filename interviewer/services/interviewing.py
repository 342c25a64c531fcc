"""Interviewing: the interviewer's work list, and one interview in progress.

Every confirmed answer is committed to the store, with its paradata event, before the
call returns: the screen moves on only after that (DESIGN.md 5). Roles and ownership are
checked here, not in the window: an interviewer cannot open another's interview by id.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from interviewer.questionnaire.engine import (
    Interview,
    Node,
    Problem,
    as_special,
    restore,
    typed_value,
)
from interviewer.questionnaire.model import (
    ANSWERABLE,
    MULTI_VALUED,
    SPECIAL_ANSWERS,
)
from interviewer.questionnaire.navigation import Blocked, Navigator, Screen
from interviewer.services.common import (
    Clock,
    CurrentUser,
    NotFound,
    PermissionDenied,
    ServiceError,
    utc_clock,
)
from interviewer.services.questionnaires import FormCache
from interviewer.storage.db import Database
from interviewer.storage.ids import uuid7
from interviewer.storage.models import (
    Answer,
    Assignment,
    Case,
    ParadataEvent,
    Remark,
    Survey,
    User,
)
from interviewer.storage.models import Interview as InterviewRow
from interviewer.sync.central_side import CENTRAL

log = logging.getLogger(__name__)  # ids and actions only: never names, numbers, answers
OPEN_STATUSES = ("in_progress", "suspended", "rejected")
STAFF = ("supervisor", "admin")


# -- what the window shows (plain data; widgets never see the engine or the ORM) --

class ChoiceView(BaseModel):
    name: str
    label: str


class ProblemView(BaseModel):
    path: str
    kind: str
    message: str


class QuestionView(BaseModel):
    key: str  # where the answer is stored; pass it back to answer()
    path: str  # as shown: `rep[2]/q`
    name: str
    type: str
    label: str
    hint: str = ""
    choices: list[ChoiceView] = []
    value: Any = None  # typed: number, choice name, list of names, text, True
    special: str | None = None
    specials: list[str] = []
    required: bool = False
    read_only: bool = False
    appearance: str | None = None
    parameters: dict[str, str] = {}
    remark: str | None = None  # the interviewer's own
    review_comment: str | None = None  # the supervisor's, from the latest rejection


class ScreenView(BaseModel):
    kind: Literal["question", "group", "repeat_prompt", "end"]
    title: str = ""  # the group's label, or the repeat's on a prompt
    section: list[str] = []  # labels of the groups around the screen, outermost first
    questions: list[QuestionView] = []
    answered: int = 0
    total: int = 0
    language: str = ""
    languages: list[str] = []


class MoveResult(BaseModel):
    moved: bool
    screen: ScreenView
    problems: list[ProblemView] = []
    warnings: list[ProblemView] = []


class IndexEntry(BaseModel):
    """A line of the navigation panel: a section heading or an answered question."""

    key: str
    label: str
    depth: int
    is_section: bool = False
    answered: bool = False
    value_text: str = ""


class WorkItem(BaseModel):
    case_id: uuid.UUID | None
    interview_id: uuid.UUID | None
    respondent: str
    external_id: str
    survey: str
    status: str  # new, in_progress, suspended, completed, rejected, approved
    updated_at: datetime | None


# -- the work list and starting interviews --

class InterviewingService:
    def __init__(self, db: Database, user: CurrentUser, forms: FormCache,
                 clock: Clock = utc_clock, device_id: str | None = None) -> None:
        self.db = db
        self.user = user
        self.forms = forms
        self.clock = clock
        self.device_id = device_id

    def work_list(self) -> list[WorkItem]:
        """The cases assigned to the interviewer, each with its latest interview."""
        with self.db.unit_of_work() as session:
            query = (select(Case, Survey.name).join(Survey, Survey.id == Case.survey_id)
                     .join(Assignment, Assignment.case_id == Case.id)
                     .where(Assignment.active.is_(True))
                     .order_by(Case.priority.desc(), Case.respondent_name))
            if not self.user.is_staff:
                query = query.where(Assignment.interviewer_id == self.user.id)
            latest = self._latest_interviews(session)
            items = []
            for case, survey_name in session.execute(query).all():
                row = latest.get(case.id)
                items.append(WorkItem(
                    case_id=case.id, interview_id=row.id if row else None,
                    respondent=case.respondent_name, external_id=case.external_id or "",
                    survey=survey_name, status=row.status if row else "new",
                    updated_at=row.updated_at if row else None))
            return items

    def _latest_interviews(self, session: Session) -> dict[uuid.UUID, InterviewRow]:
        query = select(InterviewRow).order_by(InterviewRow.started_at)
        if not self.user.is_staff:
            query = query.where(InterviewRow.interviewer_id == self.user.id)
        return {row.case_id: row for row in session.scalars(query) if row.case_id}

    def start(self, case_id: uuid.UUID, language: str | None = None) -> uuid.UUID:
        """Start an interview on an assigned case, or return the open one."""
        with self.db.unit_of_work() as session:
            case = session.get(Case, case_id)
            if case is None:
                raise NotFound("There is no such case.")
            assigned = session.scalar(select(Assignment).where(
                Assignment.case_id == case_id, Assignment.active.is_(True),
                Assignment.interviewer_id == self.user.id))
            if assigned is None:
                raise PermissionDenied("This case is not assigned to you.")
            existing = session.scalar(select(InterviewRow).where(
                InterviewRow.case_id == case_id, InterviewRow.interviewer_id == self.user.id,
                InterviewRow.status.in_(OPEN_STATUSES)))
            if existing is not None:
                return existing.id
            done = session.scalar(select(InterviewRow.status).where(
                InterviewRow.case_id == case_id,
                InterviewRow.status.in_(("completed", "approved"))))
            if done is not None:
                raise ServiceError(f"This case's interview is already {done}.")
            survey = session.get(Survey, case.survey_id)
            assert survey is not None
            now = self.clock()
            row = InterviewRow(case_id=case_id, survey_id=survey.id,
                               questionnaire_version_id=survey.questionnaire_version_id,
                               interviewer_id=self.user.id, status="in_progress",
                               language=language, started_at=now, updated_at=now,
                               device_id=self.device_id, origin_device=self.device_id)
            session.add(row)
            case.status = "in_progress"
            case.revision += 1
            session.flush()
            log.info("interview %s started on case %s", row.id, case_id)
            return row.id

    def open(self, interview_id: uuid.UUID) -> InterviewSession:
        """The interview, restored from the store, on the screen where it was left."""
        with self.db.unit_of_work() as session:
            row = session.get(InterviewRow, interview_id)
            if row is None:
                raise NotFound("There is no such interview.")
            if row.interviewer_id != self.user.id:
                raise PermissionDenied("This interview belongs to another interviewer.")
            if row.status not in OPEN_STATUSES:
                raise ServiceError(f"This interview is {row.status}: it can no longer be "
                                   "changed.")
            if row.case_id is not None and session.scalar(select(Assignment.id).where(
                    Assignment.case_id == row.case_id, Assignment.active.is_(True),
                    Assignment.interviewer_id == self.user.id)) is None:
                raise PermissionDenied("This case is no longer assigned to you; its answers "
                                       "are kept for your supervisor.")
            answers = list(session.scalars(select(Answer).where(
                Answer.interview_id == interview_id)))
            rows = list(session.execute(
                select(Remark, User.role).outerjoin(User, User.id == Remark.author_id)
                .where(Remark.interview_id == interview_id).order_by(Remark.created_at)))
            remarks = {r.path: r.text for r, _ in rows}
            own = {r.path: r.text for r, role in rows
                   if role not in STAFF and r.origin_device != CENTRAL}
            review = review_comments([(r.path, r.text, r.created_at, role in STAFF
                                       or r.origin_device == CENTRAL) for r, role in rows])
            seq = session.scalar(select(func.max(ParadataEvent.seq)).where(
                ParadataEvent.interview_id == interview_id)) or 0  # 0: never opened
            version_id, status = row.questionnaire_version_id, row.status
            language, position = row.language, row.position
        form = self.forms.get(version_id)
        return InterviewSession(self, interview_id, form_interview(form, language), answers,
                                remarks, seq, status, position, review, own)


def review_comments(remarks: list[tuple[str, str, datetime, bool]]) -> dict[str, str]:
    """The supervisor's comments of the latest review, by path ("" for the general one):
    a rejection writes its general comment and its question comments together, so the
    ones from an earlier rejection (already dealt with) are left out. Each remark is
    (path, text, created_at, by a supervisor or admin), oldest first."""
    staff = [(path, text, at) for path, text, at, by_staff in remarks if by_staff]
    general = [at for path, _, at in staff if path == ""]
    since = max(general) if general else None
    return {path: text for path, text, at in staff if since is None or at >= since}


def form_interview(form: Any, language: str | None) -> Interview:
    languages = form.questionnaire.languages
    return Interview(form, language=language if language in languages else None)


class InterviewSession:
    """One interview on screen. Each method is one user action and one unit of work."""

    def __init__(self, service: InterviewingService, interview_id: uuid.UUID,
                 interview: Interview, answers: list[Answer], remarks: dict[str, str],
                 seq: int, status: str, position: str | None,
                 review: dict[str, str] | None = None,
                 own_remarks: dict[str, str] | None = None) -> None:
        self.service = service
        self.id = interview_id
        self.interview = interview
        self.remarks = remarks  # every remark by path, the last one written
        # the supervisor's comments of the latest rejection, by path ("": the general one)
        self.review_comments = {p: t for p, t in (review or {}).items() if p}
        self.review_note = (review or {}).get("")
        # the interviewer's own remarks: the card shows them apart from the comments
        self._own_remarks = dict(remarks if own_remarks is None else own_remarks)
        self.status = status
        self._restore(answers)
        if position and not position.startswith("+") and \
                self.interview.find(position) is None:
            # an instance added but not yet answered has no answers to bring it back
            self.interview.find(position, create=True)
            self.interview.recompute_all()
        self.navigator = Navigator(interview)
        # a new interview opens on its first screen (the introduction is read out too);
        # a resumed one where it was left, else at the first screen still to answer
        self.navigator.screen = self._first_commented() or self._screen_at(position) or (
            self.navigator.first_open() if answers else self.navigator.first())
        self._event("resume" if seq else "enter", self._position_key(), {})

    # -- restoring --
    def _restore(self, answers: list[Answer]) -> None:
        """Put stored answers back (an instance that no longer exists keeps its rows in
        the store)."""
        restore(self.interview, [(a.path, a.value, a.special) for a in answers])

    def _first_commented(self) -> Screen | None:
        """A rejected interview opens on the first question the supervisor commented on
        (in the questionnaire's order)."""
        if self.status != "rejected" or not self.review_comments:
            return None
        for screen in self.navigator.screens():
            if any(n.key in self.review_comments for n in screen.nodes):
                return screen
        return None

    def _screen_at(self, position: str | None) -> Screen | None:
        if not position:
            return None
        for screen in self.navigator.screens():
            if self._key_of(screen) == position:
                return screen
        return None

    # -- reading --
    def screen(self) -> ScreenView:
        nav = self.navigator
        screen = nav.screen
        answered, total = nav.progress()
        view = ScreenView(kind=screen.kind, answered=answered, total=total,
                          language=self.interview.language,
                          languages=list(self.interview.questionnaire.languages))
        anchor = screen.group or (screen.nodes[0] if screen.nodes else screen.parent)
        view.section = self._sections(anchor)
        if screen.kind == "group" and screen.group is not None:
            view.title = self.interview.label(screen.group)
        if screen.kind == "repeat_prompt" and screen.repeat is not None:
            view.title = self.interview.piped(screen.repeat.element.label, screen.parent) \
                if screen.parent is not None else screen.repeat.name
        view.questions = [self._question(node) for node in screen.nodes]
        return view

    def _sections(self, node: Node | None) -> list[str]:
        labels: list[str] = []
        current = node.parent if node is not None and node.definition is not None \
            and not node.definition.is_container else node
        while current is not None and current.definition is not None:
            label = self.interview.label(current) or current.definition.name
            if current.definition.is_repeat:
                label = f"{label} {current.index}"
            labels.append(label)
            current = current.parent
        return list(reversed(labels))

    def _question(self, node: Node) -> QuestionView:
        q = node.question
        interview = self.interview
        d = node.definition
        assert d is not None
        choices = [ChoiceView(name=c.name, label=interview.piped(c.label, node))
                   for c in interview.choices(node)] if q.list_name else []
        required = interview.is_required(node)
        return QuestionView(
            key=node.key, path=node.path, name=q.name, type=q.type.value,
            label=interview.label(node), hint=interview.hint(node), choices=choices,
            value=typed_value(q, node.value), special=node.special,
            specials=list(q.special), required=required,
            read_only=interview.is_read_only(node), appearance=q.appearance,
            parameters=dict(q.parameters), remark=self._own_remarks.get(node.key),
            review_comment=self.review_comments.get(node.key))

    def index(self) -> list[IndexEntry]:
        """Sections and the questions relevant now, for the navigation panel."""
        # Called after every move on forms of thousands of questions: section keys are
        # worked out once per call and the entries built without re-validation.
        entries: list[IndexEntry] = []
        section_keys: dict[Node, str] = {}
        for node in self.interview.walk_items():
            parents = []
            current = node.parent
            while current is not None and current.definition is not None:
                parents.append(current)
                current = current.parent
            for depth, section in enumerate(reversed(parents)):
                if section not in section_keys:
                    section_keys[section] = section.key
                    label = self.interview.label(section) or section.name
                    if section.definition is not None and section.definition.is_repeat:
                        label = f"{label} {section.index}"
                    entries.append(IndexEntry.model_construct(
                        key=section_keys[section], label=label, depth=depth, is_section=True,
                        answered=False, value_text=""))
            parent_key = section_keys.get(parents[0]) if parents else None
            key = f"{parent_key}/{node.name}" if parent_key else node.name
            answered = node.value != "" or node.special is not None
            entries.append(IndexEntry.model_construct(
                key=key, label=self.interview.label(node), depth=len(parents),
                is_section=False, answered=answered, value_text=self.value_text(node)))
        return entries

    def summary(self) -> list[IndexEntry]:
        """Every relevant question with its answer, for the check before completing."""
        return [e for e in self.index() if not e.is_section
                and self._node(e.key).question.type in ANSWERABLE]

    def value_text(self, node: Node) -> str:
        if node.special == "dont_know":
            return "Don't know"
        if node.special == "refused":
            return "Refused"
        q = node.question
        if not node.value:
            return ""
        if q.list_name:
            labels = {c.name: self.interview.piped(c.label, node)
                      for c in self.interview.choices(node)}
            return ", ".join(labels.get(v, v) for v in node.value.split()) \
                if q.type in MULTI_VALUED else labels.get(node.value, node.value)
        return node.value

    # -- answering: committed before returning --
    def answer(self, key: str, value: Any) -> ProblemView | None:
        node = self._node(key)
        self._writable(node)
        old = (node.value, node.special)
        problem = self.interview.answer(node, value)
        if problem is not None:
            return _problem(node, problem)
        self._save(node, old)
        return None

    def set_special(self, key: str, special: str) -> ProblemView | None:
        node = self._node(key)
        self._writable(node)
        if special not in SPECIAL_ANSWERS:
            return ProblemView(path=node.path, kind="type", message="Unknown special answer.")
        old = (node.value, node.special)
        problem = self.interview.set_special(node, as_special(special) or "dont_know")
        if problem is not None:
            return _problem(node, problem)
        self._save(node, old)
        return None

    def _save(self, node: Node, old: tuple[str, str | None]) -> None:
        """The answer, its paradata event and the interview's bookkeeping in one
        transaction, with statements built once: this runs on every confirmed answer."""
        now = self.service.clock()
        value, special = node.value or None, node.special
        try:
            self._write_answer(node, old, value, special, now)
        except BaseException:
            self.interview.put(node, old[0], as_special(old[1]))  # the screen shows the store
            raise

    def _write_answer(self, node: Node, old: tuple[str, str | None], value: str | None,
                      special: str | None, now: datetime) -> None:
        with self.service.db.transaction() as connection:
            # first the interview: still open and still this interviewer's (another
            # window, or a supervisor's decision, may have closed it meanwhile)
            touched = connection.execute(_SAVE.touch_interview, {
                "i": self.id, "u": self.service.user.id, "at": now, "pos": self.position})
            if touched.rowcount == 0:
                raise ServiceError("This interview was closed elsewhere: the answer was "
                                   "not saved. Reopen it from the home list.")
            updated = connection.execute(_SAVE.update_answer, {
                "i": self.id, "p": node.key, "v": value, "s": special, "at": now})
            if updated.rowcount == 0:
                connection.execute(_SAVE.insert_answer, {
                    "id": uuid7(), "i": self.id, "q": node.name, "p": node.key, "v": value,
                    "s": special, "at": now, "dev": self.service.device_id})
            connection.execute(_SAVE.insert_event, {
                "id": uuid7(), "i": self.id, "p": node.key, "at": now,
                "kind": "answer" if old == ("", None) else "change",
                "detail": {"old": old[0] or None, "old_special": old[1], "new": value,
                           "new_special": special}})

    def _writable(self, node: Node) -> None:
        if self.status not in OPEN_STATUSES:
            raise ServiceError(f"This interview is {self.status}: it can no longer be "
                               "changed.")
        if self.interview.is_read_only(node):
            raise ServiceError("This question cannot be changed.")

    # -- moving --
    def next(self) -> MoveResult:
        came_from = self.position
        result = self.navigator.next()
        if isinstance(result, Blocked):
            return MoveResult(moved=False, screen=self.screen(),
                              problems=[_problem(n, p) for n, p in result.problems],
                              warnings=[ProblemView(path=n.path, kind="warning", message=m)
                                        for n, m in result.warnings])
        self._moved("leave", came_from)
        return MoveResult(moved=True, screen=self.screen())

    def confirm_warnings(self) -> MoveResult:
        """The interviewer confirms this screen's soft warnings, then moves on."""
        confirmed = self.navigator.confirm_warnings()
        if confirmed:
            now = self.service.clock()
            with self.service.db.unit_of_work() as session:
                self._row(session)  # still open and ours
                for node, message in confirmed:
                    self._add_event(session, "warning_confirmed", node.key,
                                    {"message": message, "value": node.value}, now)
        return self.next()

    def back(self) -> ScreenView:
        came_from = self.position
        self.navigator.back()
        self._moved("back", came_from)
        return self.screen()

    def jump(self, key: str) -> ScreenView:
        came_from = self.position
        self.navigator.jump(self._node(key))
        self._moved("jump", came_from)
        return self.screen()

    def add_instance(self) -> ScreenView:
        came_from = self.position
        self.navigator.add_instance()
        self._moved("add_instance", came_from)
        return self.screen()

    def set_language(self, language: str) -> ScreenView:
        if language not in self.interview.questionnaire.languages:
            raise ServiceError(f"The questionnaire has no language '{language}'.")
        self.interview.set_language(language)
        now = self.service.clock()
        with self.service.db.unit_of_work() as session:
            row = self._row(session)
            row.language = language
            row.revision += 1
            self._add_event(session, "language", None, {"language": language}, now)
        return self.screen()

    def add_remark(self, key: str, text: str) -> None:
        node = self._node(key)
        text = text.strip()
        now = self.service.clock()
        with self.service.db.unit_of_work() as session:
            self._row(session)  # still open and ours
            session.add(Remark(interview_id=self.id, path=node.key, text=text,
                               author_id=self.service.user.id, created_at=now,
                               origin_device=self.service.device_id))
            self._add_event(session, "remark", node.key, {}, now)
        self.remarks[node.key] = text
        self._own_remarks[node.key] = text

    def suspend(self) -> None:
        self._set_status("suspended", "suspend")

    def complete(self) -> list[ProblemView]:
        """Complete when every relevant question passes; else the problems, nothing
        changed."""
        problems = []
        for node in self.interview.walk_items():
            problem = self.interview.violation(node)
            if problem is not None:
                problems.append(_problem(node, problem))
        if problems:
            return problems
        self._set_status("completed", "complete")
        log.info("interview %s completed", self.id)
        return []

    def _set_status(self, status: str, event: str) -> None:
        now = self.service.clock()
        with self.service.db.unit_of_work() as session:
            row = self._row(session)
            row.status = status
            if status == "completed":
                row.completed_at = now
                self._clear_unasked(session, now)
                case = session.get(Case, row.case_id) if row.case_id else None
                if case is not None:
                    case.status = "completed"
                    case.revision += 1
            self._add_event(session, event, self._position_key(), {}, now)
            self._touch(row, now)
        self.status = status

    def _clear_unasked(self, session: Session, now: datetime) -> None:
        """As ODK submits only what is relevant at the end, an answer to a question the
        interview no longer asks (a later answer turned it off, or its repeat instance
        was removed) is cleared on completion, so that results and exports do not count
        it; its value stays in the paradata (a `clear` event, and its answer events)."""
        asked = {node.key for node in self.interview.walk_items()}
        given = or_(Answer.value.is_not(None), Answer.special.is_not(None))
        for answer in session.scalars(select(Answer).where(
                Answer.interview_id == self.id, given).order_by(Answer.path)):
            if answer.path in asked:
                continue
            self._add_event(session, "clear", answer.path,
                            {"old": answer.value, "old_special": answer.special}, now)
            answer.value = answer.special = None
            answer.revision += 1

    # -- bookkeeping --
    def _moved(self, kind: str, came_from: str) -> None:
        """A move, recorded with where it went and where it came from."""
        now = self.service.clock()
        with self.service.db.unit_of_work() as session:
            row = self._row(session)
            self._add_event(session, kind, self._position_key(), {"from": came_from},
                            now)
            row.position = self._position_key()
            row.revision += 1

    def _event(self, kind: str, path: str | None, detail: dict[str, Any]) -> None:
        now = self.service.clock()
        with self.service.db.unit_of_work() as session:
            row = self._row(session)
            self._add_event(session, kind, path, detail, now)
            if kind == "resume" and row.status == "suspended":
                row.status = "in_progress"
                row.revision += 1
                self.status = "in_progress"

    def _add_event(self, session: Session, kind: str, path: str | None,
                   detail: dict[str, Any], at: datetime) -> None:
        seq = session.scalar(select(func.coalesce(func.max(ParadataEvent.seq), 0) + 1)
                             .where(ParadataEvent.interview_id == self.id))
        session.add(ParadataEvent(interview_id=self.id, seq=seq, kind=kind, path=path,
                                  at=at, detail=detail))
        session.flush()

    def _touch(self, row: InterviewRow, now: datetime) -> None:
        row.updated_at = now
        row.revision += 1
        row.position = self._position_key()

    def _row(self, session: Session) -> InterviewRow:
        """The interview's row, for a change: it must still be open and this
        interviewer's, read in the same transaction as the change."""
        row = session.get(InterviewRow, self.id)
        if row is None or row.interviewer_id != self.service.user.id:
            raise PermissionDenied("This interview is not yours.")
        if row.status not in OPEN_STATUSES:
            self.status = row.status
            raise ServiceError(f"This interview is {row.status}: it can no longer be "
                               "changed.")
        return row

    @property
    def position(self) -> str:
        """Where the interviewer is: the stored resume point."""
        return self._key_of(self.navigator.screen)

    def _position_key(self) -> str:
        return self.position

    @staticmethod
    def _key_of(screen: Screen) -> str:
        if screen.kind == "repeat_prompt" and screen.repeat is not None:
            parent = screen.parent.key if screen.parent is not None else ""
            return f"+{parent}/{screen.repeat.name}"
        if screen.kind == "group" and screen.group is not None:
            return screen.group.key
        if screen.nodes:
            return screen.nodes[0].key
        return screen.kind

    def _node(self, key: str) -> Node:
        node = self.interview.find(key)
        if node is None or node.definition is None or node.definition.is_container:
            raise NotFound(f"No question at '{key}' in this interview.")
        return node


class _SaveStatements:
    """The statements of `_save`, built once so that SQLAlchemy compiles them once."""

    def __init__(self) -> None:
        self.update_answer = (
            update(Answer)
            .where(Answer.interview_id == bindparam("i"), Answer.path == bindparam("p"))
            .values(value=bindparam("v"), special=bindparam("s"),
                    answered_at=bindparam("at"), revision=Answer.revision + 1))
        self.insert_answer = insert(Answer).values(
            id=bindparam("id"), interview_id=bindparam("i"), question=bindparam("q"),
            path=bindparam("p"), value=bindparam("v"), special=bindparam("s"),
            answered_at=bindparam("at"), revision=1, synced_revision=0,
            origin_device=bindparam("dev"))
        next_seq = (select(func.coalesce(func.max(ParadataEvent.seq), 0) + 1)
                    .where(ParadataEvent.interview_id == bindparam("i")).scalar_subquery())
        self.insert_event = insert(ParadataEvent).values(
            id=bindparam("id"), interview_id=bindparam("i"), seq=next_seq,
            kind=bindparam("kind"), path=bindparam("p"), at=bindparam("at"),
            detail=bindparam("detail", type_=ParadataEvent.__table__.c.detail.type),
            synced=False)
        self.touch_interview = (
            update(InterviewRow).where(InterviewRow.id == bindparam("i"),
                                       InterviewRow.interviewer_id == bindparam("u"),
                                       InterviewRow.status.in_(OPEN_STATUSES))
            .values(updated_at=bindparam("at"), revision=InterviewRow.revision + 1,
                    position=bindparam("pos")))


_SAVE = _SaveStatements()


def _problem(node: Node, problem: Problem) -> ProblemView:
    return ProblemView(path=node.path, kind=problem.kind, message=problem.message)


