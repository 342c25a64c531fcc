"""The interviewer's home: the cases assigned to them, searchable and filtered by status;
Enter on a row starts the interview or resumes the open one."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from interviewer.services.common import ServiceError
from interviewer.services.interviewing import InterviewingService, WorkItem
from interviewer.ui.interview_actions import Opened, open_interview
from interviewer.ui.sync_panel import SyncPanel
from interviewer.ui.tasks import TaskRunner, report_unexpected
from interviewer.ui.work_list_model import (
    CASE,
    ITEM_ROLE,
    OPEN,
    RESPONDENT,
    RESUMABLE,
    STATUS,
    STATUS_LABELS,
    SURVEY,
    UPDATED,
    WorkListFilter,
    WorkListModel,
)

log = logging.getLogger(__name__)

STATUS_FILTERS = [("To do (open)", "open"), ("All statuses", "")] + \
    [(label, status) for status, label in STATUS_LABELS.items()]


class HomeScreen(QWidget):
    interview_opened = Signal(object)  # Opened
    sign_out_requested = Signal()
    cati_requested = Signal()
    review_requested = Signal()
    dashboard_requested = Signal()
    work_list_loaded = Signal(int)  # how many cases

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("homeScreen")
        self._tasks = tasks
        self._service: InterviewingService | None = None

        self.title = QLabel("Your interviews", self)
        self.title.setObjectName("screenTitle")
        self.user_label = QLabel("", self)
        self.user_label.setObjectName("subtitle")
        self.sign_out_button = QPushButton("Sign out", self)
        self.sign_out_button.setAutoDefault(True)
        self.cati_button = QPushButton("Telephone queue   F9", self)
        self.cati_button.setObjectName("catiButton")
        self.cati_button.setAutoDefault(True)
        # supervisors and admins: review and results (the services check the role too)
        self.review_button = QPushButton("Review   F6", self)
        self.review_button.setObjectName("reviewButton")
        self.review_button.setAutoDefault(True)
        self.dashboard_button = QPushButton("Dashboard   F8", self)
        self.dashboard_button.setObjectName("dashboardButton")
        self.dashboard_button.setAutoDefault(True)
        self._staff = False

        self.search = QLineEdit(self)
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Search respondent, case or survey   (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search")
        self.status_filter = QComboBox(self)
        self.status_filter.setObjectName("statusFilter")
        self.status_filter.setAccessibleName("Status")
        for label, status in STATUS_FILTERS:
            self.status_filter.addItem(label, status)
        self.refresh_button = QPushButton("Refresh   F5", self)
        self.refresh_button.setAutoDefault(True)

        self.model = WorkListModel(self)
        self.proxy = WorkListFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView(self)
        self.table.setObjectName("workList")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        # the service's order (priority, then name) until a header is clicked
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(38)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(RESPONDENT, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(SURVEY, QHeaderView.ResizeMode.Stretch)
        for column, width in ((CASE, 110), (STATUS, 140), (UPDATED, 170)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)

        self.count_label = QLabel("", self)
        self.count_label.setObjectName("caption")
        self.message = QLabel("", self)
        self.message.setObjectName("errorText")
        self.message.setWordWrap(True)
        self.open_button = QPushButton("Start   Enter", self)
        self.open_button.setObjectName("primary")
        self.open_button.setAutoDefault(True)
        self.open_button.setEnabled(False)
        self.sync = SyncPanel(tasks, self)
        self.sync.finished.connect(lambda report: self.refresh())

        top = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(self.title)
        titles.addWidget(self.user_label)
        top.addLayout(titles, 1)
        top.addWidget(self.review_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.dashboard_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.cati_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.sign_out_button, 0, Qt.AlignmentFlag.AlignTop)
        filters = QHBoxLayout()
        filters.setSpacing(10)
        filters.addWidget(self.search, 3)
        filters.addWidget(self.status_filter, 1)
        filters.addWidget(self.refresh_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label)
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 22, 28, 20)
        layout.setSpacing(14)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.sync)

        self.search.textChanged.connect(self._on_search_changed)
        self.search.returnPressed.connect(self._on_search_entered)
        self.status_filter.currentIndexChanged.connect(self._on_status_filter_changed)
        self.refresh_button.clicked.connect(self.refresh)
        self.sign_out_button.clicked.connect(self.sign_out_requested)
        self.cati_button.clicked.connect(self.cati_requested)
        self.review_button.clicked.connect(self.review_requested)
        self.dashboard_button.clicked.connect(self.dashboard_requested)
        self.open_button.clicked.connect(self._on_open_clicked)
        self.table.activated.connect(self._on_row_activated)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.proxy.modelReset.connect(self._on_rows_changed)
        self.proxy.layoutChanged.connect(self._on_rows_changed)
        self.proxy.rowsInserted.connect(self._on_rows_changed)
        self.proxy.rowsRemoved.connect(self._on_rows_changed)
        for sequence, slot in ((QKeySequence(QKeySequence.StandardKey.Find), self._on_find),
                               (QKeySequence(Qt.Key.Key_F5), self.refresh),
                               (QKeySequence(Qt.Key.Key_F9), self.cati_requested.emit),
                               (QKeySequence(Qt.Key.Key_F6), self._on_review_key),
                               (QKeySequence(Qt.Key.Key_F8), self._on_dashboard_key),
                               (QKeySequence(Qt.Key.Key_F7), self.sync.start)):
            shortcut = QShortcut(sequence, self, slot)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    # -- showing --
    def set_service(self, service: InterviewingService) -> None:
        self._service = service
        user = service.user
        self.user_label.setText(f"Signed in as {user.display_name or user.username} "
                                f"({user.role})")
        self._staff = user.is_staff
        self.title.setText("All cases" if self._staff else "Your interviews")
        self.review_button.setVisible(self._staff)
        self.dashboard_button.setVisible(self._staff)
        self.model.set_items([])
        self.search.clear()
        self.status_filter.setCurrentIndex(0)
        self.message.clear()
        self.refresh()

    def _on_review_key(self) -> None:
        if self._staff:
            self.review_requested.emit()

    def _on_dashboard_key(self) -> None:
        if self._staff:
            self.dashboard_requested.emit()

    def clear(self) -> None:
        self._service = None
        self._staff = False
        self.model.set_items([])
        self.user_label.clear()

    def refresh(self) -> None:
        service = self._service
        if service is None:
            return
        self.message.clear()
        self.count_label.setText("Loading…")
        self._tasks.run(service.work_list, self._for(service, self._on_loaded),
                        self._for(service, self._on_load_failed))

    def _for(self, service: InterviewingService,
             slot: Callable[[Any], None]) -> Callable[[Any], None]:
        """A task's result is for the user who asked: after a sign-out (or another user's
        sign-in) it is dropped, never shown to whoever is at the screen now."""
        def deliver(result: Any) -> None:
            if service is self._service:
                slot(result)
            else:
                log.info("a result for a signed-out user was dropped")
        return deliver

    def current_item(self) -> WorkItem | None:
        index = self.table.currentIndex()
        item = index.siblingAtColumn(0).data(ITEM_ROLE) if index.isValid() else None
        return item if isinstance(item, WorkItem) else None

    def select_row(self, row: int) -> None:
        index = self.proxy.index(row, 0)
        if index.isValid():
            self.table.setCurrentIndex(index)
            self.table.selectRow(row)

    # -- reacting --
    def _on_loaded(self, items: object) -> None:
        assert isinstance(items, list)
        keep = self.current_item()
        self.model.set_items(items)
        row = 0
        if keep is not None:
            for r in range(self.proxy.rowCount()):
                found = self.proxy.index(r, 0).data(ITEM_ROLE)
                if isinstance(found, WorkItem) and found.case_id == keep.case_id:
                    row = r
                    break
        self.select_row(row)
        if self.isVisible():  # a list loaded behind another screen takes no keys from it
            self.table.setFocus()
        self.work_list_loaded.emit(len(items))

    def _on_load_failed(self, error: BaseException) -> None:
        self.count_label.clear()
        if not isinstance(error, ServiceError):
            report_unexpected(error)
            return
        self.message.setText(str(error))

    def _on_rows_changed(self, *args: object) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count_label.setText(f"{shown} of {total} cases" if shown != total
                                 else f"{total} cases")
        self._on_current_changed(self.table.currentIndex(), QModelIndex())

    def _on_search_changed(self, text: str) -> None:
        self.proxy.set_search_text(text)
        if self.proxy.rowCount() and not self.table.currentIndex().isValid():
            self.select_row(0)

    def _on_search_entered(self) -> None:
        if self.proxy.rowCount():
            if not self.table.currentIndex().isValid():
                self.select_row(0)
            self.table.setFocus()

    def _on_status_filter_changed(self, position: int) -> None:
        self.proxy.set_status(str(self.status_filter.itemData(position) or ""))
        if self.proxy.rowCount() and not self.table.currentIndex().isValid():
            self.select_row(0)

    def _on_find(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _on_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        item = self.current_item()
        if item is None:
            self.open_button.setEnabled(False)
            self.open_button.setText("Start   Enter")
            return
        self.open_button.setEnabled(item.status in OPEN)
        self.open_button.setText(("Resume" if item.status in RESUMABLE else "Start")
                                 + "   Enter")

    def _on_row_activated(self, index: QModelIndex) -> None:
        self._open_current()

    def _on_open_clicked(self) -> None:
        self._open_current()

    def _open_current(self) -> None:
        item, service = self.current_item(), self._service
        if item is None or service is None or self._tasks.busy:
            return
        if item.status not in OPEN or item.case_id is None:
            self.message.setText(f"This interview is {item.status.replace('_', ' ')}: "
                                 "there is nothing more to do on it.")
            return
        self.message.clear()
        self.open_button.setEnabled(False)
        self.open_button.setText("Opening…")
        case_id = item.case_id
        log.info("opening case %s", case_id)
        self._tasks.run(
            lambda: open_interview(service, case_id, item.respondent, item.external_id,
                                   item.survey),
            self._for(service, self._on_opened), self._for(service, self._on_open_failed))

    def _on_opened(self, opened: object) -> None:
        assert isinstance(opened, Opened)
        self._on_current_changed(self.table.currentIndex(), QModelIndex())
        self.interview_opened.emit(opened)

    def _on_open_failed(self, error: BaseException) -> None:
        self._on_current_changed(self.table.currentIndex(), QModelIndex())
        if not isinstance(error, ServiceError):
            report_unexpected(error)
            return
        self.message.setText(str(error))


__all__ = ["HomeScreen"]
