"""The dashboard's "Fieldwork", "Interviewers" and "Follow-ups" tabs: charts of cases and
completes, the AAPOR rates, a sortable table per interviewer, and the follow-up cases
with a "Close…" that asks for a note."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from interviewer.services.results import FieldworkProgress, FollowUpView, InterviewerStats
from interviewer.ui.dashboard_charts import (
    NO_VALUE,
    ChartView,
    new_chart,
    per_day_chart,
    status_chart,
)

Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
SIZED_ROWS = 30
RATE_FAMILIES = (("Response rate", "RR", 6), ("Cooperation rate", "COOP", 4),
                 ("Refusal rate", "REF", 3), ("Contact rate", "CON", 3))


def percent(value: float | None, decimals: int = 1) -> str:
    """A proportion (0..1) as a percentage; a dash when there is none."""
    return NO_VALUE if value is None else f"{value * 100:.{decimals}f}%"


def number(value: float | None, decimals: int = 1) -> str:
    return NO_VALUE if value is None else f"{value:.{decimals}f}"


def local_time(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


class Column:
    """A table column: its header, its text and the value it sorts by."""

    def __init__(self, header: str, text: Callable[[Any], str],
                 key: Callable[[Any], Any] | None = None, right: bool = False) -> None:
        self.header, self.text, self.right = header, text, right
        self.key = key or (lambda row: text(row).casefold())


class RowsModel(QAbstractTableModel):
    """Plain rows (Pydantic views) shown through a list of Columns."""

    def __init__(self, columns: Sequence[Column], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row(self, index: int) -> Any:
        return self._rows[index]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == SORT_ROLE:
            value = column.key(row)
            return float("-inf") if value is None else value
        if role == Qt.ItemDataRole.TextAlignmentRole and column.right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal
                and 0 <= section < len(self.columns)):
            return self.columns[section].header
        return None


def sortable_table(parent: QWidget, model: RowsModel, name: str) -> QTableView:
    proxy = QSortFilterProxyModel(parent)
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    table = QTableView(parent)
    table.setObjectName(name)
    table.setModel(proxy)
    table.setSortingEnabled(True)
    table.setAlternatingRowColors(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft)
    table.horizontalHeader().setStretchLastSection(True)
    # column widths from the first rows only: measuring hundreds of rows takes seconds
    table.horizontalHeader().setResizeContentsPrecision(SIZED_ROWS)
    return table


# -- fieldwork --
class FieldworkTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("", self)
        self.summary.setObjectName("panelTitle")
        self.by_status = ChartView(self, min_height=260)
        self.per_day = ChartView(self, min_height=260)
        rates_title = QLabel("AAPOR outcome rates (Standard Definitions)", self)
        rates_title.setObjectName("panelTitle")
        self.rates = QTableWidget(len(RATE_FAMILIES), 6, self)
        self.rates.setObjectName("ratesTable")
        self.rates.setHorizontalHeaderLabels([str(n) for n in range(1, 7)])
        self.rates.setVerticalHeaderLabels([f"{label} ({code})"
                                            for label, code, _ in RATE_FAMILIES])
        self.rates.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rates.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.rates.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.rates.verticalHeader().setDefaultSectionSize(36)
        self.rates.setFixedHeight(4 * 36 + 46)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(self.summary, 0, 0, 1, 2)
        layout.addWidget(self.by_status, 1, 0)
        layout.addWidget(self.per_day, 1, 1)
        layout.addWidget(rates_title, 2, 0, 1, 2)
        layout.addWidget(self.rates, 3, 0, 1, 2)
        layout.setRowStretch(1, 1)

    def show_progress(self, progress: FieldworkProgress, rates: dict[str, float | None]) -> None:
        share = f" ({progress.completes / progress.cases:.0%} of cases)" if progress.cases \
            else ""
        self.summary.setText(f"{progress.cases} cases · {progress.completes} completed "
                             f"interviews{share}")
        self.by_status.show_chart(status_chart("Cases by status", progress.cases_by_status))
        self.per_day.show_chart(per_day_chart(
            "Completed interviews per day (respondent's time zone)",
            [(d.day, d.completes) for d in progress.completes_per_day]))
        for row, (label, code, count) in enumerate(RATE_FAMILIES):
            for column in range(6):
                name = f"{code}{column + 1}"
                text = percent(rates.get(name)) if column < count else ""
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if column < count:
                    item.setToolTip(f"{name}: {label.lower()} {column + 1}")
                self.rates.setItem(row, column, item)

    def clear(self) -> None:
        self.summary.clear()
        for chart in (self.by_status, self.per_day):
            chart.show_chart(new_chart(""))
        self.rates.clearContents()

    def rate_text(self, name: str) -> str:
        """The shown text of a rate ("RR1"), for tests."""
        for row, (_, code, _) in enumerate(RATE_FAMILIES):
            if name.startswith(code) and name[len(code):].isdigit():
                item = self.rates.item(row, int(name[len(code):]) - 1)
                return item.text() if item is not None else ""
        return ""


# -- interviewers --
INTERVIEWER_COLUMNS = (
    Column("Interviewer", lambda s: s.name),
    Column("Completes", lambda s: str(s.completes), lambda s: s.completes, right=True),
    Column("Hours", lambda s: number(s.hours), lambda s: s.hours, right=True),
    Column("Completes / hour", lambda s: number(s.completes_per_hour, 2),
           lambda s: s.completes_per_hour, right=True),
    Column("Median minutes", lambda s: number(s.median_minutes),
           lambda s: s.median_minutes, right=True),
    Column("Calls", lambda s: str(s.calls), lambda s: s.calls, right=True),
    Column("Refusal rate", lambda s: percent(s.refusal_rate), lambda s: s.refusal_rate,
           right=True),
)


class InterviewersTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = RowsModel(INTERVIEWER_COLUMNS, self)
        self.table = sortable_table(self, self.model, "interviewerTable")
        self.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        note = QLabel("Hours: each completed interview's working time (from its paradata, "
                      "less the time it lay suspended; at most 3 h) plus calls that did not "
                      "end in a completed interview. Refusal rate: refusals per contact "
                      "that reached a decision (refusals + completes + break-offs).", self)
        note.setObjectName("caption")
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)

    def show_stats(self, stats: Sequence[InterviewerStats]) -> None:
        self.model.set_rows(stats)
        self.table.resizeColumnsToContents()

    def shown_names(self) -> list[str]:
        """The names in the order shown (sorted as the user chose)."""
        proxy = self.table.model()
        return [str(proxy.index(r, 0).data()) for r in range(proxy.rowCount())]


# -- follow-ups --
FOLLOW_UP_COLUMNS = (
    Column("Respondent", lambda f: f.respondent or NO_VALUE),
    Column("Phone", lambda f: f.phone or ""),
    Column("Reason", lambda f: f.reason),
    Column("Score", lambda f: f"{f.metric.upper()} {f.score:g}", lambda f: f.score,
           right=True),
    Column("Question", lambda f: f.question),
    Column("Priority", lambda f: str(f.priority), lambda f: f.priority, right=True),
    Column("Created", lambda f: local_time(f.created_at), lambda f: f.created_at.isoformat()),
    Column("Status", lambda f: f.status),
    Column("Note", lambda f: f.note),
)


CLOSED_ONLY = ("Status", "Note")  # columns shown with "show closed ones too"


class NoteDialog(QDialog):
    """Closing a follow-up: what was done, in a few words (required)."""

    def __init__(self, follow_up: FollowUpView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Close follow-up")
        self.setObjectName("closeFollowUpDialog")
        self.setMinimumWidth(500)
        layout = QVBoxLayout(self)
        who = follow_up.respondent or "the respondent"
        label = QLabel(f"{follow_up.reason}: {who}. What was done?", self)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.text = QPlainTextEdit(self)
        self.text.setTabChangesFocus(True)
        self.text.setPlaceholderText("For example: called back, refund agreed")
        layout.addWidget(self.text)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Close follow-up")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.text.textChanged.connect(self._enable)
        self._enable()
        self.text.setFocus()

    def _enable(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(self.text.toPlainText().strip()))

    @classmethod
    def ask(cls, parent: QWidget | None, follow_up: FollowUpView) -> str | None:
        """The note, or None when cancelled."""
        dialog = cls(follow_up, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.text.toPlainText().strip() or None


class FollowUpsTab(QWidget):
    close_requested = Signal(object, str)  # follow-up id, note
    show_closed_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = RowsModel(FOLLOW_UP_COLUMNS, self)
        self.table = sortable_table(self, self.model, "followUpTable")
        # the service's order (most urgent, then oldest, first) until a header is clicked
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.summary = QLabel("", self)
        self.summary.setObjectName("panelTitle")
        self.show_closed = QCheckBox("Show closed ones too", self)
        self.show_closed.setObjectName("showClosed")
        self.close_button = QPushButton("Close…", self)
        self.close_button.setObjectName("closeFollowUp")
        self.close_button.setEnabled(False)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.show_closed)
        top.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.close_button.clicked.connect(self.close_selected)
        self.table.doubleClicked.connect(lambda _: self.close_selected())
        self.table.selectionModel().selectionChanged.connect(self._enable)
        self.show_closed.toggled.connect(self.show_closed_changed)

    def show_follow_ups(self, follow_ups: Sequence[FollowUpView], open_count: int,
                        closed_count: int) -> None:
        chosen = self.selected()
        self.model.set_rows(follow_ups)
        for column, what in enumerate(FOLLOW_UP_COLUMNS):
            if what.header in CLOSED_ONLY:
                self.table.setColumnHidden(column, not self.show_closed.isChecked())
        self.table.resizeColumnsToContents()
        self.summary.setText(f"{open_count} open · {closed_count} closed")
        if chosen is not None:
            self.select(chosen.id)
        self._enable()

    def select(self, follow_up_id: uuid.UUID) -> bool:
        proxy = self.table.model()
        for r in range(proxy.rowCount()):
            source = self.model.row(self._source_row(r))
            if source.id == follow_up_id:
                self.table.selectRow(r)
                return True
        return False

    def selected(self) -> FollowUpView | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        found: FollowUpView = self.model.row(self._source_row(rows[0].row()))
        return found

    def shown_ids(self) -> list[uuid.UUID]:
        return [f.id for f in self.model.rows()]

    def close_selected(self) -> None:
        chosen = self.selected()
        if chosen is None or chosen.status != "open":
            return
        note = NoteDialog.ask(self, chosen)
        if note:
            self.close_requested.emit(chosen.id, note)

    def _source_row(self, row: int) -> int:
        proxy = self.table.model()
        assert isinstance(proxy, QSortFilterProxyModel)
        return proxy.mapToSource(proxy.index(row, 0)).row()

    def _enable(self) -> None:
        chosen = self.selected()
        self.close_button.setEnabled(chosen is not None and chosen.status == "open")


__all__ = ["FieldworkTab", "FollowUpsTab", "InterviewersTab", "NoteDialog", "RowsModel",
           "percent"]
