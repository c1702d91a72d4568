"""Time helpers: every moment is stored in UTC together with the zone it was taken in."""

from __future__ import annotations

import os
import re
from contextlib import suppress
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from shopper.domain.errors import ShopperError


def now_utc() -> datetime:
    return datetime.now(UTC)


def local_zone_name() -> str:
    """The IANA name of this machine's time zone, or "UTC" when it cannot be told."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with suppress(OSError, RuntimeError):  # Python < 3.13 raises RuntimeError on a link loop
        link = Path("/etc/localtime").resolve()
        if "zoneinfo" in link.parts:
            candidates.append("/".join(link.parts[link.parts.index("zoneinfo") + 1 :]))
    with suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    for name in candidates:
        if name and is_valid_zone(name):
            return name
    return "UTC"


def is_valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone_names() -> list[str]:
    return sorted(available_timezones())


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; naive values are taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def in_zone(moment: datetime, zone: str) -> datetime:
    """The moment as wall-clock time in `zone` (UTC if the zone is unknown)."""
    try:
        return as_utc(moment).astimezone(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        return as_utc(moment)


# -- times typed by a person --------------------------------------------------------------

_TYPED = re.compile(
    r"^\s*(?:(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?:[ T]+|\s*$))?"
    r"(?:(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?\s*$"
)
PLAUSIBLE_SPAN = timedelta(days=30)
EXAMPLE = "2026-12-02 10:15 (or 10:15 for today)"


def parse_typed_moment(text: str, zone: str, *, day: date | None = None) -> datetime:
    """A date and time as a person types it, in `zone`, as an aware UTC datetime.

    Accepts "2026-12-02 10:15", "2026-12-02T10:15:00", "2026-12-2 9:05" and a bare time
    ("10:15", on `day`, else today in `zone`). Nothing else is guessed: no day-month
    orders, no names of months, so "12/02" never means two different days.

    Raises:
        ShopperError: one line saying what is wrong and what is expected.
    """
    match = _TYPED.match(text)
    if not text.strip() or match is None or match.group("hour") is None:
        raise ShopperError(f"{text.strip()[:40]!r} is not a date and time like {EXAMPLE}")
    where = ZoneInfo(zone) if is_valid_zone(zone) else UTC
    if match.group("year") is not None:
        try:
            on = date(int(match["year"]), int(match["month"]), int(match["day"]))
        except ValueError as exc:
            raise ShopperError(f"{text.strip()[:40]!r}: there is no such day ({exc})") from exc
    else:
        on = day or datetime.now(where).date()
    try:
        clock = time(int(match["hour"]), int(match["minute"]), int(match["second"] or 0))
    except ValueError as exc:
        raise ShopperError(f"{text.strip()[:40]!r}: there is no such time ({exc})") from exc
    local = datetime.combine(on, clock, tzinfo=where)
    # A wall-clock time skipped when the clocks went forward does not round-trip.
    if local.astimezone(UTC).astimezone(where).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ShopperError(
            f"{local:%Y-%m-%d %H:%M} did not happen in {zone}: the clocks went forward then"
        )
    return local.astimezone(UTC)


def describe_moment(moment: datetime, zone: str) -> str:
    """ "Wed 2 Dec 2026, 10:15:00 (Europe/Warsaw)": what a typed time was understood as."""
    local = in_zone(moment, zone)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M:%S} ({zone})"


def implausible(moment: datetime, *, now: datetime | None = None) -> str | None:
    """Why a time is worth a second look (more than 30 days from now), or None."""
    gap = moment - (now or now_utc())
    if abs(gap) > PLAUSIBLE_SPAN:
        side = "from now" if gap > timedelta(0) else "ago"
        return f"{abs(gap).days} days {side}"
    return None
