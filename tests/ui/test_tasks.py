"""The task helper: work on a pool thread, the result or the error back on the GUI
thread, in order on a serial runner."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread
from pytestqt.qtbot import QtBot

from interviewer.ui.tasks import TaskRunner


def test_the_result_comes_back_on_the_gui_thread(qtbot: QtBot) -> None:
    runner = TaskRunner()
    seen: list[tuple[object, bool]] = []
    worker: list[str] = []

    def work() -> int:
        worker.append(threading.current_thread().name)
        return 42

    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda busy: not busy):
        runner.run(work, lambda r: seen.append((r, QThread.currentThread().isMainThread())))
        assert runner.busy
    assert not runner.busy
    assert seen == [(42, True)]
    assert worker and worker[0] != threading.main_thread().name


def test_an_error_goes_to_the_error_callback(qtbot: QtBot) -> None:
    runner = TaskRunner()
    errors: list[BaseException] = []

    def work() -> None:
        raise ValueError("bad input")

    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda busy: not busy):
        runner.run(work, lambda r: None, errors.append)
    assert [str(e) for e in errors] == ["bad input"]


def test_an_error_without_a_callback_reaches_the_excepthook(qtbot: QtBot) -> None:
    runner = TaskRunner()

    def work() -> None:
        raise RuntimeError("nobody expected this")

    with qtbot.capture_exceptions() as caught, \
            qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda busy: not busy):
        runner.run(work, lambda r: None)
    assert [str(e[1]) for e in caught] == ["nobody expected this"]


def test_a_serial_runner_keeps_the_order(qtbot: QtBot) -> None:
    runner = TaskRunner(serial=True)
    order: list[int] = []
    done: list[int] = []
    gate = threading.Event()

    def work(n: int) -> int:
        if n == 0:
            gate.wait(5)
        order.append(n)
        return n

    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda busy: not busy):
        for n in range(5):
            runner.run(lambda n=n: work(n), done.append)  # type: ignore[misc]
        gate.set()
    assert order == [0, 1, 2, 3, 4] and done == [0, 1, 2, 3, 4]
    assert runner.wait(1000)
