"""Fixtures for the desktop app's tests: a demo data folder made once per session and
copied for each test, and the real main window on it (offscreen)."""

from __future__ import annotations

import os

# Before any QApplication exists: draw offscreen unless a platform was chosen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from interviewer.app import apply_look
from interviewer.context import AppContext, build_context
from interviewer.demo import DemoInfo, create_demo
from interviewer.ui.main_window import MainWindow

HERE = Path(__file__).resolve().parent



def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here drives Qt widgets: mark it `gui`."""
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.gui)


@dataclass(frozen=True)
class Demo:
    template: Path
    info: DemoInfo

    def password(self, username: str) -> str:
        return self.info.passwords[username]


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The demo data folder, migrated and filled once per session."""
    folder = tmp_path_factory.mktemp("demo-template")
    context = build_context(folder)
    try:
        info = create_demo(context)
    finally:
        context.close()
    return Demo(folder, info)


@pytest.fixture
def demo(demo_template: Demo) -> Demo:
    return demo_template


@pytest.fixture
def data_dir(demo_template: Demo, tmp_path: Path) -> Path:
    """A private copy of the demo data folder for one test."""
    folder = tmp_path / "data"
    shutil.copytree(demo_template.template, folder)
    return folder


@pytest.fixture
def context(data_dir: Path) -> Iterator[AppContext]:
    context = build_context(data_dir)
    yield context
    QThreadPool.globalInstance().waitForDone(10_000)
    context.close()


@pytest.fixture(scope="session")
def styled_app(qapp: QApplication) -> QApplication:
    apply_look(qapp)
    return qapp


@pytest.fixture
def window(styled_app: QApplication, qtbot: QtBot, context: AppContext) -> Iterator[MainWindow]:
    """The real main window on the demo store, shown and active."""
    main = MainWindow(context)
    qtbot.addWidget(main)
    main.resize(1366, 768)
    main.show()
    main.activateWindow()
    qtbot.waitExposed(main)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main)
    yield main
    main.close()
    main.tasks.wait()
    main.interview.wait()
    main.cati.wait()

