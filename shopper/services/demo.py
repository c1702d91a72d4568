"""Demo data: realistic companies with repeated audits of each touchpoint over months.

Deterministic for a seed and an anchor date: the same seed on the same day
gives the same companies, audits, answers, notes, instrument recordings and evidence
(ids included). Rows are written in bulk inside one transaction, so 10,000 audits take
seconds. The newest few phone, website and e-mail audits of each company also carry what
their shopper recorded (`demo_recordings`), and some audits pictures as evidence
(`demo_pictures`): those go through `AuditRunner`, as in a real session, so the measured
answers, summaries and events are exactly what the app makes.
"""

from __future__ import annotations

import gc
import json
import random
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session

from shopper.domain.answers import make_datetime_answer
from shopper.domain.clock import in_zone
from shopper.domain.errors import ShopperError
from shopper.domain.instruments import EmailStep, Step, WebStep
from shopper.domain.scoring import FAIL_BELOW, PASS_FROM, SummaryScorer, item_fraction
from shopper.domain.template import NA, Item, ItemType, Template
from shopper.domain.vocabulary import DEFAULT_HOURS, AuditStatus
from shopper.services import demo_pictures as pictures
from shopper.services import demo_recordings as recordings
from shopper.services.demo_recordings import Recording
from shopper.services.demo_said_no import add_said_no_demo
from shopper.services.instruments import calendar_of, measure
from shopper.services.runner import AuditRunner, MissingAnswersError, NewStep
from shopper.services.templates import get_template, list_templates
from shopper.store import exchange, repo
from shopper.store.engine import session_scope
from shopper.store.tables import Company, to_json

DEFAULT_AUDITS = 120
RECORDED_PER_PAIR = 2
"""How many of each company's newest phone, website and e-mail audits carry recordings."""
RECORDED_TOUCHPOINTS = ("phone", "website", "email")
EVIDENCE_TOUCHPOINTS = ("website", "email", "store")
"""Each company's newest completed audit of one of these (in turn) carries a picture."""
PICTURES = {"website": "page", "email": "email", "store": "receipt"}
"""The picture: the contact page, the first reply, the receipt."""


@dataclass(frozen=True)
class DemoCompany:
    name: str
    sector: str
    timezone: str
    quality: float
    trend: float
    """Change of quality per year: positive improves, negative regresses."""
    brand: str = ""
    """The name in Latin letters, for pictures drawn with Pillow's default font."""
    domain: str = "shop.example"
    phone: str = "+1 555 0100"
    currency: str = "USD"
    tax_rate: float = 0.2
    address: str = ""
    color: tuple[int, int, int] = (13, 110, 253)


COMPANIES = (
    DemoCompany(
        "Northwind Outfitters", "Clothing retail", "Europe/London", 0.72, 0.15,
        "Northwind Outfitters", "northwind-outfitters.example", "+44 20 7946 0321", "GBP",
        0.2, "14 Market Street, London", (33, 64, 110),
    ),
    DemoCompany(
        "Blue Harbor Bank", "Retail banking", "America/New_York", 0.55, -0.10,
        "Blue Harbor Bank", "blueharborbank.example", "+1 212 555 0147", "USD",
        0.08875, "200 Harbor Plaza, New York", (0, 87, 146),
    ),
    DemoCompany(
        "Zielona Łąka Sp. z o.o.", "Garden centre", "Europe/Warsaw", 0.80, 0.05,
        "Zielona Laka", "zielonalaka.example", "+48 22 000 01 23", "PLN",
        0.23, "ul. Ogrodowa 12, Warszawa", (46, 125, 50),
    ),
    DemoCompany(
        "Ηλιος Τηλεπικοινωνίες", "Telecom", "Europe/Athens", 0.45, 0.25,
        "Helios Telecom", "helios-telecom.example", "+30 210 000 0145", "EUR",
        0.24, "Odos Ermou 40, Athens", (230, 115, 0),
    ),
    DemoCompany(
        "Sakura Home 桜ホーム", "Furniture", "Asia/Tokyo", 0.85, -0.05,
        "Sakura Home", "sakura-home.example", "+81 3 0000 0123", "JPY",
        0.10, "3-12 Jingumae, Shibuya, Tokyo", (194, 24, 91),
    ),
    DemoCompany(
        "Pacific Home Energy", "Utilities", "America/Los_Angeles", 0.38, 0.30,
        "Pacific Home Energy", "pacifichomeenergy.example", "+1 415 555 0199", "USD",
        0.095, "88 Mission Street, San Francisco", (0, 121, 107),
    ),
)  # fmt: skip

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
    steps: int = 0
    """Instrument steps recorded."""
    evidence: int = 0
    """Pictures attached."""


@dataclass
class _Plan:
    """An audit a runner finishes: its recording, its picture, when it is completed."""

    audit_id: str
    company: DemoCompany
    company_row: Company
    shopper: str
    started: datetime
    completed: datetime | None
    recording: Recording | None
    evidence: str | None
    """The picture to attach: "page", "email" or "receipt"."""
    values: dict[str, Any] = field(default_factory=dict)
    noted: frozenset[str] = frozenset()
    """Measured items whose note is already written (their answer rows exist)."""


def load_demo(
    *,
    engine: Engine,
    audits: int = DEFAULT_AUDITS,
    seed: int = 1,
    anchor: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    data_dir: Path | None = None,
) -> DemoResult:
    """Add demo companies and `audits` audits spread over the past year.

    Args:
        data_dir: the data folder, where evidence files are kept; None attaches none.

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
            base = replace(
                base,
                name=f"{base.name} #{index // len(COMPANIES) + 1}",
                quality=min(0.95, max(0.2, base.quality + rng.uniform(-0.2, 0.2))),
                trend=rng.uniform(-0.3, 0.3),
            )
        companies.append((next_id(), base))

    with session_scope(engine) as session:
        first_id = companies[0][0]
        if session.get(Company, first_id) is not None:
            raise ShopperError(
                f"the demo data for seed {seed} is already loaded; use another --seed"
            )

    company_rows: list[dict[str, Any]] = [
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
    # The rows of a big demo are millions of objects, all alive until written: the cyclic
    # garbage collector, with nothing to free among them, would walk them again and again.
    with _collector_paused():
        audit_count, answers, plans = _write_audits(
            engine,
            rng,
            next_id,
            audits=audits,
            anchor=anchor,
            companies=companies,
            company_rows=company_rows,
            templates=templates,
            data_dir=data_dir,
            progress=progress,
        )
    steps = evidence_count = 0
    for plan in plans:
        added, attached, measured_count = _finish(engine, plan, rng, next_id, data_dir)
        steps += added
        evidence_count += attached
        answers += measured_count
    # Completed as the rest, in one transaction (a commit per audit would double the time):
    # the same status, times and event as `AuditRunner.complete`.
    with session_scope(engine) as session:
        completions = []
        for plan in plans:
            if plan.completed is None:
                continue
            zone = plan.company.timezone
            values = {
                "status": AuditStatus.COMPLETED,
                "completed_at": plan.completed,
                "completed_tz": zone,
                "updated_at": plan.completed,
            }
            repo.update_audit(session=session, audit_id=plan.audit_id, values=values)
            completions.append(_event(next_id(), plan.audit_id, "completed", plan.completed, zone))
        exchange.insert_rows(session=session, table="audit_event", rows=completions)
    from shopper.services.demo_actions import add_demo_actions  # the action plan's demo

    add_demo_actions(engine=engine, company_ids=[cid for cid, _c in companies])
    if progress:
        progress(audits, audits)
    add_said_no_demo(engine=engine, companies=company_rows, anchor=anchor, seed=seed)
    return DemoResult(len(company_rows), audit_count, answers, steps, evidence_count)


def _write_audits(
    engine: Engine,
    rng: random.Random,
    next_id: Callable[[], str],
    *,
    audits: int,
    anchor: datetime,
    companies: list[tuple[str, DemoCompany]],
    company_rows: list[dict[str, Any]],
    templates: list[Template],
    data_dir: Path | None,
    progress: Callable[[int, int], None] | None,
) -> tuple[int, int, list[_Plan]]:
    """Make and insert the companies and audits, in one transaction: (audits, answers, the
    audits a runner finishes)."""
    company_records = {row["id"]: Company(**row) for row in company_rows}
    chosen = _chosen(audits, len(companies), templates)
    memo = _Memo()
    # An audit row keeps its score's summary alone: worked out per template with each item's
    # facts looked up once (`score_audit`'s sums, to the last bit), not a whole score each.
    scorers = {id(template): SummaryScorer(template) for template in templates}
    audit_rows: list[dict[str, Any]] = []
    answer_rows: list[dict[str, Any]] = []
    event_rows: list[dict[str, Any]] = []
    moment_rows: list[dict[str, Any]] = []
    plans: list[_Plan] = []
    for index in range(audits):
        cid, company = companies[index % len(companies)]
        zone = company.timezone
        # Each company cycles through every touchpoint; neighbours in time differ.
        # (Not `3 * round + index`: with 25 companies that pins each one to a touchpoint.)
        template = templates[demo_template_index(index, len(companies), len(templates))]
        # Spread over 360 days, oldest first; the newest few stay in progress.
        age_days = 360 * (audits - index) / max(audits, 1)
        started = _daytime(anchor - timedelta(days=age_days), zone, rng.randint(0, 600), anchor)
        years_ago = age_days / 365
        quality = company.quality - company.trend * years_ago + rng.gauss(0, 0.12)
        quality = min(1.0, max(0.0, quality))
        in_progress = index >= audits - max(1, audits // 40)
        audit_id = next_id()
        recording = (
            _record(
                rng,
                template=template,
                company=company,
                record=company_records[cid],
                quality=quality,
                started=started,
                limit=anchor,
            )
            if index in chosen.recorded
            else None
        )
        evidence = chosen.evidence.get(index) if data_dir is not None else None
        fixed, measured = _fixed_answers(
            template,
            company=company_records[cid],
            recording=recording,
            zone=zone,
            in_progress=in_progress,
            evidence=evidence,
        )
        values, notes = _answers(rng, template, quality, started, zone, fixed=fixed, memo=memo)
        if in_progress:
            keep = rng.randint(len(values) // 3, max(len(values) // 3, len(values) - 2))
            values = dict(list(values.items())[:keep])
            values |= {k: v for k, v in measured.items() if k in fixed}
        score = scorers[id(template)].summary(values)
        completed = None if in_progress else started + timedelta(minutes=rng.randint(8, 90))
        if completed is not None and recording is not None:
            # The shopper completes the audit once the call, the path or the wait is over.
            done = max(d for d in (recording.ends, recording.given_up, started) if d is not None)
            completed = max(completed, done + timedelta(minutes=rng.randint(3, 40)))
            completed = max(min(completed, anchor), done)
        shopper = SHOPPERS[rng.randrange(len(SHOPPERS))]
        last = completed or started + timedelta(minutes=5)
        # A runner finishes an audit with a recording or a picture, as in a real session:
        # until then it is in progress and has none of the measured answers.
        runner_finishes = recording is not None or evidence is not None
        audit_rows.append(
            {
                "id": audit_id,
                "company_id": cid,
                "touchpoint": template.touchpoint,
                "template_id": template.id,
                "template_version": template.version,
                "shopper": shopper,
                "status": AuditStatus.COMPLETED
                if completed and not runner_finishes
                else AuditStatus.IN_PROGRESS,
                "started_at": started,
                "started_tz": zone,
                "completed_at": None if runner_finishes else completed,
                "completed_tz": zone if completed and not runner_finishes else None,
                "updated_at": last,
                "current_item": None,
                "score_percent": score.percent,
                "verdict": score.verdict,
                "passed": score.passed,
                "critical_failures": score.critical_failures,
                "answered": score.answered,
                "visible": score.visible,
            }
        )
        times = _answer_times(len(values), started, recording, completed, anchor)
        for at, (item_id, value) in zip(times, values.items(), strict=True):
            note = notes.get(item_id, "")
            if item_id in measured and not note:
                continue  # the runner writes what the instruments measured
            answer_rows.append(
                {
                    "audit_id": audit_id,
                    "item_id": item_id,
                    "value": None if item_id in measured else memo.json(value),
                    "note": note,
                    "answered_at": at,
                    "answered_tz": zone,
                }
            )
        for moment in _moments(rng, values, quality, started, last):
            moment_rows.append(moment | {"id": next_id(), "audit_id": audit_id, "tz": zone})
        event_rows.append(_event(next_id(), audit_id, "created", started, zone))
        if completed and not runner_finishes:
            event_rows.append(_event(next_id(), audit_id, "completed", completed, zone))
        if runner_finishes:
            plans.append(
                _Plan(
                    audit_id,
                    company,
                    company_records[cid],
                    shopper,
                    started,
                    completed,
                    recording,
                    evidence,
                    values,
                    frozenset(k for k in measured if notes.get(k) and k in values),
                )
            )
        if progress and index % 500 == 0:
            progress(index, audits)

    with session_scope(engine) as session, _bigger_cache(session):
        exchange.insert_rows(session=session, table="company", rows=company_rows)
        exchange.insert_rows(session=session, table="audit", rows=audit_rows, batch=5000)
        exchange.insert_rows(session=session, table="answer", rows=answer_rows, batch=20_000)
        exchange.insert_rows(session=session, table="audit_event", rows=event_rows)
        exchange.insert_rows(session=session, table="moment", rows=moment_rows)
    return len(audit_rows), len(answer_rows), plans


BULK_CACHE_KIB = 256 * 1024
"""SQLite's page cache while the demo's rows are written: the answers' primary key takes
them in random order (audit ids are random), and with the usual 2 MiB most of them miss."""


@contextmanager
def _bigger_cache(session: Session) -> Iterator[None]:
    """A SQLite connection's page cache at `BULK_CACHE_KIB` for the block, then as it was (its
    changed pages stay in memory until the transaction ends)."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    usual = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    conn.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
    try:
        yield
    finally:  # on the driver's connection: SQLAlchemy's may be waiting for a rollback
        driver = conn.connection.driver_connection
        with suppress(sqlite3.Error):
            if driver is not None:
                driver.execute(f"PRAGMA cache_size={int(usual)}")


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the block, and as it was after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True)
class _Chosen:
    recorded: frozenset[int]
    evidence: dict[int, str]


def _chosen(audits: int, companies: int, templates: list[Template]) -> _Chosen:
    """Which audits carry recordings (each company's newest few of a touchpoint with an
    instrument) and which a picture (each company's newest completed audit of one of
    `EVIDENCE_TOUCHPOINTS`, taken in turn)."""
    by_pair: dict[tuple[int, str], list[int]] = {}
    for index in range(audits):
        touchpoint = templates[demo_template_index(index, companies, len(templates))].touchpoint
        by_pair.setdefault((index % companies, touchpoint), []).append(index)
    first_open = audits - max(1, audits // 40)
    recorded: set[int] = set()
    evidence: dict[int, str] = {}
    for (company, touchpoint), indices in by_pair.items():
        if touchpoint in RECORDED_TOUCHPOINTS:
            recorded.update(indices[-RECORDED_PER_PAIR:])
        done = [i for i in indices if i < first_open]
        turn = EVIDENCE_TOUCHPOINTS[company % len(EVIDENCE_TOUCHPOINTS)]
        if done and touchpoint == turn:
            evidence[done[-1]] = PICTURES[touchpoint]
    return _Chosen(frozenset(recorded), evidence)


def _record(
    rng: random.Random,
    *,
    template: Template,
    company: DemoCompany,
    record: Company,
    quality: float,
    started: datetime,
    limit: datetime,
) -> Recording | None:
    """What the shopper of this audit recorded with its touchpoint's instruments."""
    brand = company.brand or company.name
    sector = recordings.sector_of(company.sector)
    zone = company.timezone
    q = min(1.0, max(0.0, quality + rng.gauss(0, 0.1)))
    begin = started + timedelta(seconds=rng.randint(40, 300))  # read the brief, then start
    calendar = calendar_of(record)
    if template.touchpoint == "phone":
        return recordings.phone_call(
            rng, quality=q, start=begin, brand=brand, sector=sector, zone=zone, limit=limit
        )
    if template.touchpoint == "email":
        return recordings.email_exchange(
            rng, quality=q, sent=begin, subject=sector.question, calendar=calendar, limit=limit
        )
    if template.touchpoint == "website":
        path = recordings.website_path(
            rng, quality=q, start=begin, brand=brand, domain=company.domain, zone=zone, limit=limit
        )
        found = path.steps[-1] if path.steps else None
        if (
            found is not None
            and found.kind == WebStep.FOUND
            and found.data.get("channel") in ("email", "web_form")
        ):
            sent = _at(found) + timedelta(seconds=rng.randint(60, 400))
            mail = recordings.email_exchange(
                rng, quality=q, sent=sent, subject=sector.question, calendar=calendar, limit=limit
            )
            path.steps += mail.steps
            path.replies, path.given_up = mail.replies, mail.given_up
            path.answers["reply_hours"] = None  # filled in by _fixed_answers
        return path
    return None


def _fixed_answers(
    template: Template,
    *,
    company: Company,
    recording: Recording | None,
    zone: str,
    in_progress: bool,
    evidence: str | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Answers that must agree with the recording: (every fixed answer, None for "leave
    unanswered"; the ones the instruments measure, which the runner writes)."""
    fixed: dict[str, Any] = {}
    if evidence == "receipt":
        fixed["purchased"] = "yes"  # the receipt shows what was bought
    if recording is None:
        return fixed, {}
    steps = [
        (new.instrument, Step(str(n), new.kind, _at(new), new.data))
        for n, new in enumerate(recording.steps)
    ]
    measured = measure(template=template, company=company, steps=steps, zone=zone).items
    fixed |= recording.answers
    mail = [new for new in recording.steps if new.instrument == "email"]
    if mail:
        first = recording.replies[0] if recording.replies else None
        waited_until = first or recording.given_up
        if first is not None:
            fixed["reply_received_at"] = make_datetime_answer(first, zone)
            fixed["replies_needed"] = len(recording.replies)
            if len(recording.replies) > 1:
                fixed["asked_to_repeat"] = "yes"
        elif recording.given_up is not None or not in_progress:
            fixed["reply_received"] = "no"
        else:
            fixed["reply_received"] = None  # still waiting
        if all(new.kind != EmailStep.FOLLOW_UP for new in mail):
            fixed["follow_up"] = None if in_progress else "no"  # answered after five days
        sent = mail[0].at
        if "reply_hours" in fixed:
            fixed["reply_hours"] = (
                round((waited_until - sent).total_seconds() / 3600, 1)
                if waited_until is not None and sent is not None
                else None
            )
    fixed |= measured
    return {k: v for k, v in fixed.items() if template.has_item(k)}, measured


def _finish(
    engine: Engine,
    plan: _Plan,
    rng: random.Random,
    next_id: Callable[[], str],
    data_dir: Path | None,
) -> tuple[int, int, int]:
    """Record the steps and attach the picture through a runner, each at the moment the
    shopper would have; (steps, pictures, measured answers) added."""
    now = [plan.started]
    runner = AuditRunner(
        engine=engine,
        audit_id=plan.audit_id,
        zone=plan.company.timezone,
        clock=lambda: now[0],
        make_id=next_id,
    )
    recording = plan.recording
    steps = list(recording.steps) if recording else []
    attached = 0
    brand = pictures.Brand(
        plan.company.brand or plan.company.name,
        plan.company.domain,
        plan.company.color,
        plan.company.phone,
    )
    if (
        data_dir is not None
        and plan.evidence == "page"
        and recording
        and recording.shot is not None
    ):
        page = steps[recording.shot]
        now[0] = _at(page) + timedelta(seconds=3)
        picture = pictures.page_picture(
            brand,
            url=str(page.data.get("url", "")),
            title=str(page.data.get("title", "")),
            heading="Contact us",
            channels=list(page.data.get("channels", [])),
            hours=_hours_text(),
            taken=in_zone(_at(page), plan.company.timezone),
        )
        record = runner.attach(
            data_dir=data_dir,
            data=picture,
            filename="contact-page.png",
            item_id="channels_offered",
            caption="The contact page, as the shopper saw it",
        )
        steps[recording.shot] = replace(page, data={**page.data, "evidence_id": record.id})
        attached += 1
    if steps:
        now[0] = max(_at(s) for s in steps)
        runner.add_steps(steps)
    if data_dir is not None and plan.evidence == "email" and recording and recording.replies:
        reply = recording.replies[0]
        now[0] = reply + timedelta(minutes=rng.randint(2, 90))
        runner.attach(
            data_dir=data_dir,
            data=_email_picture(brand, plan, reply, rng),
            filename="first-reply.png",
            item_id="answers_question",
            caption="The first reply",
        )
        attached += 1
    if data_dir is not None and plan.evidence == "receipt":
        bought = _bought(rng, plan.company)
        if bought:
            paid = plan.started + timedelta(minutes=rng.randint(10, 30))
            now[0] = paid + timedelta(minutes=1)
            picture = pictures.receipt_picture(
                brand,
                address=plan.company.address,
                bought=bought,
                currency=plan.company.currency,
                tax_rate=plan.company.tax_rate,
                tax_included=plan.company.currency != "USD",
                when=in_zone(paid, plan.company.timezone),
                till=f"Till {rng.randint(1, 6)} - served by {rng.choice(recordings.NAMES)}",
            )
            runner.attach(
                data_dir=data_dir,
                data=picture,
                filename="receipt.jpg",
                item_id="purchased",
                caption="The receipt",
            )
            attached += 1
    if plan.completed is not None and (missing := runner.score.required_missing):
        raise MissingAnswersError(runner.template, missing)  # a bug in the demo's answers
    return len(steps), attached, len(set(runner.measurements.items) - plan.noted)


def _at(step: NewStep) -> datetime:
    if step.at is None:  # pragma: no cover - every demo step is timed
        raise ValueError("a demo step without a time")
    return step.at


def _hours_text() -> str:
    days = [d for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun") if d in DEFAULT_HOURS]
    opens, closes = DEFAULT_HOURS[days[0]]
    return f"{days[0].title()}-{days[-1].title()} {opens}-{closes}"


def _bought(rng: random.Random, company: DemoCompany) -> list[tuple[str, float]]:
    choices = recordings.sector_of(company.sector).purchase
    if not choices:
        return []
    return rng.sample(list(choices), rng.randint(1, min(3, len(choices))))


def _email_picture(
    brand: pictures.Brand, plan: _Plan, reply: datetime, rng: random.Random
) -> bytes:
    sector = recordings.sector_of(plan.company.sector)
    first_name, _, last_name = plan.shopper.partition(" ")
    agent = rng.choice(recordings.NAMES)
    helpful = plan.values.get("answers_question") == "yes"
    body = (
        [f"Dear {first_name},", sector.answer]
        if helpful
        else [
            "Dear customer,",
            "Thank you for your e-mail. Your enquiry is important to us. Many questions are "
            f"answered in our help centre at www.{brand.domain}/help.",
        ]
    )
    body.append(f"Kind regards,\n{agent}\n{brand.name} Customer Care")
    address = f"{first_name}.{last_name}".lower().replace(" ", "")
    return pictures.email_picture(
        brand,
        sender=f"{brand.name} Customer Care <help@{brand.domain}>",
        to=f"{plan.shopper} <{pictures.drawable(address)}@mail.example>",
        subject=f"Re: {sector.question}",
        when=in_zone(reply, plan.company.timezone),
        body=body,
    )


def _answer_times(
    count: int,
    started: datetime,
    recording: Recording | None,
    completed: datetime | None,
    limit: datetime,
) -> list[datetime]:
    """When each answer was given: 20 seconds apart from the start, or, after a recording,
    from its end (a call is answered once it is over, a reply once it came), before the
    audit was completed."""
    begin = started
    if recording is not None:
        begin = max(d for d in (recording.ends, recording.given_up, started) if d is not None)
    end = min(completed or limit, limit)
    gap = timedelta(seconds=20)
    if count and begin + gap * count > end:
        gap = max(end - begin, timedelta(0)) / (count + 1)
    return [begin + gap * n for n in range(count)]


def _daytime(moment: datetime, zone: str, minutes: int, before: datetime) -> datetime:
    """`minutes` after 09:00 in the company's zone on the day of `moment` (a day earlier
    when that is not before `before`): shoppers call, visit and shop in the daytime."""
    day = in_zone(moment, zone).date()
    while True:
        local = datetime.combine(day, time(9), tzinfo=ZoneInfo(zone)) + timedelta(minutes=minutes)
        if local < before:
            return local.astimezone(UTC)
        day -= timedelta(days=1)


def demo_template_index(index: int, companies: int, templates: int) -> int:
    """Which template the `index`-th demo audit uses: company c's k-th audit gets k + c."""
    rounds, company = divmod(index, companies)
    return (rounds + company) % templates


def _event(event_id: str, audit_id: str, kind: str, at: datetime, tz: str) -> dict[str, Any]:
    return {"id": event_id, "audit_id": audit_id, "kind": kind, "at": at, "tz": tz, "detail": ""}


def _answers(
    rng: random.Random,
    template: Template,
    quality: float,
    started: datetime,
    zone: str,
    *,
    fixed: Mapping[str, Any] | None = None,
    memo: _Memo | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Answers and notes of a shopper; `fixed` answers are given (None: left unanswered)."""
    values: dict[str, Any] = {}
    notes: dict[str, str] = {}
    given = fixed or {}
    memo = memo or _Memo()
    for item in memo.items(template):
        # Items hidden by an earlier answer are skipped, as a shopper would.
        if item.show_if is not None and not item.show_if.matches(values.get(item.show_if.item)):
            continue
        q = min(1.0, max(0.0, quality + rng.gauss(0, 0.18)))
        value = given[item.id] if item.id in given else _value(rng, item, q, started, zone)
        if value is None:
            continue
        values[item.id] = value
        fraction = memo.fraction(item, value)
        if fraction is not None and rng.random() < 0.18:
            # The note agrees with the answer: praise for a pass, a complaint for a fail.
            if fraction >= PASS_FROM:
                notes[item.id] = rng.choice(GOOD_NOTES)
            elif fraction < FAIL_BELOW:
                notes[item.id] = rng.choice(BAD_NOTES)
    return values, notes


_PLAIN = (str, int, float)
"""Answer values kept by `_Memo`: the same value (and type) always gives the same result."""


class _Memo:
    """What a big demo works out again and again, worked out once: each template's items,
    an answer's stored JSON, the share of an item's weight an answer earns."""

    def __init__(self) -> None:
        self._items: dict[int, tuple[Template, tuple[Item, ...]]] = {}
        self._json: dict[tuple[type, Any], str] = {}
        self._fractions: dict[tuple[int, type, Any], float | None] = {}

    def items(self, template: Template) -> tuple[Item, ...]:
        known = self._items.get(id(template))
        if known is None or known[0] is not template:
            known = self._items[id(template)] = (template, tuple(template.items()))
        return known[1]

    def json(self, value: Any) -> str:
        if type(value) not in _PLAIN:
            return to_json(value)
        key = (type(value), value)
        text = self._json.get(key)
        if text is None:
            text = self._json[key] = to_json(value)
        return text

    def fraction(self, item: Item, value: Any) -> float | None:
        """`item_fraction`, for an item of a template kept by `items`."""
        if type(value) not in _PLAIN:
            return item_fraction(item, value)
        key = (id(item), type(value), value)
        try:
            return self._fractions[key]
        except KeyError:
            found = self._fractions[key] = item_fraction(item, value)
            return found


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
