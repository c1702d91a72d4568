"""Dates and times as the app shows them: one format everywhere, the user's locale's.

Lists, windows and dialogs show dates in the locale's short date format ("27/11/2026",
"11/27/26", "27.11.2026") and times in its short time format, read off `QLocale()`.
A machine with no locale set (the C locale) gets ISO dates and 24-hour times, which
read the same everywhere. Moments are shown in the zone they were recorded in (or
the one given); what the user types into a time field is read by
`domain.clock.parse_typed_moment`, which takes ISO text, whatever the locale.
"""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QDate, QLocale, QTime

from shopper.domain.clock import in_zone

ISO_DATE = "yyyy-MM-dd"
ISO_TIME = "HH:mm"


def _locale() -> QLocale:
    return QLocale()


def _plain(locale: QLocale) -> bool:
    """The C locale: no user preference to follow."""
    return locale.language() == QLocale.Language.C


def date_format() -> str:
    """The Qt date format of the app (for QDateEdit.setDisplayFormat too)."""
    locale = _locale()
    if _plain(locale):
        return ISO_DATE
    return locale.dateFormat(QLocale.FormatType.ShortFormat)


def time_format(*, seconds: bool = False) -> str:
    """The Qt time format of the app, with seconds if asked ("HH:mm:ss", "h:mm:ss AP")."""
    locale = _locale()
    fmt = ISO_TIME if _plain(locale) else locale.timeFormat(QLocale.FormatType.ShortFormat)
    if seconds and "ss" not in fmt:
        fmt = fmt.replace("mm", "mm:ss", 1)
    return fmt


def _wall(moment: datetime, zone: str | None) -> datetime:
    if zone is not None and moment.tzinfo is not None:
        return in_zone(moment, zone)
    return moment


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def day_text(moment: datetime | date, zone: str | None = None) -> str:
    """A date: "2026-11-27" (C locale), "27/11/2026" (en_GB), "11/27/26" (en_US)."""
    if isinstance(moment, datetime):
        moment = _wall(moment, zone).date()
    return _locale().toString(_qdate(moment), date_format())


def time_text(moment: datetime, zone: str | None = None, *, seconds: bool = False) -> str:
    """A time of day: "17:00", "5:00 PM"; with seconds if asked."""
    wall = _wall(moment, zone)
    qtime = QTime(wall.hour, wall.minute, wall.second)
    return _locale().toString(qtime, time_format(seconds=seconds))


def moment_text(moment: datetime, zone: str | None = None, *, seconds: bool = False) -> str:
    """A date and a time: "2026-11-27 17:00"."""
    return f"{day_text(moment, zone)} {time_text(moment, zone, seconds=seconds)}"


def weekday_text(moment: datetime, zone: str | None = None) -> str:
    """A moment with its day of the week, for what is due: "Fri 2026-11-27 17:00"."""
    wall = _wall(moment, zone)
    name = _locale().dayName(wall.isoweekday(), QLocale.FormatType.ShortFormat)
    return f"{name} {moment_text(wall)}"


def month_text(month: date) -> str:
    """A month on a chart's axis: "2026-03" (C locale), "Mar 26"."""
    locale = _locale()
    if _plain(locale):
        return f"{month:%Y-%m}"
    return f"{locale.monthName(month.month, QLocale.FormatType.ShortFormat)} {month:%y}"
