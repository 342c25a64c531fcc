"""The composition root of the desktop app: the data folder, the store and its services,
logging, the style sheet, then the window.

`python -m interviewer.app [--data-dir DIR]` (or `interviewer app`) starts it.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QWidget

from interviewer.context import (
    AlreadyOpen,
    WindowLock,
    build_context,
    default_data_dir,
    setup_logging,
)
from interviewer.storage.db import StorageError

log = logging.getLogger("interviewer.app")

EXIT_OK = 0
EXIT_STORAGE = 1
EXIT_NO_DISPLAY = 2
NO_DISPLAY = ("No display found: run under a desktop session, or set "
              "QT_QPA_PLATFORM=offscreen to run without a screen")
STYLE_SHEET = Path(__file__).resolve().parents[1] / "resources" / "interviewer.qss"
BASE_PIXEL_SIZE = 15


def display_available(environ: Mapping[str, str] | None = None,
                      platform: str | None = None) -> bool:
    """Whether Qt can open a window: on Linux and the BSDs it needs X11 or Wayland unless
    a platform plugin (offscreen, vnc, ...) is named. Checked before QApplication exists,
    which would abort the process with a plugin trace."""
    env = os.environ if environ is None else environ
    system = sys.platform if platform is None else platform
    if env.get("QT_QPA_PLATFORM"):
        return True
    if not (system.startswith("linux") or "bsd" in system):
        return True  # Windows and macOS always have their own platform plugin
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


# Debian/Ubuntu packages for the libraries Qt's X11 plugin loads (Qt 6.5+ needs these)
XCB_PACKAGES = ("libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 "
                "libxcb-render-util0 libxcb-xkb1 libxkbcommon-x11-0 libxcb-randr0 "
                "libxcb-shape0 libxcb-xinerama0 libxcb-xinput0")


def missing_window_libraries(environ: os._Environ[str] | dict[str, str] | None = None,
                             ) -> list[str]:
    """System libraries Qt's X11 plugin needs that this machine lacks. Without them Qt
    aborts the process with a plugin trace; we say which to install instead."""
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux") or env.get("QT_QPA_PLATFORM", "xcb") != "xcb" \
            or not env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return []
    import ctypes.util
    import shutil
    import subprocess

    import PySide6

    qt = Path(PySide6.__file__).resolve().parent / "Qt"
    missing: set[str] = set()
    ldd = shutil.which("ldd")
    for library in (qt / "plugins" / "platforms" / "libqxcb.so",
                    qt / "lib" / "libQt6XcbQpa.so.6"):
        if ldd is None or not library.exists():
            continue
        out = subprocess.run([ldd, str(library)], capture_output=True, text=True,
                             check=False).stdout
        missing.update(line.split()[0] for line in out.splitlines() if "not found" in line)
    if ctypes.util.find_library("xcb-cursor") is None:  # loaded at run time, not linked
        missing.add("libxcb-cursor.so.0")
    return sorted(missing)


def load_style_sheet(path: Path = STYLE_SHEET) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as e:
        log.warning("style sheet %s not loaded: %s", path, e)
        return ""


def apply_look(app: QApplication) -> None:
    """The style sheet and a readable base font, the same in the app and in tests."""
    font = QFont(app.font())
    font.setPixelSize(BASE_PIXEL_SIZE)
    app.setFont(font)
    app.setStyleSheet(load_style_sheet())


class UnexpectedErrorHandler:
    """sys.excepthook for the app: an exception nobody caught (in a slot, a task) is
    logged with its trace and shown as a plain message. Interviews stay safe to resume:
    each answer was committed when it was confirmed."""

    def __init__(self, window: QWidget | None = None) -> None:
        self.window = window
        self.shown = 0

    def __call__(self, kind: type[BaseException], error: BaseException,
                 trace: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            QApplication.quit()
            return
        log.error("unexpected error\n%s",
                  "".join(traceback.format_exception(kind, error, trace)).rstrip())
        self.shown += 1
        from interviewer.ui.dialogs import ErrorMessage

        ErrorMessage.show(
            self.window, "Something went wrong",
            f"Something went wrong: {kind.__name__}: {error}\n\n"
            "Your answers up to the last confirmed question are saved; resume the interview "
            "from the home list. The details are in the log file.")


def run_app(data_dir: Path | None = None, argv: Sequence[str] | None = None) -> int:
    """Start the desktop app and return its exit code."""
    if not display_available():
        print(NO_DISPLAY, file=sys.stderr)
        return EXIT_NO_DISPLAY
    missing = missing_window_libraries()
    if missing:
        print(f"Qt cannot open a window: this machine lacks {', '.join(missing)}; install "
              f"them (Debian/Ubuntu: sudo apt-get install {XCB_PACKAGES}), or set "
              "QT_QPA_PLATFORM=offscreen to run without a screen", file=sys.stderr)
        return EXIT_NO_DISPLAY
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(list(argv) if argv is not None else sys.argv[:1])
    app.setApplicationName("Interviewer")
    app.setApplicationDisplayName("Interviewer")
    folder = data_dir or default_data_dir()
    try:
        setup_logging(folder)
    except OSError as e:  # the store check below says what is wrong with the folder
        print(f"warning: no log file in {folder}: {e.strerror or e}", file=sys.stderr)
    try:
        lock = WindowLock(folder)
    except (AlreadyOpen, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        from interviewer.ui.dialogs import ErrorMessage

        ErrorMessage.show(None, "Interviewer is already open", str(e))
        return EXIT_STORAGE
    try:
        context = build_context(folder)
    except StorageError as e:
        lock.release()
        log.error("the data folder cannot be used: %s", e)
        print(f"error: {e.message} {e.fix}", file=sys.stderr)
        from interviewer.ui.dialogs import ErrorMessage

        ErrorMessage.show(None, "Interviewer cannot start", f"{e.message}\n\n{e.fix}")
        return EXIT_STORAGE
    log.info("started on %s (device %s)", folder, context.device_id)
    apply_look(app)
    from interviewer.ui.main_window import MainWindow

    window = MainWindow(context)
    handler = UnexpectedErrorHandler(window)
    previous_hook = sys.excepthook
    sys.excepthook = handler
    try:
        screen = app.primaryScreen()
        room = screen.availableGeometry() if screen is not None else None
        if room is not None and (room.width() < 1440 or room.height() < 860):
            window.showMaximized()  # a 1366x768 laptop: use all of it
        else:
            window.show()
        window.raise_()
        window.activateWindow()
        code = app.exec()
    finally:
        sys.excepthook = previous_hook
        window.tasks.wait()
        context.close()
        lock.release()
        log.info("stopped")
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m interviewer.app",
                                     description="The Interviewer desktop app.")
    parser.add_argument("--data-dir", type=Path, metavar="DIR",
                        help="the data folder (default: INTERVIEWER_HOME or the platform "
                             "data folder)")
    args, qt_args = parser.parse_known_args(argv)
    return run_app(args.data_dir, [sys.argv[0], *qt_args])


__all__ = ["UnexpectedErrorHandler", "apply_look", "display_available", "main", "run_app"]

if __name__ == "__main__":
    sys.exit(main())
