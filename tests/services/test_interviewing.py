"""Interviewing through the service the window uses: ownership, saving at once,
suspend and resume, completion, questionnaire versions."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from interviewer.context import AppContext
from interviewer.demo import QUESTIONNAIRES, DemoInfo
from interviewer.services.common import CurrentUser, NotFound, PermissionDenied, ServiceError
from interviewer.services.interviewing import InterviewSession
from interviewer.storage.db import Database
from interviewer.storage.models import Answer, Assignment, Interview, ParadataEvent


def sign_in(context: AppContext, demo: DemoInfo, username: str) -> CurrentUser:
    return context.auth.login(username, demo.passwords[username])


def case_of(context: AppContext, user: CurrentUser, survey: str) -> uuid.UUID:
    items = [i for i in context.interviewing(user).work_list() if i.survey == survey]
    assert items, f"no {survey} case for {user.username}"
    case_id = items[0].case_id
    assert case_id is not None
    return case_id


def open_csat(context: AppContext, demo: DemoInfo) -> InterviewSession:
    """A new CSAT interview, moved past its introduction to the first question."""
    anna = sign_in(context, demo, "anna")
    service = context.interviewing(anna)
    session = service.open(service.start(case_of(context, anna, "Post-call CSAT")))
    assert session.screen().questions[0].type == "note"  # a new interview opens at the top
    assert session.next().moved
    return session


def test_interviewers_see_only_their_own_cases(context: AppContext, demo: DemoInfo) -> None:
    anna = context.interviewing(sign_in(context, demo, "anna")).work_list()
    bartek = context.interviewing(sign_in(context, demo, "bartek")).work_list()
    supervisor = context.interviewing(sign_in(context, demo, "supervisor")).work_list()
    assert len(anna) + len(bartek) == 60 and anna and bartek
    assert {i.survey for i in anna} == {i.survey for i in bartek}  # each works every survey
    assert not {i.case_id for i in anna} & {i.case_id for i in bartek}
    assert len(supervisor) == 60


def test_ownership_is_checked_by_id(context: AppContext, demo: DemoInfo) -> None:
    anna = sign_in(context, demo, "anna")
    bartek = context.interviewing(sign_in(context, demo, "bartek"))
    anna_case = case_of(context, anna, "Support CES")
    with pytest.raises(PermissionDenied):
        bartek.start(anna_case)
    interview_id = context.interviewing(anna).start(anna_case)
    with pytest.raises(PermissionDenied):
        bartek.open(interview_id)
    with pytest.raises(NotFound):
        bartek.open(uuid.uuid4())


def test_an_answer_is_in_the_store_when_the_call_returns(context: AppContext,
                                                         demo: DemoInfo) -> None:
    session = open_csat(context, demo)
    key = session.screen().questions[0].key
    assert session.answer(key, 2) is None
    other = Database(context.db.url)  # another connection, as after a crash
    try:
        with other.unit_of_work() as s:
            row = s.scalar(select(Answer).where(Answer.interview_id == session.id))
        assert row is not None and (row.path, row.value, row.special) == (key, "2", None)
    finally:
        other.dispose()


def test_refused_answers_and_wrong_types_change_nothing(context: AppContext,
                                                        demo: DemoInfo) -> None:
    session = open_csat(context, demo)
    key = session.screen().questions[0].key
    problem = session.answer(key, ["2", "3"])  # a list for a single choice
    assert problem is not None and problem.kind == "type"
    problem = session.answer(key, "11")
    assert problem is not None and problem.kind == "choice"
    assert session.set_special(key, "refused") is None
    with context.db.unit_of_work() as s:
        rows = list(s.scalars(select(Answer).where(Answer.interview_id == session.id)))
    assert [(r.value, r.special) for r in rows] == [(None, "refused")]


def test_suspend_and_resume_on_the_same_screen(context: AppContext, demo: DemoInfo) -> None:
    session = open_csat(context, demo)
    first = session.screen().questions[0]
    session.answer(first.key, 5)
    moved = session.next()
    assert moved.moved
    where = [q.key for q in moved.screen.questions]
    session.suspend()
    anna = sign_in(context, demo, "anna")
    items = [i for i in context.interviewing(anna).work_list() if i.interview_id == session.id]
    assert items[0].status == "suspended"
    resumed = context.interviewing(anna).open(session.id)
    assert [q.key for q in resumed.screen().questions] == where
    assert resumed.interview.find(first.key) is not None
    assert resumed.interview.find(first.key).value == "5"  # type: ignore[union-attr]
    with context.db.unit_of_work() as s:
        kinds = [e.kind for e in s.scalars(select(ParadataEvent).where(
            ParadataEvent.interview_id == session.id).order_by(ParadataEvent.seq))]
    assert kinds[:5] == ["enter", "leave", "answer", "leave", "suspend"]
    assert kinds[-1] == "resume"


def test_a_change_keeps_old_and_new_in_paradata(context: AppContext, demo: DemoInfo) -> None:
    session = open_csat(context, demo)
    key = session.screen().questions[0].key
    session.answer(key, 2)
    session.answer(key, 4)
    with context.db.unit_of_work() as s:
        change = s.scalar(select(ParadataEvent).where(ParadataEvent.interview_id == session.id,
                                                      ParadataEvent.kind == "change"))
    assert change is not None and change.detail["old"] == "2" and change.detail["new"] == "4"


def test_complete_needs_every_required_answer(context: AppContext, demo: DemoInfo) -> None:
    session = open_csat(context, demo)
    problems = session.complete()
    assert problems and problems[0].kind == "required"
    assert session.status == "in_progress"
    walk_to_end(session)
    assert session.complete() == []
    with context.db.unit_of_work() as s:
        row = s.get(Interview, session.id)
        assert row is not None and row.status == "completed" and row.completed_at is not None
    with pytest.raises(ServiceError, match="completed"):
        session.answer(session.summary()[0].key, 1)


def walk_to_end(session: InterviewSession) -> None:
    """Answer each screen with the first choice or a plausible value until the end."""
    for _ in range(100):
        screen = session.screen()
        if screen.kind == "end":
            return
        for q in screen.questions:
            if q.read_only or q.type == "note":
                continue
            if q.choices:
                value = [q.choices[0].name] if q.type == "select_multiple" else q.choices[-1].name
            elif q.type in ("integer", "decimal", "range"):
                value = 1
            else:
                value = "fine"
            assert session.answer(q.key, value) is None
        moved = session.next()
        if not moved.moved:
            assert moved.problems == [], moved.problems
            session.confirm_warnings()
    raise AssertionError("the interview did not end")


def test_interviews_keep_the_version_they_started_on(context: AppContext, demo: DemoInfo,
                                                     tmp_path: Path) -> None:
    session = open_csat(context, demo)
    changed = tmp_path / "post_call_csat.xlsx"
    content = (QUESTIONNAIRES / "post_call_csat" / "post_call_csat.xlsx").read_bytes()
    changed.write_bytes(content)
    from openpyxl import load_workbook

    book = load_workbook(changed)
    book["settings"]["B2"] = "2099010101"  # a new version of the same form
    book.save(changed)
    from interviewer.services.common import SYSTEM

    published = context.questionnaires.publish(SYSTEM, changed, "Post-call CSAT")
    assert published.new_version
    with context.db.unit_of_work() as s:
        row = s.get(Interview, session.id)
        assert row is not None and row.questionnaire_version_id != published.version_id


def test_a_questionnaire_that_no_longer_loads_is_a_clear_refusal(context: AppContext,
                                                                 demo: DemoInfo) -> None:
    session = open_csat(context, demo)
    key = session.screen().questions[0].key
    session.answer(key, 4)
    from interviewer.storage.models import QuestionnaireVersion

    with context.db.unit_of_work() as s:
        row = s.get(Interview, session.id)
        assert row is not None
        version = s.get(QuestionnaireVersion, row.questionnaire_version_id)
        assert version is not None
        version.content = b"this is no longer a workbook"
        version.model_json = None  # as after an upgrade that changed the model
    anna = sign_in(context, demo, "anna")
    fresh = context.interviewing(anna)
    fresh.forms = type(context.forms)(context.db)  # as after a restart: nothing cached
    with pytest.raises(ServiceError, match=r"no longer loads.*answers are kept"):
        fresh.open(session.id)
    with context.db.unit_of_work() as s:
        kept = s.scalar(select(Answer.value).where(Answer.interview_id == session.id))
    assert kept == "4"


def test_the_log_names_no_respondent_and_no_answer(context: AppContext, demo: DemoInfo) -> None:
    from interviewer.context import setup_logging

    log_path = setup_logging(context.data_dir)
    session = open_csat(context, demo)
    key = session.screen().questions[0].key
    session.answer(key, 4)
    session.add_remark(key, "customer sounded upset")
    walk_to_end(session)
    session.complete()
    import logging

    for handler in logging.getLogger("interviewer").handlers:
        handler.flush()
    text = log_path.read_text(encoding="utf-8")
    assert "completed" in text  # the log is written...
    with context.db.unit_of_work() as s:
        from interviewer.storage.models import Case

        names = [c.respondent_name for c in s.scalars(select(Case))]
        phones = [c.phone for c in s.scalars(select(Case)) if c.phone]
    for secret in [*names, *phones, "customer sounded upset", "fine"]:
        assert secret not in text  # ...but holds nothing about respondents


@pytest.mark.parametrize("folder", ["post_call_csat", "journey_key_moments"])
def test_the_stored_model_is_the_form_exactly(folder: str) -> None:
    """Opening an interview reads the stored model instead of the workbook: it must be the
    same questionnaire, and a model of another version must be ignored."""
    from interviewer.questionnaire.xlsform import load_questionnaire
    from interviewer.services.questionnaires import _from_model, model_json

    original = load_questionnaire(QUESTIONNAIRES / folder / f"{folder}.xlsx")
    restored = _from_model(model_json(original))
    assert restored is not None and restored.questionnaire == original
    from interviewer.services.questionnaires import MODEL_VERSION

    older = model_json(original).replace(f'"model_version": {MODEL_VERSION}',
                                         f'"model_version": {MODEL_VERSION - 1}')
    assert _from_model(older) is None
    assert _from_model("{not json") is None


def test_a_completed_case_cannot_be_started_again(context: AppContext, demo: DemoInfo) -> None:
    session = open_csat(context, demo)
    walk_to_end(session)
    assert session.complete() == []
    anna = sign_in(context, demo, "anna")
    with context.db.unit_of_work() as s:
        row = s.get(Interview, session.id)
        assert row is not None and row.case_id is not None
        case_id = row.case_id
    with pytest.raises(ServiceError, match="already completed"):
        context.interviewing(anna).start(case_id)


def test_a_closed_interview_cannot_be_reopened_or_written(context: AppContext,
                                                          demo: DemoInfo) -> None:
    first = open_csat(context, demo)
    anna = sign_in(context, demo, "anna")
    stale = context.interviewing(anna).open(first.id)  # a second window on the same one
    walk_to_end(first)
    assert first.complete() == []
    key = stale.screen().questions[0].key
    before = stale.interview.find(key).value  # type: ignore[union-attr]
    with pytest.raises(ServiceError, match="closed elsewhere"):
        stale.answer(key, 1)
    assert stale.interview.find(key).value == before  # type: ignore[union-attr]
    for action in (stale.suspend, lambda: stale.add_remark(key, "late")):
        with pytest.raises(ServiceError, match="completed"):
            action()
    with pytest.raises(ServiceError, match="completed"):
        context.interviewing(anna).open(first.id)
    with context.db.unit_of_work() as s:
        row = s.get(Interview, first.id)
        assert row is not None and row.status == "completed"
        seqs = [e.seq for e in s.scalars(select(ParadataEvent).where(
            ParadataEvent.interview_id == first.id).order_by(ParadataEvent.seq))]
    assert seqs == list(range(1, len(seqs) + 1))  # two sessions, one unbroken sequence


def test_switching_language_keeps_what_was_typed(context: AppContext, demo: DemoInfo) -> None:
    from interviewer.ui import interview_actions as actions

    session = open_csat(context, demo)
    key = session.screen().questions[0].key
    step = actions.set_language(session, {key: "4"}, "Polski (pl)")
    assert step.screen.language == "Polski (pl)"
    assert step.screen.questions[0].value == "4"  # saved before the screen was rebuilt


def test_one_window_per_data_folder(tmp_path: Path) -> None:
    from interviewer.context import AlreadyOpen, WindowLock

    first = WindowLock(tmp_path)
    with pytest.raises(AlreadyOpen, match="already open"):
        WindowLock(tmp_path)
    first.release()
    WindowLock(tmp_path).release()  # free again once the first window is gone


def test_a_changed_choice_file_is_a_new_version(context: AppContext, tmp_path: Path) -> None:
    from interviewer.services.common import SYSTEM

    form = tmp_path / "cities.md"
    form.write_text("| survey |\n| | type | name | label |\n"
                    "| | select_one_from_file cities.csv | city | City |\n", encoding="utf-8")
    (tmp_path / "cities.csv").write_text("name,label\nwaw,Warsaw\n", encoding="utf-8")
    first = context.questionnaires.publish(SYSTEM, form, "Cities")
    assert not context.questionnaires.publish(SYSTEM, form, "Cities").new_version
    (tmp_path / "cities.csv").write_text("name,label\nwaw,Warsaw\nkrk,Krakow\n",
                                         encoding="utf-8")
    second = context.questionnaires.publish(SYSTEM, form, "Cities")
    assert second.new_version and second.version_id != first.version_id
    choices = context.forms.get(second.version_id).questionnaire.choices["cities.csv"]
    assert [c.name for c in choices.choices] == ["waw", "krk"]


def test_a_reassigned_case_cannot_be_reopened(context: AppContext, demo: DemoInfo) -> None:
    session = open_csat(context, demo)
    session.answer(session.screen().questions[0].key, 4)
    with context.db.unit_of_work() as s:
        row = s.get(Interview, session.id)
        assert row is not None
        for assignment in s.scalars(select(Assignment).where(
                Assignment.case_id == row.case_id)):
            assignment.active = False  # the supervisor moved the case to someone else
    with pytest.raises(PermissionDenied, match="no longer assigned"):
        context.interviewing(sign_in(context, demo, "anna")).open(session.id)


def test_resume_in_a_repeat_instance_added_but_not_answered(context: AppContext,
                                                            demo: DemoInfo,
                                                            tmp_path: Path) -> None:
    from interviewer.services.common import SYSTEM
    from interviewer.storage.models import Case

    form = tmp_path / "kids.md"
    form.write_text("| survey |\n| | type | name | label |\n| | begin repeat | child | Child |\n"
                    "| | text | cname | Name |\n| | end repeat | | |\n| | note | done | Done |\n",
                    encoding="utf-8")
    published = context.questionnaires.publish(SYSTEM, form, "Kids")
    anna = sign_in(context, demo, "anna")
    with context.db.unit_of_work() as s:
        case = Case(survey_id=published.survey_id, respondent_name="R")
        s.add(case)
        s.flush()
        s.add(Assignment(case_id=case.id, interviewer_id=anna.id))
        case_id = case.id
    service = context.interviewing(anna)
    session = service.open(service.start(case_id))
    session.answer(session.screen().questions[0].key, "Ann")
    assert session.next().screen.kind == "repeat_prompt"
    assert session.add_instance().questions[0].key == "child[2]/cname"
    session.suspend()
    resumed = context.interviewing(anna).open(session.id)
    assert resumed.screen().questions[0].key == "child[2]/cname"


def test_only_the_latest_rejections_comments_are_shown() -> None:
    from datetime import UTC, datetime

    from interviewer.services.interviewing import review_comments

    first, second = datetime(2026, 11, 1, 9, tzinfo=UTC), datetime(2026, 11, 2, 9, tzinfo=UTC)
    remarks = [("", "Check q1", first, True), ("q1", "Really?", first, True),
               ("q2", "my own note", second, False),  # the interviewer's: not a comment
               ("", "Now q3", second, True), ("q3", "Why skipped?", second, True)]
    assert review_comments(remarks) == {"": "Now q3", "q3": "Why skipped?"}
    assert review_comments(remarks[:2]) == {"": "Check q1", "q1": "Really?"}
    assert review_comments([("q2", "mine", first, False)]) == {}


def test_completion_clears_answers_the_interview_no_longer_asks(
        context: AppContext, demo: DemoInfo) -> None:
    session = open_csat(context, demo)
    assert session.answer("csat", 1) is None
    assert session.next().moved
    assert session.screen().questions[0].key == "low_reason"  # asked after a low score
    assert session.answer("low_reason", ["other"]) is None
    session.back()
    assert session.answer("csat", 5) is None  # low_reason is no longer asked
    walk_to_end(session)
    assert session.complete() == []
    with context.db.unit_of_work() as s:
        answers = {a.path: (a.value, a.special) for a in s.scalars(
            select(Answer).where(Answer.interview_id == session.id))}
        cleared = s.scalars(select(ParadataEvent).where(
            ParadataEvent.interview_id == session.id, ParadataEvent.kind == "clear")).all()
    # ODK submits only what is relevant at the end; the value stays in the paradata
    assert answers["low_reason"] == (None, None)
    assert answers["csat"] == ("5", None)
    assert [(e.path, e.detail["old"]) for e in cleared] == [("low_reason", "other")]
