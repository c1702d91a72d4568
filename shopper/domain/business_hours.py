"""Business hours in a company's own time zone, exact across weekends, holidays and DST.

A response time "in business hours" counts only the time the company was
open: each working day's opening hours are turned into UTC instants in the
company's zone for that very date, so a day on which clocks change is 1 hour
shorter or longer in real time exactly as the wall clock says.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shopper.domain.errors import ShopperError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
MAX_HOLIDAYS = 3660
"""Ten years of closed days is plenty for one company."""


def hours_problem(hours: object) -> str | None:
    """What is wrong with opening hours as stored ({"mon": ["09:00", "17:00"], ...}), or None."""
    if not isinstance(hours, Mapping):
        return "expected weekday -> [opening, closing]"
    for day, span in hours.items():
        if day not in WEEKDAYS:
            return f"unknown day {str(day)[:20]!r} (use {', '.join(WEEKDAYS)})"
        if (
            not isinstance(span, (list, tuple))
            or len(span) != 2
            or not all(isinstance(t, str) and _HHMM.match(t) for t in span)
            or span[0] >= span[1]
        ):
            return f"{day} needs an opening and a later closing time as HH:MM"
    return None


def holidays_problem(holidays: object) -> str | None:
    """What is wrong with a list of closed dates (ISO, YYYY-MM-DD), or None."""
    if not isinstance(holidays, (list, tuple)):
        return "expected a list of dates (YYYY-MM-DD)"
    if len(holidays) > MAX_HOLIDAYS:
        return f"at most {MAX_HOLIDAYS:,} dates"
    for text in holidays:
        try:
            if not isinstance(text, str) or len(text) != 10:
                raise ValueError(text)
            date.fromisoformat(text)
        except ValueError:
            return f"{str(text)[:20]!r} is not a date (YYYY-MM-DD)"
    return None


def _parse_time(text: str) -> time:
    if text == "24:00":
        return time.max
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


@dataclass(frozen=True)
class BusinessCalendar:
    """Opening hours per weekday (local wall-clock time) and closed dates, in one zone."""

    zone: str
    hours: Mapping[str, tuple[time, time]]
    holidays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def from_config(
        cls, zone: str, hours: Mapping[str, Iterable[str]], holidays: Iterable[str] = ()
    ) -> BusinessCalendar:
        """Build from stored settings: {"mon": ["09:00", "17:00"], ...} and ISO dates."""
        parsed: dict[str, tuple[time, time]] = {}
        for day, span in hours.items():
            opens, closes = (_parse_time(t) for t in span)
            if day in WEEKDAYS and opens < closes:
                parsed[day] = (opens, closes)
        return cls(zone, parsed, frozenset(date.fromisoformat(h) for h in holidays))

    def open_intervals(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The UTC intervals the company is open between two instants."""
        _require_aware(start, end)
        # In UTC: Python compares and subtracts two datetimes sharing a tzinfo by their
        # wall-clock fields, which is off by the DST shift across a change.
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        zone = ZoneInfo(self.zone)
        first = start.astimezone(zone).date() - timedelta(days=1)
        last = end.astimezone(zone).date() + timedelta(days=1)
        intervals = []
        day = first
        while day <= last:
            span = self.hours.get(WEEKDAYS[day.weekday()])
            if span is not None and day not in self.holidays:
                opens = _instant(day, span[0], zone)
                closes = _instant(day, span[1], zone)
                lo, hi = max(opens, start), min(closes, end)
                if lo < hi:
                    intervals.append((lo, hi))
            day += timedelta(days=1)
        return intervals

    def is_working_day(self, day: date) -> bool:
        """Whether the company opens on this date (a weekday with hours, not a holiday)."""
        return WEEKDAYS[day.weekday()] in self.hours and day not in self.holidays

    def working_days_later(self, start: datetime, days: int) -> datetime:
        """When the `days`-th working day after `start`'s date closes, in UTC.

        Started on a Friday with 5 working days, Monday to Friday: the next Friday at
        closing time; a holiday in the week moves it to the Monday after. A company
        open no day of the week counts every day.
        """
        _require_aware(start)
        zone = ZoneInfo(self.zone)
        day = start.astimezone(zone).date()
        counted = 0
        working = any(WEEKDAYS[d] in self.hours for d in range(7))
        while counted < days:
            day += timedelta(days=1)
            if not working or self.is_working_day(day):
                counted += 1
        span = self.hours.get(WEEKDAYS[day.weekday()]) if working else None
        return _instant(day, span[1] if span else time.max, zone)

    def days_later(self, start: datetime, days: int) -> datetime:
        """The end of the `days`-th calendar day after `start`'s date, in the zone, in UTC."""
        _require_aware(start)
        zone = ZoneInfo(self.zone)
        return _instant(start.astimezone(zone).date() + timedelta(days=days), time.max, zone)

    def business_seconds(self, start: datetime, end: datetime) -> float:
        """Seconds of opening time between two aware instants (0 if end <= start)."""
        _require_aware(start, end)
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if end <= start:
            return 0.0
        return sum((hi - lo).total_seconds() for lo, hi in self.open_intervals(start, end))


def _instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time on a date.

    "24:00" is the start of the next day. A wall time skipped by a DST jump is
    taken after the jump (fold=0 shifts it forward), a repeated one at its
    first occurrence.
    """
    if wall == time.max:
        local = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    else:
        local = datetime.combine(day, wall, tzinfo=zone)
    return local.astimezone(UTC)


def _require_aware(*moments: datetime) -> None:
    for moment in moments:
        if moment.tzinfo is None:
            raise ValueError("business hours need aware datetimes")


@dataclass(frozen=True)
class ResponseTime:
    calendar_seconds: float
    business_seconds: float

    @property
    def calendar_hours(self) -> float:
        return self.calendar_seconds / 3600

    @property
    def business_hours(self) -> float:
        return self.business_seconds / 3600


def response_time(calendar: BusinessCalendar, sent: datetime, replied: datetime) -> ResponseTime:
    """How long a reply took, in calendar time and in the company's business hours.

    Raises:
        ShopperError: the reply is dated before the enquiry.
    """
    _require_aware(sent, replied)
    sent, replied = sent.astimezone(UTC), replied.astimezone(UTC)  # real time, not wall clock
    if replied < sent:
        raise ShopperError(
            "a reply cannot arrive before the enquiry was sent "
            f"(sent {sent:%Y-%m-%d %H:%M} UTC, reply {replied:%Y-%m-%d %H:%M} UTC)"
        )
    return ResponseTime((replied - sent).total_seconds(), calendar.business_seconds(sent, replied))
