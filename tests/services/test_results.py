"""CX results on a real central (SQLite file and PostgreSQL): scores against hand-counted
values, wave/touchpoint/segment assignment, alerts, follow-up cases, fieldwork and
productivity."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from interviewer.metrics import nps
from interviewer.metrics.targets import CxSettings, FollowUpRule, Wave
from interviewer.questionnaire.model import (
    Choice,
    ChoiceList,
    Question,
    Questionnaire,
    QuestionType,
    Repeat,
)
from interviewer.services.common import CurrentUser, PermissionDenied, ServiceError
from interviewer.services.questionnaires import QuestionnaireService, model_json
from interviewer.services.results import ResultsService
from interviewer.storage.central import open_central
from interviewer.storage.db import Database, sqlite_url
from interviewer.storage.ids import uuid7
from interviewer.storage.models import (
    Answer,
    AuditEntry,
    CallAttempt,
    Case,
    FollowUp,
    Interview,
    QuestionnaireVersion,
    Survey,
    User,
)

NOW = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)
MARCH_3 = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
MARCH_20 = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)
APRIL_2 = datetime(2026, 4, 2, 15, 0, tzinfo=UTC)
# the NPS answers of the 12 counted interviews: P = 10, 9, 9, 10; passives 8, 7;
# D = 6, 3, 0, 5; then a refusal and an empty answer, which are left out
NPS_ANSWERS: list[tuple[str | None, str | None]] = [
    ("10", None), ("9", None), ("9", None), ("8", None), ("7", None),
    ("6", None), ("3", None), ("0", None), ("10", None), ("5", None),
    (None, "refused"), ("", None)]
DAYS = [MARCH_3] * 5 + [MARCH_20] * 5 + [APRIL_2] * 2
ROOT = Path(__file__).resolve().parents[2]


def _fixed() -> datetime:
    return NOW


def _scale(name: str, top: int) -> ChoiceList:
    return ChoiceList(name=name, choices=tuple(
        Choice(name=str(n), label={"default": str(n)}) for n in range(1, top + 1)))


def _form() -> Questionnaire:
    tp = Repeat(name="tp", children=(
        Question(name="tp_code", type=QuestionType.CALCULATE,
                 calculation="selected-at(${touchpoints}, position(..)-1)"),
        Question(name="tp_sat", type=QuestionType.SELECT_ONE, list_name="sat5",
                 cx_metric="csat", touchpoint="dynamic", label={"default": "Stage ${tp_code}"}),
    ))
    return Questionnaire(
        form_id="cx_test", root_name="data", title="CX test", default_language="default",
        languages=("default",), choices={"sat5": _scale("sat5", 5), "ease7": _scale("ease7", 7),
                                         "stages": _scale("stages", 2)},
        children=(
            Question(name="nps", type=QuestionType.INTEGER, cx_metric="nps",
                     label={"default": "Recommend?"}),
            Question(name="csat", type=QuestionType.SELECT_ONE, list_name="sat5",
                     cx_metric="csat", touchpoint="support", label={"default": "Satisfied?"}),
            Question(name="ces", type=QuestionType.SELECT_ONE, list_name="ease7",
                     cx_metric="ces", label={"default": "Easy?"}),
            Question(name="touchpoints", type=QuestionType.SELECT_MULTIPLE,
                     list_name="stages"),
            tp))


SETTINGS = CxSettings(
    waves=[Wave(name="W1", start=date(2026, 3, 1), end=date(2026, 3, 15)),
           Wave(name="W2", start=date(2026, 3, 16), end=date(2026, 3, 31))],
    targets={"nps": 20, "csat": 80, "ces": 5},
    follow_up=[FollowUpRule(metric="nps", max=6, reason="Detractor (NPS 0-6)", priority=1),
               FollowUpRule(metric="csat", question="csat", max=2, reason="Unsatisfied")])


@dataclass
class World:
    db: Database
    survey_id: uuid.UUID
    supervisor: CurrentUser
    interviewer: CurrentUser
    anna: uuid.UUID
    ben: uuid.UUID
    interviews: list[uuid.UUID]


def _user(session: object, name: str, role: str) -> CurrentUser:
    user = CurrentUser(id=uuid7(), username=name, role=role)  # type: ignore[arg-type]
    session.add(User(id=user.id, username=name, role=role,  # type: ignore[attr-defined]
                     display_name=name.title(), password_hash="-"))
    return user


def build(url: str) -> World:
    db = open_central(url)
    with db.unit_of_work() as s:
        sup, ian = _user(s, "sue", "supervisor"), _user(s, "ian", "interviewer")
        anna, ben = _user(s, "anna", "interviewer").id, _user(s, "ben", "interviewer").id
        s.flush()
        version = QuestionnaireVersion(form_id="cx_test", title="CX test", file_name="x.xlsx",
                                       content=b"-", sha256="1" * 64,
                                       model_json=model_json(_form()))
        s.add(version)
        s.flush()
        survey = Survey(name="CX Survey", mode="cati", questionnaire_version_id=version.id,
                        settings={"cx": SETTINGS.model_dump(mode="json")})
        s.add(survey)
        s.flush()
        ids = []
        for i, (value, special) in enumerate(NPS_ANSWERS):
            preload = {"touchpoint": "web"} if i != 11 else {}
            if i != 11:  # one case without a segment
                preload["segment"] = "gold" if i % 2 == 0 else "silver"
            case = Case(survey_id=survey.id, respondent_name=f"Resp {i}", phone=f"+4850000{i:04d}",
                        preload=preload, status="completed",
                        final_disposition="1.1")
            s.add(case)
            s.flush()
            minutes = 14 * 60 if i == 0 else (i + 1) * 5  # the first was suspended overnight
            interview = Interview(
                case_id=case.id, survey_id=survey.id, questionnaire_version_id=version.id,
                interviewer_id=anna if i < 6 else ben,
                status="approved" if i == 3 else "completed",
                started_at=DAYS[i] - timedelta(minutes=minutes), completed_at=DAYS[i])
            s.add(interview)
            s.flush()
            ids.append(interview.id)
            s.add(Answer(interview_id=interview.id, question="nps", path="nps", value=value,
                         special=special))
        # CSAT 5 4 2 1 5 + don't know: top-2-box 3 of 5; CES 7 6 3 4: mean 5
        for i, value in enumerate(["5", "4", "2", "1", "5", None]):
            s.add(Answer(interview_id=ids[i], question="csat", path="csat", value=value,
                         special=None if value else "dont_know"))
        for i, value in ((0, "7"), (1, "6"), (2, "3"), (11, "4")):
            s.add(Answer(interview_id=ids[i], question="ces", path="ces", value=value))
        s.add(Answer(interview_id=ids[0], question="touchpoints", path="touchpoints",
                     value="usage billing"))
        s.add(Answer(interview_id=ids[0], question="tp_sat", path="tp[1]/tp_sat", value="5"))
        s.add(Answer(interview_id=ids[0], question="tp_sat", path="tp[2]/tp_sat", value="1"))
        # not counted: in progress, rejected
        for status in ("in_progress", "rejected"):
            case = Case(survey_id=survey.id, respondent_name="x", status=status)
            s.add(case)
            s.flush()
            other = Interview(case_id=case.id, survey_id=survey.id,
                              questionnaire_version_id=version.id, interviewer_id=anna,
                              status=status, started_at=MARCH_3, completed_at=MARCH_3)
            s.add(other)
            s.flush()
            s.add(Answer(interview_id=other.id, question="nps", path="nps", value="0"))
        s.add(Case(survey_id=survey.id, respondent_name="y", status="new"))
        first_case = s.scalar(select(Interview.case_id).where(Interview.id == ids[0]))
        assert first_case is not None
        # Anna: two refusals and a 6-minute busy call; Ben: one break-off (not a refusal)
        for who, code, length in ((anna, "2.112", None), (anna, "2.112", None),
                                  (anna, "3.12", 6), (ben, "2.12", None)):
            s.add(CallAttempt(case_id=first_case, survey_id=survey.id, interviewer_id=who,
                              started_at=MARCH_3, outcome="x", disposition=code,
                              ended_at=MARCH_3 + timedelta(minutes=length) if length else None))
    return World(db, survey.id, sup, ian, anna, ben, ids)


@pytest.fixture
def world(any_url: str) -> World:
    w = build(any_url)
    yield w  # type: ignore[misc]
    w.db.dispose()


@pytest.fixture
def sqlite_world(tmp_path: Path) -> World:
    w = build(sqlite_url(tmp_path / "central.sqlite"))
    yield w  # type: ignore[misc]
    w.db.dispose()


def test_scores_match_hand_counts_and_leave_specials_out(world: World) -> None:
    report = ResultsService(world.db, world.supervisor, clock=_fixed).cx(world.survey_id)
    by_q = {e.question: e for e in report.overall}
    assert report.interviews == 12 and report.survey == "CX Survey"
    assert report.generated_at == NOW
    assert (by_q["nps"].n, by_q["nps"].score) == (10, 0.0)  # 4 P - 4 D of 10
    expected = nps([10, 9, 9, 8, 7, 6, 3, 0, 10, 5])
    assert (by_q["nps"].low, by_q["nps"].high) == pytest.approx((expected.low, expected.high))
    assert by_q["nps"].status == "below" and by_q["nps"].target == 20
    assert (by_q["csat"].n, by_q["csat"].score) == (5, pytest.approx(60.0))
    assert (by_q["ces"].n, by_q["ces"].score) == (4, pytest.approx(5.0))
    assert by_q["ces"].status == "ok" and by_q["nps"].label == "Recommend?"
    assert by_q["tp_sat"].label == "Stage [tp_code]"
    assert report.rates["RR1"] is not None


def test_wave_touchpoint_and_segment_assignment(world: World) -> None:
    report = ResultsService(world.db, world.supervisor, clock=_fixed).cx(world.survey_id)

    def nps_of(cells: list, key: str) -> tuple[int, float | None]:  # type: ignore[type-arg]
        cell = next(c for c in cells if c.key == key)
        found = next(e for e in cell.estimates if e.question == "nps")
        return found.n, found.score

    assert [c.key for c in report.by_wave] == ["W1", "W2", "(outside waves)"]
    assert nps_of(report.by_wave, "W1") == (5, 60.0)  # 10 9 9 8 7
    assert nps_of(report.by_wave, "W2") == (5, -60.0)  # 6 3 0 10 5
    assert [(e.question, e.n) for e in report.by_wave[2].estimates] == [("ces", 1)]
    # gold: 10 9 7 3 10 (i even, not 10), silver: 9 8 6 0 5
    assert nps_of(report.by_segment, "gold") == (5, 40.0)
    assert nps_of(report.by_segment, "silver") == (5, -40.0)
    assert "(none)" in [c.key for c in report.by_segment]
    tps = {c.key: {e.question: e.n for e in c.estimates} for c in report.by_touchpoint}
    assert tps["web"] == {"nps": 10, "ces": 3}  # the case's preload
    assert tps["(none)"] == {"ces": 1}  # case 11 has no touchpoint
    assert tps["support"] == {"csat": 5}  # the question's own touchpoint
    assert tps["usage"] == {"tp_sat": 1} and tps["billing"] == {"tp_sat": 1}  # dynamic


def test_alert_needs_enough_scores(sqlite_world: World) -> None:
    w = sqlite_world
    service = ResultsService(w.db, w.supervisor, clock=_fixed)
    assert service.cx(w.survey_id).alerts == []  # NPS 0 < 20, but n = 10 < 30
    service.save_settings(w.survey_id, SETTINGS.model_copy(update={"alert_min_n": 5}))
    assert service.settings(w.survey_id).alert_min_n == 5
    alerts = service.cx(w.survey_id).alerts
    shown = {(a.question, a.dimension, a.key) for a in alerts}
    # NPS 0 < 20 overall, at web (n 10), in W2 (-60) and silver (-40) (n 5 each); W1 (60)
    # and gold (40) are above it. CSAT 60 < 80 overall, in W1 and at support (n 5 each);
    # its segments have n 3 and 2, tp_sat n 2; CES 5.0 meets its target 5
    assert shown == {("nps", "all", "all"), ("nps", "touchpoint", "web"),
                     ("nps", "wave", "W2"), ("nps", "segment", "silver"),
                     ("csat", "all", "all"), ("csat", "wave", "W1"),
                     ("csat", "touchpoint", "support")}
    overall = next(a for a in alerts if a.dimension == "all" and a.question == "nps")
    assert (overall.score, overall.target) == (0.0, 20.0) and "below the target 20" in \
        overall.message
    with w.db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "cx_settings")) == 1


def test_follow_ups_once_and_closed_with_audit(world: World) -> None:
    service = ResultsService(world.db, world.supervisor, clock=_fixed)
    created = service.run_follow_ups(world.survey_id)
    # NPS 6, 3, 0, 5 (interviews 5, 6, 7, 9) and CSAT 2, 1 (interviews 2, 3)
    assert sorted((f.metric, f.score) for f in created) == [
        ("csat", 1.0), ("csat", 2.0), ("nps", 0.0), ("nps", 3.0), ("nps", 5.0), ("nps", 6.0)]
    assert service.run_follow_ups(world.survey_id) == []  # nothing twice
    assert ResultsService(world.db, world.supervisor).run_follow_ups(world.survey_id) == []
    report = service.cx(world.survey_id)
    assert (report.follow_ups_open, report.follow_ups_closed) == (6, 0)
    shown = service.follow_ups(world.survey_id)
    assert shown[0].priority == 1 and shown[0].reason == "Detractor (NPS 0-6)"
    by_interview = {f.interview_id: f for f in shown}
    assert by_interview[world.interviews[6]].respondent == "Resp 6"
    assert by_interview[world.interviews[6]].phone == "+48500000006"
    target = by_interview[world.interviews[6]]
    service.close_follow_up(target.id, "called back, solved")
    with pytest.raises(ServiceError, match="already closed"):
        service.close_follow_up(target.id, "again")
    closed = service.follow_ups(world.survey_id, status="closed")
    assert [(f.id, f.note, f.status) for f in closed] == [
        (target.id, "called back, solved", "closed")]
    assert len(service.follow_ups(world.survey_id, status=None)) == 6
    with world.db.unit_of_work() as s:
        audit = s.execute(select(AuditEntry.action, AuditEntry.actor_id, AuditEntry.entity_id)
                          .where(AuditEntry.entity == "follow_up")).all()
        row = s.get(FollowUp, target.id)
        assert row is not None and row.closed_by == world.supervisor.id
        assert row.closed_at == NOW
    assert (("follow_up_closed", world.supervisor.id, str(target.id)) in audit)
    assert sum(1 for a in audit if a[0] == "follow_up_created") == 6


@pytest.mark.postgres
def test_concurrent_runs_create_each_follow_up_once(pg_url: str) -> None:
    w = build(pg_url)
    results: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def run() -> None:
        db = Database(pg_url)
        try:
            start.wait()
            results.append(len(ResultsService(db, w.supervisor).run_follow_ups(w.survey_id)))
        except BaseException as e:  # reported below
            errors.append(e)
        finally:
            db.dispose()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == [0, 0, 6]
    with w.db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(FollowUp)) == 6
    w.db.dispose()


def test_fieldwork_progress(sqlite_world: World) -> None:
    w = sqlite_world
    progress = ResultsService(w.db, w.supervisor).fieldwork(w.survey_id)
    assert progress.cases == 15 and progress.completes == 12
    assert progress.cases_by_status == {"completed": 12, "in_progress": 1, "new": 1,
                                        "rejected": 1}
    assert [(d.day.isoformat(), d.completes) for d in progress.completes_per_day] == [
        ("2026-03-03", 5), ("2026-03-20", 5), ("2026-04-02", 2)]
    assert progress.final_by_category == {"I": 12}


def test_productivity_caps_long_interviews_and_counts_refusals(world: World) -> None:
    stats = {s.name: s for s in ResultsService(world.db, world.supervisor)
             .productivity(world.survey_id)}
    anna, ben = stats["Anna"], stats["Ben"]
    # Anna: 180 (14 h capped at 3 h) + 10 + 15 + 20 + 25 + 30 minutes + a 6-minute call
    assert anna.completes == 6 and anna.hours == pytest.approx(286 / 60, abs=1e-3)
    assert anna.median_minutes == pytest.approx(22.5)
    assert anna.completes_per_hour == pytest.approx(6 / (286 / 60), abs=1e-2)
    assert (anna.calls, anna.refusals, anna.refusal_rate) == (3, 2, pytest.approx(2 / 3))
    # Ben: 35 + 40 + ... + 60 minutes; his break-off is not a refusal
    assert ben.completes == 6 and ben.hours == pytest.approx(285 / 60, abs=1e-3)
    assert ben.median_minutes == pytest.approx(47.5)
    assert (ben.calls, ben.refusals, ben.refusal_rate) == (1, 0, 0.0)


def test_an_interviewer_is_refused(sqlite_world: World) -> None:
    w = sqlite_world
    service = ResultsService(w.db, w.interviewer)
    calls = [service.surveys, lambda: service.cx(w.survey_id),
             lambda: service.fieldwork(w.survey_id), lambda: service.productivity(w.survey_id),
             lambda: service.settings(w.survey_id),
             lambda: service.save_settings(w.survey_id, CxSettings()),
             lambda: service.run_follow_ups(w.survey_id),
             lambda: service.follow_ups(w.survey_id),
             lambda: service.close_follow_up(uuid.uuid4(), "x")]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    supervisor = ResultsService(w.db, w.supervisor)
    assert [s.name for s in supervisor.surveys()] == ["CX Survey"]


def test_a_real_journey_form_gets_touchpoints_per_instance(tmp_path: Path) -> None:
    """journey_key_moments: tp_sat's touchpoint is the stage its repeat instance is about."""
    from interviewer.services.common import SYSTEM
    db = open_central(sqlite_url(tmp_path / "c.sqlite"))
    try:
        published = QuestionnaireService(db).publish(
            SYSTEM, ROOT / "questionnaires/journey_key_moments/journey_key_moments.xlsx",
            "Journey")
        with db.unit_of_work() as s:
            user = User(username="ann", role="interviewer", password_hash="-")
            s.add(user)
            s.flush()
            interview = Interview(survey_id=published.survey_id, interviewer_id=user.id,
                                  questionnaire_version_id=published.version_id,
                                  status="completed", started_at=MARCH_3, completed_at=MARCH_3)
            s.add(interview)
            s.flush()
            for path, value in (("touchpoints", "purchase support"), ("tp[1]/tp_sat", "4"),
                                ("tp[2]/tp_sat", "2"), ("tp[2]/tp_effort", "1")):
                s.add(Answer(interview_id=interview.id, question=path.split("/")[-1],
                             path=path, value=value))
        report = ResultsService(db, SYSTEM).cx(published.survey_id)
    finally:
        db.dispose()
    cells = {c.key: {(e.question, e.score) for e in c.estimates} for c in report.by_touchpoint}
    assert cells == {"purchase": {("tp_sat", 100.0)},
                     "support": {("tp_sat", 0.0), ("tp_effort", 1.0)}}
    assert [c.key for c in report.by_wave] == ["2026-03"]  # no waves: the month
