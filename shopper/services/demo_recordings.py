"""What the demo's shoppers recorded with the instruments: calls, website paths, e-mails.

Pure and deterministic for a random generator: each function returns the steps a shopper
would have recorded (`NewStep`, for `AuditRunner.add_steps`) and the answers they would
have typed that must agree with them (when the call was placed, the time of the reply).
A better company (a higher `quality`, 0 to 1) has shallower menus, shorter holds, fewer
transfers, shorter paths to a contact and faster replies. No step is later than `limit`
(the demo's "now"): what would come later has not happened yet.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shopper.domain.answers import make_datetime_answer
from shopper.domain.business_hours import BusinessCalendar
from shopper.domain.instruments import EmailStep, Instrument, PhoneStep, WebStep
from shopper.services.runner import NewStep


@dataclass(frozen=True)
class Sector:
    """What a customer of one kind of company calls, clicks and writes about."""

    menu: tuple[str, ...]
    """The main menu's options, the one the shopper needs first."""
    second: tuple[str, ...]
    """The options of the menu under it."""
    reference: str
    """What the caller keys in and is then asked for again."""
    team: str
    """Where a transfer goes."""
    question: str
    """The subject of the written enquiry."""
    answer: str
    """A helpful reply to it."""
    purchase: tuple[tuple[str, float], ...]
    """What a shopper buys in a store, and the price, in the company's currency."""


SECTORS: dict[str, Sector] = {
    "Clothing retail": Sector(
        ("orders and deliveries", "returns and refunds", "store opening hours", "anything else"),
        ("track an order", "change an order", "speak to an adviser"),
        "order number",
        "the returns team",
        "Exchanging a jacket bought online",
        "You can exchange the jacket in any of our stores within 60 days, or send it back "
        "free of charge with the label in your parcel. We will send the new size as soon "
        "as it arrives, usually within three working days.",
        (("Wool scarf", 24.0), ("Waxed jacket", 129.0), ("Socks, 3 pairs", 12.5)),
    ),
    "Retail banking": Sector(
        ("account balance", "cards", "loans and mortgages", "anything else"),
        ("a lost or stolen card", "a new PIN", "card limits", "speak to an adviser"),
        "account number",
        "the card services team",
        "Opening a joint current account",
        "You can open a joint current account online in about ten minutes; both of you will "
        "need a photo ID. If you prefer, book an appointment at any branch and bring the "
        "same documents. There is no monthly fee for the first year.",
        (),
    ),
    "Garden centre": Sector(
        ("orders and deliveries", "plant care advice", "the cafe", "anything else"),
        ("delivery dates", "a damaged plant", "speak to a colleague"),
        "order number",
        "the plant specialists",
        "Delivery of two olive trees",
        "We can deliver both olive trees to your address on Thursday between 8:00 and 12:00. "
        "Delivery costs 49 PLN, and our driver will carry them to your garden.",
        (("Olive tree, 1.2 m", 189.0), ("Terracotta pot", 59.0), ("Compost, 40 l", 24.9)),
    ),
    "Telecom": Sector(
        ("mobile", "broadband", "billing", "technical support"),
        ("a slow connection", "moving home", "a new router", "speak to an agent"),
        "customer number",
        "the technical support team",
        "Moving my broadband to a new address",
        "We can move your broadband to your new address on the day you move in. Please "
        "reply with the date and the new address; the engineer visit is free of charge.",
        (("Phone case", 19.9), ("USB-C charger", 24.9), ("Prepaid SIM", 10.0)),
    ),
    "Furniture": Sector(
        ("orders and deliveries", "assembly service", "returns", "anything else"),
        ("a delivery date", "a missing part", "speak to a colleague"),
        "order number",
        "the delivery team",
        "Delivery and assembly of a sofa",
        "Your sofa can be delivered on Saturday morning, and our team will assemble it and "
        "take the packaging away. Assembly costs 5,000 yen; you can book it on your order page.",
        (("Cushion cover", 2900.0), ("Oak side table", 18900.0), ("Floor lamp", 12500.0)),
    ),
    "Utilities": Sector(
        ("meter readings", "bills and payments", "moving home", "a power cut"),
        ("pay a bill", "a payment plan", "a question about a bill", "speak to an adviser"),
        "customer reference",
        "the billing team",
        "Meter reading after moving in",
        "Thank you for the meter reading. We have opened your account from the day you moved "
        "in, and your first bill will use this reading, so you only pay for your own use.",
        (("Energy monitor", 39.0), ("LED bulbs, 4 pack", 14.0)),
    ),
}
DEFAULT_SECTOR = SECTORS["Clothing retail"]

NAMES = ("Sarah", "Tomasz", "Eleni", "Kenji", "Maria", "James", "Aiko", "Nikos", "Olga", "Dan")
HOLD_NOTES = (
    "“Your call is important to us”",
    "“You are number 4 in the queue”",
    "Music only, no word on the wait",
    "“The expected waiting time is about 5 minutes”",
)
TRANSFER_NOTES = ("Put through to {team}", "Passed on to {team} without a word")


@dataclass
class Recording:
    """What one audit's shopper recorded, and the answers that must agree with it."""

    limit: datetime
    """The demo's "now": a step after it has not happened yet and is left out."""
    steps: list[NewStep] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=dict)
    shot: int | None = None
    """The step whose page the shopper took a screenshot of (a website's contact page)."""
    replies: list[datetime] = field(default_factory=list)
    given_up: datetime | None = None
    """When the shopper stopped waiting for a reply that never came."""

    def add(
        self, instrument: str, kind: str, at: datetime, data: dict[str, Any] | None = None
    ) -> bool:
        """Add a step unless it is later than `limit`; whether it was added."""
        if at > self.limit:
            return False
        self.steps.append(NewStep(instrument, kind, at, data or {}))
        return True

    @property
    def ends(self) -> datetime | None:
        return max((s.at for s in self.steps if s.at is not None), default=None)


def sector_of(name: str) -> Sector:
    return SECTORS.get(name, DEFAULT_SECTOR)


def _options(options: tuple[str, ...]) -> str:
    return ", ".join(f"{n} {o}" for n, o in enumerate(options, start=1))


# -- a phone call ----------------------------------------------------------------------


def phone_call(
    rng: random.Random,
    *,
    quality: float,
    start: datetime,
    brand: str,
    sector: Sector,
    zone: str,
    limit: datetime,
) -> Recording:
    """A call: menus (a loop now and then), a hold, a person, maybe a transfer and questions
    asked again, rarely a dead end."""
    rec = Recording(limit)
    phone = Instrument.PHONE
    at = start
    if rec.add(phone, PhoneStep.CALL_START, at):
        rec.answers["call_started_at"] = make_datetime_answer(start, zone)
    at += timedelta(seconds=5 * rng.randint(1, 2 + round(8 * (1 - quality))) + rng.uniform(0, 4))

    main = f"Welcome to {brand}. Please listen carefully, as our options have changed."
    menus: list[tuple[str, str, str]] = [(main, _options(sector.menu), "1")]
    depth = 1 + sum(rng.random() > quality + 0.1 for _ in range(2))
    if depth >= 2:
        key = str(len(sector.second))
        menus.append(
            (f"For {sector.menu[0]}, choose from the following.", _options(sector.second), key)
        )
    if depth >= 3:
        prompt = f"Please key in your {sector.reference}, then the hash key."
        menus.append((prompt, "", f"my {sector.reference}, then #"))
    looped = rng.random() < (1 - quality) * 0.45
    for prompt, options, key in menus:
        data: dict[str, Any] = {"prompt": prompt, "key": key}
        if options:
            data["options"] = options
        rec.add(phone, PhoneStep.MENU, at, data)
        at += timedelta(seconds=6 + 3.5 * len(options.split(",")) + rng.uniform(0, 5))
    if looped:
        # The key was not taken in time: back to the main menu, where 0 reaches a person.
        again = {
            "prompt": main,
            "options": menus[0][1],
            "key": "0",
            "note": "“Sorry, I did not understand.” Back to the start; 0 worked this time",
        }
        rec.add(phone, PhoneStep.MENU, at, again)
        at += timedelta(seconds=20 + rng.uniform(0, 5))
    keyed_reference = depth >= 3
    straight_through = quality > 0.8 and rng.random() < 0.35
    if not straight_through:
        rec.add(phone, PhoneStep.HOLD_START, at, {"note": rng.choice(HOLD_NOTES)})
        at += timedelta(seconds=_hold_seconds(rng, quality))
    if quality < 0.3 and rng.random() < 0.4:
        rec.add(phone, PhoneStep.DEAD_END, at, {"note": "The line went dead on hold"})
        return rec

    names = rng.sample(NAMES, 3)
    rec.add(phone, PhoneStep.HUMAN, at, {"name": names[0]})
    at += timedelta(seconds=rng.uniform(20, 60))
    if keyed_reference and rng.random() < 0.4 + (1 - quality) * 0.6:
        rec.add(phone, PhoneStep.REPEAT, at, {"what": sector.reference})
        at += timedelta(seconds=rng.uniform(20, 50))
    if rng.random() < 0.3:
        rec.add(phone, PhoneStep.HOLD_START, at, {"note": "Checking with a colleague"})
        at += timedelta(seconds=rng.uniform(30, 150))
        rec.add(phone, PhoneStep.HOLD_END, at)
        at += timedelta(seconds=rng.uniform(20, 60))
    transfers = sum(rng.random() < (1 - quality) * 0.9 for _ in range(2))
    for index in range(transfers):
        note = rng.choice(TRANSFER_NOTES).format(team=sector.team)
        rec.add(phone, PhoneStep.TRANSFER, at, {"note": note})
        at += timedelta(seconds=_hold_seconds(rng, quality) * 0.6)
        rec.add(phone, PhoneStep.HUMAN, at, {"name": names[index + 1]})
        at += timedelta(seconds=rng.uniform(15, 40))
        if rng.random() < 0.5 + (1 - quality) * 0.5:
            what = sector.reference if index == 0 else "postcode and date of birth"
            rec.add(phone, PhoneStep.REPEAT, at, {"what": what})
            at += timedelta(seconds=rng.uniform(20, 60))
    at += timedelta(seconds=rng.uniform(60, 420))
    rec.add(phone, PhoneStep.CALL_END, at)
    return rec


def _hold_seconds(rng: random.Random, quality: float) -> float:
    return (15 + 400 * (1 - quality) ** 1.5) * rng.uniform(0.6, 1.4)


# -- a website path --------------------------------------------------------------------

_PAGES: dict[str, tuple[str, str]] = {
    # slug: (title, the link clicked to get there)
    "contact": ("Contact us", "Contact"),
    "help": ("Help & support", "Help"),
    "help/contact": ("Contact us", "Still need help? Contact us"),
    "help/faq": ("Frequently asked questions", "Search our help centre"),
    "help/faq/feedback": ("Did this answer your question?", "No, I still need help"),
    "about": ("About us", "About us"),
    "about/legal": ("Legal notices", "Legal"),
    "about/legal/imprint": ("Imprint", "Imprint"),
}
_PATHS: tuple[tuple[str, ...], ...] = (
    ("contact",),
    ("help", "help/contact"),
    ("help", "help/faq", "help/faq/feedback", "help/contact"),
    ("about", "about/legal", "about/legal/imprint"),
)
CHANNEL_ORDER = ("phone", "live_chat", "email", "web_form", "chat_bot")


def website_path(
    rng: random.Random,
    *,
    quality: float,
    start: datetime,
    brand: str,
    domain: str,
    zone: str,
    limit: datetime,
) -> Recording:
    """Pages from the home page to a contact page (or, rarely, to nothing found)."""
    rec = Recording(limit)
    web = Instrument.WEB
    pick = min(len(_PATHS) - 1, int((1 - quality) * len(_PATHS) + rng.uniform(-0.7, 0.7)))
    path = _PATHS[max(pick, 0)]
    gives_up = quality < 0.3 and rng.random() < 0.35
    if gives_up:
        path = ("help", "help/faq", "help/faq/feedback")
    # A "Contact" link in the header, or a phone number in the footer the shopper saw late.
    home_contact = path == ("contact",) or (len(path) == 2 and rng.random() < quality * 0.5)
    channels = [c for c in CHANNEL_ORDER if rng.random() < _channel_odds(c, quality)] or ["phone"]
    at = start
    if at <= limit:
        rec.answers["visited_at"] = make_datetime_answer(start, zone)
    rec.add(
        web,
        WebStep.PAGE,
        at,
        {
            "url": f"https://www.{domain}/",
            "title": f"{brand} · Home",
            "clicked": "",
            "contact_visible": home_contact,
            "channels": ["phone"] if home_contact and "phone" in channels else [],
        },
    )
    for slug in path:
        at += timedelta(seconds=rng.uniform(6, 20 + 40 * (1 - quality)))
        title, clicked = _PAGES[slug]
        last = slug == path[-1] and not gives_up
        rec.add(
            web,
            WebStep.PAGE,
            at,
            {
                "url": f"https://www.{domain}/{slug}",
                "title": f"{title} · {brand}",
                "clicked": clicked,
                "contact_visible": last,
                "channels": channels if last else [],
            },
        )
    at += timedelta(seconds=rng.uniform(5, 25))
    rec.answers["faq_detour"] = "yes" if "help/faq" in path else "no"
    if gives_up:
        rec.add(web, WebStep.FOUND, at, {"channel": "none", "channels": []})
        rec.answers["clicks_to_contact"] = len(path)
        rec.answers["time_to_contact"] = float(round((at - start).total_seconds()))
        return rec
    rec.shot = len(rec.steps) - 1
    channel = next(c for c in CHANNEL_ORDER if c in channels)
    if len(channels) > 1 and rng.random() < 0.4:
        channel = rng.choice(channels)
    rec.add(web, WebStep.FOUND, at, {"channel": channel, "channels": channels})
    return rec


def _channel_odds(channel: str, quality: float) -> float:
    return {
        "phone": 0.45 + 0.5 * quality,
        "live_chat": 0.6 * quality,
        "email": 0.55,
        "web_form": 0.5,
        "chat_bot": 0.3,
    }[channel]


# -- an e-mail exchange ----------------------------------------------------------------


def email_exchange(
    rng: random.Random,
    *,
    quality: float,
    sent: datetime,
    subject: str,
    calendar: BusinessCalendar,
    limit: datetime,
) -> Recording:
    """An enquiry, the reply (in business hours, sooner from a better company; never, now
    and then, from the worst), sometimes a second reply and a personal follow-up.

    With no reply, `given_up` is when the shopper stopped waiting (five business days),
    None while they still wait at `limit`.
    """
    rec = Recording(limit)
    mail = Instrument.EMAIL
    rec.add(mail, EmailStep.SENT, sent, {"subject": subject})
    if quality < 0.35 and rng.random() < 0.5:
        given_up = after_business_hours(calendar, sent, 40) + timedelta(minutes=rng.randint(5, 90))
        rec.given_up = given_up if given_up <= limit else None
        return rec
    hours = (1.0 + 42 * (1 - quality) ** 1.6) * rng.uniform(0.5, 1.3)
    reply = after_business_hours(calendar, sent, hours)
    if not rec.add(mail, EmailStep.REPLY, reply, {"subject": f"Re: {subject}"}):
        return rec
    rec.replies.append(reply)
    if rng.random() < (1 - quality) * 0.6:
        second = after_business_hours(calendar, reply, rng.uniform(2, 16))
        data = {"subject": f"Re: {subject}", "note": "Asked for details I had already given"}
        if rec.add(mail, EmailStep.REPLY, second, data):
            rec.replies.append(second)
    if rng.random() < quality * 0.7:
        later = after_business_hours(calendar, rec.replies[-1], rng.uniform(8, 24))
        rec.add(mail, EmailStep.FOLLOW_UP, later, {"subject": "Did our answer help?"})
    return rec


def after_business_hours(calendar: BusinessCalendar, start: datetime, hours: float) -> datetime:
    """The moment `hours` of the company's opening time after `start` have passed."""
    left = timedelta(hours=hours)
    since = start
    while True:
        for opens, closes in calendar.open_intervals(since, since + timedelta(days=14)):
            if closes - opens >= left:
                return opens + left
            left -= closes - opens
        since += timedelta(days=14)
        if since - start > timedelta(days=400):  # a calendar with no opening hours at all
            return start + timedelta(hours=hours)
