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
