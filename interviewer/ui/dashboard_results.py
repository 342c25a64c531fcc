"""The "Results" tab of the dashboard: a card per overall estimate (score, 95% interval,
n, target and status), and for the metric question picked, a bar chart by wave,
touchpoint and segment and the trend by wave, each against the target."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from interviewer.metrics.targets import distinct_decimals
from interviewer.services.results import OUTSIDE_WAVES, Alert, Cell, CxReport, Estimate
from interviewer.ui.dashboard_charts import (
    NO_VALUE,
    Bar,
    ChartView,
    Scale,
    breakdown_chart,
    metric_scale,
    new_chart,
    trend_chart,
)

METRIC_NAMES = {"nps": "NPS", "csat": "CSAT", "ces": "CES"}
DIMENSION_NAMES = {"all": "overall", "wave": "wave", "touchpoint": "touchpoint",
                   "segment": "segment"}
CARDS_PER_ROW = 4
# "below" is worse than the target: higher, for a lower-is-better CES
STATUS_TEXT = {"ok": "On target", "below": "Worse than target", "no_target": "No target set",
               "no_data": "No scores yet"}


def scale_of(estimates: Sequence[Estimate], metric: str, top: int | None = None) -> Scale:
    values: list[float | None] = []
    for e in estimates:
        values += [e.score, e.low, e.high, e.target]
    return metric_scale(metric, values, top)


def score_text(metric: str, value: float | None) -> str:
    """NPS in points, CSAT in percent, CES as a mean with two decimals."""
    return metric_scale(metric, []).text(value)


def interval_text(estimate: Estimate) -> str:
    """"95% CI 12-38" (with an en dash); "95% CI -8 to 24" when a bound is negative
    (a dash there would read as a minus)."""
    low, high = estimate.low, estimate.high
    if low is None or high is None:
        return f"95% CI {NO_VALUE}"
    between = " to " if low < 0 else NO_VALUE
    return (f"95% CI {score_text(estimate.metric, low)}{between}"
            f"{score_text(estimate.metric, high)}")


def alert_text(alert: Alert, labels: dict[str, str]) -> str:
    """"NPS in wave 2026-Q3 is 18 (target 30)"; the question is named when the survey
    has several of that metric (`labels`: series -> its label, for those). A score and
    target that would read alike get more decimals (29.6, target 30.0)."""
    metric = METRIC_NAMES.get(alert.metric, alert.metric.upper())
    if alert.series in labels:
        metric += f" ({labels[alert.series]})"
    where = ("overall" if alert.dimension == "all"
             else f"in {DIMENSION_NAMES.get(alert.dimension, alert.dimension)} {alert.key}")
    shown = metric_scale(alert.metric, [])
    digits = distinct_decimals(alert.score, alert.target, shown.decimals)
    exact = Scale(shown.low, shown.high, digits, shown.suffix)
    return f"{metric} {where} is {exact.text(alert.score)} (target {exact.text(alert.target)})"


def repeated_metrics(report: CxReport) -> dict[str, str]:
    """The estimates whose metric more than one estimate measures, with their labels."""
    counts: dict[str, int] = {}
    for e in report.overall:
        counts[e.metric] = counts.get(e.metric, 0) + 1
    return {e.series: e.label for e in report.overall if counts[e.metric] > 1}


def bars_of(cells: Sequence[Cell], metric: str, series: str) -> list[Bar]:
    """A bar per cell that has scores of the estimate (Estimate.series)."""
    bars = []
    for cell in cells:
        for e in cell.estimates:
            if e.metric == metric and e.series == series:
                bars.append(Bar(cell.key, e.score, e.low, e.high, e.n, e.status == "below"))
    return bars


def _set_state(label: QLabel, name: str, error: bool = False) -> None:
    label.setObjectName(name)
    label.setProperty("error", error)
    label.style().unpolish(label)
    label.style().polish(label)


class EstimateCard(QFrame):
    """One overall estimate: what, the score large, its interval, n, target, status."""

    def __init__(self, estimate: Estimate, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("questionCard")
        self.estimate = estimate
        metric = METRIC_NAMES.get(estimate.metric, estimate.metric)
        self.metric_name = QLabel(metric, self)
        self.metric_name.setObjectName("panelTitle")
        self.question = QLabel(estimate.label or estimate.question, self)
        self.question.setObjectName("caption")
        self.question.setWordWrap(True)
        self.question.setToolTip(f"{estimate.label} ({estimate.question})")
        self.score = QLabel(score_text(estimate.metric, estimate.score), self)
        self.score.setObjectName("metricScore")
        font = QFont(self.score.font())  # until the style sheet has a rule for it
        font.setPointSize(24)
        font.setBold(True)
        self.score.setFont(font)
        self.interval = QLabel(interval_text(estimate), self)
        self.interval.setObjectName("caption")
        self.n = QLabel(f"n = {estimate.n}", self)
        self.n.setObjectName("caption")
        target = ("no target" if estimate.target is None
                  else f"target {score_text(estimate.metric, estimate.target)}")
        self.status = QLabel(f"{STATUS_TEXT.get(estimate.status, estimate.status)}"
                             f" · {target}", self)
        self.status.setProperty("status", estimate.status)
        if estimate.status in ("ok", "below"):
            _set_state(self.status, "notice", error=estimate.status == "below")
        else:
            _set_state(self.status, "caption")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 10, 16, 12)
        layout.setSpacing(2)
        layout.addWidget(self.metric_name)
        layout.addWidget(self.question)
        layout.addWidget(self.score)
        facts = QHBoxLayout()
        facts.addWidget(self.interval)
        facts.addStretch(1)
        facts.addWidget(self.n)
        layout.addLayout(facts)
        layout.addWidget(self.status)


class ResultsTab(QScrollArea):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboardScroll")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget(self)
        inner.setObjectName("cardsBox")
        self.setWidget(inner)
        self.report: CxReport | None = None
        self.cards: list[EstimateCard] = []
        self.cards_grid = QGridLayout()
        self.cards_grid.setSpacing(12)
        self.empty = QLabel("No completed interviews with scores yet.", inner)
        self.empty.setObjectName("hint")
        self.question = QComboBox(inner)
        self.question.setObjectName("dashboardQuestion")
        self.question.setAccessibleName("Metric question for the charts")
        self.question.setMinimumWidth(560)
        self.charts = {name: ChartView(inner) for name in ("wave", "trend", "touchpoint",
                                                           "segment")}
        picker = QHBoxLayout()
        title = QLabel("Charts of", inner)
        title.setObjectName("panelTitle")
        picker.addWidget(title)
        picker.addWidget(self.question)
        picker.addStretch(1)
        grid = QGridLayout()
        grid.setSpacing(12)
        for i, name in enumerate(("wave", "trend", "touchpoint", "segment")):
            grid.addWidget(self.charts[name], i // 2, i % 2)
        layout = QVBoxLayout(inner)
        layout.setContentsMargins(0, 4, 8, 8)
        layout.setSpacing(12)
        layout.addLayout(self.cards_grid)
        layout.addWidget(self.empty)
        layout.addLayout(picker)
        layout.addLayout(grid)
        layout.addStretch(1)
        self.question.currentIndexChanged.connect(self._draw)

    def show_report(self, report: CxReport) -> None:
        self.report = report
        self._show_cards(report.overall)
        keep = self.question.currentData()
        self.question.blockSignals(True)
        self.question.clear()
        for e in report.overall:
            self.question.addItem(f"{METRIC_NAMES.get(e.metric, e.metric)} · "
                                  f"{e.label or e.question}", e.series)
        at = self.question.findData(keep) if keep is not None else -1
        self.question.setCurrentIndex(max(at, 0) if report.overall else -1)
        self.question.blockSignals(False)
        self._draw()

    def clear(self) -> None:
        """Nothing shown: no cards, no charts (another survey's are not this one's)."""
        self.report = None
        self._show_cards([])
        self.empty.hide()
        self.question.blockSignals(True)
        self.question.clear()
        self.question.blockSignals(False)
        for chart in self.charts.values():
            chart.show_chart(new_chart(""))

    def card(self, series: str) -> EstimateCard | None:
        """The card of an estimate: its question, or "q (1-7)" for one split by scale."""
        return next((c for c in self.cards if c.estimate.series == series), None)

    def _show_cards(self, estimates: Sequence[Estimate]) -> None:
        for card in self.cards:
            self.cards_grid.removeWidget(card)
            card.hide()
            card.deleteLater()
        self.cards = []
        for i, estimate in enumerate(estimates):
            card = EstimateCard(estimate, self.widget())
            self.cards.append(card)
            self.cards_grid.addWidget(card, i // CARDS_PER_ROW, i % CARDS_PER_ROW)
        for column in range(CARDS_PER_ROW):
            self.cards_grid.setColumnStretch(column, 1)
        self.empty.setVisible(not any(e.n for e in estimates))

    def _draw(self) -> None:
        report, series = self.report, self.question.currentData()
        overall = next((e for e in report.overall if e.series == series), None) \
            if report is not None else None
        if report is None or overall is None:
            return
        metric, target = overall.metric, overall.target
        name = METRIC_NAMES.get(metric, metric)
        cells = {"wave": report.by_wave, "touchpoint": report.by_touchpoint,
                 "segment": report.by_segment}
        every = [e for cs in cells.values() for c in cs for e in c.estimates
                 if e.series == series] + [overall]
        scale = scale_of(every, metric, overall.scale)
        for dimension, found in cells.items():
            self.charts[dimension].show_chart(breakdown_chart(
                f"{name} by {dimension}", bars_of(found, metric, series), scale, target))
        waves = [c for c in report.by_wave if c.key != OUTSIDE_WAVES]  # no next wave
        self.charts["trend"].show_chart(trend_chart(
            f"{name} trend by wave", bars_of(waves, metric, series), scale, target))


__all__ = ["METRIC_NAMES", "EstimateCard", "ResultsTab", "alert_text", "bars_of",
           "interval_text", "repeated_metrics", "score_text"]
