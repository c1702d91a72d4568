"""Instrument figures on hand-made step sequences, with exact numbers."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shopper.domain.business_hours import BusinessCalendar
from shopper.domain.errors import ShopperError
from shopper.domain.instruments import (
    EmailStep,
    PhoneStep,
    Step,
    WebStep,
    email_figures,
    email_item_values,
    option_count,
    phone_figures,
    phone_item_values,
    waited_hours,
    web_figures,
    web_item_values,
)

T0 = datetime(2025, 5, 13, 9, 0, tzinfo=UTC)  # a Tuesday, 11:00 in Warsaw
_ids = itertools.count(1)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def step(kind: str, seconds: float, **data: Any) -> Step:
    return Step(f"s{next(_ids)}", kind, at(seconds), data)


def menu(seconds: float, prompt: str, options: str = "1, 2, 3", key: str = "1") -> Step:
    return step(PhoneStep.MENU, seconds, prompt=prompt, options=options, key=key)


# -- phone tree -----------------------------------------------------------------------


def simple_call() -> list[Step]:
    return [
        step(PhoneStep.CALL_START, 0),
        menu(8, "Welcome to Blue Harbor. For accounts press 1, for cards press 2."),
        menu(30, "For a lost card press 1, for limits press 2."),
        step(PhoneStep.HOLD_START, 45),
        step(PhoneStep.HUMAN, 165),
        step(PhoneStep.CALL_END, 465),
    ]


def test_simple_call_exact_times_in_each_state() -> None:
    figures = phone_figures(simple_call())
    assert figures.started is True
    assert figures.ended is True
    assert figures.menu_depth == 2
    assert figures.menu_prompts == 2
    assert figures.menu_loops == 0
    assert figures.reached_human is True
    assert figures.time_to_human == 165.0
    assert figures.greeting_wait == 8.0
    assert figures.time_in_menus == 45.0
    assert figures.time_on_hold == 120.0
    assert figures.time_talking == 300.0
    assert figures.duration == 465.0
    assert figures.time_in_menus + figures.time_on_hold + figures.time_talking == 465.0
    assert (figures.handoffs, figures.repeated_info, figures.dead_ends) == (0, 0, 0)


def test_simple_call_item_values() -> None:
    values = phone_item_values(phone_figures(simple_call()))
    assert values == {
        "menu_depth": 2,
        "menu_prompts": 6,  # options read out: three at each of the two prompts
        "menu_loops": 0,
        "handoffs": 0,
        "repeated_info": 0,
        "hold_time": 120,
        "greeting_wait": 8,
        "reached_human": "yes",
        "time_to_human": 165,
    }


def test_item_values_round_to_whole_seconds() -> None:
    steps = [
        step(PhoneStep.CALL_START, 0),
        step(PhoneStep.HOLD_START, 2.4),
        step(PhoneStep.HUMAN, 62.6),
        step(PhoneStep.CALL_END, 70),
    ]
    values = phone_item_values(phone_figures(steps))
    assert values["greeting_wait"] == 2
    assert values["hold_time"] == 60  # 60.2 s
    assert values["time_to_human"] == 63


def test_no_call_started_gives_no_figures_and_no_items() -> None:
    figures = phone_figures([menu(5, "Press 1")])
    assert figures.started is False
    assert figures.reached_human is False
    assert figures.time_to_human is None
    assert phone_item_values(figures) == {}
    assert phone_item_values(phone_figures([])) == {}


def test_a_call_that_never_reaches_a_human() -> None:
    steps = [
        step(PhoneStep.CALL_START, 0),
        menu(5, "Main menu. Press 1 for sales, 2 for support."),
        menu(25, "Support. Press 1 for billing."),
        step(PhoneStep.HOLD_START, 40),
    ]
    running = phone_figures(steps)
    assert running.reached_human is False
    assert running.ended is False
    assert running.time_to_human is None
    assert running.duration is None
    values = phone_item_values(running)
    # Still going: whether a person answers, how long the holds and how deep the menus go
    # are not known yet, and a figure that may still change fills nothing.
    assert "reached_human" not in values
    assert "time_to_human" not in values
    assert "hold_time" not in values
    assert "menu_depth" not in values

    ended = phone_figures([*steps, step(PhoneStep.CALL_END, 640)])
    assert ended.ended is True
    assert ended.reached_human is False
    assert ended.time_to_human is None
    assert ended.time_on_hold == 600.0
    assert ended.time_in_menus == 40.0
    assert ended.time_talking == 0.0
    assert ended.duration == 640.0
    values = phone_item_values(ended)
    assert values["reached_human"] == "no"
    assert "time_to_human" not in values
    assert values["hold_time"] == 600


def test_a_dead_end_ends_the_call() -> None:
    steps = [
        step(PhoneStep.CALL_START, 0),
        menu(5, "Press 1 for opening hours."),
        step(PhoneStep.DEAD_END, 35),
        # Anything after the end is not part of this call.
        step(PhoneStep.HUMAN, 50),
        menu(60, "Press 9."),
    ]
    figures = phone_figures(steps)
    assert figures.dead_ends == 1
    assert figures.ended is True
    assert figures.duration == 35.0
    assert figures.reached_human is False
    assert figures.menu_prompts == 1
    assert figures.time_in_menus == 35.0
    assert phone_item_values(figures)["reached_human"] == "no"


def test_a_loop_is_a_prompt_heard_again_ignoring_case_and_spaces() -> None:
    steps = [
        step(PhoneStep.CALL_START, 0),
        menu(5, "For billing press 1, for support press 2."),
        menu(20, "Support: press 1 for internet, press 2 for TV."),
        menu(40, "  FOR BILLING press 1,   for support\tpress 2. "),
        menu(55, "Something new entirely."),
        step(PhoneStep.CALL_END, 70),
    ]
    figures = phone_figures(steps)
    assert figures.menu_loops == 1
    assert figures.menu_prompts == 4
    assert figures.menu_depth == 2  # the loop went back to the top; the new prompt is level 2
    assert phone_item_values(figures)["menu_loops"] == 1


def test_the_same_prompt_three_times_is_two_loops_and_empty_prompts_never_loop() -> None:
    steps = [
        step(PhoneStep.CALL_START, 0),
        menu(5, "Main menu"),
        menu(10, "main menu"),
        menu(15, "MAIN  MENU"),
        menu(20, ""),
        menu(25, ""),
        step(PhoneStep.MENU, 30),  # no data at all
    ]
    figures = phone_figures(steps)
    assert figures.menu_loops == 2
    assert figures.menu_prompts == 6


def test_transfers_count_as_handoffs_and_hold() -> None:
    steps = [
        step(PhoneStep.CALL_START, 0),
        menu(5, "Press 1 for sales."),
        step(PhoneStep.HUMAN, 20),
        step(PhoneStep.TRANSFER, 80),  # hold music while transferred
        step(PhoneStep.HUMAN, 200),
        step(PhoneStep.TRANSFER, 260),
        step(PhoneStep.HOLD_END, 290),  # back to talking to the same person
        step(PhoneStep.CALL_END, 350),
    ]
    figures = phone_figures(steps)
    assert figures.handoffs == 2
    assert figures.time_to_human == 20.0  # the first person
    assert figures.time_in_menus == 20.0
    assert figures.time_on_hold == 120.0 + 30.0
    assert figures.time_talking == 60.0 + 60.0 + 60.0
    assert figures.duration == 350.0
    values = phone_item_values(figures)
    assert values["handoffs"] == 2
    assert values["hold_time"] == 150


def test_hold_end_before_a_human_goes_back_to_the_menus() -> None:
    steps = [
        step(PhoneStep.CALL_START, 0),
        step(PhoneStep.HOLD_START, 10),
        step(PhoneStep.HOLD_END, 70),
        menu(80, "Press 1."),
        step(PhoneStep.HUMAN, 100),
    ]
    figures = phone_figures(steps)
    assert figures.time_on_hold == 60.0
    assert figures.time_in_menus == 10.0 + 10.0 + 20.0
    assert figures.greeting_wait == 10.0


def test_repeats_are_counted_and_do_not_change_the_state() -> None:
    steps = [
        step(PhoneStep.CALL_START, 0),
        step(PhoneStep.HUMAN, 10),
        step(PhoneStep.REPEAT, 40, what="account number"),
        step(PhoneStep.TRANSFER, 60),
        step(PhoneStep.HUMAN, 90),
        step(PhoneStep.REPEAT, 100, what="account number"),
        step(PhoneStep.REPEAT, 110, what="date of birth"),
        step(PhoneStep.CALL_END, 130),
    ]
    figures = phone_figures(steps)
    assert figures.repeated_info == 3
    assert figures.time_talking == 50.0 + 40.0
    assert figures.time_on_hold == 30.0
    assert figures.greeting_wait == 10.0
    assert figures.menu_depth == 0
    assert phone_item_values(figures)["repeated_info"] == 3


def test_depth_is_the_longest_run_of_menus_without_a_person() -> None:
    steps = [
        step(PhoneStep.CALL_START, 0),
        menu(5, "Level 1"),
        menu(10, "Level 2"),
        step(PhoneStep.HUMAN, 20),
        step(PhoneStep.TRANSFER, 30),
        menu(40, "Department level 1"),
        step(PhoneStep.HUMAN, 50),
        step(PhoneStep.CALL_END, 60),
    ]
    figures = phone_figures(steps)
    assert figures.menu_depth == 2  # not 3: the run restarted after the person
    assert figures.menu_prompts == 3

    deeper = [
        *steps[:5],
        menu(40, "Department level 1"),
        menu(42, "Department level 2"),
        menu(44, "Department level 3"),
        step(PhoneStep.HUMAN, 50),
    ]
    assert phone_figures(deeper).menu_depth == 3


def test_a_step_before_the_call_started_is_refused() -> None:
    steps = [step(PhoneStep.CALL_START, 60), menu(30, "Press 1")]
    with pytest.raises(ShopperError, match="before the call"):
        phone_figures(steps)


def test_steps_given_out_of_order_are_sorted() -> None:
    ordered = simple_call()
    shuffled = [ordered[4], ordered[1], ordered[5], ordered[0], ordered[3], ordered[2]]
    assert phone_figures(shuffled) == phone_figures(ordered)
    assert phone_figures(list(reversed(ordered))) == phone_figures(ordered)


def test_steps_in_a_local_zone_are_timed_in_real_time() -> None:
    # A call across the autumn change (03:00 CEST -> 02:00 CET on 26 October 2025):
    # 02:50 CEST (00:50 UTC) to 02:10 CET (01:10 UTC) is 20 real minutes although the
    # wall clock says -40.
    warsaw = ZoneInfo("Europe/Warsaw")
    start = datetime(2025, 10, 26, 2, 50, tzinfo=warsaw)
    human = datetime(2025, 10, 26, 2, 10, fold=1, tzinfo=warsaw)
    steps = [Step("a", PhoneStep.CALL_START, start), Step("b", PhoneStep.HUMAN, human)]
    figures = phone_figures(steps)
    assert figures.time_to_human == 20 * 60
    assert figures.time_in_menus == 20 * 60


# -- website path ---------------------------------------------------------------------


def page(seconds: float, url: str, **data: Any) -> Step:
    return step(WebStep.PAGE, seconds, url=url, title=url, **data)


def test_path_to_a_contact_channel() -> None:
    steps = [
        page(0, "https://example.com/", contact_visible=False, channels=["chat_bot"]),
        page(12, "https://example.com/help", clicked="Help"),
        page(30, "https://example.com/contact", clicked="Contact us", channels=["email"]),
        step(WebStep.FOUND, 41, channel="phone", channels=["web_form", "phone"]),
    ]
    figures = web_figures(steps)
    assert figures.pages == 3
    assert figures.clicks_to_contact == 2
    assert figures.time_to_contact == 41.0
    assert figures.channel_found == "phone"
    # All channels seen on the way and at the end, in the checklist's order, once each.
    assert figures.channels == ("phone", "email", "web_form", "chat_bot")
    assert figures.contact_on_home is False
    assert web_item_values(figures) == {
        "contact_on_home": "no",
        "channel_found": "phone",
        "channels_offered": ["phone", "email", "web_form", "chat_bot"],
        "clicks_to_contact": 2,
        "time_to_contact": 41,
    }


def test_contact_on_the_home_page() -> None:
    steps = [
        page(0, "https://example.com/", contact_visible=True),
        step(WebStep.FOUND, 5, channel="phone"),
    ]
    figures = web_figures(steps)
    assert figures.contact_on_home is True
    assert figures.clicks_to_contact == 0
    assert figures.time_to_contact == 5.0
    assert figures.channels == ("phone",)
    assert web_item_values(figures)["contact_on_home"] == "yes"


def test_none_found_gives_no_clicks_or_time() -> None:
    steps = [
        page(0, "https://example.com/"),
        page(20, "https://example.com/faq", channels=["chat_bot"]),
        step(WebStep.FOUND, 90, channel="none", channels=["none"]),
    ]
    figures = web_figures(steps)
    assert figures.channel_found == "none"
    assert figures.clicks_to_contact is None
    assert figures.time_to_contact is None
    assert figures.channels == ("chat_bot",)
    values = web_item_values(figures)
    assert values["channel_found"] == "none"
    assert values["channels_offered"] == ["chat_bot"]
    assert "clicks_to_contact" not in values
    assert "time_to_contact" not in values


def test_path_still_going() -> None:
    steps = [
        page(10, "https://example.com/products", clicked="Products"),
        page(0, "https://example.com/", contact_visible=True),
    ]
    figures = web_figures(steps)
    assert figures.pages == 2
    assert figures.contact_on_home is True  # the first page in time, not in the list
    assert figures.channel_found is None
    assert figures.clicks_to_contact is None
    assert figures.time_to_contact is None
    assert web_item_values(figures) == {"contact_on_home": "yes"}


def test_pages_after_the_found_step_are_not_on_the_path() -> None:
    steps = [
        page(0, "https://example.com/"),
        page(10, "https://example.com/contact"),
        step(WebStep.FOUND, 15, channel="email"),
        page(50, "https://example.com/elsewhere", channels=["live_chat"]),
    ]
    figures = web_figures(steps)
    assert figures.pages == 2
    assert figures.clicks_to_contact == 1
    assert figures.channels == ("email",)


def test_unknown_channels_are_ignored() -> None:
    steps = [
        page(0, "https://example.com/", channels=["fax", "email"]),
        step(WebStep.FOUND, 3, channel="email", channels=["carrier pigeon"]),
    ]
    assert web_figures(steps).channels == ("email",)


def test_empty_path() -> None:
    figures = web_figures([])
    assert figures.pages == 0
    assert figures.contact_on_home is None
    assert web_item_values(figures) == {}


# -- e-mail tracker ---------------------------------------------------------------------

WARSAW_OFFICE = BusinessCalendar.from_config(
    "Europe/Warsaw", {d: ["09:00", "17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
)


def test_first_reply_in_business_and_calendar_hours() -> None:
    sent = datetime(2025, 5, 16, 14, 0, tzinfo=UTC)  # Friday 16:00 in Warsaw
    steps = [
        Step("e1", EmailStep.SENT, sent),
        Step("e3", EmailStep.REPLY, datetime(2025, 5, 20, 8, 0, tzinfo=UTC)),
        Step("e2", EmailStep.REPLY, datetime(2025, 5, 19, 8, 0, tzinfo=UTC)),  # Mon 10:00
    ]
    figures = email_figures(steps, WARSAW_OFFICE)
    assert figures.sent_at == sent
    assert figures.replied_at == datetime(2025, 5, 19, 8, 0, tzinfo=UTC)
    assert figures.replies == 2
    assert figures.follow_up is False
    assert figures.response_business_hours == 2.0
    assert figures.response_calendar_hours == 66.0
    values = email_item_values(figures, "Europe/Warsaw")
    assert values == {
        "enquiry_sent_at": {"utc": "2025-05-16T14:00:00+00:00", "tz": "Europe/Warsaw"},
        "reply_received": "yes",
        "response_business_hours": 2.0,
        "response_calendar_hours": 66.0,
    }


def test_response_hours_are_rounded_to_two_places() -> None:
    sent = datetime(2025, 5, 13, 8, 0, tzinfo=UTC)  # Tuesday 10:00 in Warsaw
    steps = [
        Step("e1", EmailStep.SENT, sent),
        Step("e2", EmailStep.REPLY, sent + timedelta(minutes=100)),
    ]
    values = email_item_values(email_figures(steps, WARSAW_OFFICE), "UTC")
    assert values["response_business_hours"] == 1.67
    assert values["response_calendar_hours"] == 1.67


def test_no_reply_yet() -> None:
    sent = datetime(2025, 5, 13, 8, 0, tzinfo=UTC)
    figures = email_figures([Step("e1", EmailStep.SENT, sent)], WARSAW_OFFICE)
    assert figures.replied_at is None
    assert figures.replies == 0
    assert figures.response_business_hours is None
    assert figures.response_calendar_hours is None
    values = email_item_values(figures, "Europe/Warsaw")
    assert values == {
        "enquiry_sent_at": {"utc": "2025-05-13T08:00:00+00:00", "tz": "Europe/Warsaw"}
    }


def test_follow_up() -> None:
    sent = datetime(2025, 5, 13, 8, 0, tzinfo=UTC)
    steps = [
        Step("e1", EmailStep.SENT, sent),
        Step("e2", EmailStep.REPLY, sent + timedelta(hours=1)),
        Step("e3", EmailStep.FOLLOW_UP, sent + timedelta(days=2)),
    ]
    figures = email_figures(steps, WARSAW_OFFICE)
    assert figures.follow_up is True
    assert figures.replies == 1
    assert email_item_values(figures, "UTC")["follow_up"] == "yes"


def test_reply_before_the_enquiry_is_refused() -> None:
    sent = datetime(2025, 5, 13, 8, 0, tzinfo=UTC)
    steps = [
        Step("e1", EmailStep.SENT, sent),
        Step("e2", EmailStep.REPLY, sent - timedelta(minutes=5)),
    ]
    with pytest.raises(ShopperError, match="before the enquiry"):
        email_figures(steps, WARSAW_OFFICE)


def test_reply_without_a_sent_enquiry() -> None:
    reply = datetime(2025, 5, 13, 8, 0, tzinfo=UTC)
    figures = email_figures([Step("e2", EmailStep.REPLY, reply)], WARSAW_OFFICE)
    assert figures.sent_at is None
    assert figures.replied_at == reply
    assert figures.response_business_hours is None
    assert email_item_values(figures, "UTC") == {"reply_received": "yes"}


def test_response_time_with_local_timestamps_is_real_time() -> None:
    # Sent and answered on the spring-forward Sunday in Warsaw, timestamps in that zone.
    warsaw = ZoneInfo("Europe/Warsaw")
    always_open = BusinessCalendar.from_config("Europe/Warsaw", {"sun": ["00:00", "24:00"]})
    steps = [
        Step("e1", EmailStep.SENT, datetime(2025, 3, 30, 1, 0, tzinfo=warsaw)),
        Step("e2", EmailStep.REPLY, datetime(2025, 3, 30, 5, 0, tzinfo=warsaw)),
    ]
    figures = email_figures(steps, always_open)
    assert figures.response_calendar_hours == 3.0
    assert figures.response_business_hours == 3.0


def test_waited_hours() -> None:
    sent = datetime(2025, 5, 16, 14, 0, tzinfo=UTC)  # Friday 16:00 in Warsaw
    now = datetime(2025, 5, 19, 8, 0, tzinfo=UTC)  # Monday 10:00
    assert waited_hours(sent, now, WARSAW_OFFICE) == (66.0, 2.0)
    warsaw = ZoneInfo("Europe/Warsaw")
    sent = datetime(2025, 3, 28, 16, 0, tzinfo=warsaw)  # Friday before the spring change
    now = datetime(2025, 3, 31, 10, 0, tzinfo=warsaw)
    assert waited_hours(sent, now, WARSAW_OFFICE) == (65.0, 2.0)


@pytest.mark.parametrize(
    ("options", "count"),
    [("4", 4), ("1 sales, 2 billing, 3 support", 3), ("a; b / c", 3), ("", None), (3, 3)],
)
def test_option_count(options: object, count: int | None) -> None:
    assert option_count({"options": options}) == count


def test_options_heard_fill_the_options_item() -> None:
    steps = [
        step(PhoneStep.CALL_START, 0),
        step(PhoneStep.MENU, 5, prompt="Main menu", options="1 sales, 2 billing"),
        step(PhoneStep.MENU, 20, prompt="Billing", options="3"),
        step(PhoneStep.MENU, 30, prompt="Anything else"),
    ]
    figures = phone_figures(steps)
    assert figures.menu_prompts == 3
    assert figures.options_heard == 5
    assert "menu_prompts" not in phone_item_values(figures)  # more menus may come
    answered = phone_figures([*steps, step(PhoneStep.HUMAN, 40)])
    assert phone_item_values(answered)["menu_prompts"] == 5


def test_a_loop_back_returns_to_the_level_it_was_first_heard_at() -> None:
    steps = [
        step(PhoneStep.CALL_START, 0),
        step(PhoneStep.MENU, 5, prompt="Main menu"),
        step(PhoneStep.MENU, 15, prompt="Billing"),
        step(PhoneStep.MENU, 25, prompt="Invoices"),
        step(PhoneStep.MENU, 35, prompt="main MENU"),  # back to the top
        step(PhoneStep.MENU, 45, prompt="Billing"),
        step(PhoneStep.CALL_END, 60),
    ]
    figures = phone_figures(steps)
    assert figures.menu_depth == 3  # three real levels, however often they were heard
    assert figures.menu_loops == 2
    assert figures.menu_prompts == 5


def test_a_website_home_page_without_contact_is_no_answer_until_the_shopper_moves_on() -> None:
    from shopper.domain.instruments import WebStep, web_figures, web_item_values

    home = step(WebStep.PAGE, 0, url="https://x.example/", contact_visible=False)
    assert "contact_on_home" not in web_item_values(web_figures([home]))
    seen = step(WebStep.PAGE, 0, url="https://x.example/", contact_visible=True)
    assert web_item_values(web_figures([seen]))["contact_on_home"] == "yes"
    moved_on = [home, step(WebStep.PAGE, 20, url="https://x.example/help")]
    assert web_item_values(web_figures(moved_on))["contact_on_home"] == "no"
    ended = [home, step(WebStep.FOUND, 30, channel="none")]
    assert web_item_values(web_figures(ended))["contact_on_home"] == "no"
