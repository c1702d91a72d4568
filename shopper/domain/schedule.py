"""Recurring shops: when they fall, how long each is open, and who does it.

A schedule belongs to one company and touchpoint. Its recurrence is the text a
manager types; `plan` turns it into the shops to create ahead of time, each
with a window and a shopper, rotating among the chosen shoppers so that nobody
shops the same company twice in a row (mystery shoppers must not become known)
and nobody gets more than the limit of open shops. Pure: the caller reads and
saves the schedule, the shops and the counts.

Recurrences (case and extra spaces do not matter; `str()` gives the canonical text):

- "every N days", "every N weeks" ("every day", "every week" for 1): counted
  from the schedule's first day, whatever the calendar says;
- "monthly on day D" (1 to 28, also "the 15th") and "monthly on the last day";
- "monthly on the first working day", "monthly on the last working day".

A working day is a day the company is open (its `BusinessCalendar` has hours for
that weekday) and not one of its holidays; a calendar with no hours at all, or
none, means Monday to Friday (holidays still close).

Example: a shop every 4 weeks from Monday 5 January 2026, a week to do each,
two shoppers with at most 2 open shops, planned 30 days ahead::

    >>> from datetime import date
    >>> weekly = Schedule(
    ...     Recurrence.parse("Every 4 weeks"), starts=date(2026, 1, 5), window_days=7,
    ...     shoppers=("ana", "ben"), limit=2,
    ... )
    >>> first = plan(weekly, today=date(2026, 1, 2), horizon_days=30,
    ...              last_shopper="ana", open_counts={"ben": 2})
    >>> first.shops
    ()
    >>> [(str(n.day), n.reason) for n in first.not_planned]  # doctest: +NORMALIZE_WHITESPACE
    [('2026-01-05',
      'ana did the previous shop and every other shopper is at their limit of 2 open shops')]
    >>> first.last_planned
    datetime.date(2026, 1, 5)
    >>> later = plan(weekly, today=date(2026, 1, 10), horizon_days=30,
    ...              last_planned=first.last_planned, last_shopper="ana")
    >>> [(str(s.window), s.shopper) for s in later.shops]
    [('2026-02-02 to 2026-02-06', 'ben')]
    >>> plan(weekly, today=date(2026, 1, 10), horizon_days=30,
    ...      last_planned=later.last_planned, last_shopper=later.last_shopper).shops
    ()

The window of 2 February (a Monday) ends on Friday 6 February: 7 days would end
on the Sunday, when the company is closed. The caller stores `last_planned` (and
knows the last shopper from its shops), so planning again the same day, or any
day, never creates a shop twice. An occurrence that cannot be given to anyone is
reported once in `not_planned`, with its reason, and not tried again.
"""

from __future__ import annotations

import calendar as _calendar
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

from shopper.domain.business_hours import BusinessCalendar
from shopper.domain.errors import ScheduleError

MAX_DAYS = 366
MAX_WEEKS = 52
ACCEPTED = (
    '"every N days", "every N weeks", "monthly on day D" (1 to 28, or last), '
    '"monthly on the first working day" or "monthly on the last working day"'
)


class Kind(Enum):
    DAYS = "days"
    WEEKS = "weeks"
    MONTH_DAY = "month day"
    MONTH_LAST_DAY = "month last day"
    FIRST_WORKING_DAY = "first working day"
    LAST_WORKING_DAY = "last working day"


_SPACES = re.compile(r"\s+")
_EVERY = re.compile(r"every(?: (\d+))? (day|days|week|weeks)")
_MONTHLY = re.compile(r"monthly on (?:the )?(?:day )?(\d+)(?:st|nd|rd|th)?(?: day)?")
_MONTHLY_LAST = re.compile(r"monthly on (?:the )?(?:day last|last day)")
_MONTHLY_WORKING = re.compile(r"monthly on (?:the )?(first|last) (?:working|business) day")


@dataclass(frozen=True)
class Recurrence:
    """When a schedule's shops fall.

    `number` is N for every N days or weeks, the day of the month for
    `Kind.MONTH_DAY`, and 1 otherwise. Build one with `Recurrence.parse`.
    """

    kind: Kind
    number: int = 1

    def __post_init__(self) -> None:
        if self.kind is Kind.DAYS and not 1 <= self.number <= MAX_DAYS:
            raise ScheduleError(f"every N days needs N from 1 to {MAX_DAYS}, not {self.number}")
        if self.kind is Kind.WEEKS and not 1 <= self.number <= MAX_WEEKS:
            raise ScheduleError(f"every N weeks needs N from 1 to {MAX_WEEKS}, not {self.number}")
        if self.kind is Kind.MONTH_DAY and not 1 <= self.number <= 28:
            raise ScheduleError(f"monthly on day D needs D from 1 to 28 or last, not {self.number}")
        if self.kind not in (Kind.DAYS, Kind.WEEKS, Kind.MONTH_DAY) and self.number != 1:
            raise ScheduleError(f"{self.kind.value} takes no number")

    @classmethod
    def parse(cls, text: str) -> Recurrence:
        """Read what a manager typed ("every 4 weeks", "Monthly on the first working day").

        Raises:
            ScheduleError: the text is none of the accepted forms, or its number is out
                of range; the message quotes the text and lists what is accepted.
        """
        said = _SPACES.sub(" ", text).strip()
        quoted = repr(said if len(said) <= 60 else said[:57] + "...")
        if not said:
            raise ScheduleError(f"the recurrence is empty; use {ACCEPTED}")
        norm = said.lower()
        if match := _EVERY.fullmatch(norm):
            number = int(match[1]) if match[1] else 1
            weeks = match[2].startswith("week")
            top = MAX_WEEKS if weeks else MAX_DAYS
            if not 1 <= number <= top:
                unit = "weeks" if weeks else "days"
                raise ScheduleError(
                    f"{quoted}: every N {unit} needs N from 1 to {top}, not {match[1]}"
                )
            return cls(Kind.WEEKS if weeks else Kind.DAYS, number)
        if match := _MONTHLY.fullmatch(norm):
            day = int(match[1])
            if not 1 <= day <= 28:
                raise ScheduleError(
                    f"{quoted}: the day of the month must be 1 to 28 (every month has "
                    f"those) or last, not {match[1]}"
                )
            return cls(Kind.MONTH_DAY, day)
        if _MONTHLY_LAST.fullmatch(norm):
            return cls(Kind.MONTH_LAST_DAY)
        if match := _MONTHLY_WORKING.fullmatch(norm):
            return cls(Kind.FIRST_WORKING_DAY if match[1] == "first" else Kind.LAST_WORKING_DAY)
        raise ScheduleError(f"{quoted} is not a recurrence; use {ACCEPTED}")

    def __str__(self) -> str:
        if self.kind in (Kind.DAYS, Kind.WEEKS):
            unit = "day" if self.kind is Kind.DAYS else "week"
            return f"every {unit}" if self.number == 1 else f"every {self.number} {unit}s"
        if self.kind is Kind.MONTH_DAY:
            return f"monthly on day {self.number}"
        if self.kind is Kind.MONTH_LAST_DAY:
            return "monthly on the last day"
        return f"monthly on the {self.kind.value}"


def is_working_day(day: date, calendar: BusinessCalendar | None) -> bool:
    """Whether the company works that day; with no hours at all, Monday to Friday."""
    if calendar is None or not calendar.hours:
        return day.weekday() < 5 and (calendar is None or day not in calendar.holidays)
    return calendar.is_working_day(day)


def occurrences(
    recurrence: Recurrence, start: date, until: date, calendar: BusinessCalendar | None
) -> list[date]:
    """The days shops fall on from `start` to `until`, both included, in order.

    Every N days or weeks counts from `start`; `plan` counts from the schedule's
    first day. A month without a working day (all holidays) has no working-day
    occurrence.
    """
    return _occurrences(recurrence, start, start, until, calendar)


def _occurrences(
    recurrence: Recurrence,
    anchor: date,
    start: date,
    until: date,
    calendar: BusinessCalendar | None,
) -> list[date]:
    if until < start:
        return []
    if recurrence.kind in (Kind.DAYS, Kind.WEEKS):
        step = recurrence.number * (7 if recurrence.kind is Kind.WEEKS else 1)
        behind = max((start - anchor).days, 0)
        first = anchor + timedelta(days=-(-behind // step) * step)
        if first > until:
            return []
        return [first + timedelta(days=k * step) for k in range((until - first).days // step + 1)]
    days = (_in_month(recurrence, year, month, calendar) for year, month in _months(start, until))
    return [day for day in days if day is not None and start <= day <= until]


def _months(start: date, until: date) -> Iterable[tuple[int, int]]:
    year, month = start.year, start.month
    while (year, month) <= (until.year, until.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _in_month(
    recurrence: Recurrence, year: int, month: int, calendar: BusinessCalendar | None
) -> date | None:
    last = _calendar.monthrange(year, month)[1]
    if recurrence.kind is Kind.MONTH_DAY:
        return date(year, month, recurrence.number)
    if recurrence.kind is Kind.MONTH_LAST_DAY:
        return date(year, month, last)
    numbers = range(1, last + 1)
    if recurrence.kind is Kind.LAST_WORKING_DAY:
        numbers = range(last, 0, -1)
    return next(
        (date(year, month, d) for d in numbers if is_working_day(date(year, month, d), calendar)),
        None,
    )


@dataclass(frozen=True)
class ShopWindow:
    """The days a shopper may do a shop in, both included."""

    opens: date
    due: date

    def __post_init__(self) -> None:
        if self.due < self.opens:
            raise ScheduleError(f"a shop cannot be due ({self.due}) before it opens ({self.opens})")

    def __str__(self) -> str:
        return f"{self.opens} to {self.due}"


def shop_window(opens: date, window_days: int, calendar: BusinessCalendar | None) -> ShopWindow:
    """The window of a shop opening on `opens`, `window_days` long (1 = that day only).

    The due day moves back to the last working day in the window; if the window
    holds no working day at all (a Saturday shop of a company closed at
    weekends), it moves forward to the next working day instead, so a shop is
    never due on a closed day.
    """
    if window_days < 1:
        raise ScheduleError(f"a shop needs a window of at least 1 day, not {window_days}")
    due = opens + timedelta(days=window_days - 1)
    day = due
    while day >= opens:
        if is_working_day(day, calendar):
            return ShopWindow(opens, day)
        day -= timedelta(days=1)
    day = due + timedelta(days=1)
    # Ends: a calendar's holidays are finite and some weekday is open.
    while not is_working_day(day, calendar):
        day += timedelta(days=1)
    return ShopWindow(opens, day)


@dataclass(frozen=True)
class Assignment:
    """One occurrence and its shopper, or None and why nobody could take it."""

    day: date
    shopper: str | None
    reason: str | None = None


def assign_shoppers(
    days: Iterable[date],
    shoppers: Sequence[str],
    last_shopper: str | None,
    open_counts: Mapping[str, int],
    limit: int | None,
) -> list[Assignment]:
    """Give each day, in order, to the next shopper in the rotation who may take it.

    Args:
        days: the occurrences, in order.
        shoppers: the rotation (duplicates count once, in their first place).
        last_shopper: who did the previous shop of this company and touchpoint;
            the rotation goes on after them, and never gives them the first day.
        open_counts: each shopper's open shops now (absent = 0).
        limit: the most open shops anyone may have, counting this run's; None: no limit.

    Returns:
        One `Assignment` per day, in order. A shopper is never given two days in a
        row (nor the first after `last_shopper`), nor more than `limit` open shops;
        a day nobody may take has `shopper` None and a reason worded the same for
        every day with the same cause, so a caller can count them.
    """
    if limit is not None and limit < 0:
        raise ScheduleError(f"the limit of open shops must be 0 or more, not {limit}")
    rotation = list(dict.fromkeys(shoppers))
    open_now = {name: open_counts.get(name, 0) for name in rotation}
    turn = rotation.index(last_shopper) + 1 if last_shopper in rotation else 0
    previous = last_shopper
    result: list[Assignment] = []
    for day in days:
        chosen = None
        for step in range(len(rotation)):
            name = rotation[(turn + step) % len(rotation)]
            if name != previous and (limit is None or open_now[name] < limit):
                chosen = (turn + step) % len(rotation)
                break
        if chosen is None:
            result.append(Assignment(day, None, _why_nobody(rotation, previous, open_now, limit)))
            continue
        name = rotation[chosen]
        open_now[name] += 1
        result.append(Assignment(day, name))
        previous, turn = name, chosen + 1
    return result


def _why_nobody(
    rotation: list[str], previous: str | None, open_now: Mapping[str, int], limit: int | None
) -> str:
    if not rotation:
        return "no shopper is chosen for this schedule"
    at_limit = f"at their limit of {limit} open shops"
    if limit is not None and all(open_now[name] >= limit for name in rotation):
        return f"every shopper is {at_limit}"
    if len(rotation) == 1:
        return f"{previous} did the previous shop and no other shopper is chosen"
    return f"{previous} did the previous shop and every other shopper is {at_limit}"


@dataclass(frozen=True)
class Schedule:
    """A recurring shop of one company and touchpoint, as the manager set it up.

    Attributes:
        recurrence: when shops fall.
        starts: the first day a shop may fall on; every N days or weeks count from it.
        window_days: how many days the shopper has for each shop (at least 1).
        shoppers: the rotation, in order.
        limit: the most open shops a shopper may have; None: no limit.
        ends: the last day a shop may fall on; None: no end.
    """

    recurrence: Recurrence
    starts: date
    window_days: int = 7
    shoppers: tuple[str, ...] = ()
    limit: int | None = None
    ends: date | None = None

    def __post_init__(self) -> None:
        if self.window_days < 1:
            raise ScheduleError(f"a shop needs a window of at least 1 day, not {self.window_days}")
        if self.limit is not None and self.limit < 0:
            raise ScheduleError(f"the limit of open shops must be 0 or more, not {self.limit}")
        if self.ends is not None and self.ends < self.starts:
            raise ScheduleError(f"the schedule ends ({self.ends}) before it starts ({self.starts})")


@dataclass(frozen=True)
class PlannedShop:
    """A shop to create: its window and its shopper."""

    window: ShopWindow
    shopper: str


@dataclass(frozen=True)
class NotPlanned:
    """An occurrence no shop is created for, and why."""

    day: date
    reason: str


@dataclass(frozen=True)
class Plan:
    """What one planning run decided.

    Attributes:
        shops: the shops to create, in order.
        not_planned: the occurrences left out, in order, each with its reason.
        last_planned: the last occurrence this run (or an earlier one) dealt with;
            pass it to the next run.
        last_shopper: the shopper of the last shop planned, or the one passed in.
    """

    shops: tuple[PlannedShop, ...]
    not_planned: tuple[NotPlanned, ...]
    last_planned: date | None
    last_shopper: str | None


def plan(
    schedule: Schedule,
    today: date,
    horizon_days: int,
    *,
    calendar: BusinessCalendar | None = None,
    last_planned: date | None = None,
    last_shopper: str | None = None,
    open_counts: Mapping[str, int] | None = None,
) -> Plan:
    """The shops to create now for the occurrences after `last_planned` up to today + horizon.

    Args:
        schedule: the schedule.
        today: the day of the run.
        horizon_days: how far ahead to plan (0 = only shops falling today).
        calendar: the company's business calendar (None: Monday to Friday).
        last_planned: `Plan.last_planned` of the previous run; None the first time.
        last_shopper: who did the previous shop of this company and touchpoint.
        open_counts: each shopper's open shops now, across all schedules.

    Returns:
        The shops and the occurrences left out: those whose window closed before
        `today` (a schedule started in the past) and those nobody may take. Running
        again with the returned `last_planned` plans nothing new.
    """
    if horizon_days < 0:
        raise ScheduleError(f"the planning horizon must be 0 days or more, not {horizon_days}")
    until = today + timedelta(days=horizon_days)
    if schedule.ends is not None:
        until = min(until, schedule.ends)
    start = schedule.starts
    if last_planned is not None and last_planned >= start:
        start = last_planned + timedelta(days=1)
    days = _occurrences(schedule.recurrence, schedule.starts, start, until, calendar)
    windows = {day: shop_window(day, schedule.window_days, calendar) for day in days}
    left_out = [
        NotPlanned(day, f"its window closed on {windows[day].due}")
        for day in days
        if windows[day].due < today
    ]
    assignments = assign_shoppers(
        [day for day in days if windows[day].due >= today],
        schedule.shoppers,
        last_shopper,
        open_counts or {},
        schedule.limit,
    )
    shops = []
    for assignment in assignments:
        if assignment.shopper is None:
            left_out.append(NotPlanned(assignment.day, assignment.reason or ""))
        else:
            shops.append(PlannedShop(windows[assignment.day], assignment.shopper))
            last_shopper = assignment.shopper
    return Plan(
        shops=tuple(shops),
        not_planned=tuple(sorted(left_out, key=lambda item: item.day)),
        last_planned=days[-1] if days else last_planned,
        last_shopper=last_shopper,
    )
