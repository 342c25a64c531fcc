"""Small inline SVG charts for the HTML report: horizontal bars with interval whiskers
and a target line, and a trend line by wave. Plain SVG 1.1 (QSvgRenderer's Tiny subset
draws it too), every text escaped."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

BAR = "#4a77b4"
BELOW = "#c0504d"
INK = "#333333"
GRID = "#bbbbbb"
TARGET = "#e08a00"


@dataclass(frozen=True)
class Point:
    key: str
    score: float | None
    low: float | None
    high: float | None
    n: int
    below: bool = False


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _x(value: float, lowest: float, highest: float, left: float, width: float) -> float:
    share = (min(max(value, lowest), highest) - lowest) / (highest - lowest)
    return left + share * width


def bar_chart(points: list[Point], lowest: float, highest: float,
              target: float | None = None, width: int = 560, title: str = "") -> str:
    """One bar per point from the scale's low end (or 0, for a scale around 0), with
    its 95 % interval as a whisker and the target as a dashed line."""
    row, top, left, right = 26, 22 + _title_room(title), 150, 70
    height = top + row * max(len(points), 1) + 24
    plot = width - left - right
    base = 0.0 if lowest < 0 < highest else lowest
    parts = [_svg_open(width, height, title)]
    for tick in _ticks(lowest, highest):
        x = _x(tick, lowest, highest, left, plot)
        parts.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 20}" '
                     f'stroke="{GRID}" stroke-width="0.5"/>')
        parts.append(_text(x, height - 6, _fmt(tick), anchor="middle", size=10))
    for i, p in enumerate(points):
        y = top + i * row
        parts.append(_text(left - 8, y + 15, _short(p.key), anchor="end"))
        if p.score is None:
            parts.append(_text(left + 4, y + 15, "no data", size=10))
            continue
        x0, x1 = sorted((_x(base, lowest, highest, left, plot),
                         _x(p.score, lowest, highest, left, plot)))
        color = BELOW if p.below else BAR
        parts.append(f'<rect x="{x0:.1f}" y="{y + 5}" width="{max(x1 - x0, 1):.1f}" '
                     f'height="{row - 10}" fill="{color}"/>')
        if p.low is not None and p.high is not None:
            parts.append(_whisker_h(_x(p.low, lowest, highest, left, plot),
                                    _x(p.high, lowest, highest, left, plot), y + row / 2))
        parts.append(_text(left + plot + 6, y + 15, f"{_fmt(p.score)} (n={p.n})", size=10))
    if target is not None:
        x = _x(target, lowest, highest, left, plot)
        parts.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 20}" '
                     f'stroke="{TARGET}" stroke-width="2" stroke-dasharray="5,3"/>')
        parts.append(_text(x, top - 9, f"target {_fmt(target)}", anchor="middle", size=10,
                           fill=TARGET))
    parts.append("</svg>")
    return "".join(parts)


def trend_chart(points: list[Point], lowest: float, highest: float,
                target: float | None = None, width: int = 560, height: int = 200,
                title: str = "") -> str:
    """Scores by wave, in wave order, joined by a line, with interval whiskers."""
    top, bottom, left, right = 16 + _title_room(title), 34, 44, 16
    height += _title_room(title)
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(points), 1)

    def y_of(value: float) -> float:
        share = (min(max(value, lowest), highest) - lowest) / (highest - lowest)
        return top + plot_h - share * plot_h

    parts = [_svg_open(width, height, title)]
    for tick in _ticks(lowest, highest):
        y = y_of(tick)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
                     f'stroke="{GRID}" stroke-width="0.5"/>')
        parts.append(_text(left - 4, y + 4, _fmt(tick), anchor="end", size=10))
    if target is not None:
        y = y_of(target)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
                     f'stroke="{TARGET}" stroke-width="2" stroke-dasharray="5,3"/>')
    line = []
    for i, p in enumerate(points):
        x = left + step * (i + 0.5)
        parts.append(_text(x, height - 16, _short(p.key, 18), anchor="middle", size=10))
        parts.append(_text(x, height - 4, f"n={p.n}", anchor="middle", size=9))
        if p.score is None:
            continue
        if p.low is not None and p.high is not None:
            parts.append(_whisker_v(x, y_of(p.low), y_of(p.high)))
        line.append(f"{x:.1f},{y_of(p.score):.1f}")
        parts.append(f'<circle cx="{x:.1f}" cy="{y_of(p.score):.1f}" r="4" '
                     f'fill="{BELOW if p.below else BAR}"/>')
    if len(line) > 1:
        parts.insert(1, f'<polyline points="{" ".join(line)}" fill="none" stroke="{BAR}" '
                        'stroke-width="1.5"/>')
    parts.append("</svg>")
    return "".join(parts)


def _title_room(title: str) -> int:
    return 22 if title else 0


def _svg_open(width: int, height: int, title: str = "") -> str:
    """The chart's title is drawn in it, so a page break never parts them."""
    heading = (f'<text x="0" y="15" font-size="13" font-weight="bold" fill="{INK}">'
               f"{escape(title)}</text>") if title else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" '
            'font-family="Helvetica, Arial, sans-serif">'
            f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>{heading}')


def _whisker_h(x_low: float, x_high: float, y: float) -> str:
    return (f'<g stroke="{INK}" stroke-width="1.2">'
            f'<line x1="{x_low:.1f}" y1="{y:.1f}" x2="{x_high:.1f}" y2="{y:.1f}"/>'
            f'<line x1="{x_low:.1f}" y1="{y - 5:.1f}" x2="{x_low:.1f}" y2="{y + 5:.1f}"/>'
            f'<line x1="{x_high:.1f}" y1="{y - 5:.1f}" x2="{x_high:.1f}" y2="{y + 5:.1f}"/>'
            "</g>")


def _whisker_v(x: float, y_low: float, y_high: float) -> str:
    return (f'<g stroke="{INK}" stroke-width="1.2">'
            f'<line x1="{x:.1f}" y1="{y_low:.1f}" x2="{x:.1f}" y2="{y_high:.1f}"/>'
            f'<line x1="{x - 5:.1f}" y1="{y_low:.1f}" x2="{x + 5:.1f}" y2="{y_low:.1f}"/>'
            f'<line x1="{x - 5:.1f}" y1="{y_high:.1f}" x2="{x + 5:.1f}" y2="{y_high:.1f}"/>'
            "</g>")


def _text(x: float, y: float, content: str, anchor: str = "start", size: int = 11,
          fill: str = INK) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" '
            f'text-anchor="{anchor}">{escape(content)}</text>')


def _short(text: str, limit: int = 22) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _ticks(lowest: float, highest: float) -> list[float]:
    span = highest - lowest
    step = next(s for s in (0.5, 1, 2, 5, 10, 20, 25, 50, 100) if span / s <= 8)
    first = -(-lowest // step) * step
    out = []
    value = first
    while value <= highest + 1e-9:
        out.append(value)
        value += step
    return out
