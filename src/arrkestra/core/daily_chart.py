"""A bar chart of one number per day (bytes mirrored), drawn by the page as inline SVG.

The page's Content-Security-Policy forbids inline styles, so sizes cannot come from CSS
computed in the browser: the geometry is computed here, in viewBox units, and the
template only writes ``<rect>`` elements with these numbers. Days are the user's days
(``storage.timezone``): a day's bar holds what finished between two local midnights,
which are 23 or 25 hours apart when the clocks change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

WIDTH = 900.0  # the viewBox: the SVG scales to the page's width (wide: one row of bars)
HEIGHT = 160.0
LEFT = 64.0  # room for the value labels
BOTTOM = 18.0  # room for the date labels
TOP = 6.0
GAP = 0.2  # of a bar's slot left empty between bars


@dataclass(frozen=True)
class Day:
    """One local day: ``[start, stop)`` in unix seconds, and its date."""

    date: date
    start: float
    stop: float


def last_days(now: float, zone: tzinfo, count: int) -> list[Day]:
    """The ``count`` local days ending with today (``now``'s), oldest first."""
    today = datetime.fromtimestamp(now, zone).date()
    first = today - timedelta(days=count - 1)
    dates = [first + timedelta(days=i) for i in range(count + 1)]
    edges = [datetime.combine(d, time(0), tzinfo=zone).timestamp() for d in dates]
    return [Day(dates[i], edges[i], edges[i + 1]) for i in range(count)]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str  # the tooltip: ``2024-05-01: 12.3 GiB``


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Chart:
    """What the template draws: bars, the axis, its labels, and the total."""

    width: float
    height: float
    bars: tuple[Bar, ...]
    axis_y: float  # the baseline, from LEFT to width
    left: float
    value_labels: tuple[Label, ...]  # the top value and zero, at the left
    date_labels: tuple[Label, ...]  # a few dates under the bars
    total: int
    empty: bool  # nothing at all in the period


def bar_chart(days: Sequence[Day], values: Sequence[int], said: Callable[[int], str]) -> Chart:
    """One bar per day, scaled to the largest value; ``said`` turns a value into words
    (``size``) for the tooltips and the axis labels."""
    top = max(values, default=0)
    slot = (WIDTH - LEFT) / max(len(days), 1)
    plot = HEIGHT - BOTTOM - TOP
    bars = []
    for i, (day, value) in enumerate(zip(days, values, strict=True)):
        height = 0.0 if top <= 0 else round(plot * value / top, 2)
        if value > 0:
            height = max(height, 1.0)  # a small day stays visible next to a huge one
        x = round(LEFT + i * slot + slot * GAP / 2, 2)
        bars.append(
            Bar(
                x=x,
                y=round(HEIGHT - BOTTOM - height, 2),
                width=round(slot * (1 - GAP), 2),
                height=height,
                title=f"{day.date.isoformat()}: {said(value)}",
            )
        )
    picks = sorted({0, len(days) // 2, len(days) - 1}) if days else []
    date_labels = tuple(
        Label(round(LEFT + i * slot + slot / 2, 2), HEIGHT - 4, days[i].date.strftime("%b %d"))
        for i in picks
    )
    value_labels = (
        Label(LEFT - 6, TOP + 8, said(top)),
        Label(LEFT - 6, HEIGHT - BOTTOM, said(0)),
    )
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        bars=tuple(bars),
        axis_y=HEIGHT - BOTTOM,
        left=LEFT,
        value_labels=value_labels,
        date_labels=date_labels,
        total=sum(values),
        empty=top <= 0,
    )
