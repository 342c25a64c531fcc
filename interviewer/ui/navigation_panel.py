"""The interview's index: sections and the questions relevant now, with their answers, as
a tree the interviewer can jump from (F3 reaches it; Enter or a double-click jumps).

The same model shows the summary at the end of the interview."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, overload

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeView, QWidget

from interviewer.services.interviewing import IndexEntry

Index = QModelIndex | QPersistentModelIndex
KEY_ROLE = Qt.ItemDataRole.UserRole + 1  # the entry's key
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 2  # the IndexEntry itself
COLUMNS = ("Question", "Answer")


@dataclass(eq=False)
class _Node:
    entry: IndexEntry | None  # None for the invisible root
    parent: _Node | None = None
    row: int = 0  # its place among its parent's children
    children: list[_Node] = field(default_factory=list)


def build_tree(entries: list[IndexEntry]) -> _Node:
    """Entries come in reading order with a depth; a question or section hangs under the
    nearest earlier section that is shallower (at the top when there is none)."""
    root = _Node(None)
    sections: list[_Node] = []  # the open sections, outermost first
    for entry in entries:
        while sections and sections[-1].entry is not None \
                and sections[-1].entry.depth >= entry.depth:
            sections.pop()
        parent = sections[-1] if sections else root
        node = _Node(entry, parent, len(parent.children))
        parent.children.append(node)
        if entry.is_section:
            sections.append(node)
    return root


class InterviewIndexModel(QAbstractItemModel):
    """Tree of IndexEntry: sections have children; questions are leaves."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._root = _Node(None)
        self._current_key = ""

    def set_entries(self, entries: list[IndexEntry], current_key: str = "") -> None:
        self.beginResetModel()
        self._root = build_tree(entries)
        self._current_key = current_key
        self.endResetModel()

    def index_of_key(self, key: str) -> QModelIndex:
        def find(node: _Node, parent: QModelIndex) -> QModelIndex:
            for row, child in enumerate(node.children):
                here = self.index(row, 0, parent)
                if child.entry is not None and child.entry.key == key:
                    return here
                found = find(child, here)
                if found.isValid():
                    return found
            return QModelIndex()
        return find(self._root, QModelIndex())

    def entries(self) -> list[IndexEntry]:
        out: list[IndexEntry] = []

        def walk(node: _Node) -> None:
            for child in node.children:
                if child.entry is not None:
                    out.append(child.entry)
                walk(child)
        walk(self._root)
        return out

    def _node(self, index: Index) -> _Node:
        if index.isValid():
            node = index.internalPointer()
            assert isinstance(node, _Node)
            return node
        return self._root

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        node = self._node(parent)
        return self.createIndex(row, column, node.children[row])

    @overload
    def parent(self) -> QObject | None: ...
    @overload
    def parent(self, child: Index) -> QModelIndex: ...
    def parent(self, child: Index | None = None) -> QModelIndex | QObject | None:
        if child is None:
            return super().parent()
        if not child.isValid():
            return QModelIndex()
        node = self._node(child).parent
        if node is None or node is self._root:
            return QModelIndex()
        return self.createIndex(node.row, 0, node)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._node(parent).children)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self._node(index).entry
        if entry is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if index.column() == 0:
                return entry.label
            return entry.value_text if not entry.is_section else ""
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(entry.is_section or entry.key == self._current_key)
            font.setItalic(not entry.is_section and not entry.answered)
            return font
        if role == KEY_ROLE:
            return entry.key
        if role == ENTRY_ROLE:
            return entry
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal
                and 0 <= section < len(COLUMNS)):
            return COLUMNS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


def jump_target(model: InterviewIndexModel, index: QModelIndex) -> str | None:
    """The question to jump to from a line: itself, or a section's first question."""
    entry = index.sibling(index.row(), 0).data(ENTRY_ROLE)
    if not isinstance(entry, IndexEntry):
        return None
    if not entry.is_section:
        return entry.key
    entries = model.entries()
    start = next(i for i, e in enumerate(entries) if e is entry)
    return next((e.key for e in entries[start + 1:] if not e.is_section), None)


class NavigationPanel(QTreeView):
    """Sections and questions; Enter or a double-click asks to jump to the line."""

    jump_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("navigationPanel")
        self.index_model = InterviewIndexModel(self)
        self.setModel(self.index_model)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.header()
        header.setStretchLastSection(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(1, 130)
        self.activated.connect(self._on_activated)

    def set_entries(self, entries: list[IndexEntry], current_key: str = "") -> None:
        self.index_model.set_entries(entries, current_key)
        self.setRootIsDecorated(any(e.is_section for e in entries))
        self.expandAll()
        current = self.index_model.index_of_key(current_key) if current_key else QModelIndex()
        if current.isValid():
            self.setCurrentIndex(current)
            self.scrollTo(current)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        super().keyPressEvent(event)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()  # Enter here jumps; it must not also go on in the interview

    def _on_activated(self, index: QModelIndex) -> None:
        key = jump_target(self.index_model, index)
        if key is not None:
            self.jump_requested.emit(key)


__all__ = ["InterviewIndexModel", "NavigationPanel", "build_tree", "jump_target"]
