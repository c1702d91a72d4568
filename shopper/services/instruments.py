"""Instrument figures for one audit, and the checklist answers they measure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from shopper.domain.answers import normalize_answer
from shopper.domain.business_hours import BusinessCalendar
from shopper.domain.errors import AnswerError
from shopper.domain.instruments import (
    EmailFigures,
    Instrument,
    PhoneFigures,
    Step,
    WebFigures,
    email_figures,
    email_item_values,
    phone_figures,
    phone_item_values,
    waited_hours,
    web_figures,
    web_item_values,
)
from shopper.domain.template import Template
from shopper.store import repo
from shopper.store.engine import session_scope
from shopper.store.tables import Company

INSTRUMENT_LABELS = {
    Instrument.PHONE: "Phone-tree map",
    Instrument.WEB: "Website path",
    Instrument.EMAIL: "E-mail tracker",
}

INSTRUMENTS_FOR_TOUCHPOINT: dict[str, tuple[Instrument, ...]] = {
    "phone": (Instrument.PHONE,),
    "website": (Instrument.WEB, Instrument.EMAIL),
    "email": (Instrument.EMAIL,),
    "chat": (Instrument.EMAIL,),
    "delivery": (Instrument.EMAIL,),
    "survey": (Instrument.EMAIL,),
}
"""Which instruments a touchpoint offers; a written enquiry can follow any of these."""


def calendar_of(company: Company) -> BusinessCalendar:
    return BusinessCalendar.from_config(company.timezone, company.hours(), company.holiday_list())


@dataclass(frozen=True)
class Measurements:
    phone: PhoneFigures | None = None
    web: WebFigures | None = None
    email: EmailFigures | None = None
    items: dict[str, Any] = field(default_factory=dict)
    """Item id -> the value the instruments measured, valid for that item."""
    sources: dict[str, Instrument] = field(default_factory=dict)
    """Item id -> the instrument that measured it."""


def measure(
    *,
    template: Template,
    company: Company,
    steps: Sequence[tuple[str, Step]],
    zone: str,
) -> Measurements:
    """Compute every instrument's figures from (instrument, step) pairs.

    Raises:
        ShopperError: the steps contradict each other (a step before the call
        started, a reply before the enquiry).
    """
    by_instrument: dict[str, list[Step]] = {}
    for instrument, step in steps:
        by_instrument.setdefault(instrument, []).append(step)
    phone = web = email = None
    proposals: list[tuple[Instrument, dict[str, Any]]] = []
    if Instrument.PHONE in by_instrument:
        phone = phone_figures(by_instrument[Instrument.PHONE])
        proposals.append((Instrument.PHONE, phone_item_values(phone)))
    if Instrument.WEB in by_instrument:
        web = web_figures(by_instrument[Instrument.WEB])
        proposals.append((Instrument.WEB, web_item_values(web)))
    if Instrument.EMAIL in by_instrument:
        email = email_figures(by_instrument[Instrument.EMAIL], calendar_of(company))
        proposals.append((Instrument.EMAIL, email_item_values(email, zone)))
    items: dict[str, Any] = {}
    sources: dict[str, Instrument] = {}
    for instrument, values in proposals:
        for item_id, value in values.items():
            if item_id in items or not template.has_item(item_id):
                continue
            try:
                items[item_id] = normalize_answer(template.item(item_id), value)
            except AnswerError:
                continue  # a user template whose item of that id takes another kind of answer
            sources[item_id] = instrument
    return Measurements(phone, web, email, items, sources)


@dataclass(frozen=True)
class WaitingReply:
    """An enquiry still waiting for its answer, and how long it has waited."""

    audit_id: str
    company_name: str
    touchpoint: str
    sent_at: datetime
    waited_hours: float
    waited_business_hours: float


def waiting_replies(*, engine: Engine, now: datetime | None = None) -> list[WaitingReply]:
    """Every enquiry across all audits with no reply recorded yet, longest wait first."""
    moment = now or datetime.now(UTC)
    with session_scope(engine) as session:
        rows = repo.waiting_enquiries(session=session)
        companies = {
            c.id: c
            for c in repo.list_companies(session=session)
            if c.id in {r.company_id for r in rows}
        }
    result = []
    for row in rows:
        calendar_h, business_h = waited_hours(
            row.sent_at, moment, calendar_of(companies[row.company_id])
        )
        result.append(
            WaitingReply(
                row.audit_id,
                row.company_name,
                row.touchpoint,
                row.sent_at,
                max(calendar_h, 0.0),
                business_h,
            )
        )
    return result
