"""How reports write times, durations, opening hours and sizes."""

from __future__ import annotations

from datetime import UTC, datetime

from shopper.domain.business_hours import BusinessCalendar
from shopper.report.formats import (
    clock,
    hours_text,
    local_time,
    opening_hours,
    size_text,
    zone_of,
)


def test_clock() -> None:
    assert [clock(s) for s in (0, 5.4, 65, 3600, 3725, -5)] == [
        "0:00",
        "0:05",
        "1:05",
        "1:00:00",
        "1:02:05",
        "−0:05",
    ]


def test_hours_text() -> None:
    assert [hours_text(h) for h in (0.25, 1, 6.5, 47.9, 48, 66, 89)] == [
        "15 min",
        "1 h",
        "6.5 h",
        "47.9 h",
        "2 d",
        "2 d 18 h",
        "3 d 17 h",
    ]


def test_size_text() -> None:
    assert [size_text(n) for n in (13, 2048, 5 * 1024 * 1024)] == ["13 B", "2.0 KB", "5.0 MB"]


def test_local_time_and_unknown_zones() -> None:
    moment = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    assert local_time(moment, "Europe/Warsaw") == "2026-11-20 16:00 (Europe/Warsaw)"
    assert local_time(moment, "Europe/Warsaw", with_zone=False, weekday=True) == (
        "Fri 2026-11-20 16:00"
    )
    assert local_time(moment, "Mars/Olympus") == "2026-11-20 15:00 (UTC)"
    assert local_time(None, "UTC") == "—"
    assert zone_of("")[1] == "UTC"


def test_opening_hours_group_days_with_the_same_hours() -> None:
    hours = {d: ["09:00", "17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    hours["sat"] = ["10:00", "14:00"]
    hours["sun"] = ["00:00", "24:00"]
    calendar = BusinessCalendar.from_config("Europe/Warsaw", hours)
    assert opening_hours(calendar) == "Mon–Fri 09:00–17:00, Sat 10:00–14:00, Sun 00:00–24:00"
    split = BusinessCalendar.from_config(
        "UTC", {"mon": ["08:00", "12:00"], "wed": ["08:00", "12:00"]}
    )
    assert opening_hours(split) == "Mon 08:00–12:00, Wed 08:00–12:00"
    assert opening_hours(BusinessCalendar.from_config("UTC", {})) == "closed every day"
