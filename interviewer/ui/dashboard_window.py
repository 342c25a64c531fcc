"""The supervisors' dashboard: CX results against their targets with alerts, fieldwork
progress and AAPOR rates, interviewer productivity, and the follow-up cases (closed
loop) to close with a note.

Everything is read from central through ResultsService, off the GUI thread; a result
or a failure that arrives for another survey or after sign-out is dropped (the refresh
asked for meanwhile follows). F5 refreshes, and the screen refreshes itself every
minute while it is shown. Esc goes back.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import DBAPIError

from interviewer.reports.cx_html import render_html
from interviewer.services.common import PermissionDenied, ServiceError
from interviewer.services.results import (
    CxReport,
    FieldworkProgress,
    FollowUpView,
    InterviewerStats,
    ResultsService,
    SurveyRef,
)
from interviewer.storage.db import StorageError
from interviewer.ui.dashboard_results import ResultsTab, alert_text, repeated_metrics
from interviewer.ui.dashboard_tables import FieldworkTab, FollowUpsTab, InterviewersTab
from interviewer.ui.report_pdf import html_to_pdf
from interviewer.ui.tasks import TaskRunner, report_unexpected

log = logging.getLogger(__name__)

REFRESH_MS = 60_000  # while shown
ALERTS_IN_ONE_COLUMN = 3
SHOWN_ALERTS = 6


@dataclass(frozen=True)
class Loaded:
    """What one refresh brings back from central."""

    survey_id: uuid.UUID
    report: CxReport
    fieldwork: FieldworkProgress
    productivity: list[InterviewerStats]
    follow_ups: list[FollowUpView]


def load(service: ResultsService, survey_id: uuid.UUID, closed_too: bool) -> Loaded:
    """Runs on a worker thread. `cx` first: it runs the follow-up rules."""
    report = service.cx(survey_id)
    return Loaded(survey_id, report, service.fieldwork(survey_id),
                  service.productivity(survey_id),
                  service.follow_ups(survey_id, None if closed_too else "open"))


def first_with_data(service: ResultsService) -> tuple[list[SurveyRef], uuid.UUID | None]:
    """The surveys, and the first with completed interviews (else the first)."""
    surveys = service.surveys()
    for survey in surveys:
        if service.fieldwork(survey.id).completes:
            return surveys, survey.id
    return surveys, surveys[0].id if surveys else None


def problem_text(error: BaseException) -> str | None:
    """One line for a problem the user can act on; None for a bug."""
    if isinstance(error, PermissionDenied):
        return f"Results are for supervisors and administrators only ({error})."
    if isinstance(error, ServiceError | StorageError):
        return str(error)
    if isinstance(error, DBAPIError):  # central went away after it was opened
        reason = " ".join(str(error.orig).split())[:200] or type(error.orig).__name__
        return f"The central database cannot be read now: {reason}. Try again (F5)."
    if isinstance(error, OSError):  # saving a report
        return f"The report could not be saved: {error}"
    return None


def _now() -> datetime:
    """The local wall clock, for what the user reads."""
    return datetime.now(UTC).astimezone()


class DashboardScreen(QWidget):
    back_requested = Signal()
    loaded = Signal()  # a refresh is on screen
    failed = Signal(str)  # the one line shown
    saved = Signal(str)  # the report file written

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboardScreen")
        self._tasks = tasks
        self._service: ResultsService | None = None
        self._opening: object | None = None  # a service being made by set_factory
        self._loading = False
        self._again = False  # asked to refresh while one was on its way
        self.data: Loaded | None = None
        self.auto = QTimer(self)
        self.auto.setInterval(REFRESH_MS)
        self.auto.timeout.connect(self.refresh)

        self.title = QLabel("Dashboard", self)
        self.title.setObjectName("screenTitle")
        self.survey = QComboBox(self)
        self.survey.setObjectName("dashboardSurvey")
        self.survey.setAccessibleName("Survey")
        self.survey.setMinimumWidth(260)
        self.refreshed = QLabel("", self)
        self.refreshed.setObjectName("caption")
        self.refresh_button = QPushButton("Refresh   F5", self)
        self.back_button = QPushButton("Back   Esc", self)
        self.html_button = QPushButton("Save report as HTML…", self)
        self.html_button.setObjectName("saveHtml")
        self.pdf_button = QPushButton("as PDF…", self)
        self.pdf_button.setObjectName("savePdf")
        self.message = QLabel("", self)
        self.message.setObjectName("notice")
        self.message.setWordWrap(True)
        self.message.hide()
        self.alerts = QFrame(self)
        self.alerts.setObjectName("warningBox")
        self.alerts_grid = QGridLayout(self.alerts)
        self.alerts_grid.setContentsMargins(14, 8, 14, 8)
        self.alerts_grid.setHorizontalSpacing(28)
        self.alerts_grid.setVerticalSpacing(2)
        self.alert_labels: list[QLabel] = []
        self.more_alerts = QLabel("", self.alerts)
        self.more_alerts.setObjectName("warningText")
        self.alerts.hide()

        self.results = ResultsTab(self)
        self.fieldwork = FieldworkTab(self)
        self.interviewers = InterviewersTab(self)
        self.follow_ups = FollowUpsTab(self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("dashboardTabs")
        self.tabs.addTab(self.results, "Results")
        self.tabs.addTab(self.fieldwork, "Fieldwork")
        self.tabs.addTab(self.interviewers, "Interviewers")
        self.tabs.addTab(self.follow_ups, "Follow-ups")

        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addSpacing(12)
        top.addWidget(self.survey, 1)
        top.addWidget(self.refreshed)
        top.addWidget(self.refresh_button)
        top.addWidget(self.html_button)
        top.addWidget(self.pdf_button)
        top.addWidget(self.back_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 22, 28, 20)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.alerts)
        layout.addWidget(self.tabs, 1)
        layout.addStretch(0)  # holds the lines above at the top while the tabs are hidden

        self.survey.currentIndexChanged.connect(self._on_survey_changed)
        self.refresh_button.clicked.connect(self.refresh)
        self.back_button.clicked.connect(self.back_requested)
        self.html_button.clicked.connect(lambda: self.save_report("html"))
        self.pdf_button.clicked.connect(lambda: self.save_report("pdf"))
        self.follow_ups.close_requested.connect(self.close_follow_up)
        self.follow_ups.show_closed_changed.connect(lambda _: self.refresh())
        for key, slot in ((Qt.Key.Key_F5, self.refresh),
                          (Qt.Key.Key_Escape, self.back_requested.emit)):
            shortcut = QShortcut(QKeySequence(key), self, slot)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.tabs.hide()  # until there are results to show
        self._set_exports(False)

    # -- setting up --
    def set_service(self, service: ResultsService) -> None:
        """The signed-in supervisor's results: the surveys, then the first with data."""
        self.clear()
        self._service = service
        self.message.hide()
        self.refreshed.setText("Loading…")
        self._run(lambda: first_with_data(service), self._on_surveys)
        if self.isVisible():
            self.auto.start()
            self.survey.setFocus()  # the keys (Esc, F5) work at once, without a click

    def set_factory(self, factory: Callable[[], ResultsService]) -> None:
        """Like set_service, with the service made off the GUI thread (it opens central,
        which may be slow or down: that is then the one line on the screen)."""
        self.clear()
        opening = self._opening = object()
        self.refreshed.setText("Connecting…")

        def failed(error: BaseException) -> None:
            if opening is not self._opening:
                return
            self._opening = None
            text = problem_text(error)
            if text is None:
                report_unexpected(error)
                return
            self.refreshed.clear()
            self._say(text)
            self.failed.emit(text)

        self._tasks.run(factory, lambda service: self._on_opened(opening, service), failed)

    def _on_opened(self, opening: object, service: Any) -> None:
        if opening is self._opening:
            self._opening = None
            self.set_service(service)

    def clear(self) -> None:
        """Sign-out: nothing of the last user's results stays on screen."""
        self.auto.stop()
        self._opening = None
        self._service = None
        self._loading = self._again = False
        self.data = None
        self.survey.blockSignals(True)
        self.survey.clear()
        self.survey.blockSignals(False)
        self.refreshed.clear()
        self._show_nothing()
        self.tabs.setCurrentIndex(0)
        self.tabs.hide()  # until there are results to show
        self._set_exports(False)

    def _show_nothing(self) -> None:
        """No figures, no alerts, no message: none of them would be the survey's now."""
        self.message.hide()
        self.alerts.hide()
        self.results.clear()
        self.fieldwork.clear()
        self.interviewers.show_stats([])
        self.follow_ups.show_follow_ups([], 0, 0)
        self.tabs.setTabText(3, "Follow-ups")

    def _on_surveys(self, found: Any) -> None:
        surveys, chosen = found
        self.survey.blockSignals(True)
        self.survey.clear()
        for survey in surveys:
            self.survey.addItem(survey.name, survey.id)
        if chosen is not None:
            self.survey.setCurrentIndex(self.survey.findData(chosen))
        self.survey.blockSignals(False)
        if chosen is None:
            self.refreshed.clear()
            self._say("There is no survey yet.", error=False)
            return
        self.refresh()

    def _on_survey_changed(self) -> None:
        """Nothing of the survey shown before stays under this one's name, even should
        this one's refresh fail."""
        self.data = None
        self._set_exports(False)
        self._show_nothing()
        self.refreshed.setText("Loading…")
        self.refresh()

    def current_survey(self) -> uuid.UUID | None:
        chosen = self.survey.currentData()
        return chosen if isinstance(chosen, uuid.UUID) else None

    # -- refreshing --
    def refresh(self) -> None:
        service, survey_id = self._service, self.current_survey()
        if service is None or survey_id is None:
            return
        if self._loading:
            self._again = True
            return
        self._loading = True
        closed_too = self.follow_ups.show_closed.isChecked()
        self.refresh_button.setEnabled(False)
        self._run(lambda: load(service, survey_id, closed_too), self._on_loaded,
                  done_loading=True, survey_id=survey_id)

    def _on_loaded(self, loaded: Any) -> None:
        assert isinstance(loaded, Loaded)
        if loaded.survey_id != self.current_survey():
            return  # another survey was picked meanwhile: its refresh follows
        self.data = loaded
        report = loaded.report
        self.message.hide()
        self.tabs.show()
        self._show_alerts(report)
        self.results.show_report(report)
        self.fieldwork.show_progress(loaded.fieldwork, report.rates)
        self.interviewers.show_stats(loaded.productivity)
        self.follow_ups.show_follow_ups(loaded.follow_ups, report.follow_ups_open,
                                        report.follow_ups_closed)
        self.tabs.setTabText(3, f"Follow-ups ({report.follow_ups_open})")
        self.refreshed.setText(f"Refreshed {_now():%H:%M}")
        self._set_exports(True)
        self.loaded.emit()

    def _show_alerts(self, report: CxReport) -> None:
        """Each alert in plain words, overall ones first, in two columns when there are
        more than three; past SHOWN_ALERTS, one line says how many more (listed in its
        tooltip) so that the banner never pushes the results off the screen."""
        labels = repeated_metrics(report)
        lines = [(alert_text(alert, labels), alert.message) for alert in report.alerts]
        for label in self.alert_labels:
            self.alerts_grid.removeWidget(label)
            label.hide()
            label.deleteLater()
        self.alert_labels = []
        shown = lines[:SHOWN_ALERTS] if len(lines) > SHOWN_ALERTS + 1 else lines
        rows = len(shown) if len(shown) <= ALERTS_IN_ONE_COLUMN else (len(shown) + 1) // 2
        for i, (line, detail) in enumerate(shown):
            self.alert_labels.append(self._alert_label(f"⚠  {line}", detail))
            self.alerts_grid.addWidget(self.alert_labels[-1], i % rows, i // rows)
        rest = lines[len(shown):]
        self.more_alerts.setVisible(bool(rest))
        self.more_alerts.setText(f"…and {len(rest)} more below their targets "
                                 "(point here to list them)")
        self.more_alerts.setToolTip("\n".join(line for line, _ in rest))
        self.alerts_grid.addWidget(self.more_alerts, rows, 0, 1, 2)
        self.alerts.setVisible(bool(lines))

    def _alert_label(self, text: str, detail: str) -> QLabel:
        label = QLabel(text, self.alerts)
        label.setObjectName("warningText")
        label.setToolTip(detail)
        return label

    def alert_lines(self) -> list[str]:
        """The alerts on screen, one line each (none when the banner is hidden)."""
        if self.alerts.isHidden():
            return []
        return [label.text().removeprefix("⚠  ") for label in self.alert_labels]

    # -- follow-ups --
    def close_follow_up(self, follow_up_id: object, note: str) -> None:
        service = self._service
        if service is None or not isinstance(follow_up_id, uuid.UUID):
            return
        self._run(lambda: service.close_follow_up(follow_up_id, note),
                  lambda _: self.refresh())

    # -- reports --
    def save_report(self, kind: str, path: Path | None = None) -> None:
        """The report shown as one HTML file ("html") or a PDF ("pdf"); asks where
        unless `path` is given. Written off the GUI thread."""
        data = self.data
        if data is None:
            return
        if path is None:
            kinds = "HTML files (*.html)" if kind == "html" else "PDF files (*.pdf)"
            name = f"{data.report.survey} {_now():%Y-%m-%d}.{kind}"
            chosen, _ = QFileDialog.getSaveFileName(self, "Save the report", name, kinds)
            if not chosen:
                return
            path = Path(chosen)
        target = path

        def write() -> None:
            html = render_html(data.report, data.fieldwork, data.productivity)
            if kind == "html":
                target.write_text(html, encoding="utf-8")
            else:
                html_to_pdf(html, target)

        self._run(write, lambda _: self._on_saved(target))

    def _on_saved(self, path: Path) -> None:
        self._say(f"Report saved: {path}", error=False)
        self.saved.emit(str(path))

    # -- showing --
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._service is not None:
            self.auto.start()
            if self.data is not None:
                self.refresh()  # back on the screen: what changed meanwhile

    def hideEvent(self, event: QHideEvent) -> None:
        self.auto.stop()
        super().hideEvent(event)

    def _say(self, text: str, error: bool = True) -> None:
        self.message.setText(text)
        self.message.setProperty("error", error)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.show()

    def _set_exports(self, enabled: bool) -> None:
        self.html_button.setEnabled(enabled)
        self.pdf_button.setEnabled(enabled)

    def _run(self, work: Callable[[], Any], done: Callable[[Any], None], *,
             done_loading: bool = False, survey_id: uuid.UUID | None = None) -> None:
        """Off the GUI thread; what comes back for a previous user is dropped, and so is
        a failure of `survey_id` once another survey is picked."""
        service = self._service

        def finish() -> bool:
            if done_loading:
                self._loading = False
                self.refresh_button.setEnabled(True)
            return service is self._service and service is not None

        def pending() -> None:
            if done_loading and self._again and service is self._service:
                self._again = False
                self.refresh()

        def deliver(result: Any) -> None:
            if finish():
                done(result)
            pending()

        def failed(error: BaseException) -> None:
            if not finish():
                return
            if survey_id is not None and survey_id != self.current_survey():
                pending()  # another survey's failure: the one picked loads now
                return
            self._again = False
            text = problem_text(error)
            if text is None:
                self.auto.stop()  # a bug: not again every minute
                report_unexpected(error)
                return
            log.info("dashboard: %s", type(error).__name__)
            if isinstance(error, PermissionDenied):
                self.auto.stop()
            if not isinstance(error, OSError):  # what is shown is not from now
                self.refreshed.clear()
            self._say(text)
            self.failed.emit(text)

        self._tasks.run(work, deliver, failed)


__all__ = ["DashboardScreen", "Loaded", "first_with_data", "load", "problem_text"]
