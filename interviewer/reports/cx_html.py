"""The CX report as one self-contained HTML file (inline CSS, inline SVG charts) to share
with staff: metric cards, trend by wave, breakdowns, alerts, fieldwork, productivity and
AAPOR rates. Layout is tables, so that Qt's rich text (the PDF) shows it alike."""

from __future__ import annotations

from html import escape

from interviewer.reports.svg import Point, bar_chart, trend_chart
from interviewer.services.results import (
    OUTSIDE_WAVES,
    Cell,
    CxReport,
    Estimate,
    FieldworkProgress,
    InterviewerStats,
)

NAMES = {"nps": "NPS", "csat": "CSAT", "ces": "CES"}
UNITS = {"nps": "NPS points -100..100", "csat": "% top-2-box", "ces": "mean score"}
STATUS = {"ok": "on target", "below": "WORSE THAN TARGET", "no_target": "no target set",
          "no_data": "no answers yet"}
DIMENSIONS = (("by_wave", "wave"), ("by_touchpoint", "touchpoint"),
              ("by_segment", "segment"))
CSS = """
body { font-family: Helvetica, Arial, sans-serif; color: #222; font-size: 11pt;
       margin: 0; padding: 16px 24px; max-width: 900px; }
h1 { font-size: 18pt; margin: 0 0 4px 0; }
h2 { font-size: 14pt; margin: 22px 0 6px 0; border-bottom: 1px solid #999; }
h3 { font-size: 11pt; margin: 12px 0 4px 0; }
p.meta { color: #555; margin: 0 0 8px 0; }
table.data { border-collapse: collapse; margin: 4px 0 10px 0; font-size: 9.5pt; }
table.data th, table.data td { border: 1px solid #bbb; padding: 2px 5px; }
table.data td, table.data th { white-space: nowrap; }
table.data th { background: #eee; text-align: left; }
td.num { text-align: right; }
td.card { border: 1px solid #888; padding: 8px 12px; vertical-align: top; }
.score { font-size: 20pt; font-weight: bold; }
.below { color: #b03030; font-weight: bold; }
.ok { color: #2b6e2b; }
.small { color: #555; font-size: 9pt; }
ul.alerts li { color: #b03030; }
@media print { body { padding: 0; } h2 { page-break-after: avoid; }
               svg { page-break-inside: avoid; } }
"""


def render_html(report: CxReport, fieldwork: FieldworkProgress,
                productivity: list[InterviewerStats]) -> str:
    title = f"Customer experience results: {report.survey}"
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">Survey <b>{escape(report.survey)}</b> &middot; generated '
        f"{report.generated_at:%Y-%m-%d %H:%M} UTC &middot; {report.interviews} completed "
        f"interviews &middot; follow-up cases: {report.follow_ups_open} open, "
        f"{report.follow_ups_closed} closed</p>",
        _cards(report.overall), _alerts(report), _trend(report), _breakdowns(report),
        _fieldwork(fieldwork), _productivity(productivity), _rates(report.rates),
        '<p class="small">Intervals are 95 %: adjusted Wald for NPS and CSAT, t for CES. '
        "Don't know, refused and empty answers are left out. An alert needs a score worse "
        "than its target with enough answers in its group. Waves and days are days in the "
        "respondent's time zone (the case's, else the survey's).</p>",
        "</body></html>"]
    return "\n".join(parts)


def score_text(metric: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    if metric == "nps":
        return f"{value:+.0f}"
    if metric == "csat":
        return f"{value:.1f}\u00a0%"
    return f"{value:.2f}"


def _interval(e: Estimate) -> str:
    if e.low is None or e.high is None:
        return "n/a"
    return f"{score_text(e.metric, e.low)} to {score_text(e.metric, e.high)}"


def _cards(estimates: list[Estimate]) -> str:
    if not estimates:
        return "<p>This survey's questionnaire has no CX metric question.</p>"
    cells = []
    for e in estimates:
        status_class = "below" if e.status == "below" else "ok" if e.status == "ok" else ""
        target = "" if e.target is None else f"target {score_text(e.metric, e.target)}, "
        cells.append(
            f'<td class="card" width="{100 // min(len(estimates), 4)}%">'
            f"<b>{NAMES[e.metric]}</b> &middot; {escape(e.question)}<br>"
            f'<span class="small">{escape(e.label)}</span><br>'
            f'<span class="score">{score_text(e.metric, e.score)}</span><br>'
            f'<span class="small">95 % interval {_interval(e)}; n = {e.n}</span><br>'
            f'<span class="{status_class}">{target}{STATUS[e.status]}</span></td>')
    rows = ["<tr>" + "".join(cells[i:i + 4]) + "</tr>" for i in range(0, len(cells), 4)]
    return ('<h2>Overall</h2><table cellspacing="8" cellpadding="0" width="100%">'
            + "".join(rows) + "</table>")


def _alerts(report: CxReport) -> str:
    if not report.alerts:
        return "<h2>Alerts</h2><p>No score is below its target (in a group large enough).</p>"
    items = "".join(f"<li>{escape(a.message)}</li>" for a in report.alerts)
    return f'<h2>Alerts</h2><ul class="alerts">{items}</ul>'


def _range(e: Estimate) -> tuple[float, float]:
    if e.metric == "nps":
        return -100.0, 100.0
    if e.metric == "csat":
        return 0.0, 100.0
    return 1.0, float(e.scale or 5)


def _points(cells: list[Cell], series: str) -> list[Point]:
    out = []
    for cell in cells:
        for e in cell.estimates:
            if e.series == series:
                out.append(Point(cell.key, e.score, e.low, e.high, e.n, e.status == "below"))
    return out


def _trend(report: CxReport) -> str:
    """By wave in wave order; the interviews outside every wave are no next wave."""
    waves = [c for c in report.by_wave if c.key != OUTSIDE_WAVES]
    if not waves:
        return ""
    parts = ["<h2>Trend by wave</h2>"]
    for e in report.overall:
        points = _points(waves, e.series)
        if points:
            parts.append(trend_chart(points, *_range(e), target=e.target,
                                     title=_chart_title(e)) + "<br>")
    return "".join(parts)


def _chart_title(e: Estimate) -> str:
    scale = f" 1-{e.scale}" if e.metric == "ces" and e.scale else ""
    return f"{NAMES[e.metric]} · {e.question} ({UNITS[e.metric]}{scale})"


def _breakdowns(report: CxReport) -> str:
    parts = []
    for field, name in DIMENSIONS:
        cells: list[Cell] = getattr(report, field)
        charts = []
        for e in report.overall:
            points = _points(cells, e.series)
            if points:
                charts.append(bar_chart(points, *_range(e), target=e.target,
                                        title=_chart_title(e)) + "<br>")
        if charts:
            parts.append(f"<h2>By {name}</h2>" + "".join(charts))
    return "".join(parts)


def _table(headers: list[str], rows: list[list[str]], numeric_from: int = 1,
           wide: bool = False) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="num" align="right">{escape(v)}</td>'
                         if i >= numeric_from else f"<td>{escape(v)}</td>"
                         for i, v in enumerate(row)) + "</tr>" for row in rows)
    width = ' width="100%"' if wide else ""
    return (f'<table class="data" border="1" cellspacing="0" cellpadding="3"{width}>'
            f"<tr>{head}</tr>{body}</table>")


def _fieldwork(progress: FieldworkProgress) -> str:
    parts = ["<h2>Fieldwork</h2>",
             f"<p>{progress.cases} cases, {progress.completes} completed interviews.</p>",
             "<h3>Cases by status</h3>",
             _table(["status", "cases"],
                    [[k, str(v)] for k, v in progress.cases_by_status.items()])]
    if progress.final_by_category:
        parts += ["<h3>Closed cases by AAPOR category</h3>",
                  _table(["category", "cases"],
                         [[k, str(v)] for k, v in progress.final_by_category.items()])]
    if progress.completes_per_day:
        parts += ["<h3>Completes per day</h3>",
                  _table(["day", "completes"],
                         [[d.day.isoformat(), str(d.completes)]
                          for d in progress.completes_per_day]),
                  '<p class="small">Days in the respondent\'s time zone (the case\'s, '
                  "else the survey's, else UTC).</p>"]
    return "".join(parts)


def _number(value: float | None, digits: int = 1, percent: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{100 * value:.{digits}f}\u00a0%" if percent else f"{value:.{digits}f}"


def _productivity(stats: list[InterviewerStats]) -> str:
    if not stats:
        return "<h2>Interviewer productivity</h2><p>No interviews or calls yet.</p>"
    rows = [[s.name, str(s.completes), _number(s.hours, 2), _number(s.completes_per_hour, 2),
             _number(s.median_minutes), str(s.calls), str(s.refusals),
             _number(s.refusal_rate, 1, percent=True)] for s in stats]
    return ("<h2>Interviewer productivity</h2>"
            + _table(["interviewer", "completes", "hours", "per hour", "median min",
                      "calls", "refusals", "refusal %"], rows,
                     wide=False)
            + '<p class="small">Hours: the working time of each completed interview (from '
              "its paradata: first to last event less the time it lay suspended; without "
              "paradata start to completion; at most 3 hours) plus the calls that did not "
              "end in a completed interview (no interview, break-offs). Refusal %: "
              "refusals per contact that reached a decision (refusals + completes + "
              "break-offs); calls that reached nobody do not count.</p>")


def _rates(rates: dict[str, float | None]) -> str:
    if not rates:
        return ""
    rows = [[name, _number(value, 1, percent=True)] for name, value in rates.items()]
    half = (len(rows) + 1) // 2
    return ("<h2>AAPOR outcome rates</h2><table><tr><td valign=\"top\">"
            + _table(["rate", "value"], rows[:half]) + '</td><td width="24"></td>'
            '<td valign="top">' + _table(["rate", "value"], rows[half:])
            + "</td></tr></table>")


__all__ = ["render_html", "score_text"]
