"""Confirming one answer, commit included, against a raw sqlite3 insert + commit of one
row with the same pragmas, in the same run and on the same disk.

Prints one JSON object as its last line:
    {"confirm_p99_ms": ..., "raw_p99_ms": ..., "ratio": ...}
Run: .venv/bin/python bench/answer_save.py
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from interviewer.context import build_context
from interviewer.demo import create_demo
from interviewer.storage.db import SQLITE_PRAGMAS

ANSWERS = 600


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98] * 1000


def measure(folder: Path) -> tuple[list[float], list[float]]:
    """Our confirm and the raw insert, interleaved one for one, so that both meet the same
    disk and the same load on the machine."""
    context = build_context(folder / "data")
    info = create_demo(context)
    user = context.auth.login("anna", info.passwords["anna"])
    service = context.interviewing(user)
    case = next(i for i in service.work_list() if i.survey == "Post-call CSAT")
    assert case.case_id is not None
    session = service.open(service.start(case.case_id))
    while session.screen().questions[0].type == "note":  # past the introduction
        session.next()
    key = session.screen().questions[0].key
    raw = sqlite3.connect(folder / "raw.sqlite", isolation_level=None)
    for pragma in SQLITE_PRAGMAS:
        raw.execute(pragma)
    raw.execute("CREATE TABLE answers (id TEXT PRIMARY KEY, path TEXT, value TEXT)")
    ours, baseline = [], []
    for i in range(ANSWERS):
        t0 = time.perf_counter()
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("INSERT INTO answers VALUES (?, ?, ?)", (f"id{i}", "csat", str(i)))
        raw.execute("COMMIT")
        t1 = time.perf_counter()
        problem = session.answer(key, 1 + i % 5)
        t2 = time.perf_counter()
        assert problem is None
        baseline.append(t1 - t0)
        ours.append(t2 - t1)
    raw.close()
    context.close()
    return ours, baseline


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ours, raw = measure(folder)
    print(f"{ANSWERS} answers; ours mean {statistics.fmean(ours) * 1000:.3f} ms, raw mean "
          f"{statistics.fmean(raw) * 1000:.3f} ms", file=sys.stderr)
    confirm, baseline = p99(ours), p99(raw)
    print(json.dumps({"confirm_p99_ms": round(confirm, 3), "raw_p99_ms": round(baseline, 3),
                      "ratio": round(confirm / baseline, 2)}))


if __name__ == "__main__":
    main()
