"""Demo data: realistic companies with repeated audits of each touchpoint over months.

Deterministic for a seed and an anchor date: the same seed on the same day
gives the same companies, audits, answers and notes (ids included). Rows are
written in bulk inside one transaction, so 10,000 audits take seconds.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from shopper.domain.answers import make_datetime_answer
from shopper.domain.errors import ShopperError
from shopper.domain.scoring import FAIL_BELOW, PASS_FROM, item_fraction, score_audit
from shopper.domain.template import NA, Item, ItemType, Template
from shopper.domain.vocabulary import DEFAULT_HOURS, AuditStatus
from shopper.services.templates import get_template, list_templates
from shopper.store import exchange
from shopper.store.engine import session_scope
from shopper.store.tables import Company

DEFAULT_AUDITS = 120


@dataclass(frozen=True)
class DemoCompany:
    name: str
    sector: str
    timezone: str
    quality: float
    trend: float
    """Change of quality per year: positive improves, negative regresses."""


COMPANIES = (
    DemoCompany("Northwind Outfitters", "Clothing retail", "Europe/London", 0.72, 0.15),
    DemoCompany("Blue Harbor Bank", "Retail banking", "America/New_York", 0.55, -0.10),
    DemoCompany("Zielona Łąka Sp. z o.o.", "Garden centre", "Europe/Warsaw", 0.80, 0.05),
    DemoCompany("Ηλιος Τηλεπικοινωνίες", "Telecom", "Europe/Athens", 0.45, 0.25),
    DemoCompany("Sakura Home 桜ホーム", "Furniture", "Asia/Tokyo", 0.85, -0.05),
    DemoCompany("Pacific Home Energy", "Utilities", "America/Los_Angeles", 0.38, 0.30),
)

SHOPPERS = ("Ana Souza", "Tom Becker", "Priya Natarajan", "Marek Nowak", "Chloé Martin")

GOOD_NOTES = (
    "Friendly and quick; used my name without being asked.",
    "Answered before I finished the question — clearly trained.",
    "Offered a follow-up call the next day, and it came.",
    "Clear next steps, in writing.",
    "Went off script to check stock at another branch.",
    "Exactly what I hoped for.",
)
BAD_NOTES = (
    "Had to give my order number three times.",
    "Transferred twice; nobody owned the problem.",
    "Hold music cut out; unsure if I was still connected.",
    "Canned reply that ignored half of my question.",
    "Contact page hidden under 'About us › Legal'.",
    "Promised a call back that never came.",
    "Agent seemed rushed & read from a script <verbatim>.",
)
FRICTION_NOTES = (
    "Had to scroll past three banners to find the form.",
    "The chat window covered the order summary.",
    "Asked for my account number before saying why.",
    "Hold music restarted at full volume after each announcement.",
    "The reply came from a no-reply address.",
)
ADVICE = (
    "Put the phone number on the home page.",
    "Train staff to own a problem end to end.",
    "Answer e-mails within one working day, and say when a full answer will come.",
    "Cut the phone menu to two levels.",
    "Keep doing what you do at the counter — it is the best part of the experience.",
)


@dataclass(frozen=True)
class DemoResult:
    companies: int
    audits: int
    answers: int


def load_demo(
    *,
    engine: Engine,
    audits: int = DEFAULT_AUDITS,
    seed: int = 1,
    anchor: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoResult:
    """Add demo companies and `audits` audits spread over the past year.

    Raises:
        ShopperError: bad count, or this seed's demo data is already loaded.
    """
    if audits < 0 or audits > 1_000_000:
        raise ShopperError(f"--audits: must be between 0 and 1,000,000, got {audits}")
    rng = random.Random(seed)
    anchor = (anchor or datetime.now(UTC)).replace(hour=0, minute=0, second=0, microsecond=0)
    templates = [
        get_template(engine=engine, template_id=info.id, version=info.version)
        for info in list_templates(engine=engine)
        if info.builtin
    ]
    if not templates:
        raise ShopperError("no built-in templates are installed")

    def next_id() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    n_companies = max(len(COMPANIES), audits // 400)
    companies = []
    for index in range(n_companies):
        base = COMPANIES[index % len(COMPANIES)]
        if index >= len(COMPANIES):
            base = DemoCompany(
                f"{base.name} #{index // len(COMPANIES) + 1}",
                base.sector,
                base.timezone,
                min(0.95, max(0.2, base.quality + rng.uniform(-0.2, 0.2))),
                rng.uniform(-0.3, 0.3),
            )
        companies.append((next_id(), base))

    with session_scope(engine) as session:
        first_id = companies[0][0]
        if session.get(Company, first_id) is not None:
            raise ShopperError(
                f"the demo data for seed {seed} is already loaded; use another --seed"
            )

    company_rows = [
        {
            "id": cid,
            "name": c.name,
            "sector": c.sector,
            "timezone": c.timezone,
            "business_hours": json.dumps(DEFAULT_HOURS),
            "holidays": json.dumps([f"{anchor.year}-12-25", f"{anchor.year}-01-01"]),
            "notes": "",
            "created_at": anchor - timedelta(days=400),
            "updated_at": anchor - timedelta(days=400),
        }
        for cid, c in companies
    ]
    audit_rows: list[dict[str, Any]] = []
    answer_rows: list[dict[str, Any]] = []
    event_rows: list[dict[str, Any]] = []
    moment_rows: list[dict[str, Any]] = []
    for index in range(audits):
        cid, company = companies[index % len(companies)]
        # Each company cycles through every touchpoint; neighbours in time differ.
        # (Not `3 * round + index`: with 25 companies that pins each one to a touchpoint.)
        template = templates[demo_template_index(index, len(companies), len(templates))]
        # Spread over 360 days, oldest first; the newest few stay in progress.
        age_days = 360 * (audits - index) / max(audits, 1)
        started = anchor - timedelta(days=age_days, minutes=rng.randint(0, 600))
        years_ago = age_days / 365
        quality = company.quality - company.trend * years_ago + rng.gauss(0, 0.12)
        quality = min(1.0, max(0.0, quality))
        in_progress = index >= audits - max(1, audits // 40)
        audit_id = next_id()
        values, notes = _answers(rng, template, quality, started, company.timezone)
        if in_progress:
            keep = rng.randint(len(values) // 3, max(len(values) // 3, len(values) - 2))
            values = dict(list(values.items())[:keep])
        score = score_audit(template, values)
        completed = None if in_progress else started + timedelta(minutes=rng.randint(8, 90))
        shopper = SHOPPERS[rng.randrange(len(SHOPPERS))]
        last = completed or started + timedelta(minutes=5)
        audit_rows.append(
            {
                "id": audit_id,
                "company_id": cid,
                "touchpoint": template.touchpoint,
                "template_id": template.id,
                "template_version": template.version,
                "shopper": shopper,
                "status": AuditStatus.IN_PROGRESS if in_progress else AuditStatus.COMPLETED,
                "started_at": started,
                "started_tz": company.timezone,
                "completed_at": completed,
                "completed_tz": company.timezone if completed else None,
                "updated_at": last,
                "current_item": None,
                "score_percent": score.percent,
                "verdict": score.verdict,
                "passed": score.passed,
                "critical_failures": len(score.critical_failures),
                "answered": score.answered,
                "visible": score.visible,
            }
        )
        for offset, (item_id, value) in enumerate(values.items()):
            answer_rows.append(
                {
                    "audit_id": audit_id,
                    "item_id": item_id,
                    "value": json.dumps(value, ensure_ascii=False),
                    "note": notes.get(item_id, ""),
                    "answered_at": started + timedelta(seconds=20 * offset),
                    "answered_tz": company.timezone,
                }
            )
        for moment in _moments(rng, values, quality, started, last):
            moment_rows.append(
                moment | {"id": next_id(), "audit_id": audit_id, "tz": company.timezone}
            )
        event_rows.append(_event(next_id(), audit_id, "created", started, company.timezone))
        if completed:
            event_rows.append(_event(next_id(), audit_id, "completed", completed, company.timezone))
        if progress and index % 500 == 0:
            progress(index, audits)

    with session_scope(engine) as session:
        exchange.insert_rows(session=session, table="company", rows=company_rows)
        exchange.insert_rows(session=session, table="audit", rows=audit_rows, batch=5000)
        exchange.insert_rows(session=session, table="answer", rows=answer_rows, batch=20_000)
        exchange.insert_rows(session=session, table="audit_event", rows=event_rows)
        exchange.insert_rows(session=session, table="moment", rows=moment_rows)
    if progress:
        progress(audits, audits)
    return DemoResult(len(company_rows), len(audit_rows), len(answer_rows))


def demo_template_index(index: int, companies: int, templates: int) -> int:
    """Which template the `index`-th demo audit uses: company c's k-th audit gets k + c."""
    rounds, company = divmod(index, companies)
    return (rounds + company) % templates


def _event(event_id: str, audit_id: str, kind: str, at: datetime, tz: str) -> dict[str, Any]:
    return {"id": event_id, "audit_id": audit_id, "kind": kind, "at": at, "tz": tz, "detail": ""}


def _answers(
    rng: random.Random, template: Template, quality: float, started: datetime, zone: str
) -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {}
    notes: dict[str, str] = {}
    for item in template.items():
        # Items hidden by an earlier answer are skipped, as a shopper would.
        if item.show_if is not None and not item.show_if.matches(values.get(item.show_if.item)):
            continue
        q = min(1.0, max(0.0, quality + rng.gauss(0, 0.18)))
        value = _value(rng, item, q, started, zone)
        if value is None:
            continue
        values[item.id] = value
        fraction = item_fraction(item, value)
        if fraction is not None and rng.random() < 0.18:
            # The note agrees with the answer: praise for a pass, a complaint for a fail.
            if fraction >= PASS_FROM:
                notes[item.id] = rng.choice(GOOD_NOTES)
            elif fraction < FAIL_BELOW:
                notes[item.id] = rng.choice(BAD_NOTES)
    return values, notes


def _moments(
    rng: random.Random,
    values: dict[str, Any],
    quality: float,
    started: datetime,
    ended: datetime,
) -> list[dict[str, Any]]:
    """Zero to three unexpected moments, good ones more likely in a better audit."""
    moments = []
    span = max((ended - started).total_seconds(), 60.0)
    for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
        bank: tuple[str, ...]
        if rng.random() < quality:
            kind, bank = "good", GOOD_NOTES
        elif rng.random() < 0.5:
            kind, bank = "bad", BAD_NOTES
        else:
            kind, bank = "friction", FRICTION_NOTES
        at = started + timedelta(seconds=rng.uniform(0, span))
        moments.append(
            {
                "kind": kind,
                "at": at,
                "note": rng.choice(bank),
                "item_id": rng.choice(list(values)) if values and rng.random() < 0.7 else None,
                "updated_at": at,
            }
        )
    return sorted(moments, key=lambda m: m["at"])


def _value(rng: random.Random, item: Item, q: float, started: datetime, zone: str) -> Any:
    if item.allow_na and rng.random() < 0.04:
        return NA
    kind = item.type
    if kind is ItemType.YES_NO:
        passed = rng.random() < q
        return item.pass_answer if passed else ("no" if item.pass_answer == "yes" else "yes")
    if kind is ItemType.RATING:
        assert item.scale is not None
        low, high = item.scale.min, item.scale.max
        return max(low, min(high, round(low + q * (high - low) + rng.gauss(0, 0.5))))
    if kind is ItemType.SINGLE_CHOICE:
        scored = [o for o in item.options if o.score is not None]
        if scored:
            return min(scored, key=lambda o: abs((o.score or 0) - q) + rng.random() * 0.2).key
        return rng.choice(item.options).key
    if kind is ItemType.MULTI_CHOICE:
        picked = [o.key for o in item.options if rng.random() < q * 0.9 + 0.05]
        return picked
    if kind in (ItemType.NUMBER, ItemType.COUNT, ItemType.DURATION):
        if item.target is not None:
            good, bad = item.target.good, item.target.bad
            raw = bad + (good - bad) * q + rng.gauss(0, abs(bad - good) * 0.1)
        else:
            raw = rng.uniform(item.minimum or 0, item.maximum or 20)
        raw = max(item.minimum if item.minimum is not None else 0.0, raw)
        if item.maximum is not None:
            raw = min(item.maximum, raw)
        if kind is ItemType.COUNT:
            return round(raw)
        return round(raw, 1) if kind is ItemType.NUMBER else float(round(raw))
    if kind is ItemType.DATETIME:
        return make_datetime_answer(started - timedelta(hours=rng.randint(0, 30)), zone)
    if kind is ItemType.TEXT:
        return rng.choice(ADVICE if q >= 0.5 else BAD_NOTES)
    return None
