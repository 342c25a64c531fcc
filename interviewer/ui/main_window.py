"""The one window of the app: sign in, then the home list, then an interview, stacked so
that nothing jumps around the interviewer's screen."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QWidget

from interviewer.context import AppContext, sync_minutes
from interviewer.services.common import CurrentUser, ServiceError
from interviewer.storage.db import StorageError
from interviewer.ui.cati_window import CatiScreen
from interviewer.ui.home_window import HomeScreen
from interviewer.ui.interview_actions import Opened
from interviewer.ui.interview_window import InterviewScreen
from interviewer.ui.login_window import LoginScreen
from interviewer.ui.tasks import TaskRunner, report_unexpected

if TYPE_CHECKING:
    from interviewer.ui.dashboard_window import DashboardScreen
    from interviewer.ui.review_window import ReviewScreen

log = logging.getLogger(__name__)

CLOSED_NOTICES = {
    "suspended": "Interview suspended: resume it from this list.",
    "completed": "Interview completed. Thank you!",
    "error": "The interview was closed after an error; its answers are saved. Resume it "
             "from this list.",
}


class MainWindow(QMainWindow):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("Interviewer")
        self.setMinimumSize(QSize(1024, 640))
        self.resize(1280, 720)
        self.context = context
        self.user: CurrentUser | None = None
        self._connecting = False  # to central, for the telephone queue
        self.tasks = TaskRunner(self)
        self.login = LoginScreen(context.auth, self.tasks, self)
        self.home = HomeScreen(self.tasks, self)
        self.interview = InterviewScreen(self)
        self.cati = CatiScreen(self.tasks, self)
        # the supervisors' screens are made on first use: interviewers never pay for
        # them (QtCharts, the results service) at start-up
        self._review: ReviewScreen | None = None
        self._dashboard: DashboardScreen | None = None
        self.stack = QStackedWidget(self)
        for screen in (self.login, self.home, self.interview, self.cati):
            self.stack.addWidget(screen)
        self.setCentralWidget(self.stack)
        self.statusBar().setSizeGripEnabled(False)

        self.login.signed_in.connect(self._on_signed_in)
        self.home.interview_opened.connect(self._on_interview_opened)
        self.home.sign_out_requested.connect(self._on_sign_out_requested)
        self.home.cati_requested.connect(self._on_cati_requested)
        self.cati.interview_opened.connect(self._on_interview_opened)
        self.cati.back_requested.connect(self._on_cati_left)
        self.home.review_requested.connect(
            lambda: self._open_central_screen(lambda: self.review, self.context.review))
        self.home.dashboard_requested.connect(
            lambda: self._open_central_screen(lambda: self.dashboard, self.context.results))
        self.interview.interview_closed.connect(self._on_interview_closed)
        self._show(self.login)
        self.login.reset()

    def _show(self, screen: QWidget) -> None:
        self.stack.setCurrentWidget(screen)

    def _on_signed_in(self, user: object) -> None:
        assert isinstance(user, CurrentUser)
        self.user = user
        self.setWindowTitle(f"Interviewer · {user.display_name or user.username}")
        self.statusBar().clearMessage()
        self._show(self.home)
        self.home.set_service(self.context.interviewing(user))
        self.home.sync.set_factory(lambda: self.context.sync(user), sync_minutes())

    def _on_interview_opened(self, opened: object) -> None:
        assert isinstance(opened, Opened)
        self.statusBar().clearMessage()
        self._show(self.interview)
        self.interview.start(opened)

    def _on_interview_closed(self, how: str) -> None:
        if self.cati.opened is not None:  # a telephone case: the call goes on there
            self._show(self.cati)
            self.cati.interview_closed(how)
            return
        self._show(self.home)
        self.statusBar().showMessage(CLOSED_NOTICES.get(how, ""), 10_000)
        self.home.refresh()

    def _on_cati_requested(self) -> None:
        user = self.user
        if user is None or self._connecting:
            return
        self._connecting = True
        self.statusBar().showMessage("Connecting to the telephone queue…")
        self.tasks.run(lambda: self.context.calling(user),
                       lambda calling: self._on_calling_ready(user, calling),
                       self._on_calling_failed)

    def _on_calling_ready(self, user: CurrentUser, calling: object) -> None:
        self._connecting = False
        if user is not self.user:
            return  # signed out meanwhile
        self.statusBar().clearMessage()
        self._show(self.cati)
        self.cati.set_services(calling, self.context.interviewing(user),  # type: ignore[arg-type]
                               self.context.forms)

    def _on_calling_failed(self, error: BaseException) -> None:
        self._connecting = False
        if isinstance(error, StorageError | ServiceError):
            self.statusBar().showMessage(str(error), 20_000)
            return
        report_unexpected(error)

    @property
    def review(self) -> ReviewScreen:
        if self._review is None:
            from interviewer.ui.review_window import ReviewScreen

            self._review = ReviewScreen(self.tasks, self)
            self._add_staff_screen(self._review)
        return self._review

    @property
    def dashboard(self) -> DashboardScreen:
        if self._dashboard is None:
            from interviewer.ui.dashboard_window import DashboardScreen

            self._dashboard = DashboardScreen(self.tasks, self)
            self._add_staff_screen(self._dashboard)
        return self._dashboard

    def _add_staff_screen(self, screen: ReviewScreen | DashboardScreen) -> None:
        self.stack.addWidget(screen)
        screen.back_requested.connect(self._on_cati_left)

    def _open_central_screen(self, screen: Callable[[], ReviewScreen | DashboardScreen],
                             factory: Callable[[CurrentUser], Any]) -> None:
        """A supervisor's screen over central, whose service is made off the GUI thread
        (opening central may wait on the network)."""
        user = self.user
        if user is None or self._connecting:
            return
        self._connecting = True
        self.statusBar().showMessage("Connecting to the central database…")
        self.tasks.run(lambda: factory(user),
                       lambda service: self._on_central_ready(user, screen, service),
                       self._on_calling_failed)

    def _on_central_ready(self, user: CurrentUser,
                          screen: Callable[[], ReviewScreen | DashboardScreen],
                          service: Any) -> None:
        self._connecting = False
        if user is not self.user:
            return  # signed out meanwhile
        self.statusBar().clearMessage()
        shown = screen()  # made here, on the GUI thread, the first time
        self._show(shown)
        shown.set_service(service)

    def _on_cati_left(self) -> None:
        self._show(self.home)
        self.home.refresh()

    def _on_sign_out_requested(self) -> None:
        log.info("signed out")
        self.cati.clear()
        for screen in (self._review, self._dashboard):
            if screen is not None:
                screen.clear()
        self.home.sync.set_factory(None)
        self.user = None
        self.setWindowTitle("Interviewer")
        self.home.clear()
        self._show(self.login)
        self.login.reset()

    def closeEvent(self, event: QCloseEvent) -> None:
        # answers are committed as they are confirmed; closing mid-interview suspends it
        self.interview.suspend_now()
        self.cati.clear()  # a held telephone case goes back to the queue now
        self.cati.wait()
        self.tasks.wait()
        super().closeEvent(event)


__all__ = ["MainWindow"]
