"""Business hours: hand-made worked examples with exact numbers, and properties.

Dates used: 2025-05-12 is a Monday. DST in 2025: Europe/Warsaw springs forward on
Sunday 30 March (02:00 -> 03:00) and falls back on Sunday 26 October (03:00 -> 02:00);
America/New_York springs forward on Sunday 9 March and falls back on Sunday 2 November
(both at 02:00 local).
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopper.domain.business_hours import WEEKDAYS, BusinessCalendar, response_time
from shopper.domain.errors import ShopperError

HOUR = 3600.0
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")
NINE_TO_FIVE = {day: ["09:00", "17:00"] for day in WORKDAYS}
WARSAW = ZoneInfo("Europe/Warsaw")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(zone: ZoneInfo, *fields: int) -> datetime:
    """Wall-clock time in a zone (year, month, day, hour, minute)."""
    return utc(*fields).replace(tzinfo=zone)


def office(zone: str = "Europe/Warsaw", **kwargs: object) -> BusinessCalendar:
    return BusinessCalendar.from_config(zone, NINE_TO_FIVE, **kwargs)  # type: ignore[arg-type]


def every_day(zone: str, opens: str = "00:00", closes: str = "24:00") -> BusinessCalendar:
    return BusinessCalendar.from_config(zone, {day: [opens, closes] for day in WEEKDAYS})


# -- one day, a weekend, a holiday --------------------------------------------------


def test_within_one_working_day() -> None:
    calendar = office()
    start = local(WARSAW, 2025, 5, 13, 10, 15)
    end = local(WARSAW, 2025, 5, 13, 14, 45)
    assert calendar.business_seconds(start, end) == 4.5 * HOUR


def test_before_opening_and_after_closing_count_nothing() -> None:
    calendar = office()
    # 07:00 -> 19:00 on a Tuesday: only 09:00-17:00 counts.
    assert (
        calendar.business_seconds(
            local(WARSAW, 2025, 5, 13, 7, 0), local(WARSAW, 2025, 5, 13, 19, 0)
        )
        == 8 * HOUR
    )
    # Entirely in the evening: nothing.
    assert (
        calendar.business_seconds(
            local(WARSAW, 2025, 5, 13, 18, 0), local(WARSAW, 2025, 5, 13, 23, 0)
        )
        == 0.0
    )
    # Overnight from Tuesday 16:30 to Wednesday 09:30: 30 + 30 minutes.
    assert (
        calendar.business_seconds(
            local(WARSAW, 2025, 5, 13, 16, 30), local(WARSAW, 2025, 5, 14, 9, 30)
        )
        == 1 * HOUR
    )


def test_across_a_weekend() -> None:
    calendar = office()
    sent = local(WARSAW, 2025, 5, 16, 16, 0)  # Friday
    replied = local(WARSAW, 2025, 5, 19, 10, 0)  # Monday
    timing = response_time(calendar, sent, replied)
    assert timing.business_seconds == 2 * HOUR
    assert timing.business_hours == 2.0
    assert timing.calendar_seconds == 66 * HOUR
    assert timing.calendar_hours == 66.0


def test_weekend_alone_is_closed() -> None:
    calendar = office()
    assert (
        calendar.business_seconds(
            local(WARSAW, 2025, 5, 17, 0, 0), local(WARSAW, 2025, 5, 19, 0, 0)
        )
        == 0.0
    )


def test_across_a_holiday() -> None:
    # Thursday 1 May 2025 is a public holiday in Poland.
    sent = local(WARSAW, 2025, 4, 30, 16, 0)  # Wednesday
    replied = local(WARSAW, 2025, 5, 2, 10, 0)  # Friday
    with_holiday = office(holidays=["2025-05-01"])
    without = office()
    assert with_holiday.business_seconds(sent, replied) == 2 * HOUR
    assert without.business_seconds(sent, replied) == 10 * HOUR
    # An enquiry sent and answered on the holiday itself took no business time.
    assert (
        with_holiday.business_seconds(
            local(WARSAW, 2025, 5, 1, 9, 0), local(WARSAW, 2025, 5, 1, 17, 0)
        )
        == 0.0
    )
    assert with_holiday.holidays == frozenset({date(2025, 5, 1)})


def test_holiday_is_a_date_in_the_company_zone() -> None:
    # Children's Day, 5 May 2025, in Tokyo: closed from 4 May 15:00 UTC to 5 May 15:00 UTC.
    calendar = BusinessCalendar.from_config(
        "Asia/Tokyo", {day: ["00:00", "24:00"] for day in WEEKDAYS}, ["2025-05-05"]
    )
    start = utc(2025, 5, 4, 12, 0)  # 4 May 21:00 JST
    end = utc(2025, 5, 5, 12, 0)  # 5 May 21:00 JST
    assert calendar.business_seconds(start, end) == 3 * HOUR


# -- daylight-saving changes -----------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "start", "end", "calendar_hours"),
    [
        # Warsaw, spring forward: Fri 16:00 CET -> Mon 10:00 CEST.
        (
            "Europe/Warsaw",
            local(WARSAW, 2025, 3, 28, 16, 0),
            local(WARSAW, 2025, 3, 31, 10, 0),
            65,
        ),
        # Warsaw, fall back: Fri 16:00 CEST -> Mon 10:00 CET.
        (
            "Europe/Warsaw",
            local(WARSAW, 2025, 10, 24, 16, 0),
            local(WARSAW, 2025, 10, 27, 10, 0),
            67,
        ),
        # New York, spring forward: Fri 16:00 EST -> Mon 10:00 EDT.
        (
            "America/New_York",
            local(NEW_YORK, 2025, 3, 7, 16, 0),
            local(NEW_YORK, 2025, 3, 10, 10, 0),
            65,
        ),
        # New York, fall back: Fri 16:00 EDT -> Mon 10:00 EST.
        (
            "America/New_York",
            local(NEW_YORK, 2025, 10, 31, 16, 0),
            local(NEW_YORK, 2025, 11, 3, 10, 0),
            67,
        ),
    ],
)
def test_weekend_with_a_dst_change(
    zone: str, start: datetime, end: datetime, calendar_hours: int
) -> None:
    timing = response_time(office(zone), start, end)
    assert timing.business_seconds == 2 * HOUR
    assert timing.calendar_seconds == calendar_hours * HOUR


def test_the_utc_instants_of_the_example_are_what_we_think() -> None:
    # Guard the examples above: Monday 10:00 after the spring change is 08:00 UTC.
    assert local(WARSAW, 2025, 3, 31, 10, 0).astimezone(UTC) == utc(2025, 3, 31, 8, 0)
    assert local(WARSAW, 2025, 3, 28, 16, 0).astimezone(UTC) == utc(2025, 3, 28, 15, 0)
    assert local(NEW_YORK, 2025, 11, 3, 10, 0).astimezone(UTC) == utc(2025, 11, 3, 15, 0)


@pytest.mark.parametrize(
    ("start", "end", "business_hours", "calendar_hours"),
    [
        # Open 08:00-20:00 every day. The change night lies between the two open spans.
        (utc(2025, 3, 29, 17, 0), utc(2025, 3, 30, 8, 0), 4, 15),  # Sat 18:00 CET-Sun 10:00 CEST
        (utc(2025, 10, 25, 16, 0), utc(2025, 10, 26, 9, 0), 4, 17),  # Sat 18:00 CEST-Sun 10 CET
    ],
)
def test_window_spanning_the_change_night_counts_open_wall_clock_hours(
    start: datetime, end: datetime, business_hours: int, calendar_hours: int
) -> None:
    calendar = every_day("Europe/Warsaw", "08:00", "20:00")
    timing = response_time(calendar, start, end)
    assert timing.business_seconds == business_hours * HOUR
    assert timing.calendar_seconds == calendar_hours * HOUR


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("Europe/Warsaw", date(2025, 3, 30), 23),
        ("Europe/Warsaw", date(2025, 10, 26), 25),
        ("America/New_York", date(2025, 3, 9), 23),
        ("America/New_York", date(2025, 11, 2), 25),
        ("Europe/Warsaw", date(2025, 5, 18), 24),
    ],
)
def test_open_all_day_on_a_dst_day_counts_real_time(zone: str, day: date, hours: int) -> None:
    weekday = WEEKDAYS[day.weekday()]
    calendar = BusinessCalendar.from_config(zone, {weekday: ["00:00", "24:00"]})
    # From two days before to two days after: only that one day is open.
    start = datetime.combine(day - timedelta(days=2), time(12), tzinfo=UTC)
    end = datetime.combine(day + timedelta(days=2), time(12), tzinfo=UTC)
    assert calendar.business_seconds(start, end) == hours * HOUR
    (interval,) = calendar.open_intervals(start, end)
    opens, closes = interval
    assert opens == datetime.combine(day, time(0), tzinfo=ZoneInfo(zone))
    assert closes == datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(zone))


def test_a_window_inside_an_all_day_opening_across_the_change_is_real_time() -> None:
    calendar = every_day("Europe/Warsaw")
    start = local(WARSAW, 2025, 3, 29, 22, 0)  # Sat 22:00 CET
    end = local(WARSAW, 2025, 3, 30, 12, 0)  # Sun 12:00 CEST: 14 wall hours, 13 real
    assert calendar.business_seconds(start, end) == 13 * HOUR
    start = local(WARSAW, 2025, 10, 25, 22, 0)  # Sat 22:00 CEST
    end = local(WARSAW, 2025, 10, 26, 12, 0)  # Sun 12:00 CET: 14 wall hours, 15 real
    assert calendar.business_seconds(start, end) == 15 * HOUR


def test_opening_hours_that_contain_the_skipped_or_repeated_hour() -> None:
    sunday = {"sun": ["01:00", "05:00"]}
    calendar = BusinessCalendar.from_config("Europe/Warsaw", sunday)
    # 30 March: 02:00-03:00 does not exist, so 01:00-05:00 is 3 real hours.
    assert calendar.business_seconds(utc(2025, 3, 29, 0, 0), utc(2025, 3, 31, 0, 0)) == 3 * HOUR
    # 26 October: 02:00-03:00 happens twice, so 01:00-05:00 is 5 real hours.
    assert calendar.business_seconds(utc(2025, 10, 25, 0, 0), utc(2025, 10, 27, 0, 0)) == 5 * HOUR


def test_opening_at_a_skipped_wall_time_is_taken_after_the_jump() -> None:
    # Opens at 02:30 on the spring-forward Sunday: that wall time does not exist, so
    # the company opens at 03:30 CEST (01:30 UTC) and 02:30-04:00 is 30 real minutes.
    calendar = BusinessCalendar.from_config("Europe/Warsaw", {"sun": ["02:30", "04:00"]})
    assert calendar.open_intervals(utc(2025, 3, 29, 0, 0), utc(2025, 3, 31, 0, 0)) == [
        (utc(2025, 3, 30, 1, 30), utc(2025, 3, 30, 2, 0))
    ]


# -- a company far from UTC ----------------------------------------------------------


def test_company_in_tokyo_reply_sent_from_utc() -> None:
    calendar = BusinessCalendar.from_config(
        "Asia/Tokyo", {day: ["09:00", "18:00"] for day in WORKDAYS}
    )
    sent = utc(2025, 5, 16, 8, 0)  # Friday 17:00 JST
    replied = utc(2025, 5, 19, 1, 0)  # Monday 10:00 JST
    timing = response_time(calendar, sent, replied)
    assert timing.business_seconds == 2 * HOUR
    assert timing.calendar_seconds == 65 * HOUR

    # Sunday evening in UTC is already Monday morning in Tokyo.
    sent = utc(2025, 5, 18, 23, 30)  # Monday 08:30 JST
    replied = utc(2025, 5, 19, 2, 0)  # Monday 11:00 JST
    assert calendar.business_seconds(sent, replied) == 2 * HOUR

    # The same instants given in a third zone give the same answer.
    la = ZoneInfo("America/Los_Angeles")
    assert calendar.business_seconds(sent.astimezone(la), replied.astimezone(la)) == 2 * HOUR
    assert calendar.business_seconds(sent.astimezone(TOKYO), replied.astimezone(TOKYO)) == (
        2 * HOUR
    )


# -- odd inputs -------------------------------------------------------------------


def test_reply_before_enquiry_is_refused() -> None:
    calendar = office()
    sent = utc(2025, 5, 13, 10, 0)
    with pytest.raises(ShopperError, match="before the enquiry"):
        response_time(calendar, sent, sent - timedelta(minutes=1))


def test_reply_at_the_very_moment_takes_no_time() -> None:
    sent = utc(2025, 5, 13, 10, 0)
    timing = response_time(office(), sent, sent)
    assert (timing.calendar_seconds, timing.business_seconds) == (0.0, 0.0)


def test_end_before_start_counts_nothing() -> None:
    calendar = office()
    assert calendar.business_seconds(utc(2025, 5, 14, 10, 0), utc(2025, 5, 13, 10, 0)) == 0.0


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        office().business_seconds(datetime(2025, 5, 13, 10), utc(2025, 5, 13, 12))
    with pytest.raises(ValueError, match="aware"):
        response_time(office(), utc(2025, 5, 13, 10), datetime(2025, 5, 13, 12))


def test_closing_at_24_00() -> None:
    calendar = BusinessCalendar.from_config("Europe/Warsaw", {"mon": ["20:00", "24:00"]})
    assert calendar.hours["mon"] == (time(20, 0), time.max)
    start = local(WARSAW, 2025, 5, 12, 21, 0)  # Monday 21:00
    end = local(WARSAW, 2025, 5, 13, 3, 0)  # Tuesday 03:00
    assert calendar.business_seconds(start, end) == 3 * HOUR
    # Opening ends exactly at Tuesday 00:00, not a microsecond before.
    (interval,) = calendar.open_intervals(start, end)
    assert interval == (start, local(WARSAW, 2025, 5, 13, 0, 0))


def test_open_round_the_clock_equals_calendar_time() -> None:
    calendar = every_day("America/New_York")
    start = local(NEW_YORK, 2025, 3, 1, 0, 0)
    end = local(NEW_YORK, 2025, 4, 1, 0, 0)
    # March in New York has 31 days and one hour less.
    assert calendar.business_seconds(start, end) == (31 * 24 - 1) * HOUR
    assert response_time(calendar, start, end).calendar_seconds == (31 * 24 - 1) * HOUR


def test_instants_sharing_a_zone_are_measured_in_real_time() -> None:
    # Python subtracts two datetimes with the same tzinfo by their wall clocks; the
    # change night must still count 3 real hours between 01:00 and 05:00.
    calendar = BusinessCalendar.from_config("Europe/Warsaw", {"sun": ["00:00", "24:00"]})
    start = local(WARSAW, 2025, 3, 30, 1, 0)
    end = local(WARSAW, 2025, 3, 30, 5, 0)
    assert calendar.business_seconds(start, end) == 3 * HOUR
    assert calendar.open_intervals(start, end) == [(utc(2025, 3, 30, 0, 0), utc(2025, 3, 30, 3, 0))]
    timing = response_time(calendar, start, end)
    assert (timing.calendar_seconds, timing.business_seconds) == (3 * HOUR, 3 * HOUR)
    # 01:30 after falling back (fold=1) is later than 01:45 before it (fold=0).
    new_york = BusinessCalendar.from_config("America/New_York", {"sun": ["00:00", "24:00"]})
    first = datetime(2025, 11, 2, 1, 45, tzinfo=NEW_YORK)  # EDT, 05:45 UTC
    second = datetime(2025, 11, 2, 1, 30, fold=1, tzinfo=NEW_YORK)  # EST, 06:30 UTC
    timing = response_time(new_york, first, second)
    assert (timing.calendar_seconds, timing.business_seconds) == (45 * 60, 45 * 60)
    with pytest.raises(ShopperError):
        response_time(new_york, second, first)


def test_no_open_days_counts_nothing() -> None:
    closed = BusinessCalendar.from_config("Europe/Warsaw", {})
    assert closed.business_seconds(utc(2025, 1, 1), utc(2025, 12, 31)) == 0.0
    timing = response_time(closed, utc(2025, 5, 12, 9), utc(2025, 5, 13, 9))
    assert timing.business_seconds == 0.0
    assert timing.calendar_hours == 24.0


def test_from_config_drops_unknown_days_and_empty_spans() -> None:
    calendar = BusinessCalendar.from_config(
        "UTC",
        {"mon": ["09:00", "17:00"], "tue": ["17:00", "09:00"], "wed": ["10:00", "10:00"]},
    )
    assert set(calendar.hours) == {"mon"}
    calendar = BusinessCalendar.from_config("UTC", {"funday": ["09:00", "17:00"]})
    assert calendar.hours == {}


# -- properties -------------------------------------------------------------------

ZONES = [
    "UTC",
    "Europe/Warsaw",
    "America/New_York",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "America/Santiago",  # DST changes at midnight
    "Pacific/Chatham",  # UTC+12:45 / +13:45
]
BASE = datetime(2024, 12, 20, tzinfo=UTC)
SPAN = 400 * 24 * 3600


def _hhmm(minutes: int) -> str:
    return "24:00" if minutes == 1440 else f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    zone = draw(st.sampled_from(ZONES))
    hours: dict[str, list[str]] = {}
    for day in WEEKDAYS:
        if draw(st.booleans()):
            opens = draw(st.integers(0, 47)) * 30
            closes = draw(st.integers(opens // 30 + 1, 48)) * 30
            hours[day] = [_hhmm(opens), _hhmm(closes)]
    holidays = draw(
        st.lists(st.dates(date(2024, 12, 15), date(2026, 2, 1)), max_size=8).map(
            lambda days: [d.isoformat() for d in days]
        )
    )
    return BusinessCalendar.from_config(zone, hours, holidays)


instants = st.integers(0, SPAN).map(lambda s: BASE + timedelta(seconds=s))


@settings(max_examples=150, deadline=None)
@given(calendar=calendars(), moments=st.lists(instants, min_size=3, max_size=3))
def test_business_seconds_is_additive_and_bounded(
    calendar: BusinessCalendar, moments: list[datetime]
) -> None:
    a, b, c = sorted(moments)
    whole = calendar.business_seconds(a, c)
    parts = calendar.business_seconds(a, b) + calendar.business_seconds(b, c)
    assert whole == pytest.approx(parts, abs=1e-6)
    assert 0.0 <= whole <= (c - a).total_seconds()


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    moments=st.lists(instants, min_size=2, max_size=2),
)
def test_open_round_the_clock_is_calendar_time_in_any_zone(
    zone: str, moments: list[datetime]
) -> None:
    a, b = sorted(moments)
    assert every_day(zone).business_seconds(a, b) == (b - a).total_seconds()


@settings(max_examples=60, deadline=None)
@given(calendar=calendars(), moments=st.lists(instants, min_size=2, max_size=2))
def test_open_intervals_are_disjoint_ordered_and_inside_the_window(
    calendar: BusinessCalendar, moments: list[datetime]
) -> None:
    a, b = sorted(moments)
    intervals = calendar.open_intervals(a, b)
    for lo, hi in intervals:
        assert a <= lo < hi <= b
    for (_, hi), (lo, _) in itertools.pairwise(intervals):
        assert hi <= lo
