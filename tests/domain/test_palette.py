"""The heat scale shared by the app and the reports."""

from __future__ import annotations

from shopper.domain.palette import HEAT_STOPS, heat_rgb


def test_the_stops_and_beyond() -> None:
    assert heat_rgb(None) is None
    assert heat_rgb(0) == HEAT_STOPS[0][1]
    assert heat_rgb(60) == HEAT_STOPS[1][1]
    assert heat_rgb(80) == HEAT_STOPS[2][1] == heat_rgb(100)
    assert heat_rgb(-5) == HEAT_STOPS[0][1]


def test_between_stops_the_colour_blends() -> None:
    low, high = HEAT_STOPS[1][1], HEAT_STOPS[2][1]
    mid = heat_rgb(70)
    assert mid is not None
    for channel in range(3):
        assert min(low[channel], high[channel]) <= mid[channel] <= max(low[channel], high[channel])
    assert mid not in (low, high)
