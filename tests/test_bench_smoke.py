"""The bench scripts still run (on small sizes): a bench that rots is found here, not
when someone needs its figures."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import answer_save  # noqa: E402
import checkout  # noqa: E402
import engine  # noqa: E402
import export as export_bench  # noqa: E402
import startup  # noqa: E402
import sync as sync_bench  # noqa: E402

from interviewer.questionnaire.compiled import load_form  # noqa: E402


def test_engine_bench_walks_its_form(tmp_path: Path) -> None:
    form = load_form(engine.make_form(tmp_path / "small.xlsx", sections=2, calculations=5))
    steps = engine.walk(form, incremental=True)
    # region, district, n_members, the sections, and per member its name and age (the
    # scripted age 7 keeps the work questions hidden)
    assert len(steps) == 3 + 2 * engine.PER_SECTION + 2 * engine.MEMBERS


def test_answer_save_bench_measures_both(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(answer_save, "ANSWERS", 10)
    ours, raw = answer_save.measure(tmp_path)
    assert len(ours) == len(raw) == 10


def test_startup_bench_prepares_its_store(tmp_path: Path) -> None:
    password = startup.prepare(tmp_path / "data")
    assert password and (tmp_path / "data" / "interviewer.sqlite").is_file()


@pytest.mark.postgres
def test_checkout_bench_claims_every_case_once(pg_url: str) -> None:
    # pg_url: skipped without a server, failed under CI=true; the bench makes its own db
    result = checkout.run(cases=40, processes=2, threads=2, think_ms=0)
    assert (result["claims"], result["double_claims"]) == (40, 0)


@pytest.mark.postgres
def test_sync_bench_pushes_and_measures_a_noop_sync(pg_url: str) -> None:
    result = sync_bench.main(interviews=50, central_size=200)
    assert set(result) >= {"push_s", "raw_s", "ratio", "noop_sync_ms"}
    assert result["push_s"] > 0 and result["raw_s"] > 0


def test_export_bench_exports_and_times_both(tmp_path: Path) -> None:
    import export as export_bench

    result = export_bench.run(interviews=40, folder=tmp_path)
    assert result["interviews"] == 40
    assert result["sav_s"] > 0 and result["raw_s"] > 0 and result["ratio"] > 0


def test_export_bench_times_both_sides() -> None:
    result = export_bench.main(["--quick"])
    assert result["interviews"] == export_bench.QUICK
    assert result["sav_s"] > 0 and result["raw_s"] > 0
    assert result["ratio"] == pytest.approx(result["sav_s"] / result["raw_s"], abs=0.1)
