"""The bytes-per-day chart: local days (23 and 25 hours at the clock changes) and bars."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

from arrkestra.core.daily_chart import HEIGHT, bar_chart, last_days
from arrkestra.core.job_kinds.words import size

PARIS = ZoneInfo("Europe/Paris")


def test_days_are_local_midnights_and_the_clock_change_day_is_23_hours() -> None:
    now = datetime(2024, 4, 2, 10, 0, tzinfo=UTC).timestamp()
    days = last_days(now, PARIS, 3)
    assert [d.date for d in days] == [date(2024, 3, 31), date(2024, 4, 1), date(2024, 4, 2)]
    assert days[0].start == datetime(2024, 3, 30, 23, 0, tzinfo=UTC).timestamp()
    assert [d.stop - d.start for d in days] == [23 * 3600, 24 * 3600, 24 * 3600]
    assert all(a.stop == b.start for a, b in pairwise(days))  # no gap, no overlap
    assert days[-1].start <= now < days[-1].stop


def test_late_evening_utc_is_already_tomorrow_east_of_greenwich() -> None:
    now = datetime(2024, 10, 26, 23, 30, tzinfo=UTC).timestamp()  # 01:30 in Paris, the 27th
    days = last_days(now, PARIS, 1)
    assert days[0].date == date(2024, 10, 27)
    assert days[0].stop - days[0].start == 25 * 3600  # the clocks go back that night


def test_bars_scale_to_the_largest_day_and_a_small_day_stays_visible() -> None:
    days = last_days(datetime(2024, 5, 3, tzinfo=UTC).timestamp(), ZoneInfo("UTC"), 3)
    chart = bar_chart(days, [0, 10, 10_000_000], size)
    first, small, large = chart.bars
    assert first.height == 0 and small.height == 1.0  # 1e-6 of the top, drawn as one unit
    assert large.y + large.height == chart.axis_y and large.y < HEIGHT / 4
    assert [bar.title for bar in chart.bars][2] == "2024-05-03: 9.5 MiB"
    assert all(a.x + a.width < b.x for a, b in pairwise(chart.bars))
    assert chart.total == 10_000_010 and not chart.empty
    assert [label.text for label in chart.value_labels] == ["9.5 MiB", "0 B"]
    assert [label.text for label in chart.date_labels] == ["May 01", "May 02", "May 03"]


def test_a_period_without_copies_is_empty_with_flat_bars() -> None:
    days = last_days(0.0, ZoneInfo("UTC"), 30)
    chart = bar_chart(days, [0] * 30, size)
    assert chart.empty and chart.total == 0
    assert len(chart.bars) == 30 and {bar.height for bar in chart.bars} == {0.0}
