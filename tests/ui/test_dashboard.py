"""The supervisors' dashboard on a real central (an SQLite file) holding a published CX
questionnaire (journey_key_moments: NPS, and CSAT and CES per journey stage) with 48
completed interviews: the figures the real ResultsService computes appear on screen,
alerts follow the targets, follow-ups close with a note, and refusals are one line."""

from __future__ import annotations

import random
import shutil
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCharts import QBarCategoryAxis
from PySide6.QtCore import QPoint, Qt, QThreadPool
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from interviewer.metrics import nps
from interviewer.metrics.targets import CxSettings, FollowUpRule
from interviewer.services.common import CurrentUser, ServiceError
from interviewer.services.questionnaires import QuestionnaireService
from interviewer.services.results import (
    Alert,
    Cell,
    CxReport,
    Estimate,
    FieldworkProgress,
    FollowUpView,
    ResultsService,
    SurveyRef,
)
from interviewer.storage.central import open_central
from interviewer.storage.db import Database, sqlite_url
from interviewer.storage.ids import uuid7
from interviewer.storage.models import Answer, CallAttempt, Case, Interview, User
from interviewer.ui.dashboard_charts import NO_VALUE
from interviewer.ui.dashboard_results import ResultsTab, alert_text
from interviewer.ui.dashboard_tables import NoteDialog, percent
from interviewer.ui.dashboard_window import DashboardScreen
from interviewer.ui.tasks import TaskRunner
from tests.ui.test_screenshots import SHOTS, distinct_colours

QUESTIONNAIRES = Path(__file__).resolve().parents[2] / "questionnaires"
TIMEOUT = 10_000
NOWHERE = "postgresql+psycopg://nobody@127.0.0.1:9/nowhere"  # nothing listens on port 9
SURVEY = "Customer journey key moments"
EMPTY = "Agent callback CSAT"  # sorts first and has no interviews
SEGMENTS = ("consumer", "small business", "enterprise", "public sector")
TOUCHPOINTS = ("purchase", "onboarding", "billing", "support", "renewal")
STAGES = ("discovery", "purchase", "onboarding", "usage", "billing", "support", "renewal")
INTERVIEWERS = ("Anna", "Bartek", "Chen")
COMPLETES = 48
FIRST_DAY = datetime(2026, 9, 7, 10, 0, tzinfo=UTC)
SETTINGS = CxSettings(
    targets={"nps": 30, "csat": 80, "ces": 4},
    follow_up=[FollowUpRule(metric="nps", max=6, reason="Detractor (NPS 0-6)", priority=1)])


@dataclass(frozen=True)
class Central:
    path: Path  # the SQLite file
    survey_id: uuid.UUID
    supervisor: CurrentUser
    interviewer: CurrentUser
    nps_scores: list[int]


def _user(session: object, name: str, role: str) -> CurrentUser:
    user = CurrentUser(id=uuid7(), username=name.lower(), role=role,  # type: ignore[arg-type]
                       display_name=name)
    session.add(User(id=user.id, username=user.username,  # type: ignore[attr-defined]
                     role=role, display_name=name, password_hash="-"))
    return user


def _nps_score(rng: random.Random, segment: int) -> int:
    """Enterprise customers are happier, the public sector less so."""
    bias = (1, 0, 1, -2)[segment]
    return max(0, min(10, rng.choice((10, 10, 9, 9, 9, 8, 8, 7, 6, 5, 3)) + bias))


def build_central(path: Path) -> Central:
    """Two published surveys, one with 48 completed interviews (three months), 12 cases
    not done yet, call attempts (completes, refusals, no answers), and the CX settings."""
    db = open_central(sqlite_url(path))
    rng = random.Random(11)
    with db.unit_of_work() as s:
        admin = _user(s, "Admin", "admin")
        supervisor = _user(s, "Sue", "supervisor")
        interviewer = _user(s, "Ian", "interviewer")
        staff = [_user(s, name, "interviewer").id for name in INTERVIEWERS]
    forms = QuestionnaireService(db)
    forms.publish(admin, QUESTIONNAIRES / "post_call_csat" / "post_call_csat.xlsx", EMPTY,
                  "cati")
    published = forms.publish(
        admin, QUESTIONNAIRES / "journey_key_moments" / "journey_key_moments.xlsx", SURVEY)
    scores = []
    with db.unit_of_work() as s:
        for i in range(COMPLETES + 12):
            segment = i % len(SEGMENTS)
            case = Case(survey_id=published.survey_id, external_id=f"J{100 + i}",
                        respondent_name=f"Respondent {i}", phone=f"+4860000{i:04d}",
                        preload={"segment": SEGMENTS[segment],
                                 "touchpoint": TOUCHPOINTS[i % len(TOUCHPOINTS)]},
                        status="completed" if i < COMPLETES else ("new", "assigned")[i % 2])
            s.add(case)
            s.flush()
            who = staff[i % len(staff)]
            if i >= COMPLETES:
                s.add(CallAttempt(case_id=case.id, survey_id=published.survey_id,
                                  interviewer_id=who, started_at=FIRST_DAY,
                                  ended_at=FIRST_DAY + timedelta(minutes=2),
                                  outcome="refusal" if i % 3 else "no_answer",
                                  disposition="2.112" if i % 3 else "3.13"))
                continue
            done = FIRST_DAY + timedelta(days=(i // 3) * 4 + i % 3 // 2, hours=i % 7)
            interview = Interview(
                case_id=case.id, survey_id=published.survey_id,
                questionnaire_version_id=published.version_id, interviewer_id=who,
                status="approved" if i % 5 == 0 else "completed",
                started_at=done - timedelta(minutes=9 + i % 13), completed_at=done)
            s.add(interview)
            s.flush()
            s.add(CallAttempt(case_id=case.id, survey_id=published.survey_id,
                              interviewer_id=who, interview_id=interview.id, started_at=done,
                              outcome="complete", disposition="1.1"))
            score = _nps_score(rng, segment)
            scores.append(score)
            stages = rng.sample(STAGES, 2)
            answers = {"nps": str(score), "touchpoints": " ".join(stages)}
            for k, _ in enumerate(stages, start=1):
                answers[f"tp[{k}]/tp_sat"] = str(rng.choice((5, 5, 4, 4, 4, 3, 2)))
                answers[f"tp[{k}]/tp_effort"] = str(rng.choice((5, 4, 4, 3, 2)))
            for answer_path, value in answers.items():
                s.add(Answer(interview_id=interview.id, question=answer_path.split("/")[-1],
                             path=answer_path, value=value))
    ResultsService(db, supervisor).save_settings(published.survey_id, SETTINGS)
    db.dispose()
    return Central(path, published.survey_id, supervisor, interviewer, scores)


@pytest.fixture(scope="module")
def central_template(tmp_path_factory: pytest.TempPathFactory) -> Central:
    return build_central(tmp_path_factory.mktemp("dashboard") / "central.sqlite")


@pytest.fixture
def central(central_template: Central, tmp_path: Path) -> Iterator[tuple[Central, Database]]:
    """A private copy of the central file for one test."""
    path = tmp_path / "central.sqlite"
    shutil.copy(central_template.path, path)
    db = open_central(sqlite_url(path), migrate=False)
    yield central_template, db
    QThreadPool.globalInstance().waitForDone(10_000)
    db.dispose()


@pytest.fixture
def screen(styled_app: QApplication, qtbot: QtBot) -> Iterator[DashboardScreen]:
    tasks = TaskRunner()
    dashboard = DashboardScreen(tasks)
    qtbot.addWidget(dashboard)
    dashboard.resize(1280, 800)
    dashboard.show()
    qtbot.waitExposed(dashboard)
    yield dashboard
    dashboard.clear()
    tasks.wait()


def open_results(qtbot: QtBot, screen: DashboardScreen, service: ResultsService) -> None:
    with qtbot.waitSignal(screen.loaded, timeout=TIMEOUT):
        screen.set_service(service)


def refresh(qtbot: QtBot, screen: DashboardScreen) -> None:
    with qtbot.waitSignal(screen.loaded, timeout=TIMEOUT):
        qtbot.keyClick(screen.survey, Qt.Key.Key_F5)


def scroll_to(screen: DashboardScreen, widget: QWidget) -> None:
    """The Results tab scrolled so that `widget` (a chart) starts at its top."""
    QApplication.processEvents()  # the layout first: the scroll range follows it
    top = widget.mapTo(screen.results.widget(), QPoint(0, 0)).y()
    screen.results.verticalScrollBar().setValue(top - 8)


def shot(widget: QWidget, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"dashboard_{name}.png"
    for _ in range(3):  # layout requests post further ones (scroll area, then charts)
        QApplication.processEvents()
    assert widget.grab().save(str(path), "PNG")
    assert distinct_colours(path) > 8, f"{path} looks blank"
    return path


def test_the_results_fieldwork_and_interviewers_show_what_central_holds(
        qtbot: QtBot, screen: DashboardScreen, central: tuple[Central, Database]) -> None:
    data, db = central
    service = ResultsService(db, data.supervisor)
    open_results(qtbot, screen, service)
    # the survey with interviews is picked, not the empty one listed before it
    assert screen.current_survey() == data.survey_id
    assert screen.survey.count() == 2
    assert screen.refreshed.text().startswith("Refreshed ")

    expected = nps(data.nps_scores)
    assert expected.score is not None and expected.low is not None \
        and expected.high is not None
    card = screen.results.card("nps")
    assert card is not None
    assert card.score.text() == f"{expected.score:.0f}"
    between = " to " if expected.low < 0 else NO_VALUE  # en dash; not after a minus
    assert card.interval.text() == \
        f"95% CI {expected.low:.0f}{between}{expected.high:.0f}"
    assert card.n.text() == f"n = {COMPLETES}"
    assert card.status.text() == "Worse than target · target 30"
    assert {c.estimate.metric for c in screen.results.cards} == {"nps", "csat", "ces"}
    assert screen.results.empty.isHidden()

    # one bar per cell the service returned, for the question picked
    report = service.cx(data.survey_id)
    charts = screen.results.charts
    picked = screen.results.question.currentData()
    assert picked == "tp_sat"  # the questionnaire's first metric question
    assert charts["touchpoint"].chart().title() == "CSAT by touchpoint"
    stages = [c for c in report.by_touchpoint
              if any(e.question == "tp_sat" for e in c.estimates)]
    assert len(stages) >= 5
    assert [s.count() for s in charts["touchpoint"].bar_sets()] == [len(stages)]
    shot(screen, "results")
    scroll_to(screen, charts["segment"])
    shot(screen, "results_charts_csat")  # seven journey stages, each labelled in full
    screen.results.question.setCurrentIndex(screen.results.question.findData("nps"))
    assert [charts[k].chart().title() for k in ("wave", "trend", "segment")] == [
        "NPS by wave", "NPS trend by wave", "NPS by segment"]
    assert [s.count() for s in charts["segment"].bar_sets()] == [len(report.by_segment)]
    assert len(report.by_segment) == len(SEGMENTS)
    shown = charts["segment"].bar_sets()[0]
    scores = [next(e.score for e in c.estimates if e.question == "nps")
              for c in report.by_segment]
    assert [shown.at(i) for i in reversed(range(shown.count()))] == scores  # first on top
    assert [s.count() for s in charts["wave"].bar_sets()] == [3]  # Sep, Oct, Nov 2026
    assert [c.key for c in report.by_wave] == ["2026-09", "2026-10", "2026-11"]
    scroll_to(screen, charts["touchpoint"])
    shot(screen, "results_charts_nps")

    screen.tabs.setCurrentWidget(screen.fieldwork)
    assert screen.fieldwork.summary.text().startswith(f"{COMPLETES + 12} cases · "
                                                      f"{COMPLETES} completed")
    assert screen.fieldwork.rate_text("RR1") == percent(report.rates["RR1"])
    assert screen.fieldwork.rate_text("REF1") == percent(report.rates["REF1"])
    assert screen.fieldwork.rate_text("RR1") != NO_VALUE
    shot(screen, "fieldwork")

    screen.tabs.setCurrentWidget(screen.interviewers)
    assert screen.interviewers.shown_names() == ["Anna", "Bartek", "Chen"]  # 16 each
    screen.interviewers.table.sortByColumn(6, Qt.SortOrder.DescendingOrder)
    stats = {s.name: s for s in service.productivity(data.survey_id)}
    ranked = sorted(stats, key=lambda n: -(stats[n].refusal_rate or 0))
    assert screen.interviewers.shown_names() == ranked
    shot(screen, "interviewers")

    # the other survey: no interviews yet, so no scores, no alerts, no follow-ups
    with qtbot.waitSignal(screen.loaded, timeout=TIMEOUT):
        screen.survey.setCurrentIndex(screen.survey.findText(EMPTY))
    assert screen.data is not None and screen.data.report.survey == EMPTY
    assert not screen.results.empty.isHidden() and screen.alert_lines() == []
    assert [c.status.text() for c in screen.results.cards] == ["No scores yet · no target"]
    assert screen.follow_ups.shown_ids() == [] and screen.interviewers.shown_names() == []

    # Esc goes back; the auto-refresh runs only while the screen is shown
    assert screen.auto.isActive()
    with qtbot.waitSignal(screen.back_requested, timeout=TIMEOUT):
        qtbot.keyClick(screen.survey, Qt.Key.Key_Escape)
    screen.hide()
    assert not screen.auto.isActive()


def test_an_alert_shows_while_the_score_is_below_its_target_and_the_report_saves(
        qtbot: QtBot, screen: DashboardScreen, central: tuple[Central, Database],
        tmp_path: Path) -> None:
    data, db = central
    service = ResultsService(db, data.supervisor)
    open_results(qtbot, screen, service)
    score = nps(data.nps_scores).score
    assert score is not None and score < 30
    assert f"NPS overall is {score:.0f} (target 30)" in screen.alert_lines()
    assert screen.alerts.isVisible()

    # the report of what is shown, as HTML and as PDF (paths given: no file dialog)
    for kind in ("html", "pdf"):
        path = tmp_path / f"report.{kind}"
        with qtbot.waitSignal(screen.saved, timeout=TIMEOUT):
            screen.save_report(kind, path)
        assert screen.message.text() == f"Report saved: {path}"
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert SURVEY in html and "<svg" in html
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    with qtbot.waitSignal(screen.failed, timeout=TIMEOUT):
        screen.save_report("html", tmp_path / "no such folder" / "report.html")
    assert screen.message.text().startswith("The report could not be saved: ")

    service.save_settings(data.survey_id, SETTINGS.model_copy(update={"targets": {"nps": -20}}))
    refresh(qtbot, screen)
    assert screen.alert_lines() == [] and screen.alerts.isHidden()
    card = screen.results.card("nps")
    assert card is not None and card.status.text() == "On target · target -20"


def test_closing_a_follow_up_takes_it_off_the_open_list(
        qtbot: QtBot, screen: DashboardScreen, central: tuple[Central, Database],
        monkeypatch: pytest.MonkeyPatch) -> None:
    data, db = central
    service = ResultsService(db, data.supervisor)
    open_results(qtbot, screen, service)
    tab = screen.follow_ups
    detractors = sum(1 for s in data.nps_scores if s <= 6)
    assert len(tab.shown_ids()) == detractors > 0
    assert screen.tabs.tabText(3) == f"Follow-ups ({detractors})"
    screen.tabs.setCurrentWidget(tab)
    first = tab.model.row(0)
    assert tab.select(first.id) and tab.close_button.isEnabled()
    shot(screen, "follow_ups")

    # the note is required: the dialog's button waits for one
    dialog = NoteDialog(first, screen)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.text.setPlainText("Called back")
    assert ok.isEnabled()
    dialog.deleteLater()

    asked: list[FollowUpView] = []
    monkeypatch.setattr(NoteDialog, "ask", classmethod(
        lambda cls, parent, follow_up: asked.append(follow_up) or "Called back, sorted"))
    with qtbot.waitSignal(screen.loaded, timeout=TIMEOUT):
        qtbot.mouseClick(tab.close_button, Qt.MouseButton.LeftButton)
    assert [f.id for f in asked] == [first.id]
    assert first.id not in tab.shown_ids()
    assert len(tab.shown_ids()) == detractors - 1
    assert tab.summary.text() == f"{detractors - 1} open · 1 closed"

    with qtbot.waitSignal(screen.loaded, timeout=TIMEOUT):
        tab.show_closed.setChecked(True)
    closed = [f for f in tab.model.rows() if f.id == first.id]
    assert [(f.status, f.note) for f in closed] == [("closed", "Called back, sorted")]
    assert tab.select(first.id) and not tab.close_button.isEnabled()


def test_refusals_and_an_unreachable_central_are_one_line(
        qtbot: QtBot, screen: DashboardScreen, central: tuple[Central, Database]) -> None:
    data, db = central
    with qtbot.waitSignal(screen.failed, timeout=TIMEOUT) as failed:
        screen.set_service(ResultsService(db, data.interviewer))
    assert failed.args is not None
    text = screen.message.text()
    assert text.startswith("Results are for supervisors and administrators only")
    assert "ian (interviewer)" in text and "Traceback" not in text
    assert screen.message.isVisible() and screen.survey.count() == 0
    assert not screen.auto.isActive()
    shot(screen, "permission")

    nowhere = Database(NOWHERE, label="central")  # central gone after it was opened
    try:
        with qtbot.waitSignal(screen.failed, timeout=TIMEOUT):
            screen.set_service(ResultsService(nowhere, data.supervisor))
    finally:
        nowhere.dispose()
    assert screen.message.text().startswith("The central database cannot be read now:")
    assert "\n" not in screen.message.text()
    assert screen.refresh_button.isEnabled()

    # made off the GUI thread: opening central fails on the screen, the same way
    with qtbot.waitSignal(screen.failed, timeout=TIMEOUT):
        screen.set_factory(lambda: ResultsService(open_central(NOWHERE), data.supervisor))
    assert screen.message.text().startswith("Could not reach the central database ")
    assert "INTERVIEWER_CENTRAL_URL" in screen.message.text()
    with qtbot.waitSignal(screen.loaded, timeout=TIMEOUT):
        screen.set_factory(lambda: ResultsService(db, data.supervisor))
    assert screen.message.isHidden() and screen.tabs.isVisible()


def _estimate(score: float, n: int = 100) -> Estimate:
    return Estimate(metric="nps", question="nps", label="Recommend?", score=score,
                    low=score - 5, high=score + 5, n=n, target=30,
                    status="ok" if score >= 30 else "below")


def _stub_report(survey_id: uuid.UUID, name: str, score: float) -> CxReport:
    waves = [Cell(dimension="wave", key=k, estimates=[_estimate(s, 40)])
             for k, s in (("W1", score), ("W2", score + 4), ("(outside waves)", 90))]
    alerts = [Alert(metric="nps", question="nps", dimension="wave", key="W1", score=score,
                    target=score + 10, message="x")]
    return CxReport(survey_id=survey_id, survey=name, generated_at=datetime.now(UTC),
                    interviews=100, overall=[_estimate(score)], by_wave=waves,
                    by_touchpoint=[], by_segment=[], alerts=alerts, follow_ups_open=0,
                    follow_ups_closed=0, rates={})


class SwitchStub:
    """Two surveys; A's cx waits for `gate`; those in `failing` raise."""

    A, B = uuid.UUID(int=1), uuid.UUID(int=2)

    def __init__(self, failing: set[uuid.UUID]) -> None:
        self.failing, self.gate = failing, threading.Event()
        self.calls: list[uuid.UUID] = []

    def surveys(self) -> list[SurveyRef]:
        return [SurveyRef(id=self.A, name="A survey", mode="capi"),
                SurveyRef(id=self.B, name="B survey", mode="capi")]

    def fieldwork(self, survey_id: uuid.UUID) -> FieldworkProgress:
        return FieldworkProgress(survey="x", cases=1, completes=1, cases_by_status={},
                                 completes_per_day=[])

    def productivity(self, survey_id: uuid.UUID) -> list[object]:
        return []

    def follow_ups(self, survey_id: uuid.UUID, status: str | None) -> list[object]:
        return []

    def cx(self, survey_id: uuid.UUID) -> CxReport:
        self.calls.append(survey_id)
        name = "A" if survey_id == self.A else "B"
        if survey_id == self.A:
            self.gate.wait(5)
        if survey_id in self.failing:
            raise ServiceError(f"The CX settings of survey '{name}' are wrong")
        return _stub_report(survey_id, f"{name} survey", 50 if name == "A" else 20)


def _cards(screen: DashboardScreen) -> list[str]:
    return [c.score.text() for c in screen.results.cards]


def test_a_quick_survey_switch_shows_nothing_of_the_survey_left(
        qtbot: QtBot, screen: DashboardScreen) -> None:
    # A's refresh fails after the switch to B: its error is not B's, and B loads
    stub = SwitchStub({SwitchStub.A})
    screen.set_service(stub)  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: stub.calls == [SwitchStub.A], timeout=TIMEOUT)
    screen.survey.setCurrentIndex(screen.survey.findData(SwitchStub.B))
    assert screen.refreshed.text() == "Loading…"
    stub.gate.set()
    qtbot.waitUntil(lambda: screen.data is not None, timeout=TIMEOUT)
    assert screen.data is not None and screen.data.survey_id == SwitchStub.B
    assert _cards(screen) == ["20"] and screen.message.isHidden()
    assert stub.calls == [SwitchStub.A, SwitchStub.B]

    # B's refresh fails after A was shown: none of A's figures stay under B's name
    stub = SwitchStub({SwitchStub.B})
    stub.gate.set()
    with qtbot.waitSignal(screen.loaded, timeout=TIMEOUT):
        screen.set_service(stub)  # type: ignore[arg-type]
    assert _cards(screen) == ["50"] and screen.alert_lines() == ["NPS in wave W1 is 50 "
                                                                 "(target 60)"]
    trend = screen.results.charts["trend"].chart().axes(Qt.Orientation.Horizontal)[0]
    assert isinstance(trend, QBarCategoryAxis) and trend.categories() == ["W1", "W2"]  # "(outside waves)" is no next wave
    wave = screen.results.charts["wave"].chart().axes(Qt.Orientation.Vertical)[0]
    assert isinstance(wave, QBarCategoryAxis) and any(c.startswith("(outside waves)") for c in wave.categories())
    with qtbot.waitSignal(screen.failed, timeout=TIMEOUT):
        screen.survey.setCurrentIndex(screen.survey.findData(SwitchStub.B))
    assert screen.message.text() == "The CX settings of survey 'B' are wrong"
    assert _cards(screen) == [] and screen.alerts.isHidden()
    assert screen.results.charts["trend"].chart().series() == []
    assert screen.interviewers.shown_names() == [] and screen.follow_ups.shown_ids() == []


def test_alert_and_status_words_hold_whatever_the_direction(styled_app: QApplication) -> None:
    def line(metric: str, score: float, target: float) -> str:
        alert = Alert(metric=metric, question=metric, dimension="all", key="all",
                      score=score, target=target, message="")
        return alert_text(alert, {})

    assert line("nps", 29.6, 30) == "NPS overall is 29.6 (target 30.0)"
    assert line("ces", 5.69, 5.7) == "CES overall is 5.69 (target 5.70)"
    assert line("nps", 12, 30) == "NPS overall is 12 (target 30)"
    tab = ResultsTab()
    try:
        tab.show_report(_stub_report(SwitchStub.A, "A", 20))
        assert tab.cards[0].status.text() == "Worse than target · target 30"
    finally:
        tab.deleteLater()
