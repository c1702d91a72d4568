"""How reports write times, durations, hours and file sizes."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shopper.domain.business_hours import WEEKDAYS, BusinessCalendar


def zone_of(name: str | None) -> tuple[ZoneInfo, str]:
    """The zone called `name`, or UTC when it is unknown, with the name actually used."""
    try:
        return ZoneInfo(name or "UTC"), name or "UTC"
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC"), "UTC"


def local_time(
    moment: datetime | None, zone: str | None, *, with_zone: bool = True, weekday: bool = False
) -> str:
    """A moment in a zone: "2026-11-23 14:03 (Europe/Warsaw)", "Mon 2026-11-23 14:03"."""
    if moment is None:
        return "—"
    tz, name = zone_of(zone)
    local = moment.astimezone(tz)
    text = f"{local:%a %Y-%m-%d %H:%M}" if weekday else f"{local:%Y-%m-%d %H:%M}"
    return f"{text} ({name})" if with_zone else text


def local_day(moment: datetime, zone: str | None) -> str:
    """The day of a moment in a zone: "2026-11-23"."""
    return f"{moment.astimezone(zone_of(zone)[0]):%Y-%m-%d}"


def clock(seconds: float) -> str:
    """Elapsed seconds as "m:ss", or "h:mm:ss" from an hour on; a minus sign when negative."""
    sign = "−" if seconds < 0 else ""
    total = round(abs(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{secs:02d}"
    return f"{sign}{minutes}:{secs:02d}"


def hours_text(hours: float) -> str:
    """A span of hours as a reader says it: "45 min", "6.5 h", "3 d 4 h"."""
    if hours < 1:
        return f"{hours * 60:.0f} min"
    if hours < 48:
        return f"{hours:.1f} h".replace(".0 h", " h")
    days, rest = divmod(round(hours), 24)
    return f"{days} d {rest} h" if rest else f"{days} d"


def size_text(size: int) -> str:
    """A file size: "812 B", "14.2 KB", "3.1 MB"."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def _hhmm(moment: time) -> str:
    return "24:00" if moment == time.max else f"{moment:%H:%M}"


def opening_hours(calendar: BusinessCalendar) -> str:
    """A company's opening hours grouped by day: "Mon–Fri 09:00–17:00, Sat 10:00–14:00"."""
    groups: list[tuple[list[str], str]] = []
    previous: str | None = None
    for day in WEEKDAYS:
        span = calendar.hours.get(day)
        hours = f"{_hhmm(span[0])}–{_hhmm(span[1])}" if span else None
        if hours is not None and hours == previous and groups:
            groups[-1][0].append(day)
        elif hours is not None:
            groups.append(([day], hours))
        previous = hours
    if not groups:
        return "closed every day"
    parts = []
    for days, hours in groups:
        first, last = days[0].capitalize(), days[-1].capitalize()
        label = first if len(days) == 1 else f"{first}–{last}"
        parts.append(f"{label} {hours}")
    return ", ".join(parts)
