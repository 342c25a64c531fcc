"""GNU PSPP, an independent reader of .sav files, counts what the store holds. Without
pspp the test is skipped, except under CI=true, where it fails (.ci/run installs it)."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from interviewer.services.export import ExportService
from interviewer.storage.models import Answer
from tests.export.helpers import Store

CHECKED = ("consent", "colour", "age")


def pspp_or_skip() -> str:
    found = shutil.which("pspp")
    if found:
        return found
    message = "GNU PSPP (pspp) is not installed"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI=true: the PSPP tests must run; .ci/run installs it)",
                    pytrace=False)
    pytest.skip(message)


def frequencies(pspp: str, sav: Path, variables: tuple[str, ...]) -> dict[str, Counter[str]]:
    """Per variable, the count of each value as PSPP's FREQUENCIES prints it (values, not
    labels); user-missing values are counted under their code too."""
    syntax = sav.with_suffix(".sps")
    syntax.write_text(f"SET TNUMBERS=VALUES.\nGET FILE='{sav}'.\n"
                      f"FREQUENCIES VARIABLES={' '.join(variables)}.\n", encoding="utf-8")
    out = sav.with_suffix(".out.csv")
    subprocess.run([pspp, "-O", "format=csv", "-o", str(out), str(syntax)], check=True,
                   capture_output=True, timeout=60)
    counts: dict[str, Counter[str]] = {}
    current: Counter[str] | None = None
    section = ""
    with out.open(encoding="utf-8") as f:
        for row in csv.reader(f):
            if row and row[0].startswith("Table: ") and row[0] != "Table: Statistics":
                current = Counter()
                counts[row[0].removeprefix("Table: ")] = current
            elif current is not None and len(row) >= 3 and row[0] != "Total":
                section = row[0] or section
                if row[1] and row[2].isdigit():
                    current[f"{section}:{row[1]}"] = int(row[2])
    return counts


def test_pspp_frequencies_match_the_stored_answers(store: Store, tmp_path: Path) -> None:
    pspp = pspp_or_skip()
    sav = tmp_path / "acme.sav"
    ExportService(store.context.db).export(store.supervisor, "Acme", sav)
    counts = frequencies(pspp, sav, CHECKED)
    expected: dict[str, Counter[str]] = {q: Counter() for q in CHECKED}
    codes = {"red": "1", "green": "2", "blue": "3"}
    with store.context.db.unit_of_work() as session:
        rows = session.execute(select(Answer.question, Answer.value, Answer.special).where(
            Answer.interview_id.in_(store.ids[:3]), Answer.question.in_(CHECKED))).all()
    for question, value, special in rows:
        if special:
            key = f"Missing:{'-98' if special == 'dont_know' else '-99'}"
        else:
            key = f"Valid:{codes.get(value or '', value)}"
        expected[question][key] += 1
    labels = {"consent": "Do you agree?", "colour": "Favourite colour",
              "age": "Age in years"}
    for question in CHECKED:
        assert counts[labels[question]] == expected[question], question
    assert counts["Favourite colour"]["Missing:-98"] == 1  # don't know is user-missing
