"""Items answered after a wait: the template's `later`, the windows, what an audit waits for."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from shopper.domain.business_hours import BusinessCalendar
from shopper.domain.follow_up import due_at, follow_up_items, waiting_items
from shopper.domain.template import Later
from tests.domain.test_template_loader import error_of, load, one

WARSAW = ZoneInfo("Europe/Warsaw")
NINE_TO_FIVE = {day: ["09:00", "17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
FOLLOW = "{id: f, prompt: Followed up?, type: yes_no, required: true, later: {working_days: 5}}"
DETAILS = "{id: d, prompt: How?, type: text, show_if: {item: f, equals: yes}}"
RATED = (
    "{id: r, prompt: How personal?, type: rating, required: true, show_if: {item: d, equals: x}}"
)


def office(holidays: tuple[str, ...] = ()) -> BusinessCalendar:
    return BusinessCalendar.from_config("Europe/Warsaw", NINE_TO_FIVE, holidays)


def warsaw(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WARSAW)


# -- the template ------------------------------------------------------------------------


def test_later_loads_with_the_failing_answer_by_default() -> None:
    template = load(
        one(FOLLOW, "{id: g, prompt: G, type: yes_no, pass: no, required: true, later: {days: 3}}")
    )
    assert template.item("f").later == Later(days=5, working=True, otherwise="no")
    assert template.item("g").later == Later(days=3, working=False, otherwise="yes")
    assert Later(5, True, "no").description == "5 working days"
    assert Later(1, False, "no").description == "1 day"


def test_later_with_an_answer_of_its_own() -> None:
    item = load(
        one("{id: r, prompt: R, type: rating, required: true, later: {days: 2, otherwise: 1}}")
    ).item("r")
    assert item.later == Later(days=2, working=False, otherwise=1)


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (
            "{id: f, prompt: F, type: yes_no, later: {days: 5}}",
            "items[0].later: only a required item",
        ),
        (
            "{id: f, prompt: F, type: yes_no, required: true, later: {days: 5, working_days: 5}}",
            "exactly one of 'working_days' or 'days'",
        ),
        ("{id: f, prompt: F, type: yes_no, required: true, later: {}}", "exactly one"),
        ("{id: f, prompt: F, type: yes_no, required: true, later: {days: 0}}", "1 to 366"),
        ("{id: f, prompt: F, type: yes_no, required: true, later: {days: 400}}", "1 to 366"),
        ("{id: f, prompt: F, type: yes_no, required: true, later: {days: 2.5}}", "whole number"),
        ("{id: f, prompt: F, type: yes_no, required: true, later: 5}", "expected a mapping"),
        (
            "{id: f, prompt: F, type: yes_no, required: true, later: {days: 5, when: x}}",
            "unknown field 'when'",
        ),
        ("{id: f, prompt: F, type: text, required: true, later: {days: 5}}", "give 'otherwise'"),
        (
            "{id: f, prompt: F, type: rating, required: true, later: {days: 5, otherwise: 9}}",
            "later.otherwise: rating must be 1-5",
        ),
    ],
)
def test_a_broken_later_names_where(item: str, expected: str) -> None:
    message = error_of(one(item))
    assert "sections[0].items[0]" in message
    assert expected in message


# -- windows -----------------------------------------------------------------------------


def test_five_working_days_close_at_closing_time_a_week_later() -> None:
    friday = warsaw(2026, 12, 4, 15, 30)
    due = office().working_days_later(friday, 5)
    assert due == warsaw(2026, 12, 11, 17, 0).astimezone(UTC)
    assert due.tzinfo is UTC


def test_weekends_and_holidays_are_not_working_days() -> None:
    wednesday = warsaw(2026, 12, 23, 10, 0)
    # Thu 24, Mon 28, Tue 29, Wed 30, Thu 31: Christmas (25th, a Friday) is a holiday.
    assert office(("2026-12-25",)).working_days_later(wednesday, 5) == warsaw(2026, 12, 31, 17, 0)
    assert office().working_days_later(wednesday, 5) == warsaw(2026, 12, 30, 17, 0)


def test_a_company_open_no_day_counts_calendar_days() -> None:
    closed = BusinessCalendar.from_config("Europe/Warsaw", {})
    assert closed.working_days_later(warsaw(2026, 12, 4, 15), 2) == warsaw(2026, 12, 7, 0, 0)


def test_calendar_days_end_at_midnight_in_the_company_zone() -> None:
    late = warsaw(2026, 3, 27, 23, 30)  # clocks go forward on the 29th
    due = office().days_later(late, 3)
    assert due == warsaw(2026, 3, 31, 0, 0)
    assert due.astimezone(WARSAW).date() == date(2026, 3, 31)
    assert due_at(Later(3, False, "no"), late, office()) == due
    assert due_at(Later(1, True, "no"), late, office()) == warsaw(2026, 3, 30, 17, 0)


# -- what an audit waits for ---------------------------------------------------------------


def test_waiting_items_are_visible_unanswered_later_items() -> None:
    template = load(
        one(
            "{id: a, prompt: A, type: yes_no}",
            FOLLOW.replace("required: true,", "required: true, show_if: {item: a, equals: yes},"),
            DETAILS,
        )
    )
    assert waiting_items(template, {}) == ()  # f is hidden while a is unanswered
    assert waiting_items(template, {"a": "yes"}) == ("f",)
    assert waiting_items(template, {"a": "yes", "f": "no"}) == ()
    assert waiting_items(template, {"a": "no"}) == ()


def test_follow_up_items_are_the_later_items_and_what_they_show() -> None:
    template = load(one("{id: a, prompt: A, type: yes_no}", FOLLOW, DETAILS, RATED))
    assert follow_up_items(template) == {"f", "d", "r"}
    assert follow_up_items(load(one("{id: a, prompt: A, type: yes_no}"))) == frozenset()
