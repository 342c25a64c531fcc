"""The interviewer's work list as a Qt table model, and the proxy that filters and sorts
it for the home screen. The model holds plain `WorkItem`s, never ORM rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from interviewer.services.interviewing import WorkItem

Index = QModelIndex | QPersistentModelIndex

COLUMNS = ("Respondent", "Case", "Survey", "Status", "Last change")
RESPONDENT, CASE, SURVEY, STATUS, UPDATED = range(len(COLUMNS))

STATUS_LABELS = {
    "new": "New",
    "in_progress": "In progress",
    "suspended": "Suspended",
    "rejected": "Rejected",
    "completed": "Completed",
    "approved": "Approved",
}
# Statuses the interviewer can still work on (DESIGN: rejected ones come back to them).
OPEN = frozenset({"new", "in_progress", "suspended", "rejected"})
RESUMABLE = frozenset({"in_progress", "suspended", "rejected"})

ITEM_ROLE = Qt.ItemDataRole.UserRole + 1  # the WorkItem of a row
SORT_ROLE = Qt.ItemDataRole.UserRole + 2  # a value that sorts as the column should


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


def local_time(moment: datetime | None) -> str:
    """A stored UTC time as the interviewer's wall clock."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment is not None else ""


class WorkListModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[WorkItem] = []

    def set_items(self, items: list[WorkItem]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def item(self, row: int) -> WorkItem:
        return self._items[row]

    def items(self) -> list[WorkItem]:
        return list(self._items)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == STATUS:
            return "Can be resumed" if item.status in RESUMABLE else None
        if role == SORT_ROLE:
            if column == UPDATED:
                return item.updated_at.isoformat() if item.updated_at else ""
            return self._text(item, column).casefold()
        if role == ITEM_ROLE:
            return item
        return None

    @staticmethod
    def _text(item: WorkItem, column: int) -> str:
        if column == RESPONDENT:
            return item.respondent
        if column == CASE:
            return item.external_id
        if column == SURVEY:
            return item.survey
        if column == STATUS:
            return status_label(item.status)
        if column == UPDATED:
            return local_time(item.updated_at)
        return ""

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal
                and 0 <= section < len(COLUMNS)):
            return COLUMNS[section]
        return None


class WorkListFilter(QSortFilterProxyModel):
    """Search text (respondent, case id, survey) and a status filter over the work list.

    Status filter values: "" for every status, "open" for what can still be worked on, or
    one stored status."""

    SEARCHED = (RESPONDENT, CASE, SURVEY)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._status = ""
        self.setSortRole(SORT_ROLE)
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def set_search_text(self, text: str) -> None:
        self.beginFilterChange()
        self._text = text.strip().casefold()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_status(self, status: str) -> None:
        self.beginFilterChange()
        self._status = status
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        item = model.index(source_row, 0, source_parent).data(ITEM_ROLE)
        if not isinstance(item, WorkItem):
            return False
        if self._status == "open" and item.status not in OPEN:
            return False
        if self._status not in ("", "open") and item.status != self._status:
            return False
        if self._text:
            searched = (item.respondent, item.external_id, item.survey)
            return any(self._text in value.casefold() for value in searched)
        return True


__all__ = ["COLUMNS", "OPEN", "RESUMABLE", "WorkListFilter", "WorkListModel", "status_label"]
