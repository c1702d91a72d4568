"""Touchpoint instruments: what a shopper records during a call, a website visit or an
e-mail exchange, and the figures computed from it.

Each instrument is a list of timestamped steps (`Step`). The figures fill the
matching checklist items (`phone_item_values`, `web_item_values`,
`email_item_values`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from shopper.domain.answers import make_datetime_answer
from shopper.domain.business_hours import BusinessCalendar, response_time
from shopper.domain.errors import ShopperError


class Instrument(StrEnum):
    PHONE = "phone"
    WEB = "web"
    EMAIL = "email"


class PhoneStep(StrEnum):
    CALL_START = "call_start"
    MENU = "menu"
    """A menu prompt heard: data has "prompt", "options" (the options read out, as a
    comma-separated list or a number) and "key"."""
    HOLD_START = "hold_start"
    HOLD_END = "hold_end"
    HUMAN = "human"
    """A person answered: data may have "name"."""
    TRANSFER = "transfer"
    REPEAT = "repeat"
    """Asked again for information already given: data may have "what"."""
    DEAD_END = "dead_end"
    """A dead end or disconnect: the call cannot go on."""
    CALL_END = "call_end"


class WebStep(StrEnum):
    PAGE = "page"
    """A page on the way: data has "url", "title", "clicked", "contact_visible"."""
    FOUND = "found"
    """The end of the path: data has "channel" and "channels" (all seen)."""


class EmailStep(StrEnum):
    SENT = "sent"
    REPLY = "reply"
    FOLLOW_UP = "follow_up"


STEP_LABELS: dict[str, str] = {
    PhoneStep.CALL_START: "Call started",
    PhoneStep.MENU: "Menu prompt",
    PhoneStep.HOLD_START: "On hold",
    PhoneStep.HOLD_END: "Hold ended",
    PhoneStep.HUMAN: "Person answered",
    PhoneStep.TRANSFER: "Transferred",
    PhoneStep.REPEAT: "Asked again",
    PhoneStep.DEAD_END: "Dead end / disconnected",
    PhoneStep.CALL_END: "Call ended",
    WebStep.PAGE: "Page",
    WebStep.FOUND: "Contact found",
    EmailStep.SENT: "Enquiry sent",
    EmailStep.REPLY: "Reply received",
    EmailStep.FOLLOW_UP: "Follow-up received",
}

CHANNELS: dict[str, str] = {
    "phone": "Phone number",
    "email": "E-mail address",
    "web_form": "Web form",
    "chat_bot": "Chat bot",
    "live_chat": "Live chat",
    "none": "None found",
}


MAX_STEP_DATA = 100_000
"""Characters of a step's details, as JSON."""
_STEP_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_STEP_FIELDS = 40


def step_data_problem(data: object) -> str | None:
    """What is wrong with a step's details, or None.

    Details are a flat object: short lowercase keys, each value text, a yes/no, a whole
    number or a list of texts; "channels" and "channel" name known contact channels,
    "contact_visible" is a yes/no.
    """
    if not isinstance(data, Mapping):
        return "expected an object of step details"
    if len(data) > _STEP_FIELDS:
        return f"at most {_STEP_FIELDS} details"
    for key, value in data.items():
        if not isinstance(key, str) or not _STEP_KEY.match(key):
            return f"{str(key)[:40]!r} is not a valid detail name"
        problem = _step_value_problem(key, value)
        if problem is not None:
            return f"{key}: {problem}"
    return None


def _step_value_problem(key: str, value: object) -> str | None:
    if key == "contact_visible":
        return None if isinstance(value, bool) else "expected true or false"
    if key == "channel":
        return None if value in CHANNELS else f"unknown channel {str(value)[:40]!r}"
    if key == "channels":
        if not isinstance(value, list) or not all(v in CHANNELS for v in value):
            return f"expected a list of channels ({', '.join(CHANNELS)})"
        return None
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    if isinstance(value, int):
        return None if abs(value) <= 10**9 else "number out of range"
    if isinstance(value, list) and len(value) <= 100 and all(isinstance(v, str) for v in value):
        return None
    return "expected text, true or false, a whole number or a list of texts"


@dataclass(frozen=True)
class Step:
    id: str
    kind: str
    at: datetime
    data: Mapping[str, Any] = field(default_factory=dict)


def _ordered(steps: Sequence[Step]) -> list[Step]:
    """The steps in time order, timed in UTC.

    Python compares and subtracts two datetimes sharing a tzinfo by their wall-clock
    fields; in UTC a step across a DST change is ordered and timed in real time.
    """
    return sorted(
        (s if s.at.tzinfo is UTC else replace(s, at=s.at.astimezone(UTC)) for s in steps),
        key=lambda s: s.at,
    )


def _seconds(a: datetime, b: datetime) -> float:
    return (b.astimezone(UTC) - a.astimezone(UTC)).total_seconds()


# -- phone tree ------------------------------------------------------------------


@dataclass(frozen=True)
class PhoneFigures:
    started: bool
    menu_depth: int
    menu_prompts: int
    options_heard: int | None
    """Menu options read out across all prompts, where the shopper noted them."""
    menu_loops: int
    reached_human: bool
    time_to_human: float | None
    greeting_wait: float | None
    time_in_menus: float
    time_on_hold: float
    time_talking: float
    handoffs: int
    repeated_info: int
    dead_ends: int
    duration: float | None
    ended: bool


def option_count(data: Mapping[str, Any]) -> int | None:
    """How many options a menu prompt read out: "4", or "1 sales, 2 billing" -> 2."""
    raw = data.get("options")
    if isinstance(raw, int) and not isinstance(raw, bool):
        return max(raw, 0)
    text = str(raw or "").strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    return len([part for part in re.split(r"[,;/\n]+", text) if part.strip()])


class MenuTree:
    """The level of each menu prompt as a call goes on.

    A new prompt is one level deeper than the one before; a prompt heard before
    in the call is a loop back to the level it was first heard at; a person
    answering ends the tree, so the next prompt is at level 1 again.
    """

    def __init__(self) -> None:
        self.level = 0
        self._first: dict[str, int] = {}

    def prompt(self, data: Mapping[str, Any]) -> tuple[int, bool]:
        """(level, whether the prompt was heard before) of the next prompt."""
        key = _prompt_key(data)
        if key and key in self._first:
            self.level = self._first[key]
            return self.level, True
        self.level += 1
        if key:
            self._first[key] = self.level
        return self.level, False

    def person(self) -> None:
        self.level = 0


def _prompt_key(data: Mapping[str, Any]) -> str:
    return " ".join(str(data.get("prompt", "")).lower().split())


def phone_figures(steps: Sequence[Step]) -> PhoneFigures:
    """Figures of a call mapped step by step.

    Time is attributed to the state the call was in between two steps: menus
    from the start (and after a hold if nobody answered yet), hold from
    "on hold" or a transfer until the next person or menu, talking from
    "person answered". Menu depth is the deepest level a prompt was heard at
    (`MenuTree`); a loop is a prompt heard again in the same call.

    Raises:
        ShopperError: a step is timed before "call started".
    """
    ordered = _ordered(steps)
    start = next((s for s in ordered if s.kind == PhoneStep.CALL_START), None)
    if start is None:
        return PhoneFigures(False, 0, 0, None, 0, False, None, None, 0, 0, 0, 0, 0, 0, None, False)
    before = [s for s in ordered if s.at < start.at]
    if before:
        raise ShopperError(
            f"“{STEP_LABELS.get(before[0].kind, before[0].kind)}” is timed before the call "
            "started; correct its time"
        )
    state = "menus"
    times = {"menus": 0.0, "hold": 0.0, "talking": 0.0}
    last = start.at
    depth = prompts = loops = handoffs = repeats = dead_ends = 0
    options: int | None = None
    tree = MenuTree()
    human_at: datetime | None = None
    first_answer: datetime | None = None
    end: datetime | None = None
    for step in ordered:
        if step is start or step.kind == PhoneStep.CALL_START:
            continue
        if end is not None:
            break
        if state in times:
            times[state] += _seconds(last, step.at)
        last = step.at
        kind = step.kind
        if first_answer is None and kind in (
            PhoneStep.MENU,
            PhoneStep.HUMAN,
            PhoneStep.HOLD_START,
        ):
            first_answer = step.at
        if kind == PhoneStep.MENU:
            prompts += 1
            counted = option_count(step.data)
            if counted is not None:
                options = (options or 0) + counted
            level, again = tree.prompt(step.data)
            depth = max(depth, level)
            loops += again
            state = "menus"
        elif kind == PhoneStep.HOLD_START:
            state = "hold"
        elif kind == PhoneStep.HOLD_END:
            state = "talking" if human_at is not None else "menus"
        elif kind == PhoneStep.HUMAN:
            human_at = human_at or step.at
            tree.person()
            state = "talking"
        elif kind == PhoneStep.TRANSFER:
            handoffs += 1
            state = "hold"
        elif kind == PhoneStep.REPEAT:
            repeats += 1
        elif kind in (PhoneStep.DEAD_END, PhoneStep.CALL_END):
            if kind == PhoneStep.DEAD_END:
                dead_ends += 1
            end = step.at
    return PhoneFigures(
        started=True,
        menu_depth=depth,
        menu_prompts=prompts,
        options_heard=options,
        menu_loops=loops,
        reached_human=human_at is not None,
        time_to_human=_seconds(start.at, human_at) if human_at else None,
        greeting_wait=_seconds(start.at, first_answer) if first_answer else None,
        time_in_menus=times["menus"],
        time_on_hold=times["hold"],
        time_talking=times["talking"],
        handoffs=handoffs,
        repeated_info=repeats,
        dead_ends=dead_ends,
        duration=_seconds(start.at, end) if end else None,
        ended=end is not None,
    )


def phone_item_values(figures: PhoneFigures) -> dict[str, Any]:
    """Answers for the phone checklist's measured items, each once it is final.

    A figure that can still change fills nothing: the menus are final once a person
    answers (or the call ends), holds, handoffs and repeats once the call ends. So a call
    under way never shows a score made of half-measured items.
    """
    if not figures.started:
        return {}
    values: dict[str, Any] = {}
    if figures.reached_human or figures.ended:
        values["menu_depth"] = figures.menu_depth
        values["menu_loops"] = figures.menu_loops
        if figures.options_heard is not None:
            values["menu_prompts"] = figures.options_heard  # the checklist counts options heard
    if figures.ended:
        values["handoffs"] = figures.handoffs
        values["repeated_info"] = figures.repeated_info
        values["hold_time"] = round(figures.time_on_hold)
    if figures.greeting_wait is not None:
        values["greeting_wait"] = round(figures.greeting_wait)
    if figures.reached_human:
        values["reached_human"] = "yes"
        values["time_to_human"] = round(figures.time_to_human or 0)
    elif figures.ended:
        values["reached_human"] = "no"
    return values


# -- website path ----------------------------------------------------------------


@dataclass(frozen=True)
class WebFigures:
    pages: int
    clicks_to_contact: int | None
    time_to_contact: float | None
    channel_found: str | None
    channels: tuple[str, ...]
    contact_on_home: bool | None


def web_figures(steps: Sequence[Step]) -> WebFigures:
    """Figures of a path to a contact channel.

    The first page is where the visit began (no click); every further page is
    one click. The path ends with the channel found ("none" if none was).
    """
    ordered = _ordered(steps)
    pages = [s for s in ordered if s.kind == WebStep.PAGE]
    found = next((s for s in ordered if s.kind == WebStep.FOUND), None)
    if found is not None:
        pages = [p for p in pages if p.at <= found.at]
    channels: list[str] = []
    for step in [*pages, *([found] if found else [])]:
        for channel in step.data.get("channels", []):
            if channel in CHANNELS and channel != "none" and channel not in channels:
                channels.append(channel)
    channel = str(found.data.get("channel", "none")) if found else None
    if channel and channel != "none" and channel not in channels:
        channels.append(channel)
    return WebFigures(
        pages=len(pages),
        clicks_to_contact=max(len(pages) - 1, 0) if found and channel != "none" else None,
        time_to_contact=(
            _seconds(pages[0].at, found.at) if found and pages and channel != "none" else None
        ),
        channel_found=channel,
        channels=tuple(c for c in CHANNELS if c in channels),
        contact_on_home=bool(pages[0].data.get("contact_visible")) if pages else None,
    )


def web_item_values(figures: WebFigures) -> dict[str, Any]:
    """Answers for the website checklist's measured items, each once it is final.

    A contact seen on the home page is a "yes" at once; "no" only once the shopper moved on
    from it (a second page) or ended the path: until then it may yet be found there.
    """
    values: dict[str, Any] = {}
    home_done = figures.pages > 1 or figures.channel_found is not None
    if figures.contact_on_home or (figures.contact_on_home is False and home_done):
        values["contact_on_home"] = "yes" if figures.contact_on_home else "no"
    if figures.channel_found is not None:
        values["channel_found"] = figures.channel_found
        values["channels_offered"] = list(figures.channels)
    if figures.clicks_to_contact is not None:
        values["clicks_to_contact"] = figures.clicks_to_contact
    if figures.time_to_contact is not None:
        values["time_to_contact"] = round(figures.time_to_contact)
    return values


# -- e-mail tracker --------------------------------------------------------------


@dataclass(frozen=True)
class EmailFigures:
    sent_at: datetime | None
    replied_at: datetime | None
    replies: int
    follow_up: bool
    response_calendar_hours: float | None
    response_business_hours: float | None


def email_figures(steps: Sequence[Step], calendar: BusinessCalendar) -> EmailFigures:
    """Response time of the first reply, in calendar and in business hours.

    Raises:
        ShopperError: a reply is dated before the enquiry.
    """
    ordered = _ordered(steps)
    sent = next((s for s in ordered if s.kind == EmailStep.SENT), None)
    replies = [s for s in ordered if s.kind == EmailStep.REPLY]
    follow_up = any(s.kind == EmailStep.FOLLOW_UP for s in ordered)
    if sent is None:
        return EmailFigures(
            None, replies[0].at if replies else None, len(replies), follow_up, None, None
        )
    if replies and replies[0].at < sent.at:
        response_time(calendar, sent.at, replies[0].at)  # raises with the dates
    first = replies[0] if replies else None
    timing = response_time(calendar, sent.at, first.at) if first else None
    return EmailFigures(
        sent_at=sent.at,
        replied_at=first.at if first else None,
        replies=len(replies),
        follow_up=follow_up,
        response_calendar_hours=timing.calendar_hours if timing else None,
        response_business_hours=timing.business_hours if timing else None,
    )


def email_item_values(figures: EmailFigures, zone: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if figures.sent_at is not None:
        values["enquiry_sent_at"] = make_datetime_answer(figures.sent_at, zone)
    if figures.replied_at is not None:
        values["reply_received"] = "yes"
    if figures.response_business_hours is not None:
        values["response_business_hours"] = round(figures.response_business_hours, 2)
    if figures.response_calendar_hours is not None:
        values["response_calendar_hours"] = round(figures.response_calendar_hours, 2)
    if figures.follow_up:
        values["follow_up"] = "yes"
    return values


def waited_hours(
    sent_at: datetime, now: datetime, calendar: BusinessCalendar
) -> tuple[float, float]:
    """How long an unanswered enquiry has waited: (calendar hours, business hours)."""
    return _seconds(sent_at, now) / 3600, calendar.business_seconds(sent_at, now) / 3600
