"""One date format across the app: the locale's, ISO when there is none."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from PySide6.QtCore import QDate, QLocale, QTime

from shopper.ui import dates

MOMENT = datetime(2026, 11, 27, 16, 0, 5, tzinfo=UTC)  # 17:00:05 in Warsaw


@pytest.fixture
def locale() -> Iterator[Any]:
    def use(name: str) -> None:
        QLocale.setDefault(QLocale.c() if name == "C" else QLocale(name))

    yield use
    QLocale.setDefault(QLocale.c())


def test_no_locale_reads_iso(locale: Any) -> None:
    assert dates.day_text(MOMENT, "Europe/Warsaw") == "2026-11-27"
    assert dates.moment_text(MOMENT, "Europe/Warsaw") == "2026-11-27 17:00"
    assert dates.moment_text(MOMENT, "Europe/Warsaw", seconds=True) == "2026-11-27 17:00:05"
    assert dates.time_text(MOMENT, "America/New_York") == "11:00"
    assert dates.weekday_text(MOMENT, "Europe/Warsaw").endswith(" 2026-11-27 17:00")
    assert dates.month_text(date(2026, 3, 1)) == "2026-03"
    assert dates.day_text(date(2026, 1, 2)) == "2026-01-02"
    assert dates.date_format() == "yyyy-MM-dd"


@pytest.mark.parametrize("name", ["en_GB", "en_US", "de_DE", "pl_PL"])
def test_the_locales_own_short_format(locale: Any, name: str) -> None:
    """Each locale's short format as Qt knows it (its exact text is Qt's, not ours)."""
    locale(name)
    own = QLocale(name)
    assert dates.date_format() == own.dateFormat(QLocale.FormatType.ShortFormat)
    day = dates.day_text(MOMENT, "Europe/Warsaw")
    assert day == own.toString(QDate(2026, 11, 27), QLocale.FormatType.ShortFormat)
    assert day != "2026-11-27" and "27" in day and "11" in day
    assert dates.moment_text(MOMENT, "Europe/Warsaw").startswith(day + " ")
    assert dates.time_text(MOMENT, "Europe/Warsaw") == own.toString(
        QTime(17, 0), QLocale.FormatType.ShortFormat
    )
    assert "05" in dates.time_text(MOMENT, "Europe/Warsaw", seconds=True)
    assert dates.month_text(date(2026, 3, 1)).endswith(" 26")
