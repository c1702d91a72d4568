"""Recurring shops: add a schedule, list, pause, resume and remove them, and run them.

A run (`run_schedules`) makes, for every active schedule, the shops falling within its
`ahead_days`, with `shopper.domain.schedule.plan` deciding the windows and the shoppers and
`shopper.services.shops.create_shops` making them, all in one transaction with the schedules'
progress (`last_planned`), so a run is all or nothing and running again the same day makes
nothing more. The occurrences of every schedule of a company are planned together, in day
order, each after the company's previous shop (by hand or by any schedule, cancelled ones
left out), so nobody shops a company twice in a row; a shopper's open shops (assigned, in
progress or returned, whoever made them) count against each schedule's limit.

A shop assigned by hand on a later day than a planned one is not looked at: the rotation
follows the shops before each day only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from shopper.domain import schedule as plans
from shopper.domain.business_hours import BusinessCalendar
from shopper.domain.clock import in_zone, local_zone_name, now_utc
from shopper.domain.errors import ScheduleError, ShopperError
from shopper.domain.shops import NOT_SUBMITTED, ShopRole, ShopState
from shopper.services.shops import (
    ShopInput,
    ShopInputError,
    ShopRow,
    actor_of,
    checked_shop,
    create_shops,
)
from shopper.store import repo
from shopper.store import schedules as store
from shopper.store.engine import session_scope
from shopper.store.tables import Company, Schedule

MAX_WINDOW_DAYS = 366
MAX_AHEAD_DAYS = 366
MAX_SHOPPERS = 100
MAX_RECURRENCE = 200
OPEN_STATES = tuple(sorted(state.value for state in NOT_SUBMITTED))
"""A shopper's open shops: still theirs to do (assigned, in progress, returned)."""


class ScheduleInputError(ShopperError):
    """A schedule to add is not valid: `field` names what is wrong (company, touchpoint,
    template, recurrence, shoppers, window, limit, ahead, instructions, from)."""

    def __init__(self, field: str, why: str) -> None:
        self.field = field
        self.why = why
        super().__init__(f"{field}: {why}")


@dataclass(frozen=True)
class ScheduleInput:
    """A schedule as a manager asks for it; checked by `create_schedule` before it is stored."""

    company: str
    """The company's id, unique id prefix or exact name."""
    touchpoint: str
    recurrence: str
    """As typed: "every 4 weeks", "monthly on the first working day" (see the domain)."""
    shoppers: Sequence[str]
    """In rotation order."""
    template: str | None = None
    """A template id (or unique prefix); None: each shop gets the touchpoint's newest."""
    window_days: int = 7
    open_limit: int | None = None
    ahead_days: int = 14
    instructions: str = ""
    starts: date | None = None
    """The first day a shop may fall on; today in the company's zone when not given."""


@dataclass(frozen=True)
class ScheduleRow:
    id: str
    company_id: str
    company: str
    touchpoint: str
    template_id: str | None
    recurrence: str
    """As the manager typed it."""
    every: str
    """The recurrence in its canonical words ("every 4 weeks")."""
    starts: date
    window_days: int
    shoppers: tuple[str, ...]
    open_limit: int | None
    instructions: str
    ahead_days: int
    active: bool
    last_planned: date | None
    shops_made: int
    created_by: str
    created_at: datetime
    updated_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "company_id": self.company_id,
            "company": self.company,
            "touchpoint": self.touchpoint,
            "template_id": self.template_id,
            "recurrence": self.recurrence,
            "every": self.every,
            "from": self.starts.isoformat(),
            "window_days": self.window_days,
            "shoppers": list(self.shoppers),
            "open_limit": self.open_limit,
            "instructions": self.instructions,
            "ahead_days": self.ahead_days,
            "active": self.active,
            "last_planned": self.last_planned.isoformat() if self.last_planned else None,
            "shops_made": self.shops_made,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True)
class MadeShop:
    """A shop a run made, and the schedule it made it for."""

    schedule_id: str
    shop: ShopRow

    def to_json(self) -> dict[str, Any]:
        return {"schedule_id": self.schedule_id, **self.shop.to_json()}


@dataclass(frozen=True)
class Skipped:
    """An occurrence a run made no shop for, and why; it is not tried again."""

    schedule_id: str
    company: str
    touchpoint: str
    day: date
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "schedule_id": self.schedule_id,
            "company": self.company,
            "touchpoint": self.touchpoint,
            "day": self.day.isoformat(),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class RunResult:
    made: list[MadeShop]
    not_planned: list[Skipped]

    def to_json(self) -> dict[str, Any]:
        return {
            "made": [m.to_json() for m in self.made],
            "not_planned": [s.to_json() for s in self.not_planned],
        }


# -- adding and changing -----------------------------------------------------------


def create_schedule(
    *, engine: Engine, data: ScheduleInput, at: datetime | None = None
) -> ScheduleRow:
    """Store a schedule after checking every field; its first shops come with the next run.

    Raises:
        ScheduleInputError: naming the first field at fault; nothing was stored.
        ScheduleError: this login is not a manager.
    """
    moment = at or now_utc()
    _recurrence(data.recurrence)
    _check_number("window", data.window_days, 1, MAX_WINDOW_DAYS, "days")
    _check_number("ahead", data.ahead_days, 0, MAX_AHEAD_DAYS, "days")
    if data.open_limit is not None:
        _check_number("limit", data.open_limit, 1, None, "open shops")
    shoppers = [name.strip() for name in data.shoppers]
    if not any(shoppers):
        raise ScheduleInputError("shoppers", "give at least one shopper")
    if "" in shoppers:
        raise ScheduleInputError("shoppers", "a name in the list is empty")
    if len(shoppers) > MAX_SHOPPERS:
        raise ScheduleInputError("shoppers", f"too many (limit {MAX_SHOPPERS})")
    twice = next((name for k, name in enumerate(shoppers) if name in shoppers[:k]), None)
    if twice is not None:
        raise ScheduleInputError("shoppers", f"{twice!r} is listed twice")
    with session_scope(engine) as session:
        who = _manager(session, "add schedules")
        template_id, company = _check_shop_fields(session, data, shoppers, moment)
        starts = data.starts or in_zone(moment, company.timezone).date()
        record = Schedule(
            company_id=company.id,
            touchpoint=data.touchpoint.strip(),
            template_id=template_id,
            recurrence=" ".join(data.recurrence.split()),
            starts=starts,
            window_days=data.window_days,
            shoppers=json.dumps(shoppers, ensure_ascii=False),
            open_limit=data.open_limit,
            instructions=data.instructions,
            ahead_days=data.ahead_days,
            active=True,
            created_by=who,
            created_at=moment,
            updated_at=moment,
        )
        store.add_schedule(session=session, schedule=record)
        return _row(record, company, 0)


def _recurrence(text: str) -> plans.Recurrence:
    if len(text) > MAX_RECURRENCE:
        raise ScheduleInputError("recurrence", f"too long (limit {MAX_RECURRENCE} characters)")
    try:
        return plans.Recurrence.parse(text)
    except ScheduleError as exc:
        raise ScheduleInputError("recurrence", str(exc)) from None


def _check_number(field: str, value: int, low: int, high: int | None, unit: str) -> None:
    if value < low or (high is not None and value > high):
        top = f" to {high}" if high is not None else " or more"
        raise ScheduleInputError(field, f"must be {low}{top} {unit}, not {value}")


def _check_shop_fields(
    session: Session, data: ScheduleInput, shoppers: list[str], moment: datetime
) -> tuple[str | None, Company]:
    """The template to store (None: the newest each time) and the company, after checking
    a shop of every shopper as `create_shops` will."""
    field_of = {"shopper": "shoppers", "from": "from", "due": "from"}
    template_id: str | None = None
    company: Company | None = None
    for shopper in shoppers:
        found = checked_shop(
            session=session,
            data=ShopInput(
                company=data.company,
                touchpoint=data.touchpoint,
                shopper=shopper,
                due=data.starts or date.max,
                opens=data.starts,
                template=data.template,
                instructions=data.instructions,
            ),
            at=moment,
        )
        if isinstance(found, list):
            problem = found[0]
            raise ScheduleInputError(field_of.get(problem.field, problem.field), problem.why)
        shop, company = found
        template_id = shop.template_id if data.template and data.template.strip() else None
    assert company is not None
    return template_id, company


def _manager(session: Session, doing: str) -> str:
    actor = actor_of(session.connection())
    if ShopRole.MANAGER not in actor.roles:
        raise ScheduleError(f"only a manager may {doing}")
    return actor.who


def list_schedules(*, engine: Engine) -> list[ScheduleRow]:
    """Every schedule, by company, touchpoint and when it was added."""
    with session_scope(engine) as session:
        _manager(session, "see schedules")
        counts = store.schedule_shop_counts(session=session)
        return [
            _row(record, company, counts.get(record.id, 0))
            for record, company in store.list_schedules(session=session)
        ]


def resolve_schedule_id(*, engine: Engine, prefix: str) -> str:
    with session_scope(engine) as session:
        _manager(session, "see schedules")
        return store.resolve_schedule_id(session=session, prefix=prefix)


def pause_schedule(*, engine: Engine, schedule_id: str, at: datetime | None = None) -> ScheduleRow:
    """Stop making shops for a schedule; the shops it made stay."""
    return _set_active(engine, schedule_id, False, at or now_utc())


def resume_schedule(*, engine: Engine, schedule_id: str, at: datetime | None = None) -> ScheduleRow:
    """Make shops again; occurrences that fell while it was paused are reported once by the
    next run (their windows closed) or made, if their window is still open."""
    return _set_active(engine, schedule_id, True, at or now_utc())


def _set_active(engine: Engine, schedule_id: str, active: bool, at: datetime) -> ScheduleRow:
    with session_scope(engine) as session:
        _manager(session, "change schedules")
        store.get_schedule(session=session, schedule_id=schedule_id)
        store.update_schedule(
            session=session, schedule_id=schedule_id, values={"active": active, "updated_at": at}
        )
        session.expire_all()
        return _one(session, schedule_id)


def remove_schedule(*, engine: Engine, schedule_id: str) -> ScheduleRow:
    """Delete a schedule; the shops it made stay, as if assigned by hand. Returns it as it was."""
    with session_scope(engine) as session:
        _manager(session, "remove schedules")
        row = _one(session, schedule_id)
        store.delete_schedule(session=session, schedule_id=schedule_id)
        return row


def _one(session: Session, schedule_id: str) -> ScheduleRow:
    record = store.get_schedule(session=session, schedule_id=schedule_id)
    company = repo.get_company(session=session, company_id=record.company_id)
    return _row(record, company, store.schedule_shop_counts(session=session).get(record.id, 0))


def _row(record: Schedule, company: Company, shops_made: int) -> ScheduleRow:
    try:
        every = str(plans.Recurrence.parse(record.recurrence))
    except ScheduleError:
        every = record.recurrence
    return ScheduleRow(
        id=record.id,
        company_id=company.id,
        company=company.name,
        touchpoint=record.touchpoint,
        template_id=record.template_id,
        recurrence=record.recurrence,
        every=every,
        starts=record.starts,
        window_days=record.window_days,
        shoppers=tuple(record.shopper_list()),
        open_limit=record.open_limit,
        instructions=record.instructions,
        ahead_days=record.ahead_days,
        active=record.active,
        last_planned=record.last_planned,
        shops_made=shops_made,
        created_by=record.created_by,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


# -- running -------------------------------------------------------------------------


def run_schedules(
    *,
    engine: Engine,
    today: date | None = None,
    at: datetime | None = None,
    zone: str | None = None,
) -> RunResult:
    """Make the shops every active schedule has due within its `ahead_days`, in one
    transaction (see the module doc).

    Args:
        today: the day of the run; None: today in each company's time zone.
        at: when the shops are made (their events' time).
        zone: the zone the shops' events are recorded in.

    Raises:
        ScheduleError: this login is not a manager.
    """
    moment = at or now_utc()
    tz = zone or local_zone_name()
    with session_scope(engine) as session:
        _manager(session, "run schedules")
        records = store.claim_active_schedules(session=session)
        if not records:
            return RunResult([], [])
        run = _Run(engine, session, records, today=today, moment=moment, tz=tz)
        run.go()
        for record in records:
            if run.cursor[record.id] != record.last_planned:
                store.update_schedule(
                    session=session,
                    schedule_id=record.id,
                    values={"last_planned": run.cursor[record.id]},
                )
        return RunResult(run.made, sorted(run.skipped, key=lambda s: (s.day, s.company)))


class _Run:
    """One run over the claimed schedules: their occurrences in day order, company by company."""

    def __init__(
        self,
        engine: Engine,
        session: Session,
        records: list[Schedule],
        *,
        today: date | None,
        moment: datetime,
        tz: str,
    ) -> None:
        self.engine, self.session = engine, session
        self.records = {record.id: record for record in records}
        self.moment, self.tz = moment, tz
        self.companies = {
            cid: repo.get_company(session=session, company_id=cid)
            for cid in {record.company_id for record in records}
        }
        self.today = {
            cid: today or in_zone(moment, company.timezone).date()
            for cid, company in self.companies.items()
        }
        self.calendars = {cid: _calendar(company) for cid, company in self.companies.items()}
        self.past = store.company_shops(
            session=session,
            company_ids=list(self.companies),
            leave_out=(ShopState.CANCELLED.value,),
        )
        names = {name for record in records for name in record.shopper_list()}
        self.counts = store.open_shop_counts(session=session, shoppers=names, states=OPEN_STATES)
        self.cursor: dict[str, date | None] = {r.id: r.last_planned for r in records}
        self.made: list[MadeShop] = []
        self.skipped: list[Skipped] = []

    def go(self) -> None:
        due: list[tuple[date, datetime, str]] = []
        schedules: dict[str, plans.Schedule] = {}
        for record in self.records.values():
            try:
                schedules[record.id] = plans.Schedule(
                    plans.Recurrence.parse(record.recurrence),
                    starts=record.starts,
                    window_days=record.window_days,
                    shoppers=tuple(record.shopper_list()),
                    limit=record.open_limit,
                )
            except ScheduleError as exc:  # stored before a rule changed: told, never guessed
                self._skip(record, self.today[record.company_id], str(exc))
                continue
            looked = plans.plan(
                schedules[record.id],
                self.today[record.company_id],
                record.ahead_days,
                calendar=self.calendars[record.company_id],
                last_planned=record.last_planned,
            )
            days = [shop.window.opens for shop in looked.shops]
            days += [left.day for left in looked.not_planned]
            due += [(day, record.created_at, record.id) for day in days]
        for day, _made, schedule_id in sorted(due):
            self._plan_day(self.records[schedule_id], schedules[schedule_id], day)

    def _plan_day(self, record: Schedule, schedule: plans.Schedule, day: date) -> None:
        """Plan the one occurrence `day` of a schedule, after the company's shops before it."""
        company_id = record.company_id
        today = self.today[company_id]
        # The company's shops are in order (by day, then as made): the last one on or before
        # `day` is the previous shop; this run's come after those made earlier on their day.
        before = [(shop.opens, k, shop) for k, shop in enumerate(self.past[company_id])]
        last = max((b for b in before if b[0] <= day), default=None)
        decided = plans.plan(
            replace(schedule, ends=day),
            today,
            max((day - today).days, 0),
            calendar=self.calendars[company_id],
            last_planned=self.cursor[record.id],
            last_shopper=last[2].shopper if last else None,
            open_counts=self.counts,
        )
        self.cursor[record.id] = decided.last_planned
        for left in decided.not_planned:
            self._skip(record, left.day, left.reason)
        for planned in decided.shops:
            self._make(record, planned)

    def _make(self, record: Schedule, planned: plans.PlannedShop) -> None:
        data = ShopInput(
            company=record.company_id,
            touchpoint=record.touchpoint,
            shopper=planned.shopper,
            opens=planned.window.opens,
            due=planned.window.due,
            template=record.template_id,
            instructions=record.instructions,
            schedule_id=record.id,
        )
        try:
            (shop,) = create_shops(
                engine=self.engine,
                shops=[data],
                at=self.moment,
                zone=self.tz,
                session=self.session,
            )
        except ShopInputError as exc:  # a shopper who left the team, a template gone
            self._skip(record, planned.window.opens, str(exc))
            return
        self.counts[shop.shopper] = self.counts.get(shop.shopper, 0) + 1
        self.past[record.company_id].append(
            store.PastShop(shop.shopper, shop.opens, self.moment, record.id)
        )
        self.made.append(MadeShop(record.id, shop))

    def _skip(self, record: Schedule, day: date, reason: str) -> None:
        company = self.companies[record.company_id]
        self.skipped.append(Skipped(record.id, company.name, record.touchpoint, day, reason))


def _calendar(company: Company) -> BusinessCalendar | None:
    try:
        return BusinessCalendar.from_config(
            company.timezone, company.hours(), company.holiday_list()
        )
    except (ValueError, TypeError):  # hours stored by hand in another shape: Monday to Friday
        return None
