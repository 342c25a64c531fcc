"""The demo's completed interviews of past waves: plausible enough for review, the
dashboards and exports (each passes the questionnaire's own checks), on central."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from interviewer.context import AppContext, build_context
from interviewer.demo import HISTORY, WAVES, DemoInfo, create_demo
from interviewer.questionnaire.engine import Interview
from interviewer.storage.models import Answer, CallAttempt, ParadataEvent, Survey
from interviewer.storage.models import Interview as InterviewRow


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AppContext, DemoInfo]]:
    context = build_context(tmp_path_factory.mktemp("demo") / "data")
    info = create_demo(context, history=True)
    yield context, info
    context.close()


def test_every_survey_gets_its_interviews_in_every_wave(
        made: tuple[AppContext, DemoInfo]) -> None:
    context, info = made
    assert info.completed == sum(count for count, _ in HISTORY)
    with context.central().unit_of_work() as session:
        rows = session.execute(select(Survey.name, InterviewRow.status,
                                      InterviewRow.completed_at)
                               .join(Survey, Survey.id == InterviewRow.survey_id)).all()
        settings = {s.name: s.settings for s in session.scalars(select(Survey))}
    per_survey = Counter(name for name, _, _ in rows)
    assert sorted(per_survey.values()) == sorted(count for count, _ in HISTORY)
    statuses = Counter(status for _, status, _ in rows)
    assert set(statuses) == {"approved", "completed"} and statuses["completed"] >= 100
    for wave in WAVES:
        inside = [at for _, _, at in rows if wave.start <= at.date() <= wave.end]
        assert len(inside) > 50, wave.name
    for name in per_survey:
        cx = settings[name]["cx"]
        assert [w["name"] for w in cx["waves"]] == [w.name for w in WAVES]
        assert cx["targets"] and cx["follow_up"]


def test_stored_answers_pass_the_questionnaire_checks(
        made: tuple[AppContext, DemoInfo]) -> None:
    context, _ = made
    central = context.central()
    with central.unit_of_work() as session:
        interviews = session.execute(select(InterviewRow.id,
                                            InterviewRow.questionnaire_version_id)).all()
        sample = random.Random(3).sample(interviews, 60)
        stored = {i: session.execute(select(Answer.path, Answer.value, Answer.special)
                                     .where(Answer.interview_id == i)).all()
                  for i, _ in sample}
    for interview_id, version_id in sample:
        interview = Interview(context.forms.get(version_id))
        for path, value, special in stored[interview_id]:
            node = interview.find(path, create=True)
            assert node is not None, path
            interview.put(node, value or "", special)
        interview.recompute_all()
        problems = [(n.key, interview.violation(n)) for n in interview.walk_items()]
        assert [p for p in problems if p[1] is not None] == []
        answered = {path for path, _, _ in stored[interview_id]}
        assert answered, "an interview without answers"


def test_paradata_and_calls_look_like_a_real_session(
        made: tuple[AppContext, DemoInfo]) -> None:
    context, _ = made
    with context.central().unit_of_work() as session:
        events = session.execute(select(ParadataEvent.interview_id, ParadataEvent.seq,
                                        ParadataEvent.kind)
                                 .order_by(ParadataEvent.interview_id,
                                           ParadataEvent.seq)).all()
        completes = session.scalar(select(func.count()).select_from(CallAttempt)
                                   .where(CallAttempt.disposition == "1.1"))
        phone_interviews = session.scalar(
            select(func.count()).select_from(InterviewRow)
            .join(Survey, Survey.id == InterviewRow.survey_id)
            .where(Survey.mode == "cati"))
    by_interview: dict[object, list[tuple[int, str]]] = {}
    for interview_id, seq, kind in events:
        by_interview.setdefault(interview_id, []).append((seq, kind))
    for sequence in by_interview.values():
        assert [seq for seq, _ in sequence] == list(range(1, len(sequence) + 1))
        assert sequence[0][1] == "enter" and sequence[-1][1] == "complete"
    assert completes == phone_interviews == HISTORY[-1][0]


def test_the_telephone_survey_has_refusals_and_non_contacts(
        made: tuple[AppContext, DemoInfo]) -> None:
    from interviewer.services.common import SYSTEM
    from interviewer.services.rates import RatesService

    context, info = made
    counts = RatesService(context.central()).counts(SYSTEM, info.surveys[-1])
    assert counts["I"] == HISTORY[-1][0]
    # never reached (3.13) and never called (3.11, the fresh sample) are of unknown
    # eligibility; a number not working is not eligible
    assert counts["R"] > 20 and counts["UH"] > 300 and counts["NE"] > 0
