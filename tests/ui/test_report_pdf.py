"""The CX report as HTML (inline SVG charts) and as PDF through Qt (charts drawn as
images, since Qt's rich text draws no SVG)."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from interviewer.reports.cx_html import render_html
from interviewer.services.results import (
    Alert,
    Cell,
    CxReport,
    DayCount,
    Estimate,
    FieldworkProgress,
    InterviewerStats,
)
from interviewer.ui.report_pdf import html_to_pdf

NAME = "Retail <NPS> & Co"


def _estimate(metric: str, question: str, score: float, n: int, status: str) -> Estimate:
    return Estimate(metric=metric, question=question, label=f"{question} label", score=score,
                    low=score - 10, high=score + 10, n=n, target=20, status=status,
                    scale=10 if metric == "nps" else 5)  # type: ignore[arg-type]


def _report() -> tuple[CxReport, FieldworkProgress, list[InterviewerStats]]:
    nps = _estimate("nps", "nps", 12, 40, "below")
    csat = _estimate("csat", "csat", 71.5, 40, "ok")
    waves = [Cell(dimension="wave", key=k, estimates=[_estimate("nps", "nps", s, 20, "ok")])
             for k, s in (("W1", 30), ("W2", -5))]
    report = CxReport(
        survey_id=uuid.uuid4(), survey=NAME, generated_at=datetime(2026, 4, 1, 8, tzinfo=UTC),
        interviews=80, overall=[nps, csat], by_wave=waves,
        by_touchpoint=[Cell(dimension="touchpoint", key="shop", estimates=[csat])],
        by_segment=[Cell(dimension="segment", key="gold", estimates=[nps, csat])],
        alerts=[Alert(metric="nps", question="nps", dimension="all", key="all", score=12,
                      target=20, message="NPS of nps overall: 12.0, below the target 20")],
        follow_ups_open=3, follow_ups_closed=1, rates={"RR1": 0.25, "COOP1": None})
    fieldwork = FieldworkProgress(survey=NAME, cases=100, completes=80,
                                  cases_by_status={"completed": 80, "new": 20},
                                  completes_per_day=[DayCount(day=date(2026, 3, 2),
                                                              completes=80)])
    stats = [InterviewerStats(interviewer_id=uuid.uuid4(), name="Anna", completes=80,
                              hours=40, completes_per_hour=2, median_minutes=18.5, calls=200,
                              refusals=30, refusal_rate=0.15)]
    return report, fieldwork, stats


def test_html_is_self_contained_and_escaped() -> None:
    html = render_html(*_report())
    assert "Retail &lt;NPS&gt; &amp; Co" in html and NAME not in html
    # 1 trend (NPS by wave) + bars: wave NPS, touchpoint CSAT, segment NPS and CSAT
    assert html.count("<svg") == 5
    assert "target 20" in html and "NPS of nps overall: 12.0, below the target 20" in html
    assert "<script" not in html and "src=" not in html and "<link" not in html
    assert "25.0\u00a0%" in html and "18.5" in html


def test_pdf_has_the_charts_as_images(qapp: object, tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    html_to_pdf(render_html(*_report()), path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Subtype\s*/Image", data)) == 5  # every chart drawn
    if shutil.which("pdftotext"):  # poppler-utils: read the text back
        shown = subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                               text=True, check=True).stdout
        assert "Retail <NPS> & Co" in shown and "AAPOR outcome rates" in shown
    if shutil.which("pdfinfo"):  # the document's title, as a PDF reader lists it
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                              check=True).stdout
        title = next(line for line in info.splitlines() if line.startswith("Title:"))
        assert title.split(None, 1)[1] == "Customer experience results: Retail <NPS> & Co"


def test_pdf_to_a_missing_folder_is_refused(qapp: object, tmp_path: Path) -> None:
    with pytest.raises(OSError, match="does not exist"):
        html_to_pdf("<p>x</p>", tmp_path / "nowhere" / "r.pdf")


def test_the_trend_leaves_out_interviews_outside_the_waves() -> None:
    """"(outside waves)" is no wave after the last one: only its bar is drawn."""
    report, fieldwork, stats = _report()
    outside = Cell(dimension="wave", key="(outside waves)",
                   estimates=[_estimate("nps", "nps", 60, 5, "ok")])
    html = render_html(report.model_copy(update={"by_wave": [*report.by_wave, outside]}),
                       fieldwork, stats)
    trend = html[html.index("<h2>Trend by wave</h2>"):html.index("<h2>By wave</h2>")]
    bars = html[html.index("<h2>By wave</h2>"):html.index("<h2>By touchpoint</h2>")]
    assert "W2" in trend and "(outside waves)" not in trend
    assert "(outside waves)" in bars


def test_status_words_and_footnotes_say_what_is_measured() -> None:
    html = render_html(*_report())
    assert "WORSE THAN TARGET" in html and "BELOW TARGET" not in html
    assert "days in the respondent's time zone" in html.lower()
    assert "refusals per contact that reached a decision" in html
