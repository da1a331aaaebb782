"""Server-rendered SVG charts for the usage page: the geometry of bars, computed here,
drawn by `templates/admin/usage/_charts.html`. No JavaScript, and the same numbers go in
the tables beneath each chart."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

WIDTH, HEIGHT = 720, 220
LEFT, BOTTOM, TOP = 48, 24, 8


@dataclass
class Segment:
    key: str
    value: float
    y: float
    height: float


@dataclass
class Bar:
    label: str
    x: float
    width: float
    total: float
    segments: list[Segment] = field(default_factory=list)


@dataclass
class Chart:
    bars: list[Bar]
    maximum: float
    ticks: list[tuple[float, float]]  # (value, y)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: int = BOTTOM


def days(start: datetime, end: datetime) -> list[datetime]:
    """The UTC days of [start, end)."""
    found, day = [], start
    while day < end:
        found.append(day)
        day += timedelta(days=1)
    return found


def _nice(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def stacked(labels: list[str], values: list[dict[str, float]], keys: list[str]) -> Chart:
    """One bar per label, its segments stacked in `keys` order (bottom first)."""
    plot_h = HEIGHT - BOTTOM - TOP
    plot_w = WIDTH - LEFT - 8
    maximum = _nice(max([sum(v.values()) for v in values] or [0]))
    slot = plot_w / max(len(labels), 1)
    bars = []
    for index, (label, by_key) in enumerate(zip(labels, values, strict=True)):
        bar = Bar(label, LEFT + index * slot + slot * 0.15, max(slot * 0.7, 1),
                  sum(by_key.values()))
        base = HEIGHT - BOTTOM
        for key in keys:
            value = by_key.get(key, 0)
            if not value:
                continue
            height = value / maximum * plot_h
            base -= height
            bar.segments.append(Segment(key, value, round(base, 2), round(height, 2)))
        bars.append(bar)
    ticks = [(maximum * f, round(HEIGHT - BOTTOM - plot_h * f, 2)) for f in (0, 0.5, 1)]
    return Chart(bars, maximum, ticks)
