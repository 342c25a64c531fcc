"""The review screen's dialogs: a comment on a question, rejecting with a general comment,
and choosing who a case goes to. Each is reached through a classmethod `ask` that tests
patch, so no test runs a modal event loop."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from interviewer.services.review import Person


def _buttons(dialog: QDialog, ok: str) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, dialog)
    buttons.addButton(ok, QDialogButtonBox.ButtonRole.AcceptRole)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


class CommentDialog(QDialog):
    """C on an answer: what the interviewer should check there."""

    def __init__(self, question: str, current: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Comment on the question")
        self.setObjectName("commentDialog")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        label = QLabel(question, self)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.text = QPlainTextEdit(self)
        self.text.setPlainText(current)
        self.text.setTabChangesFocus(True)
        self.text.setPlaceholderText("What should the interviewer check here? "
                                     "(empty: no comment)")
        layout.addWidget(self.text)
        layout.addWidget(_buttons(self, "Keep comment"))
        self.text.setFocus()

    @classmethod
    def ask(cls, parent: QWidget | None, question: str, current: str = "") -> str | None:
        """The comment ("" removes it), or None when cancelled."""
        dialog = cls(question, current, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.text.toPlainText().strip()


class RejectDialog(QDialog):
    """Reject: the questions commented on, and the general comment (required)."""

    def __init__(self, commented: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reject the interview")
        self.setObjectName("rejectDialog")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        if commented:
            layout.addWidget(QLabel("It goes back to the interviewer with your comments "
                                    "on these questions:", self))
            listing = QListWidget(self)
            for question, comment in commented:
                QListWidgetItem(f"{question}  —  {comment}", listing)
            listing.setMaximumHeight(160)
            layout.addWidget(listing)
        else:
            layout.addWidget(QLabel("No question has a comment. Select an answer and "
                                    "press C to add one, or say it all here.", self))
        layout.addWidget(QLabel("Why is it rejected? (required)", self))
        self.text = QPlainTextEdit(self)
        self.text.setTabChangesFocus(True)
        layout.addWidget(self.text)
        self.buttons = _buttons(self, "Reject")
        layout.addWidget(self.buttons)
        self.text.setFocus()

    def accept(self) -> None:
        if self.text.toPlainText().strip():
            super().accept()

    @classmethod
    def ask(cls, parent: QWidget | None, commented: list[tuple[str, str]]) -> str | None:
        """The general comment, or None when cancelled."""
        dialog = cls(commented, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.text.toPlainText().strip()


class ReassignDialog(QDialog):
    """Reassign: the active interviewers to give the case to."""

    def __init__(self, people: list[Person], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reassign the case")
        self.setObjectName("reassignDialog")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Give the case, with its answers, to:", self))
        self.people = QListWidget(self)
        for person in people:
            item = QListWidgetItem(person.name, self.people)
            item.setData(Qt.ItemDataRole.UserRole, person.id)
        self.people.setCurrentRow(0)
        self.people.itemActivated.connect(lambda _: self.accept())
        layout.addWidget(self.people)
        layout.addWidget(_buttons(self, "Reassign"))
        self.people.setFocus()

    def chosen(self) -> uuid.UUID | None:
        item = self.people.currentItem()
        value = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return value if isinstance(value, uuid.UUID) else None

    @classmethod
    def ask(cls, parent: QWidget | None, people: list[Person]) -> uuid.UUID | None:
        dialog = cls(people, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.chosen()


__all__ = ["CommentDialog", "ReassignDialog", "RejectDialog"]
