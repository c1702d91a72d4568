"""Recurring shops: the recurrence texts, the days, the windows, the rotation, planning.

Dates used: 2026-01-05 is a Monday; 2026-01-01 a Thursday; 2026-08-01 a Saturday.
"""

from __future__ import annotations

import doctest
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import date, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopper.domain import schedule as schedule_module
from shopper.domain.business_hours import WEEKDAYS, BusinessCalendar
from shopper.domain.errors import ScheduleError, ShopperError
from shopper.domain.schedule import (
    Assignment,
    Kind,
    Recurrence,
    Schedule,
    ShopWindow,
    assign_shoppers,
    is_working_day,
    occurrences,
    plan,
    shop_window,
)

NAMES = ("ana", "ben", "cyd", "dan")
DAY = timedelta(days=1)


def office(*holidays: date, days: Sequence[str] = WEEKDAYS[:5]) -> BusinessCalendar:
    return BusinessCalendar(
        "Europe/Warsaw", {d: (time(9), time(17)) for d in days}, frozenset(holidays)
    )


def refusal(func: Callable[..., object], *args: object) -> str:
    """The message of the ScheduleError that func(*args) raises."""
    with pytest.raises(ScheduleError) as caught:
        func(*args)
    return str(caught.value)


def days_between(start: date, until: date) -> list[date]:
    return [start + k * DAY for k in range((until - start).days + 1)]


# -- strategies ----------------------------------------------------------------------

dates = st.dates(date(2024, 1, 1), date(2028, 12, 31))
calendars = st.one_of(
    st.none(),
    st.builds(
        lambda days, holidays: office(*holidays, days=sorted(days, key=WEEKDAYS.index)),
        st.sets(st.sampled_from(WEEKDAYS)),
        st.sets(dates, max_size=40),
    ),
)
recurrences = st.one_of(
    st.builds(Recurrence, st.just(Kind.DAYS), st.integers(1, 366)),
    st.builds(Recurrence, st.just(Kind.WEEKS), st.integers(1, 52)),
    st.builds(Recurrence, st.just(Kind.MONTH_DAY), st.integers(1, 28)),
    st.sampled_from(
        [
            Recurrence(Kind.MONTH_LAST_DAY),
            Recurrence(Kind.FIRST_WORKING_DAY),
            Recurrence(Kind.LAST_WORKING_DAY),
        ]
    ),
)
shopper_lists = st.lists(st.sampled_from(NAMES), max_size=5)
last_shoppers = st.one_of(st.none(), st.sampled_from((*NAMES, "eve")))
counts = st.dictionaries(st.sampled_from(NAMES), st.integers(0, 4))
limits = st.one_of(st.none(), st.integers(0, 4))


@st.composite
def spans(draw: st.DrawFn, longest: int = 400) -> tuple[date, date]:
    start = draw(dates)
    return start, start + draw(st.integers(-3, longest)) * DAY


# -- the recurrence text -------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("every 3 days", "every 3 days"),
        ("Every  day", "every day"),
        ("every 1 days", "every day"),
        ("every 1 day", "every day"),
        ("every week", "every week"),
        ("EVERY 4 WEEKS", "every 4 weeks"),
        ("every 1 week", "every week"),
        ("  every\t2   weeks ", "every 2 weeks"),
        ("monthly on day 15", "monthly on day 15"),
        ("Monthly on the 1st", "monthly on day 1"),
        ("monthly on day 28", "monthly on day 28"),
        ("monthly on day last", "monthly on the last day"),
        ("monthly on the last day", "monthly on the last day"),
        ("  Monthly  on the First Working Day ", "monthly on the first working day"),
        ("monthly on the first business day", "monthly on the first working day"),
        ("monthly on the last working day", "monthly on the last working day"),
        ("MONTHLY ON LAST WORKING DAY", "monthly on the last working day"),
    ],
)
def test_accepted_texts_read_back_canonically(typed: str, canonical: str) -> None:
    recurrence = Recurrence.parse(typed)
    assert str(recurrence) == canonical
    assert Recurrence.parse(canonical) == recurrence


@pytest.mark.parametrize(
    ("typed", "named"),
    [
        ("every 0 days", "every 0 days"),
        ("every 0 weeks", "every 0 weeks"),
        ("every  -1 days", "every -1 days"),
        ("every 367 days", "every 367 days"),
        ("every 53 weeks", "every 53 weeks"),
        ("monthly on day 0", "monthly on day 0"),
        ("monthly on day 29", "monthly on day 29"),
        ("Monthly on day 31", "Monthly on day 31"),
        ("every fortnight", "every fortnight"),
        ("weekly", "weekly"),
        ("every 2 months", "every 2 months"),
        ("monthly on the second working day", "monthly on the second working day"),
        ("every 4 weeks on monday", "every 4 weeks on monday"),
        ("4 weeks", "4 weeks"),
    ],
)
def test_refused_texts_are_named_in_the_message(typed: str, named: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        Recurrence.parse(typed)
    assert isinstance(caught.value, ShopperError)
    message = str(caught.value)
    assert named in message
    assert "\n" not in message


def test_an_unknown_text_lists_what_is_accepted() -> None:
    message = refusal(Recurrence.parse, "fortnightly")
    for form in ("every N days", "every N weeks", "monthly on day D", "first working day"):
        assert form in message


def test_an_out_of_range_number_says_the_range() -> None:
    assert "1 to 28" in refusal(Recurrence.parse, "monthly on day 30")
    assert "at least" in refusal(shop_window, date(2026, 1, 5), 0, None)


@pytest.mark.parametrize("typed", ["", "   ", "\t"])
def test_an_empty_text_is_refused(typed: str) -> None:
    assert "empty" in refusal(Recurrence.parse, typed)


def test_a_long_text_is_cut_in_the_message() -> None:
    message = refusal(Recurrence.parse, "every " + "x" * 500)
    assert "every xxxx" in message
    assert len(message) < 400


@pytest.mark.parametrize(
    ("kind", "number"),
    [(Kind.DAYS, 0), (Kind.WEEKS, 53), (Kind.MONTH_DAY, 29), (Kind.FIRST_WORKING_DAY, 2)],
)
def test_a_recurrence_built_directly_is_checked_too(kind: Kind, number: int) -> None:
    with pytest.raises(ScheduleError):
        Recurrence(kind, number)


@given(recurrences, st.data())
def test_the_canonical_text_parses_back_in_any_case_and_spacing(
    recurrence: Recurrence, data: st.DataObject
) -> None:
    words = str(recurrence).split(" ")
    gaps = data.draw(
        st.lists(
            st.sampled_from([" ", "  ", "\t", " \t "]),
            min_size=len(words) + 1,
            max_size=len(words) + 1,
        )
    )
    typed = gaps[0] + "".join(
        data.draw(st.sampled_from([w, w.upper(), w.title()])) + gap
        for w, gap in zip(words, gaps[1:], strict=True)
    )
    assert Recurrence.parse(typed) == recurrence


# -- working days and occurrences ----------------------------------------------------


def test_no_hours_means_monday_to_friday_and_holidays_still_close() -> None:
    empty = BusinessCalendar("Europe/Warsaw", {}, frozenset({date(2026, 1, 6)}))
    week = days_between(date(2026, 1, 5), date(2026, 1, 11))
    assert [is_working_day(d, None) for d in week] == [True] * 5 + [False] * 2
    assert [is_working_day(d, empty) for d in week] == [True, False, True, True, True, False, False]


def test_first_working_day_skips_a_holiday_and_the_weekend() -> None:
    calendar = office(date(2026, 1, 1), date(2026, 5, 1))
    found = occurrences(
        Recurrence.parse("monthly on the first working day"),
        date(2026, 1, 1),
        date(2026, 8, 31),
        calendar,
    )
    assert found == [
        date(2026, 1, 2),  # 1 January is a holiday
        date(2026, 2, 2),  # 1 February is a Sunday
        date(2026, 3, 2),
        date(2026, 4, 1),
        date(2026, 5, 4),  # Friday 1 May is a holiday
        date(2026, 6, 1),
        date(2026, 7, 1),
        date(2026, 8, 3),  # 1 August is a Saturday
    ]


def test_working_days_follow_the_opening_hours() -> None:
    saturdays_only = office(days=("sat",))
    found = occurrences(
        Recurrence.parse("monthly on the last working day"),
        date(2026, 1, 1),
        date(2026, 3, 31),
        saturdays_only,
    )
    assert found == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 28)]


def test_every_n_weeks_and_day_of_month() -> None:
    every_4 = occurrences(
        Recurrence.parse("every 4 weeks"), date(2026, 1, 5), date(2026, 3, 30), None
    )
    assert every_4 == [date(2026, 1, 5), date(2026, 2, 2), date(2026, 3, 2), date(2026, 3, 30)]
    last = occurrences(
        Recurrence.parse("monthly on day last"), date(2024, 1, 31), date(2024, 4, 29), None
    )
    assert last == [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31)]
    on_15 = occurrences(
        Recurrence.parse("monthly on day 15"), date(2026, 1, 16), date(2026, 3, 15), None
    )
    assert on_15 == [date(2026, 2, 15), date(2026, 3, 15)]


def test_until_before_start_gives_nothing() -> None:
    assert (
        occurrences(Recurrence.parse("every day"), date(2026, 1, 5), date(2026, 1, 4), None) == []
    )


def _names_the_day(
    recurrence: Recurrence, day: date, start: date, calendar: BusinessCalendar | None
) -> bool:
    """An independent reading of each rule, one day at a time."""
    month_start = day.replace(day=1)
    next_month = (month_start + 32 * DAY).replace(day=1)
    if recurrence.kind is Kind.DAYS:
        return (day - start).days % recurrence.number == 0
    if recurrence.kind is Kind.WEEKS:
        return (day - start).days % (7 * recurrence.number) == 0
    if recurrence.kind is Kind.MONTH_DAY:
        return day.day == recurrence.number
    if recurrence.kind is Kind.MONTH_LAST_DAY:
        return (day + DAY).day == 1
    if not is_working_day(day, calendar):
        return False
    if recurrence.kind is Kind.FIRST_WORKING_DAY:
        return not any(is_working_day(d, calendar) for d in days_between(month_start, day - DAY))
    return not any(is_working_day(d, calendar) for d in days_between(day + DAY, next_month - DAY))


@settings(max_examples=200, deadline=None)
@given(recurrences, spans(), calendars)
def test_occurrences_are_exactly_the_days_the_rule_names(
    recurrence: Recurrence, span: tuple[date, date], calendar: BusinessCalendar | None
) -> None:
    start, until = span
    found = occurrences(recurrence, start, until, calendar)
    assert found == sorted(set(found))
    assert all(start <= day <= until for day in found)
    expected = [
        d for d in days_between(start, until) if _names_the_day(recurrence, d, start, calendar)
    ]
    assert found == expected


@settings(max_examples=150, deadline=None)
@given(spans(longest=800), calendars)
def test_first_working_day_occurrences_are_each_the_first_working_day_of_their_month(
    span: tuple[date, date], calendar: BusinessCalendar | None
) -> None:
    start, until = span
    found = occurrences(Recurrence(Kind.FIRST_WORKING_DAY), start, until, calendar)
    months = [(d.year, d.month) for d in found]
    assert len(months) == len(set(months)), "one per month"
    for day in found:
        assert start <= day <= until
        assert is_working_day(day, calendar)
        assert not any(
            is_working_day(d, calendar) for d in days_between(day.replace(day=1), day - DAY)
        )


# -- windows -------------------------------------------------------------------------


def test_a_window_ending_on_a_weekend_moves_back_to_friday() -> None:
    assert shop_window(date(2026, 1, 8), 3, None) == ShopWindow(date(2026, 1, 8), date(2026, 1, 9))
    assert shop_window(date(2026, 1, 5), 7, None) == ShopWindow(date(2026, 1, 5), date(2026, 1, 9))
    assert shop_window(date(2026, 1, 5), 1, None) == ShopWindow(date(2026, 1, 5), date(2026, 1, 5))


def test_a_window_with_no_working_day_moves_forward_to_the_next_one() -> None:
    # Saturday and Sunday only, and Monday 12 January is a holiday.
    assert shop_window(date(2026, 1, 10), 2, office(date(2026, 1, 12))) == ShopWindow(
        date(2026, 1, 10), date(2026, 1, 13)
    )


def test_a_window_cannot_end_before_it_opens() -> None:
    with pytest.raises(ScheduleError, match="2026-01-04"):
        ShopWindow(date(2026, 1, 5), date(2026, 1, 4))


@settings(max_examples=300, deadline=None)
@given(dates, st.integers(1, 40), calendars)
def test_windows_never_end_before_they_open_nor_on_a_closed_day(
    opens: date, window_days: int, calendar: BusinessCalendar | None
) -> None:
    window = shop_window(opens, window_days, calendar)
    assert window.opens == opens
    assert window.due >= window.opens
    assert is_working_day(window.due, calendar)
    last = opens + (window_days - 1) * DAY
    if any(is_working_day(d, calendar) for d in days_between(opens, last)):
        # The last working day of the window, never later than the window.
        assert window.due <= last
        assert not any(is_working_day(d, calendar) for d in days_between(window.due + DAY, last))
    else:
        assert not any(
            is_working_day(d, calendar) for d in days_between(last + DAY, window.due - DAY)
        )


# -- rotation ------------------------------------------------------------------------


def test_rotation_goes_on_after_the_last_shopper() -> None:
    days = days_between(date(2026, 1, 5), date(2026, 1, 9))
    picked = [a.shopper for a in assign_shoppers(days, ["ana", "ben", "cyd"], "ben", {}, None)]
    assert picked == ["cyd", "ana", "ben", "cyd", "ana"]


def test_one_shopper_cannot_do_two_in_a_row() -> None:
    days = days_between(date(2026, 1, 5), date(2026, 1, 7))
    result = assign_shoppers(days, ["ana"], None, {}, None)
    assert [a.shopper for a in result] == ["ana", None, None]
    assert result[1].reason == result[2].reason
    assert result[1].reason is not None and "ana" in result[1].reason
    assert assign_shoppers(days[:1], ["ana"], "ana", {}, None)[0].shopper is None


def test_everyone_at_the_limit_is_one_reason_to_count() -> None:
    days = days_between(date(2026, 1, 5), date(2026, 1, 9))
    result = assign_shoppers(days, ["ana", "ben"], None, {"ana": 1, "ben": 1}, 2)
    assert [a.shopper for a in result] == ["ana", "ben", None, None, None]
    reasons = Counter(a.reason for a in result if a.shopper is None)
    assert reasons == {"every shopper is at their limit of 2 open shops": 3}


def test_no_shoppers_is_a_reason_too() -> None:
    result = assign_shoppers([date(2026, 1, 5)], [], None, {}, None)
    assert result == [Assignment(date(2026, 1, 5), None, "no shopper is chosen for this schedule")]


def test_a_negative_limit_is_refused() -> None:
    with pytest.raises(ScheduleError, match="-1"):
        assign_shoppers([], ["ana"], None, {}, -1)


def _check_rotation(
    result: list[Assignment],
    days: list[date],
    shoppers: Sequence[str],
    last_shopper: str | None,
    open_counts: Mapping[str, int],
    limit: int | None,
) -> None:
    assert [a.day for a in result] == days, "every occurrence comes back, in order"
    open_now = {name: open_counts.get(name, 0) for name in shoppers}
    previous = last_shopper
    for assignment in result:
        if assignment.shopper is None:
            assert assignment.reason, "an unassigned occurrence says why"
            # ...and truly nobody could take it.
            assert all(
                name == previous or (limit is not None and open_now[name] >= limit)
                for name in shoppers
            )
            continue
        assert assignment.reason is None
        assert assignment.shopper in shoppers
        assert assignment.shopper != previous, "never twice in a row"
        open_now[assignment.shopper] += 1
        if limit is not None:
            assert open_now[assignment.shopper] <= limit, "never over the limit"
        previous = assignment.shopper


@settings(max_examples=400, deadline=None)
@given(
    st.lists(dates, max_size=30, unique=True).map(sorted),
    shopper_lists,
    last_shoppers,
    counts,
    limits,
)
def test_rotation_rules_hold(
    days: list[date],
    shoppers: list[str],
    last_shopper: str | None,
    open_counts: dict[str, int],
    limit: int | None,
) -> None:
    result = assign_shoppers(days, shoppers, last_shopper, open_counts, limit)
    _check_rotation(result, days, shoppers, last_shopper, open_counts, limit)
    assert assign_shoppers(days, shoppers, last_shopper, open_counts, limit) == result


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 40),
    st.lists(st.sampled_from(NAMES), min_size=2, max_size=6),
    last_shoppers,
    counts,
)
def test_without_a_limit_everyone_gets_within_one_shop_of_the_others(
    how_many: int, shoppers: list[str], last_shopper: str | None, open_counts: dict[str, int]
) -> None:
    chosen = list(dict.fromkeys(shoppers))
    if len(chosen) < 2:
        return
    days = [date(2026, 1, 5) + k * DAY for k in range(how_many)]
    result = assign_shoppers(days, shoppers, last_shopper, open_counts, None)
    assert all(a.shopper is not None for a in result)
    given_to = Counter(a.shopper for a in result)
    assert max(given_to[n] for n in chosen) - min(given_to[n] for n in chosen) <= 1


# -- planning ------------------------------------------------------------------------


def test_the_module_example_runs() -> None:
    outcome = doctest.testmod(schedule_module)
    assert outcome.attempted > 0
    assert outcome.failed == 0


def test_a_schedule_started_in_the_past_reports_the_closed_windows() -> None:
    weekly = Schedule(
        Recurrence.parse("every week"), date(2025, 12, 1), window_days=5, shoppers=("ana", "ben")
    )
    result = plan(weekly, date(2025, 12, 17), 7)
    assert [(n.day, n.reason) for n in result.not_planned] == [
        (date(2025, 12, 1), "its window closed on 2025-12-05"),
        (date(2025, 12, 8), "its window closed on 2025-12-12"),
    ]
    assert [(s.window.opens, s.shopper) for s in result.shops] == [
        (date(2025, 12, 15), "ana"),
        (date(2025, 12, 22), "ben"),
    ]
    assert result.last_planned == date(2025, 12, 22)
    assert result.last_shopper == "ben"


def test_no_shop_after_the_schedule_ends() -> None:
    daily = Schedule(
        Recurrence.parse("every day"),
        date(2026, 1, 5),
        window_days=1,
        shoppers=("ana", "ben"),
        ends=date(2026, 1, 7),
    )
    assert [s.window.opens for s in plan(daily, date(2026, 1, 5), 30).shops] == days_between(
        date(2026, 1, 5), date(2026, 1, 7)
    )


@pytest.mark.parametrize(
    "fields",
    [{"window_days": 0}, {"limit": -1}, {"ends": date(2026, 1, 4)}],
)
def test_a_bad_schedule_is_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ScheduleError):
        Schedule(Recurrence.parse("every day"), date(2026, 1, 5), **fields)  # type: ignore[arg-type]


def test_a_negative_horizon_is_refused() -> None:
    with pytest.raises(ScheduleError, match="-1"):
        plan(Schedule(Recurrence.parse("every day"), date(2026, 1, 5)), date(2026, 1, 5), -1)


schedules = st.builds(
    Schedule,
    recurrence=recurrences,
    starts=dates,
    window_days=st.integers(1, 20),
    shoppers=shopper_lists.map(tuple),
    limit=limits,
)


def _count(
    open_counts: Mapping[str, int], shops: Sequence[schedule_module.PlannedShop]
) -> dict[str, int]:
    added = Counter(s.shopper for s in shops)
    return {name: open_counts.get(name, 0) + added[name] for name in set(open_counts) | set(added)}


@settings(max_examples=200, deadline=None)
@given(schedules, dates, st.integers(0, 120), calendars, last_shoppers, counts, st.integers(0, 30))
def test_planning_twice_adds_nothing(
    weekly: Schedule,
    today: date,
    horizon: int,
    calendar: BusinessCalendar | None,
    last_shopper: str | None,
    open_counts: dict[str, int],
    later: int,
) -> None:
    first = plan(
        weekly,
        today,
        horizon,
        calendar=calendar,
        last_shopper=last_shopper,
        open_counts=open_counts,
    )
    assert (
        plan(
            weekly,
            today,
            horizon,
            calendar=calendar,
            last_shopper=last_shopper,
            open_counts=open_counts,
        )
        == first
    )
    days = [s.window.opens for s in first.shops] + [n.day for n in first.not_planned]
    assert len(days) == len(set(days))
    assert all(weekly.starts <= d <= today + horizon * DAY for d in days)
    for shop in first.shops:
        assert shop.window == shop_window(shop.window.opens, weekly.window_days, calendar)
        assert shop.window.due >= today
    again = plan(
        weekly,
        today,
        horizon,
        calendar=calendar,
        last_planned=first.last_planned,
        last_shopper=first.last_shopper,
        open_counts=_count(open_counts, first.shops),
    )
    assert again.shops == () and again.not_planned == ()
    # Running again on an earlier or the same day, with a shorter horizon, adds nothing either.
    sooner = plan(
        weekly,
        today - later * DAY,
        max(horizon - later, 0),
        calendar=calendar,
        last_planned=first.last_planned,
        last_shopper=first.last_shopper,
    )
    assert sooner.shops == () and sooner.not_planned == ()


@settings(max_examples=150, deadline=None)
@given(schedules, st.integers(0, 60), st.integers(1, 40), calendars, last_shoppers, counts)
def test_planning_day_by_day_plans_what_one_run_plans(
    weekly: Schedule,
    horizon: int,
    runs: int,
    calendar: BusinessCalendar | None,
    last_shopper: str | None,
    open_counts: dict[str, int],
) -> None:
    at_once = plan(
        weekly,
        weekly.starts,
        horizon + runs - 1,
        calendar=calendar,
        last_shopper=last_shopper,
        open_counts=open_counts,
    )
    shops: list[schedule_module.PlannedShop] = []
    left_out: list[schedule_module.NotPlanned] = []
    last_planned, previous, counted = None, last_shopper, dict(open_counts)
    for k in range(runs):
        step = plan(
            weekly,
            weekly.starts + k * DAY,
            horizon,
            calendar=calendar,
            last_planned=last_planned,
            last_shopper=previous,
            open_counts=counted,
        )
        shops += step.shops
        left_out += step.not_planned
        last_planned, previous, counted = (
            step.last_planned,
            step.last_shopper,
            _count(counted, step.shops),
        )
    assert tuple(shops) == at_once.shops
    assert tuple(left_out) == at_once.not_planned
    assert last_planned == at_once.last_planned
    planned = [s.window.opens for s in shops] + [n.day for n in left_out]
    assert sorted(planned) == occurrences(
        weekly.recurrence, weekly.starts, weekly.starts + (horizon + runs - 1) * DAY, calendar
    )
    chosen = list(dict.fromkeys(weekly.shoppers))
    assignments = [Assignment(s.window.opens, s.shopper) for s in shops] + [
        Assignment(n.day, None, n.reason) for n in left_out
    ]
    assignments.sort(key=lambda a: a.day)
    _check_rotation(
        assignments,
        sorted(planned),
        chosen,
        last_shopper,
        {n: open_counts.get(n, 0) for n in chosen},
        weekly.limit,
    )
