"""The review screen's dialogs: a comment on a question, rejecting with a general comment,
choosing who a case goes to, and settling a sync conflict. Each is reached through a
classmethod `ask` that tests patch, so no test runs a modal event loop."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from interviewer.services.review import ConflictView, Person
from interviewer.ui.dialogs import QuestionTextDialog


def _buttons(dialog: QDialog, ok: str) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, dialog)
    buttons.addButton(ok, QDialogButtonBox.ButtonRole.AcceptRole)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


class CommentDialog(QuestionTextDialog):
    """C on an answer: what the interviewer should check there."""

    def __init__(self, question: str, current: str = "", parent: QWidget | None = None) -> None:
        super().__init__(question, current, "Comment on the question", "commentDialog",
                         "What should the interviewer check here? (empty: no comment)",
                         ok="Keep comment", parent=parent)

    @classmethod
    def ask(cls, parent: QWidget | None, question: str, current: str = "") -> str | None:
        """The comment ("" removes it), or None when cancelled."""
        return cls(question, current, parent).typed()


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




class ConflictsDialog(QDialog):
    """The open sync conflicts: what differs between central's version and the one a
    device sent, and the choice of which stays."""

    def __init__(self, conflicts: list[ConflictView], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sync conflicts")
        self.setObjectName("conflictsDialog")
        self.resize(820, 560)
        self.conflicts = conflicts
        self.choice: tuple[uuid.UUID, str] | None = None
        layout = QVBoxLayout(self)
        intro = QLabel("A device sent a version of these interviews that central could not "
                       "take (the case was reassigned or decided meanwhile). Both versions "
                       "are kept until you choose.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.list = QListWidget(self)
        for conflict in conflicts:
            when = conflict.detected_at.astimezone().strftime("%Y-%m-%d %H:%M")
            self.list.addItem(f"{conflict.survey} · case {conflict.case} · sent by "
                              f"{conflict.interviewer}, held by {conflict.holder} · {when}")
        layout.addWidget(self.list, 1)
        self.reason = QLabel("", self)
        self.reason.setWordWrap(True)
        layout.addWidget(self.reason)
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels(["Question", "Central's version",
                                              "The device's version"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 2)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.keep_central = QPushButton("Keep central's version", self)
        self.take_device = QPushButton("Take the device's version", self)
        buttons.addButton(self.keep_central, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.take_device, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.keep_central.clicked.connect(lambda: self._choose("central"))
        self.take_device.clicked.connect(lambda: self._choose("device"))
        layout.addWidget(buttons)
        self.list.currentRowChanged.connect(self._show)
        self.list.setCurrentRow(0)
        self.list.setFocus()

    def _show(self, row: int) -> None:
        if not 0 <= row < len(self.conflicts):
            return
        conflict = self.conflicts[row]
        self.reason.setText(f"Why: {conflict.reason}. Status on central: "
                            f"{conflict.central_status}; on the device: "
                            f"{conflict.device_status or '?'}.")
        self.table.setRowCount(len(conflict.differences))
        for r, difference in enumerate(conflict.differences):
            for c, text in enumerate((difference.path, difference.central or "",
                                      difference.device or "")):
                self.table.setItem(r, c, QTableWidgetItem(text))

    def _choose(self, keep: str) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.conflicts):
            self.choice = (self.conflicts[row].id, keep)
            self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None, conflicts: list[ConflictView]
            ) -> tuple[uuid.UUID, str] | None:
        """(conflict id, "central" or "device"), or None when closed."""
        dialog = cls(conflicts, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.choice


__all__ = ["CommentDialog", "ConflictsDialog", "ReassignDialog", "RejectDialog"]
