"""Time helpers: every moment is stored in UTC together with the zone it was taken in."""

from __future__ import annotations

import os
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


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
