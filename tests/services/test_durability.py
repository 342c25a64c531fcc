"""Nothing confirmed on screen may be lost: a child process answers interviews through
the interviewing service and is killed with SIGKILL at random moments. After each kill
the store passes integrity_check, every acknowledged answer is there, and the interview
resumes on the screen where it was left (or the one it was being moved to)."""

from __future__ import annotations

import json
import os
import random
import selectors
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from interviewer.context import build_context
from interviewer.demo import create_demo
from interviewer.storage.db import integrity_ok

ROOT = Path(__file__).resolve().parents[2]
KILLS = int(os.environ.get("INTERVIEWER_DURABILITY_KILLS", "100"))


def stored(value: Any) -> str:
    """An acknowledged answer as the store keeps it."""
    if isinstance(value, list):
        return " ".join(value)
    return str(value)


def run_until_killed(data: Path, password: str, delay: float) -> list[str]:
    """Start the worker, let it answer for `delay` seconds after it is ready, SIGKILL it,
    and return every line it managed to print."""
    proc = subprocess.Popen([sys.executable, "-m", "tests.services.durability_worker",
                             str(data), "anna", password], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    lines = []
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    ready_by = time.monotonic() + 60
    deadline = None
    while True:
        now = time.monotonic()
        if deadline is not None and now >= deadline:
            break
        if deadline is None and now > ready_by:
            proc.kill()
            raise AssertionError(f"worker never got ready: {proc.stderr.read() if proc.stderr else ''}")
        if selector.select(timeout=0.01):
            line = proc.stdout.readline()
            if not line:
                break  # it ended by itself
            lines.append(line.strip())
            if line.strip() == "READY":
                deadline = time.monotonic() + delay
    proc.kill()
    out, _ = proc.communicate()
    lines.extend(x.strip() for x in out.splitlines() if x.strip())
    return lines


def test_sigkill_never_loses_a_confirmed_answer(tmp_path: Path) -> None:
    data = tmp_path / "data"
    context = build_context(data)
    info = create_demo(context)
    rng = random.Random(20261125)
    acked: dict[tuple[str, str], str] = {}
    positions: dict[str, list[str]] = {}
    for kill in range(KILLS):
        lines = run_until_killed(data, info.passwords["anna"], rng.uniform(0.0, 0.5))
        last_interview = None
        for line in lines:
            kind, _, rest = line.partition(" ")
            if kind == "ACK":
                interview, key, value = rest.split(" ", 2)
                acked[(interview, key)] = stored(json.loads(value))
            elif kind == "AT":
                interview, position = rest.split(" ", 1)
                positions.setdefault(interview, []).append(position)
                last_interview = interview
        ok, text = integrity_ok(data / "interviewer.sqlite")
        assert ok, f"kill {kill}: integrity_check says {text}"
        connection = sqlite3.connect(data / "interviewer.sqlite")
        try:
            rows = {(str(_uuid(i)), p): (v if v is not None else s)
                    for i, p, v, s in connection.execute(
                        "SELECT interview_id, path, value, special FROM answers")}
        finally:
            connection.close()
        missing = [k for k, v in acked.items() if rows.get(k) != v]
        assert missing == [], f"kill {kill}: confirmed answers lost: {missing[:5]}"
        if last_interview is not None:
            check_resume(context, info.passwords["anna"], last_interview,
                         positions[last_interview][-1])
    context.close()
    assert len(acked) > KILLS  # the kills came while answers were being given


def _uuid(raw: Any) -> str:
    import uuid

    return str(uuid.UUID(bytes=raw) if isinstance(raw, bytes) else uuid.UUID(str(raw)))


def check_resume(context: Any, password: str, interview: str, last_position: str) -> None:
    import uuid

    from interviewer.storage.models import Interview

    with context.db.unit_of_work() as s:
        row = s.get(Interview, uuid.UUID(interview))
        assert row is not None
        if row.status == "completed":  # killed after completing: nothing to resume
            assert row.completed_at is not None
            return
    user = context.auth.login("anna", password)
    session = context.interviewing(user).open(uuid.UUID(interview))
    order = [session._key_of(s) for s in session.navigator.screens()]
    assert session.position in order
    if last_position in order:
        at = order.index(last_position)
        assert session.position in order[at:at + 2], (
            f"resumed on {session.position}, the interviewer was at {last_position}")
