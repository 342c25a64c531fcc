"""Qt table models of the review screen: the queue of interviews and the answers of the
one shown. They hold plain `ReviewItem`s and `AnswerDetail`s, never ORM rows."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from interviewer.services.review import AnswerDetail, ReviewItem
from interviewer.ui.work_list_model import local_time, status_label

Index = QModelIndex | QPersistentModelIndex
ITEM_ROLE = Qt.ItemDataRole.UserRole + 1  # the ReviewItem or AnswerDetail of a row

QUEUE_COLUMNS = ("Completed", "Case", "Interviewer", "Minutes", "Flags", "Answered",
                 "Don't know / refused", "Warnings", "Remarks", "Survey", "Status")
ANSWER_COLUMNS = ("Question", "Answer", "Special", "Remarks and comments", "Seconds",
                  "Checks")
QUESTION, ANSWER, SPECIAL, REMARKS, SECONDS, CHECKS = range(len(ANSWER_COLUMNS))
SPECIAL_LABELS = {"dont_know": "Don't know", "refused": "Refused"}


class _Rows(QAbstractTableModel):
    columns: tuple[str, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal
                and 0 <= section < len(self.columns)):
            return self.columns[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == ITEM_ROLE:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(row, index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(row, index.column())
        return None

    def text(self, row: Any, column: int) -> str:
        raise NotImplementedError

    def tooltip(self, row: Any, column: int) -> str | None:
        return None


class QueueModel(_Rows):
    columns = QUEUE_COLUMNS

    def set_items(self, items: list[ReviewItem]) -> None:
        self.beginResetModel()
        self._rows = list(items)
        self.endResetModel()

    def items(self) -> list[ReviewItem]:
        return list(self._rows)

    def row_of(self, interview_id: uuid.UUID) -> int:
        return next((n for n, item in enumerate(self._rows)
                     if item.interview_id == interview_id), -1)

    def remove(self, interview_id: uuid.UUID) -> None:
        row = self.row_of(interview_id)
        if row >= 0:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()

    def text(self, row: Any, column: int) -> str:
        item: ReviewItem = row
        minutes = "" if item.duration_minutes is None else f"{item.duration_minutes:g}"
        values = (local_time(item.completed_at), item.case, item.interviewer, minutes,
                  ", ".join(item.flags), str(item.answered),
                  str(item.dont_know + item.refused), str(item.warnings_confirmed),
                  str(item.remarks), item.survey, status_label(item.status))
        return values[column]


class AnswersModel(_Rows):
    """Every answer of the interview shown, with the comments the supervisor is writing
    (not saved until the interview is rejected)."""

    columns = ANSWER_COLUMNS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.comments: dict[str, str] = {}

    def set_answers(self, answers: list[AnswerDetail]) -> None:
        self.beginResetModel()
        self._rows = list(answers)
        self.comments = {}
        self.endResetModel()

    def answer(self, row: int) -> AnswerDetail | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def set_comment(self, path: str, text: str) -> None:
        if text:
            self.comments[path] = text
        else:
            self.comments.pop(path, None)
        row = next((n for n, a in enumerate(self._rows) if a.path == path), -1)
        if row >= 0:
            self.dataChanged.emit(self.index(row, REMARKS), self.index(row, REMARKS))

    def text(self, row: Any, column: int) -> str:
        answer: AnswerDetail = row
        if column == QUESTION:
            return answer.label or answer.path
        if column == ANSWER:
            return "" if answer.special else answer.value_text
        if column == SPECIAL:
            return SPECIAL_LABELS.get(answer.special or "", answer.special or "")
        if column == REMARKS:
            return self._remarks(answer)
        if column == SECONDS:
            return "" if answer.seconds is None else f"{answer.seconds:g}"
        return self._checks(answer)

    def _remarks(self, answer: AnswerDetail) -> str:
        parts = [f"{'Supervisor' if r.by_supervisor else r.author}: {r.text}"
                 for r in answer.remarks]
        if answer.path in self.comments:
            parts.append(f"Your comment: {self.comments[answer.path]}")
        return "   ".join(parts)

    @staticmethod
    def _checks(answer: AnswerDetail) -> str:
        checks = []
        if answer.warnings:
            checks.append("warning confirmed")
        changed = sum(c.kind == "change" for c in answer.changes)
        if changed:
            checks.append("changed once" if changed == 1 else f"changed {changed} times")
        if not answer.relevant:
            checks.append("no longer asked")
        return ", ".join(checks)

    def tooltip(self, row: Any, column: int) -> str | None:
        answer: AnswerDetail = row
        if column == QUESTION:
            return f"{answer.label}\n({answer.path})"
        if column == CHECKS and answer.warnings:
            return "\n".join(answer.warnings)
        if column == REMARKS:
            return self._remarks(answer) or None
        return None


__all__ = ["ANSWER_COLUMNS", "ITEM_ROLE", "QUEUE_COLUMNS", "AnswersModel", "QueueModel"]
