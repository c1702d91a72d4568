"""Companies: the organisations whose touchpoints are audited."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import Engine

from shopper.domain.business_hours import holidays_problem, hours_problem
from shopper.domain.clock import is_valid_zone, now_utc
from shopper.domain.errors import ShopperError
from shopper.domain.vocabulary import DEFAULT_HOURS
from shopper.store import repo
from shopper.store.engine import session_scope
from shopper.store.tables import Company

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass
class CompanyInput:
    """What a user gives for a company; checked by `validate` before it is stored."""

    name: str
    sector: str = ""
    timezone: str = "UTC"
    business_hours: dict[str, list[str]] = field(default_factory=lambda: dict(DEFAULT_HOURS))
    holidays: list[str] = field(default_factory=list)
    notes: str = ""
    allow_unassigned: bool = False
    """A team's shoppers may start shops of their own for it."""

    def validate(self) -> None:
        name = self.name.strip()
        if not name:
            raise ShopperError("company name: must not be empty")
        if len(name) > 200:
            raise ShopperError("company name: too long (limit 200 characters)")
        if len(self.sector) > 200:
            raise ShopperError("sector: too long (limit 200 characters)")
        if not is_valid_zone(self.timezone):
            raise ShopperError(f"time zone: unknown zone {self.timezone!r}")
        if (problem := hours_problem(self.business_hours)) is not None:
            raise ShopperError(f"business hours: {problem}")
        if (problem := holidays_problem(self.holidays)) is not None:
            raise ShopperError(f"holidays: {problem}")


def create_company(*, engine: Engine, data: CompanyInput) -> Company:
    data.validate()
    company = Company(
        name=data.name.strip(),
        sector=data.sector.strip(),
        timezone=data.timezone,
        business_hours=json.dumps(data.business_hours),
        holidays=json.dumps(sorted(set(data.holidays))),
        notes=data.notes,
        allow_unassigned=data.allow_unassigned,
    )
    with session_scope(engine) as session:
        repo.add_company(session=session, company=company)
    return company


def update_company(*, engine: Engine, company_id: str, data: CompanyInput) -> Company:
    data.validate()
    with session_scope(engine) as session:
        company = repo.get_company(session=session, company_id=company_id)
        company.name = data.name.strip()
        company.sector = data.sector.strip()
        company.timezone = data.timezone
        company.business_hours = json.dumps(data.business_hours)
        company.holidays = json.dumps(sorted(set(data.holidays)))
        company.notes = data.notes
        company.allow_unassigned = data.allow_unassigned
        company.updated_at = now_utc()
        session.add(company)
    return company


def list_companies(*, engine: Engine) -> list[repo.CompanyRow]:
    with session_scope(engine) as session:
        return repo.company_rows(session=session)


def get_company(*, engine: Engine, company_id: str) -> Company:
    with session_scope(engine) as session:
        return repo.get_company(session=session, company_id=company_id)


def find_company(*, engine: Engine, name_or_id: str) -> Company:
    with session_scope(engine) as session:
        return repo.find_company(session=session, name_or_id=name_or_id)
