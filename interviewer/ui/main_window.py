"""The one window of the app: sign in, then the home list, then an interview, stacked so
that nothing jumps around the interviewer's screen."""

from __future__ import annotations

import logging

from PySide6.QtCore import QSize
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QWidget

from interviewer.context import AppContext
from interviewer.services.common import CurrentUser
from interviewer.ui.home_window import HomeScreen
from interviewer.ui.interview_actions import Opened
from interviewer.ui.interview_window import InterviewScreen
from interviewer.ui.login_window import LoginScreen
from interviewer.ui.tasks import TaskRunner

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
        self.tasks = TaskRunner(self)
        self.login = LoginScreen(context.auth, self.tasks, self)
        self.home = HomeScreen(self.tasks, self)
        self.interview = InterviewScreen(self)
        self.stack = QStackedWidget(self)
        for screen in (self.login, self.home, self.interview):
            self.stack.addWidget(screen)
        self.setCentralWidget(self.stack)
        self.statusBar().setSizeGripEnabled(False)

        self.login.signed_in.connect(self._on_signed_in)
        self.home.interview_opened.connect(self._on_interview_opened)
        self.home.sign_out_requested.connect(self._on_sign_out_requested)
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

    def _on_interview_opened(self, opened: object) -> None:
        assert isinstance(opened, Opened)
        self.statusBar().clearMessage()
        self._show(self.interview)
        self.interview.start(opened)

    def _on_interview_closed(self, how: str) -> None:
        self._show(self.home)
        self.statusBar().showMessage(CLOSED_NOTICES.get(how, ""), 10_000)
        self.home.refresh()

    def _on_sign_out_requested(self) -> None:
        log.info("signed out")
        self.user = None
        self.setWindowTitle("Interviewer")
        self.home.clear()
        self._show(self.login)
        self.login.reset()

    def closeEvent(self, event: QCloseEvent) -> None:
        # answers are committed as they are confirmed; closing mid-interview suspends it
        self.interview.suspend_now()
        self.tasks.wait()
        super().closeEvent(event)


__all__ = ["MainWindow"]
