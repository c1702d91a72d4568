"""Charts over time: ticks, scales, heat colours and drawings that survive odd data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from reportlab.graphics.shapes import Circle, Drawing, String

from shopper.domain.compare import trend
from shopper.report.styles import BAD
from shopper.report.timecharts import (
    LaneDot,
    MonthBar,
    TimeScale,
    TrendPoint,
    heat_fill,
    lane,
    month_bars,
    sparkline,
    time_ticks,
    trend_chart,
)

START = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)


def _strings(drawing: Drawing) -> list[str]:
    return [shape.text for shape in drawing.contents if isinstance(shape, String)]


def test_heat_fill_runs_red_amber_green() -> None:
    red, amber, green = heat_fill(0), heat_fill(60), heat_fill(80)
    assert red is not None and amber is not None and green is not None
    assert red.red > red.green and green.green > green.red
    assert heat_fill(100) == green and heat_fill(-5) == red
    mid = heat_fill(70)
    assert mid is not None and amber.red >= mid.red >= green.red
    assert heat_fill(None) is None


def test_time_ticks_fit_the_span() -> None:
    days = time_ticks(START, START + timedelta(days=20))
    assert 2 <= len(days) <= 8 and days[0][1] == "11 Jan"
    months = time_ticks(START, START + timedelta(days=300))
    assert all(" 2025" in label for _m, label in months)
    quarters = time_ticks(START, START + timedelta(days=800))
    assert all(moment.month in (1, 4, 7, 10) for moment, _ in quarters)
    years = time_ticks(START, START + timedelta(days=365 * 12), most=6)
    assert len(years) <= 6 and all(len(label) == 4 for _m, label in years)


def test_a_scale_around_one_moment_has_room() -> None:
    scale = TimeScale.around([START, START], 0, 100)
    assert scale.x(START) == 50
    wide = TimeScale.around([START, START + timedelta(days=10)], 0, 100)
    assert 0 < wide.x(START) < wide.x(START + timedelta(days=10)) < 100


def test_trend_chart_writes_scores_and_the_axis() -> None:
    points = [TrendPoint(START + timedelta(days=30 * n), 50 + 10 * n, BAD) for n in range(4)]
    drawing = trend_chart(points, width=400, height=150, marks=(60, 80))
    texts = _strings(drawing)
    assert {"0%", "100%", "50", "80"} <= set(texts)
    line = trend([(p.at, p.percent) for p in points]).line()  # the one fit the chart draws
    assert line is not None and line[1][1] > line[0][1]


def test_odd_series_still_draw() -> None:
    assert trend([(START, 40.0)] * 3).line() is None  # one moment: no slope
    assert trend_chart([], width=300, height=120).contents
    single = trend_chart([TrendPoint(START, 120, BAD)], width=300, height=120)
    assert "120" in _strings(single)  # clamped onto the chart, still labelled
    assert sparkline([], width=60, height=14).contents
    assert sparkline([50], width=60, height=14).contents
    empty = month_bars([], width=100, height=30)
    assert "10% failed" in _strings(empty)


def test_month_bars_and_lanes() -> None:
    months = [MonthBar(date(2025, m, 1), f, s) for m, f, s in ((11, 1, 4), (12, 0, 0), (1, 3, 3))]
    assert months[1].rate is None
    drawing = month_bars(months, width=120, height=40)
    assert "100% failed" in _strings(drawing)
    assert "2025" in _strings(drawing)  # January is named by its year
    scale = TimeScale.around([START, START + timedelta(days=5)], 0, 200)
    dots = [LaneDot(START, 0, BAD), LaneDot(START + timedelta(days=5), 2, BAD)]
    drawn = [s for s in lane(dots, scale, width=200).contents if isinstance(s, Circle)]
    assert len(drawn) == 2 and drawn[0].cy > drawn[1].cy
