"""The dashboard's charts (QtCharts), built from plain values: a bar per group with its 95%
interval and the target, a trend by wave with the interval as a band, cases by status
and completes per day.

QtCharts has no error bars: each interval is a QLineSeries drawn as an "I" (a whisker
with caps) over the bar's centre; on a QBarCategoryAxis, x = i is the centre of bar i.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from PySide6.QtCharts import (
    QAbstractAxis,
    QAbstractBarSeries,
    QAbstractSeries,
    QAreaSeries,
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QDateTimeAxis,
    QHorizontalBarSeries,
    QLineSeries,
    QScatterSeries,
    QValueAxis,
)
from PySide6.QtCore import QDate, QDateTime, QMargins, QPointF, Qt, QTime
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QFrame, QSizePolicy, QWidget

# the style sheet's palette (resources/interviewer.qss)
INK = QColor("#1b2430")
MUTED = QColor("#46525e")
TITLE = QColor("#163b63")
BLUE = QColor("#1f5fae")
BELOW = QColor("#c9731a")  # a bar under its target: amber, with the target line red
TARGET = QColor("#a61b12")
BAND = QColor(31, 95, 174, 46)
GRID = QColor("#e2e7ed")
FRAME = QColor("#d3dae2")
NO_VALUE = "\N{EN DASH}"
DAY_MS = 86_400_000
CAP = 0.12  # half the width of an interval's caps, in bars (a bar is 1 wide)
LABEL_ROOM = 520  # px of labels a half-width chart holds side by side; more are slanted


@dataclass(frozen=True)
class Bar:
    """One group of a breakdown: its name, score, interval and n (score None: no data)."""

    label: str
    score: float | None
    low: float | None
    high: float | None
    n: int
    below: bool = False


@dataclass(frozen=True)
class Scale:
    """How a metric's values are shown: the axis range and the number format."""

    low: float
    high: float
    decimals: int
    suffix: str = ""

    def text(self, value: float | None) -> str:
        if value is None:
            return NO_VALUE
        return f"{value:.{self.decimals}f}{self.suffix}"


def metric_scale(metric: str, values: Sequence[float | None],
                 top: int | None = None) -> Scale:
    """NPS in points (a range around the data, within -100..100), CSAT in percent
    (0..100), CES as a mean on its 1..5 or 1..7 scale (`top`; else what values reach)."""
    seen = [v for v in values if v is not None]
    if metric == "csat":
        return Scale(0, 100, 0, "%")
    if metric == "ces":
        top = top if top in (5, 7) else 7 if any(v > 5 for v in seen) else 5
        return Scale(1, top, 2)
    lowest = min([0.0, *seen])
    highest = max([0.0, *seen])
    low = max(-100.0, math.floor((lowest - 5) / 10) * 10)
    high = min(100.0, math.ceil((highest + 5) / 10) * 10)
    return Scale(low, high, 0)


def _font(points: float, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSizeF(points)
    font.setBold(bold)
    return font


def new_chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    chart.setTitleFont(_font(11, bold=True))
    chart.setTitleBrush(QBrush(TITLE))
    chart.setBackgroundBrush(QBrush(QColor("#ffffff")))
    chart.setBackgroundPen(QPen(FRAME))
    chart.setBackgroundRoundness(8)
    chart.setMargins(QMargins(4, 4, 8, 4))
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    legend = chart.legend()
    legend.setFont(_font(9))
    legend.setLabelColor(MUTED)
    legend.setAlignment(Qt.AlignmentFlag.AlignBottom)
    legend.setVisible(False)
    return chart


def _style_axis(axis: QAbstractAxis) -> None:
    axis.setLabelsFont(_font(9))
    axis.setLabelsColor(MUTED)
    axis.setGridLineColor(GRID)
    axis.setLinePenColor(FRAME)


def nice_step(span: float, most: int = 6) -> float:
    """A tick interval of 1, 2 or 5 times a power of ten giving at most `most` steps."""
    if span <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(span / most))
    for factor in (1, 2, 5, 10):
        if span / (factor * power) <= most:
            return float(factor * power)
    return float(10 * power)


def ticks_at(axis: QValueAxis, low: float, high: float, whole: bool = False) -> None:
    """Round ticks from 0 (not the 5 evenly spread, odd-valued ones Qt draws)."""
    step = nice_step(high - low)
    if whole:
        step = max(1.0, round(step))
    axis.setRange(math.floor(low / step) * step, math.ceil(high / step) * step)
    axis.setTickType(QValueAxis.TickType.TicksDynamic)
    axis.setTickAnchor(0)
    axis.setTickInterval(step)


def value_axis(scale: Scale) -> QValueAxis:
    axis = QValueAxis()
    ticks_at(axis, scale.low, scale.high)
    decimals = 0 if axis.tickInterval() >= 1 else 1
    axis.setLabelFormat(f"%.{decimals}f{scale.suffix.replace('%', '%%')}")
    _style_axis(axis)
    return axis


def count_axis(top: int) -> QValueAxis:
    axis = QValueAxis()
    ticks_at(axis, 0, max(5, math.ceil(top * 1.12)), whole=True)
    axis.setLabelFormat("%d")
    _style_axis(axis)
    return axis


def category_axis(labels: Sequence[str], slant: bool = True) -> QBarCategoryAxis:
    axis = QBarCategoryAxis()
    axis.append(list(labels))
    _style_axis(axis)
    axis.setGridLineVisible(False)
    axis.setTruncateLabels(False)
    metrics = QFontMetrics(axis.labelsFont())
    room = sum(metrics.horizontalAdvance(label) + 24 for label in labels)
    if slant and room > LABEL_ROOM:
        axis.setLabelsAngle(-30)  # slanted rather than cut or overlapping
    return axis


def _add(chart: QChart, series: QAbstractSeries, *axes: QAbstractAxis) -> None:
    chart.addSeries(series)
    for axis in axes:
        series.attachAxis(axis)


def _hide_marker(chart: QChart, series: QAbstractSeries) -> None:
    for marker in chart.legend().markers(series):
        marker.setVisible(False)


def _target_series(scale: Scale, target: float) -> QLineSeries:
    line = QLineSeries()
    line.setName(f"Target {scale.text(target)}")
    pen = QPen(TARGET, 2)
    pen.setStyle(Qt.PenStyle.DashLine)
    line.setPen(pen)
    return line


def interval_series(at: float, low: float, high: float) -> QLineSeries:
    """An error bar across the bar at y = `at`: left cap, whisker, right cap."""
    whisker = QLineSeries()
    for x, y in ((low, at - CAP), (low, at + CAP), (low, at), (high, at), (high, at - CAP),
                 (high, at + CAP)):
        whisker.append(QPointF(x, y))
    whisker.setPen(QPen(INK, 1.6))
    return whisker


def breakdown_chart(title: str, bars: Sequence[Bar], scale: Scale,
                    target: float | None) -> QChart:
    """A horizontal bar per group, first at the top (amber when under the target), its
    interval as a whisker, the target as a dashed line. Group names, scores and n are
    the axis labels: horizontal, so eight or more long names stay readable."""
    chart = new_chart(title)
    shown = list(reversed(bars))  # Qt draws category 0 at the bottom
    y_axis = category_axis([f"{b.label} · {scale.text(b.score)} · n={b.n}" for b in shown],
                           slant=False)
    x_axis = value_axis(scale)
    chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
    chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
    scores = QBarSet("Score")
    scores.setColor(BLUE)
    scores.setBorderColor(BLUE)
    scores.setSelectedColor(BELOW)
    scores.append([b.score if b.score is not None else 0.0 for b in shown])
    for i, bar in enumerate(shown):
        if bar.below:
            scores.selectBar(i)
    series = QHorizontalBarSeries()
    series.setBarWidth(0.6)
    series.append(scores)
    _add(chart, series, y_axis, x_axis)
    first = True
    for i, bar in enumerate(shown):
        if bar.low is None or bar.high is None:
            continue
        whisker = interval_series(i, bar.low, bar.high)
        whisker.setName("95% interval")
        _add(chart, whisker, y_axis, x_axis)
        if not first:
            _hide_marker(chart, whisker)
        first = False
    if target is not None:
        line = _target_series(scale, target)
        line.append(target, -0.5)
        line.append(target, len(shown) - 0.5)
        _add(chart, line, y_axis, x_axis)
    chart.legend().setVisible(True)
    return chart


def trend_chart(title: str, bars: Sequence[Bar], scale: Scale,
                target: float | None) -> QChart:
    """The score by wave as a line with its interval as a band, and the target."""
    chart = new_chart(title)
    x_axis = category_axis([b.label for b in bars])
    y_axis = value_axis(scale)
    chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
    known = [(i, b) for i, b in enumerate(bars) if b.score is not None]
    with_interval = [(i, b) for i, b in known if b.low is not None and b.high is not None]
    if with_interval:
        upper, lower = QLineSeries(), QLineSeries()
        for i, bar in with_interval:
            assert bar.low is not None and bar.high is not None
            upper.append(i, bar.high)
            lower.append(i, bar.low)
        band = QAreaSeries(upper, lower)
        upper.setParent(band)  # the band does not own its edges; Python would free them
        lower.setParent(band)
        band.setName("95% interval")
        band.setBrush(QBrush(BAND))
        band.setPen(QPen(Qt.PenStyle.NoPen))
        _add(chart, band, x_axis, y_axis)
    line, points = QLineSeries(), QScatterSeries()
    line.setName("Score")
    line.setPen(QPen(BLUE, 2.5))
    points.setMarkerSize(9)
    points.setColor(BLUE)
    points.setBorderColor(QColor("#ffffff"))
    for i, bar in known:
        assert bar.score is not None
        line.append(i, bar.score)
        points.append(i, bar.score)
    _add(chart, line, x_axis, y_axis)
    _add(chart, points, x_axis, y_axis)
    _hide_marker(chart, points)
    if target is not None:
        line = _target_series(scale, target)
        line.append(-0.5, target)
        line.append(len(bars) - 0.5, target)
        _add(chart, line, x_axis, y_axis)
    chart.legend().setVisible(True)
    return chart


def status_chart(title: str, counts: dict[str, int]) -> QChart:
    """Cases by status as horizontal bars: long status names stay readable."""
    chart = new_chart(title)
    names = list(reversed(counts))  # the first at the top
    y_axis = QBarCategoryAxis()
    y_axis.append([name.replace("_", " ") for name in names] or [""])
    _style_axis(y_axis)
    y_axis.setGridLineVisible(False)
    x_axis = count_axis(max(counts.values(), default=0))
    chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
    chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
    cases = QBarSet("Cases")
    cases.setColor(BLUE)
    cases.setBorderColor(BLUE)
    cases.setLabelColor(INK)
    cases.setLabelFont(_font(9))
    cases.append([float(counts[name]) for name in names])
    series = QHorizontalBarSeries()
    series.setBarWidth(0.6)
    series.append(cases)
    series.setLabelsVisible(True)
    series.setLabelsFormat("@value")
    series.setLabelsPrecision(12)
    series.setLabelsPosition(QAbstractBarSeries.LabelsPosition.LabelsOutsideEnd)
    _add(chart, series, y_axis, x_axis)
    return chart


def _moment(day: date) -> QDateTime:
    return QDateTime(QDate(day.year, day.month, day.day), QTime(0, 0))


def every_day(days: Sequence[tuple[date, int]]) -> list[tuple[date, int]]:
    """The days from the first to the last, those without completes as 0: a line over
    a gap would show completes that never happened."""
    if not days:
        return []
    counts = dict(days)
    first, last = min(counts), max(counts)
    return [(first + timedelta(days=i), counts.get(first + timedelta(days=i), 0))
            for i in range((last - first).days + 1)]


def per_day_chart(title: str, days: Sequence[tuple[date, int]]) -> QChart:
    """Completes per day (left axis) and the running total (right axis) on a date axis
    whose ticks fall on whole days."""
    chart = new_chart(title)
    filled = every_day(days)
    per_day, points, total = QLineSeries(), QScatterSeries(), QLineSeries()
    per_day.setName("Per day")
    per_day.setPen(QPen(BLUE, 2))
    points.setMarkerSize(7)
    points.setColor(BLUE)
    points.setBorderColor(QColor("#ffffff"))
    total.setName("Total so far")
    total.setPen(QPen(QColor("#2f7d57"), 2.5))
    running = 0
    start = _moment(filled[0][0]).toMSecsSinceEpoch() if filled else 0
    for i, (_, count) in enumerate(filled):
        ms = float(start + i * DAY_MS)  # a QDateTime per day is slow on long fieldwork
        running += count
        per_day.append(ms, count)
        total.append(ms, running)
        if count:
            points.append(ms, count)
    first = filled[0][0] if filled else date(2000, 1, 1)  # no days: an empty chart
    span = len(filled) - 1 if filled else 0
    step = max(1, math.ceil(span / 7))  # at most 8 labels
    ticks = max(1, math.ceil(span / step))
    x_axis = QDateTimeAxis()
    x_axis.setFormat("dd MMM")
    x_axis.setRange(_moment(first - timedelta(days=step)),
                    _moment(first + timedelta(days=step * (ticks + 1))))
    x_axis.setTickCount(ticks + 3)
    _style_axis(x_axis)
    y_axis = count_axis(max((c for _, c in filled), default=0))
    y_total = count_axis(running)
    y_total.setGridLineVisible(False)
    y_total.setLabelsColor(QColor("#2f7d57"))
    chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
    chart.addAxis(y_total, Qt.AlignmentFlag.AlignRight)
    _add(chart, total, x_axis, y_total)
    _add(chart, per_day, x_axis, y_axis)
    _add(chart, points, x_axis, y_axis)
    _hide_marker(chart, points)
    chart.legend().setVisible(True)
    return chart


class ChartView(QChartView):
    """A chart view that drops its previous chart when given a new one."""

    def __init__(self, parent: QWidget | None = None, min_height: int = 300) -> None:
        super().__init__(parent)
        self.setObjectName("dashboardChart")
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setBackgroundBrush(QBrush(Qt.BrushStyle.NoBrush))  # the page shows around it
        self.setStyleSheet("background: transparent")
        self.setMinimumHeight(min_height)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._current: QChart | None = None
        self.show_chart(new_chart(""))

    def show_chart(self, chart: QChart) -> None:
        old = self._current
        self.setChart(chart)
        self._current = chart
        if old is not None:  # released by the view: nobody else deletes it
            old.deleteLater()

    def bar_sets(self) -> list[QBarSet]:
        """The bar sets shown (tests count the bars)."""
        return [bar_set for series in self.chart().series()
                if isinstance(series, QAbstractBarSeries) for bar_set in series.barSets()]


__all__ = ["Bar", "ChartView", "Scale", "breakdown_chart", "metric_scale", "per_day_chart",
           "status_chart", "trend_chart"]
