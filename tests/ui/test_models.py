"""The item models behind the lists: checked with Qt's model tester, and for what they
show."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from PySide6.QtCore import QModelIndex, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from interviewer.services.interviewing import IndexEntry, WorkItem
from interviewer.ui.navigation_panel import (
    ENTRY_ROLE,
    InterviewIndexModel,
    NavigationPanel,
    build_tree,
    jump_target,
)
from interviewer.ui.work_list_model import (
    ITEM_ROLE,
    SORT_ROLE,
    STATUS,
    UPDATED,
    WorkListFilter,
    WorkListModel,
)


def work_items() -> list[WorkItem]:
    when = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    rows = [("Anna Nowak", "C1001", "Support CES", "new", None),
            ("Jan Kowalski", "C1002", "Post-call CSAT", "suspended", when),
            ("Wei Zhang", "C1003", "Support CES", "completed", when),
            ("Olga Ivanova", "C1004", "Relationship NPS 2026", "in_progress", when)]
    return [WorkItem(case_id=uuid.uuid4(), interview_id=None if s == "new" else uuid.uuid4(),
                     respondent=r, external_id=c, survey=v, status=s, updated_at=u)
            for r, c, v, s, u in rows]


def entries() -> list[IndexEntry]:
    return [
        IndexEntry(key="intro", label="Introduction", depth=0),
        IndexEntry(key="q1", label="First", depth=0, answered=True, value_text="Yes"),
        IndexEntry(key="g", label="Group", depth=0, is_section=True),
        IndexEntry(key="g/a", label="In the group", depth=1, answered=True,
                   value_text="3"),
        IndexEntry(key="g/r[1]", label="Visit 1", depth=1, is_section=True),
        IndexEntry(key="g/r[1]/x", label="Deep", depth=2),
        IndexEntry(key="g/b", label="After the repeat", depth=1),
        IndexEntry(key="last", label="Last", depth=0),
    ]


def test_the_work_list_model_passes_the_model_tester(qtmodeltester: ModelTester) -> None:
    model = WorkListModel()
    qtmodeltester.check(model)
    model.set_items(work_items())
    qtmodeltester.check(model)
    assert model.rowCount() == 4 and model.columnCount() == 5
    assert model.index(1, STATUS).data() == "Suspended"
    assert model.index(0, UPDATED).data() == ""
    assert model.index(1, UPDATED).data(SORT_ROLE).startswith("2026-11-25T09:30")
    assert isinstance(model.index(2, 0).data(ITEM_ROLE), WorkItem)
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Respondent"


def test_the_filter_proxy_passes_the_model_tester_and_filters(
        qtmodeltester: ModelTester) -> None:
    model = WorkListModel()
    model.set_items(work_items())
    proxy = WorkListFilter()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)

    def shown() -> list[str]:
        return [proxy.index(r, 1).data() for r in range(proxy.rowCount())]

    proxy.set_status("open")
    assert shown() == ["C1001", "C1002", "C1004"]
    proxy.set_status("")
    proxy.set_search_text("  support ")
    assert shown() == ["C1001", "C1003"]
    proxy.set_search_text("c1004")
    assert shown() == ["C1004"]
    proxy.set_search_text("zhang")
    proxy.set_status("completed")
    assert shown() == ["C1003"]
    proxy.set_search_text("")
    proxy.set_status("")
    proxy.sort(0, Qt.SortOrder.DescendingOrder)
    assert shown() == ["C1003", "C1004", "C1002", "C1001"]
    qtmodeltester.check(proxy)


def test_index_entries_become_a_tree_by_depth() -> None:
    root = build_tree(entries())
    assert [c.entry.key for c in root.children if c.entry] == ["intro", "q1", "g", "last"]
    group = root.children[2]
    assert [c.entry.key for c in group.children if c.entry] == ["g/a", "g/r[1]", "g/b"]
    assert [c.entry.key for c in group.children[1].children if c.entry] == ["g/r[1]/x"]
    # a summary has no sections: deep questions stay at the top
    flat = build_tree([IndexEntry(key="g/a", label="a", depth=1),
                       IndexEntry(key="b", label="b", depth=0)])
    assert len(flat.children) == 2


def test_the_index_model_passes_the_model_tester(qtmodeltester: ModelTester) -> None:
    model = InterviewIndexModel()
    qtmodeltester.check(model)
    model.set_entries(entries(), current_key="g/a")
    qtmodeltester.check(model)
    group = model.index(2, 0)
    assert model.rowCount(group) == 3
    assert model.index(0, 1, group).data() == "3"
    assert model.index(0, 0, group).data(Qt.ItemDataRole.FontRole).bold()  # current
    assert model.index(0, 0).data(Qt.ItemDataRole.FontRole).italic()  # unanswered
    assert model.parent(model.index(0, 0, model.index(1, 0, group))) == model.index(1, 0,
                                                                                    group)
    assert model.index_of_key("g/r[1]/x").data() == "Deep"
    assert not model.index_of_key("nowhere").isValid()
    assert [e.key for e in model.entries()] == [e.key for e in entries()]


def test_a_section_jumps_to_its_first_question(qtbot: QtBot) -> None:
    panel = NavigationPanel()
    qtbot.addWidget(panel)
    panel.set_entries(entries(), current_key="q1")
    model = panel.index_model
    assert panel.currentIndex().data(ENTRY_ROLE).key == "q1"
    assert jump_target(model, model.index_of_key("g")) == "g/a"
    assert jump_target(model, model.index_of_key("g/r[1]")) == "g/r[1]/x"
    assert jump_target(model, model.index_of_key("last")) == "last"
    assert jump_target(model, QModelIndex()) is None
    with qtbot.waitSignal(panel.jump_requested) as jumped:
        panel.setCurrentIndex(model.index_of_key("g"))
        qtbot.keyClick(panel, Qt.Key.Key_Return)
    assert jumped.args == ["g/a"]
