"""Time helpers: UTC storage, zone names and the machine's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from shopper.domain import clock
from shopper.domain.clock import (
    as_utc,
    in_zone,
    is_valid_zone,
    local_zone_name,
    now_utc,
    zone_names,
)


def test_now_utc_is_aware_utc() -> None:
    before = datetime.now(UTC)
    now = now_utc()
    after = datetime.now(UTC)
    assert now.tzinfo is UTC
    assert before <= now <= after


@pytest.mark.parametrize("name", ["UTC", "Europe/Warsaw", "America/New_York", "Asia/Kolkata"])
def test_valid_zones(name: str) -> None:
    assert is_valid_zone(name)


@pytest.mark.parametrize(
    "name", ["", "Mars/Olympus_Mons", "utc", "Europe/Warsaw ", "../etc/passwd", "/etc/localtime"]
)
def test_invalid_zones(name: str) -> None:
    assert not is_valid_zone(name)


def test_zone_names() -> None:
    names = zone_names()
    assert names == sorted(set(names))
    assert {"UTC", "Europe/Warsaw", "America/New_York"} <= set(names)
    assert all(is_valid_zone(name) for name in names[:: max(1, len(names) // 40)])


def test_as_utc() -> None:
    naive = datetime(2026, 11, 23, 10, 0)
    assert as_utc(naive) == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert as_utc(naive).tzinfo is UTC
    plus_two = datetime(2026, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    converted = as_utc(plus_two)
    assert (converted.hour, converted.tzinfo) == (10, UTC)
    assert converted == plus_two


def test_in_zone_follows_daylight_saving() -> None:
    winter = in_zone(datetime(2026, 1, 15, 10, 0, tzinfo=UTC), "Europe/Warsaw")
    summer = in_zone(datetime(2026, 7, 15, 10, 0, tzinfo=UTC), "Europe/Warsaw")
    assert (winter.hour, summer.hour) == (11, 12)
    assert str(winter.tzinfo) == "Europe/Warsaw"


def test_in_zone_takes_naive_as_utc() -> None:
    assert in_zone(datetime(2026, 1, 15, 10, 0), "Asia/Tokyo").hour == 19


@pytest.mark.parametrize("zone", ["Nowhere/Land", "", "../../etc/passwd"])
def test_in_zone_unknown_zone_gives_utc(zone: str) -> None:
    moment = in_zone(datetime(2026, 1, 15, 10, 0, tzinfo=timezone(timedelta(hours=1))), zone)
    assert (moment.hour, moment.tzinfo) == (9, UTC)


# -- local_zone_name ----------------------------------------------------------------------


@pytest.fixture
def etc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in for /etc: clock.Path("/etc/x") resolves to tmp_path/etc/x."""
    root = tmp_path / "etc"
    root.mkdir()

    def fake_path(name: str) -> Path:
        return root / Path(name).name

    monkeypatch.setattr(clock, "Path", fake_path)
    monkeypatch.delenv("TZ", raising=False)
    return root


def _link_localtime(etc: Path, zone: str) -> None:
    target = etc.parent / "usr" / "share" / "zoneinfo" / zone
    target.parent.mkdir(parents=True)
    target.write_bytes(b"TZif")
    (etc / "localtime").symlink_to(target)


def test_local_zone_from_tz_variable(etc: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _link_localtime(etc, "Europe/Warsaw")
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert local_zone_name() == "Asia/Tokyo"
    monkeypatch.setenv("TZ", ":America/New_York")
    assert local_zone_name() == "America/New_York"


def test_local_zone_from_localtime_link(etc: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _link_localtime(etc, "Europe/Warsaw")
    (etc / "timezone").write_text("Asia/Tokyo\n", encoding="utf-8")
    assert local_zone_name() == "Europe/Warsaw"
    monkeypatch.setenv("TZ", "Not/AZone")
    assert local_zone_name() == "Europe/Warsaw"


def test_local_zone_from_etc_timezone(etc: Path) -> None:
    (etc / "localtime").write_bytes(b"TZif")  # a copy, not a link: names no zone
    (etc / "timezone").write_text("America/New_York\n", encoding="utf-8")
    assert local_zone_name() == "America/New_York"


def test_local_zone_defaults_to_utc(etc: Path) -> None:
    assert local_zone_name() == "UTC"


def test_local_zone_ignores_garbage(etc: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "../../etc/passwd")
    (etc / "timezone").write_text("Not a zone\n", encoding="utf-8")
    assert local_zone_name() == "UTC"


def test_local_zone_unreadable_files(etc: Path) -> None:
    (etc / "timezone").mkdir()  # reading it fails with IsADirectoryError
    (etc / "localtime").symlink_to(etc / "localtime")  # a link to itself
    assert local_zone_name() == "UTC"


# -- times typed by a person ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "utc"),
    [
        ("2026-12-02 10:15:00", "2026-12-02T09:15:00+00:00"),  # what was misread as 12 Dec
        ("2026-12-02 10:15", "2026-12-02T09:15:00+00:00"),
        ("2026-12-02T10:15", "2026-12-02T09:15:00+00:00"),
        (" 2026-12-2  9:05 ", "2026-12-02T08:05:00+00:00"),
        ("2026-07-02 10:15", "2026-07-02T08:15:00+00:00"),  # summer time
    ],
)
def test_typed_times_are_read_in_the_zone(typed: str, utc: str) -> None:
    from shopper.domain.clock import parse_typed_moment

    assert parse_typed_moment(typed, "Europe/Warsaw").isoformat() == utc


def test_a_bare_time_is_on_the_given_day() -> None:
    from datetime import date

    from shopper.domain.clock import parse_typed_moment

    moment = parse_typed_moment("23:30", "Europe/Warsaw", day=date(2026, 12, 2))
    assert moment.isoformat() == "2026-12-02T22:30:00+00:00"


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("12/02/2026 10:15", "not a date and time like"),
        ("tomorrow", "not a date and time like"),
        ("2026-12-02", "not a date and time like"),
        ("", "not a date and time like"),
        ("2026-02-30 10:00", "no such day"),
        ("2026-12-02 25:00", "no such time"),
        ("2026-03-29 02:30", "did not happen in Europe/Warsaw"),
    ],
)
def test_what_cannot_be_read_is_refused_in_one_line(typed: str, words: str) -> None:
    from shopper.domain.clock import parse_typed_moment
    from shopper.domain.errors import ShopperError

    with pytest.raises(ShopperError) as refused:
        parse_typed_moment(typed, "Europe/Warsaw")
    assert words in str(refused.value)
    assert "\n" not in str(refused.value)


def test_what_a_time_was_understood_as_and_whether_it_is_far() -> None:
    from datetime import UTC, datetime, timedelta

    from shopper.domain.clock import describe_moment, implausible

    moment = datetime(2026, 12, 2, 9, 15, tzinfo=UTC)
    assert describe_moment(moment, "Europe/Warsaw") == "Wed 2 Dec 2026, 10:15:00 (Europe/Warsaw)"
    assert implausible(moment, now=moment + timedelta(days=3)) is None
    assert implausible(moment, now=moment - timedelta(days=40)) == "40 days from now"
    assert implausible(moment, now=moment + timedelta(days=31)) == "31 days ago"
