"""Export speed: a survey of INTERVIEWS completed interviews of 50 variables, on an
SQLite central file, exported to SPSS .sav through ExportService (read in batches,
columns built, .sav written, plus the codebook and DDI beside it).

- sav_s: the whole export (`interviewer export SURVEY --out x.sav` minus start-up);
- raw_s: pyreadstat writing the same table (the exported file read back: the same
  columns, labels, value labels and missing values) straight from a pandas frame, timed
  right before and right after the export (the mean: both sides see the same load), in
  the same process: a fresh one, started once central is filled, as the command runs;
- ratio = sav_s / raw_s; the phases of the export are printed on the line before.
The form: 20 select_one with numeric names, 5 with text names, 10 integer and 5 decimal
questions accepting don't know / refused, 5 text, 3 date, 2 select_multiple (4 choices);
about 2% of the answers are don't know or refused. Rows are bulk-inserted (not measured),
with their answer sheets written as central's sync writes them (storage.sheets).
Prints one JSON object as its last line: {"sav_s": ..., "raw_s": ..., "ratio": ...}
Run: .venv/bin/python bench/export.py [--interviews N] [--quick]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyreadstat
from sqlalchemy import insert

from interviewer.services.common import SYSTEM, CurrentUser
from interviewer.services.export import ExportService
from interviewer.storage.central import open_central
from interviewer.storage.db import Database, sqlite_url
from interviewer.storage.ids import uuid7
from interviewer.storage.models import Answer, Interview, Survey, User
from interviewer.storage.sheets import write_sheets

INTERVIEWS = 100_000
QUICK = 500
T0 = datetime(2026, 11, 1, tzinfo=UTC)
SUPERVISOR = CurrentUser(id=uuid.UUID(int=7), username="sup", role="supervisor")


def form_text() -> str:
    rows = ["| survey |", "| | type | name | label | special |"]
    rows += [f"| | select_one scale | s{i} | Satisfaction {i} | |" for i in range(20)]
    rows += [f"| | select_one colour | c{i} | Colour {i} | dont_know refused |"
             for i in range(5)]
    rows += [f"| | integer | n{i} | Count {i} | dont_know refused |" for i in range(10)]
    rows += [f"| | decimal | d{i} | Amount {i} | dont_know refused |" for i in range(5)]
    rows += [f"| | text | t{i} | Comment {i} | |" for i in range(5)]
    rows += [f"| | date | day{i} | Day {i} | |" for i in range(3)]
    rows += [f"| | select_multiple fruit | m{i} | Fruit {i} | dont_know refused |"
             for i in range(2)]
    rows += ["| choices |", "| | list_name | name | label |"]
    rows += [f"| | scale | {v} | Level {v} |" for v in range(1, 6)]
    rows += [f"| | colour | {c} | {c.title()} |" for c in ("red", "green", "blue")]
    rows += [f"| | fruit | {f} | {f.title()} |" for f in ("apple", "pear", "plum", "fig")]
    rows += ["| settings |", "| | form_id | version |", "| | bench_export | 1 |"]
    return "\n".join(rows) + "\n"


def answer_of(name: str, rnd: random.Random) -> tuple[str | None, str | None]:
    kind = name.rstrip("0123456789")
    if kind in ("c", "n", "d", "m") and rnd.random() < 0.02:
        return None, rnd.choice(("dont_know", "refused"))
    if kind == "s":
        return str(rnd.randint(1, 5)), None
    if kind == "c":
        return rnd.choice(("red", "green", "blue")), None
    if kind == "n":
        return str(rnd.randint(0, 12)), None
    if kind == "d":
        return f"{rnd.uniform(0, 500):.2f}", None
    if kind == "t":
        return rnd.choice(("fine", "too slow", "great service", "")) or None, None
    if kind == "day":
        return (T0.date() + timedelta(days=rnd.randint(0, 60))).isoformat(), None
    return " ".join(sorted(rnd.sample(("apple", "pear", "plum", "fig"),
                                      rnd.randint(1, 3)))), None


def fill(db: Database, interviews: int, folder: Path) -> None:
    """The survey's interviews and answers, bulk-inserted (core inserts, batches)."""
    form = folder / "bench_export.md"
    form.write_text(form_text(), encoding="utf-8")
    from interviewer.services.questionnaires import QuestionnaireService

    published = QuestionnaireService(db).publish(SYSTEM, form, "Bench")
    names = [line.split("|")[3].strip() for line in form_text().splitlines()[2:52]]
    rnd = random.Random(7)
    with db.transaction() as c:
        c.execute(insert(User).values(id=SUPERVISOR.id, username="ann", role="interviewer",
                                      password_hash="x"))
        c.execute(insert(Survey).values(id=uuid7(), name="Unused", mode="capi",
                                        questionnaire_version_id=published.version_id))
    for start in range(0, interviews, 2000):
        rows, answers = [], []
        for i in range(start, min(interviews, start + 2000)):
            interview_id = uuid7()
            began = T0 + timedelta(minutes=i)
            rows.append({"id": interview_id, "survey_id": published.survey_id,
                         "questionnaire_version_id": published.version_id,
                         "interviewer_id": SUPERVISOR.id, "status": "completed",
                         "started_at": began, "updated_at": began,
                         "completed_at": began + timedelta(minutes=12)})
            for name in names:
                value, special = answer_of(name, rnd)
                if value is None and special is None:
                    continue
                answers.append({"id": uuid7(), "interview_id": interview_id, "question": name,
                                "path": name, "value": value, "special": special,
                                "answered_at": began})
        with db.transaction() as c:
            c.execute(insert(Interview), rows)
            c.execute(insert(Answer), answers)
            write_sheets(c, [row["id"] for row in rows])  # as central's sync does


def raw_write(table: Any, meta: Any, path: Path) -> float:
    start = time.perf_counter()
    pyreadstat.write_sav(table, str(path), column_labels=meta.column_names_to_labels,
                         variable_value_labels=meta.variable_value_labels,
                         missing_ranges={k: [r["lo"] for r in v]
                                         for k, v in meta.missing_ranges.items()},
                         variable_measure=meta.variable_measure,
                         variable_format=meta.original_variable_types)
    return time.perf_counter() - start


def run(interviews: int, folder: Path) -> dict[str, Any]:
    """Fill central here, then time the export in a fresh process, as `interviewer
    export` runs: this process's memory after inserting 5 million rows slows any large
    numpy work (measured: frames and write twice as slow, for both sides of the ratio
    but not equally), which no export meets in use."""
    db = open_central(sqlite_url(folder / "central.sqlite"))
    try:
        start = time.perf_counter()
        fill(db, interviews, folder)
        fill_s = time.perf_counter() - start
    finally:
        db.dispose()
    os.sync()  # the fill's gigabyte on disk first, not under the timed part
    done = subprocess.run([sys.executable, __file__, "--measure", str(folder),
                           "--interviews", str(interviews)],
                          check=True, capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    phases = json.loads(lines[-2])
    print(json.dumps({"fill_s": round(fill_s, 1), **phases}), flush=True)
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def measure(interviews: int, folder: Path) -> dict[str, Any]:
    """The timed part, on the filled central in `folder`: an export to warm the forms
    and the page cache, then pyreadstat, our export, pyreadstat again."""
    db = open_central(sqlite_url(folder / "central.sqlite"))
    try:
        service = ExportService(db)
        out = folder / "out" / "bench.sav"
        service.export(SUPERVISOR, "Bench", out)  # warm: forms parsed, pages cached
        table, meta = pyreadstat.read_sav(str(out), user_missing=True)
        before = raw_write(table, meta, folder / "raw_before.sav")
        start = time.perf_counter()
        report = service.export(SUPERVISOR, "Bench", out)
        sav_s = time.perf_counter() - start
        after = raw_write(table, meta, folder / "raw_after.sav")
        assert report.interviews == interviews and report.files[0].rows == interviews
        raw_s = (before + after) / 2
        print(json.dumps({"raw_before_s": round(before, 3), "raw_after_s": round(after, 3),
                          "columns": len(table.columns),
                          **{f"{k}_s": round(v, 3) for k, v in service.timings.items()}}))
        return {"sav_s": round(sav_s, 3), "raw_s": round(raw_s, 3),
                "ratio": round(sav_s / raw_s, 2), "interviews": interviews}
    finally:
        db.dispose()


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--interviews", type=int, default=INTERVIEWS)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK} interviews (smoke)")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the child's part
    args = parser.parse_args(argv)
    if args.measure is not None:
        result = measure(args.interviews, args.measure)
        print(json.dumps(result))
        return result
    with tempfile.TemporaryDirectory(prefix="bench-export-") as folder:
        result = run(QUICK if args.quick else args.interviews, Path(folder))
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
