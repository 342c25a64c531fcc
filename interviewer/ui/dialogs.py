"""Small dialogs. Each is reached through a classmethod (`ask`, `show`) that tests patch,
so no test ever runs a modal event loop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QDateTime, QTimeZone
from PySide6.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


class QuestionTextDialog(QDialog):
    """A few words about one question: the interviewer's remark, a supervisor's comment."""

    def __init__(self, question: str, current: str, title: str, name: str,
                 placeholder: str, ok: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName(name)
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        label = QLabel(question, self)
        label.setWordWrap(True)
        label.setObjectName("dialogQuestion")
        layout.addWidget(label)
        self.text = QPlainTextEdit(self)
        self.text.setPlainText(current)
        self.text.setTabChangesFocus(True)
        self.text.setPlaceholderText(placeholder)
        layout.addWidget(self.text)
        # ok: the accepting button's own words; None: the platform's Save
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        if ok is None:
            buttons.addButton(QDialogButtonBox.StandardButton.Save)
        else:
            buttons.addButton(ok, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.text.setFocus()

    def typed(self) -> str | None:
        """The text (stripped) when accepted, None when cancelled."""
        if self.exec() != QDialog.DialogCode.Accepted:
            return None
        return self.text.toPlainText().strip()


class RemarkDialog(QuestionTextDialog):
    """F2: a remark on the current question (what the respondent said, a doubt)."""

    def __init__(self, question: str, current: str = "", parent: QWidget | None = None) -> None:
        super().__init__(question, current, "Remark", "remarkDialog",
                         "What should the reviewer know about this answer?", parent=parent)

    @classmethod
    def ask(cls, parent: QWidget | None, question: str, current: str = "") -> str | None:
        """The remark typed, or None when cancelled or left empty."""
        return cls(question, current, parent).typed() or None


class CallbackDialog(QDialog):
    """F4 on a telephone case: when to call again, in the respondent's time zone."""

    def __init__(self, zone: str, local_now: datetime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Book a callback")
        self.setObjectName("callbackDialog")
        self.setMinimumWidth(460)
        self.zone = zone
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"When should we call? Respondent's time ({zone}); it is "
                                f"{local_now:%a %d %b %H:%M} there now.", self))
        self.when = QDateTimeEdit(self)
        self.when.setObjectName("callbackWhen")
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("ddd dd MMM yyyy  HH:mm")
        self.when.setTimeZone(QTimeZone(zone.encode()))
        start = (local_now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        self.when.setDateTime(QDateTime.fromSecsSinceEpoch(int(start.timestamp()),
                                                           QTimeZone(zone.encode())))
        layout.addWidget(self.when)
        self.hard = QCheckBox("Firm appointment: I will call myself at this time", self)
        self.hard.setObjectName("callbackHard")
        layout.addWidget(self.hard)
        self.note = QPlainTextEdit(self)
        self.note.setTabChangesFocus(True)
        self.note.setPlaceholderText("Note for whoever calls (optional)")
        self.note.setMaximumHeight(80)
        layout.addWidget(self.note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.when.setFocus()

    def chosen(self) -> tuple[datetime, bool, str]:
        """The callback as a UTC-aware instant, whether it is firm, and the note."""
        seconds = self.when.dateTime().toSecsSinceEpoch()
        moment = datetime.fromtimestamp(seconds, UTC)
        return moment, self.hard.isChecked(), self.note.toPlainText().strip()

    @classmethod
    def ask(cls, parent: QWidget | None, zone: str,
            local_now: datetime) -> tuple[datetime, bool, str] | None:
        dialog = cls(zone, local_now, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.chosen()


class ErrorMessage:
    """A plain message box for what went wrong (never a trace: that goes to the log)."""

    @classmethod
    def show(cls, parent: QWidget | None, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text,
                          QMessageBox.StandardButton.Ok, parent)
        box.exec()


__all__ = ["CallbackDialog", "ErrorMessage", "QuestionTextDialog", "RemarkDialog"]
