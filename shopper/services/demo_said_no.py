"""Demo data for the said-no log and imported feedback, so a new user sees those windows
filled: a 30-day said-no log under way for the first two demo companies (with a few days
nobody noted anything), and half a year of complaints, feedback and leaving reasons for the
first three, tagged by the starter rules. Their themes partly agree with the audits (speed
and contactability, which the weaker companies fail) and partly not (price, which no
checklist asks about). The same seed gives the same data.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from shopper.domain import theme_rules
from shopper.domain.clock import in_zone
from shopper.domain.said_no import DEFAULT_DAYS
from shopper.store.engine import session_scope
from shopper.store.tables import FeedbackEntry, SaidNoCampaign, SaidNoEntry

SAID_NO_COMPANIES = 2
FEEDBACK_COMPANIES = 3
FEEDBACK_PER_COMPANY = 120
DAY_OF_LOG = 25
"""The demo log is on this day of its 30."""

REFUSALS: tuple[tuple[str, str, str, str, str], ...] = (
    # asked, refused and why, reason, theme, channel
    ("A refund without the receipt", "No receipt, no refund: it is our policy", "policy",
     "resolution", "counter"),
    ("To return an item after 30 days", "Past the 30-day return window", "policy",
     "resolution", "phone"),
    ("Delivery on a Sunday", "We do not deliver at weekends", "not-offered", "speed", "chat"),
    ("Gift wrapping", "We do not offer it", "not-offered", "product", "counter"),
    ("Change the delivery address after dispatch", "The system locks an order once sent",
     "system", "effort", "phone"),
    ("Split a payment over two cards", "The till cannot take two cards", "system", "effort",
     "counter"),
    ("Explain the loyalty points on the bill", "I did not know how they are counted",
     "not-known", "knowledge", "phone"),
    ("Price match with a competitor", "Needed a manager's approval; none was in", "approval",
     "price", "counter"),
    ("A discount for a damaged box", "Only a manager can give one", "approval", "resolution",
     "e-mail"),
    ("Call me back tomorrow", "We cannot book call-backs", "system", "follow-up", "phone"),
    ("Speak to someone in Polish", "Nobody on shift speaks it", "other", "personal", "phone"),
    ("Order a size not in the catalogue", "We do not stock it", "not-offered", "product",
     "social"),
)  # fmt: skip

FEEDBACK_TEXTS: dict[str, tuple[tuple[str, str], ...]] = {
    # theme: (kind, text) - every text holds a starter-rule phrase of its theme
    "speed": (
        ("complaint", "I waited 40 minutes on hold before anyone answered."),
        ("complaint", "The delivery was late again and nobody told me."),
        ("complaint", "So slow to reply to my e-mail: it took days."),
        ("feedback", "Quick and easy, thank you."),
        ("leaving", "I am tired of waiting on hold every time I call."),
    ),
    "contactability": (
        ("complaint", "Could not reach anyone by phone all afternoon."),
        ("complaint", "Nobody answered the chat and the line was engaged."),
        ("leaving", "Impossible to get through to a person."),
    ),
    "empathy": (
        ("feedback", "The agent was friendly and patient with my mother."),
        ("complaint", "The man at the counter was rude and dismissive."),
        ("feedback", "Very kind staff, they listened."),
    ),
    "resolution": (
        ("complaint", "My problem is still not resolved after three calls."),
        ("feedback", "They sorted it on the first call."),
        ("leaving", "Same problem again and again, never fixed."),
    ),
    "clarity": (
        ("complaint", "The bill is confusing and the fees were hidden in the small print."),
        ("feedback", "Clear explanation of the contract, thanks."),
    ),
    "price": (
        ("leaving", "Found a better deal with a competitor."),
        ("leaving", "Too expensive for what it is."),
        ("complaint", "You charged me twice for delivery."),
    ),
    "follow-up": (
        ("complaint", "They promised to call back and never called."),
        ("complaint", "No reply to my complaint letter."),
    ),
}
THEME_WEIGHTS = {
    "speed": 5,
    "contactability": 3,
    "empathy": 3,
    "resolution": 3,
    "clarity": 2,
    "price": 2,
    "follow-up": 2,
}
CHANNELS = ("phone", "e-mail", "chat", "web form")


def add_said_no_demo(
    *, engine: Engine, companies: Sequence[Mapping[str, Any]], anchor: datetime, seed: int
) -> tuple[int, int]:
    """Add the demo said-no logs and feedback for the demo `companies` (rows with "id",
    "timezone"); returns (said-no entries, feedback entries)."""
    rng = random.Random(f"said-no-{seed}")

    def new_id() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    rules = theme_rules.parse_rules(_starter_rules())
    campaigns: list[SaidNoCampaign] = []
    entries: list[SaidNoEntry] = []
    feedback: list[FeedbackEntry] = []
    for company in companies[:SAID_NO_COMPANIES]:
        zone = str(company["timezone"])
        today = in_zone(anchor, zone).date()
        starts = today - timedelta(days=DAY_OF_LOG - 1)
        campaign = SaidNoCampaign(
            id=new_id(),
            company_id=str(company["id"]),
            team="Customer service",
            starts=starts,
            days=DEFAULT_DAYS,
            kept_by="The customer service team",
            created_by="demo",
            created_at=anchor - timedelta(days=DAY_OF_LOG),
        )
        campaigns.append(campaign)
        quiet = {rng.randrange(2, DAY_OF_LOG - 1) for _ in range(3)}
        for offset in range(DAY_OF_LOG - 1):
            if offset in quiet:
                continue
            for _ in range(rng.randint(1, 4)):
                asked, refused, reason, theme, channel = rng.choice(REFUSALS)
                entries.append(
                    SaidNoEntry(
                        id=new_id(),
                        campaign_id=campaign.id,
                        at=_local(starts + timedelta(days=offset), rng, zone),
                        tz=zone,
                        channel=channel,
                        asked=asked,
                        refused=refused,
                        reason=reason,
                        said_by=rng.choice(("", "", "Ana", "Ben", "Chloé")),
                        theme=theme,
                        created_by="demo",
                        created_at=anchor,
                    )
                )
    themes = list(THEME_WEIGHTS)
    weights = list(THEME_WEIGHTS.values())
    for company in companies[:FEEDBACK_COMPANIES]:
        zone = str(company["timezone"])
        today = in_zone(anchor, zone).date()
        for n in range(FEEDBACK_PER_COMPANY):
            theme = rng.choices(themes, weights)[0]
            kind, text = rng.choice(FEEDBACK_TEXTS[theme])
            # Speed complaints grow towards the latest months: a trend to see.
            days_back = 1 + int(180 * (rng.random() ** (1.6 if theme == "speed" else 1.0)))
            score = None
            if kind == "feedback":
                score = float(rng.randint(4, 5) if theme != "speed" else rng.randint(3, 5))
            elif kind == "complaint" and n % 3 == 0:
                kind, score = "feedback", float(rng.randint(1, 2))
            feedback.append(
                FeedbackEntry(
                    id=new_id(),
                    company_id=str(company["id"]),
                    kind=kind,
                    at=_local(today - timedelta(days=days_back), rng, zone),
                    channel=rng.choice(CHANNELS),
                    text=text,
                    category="",
                    score=score,
                    score_scale=5.0 if score is not None else None,
                    themes=json.dumps(theme_rules.tag_text(text, rules)),
                    source="demo-survey.csv" if kind == "feedback" else "demo-helpdesk.csv",
                    created_by="demo",
                    created_at=anchor,
                )
            )
    with session_scope(engine) as session:
        session.add_all(campaigns)
        session.flush()
        session.add_all(entries)
        session.add_all(feedback)
    return len(entries), len(feedback)


def _local(day: date, rng: random.Random, zone: str) -> datetime:
    from zoneinfo import ZoneInfo

    moment = datetime(day.year, day.month, day.day, rng.randint(9, 17), rng.randint(0, 59))
    return moment.replace(tzinfo=ZoneInfo(zone)).astimezone(ZoneInfo("UTC"))


def _starter_rules() -> str:
    from shopper.services.feedback import starter_rules

    return starter_rules()
