"""Sign in: user name, password, Enter signs in. The password is checked off the GUI
thread (argon2 takes a moment), so the window stays responsive."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from interviewer.services.auth import AuthService
from interviewer.services.common import CurrentUser, ServiceError
from interviewer.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


class LoginScreen(QWidget):
    signed_in = Signal(object)  # CurrentUser
    sign_in_failed = Signal(str)

    def __init__(self, auth: AuthService, tasks: TaskRunner,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loginScreen")
        self._auth = auth
        self._tasks = tasks

        card = QFrame(self)
        card.setObjectName("loginCard")
        card.setFixedWidth(440)
        title = QLabel("Interviewer", card)
        title.setObjectName("appTitle")
        subtitle = QLabel("Sign in to start your interviews", card)
        subtitle.setObjectName("subtitle")
        self.username = QLineEdit(card)
        self.username.setObjectName("username")
        self.username.setPlaceholderText("User name")
        self.username.setAccessibleName("User name")
        self.password = QLineEdit(card)
        self.password.setObjectName("password")
        self.password.setPlaceholderText("Password")
        self.password.setAccessibleName("Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.sign_in_button = QPushButton("Sign in", card)
        self.sign_in_button.setObjectName("primary")
        self.sign_in_button.setAutoDefault(True)
        self.error = QLabel("", card)
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setMinimumHeight(24)

        user_label = QLabel("&User name", card)
        user_label.setBuddy(self.username)
        password_label = QLabel("&Password", card)
        password_label.setBuddy(self.password)

        form = QVBoxLayout(card)
        form.setContentsMargins(36, 32, 36, 28)
        form.setSpacing(8)
        form.addWidget(title)
        form.addWidget(subtitle)
        form.addSpacing(18)
        form.addWidget(user_label)
        form.addWidget(self.username)
        form.addSpacing(6)
        form.addWidget(password_label)
        form.addWidget(self.password)
        form.addSpacing(14)
        form.addWidget(self.sign_in_button)
        form.addWidget(self.error)

        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)

        self.username.returnPressed.connect(self._on_username_entered)
        self.password.returnPressed.connect(self._on_sign_in)
        self.sign_in_button.clicked.connect(self._on_sign_in)

    def reset(self) -> None:
        """Empty the form (after signing out) and put the cursor in the user name."""
        self.password.clear()
        self.error.clear()
        self._set_waiting(False)
        self.username.selectAll()
        self.username.setFocus()

    def _on_username_entered(self) -> None:
        if self.password.text():
            self._on_sign_in()
        else:
            self.password.setFocus()

    def _on_sign_in(self) -> None:
        if self._tasks.busy:
            return
        username, password = self.username.text().strip(), self.password.text()
        if not username or not password:
            self._show_error("Type your user name and password.")
            (self.username if not username else self.password).setFocus()
            return
        self.error.clear()
        self._set_waiting(True)
        auth = self._auth
        self._tasks.run(lambda: auth.login(username, password), self._on_signed_in,
                        self._on_failed)

    def _on_signed_in(self, user: object) -> None:
        assert isinstance(user, CurrentUser)
        log.info("signed in: user %s (%s)", user.id, user.role)
        self._set_waiting(False)
        self.password.clear()
        self.signed_in.emit(user)

    def _on_failed(self, error: BaseException) -> None:
        self._set_waiting(False)
        if not isinstance(error, ServiceError):
            log.error("sign-in failed unexpectedly", exc_info=error)
            self._show_error("Signing in failed because of an error; the details are in "
                             "the log. Try again, or ask your supervisor.")
            return
        self._show_error(str(error))
        self.password.clear()
        self.password.setFocus()

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.sign_in_failed.emit(message)

    def _set_waiting(self, waiting: bool) -> None:
        self.sign_in_button.setEnabled(not waiting)
        self.sign_in_button.setText("Signing in…" if waiting else "Sign in")
        self.username.setReadOnly(waiting)
        self.password.setReadOnly(waiting)


__all__ = ["LoginScreen"]
