"""Our .sav writer read back by pyreadstat and GNU PSPP, and the fast read of the answers
(the block parsed by pandas, the split text, row by row) giving the same files."""

from __future__ import annotations

import csv
import subprocess
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from sqlalchemy import update

from interviewer.export.sav import SavVariable, write_sav
from interviewer.services import export as export_service
from interviewer.services.export import ExportService
from interviewer.storage.models import Answer
from tests.export.helpers import Store
from tests.export.test_pspp import pspp_or_skip

LONG = "x" * 250 + "ł" * 200 + "|end"  # 654 bytes: a very long string, in 3 segments


def sample(path: Path) -> None:
    write_sav(path, [
        SavVariable("interview_id", np.array(["a", "bé", None, "d" * 12], dtype=object),
                    "Interview id"),
        SavVariable("colour", np.array([1.0, -98.0, np.nan, 3.0]), "Favourite colour",
                    "F8.0", "nominal", {1.0: "Red", 3.0: "Blue", -98.0: "Don't know",
                                        -99.0: "Refused"}, [-98.0, -99.0]),
        SavVariable("amount_with_a_rather_long_variable_name", np.array([1.5, 2.25, np.nan,
                                                                         -1.0]),
                    "Amount", "F10.2", "scale"),
        SavVariable("visit", pd.to_datetime(pd.Series(
            ["2026-11-02", None, "2026-01-01", "1999-12-31"])).to_numpy(), "Visit", "DATE11"),
        SavVariable("at", pd.to_datetime(pd.Series(
            ["2026-11-02T10:11:12", None, "2026-01-01T00:00:01", "1999-12-31T23:59:59"]))
            .to_numpy(), "At", "DATETIME20"),
        SavVariable("comment", np.array([LONG, "short", "", None], dtype=object), "Comment"),
        SavVariable("empty", np.array(["", "", "", ""], dtype=object), "Nothing"),
    ], 4)


def test_our_writer_reads_back_in_pyreadstat(tmp_path: Path) -> None:
    path = tmp_path / "t.sav"
    sample(path)
    data, meta = pyreadstat.read_sav(str(path), user_missing=True)
    assert data["interview_id"].tolist() == ["a", "bé", "", "d" * 12]
    np.testing.assert_array_equal(data["colour"], [1.0, -98.0, np.nan, 3.0])
    np.testing.assert_array_equal(data["amount_with_a_rather_long_variable_name"],
                                  [1.5, 2.25, np.nan, -1.0])
    assert data["visit"][0] == date(2026, 11, 2) and data["visit"][3] == date(1999, 12, 31)
    assert pd.isna(data["visit"][1])
    assert data["at"][0] == pd.Timestamp("2026-11-02T10:11:12")
    assert data["comment"].tolist() == [LONG, "short", "", ""]
    assert data["empty"].tolist() == ["", "", "", ""]
    assert meta.column_names_to_labels["colour"] == "Favourite colour"
    assert meta.variable_value_labels["colour"] == {1: "Red", 3: "Blue", -98: "Don't know",
                                                    -99: "Refused"}
    assert meta.missing_ranges["colour"] == [{"lo": -98.0, "hi": -98.0},
                                             {"lo": -99.0, "hi": -99.0}]
    assert meta.original_variable_types["visit"] == "DATE11"
    assert meta.original_variable_types["amount_with_a_rather_long_variable_name"] == "F10.2"
    assert meta.variable_measure["amount_with_a_rather_long_variable_name"] == "scale"


def test_our_writer_reads_back_in_pspp(tmp_path: Path) -> None:
    pspp = pspp_or_skip()
    path = tmp_path / "t.sav"
    sample(path)
    syntax = tmp_path / "t.sps"
    out = tmp_path / "t.csv"
    syntax.write_text(f"GET FILE='{path}'.\nSAVE TRANSLATE /OUTFILE='{out}' /TYPE=CSV "
                      "/FIELDNAMES /CELLS=VALUES /REPLACE.\n", encoding="utf-8")
    subprocess.run([pspp, str(syntax)], check=True, capture_output=True, timeout=60)
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["interview_id"].strip() for r in rows] == ["a", "bé", "", "d" * 12]
    assert [r["colour"].strip() for r in rows] == ["1", "-98", "", "3"]
    assert rows[0]["comment"].rstrip() == LONG
    assert [r["empty"].strip() for r in rows] == ["", "", "", ""]


def read_all(path: Path) -> dict[str, list[object]]:
    data, _ = pyreadstat.read_sav(str(path), user_missing=True)
    return {name: ["nan" if isinstance(v, float) and np.isnan(v) else v
                   for v in data[name].tolist()] for name in data.columns}


def test_parsed_and_split_reads_agree(store: Store, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    service = ExportService(store.context.db)
    service.export(store.supervisor, "Acme", tmp_path / "split.sav")
    monkeypatch.setattr(export_service, "PARSED", 1)  # pandas' parser for every block
    monkeypatch.setattr(export_service, "SETTLE", 1)
    service.export(store.supervisor, "Acme", tmp_path / "parsed.sav", batch=1)
    assert read_all(tmp_path / "parsed.sav") == read_all(tmp_path / "split.sav")


def test_separators_and_line_breaks_inside_answers(store: Store, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    odd = {store.ids[0]: f"one{export_service.SEP}two\nthree", store.ids[2]: "four\nfive"}
    with store.context.db.unit_of_work() as session:
        for interview_id, value in odd.items():
            session.execute(update(Answer).where(Answer.interview_id == interview_id,
                                                 Answer.path == "comment").values(value=value))
    monkeypatch.setattr(export_service, "PARSED", 1)
    ExportService(store.context.db).export(store.supervisor, "Acme", tmp_path / "odd.sav")
    data = read_all(tmp_path / "odd.sav")
    assert data["comment"] == [odd[store.ids[0]], "", "four\nfive"]
    assert data["age"] == [34, -99, 70]
    assert data["colour"] == [1, -98, 3]
