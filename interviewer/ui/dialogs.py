"""Small dialogs. Each is reached through a classmethod (`ask`, `show`) that tests patch,
so no test ever runs a modal event loop."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


class RemarkDialog(QDialog):
    """F2: a remark on the current question (what the respondent said, a doubt)."""

    def __init__(self, question: str, current: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Remark")
        self.setObjectName("remarkDialog")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        label = QLabel(question, self)
        label.setWordWrap(True)
        label.setObjectName("dialogQuestion")
        layout.addWidget(label)
        self.text = QPlainTextEdit(self)
        self.text.setPlainText(current)
        self.text.setTabChangesFocus(True)
        self.text.setPlaceholderText("What should the reviewer know about this answer?")
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.text.setFocus()

    @classmethod
    def ask(cls, parent: QWidget | None, question: str, current: str = "") -> str | None:
        """The remark typed, or None when cancelled or left empty."""
        dialog = cls(question, current, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        text = dialog.text.toPlainText().strip()
        return text or None


class ErrorMessage:
    """A plain message box for what went wrong (never a trace: that goes to the log)."""

    @classmethod
    def show(cls, parent: QWidget | None, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text,
                          QMessageBox.StandardButton.Ok, parent)
        box.exec()


__all__ = ["ErrorMessage", "RemarkDialog"]
