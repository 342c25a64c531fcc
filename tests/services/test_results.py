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
from interviewer.services.results import Cell, Estimate, ResultsService, _alerts
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
    ParadataEvent,
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
    assert (overall.score, overall.target) == (0.0, 20.0) and "worse than the target 20" in \
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
    # Anna, no paradata: 180 (14 h capped at 3 h) + 10 + 15 + 20 + 25 + 30 minutes + a
    # 6-minute call
    assert anna.completes == 6 and anna.hours == pytest.approx(286 / 60, abs=1e-3)
    assert anna.median_minutes == pytest.approx(22.5)
    assert anna.completes_per_hour == pytest.approx(6 / (286 / 60), abs=1e-2)
    # 2 refusals per 2 refusals + 6 completes (the busy call reached nobody)
    assert (anna.calls, anna.refusals, anna.refusal_rate) == (3, 2, pytest.approx(2 / 8))
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


def _new_version(w: World, form: Questionnaire, digit: str) -> uuid.UUID:
    """Another version of the form, made the survey's current one."""
    with w.db.unit_of_work() as s:
        version = QuestionnaireVersion(form_id="cx_test", title=f"CX test {digit}",
                                       file_name=f"{digit}.xlsx", content=b"-",
                                       sha256=digit * 64, model_json=model_json(form))
        s.add(version)
        s.flush()
        survey = s.get(Survey, w.survey_id)
        assert survey is not None
        survey.questionnaire_version_id = version.id
        return version.id


def _interview_of(w: World, version: uuid.UUID, answers: dict[str, str]) -> None:
    with w.db.unit_of_work() as s:
        interview = Interview(survey_id=w.survey_id, questionnaire_version_id=version,
                              interviewer_id=w.ben, status="completed",
                              started_at=MARCH_20 - timedelta(minutes=9),
                              completed_at=MARCH_20)
        s.add(interview)
        s.flush()
        for path, value in answers.items():
            s.add(Answer(interview_id=interview.id, question=path, path=path, value=value))


def test_each_answer_is_judged_on_its_own_versions_scale(world: World) -> None:
    """v1 (CSAT 1-5, CES 1-7) holds the fixture's answers; v2 (CSAT 1-7, CES 1-5) is
    current and adds two interviews: CSAT pools top-2-box hits, CES gets an estimate
    per scale, and nothing raises on the v1 CES 7 that v2's scale would not allow."""
    w = world
    v1 = _form()
    v2 = _new_version(w, v1.model_copy(update={"choices": {
        **v1.choices, "sat5": _scale("sat5", 7), "ease7": _scale("ease7", 5)}}), "2")
    _interview_of(w, v2, {"csat": "7", "ces": "5"})
    _interview_of(w, v2, {"csat": "5", "ces": "3"})
    report = ResultsService(w.db, w.supervisor, clock=_fixed).cx(w.survey_id)
    csat = [e for e in report.overall if e.question == "csat"]
    # v1: 5 4 2 1 5 on 1-5 (3 hits), v2: 7 5 on 1-7 (1 hit): 4 of 7
    assert [(e.n, e.score, e.label) for e in csat] == [(7, pytest.approx(400 / 7),
                                                       "Satisfied?")]
    ces = [(e.label, e.scale, e.n, e.score, e.series) for e in report.overall
           if e.question == "ces"]
    assert ces == [("Easy? (1-5)", 5, 2, 4.0, "ces (1-5)"),
                   ("Easy? (1-7)", 7, 4, 5.0, "ces (1-7)")]
    w2 = next(c for c in report.by_wave if c.key == "W2")
    assert {(e.series, e.n) for e in w2.estimates if e.metric == "ces"} == {("ces (1-5)", 2)}
    alone = next(e for e in report.overall if e.question == "nps")
    assert alone.series == "nps" and alone.label == "Recommend?"


def test_a_rule_edit_recreates_no_follow_up(world: World) -> None:
    """Follow-ups are one per answer and metric whatever rules match: a rule put in
    front of the others (or one deleted) brings back none that was closed."""
    service = ResultsService(world.db, world.supervisor, clock=_fixed)
    for f in service.run_follow_ups(world.survey_id):
        service.close_follow_up(f.id, "called back")
    critical = FollowUpRule(metric="nps", max=3, reason="Critical", priority=1)
    effort = FollowUpRule(metric="ces", min=6, reason="High effort")
    service.save_settings(world.survey_id, SETTINGS.model_copy(
        update={"follow_up": [critical, effort, *SETTINGS.follow_up]}))
    again = service.run_follow_ups(world.survey_id)
    assert sorted((f.metric, f.score, f.reason) for f in again) == [
        ("ces", 6.0, "High effort"), ("ces", 7.0, "High effort")]
    every = service.follow_ups(world.survey_id, None)
    assert (len(every), sum(f.status == "closed" for f in every)) == (8, 6)


def test_the_most_urgent_matching_rule_names_a_new_follow_up(sqlite_world: World) -> None:
    w = sqlite_world
    service = ResultsService(w.db, w.supervisor, clock=_fixed)
    critical = FollowUpRule(metric="nps", max=3, reason="Critical", priority=1)
    detractor = FollowUpRule(metric="nps", max=6, reason="Detractor", priority=2)
    service.save_settings(w.survey_id, CxSettings(follow_up=[detractor, critical]))
    made = service.run_follow_ups(w.survey_id)
    assert sorted((f.score, f.reason, f.priority) for f in made) == [
        (0.0, "Critical", 1), (3.0, "Critical", 1), (5.0, "Detractor", 2),
        (6.0, "Detractor", 2)]
    with w.db.unit_of_work() as s:
        indexes = dict(s.execute(select(FollowUp.score, FollowUp.rule_index)).all())
    assert indexes == {0.0: 1, 3.0: 1, 5.0: 0, 6.0: 0}


def test_waves_and_days_are_the_respondents_local_days(world: World) -> None:
    """15 March 21:00 in New York is 16 March 01:00 UTC: wave W1 and day 15 March. A
    case without a time zone takes the survey's (cx.timezone); a wrong one too."""
    from zoneinfo import ZoneInfo
    w = world
    evening = datetime(2026, 3, 15, 21, 0, tzinfo=ZoneInfo("America/New_York"))
    late = datetime(2026, 3, 31, 20, 0, tzinfo=UTC)  # 1 April 05:00 in Tokyo
    with w.db.unit_of_work() as s:
        first = s.get(Interview, w.interviews[0])  # NPS 10
        second = s.get(Interview, w.interviews[5])  # NPS 6
        assert first is not None and second is not None
        case = s.get(Case, first.case_id)
        other = s.get(Case, second.case_id)
        assert case is not None and other is not None
        case.timezone, first.completed_at = "America/New_York", evening.astimezone(UTC)
        other.timezone, second.completed_at = "Nowhere/Atlantis", late
    service = ResultsService(w.db, w.supervisor, clock=_fixed)
    service.save_settings(w.survey_id, SETTINGS.model_copy(update={"timezone": "Asia/Tokyo"}))
    report = service.cx(w.survey_id)
    waves = {c.key: next((e.n for e in c.estimates if e.question == "nps"), 0)
             for c in report.by_wave}
    assert waves == {"W1": 5, "W2": 4, "(outside waves)": 1}
    days = [(d.day.isoformat(), d.completes)
            for d in service.fieldwork(w.survey_id).completes_per_day]
    # the others at 15:00 UTC: midnight in Tokyo, the next day there
    assert days == [("2026-03-04", 4), ("2026-03-15", 1), ("2026-03-21", 4),
                    ("2026-04-01", 1), ("2026-04-03", 2)]


def test_productivity_measures_working_time_and_refusals_per_decision(world: World) -> None:
    """Interview 0 lay suspended overnight: its paradata say it took 10 minutes. A
    break-off's call counts its time; no-answer dials change no refusal rate."""
    w = world
    start = DAYS[0] - timedelta(hours=14)
    with w.db.unit_of_work() as s:
        for seq, (kind, at) in enumerate((
                ("enter", start), ("answer", start + timedelta(minutes=3)),
                ("suspend", start + timedelta(minutes=4)),
                ("resume", DAYS[0] - timedelta(minutes=6)), ("answer", DAYS[0]),
                ("complete", DAYS[0]))):
            s.add(ParadataEvent(interview_id=w.interviews[0], seq=seq, kind=kind, at=at))
        broken = s.scalar(select(Interview).where(Interview.status == "in_progress"))
        assert broken is not None
        s.add(CallAttempt(case_id=broken.case_id, survey_id=w.survey_id,
                          interviewer_id=w.anna, interview_id=broken.id, started_at=MARCH_3,
                          ended_at=MARCH_3 + timedelta(minutes=12), outcome="x",
                          disposition="2.12"))
        for k in range(40):
            s.add(CallAttempt(case_id=broken.case_id, survey_id=w.survey_id,
                              interviewer_id=w.anna, started_at=APRIL_2, outcome="x",
                              disposition="3.13",
                              ended_at=APRIL_2 + timedelta(seconds=30 + k % 2)))
    anna = next(s for s in ResultsService(w.db, w.supervisor).productivity(w.survey_id)
                if s.name == "Anna")
    # 10 + 10 + 15 + 20 + 25 + 30 min of interviews, 6 + 12 min of calls, 40 dials of
    # 30.5 s on average (20 min 20 s)
    assert anna.hours == pytest.approx((110 + 18 + 20 + 1 / 3) / 60, abs=1e-3)
    assert anna.median_minutes == pytest.approx(17.5)
    # 2 refusals of 2 + 6 completes + 1 break-off: the 40 no-answers do not dilute it
    assert (anna.refusals, anna.refusal_rate) == (2, pytest.approx(2 / 9))


def test_alert_words_hold_whatever_the_direction_and_show_the_metrics_precision() -> None:
    def message(metric: str, score: float, target: float, settings: CxSettings) -> str:
        e = Estimate(metric=metric, question=metric, label="", score=score, low=None,
                     high=None, n=50, target=target, status="below")
        return _alerts(Cell(dimension="all", key="all", estimates=[e]), settings)[0].message

    lower = CxSettings(ces_higher_is_better=False, alert_min_n=1)
    assert message("ces", 3.4, 2.5, lower) == \
        "CES of ces overall: 3.40, worse than the target 2.50 (n=50)"
    higher = CxSettings(alert_min_n=1)
    assert message("ces", 5.69, 5.7, higher) == \
        "CES of ces overall: 5.69, worse than the target 5.70 (n=50)"
    assert message("nps", 12, 30, higher) == \
        "NPS of nps overall: 12, worse than the target 30 (n=50)"
    # rounded alike they would read as equal: one more decimal each
    assert message("nps", 29.6, 30, higher) == \
        "NPS of nps overall: 29.6, worse than the target 30.0 (n=50)"
    assert message("csat", 79.96, 80, higher) == \
        "CSAT of csat overall: 79.96, worse than the target 80.00 (n=50)"
