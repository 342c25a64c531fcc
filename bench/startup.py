"""Start-up: process start to the login window shown, and opening a 2,000-question
interview to its first question shown (with the navigation panel filled).

The parent prepares a data folder (users, the 2,000-question form of bench/engine.py
published, a case assigned), then starts the app's code path in a fresh process three
times (offscreen when there is no display) and keeps the median of each figure.
Prints one JSON object as its last line:
    {"to_login_s": ..., "to_first_question_s": ...}
Run: .venv/bin/python bench/startup.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 3
HERE = Path(__file__).resolve().parent


def prepare(folder: Path) -> str:
    """A store with an interviewer and a case of the 2,000-question survey."""
    sys.path.insert(0, str(HERE))
    from engine import make_form

    from interviewer.context import build_context
    from interviewer.services.common import SYSTEM
    from interviewer.storage.models import Assignment, Case

    context = build_context(folder)
    password = "bench password"
    user = context.auth.add_user(SYSTEM, "anna", "interviewer", password)
    form = make_form(folder / "bench.xlsx")
    published = context.questionnaires.publish(SYSTEM, form, "Bench 2000")
    with context.db.unit_of_work() as session:
        case = Case(survey_id=published.survey_id, respondent_name="Bench", external_id="B1")
        session.add(case)
        session.flush()
        session.add(Assignment(case_id=case.id, interviewer_id=user.id))
    context.close()
    return password


def child(folder: Path, password: str) -> None:
    """The app's start, as run_app does it, then one interview opened."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from interviewer.app import apply_look
    from interviewer.context import build_context
    from interviewer.ui.interview_actions import open_interview
    from interviewer.ui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    context = build_context(folder)
    apply_look(app)
    window = MainWindow(context)
    window.show()

    def shown() -> None:
        window.grab()  # painted
        print(f"LOGIN {time.time()}", flush=True)
        user = context.auth.login("anna", password)
        service = context.interviewing(user)
        item = service.work_list()[0]
        assert item.case_id is not None
        t0 = time.perf_counter()
        opened = open_interview(service, item.case_id, item.respondent, item.external_id,
                                item.survey)
        window._on_interview_opened(opened)
        app.processEvents()
        window.grab()
        print(f"FIRST {time.perf_counter() - t0}", flush=True)
        app.quit()

    QTimer.singleShot(0, shown)
    app.exec()
    window.tasks.wait()
    context.close()


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), sys.argv[3])
        return
    env = dict(os.environ)
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    logins, firsts = [], []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        password = prepare(folder)
        for _ in range(RUNS):
            start = time.time()
            done = subprocess.run([sys.executable, __file__, "--child", str(folder), password],
                                  capture_output=True, text=True, env=env, check=True)
            lines = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)
            logins.append(float(lines["LOGIN"]) - start)
            firsts.append(float(lines["FIRST"]))
    print(f"runs: to login {[round(x, 3) for x in logins]}, to first question "
          f"{[round(x, 3) for x in firsts]}", file=sys.stderr)
    print(json.dumps({"to_login_s": round(statistics.median(logins), 3),
                      "to_first_question_s": round(statistics.median(firsts), 3)}))


if __name__ == "__main__":
    main()
