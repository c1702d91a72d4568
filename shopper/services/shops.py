"""Shops (assignments): create them one by one or in bulk, list them, cancel them, and start
the audit of one. Every change of a shop's state is a shop event with who and when, in the
same transaction as the change.

Who acts: on a team database the connected login (`current_user`) with the roles its groups
give it, and a shopper's moves go through the database's `shopper_move_shop`; on a local
(SQLite) database its one user, who holds every role and owns every shop.
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine
from sqlmodel import Session

from shopper.domain.clock import in_zone, local_zone_name, now_utc
from shopper.domain.errors import AmbiguousError, NotFoundError, ShopperError
from shopper.domain.shops import (
    ShopRole,
    ShopState,
    is_overdue,
    move_problem,
    window_problem,
)
from shopper.domain.vocabulary import AuditStatus
from shopper.services.audits import add_new_audit, prepare_audit
from shopper.store import repo
from shopper.store import team as store
from shopper.store.engine import session_scope
from shopper.store.tables import Audit, Company, Shop, ShopEvent, TemplateVersion, new_id

MAX_INSTRUCTIONS = 2000
MAX_NAME = 200


class ShopStateError(ShopperError):
    """The rules of shops forbid the move asked for (see `shopper.domain.shops`)."""


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with one field of a shop to create: the field and why."""

    field: str
    """company, touchpoint, template, shopper, from, due or instructions."""
    why: str


class ShopInputError(ShopperError):
    """Shops to create are not valid; `problems` holds, per shop (its index in the input),
    what is wrong with it. Nothing was created."""

    def __init__(self, problems: Sequence[tuple[int, FieldProblem]]) -> None:
        self.problems = list(problems)
        first = self.problems[0][1]
        more = len(self.problems) - 1
        tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        super().__init__(f"{first.field}: {first.why}{tail}")


@dataclass(frozen=True)
class ShopInput:
    """A shop as a manager asks for it; checked by `create_shop(s)` before anything is stored."""

    company: str
    """The company's id, unique id prefix or exact name."""
    touchpoint: str
    shopper: str
    due: date | None
    opens: date | None = None
    """The first day it may be done; today (in the company's zone) when not given."""
    template: str | None = None
    """A template id (or unique prefix); the latest template of the touchpoint when None."""
    instructions: str = ""
    schedule_id: str | None = None
    """The schedule making the shop (see `shopper.services.schedules`); None by hand."""


@dataclass(frozen=True)
class ShopRow:
    id: str
    company_id: str
    company: str
    touchpoint: str
    template_id: str
    shopper: str
    opens: date
    due: date
    instructions: str
    state: str
    audit_id: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int
    overdue: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "company_id": self.company_id,
            "company": self.company,
            "touchpoint": self.touchpoint,
            "template_id": self.template_id,
            "shopper": self.shopper,
            "from": self.opens.isoformat(),
            "due": self.due.isoformat(),
            "instructions": self.instructions,
            "state": self.state,
            "overdue": self.overdue,
            "audit_id": self.audit_id,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "version": self.version,
        }


@dataclass(frozen=True)
class Actor:
    """Who changes shops in this session, and with which roles."""

    who: str
    roles: frozenset[ShopRole]
    team: bool
    """On a team database, whose rules PostgreSQL enforces."""

    @property
    def through_database(self) -> bool:
        """A shopper on a team database moves shops with `shopper_move_shop` only."""
        return self.team and ShopRole.MANAGER not in self.roles

    def owns(self, shop: Shop) -> bool:
        return not self.team or shop.shopper == self.who


def actor_of(conn: Connection) -> Actor:
    if conn.dialect.name == "postgresql" and store.is_team_database(conn):
        login, groups = store.login_groups(conn)
        # The database's owner is in neither group, and may write every table.
        roles = {ShopRole(g) for g in groups} or {ShopRole.MANAGER}
        return Actor(login, frozenset(roles), team=True)
    if conn.dialect.name == "postgresql":
        login = str(conn.exec_driver_sql("SELECT current_user").scalar_one())
        return Actor(login, frozenset(ShopRole), team=False)
    return Actor(_local_user(), frozenset(ShopRole), team=False)


def _local_user() -> str:
    try:
        return getpass.getuser()[:MAX_NAME]
    except (OSError, KeyError):  # no login name in the environment or the password database
        return ""


# -- creating -------------------------------------------------------------------


def create_shop(
    *, engine: Engine, data: ShopInput, at: datetime | None = None, zone: str | None = None
) -> ShopRow:
    """Create one shop, assigned to its shopper, with the event that says so.

    Raises:
        ShopInputError: naming the field at fault; nothing was created.
    """
    return create_shops(engine=engine, shops=[data], at=at, zone=zone)[0]


def create_shops(
    *,
    engine: Engine,
    shops: Sequence[ShopInput],
    at: datetime | None = None,
    zone: str | None = None,
    known_problems: Sequence[tuple[int, FieldProblem]] = (),
    session: Session | None = None,
) -> list[ShopRow]:
    """Create every shop or none: each is checked first, in one transaction.

    `known_problems` are problems the caller found already (a day that did not parse, by the
    shop's index): they are told with the others, and stop the creation as they do. With
    `session`, the shops are made in that session's transaction, which the caller ends (a
    schedule's run stores its own progress with them).

    Raises:
        ShopInputError: every problem of every shop; nothing was created.
    """
    moment = at or now_utc()
    tz = zone or local_zone_name()
    if session is not None:
        return _create_shops(session, shops, moment, tz, known_problems)
    with session_scope(engine) as own:
        return _create_shops(own, shops, moment, tz, known_problems)


def _create_shops(
    session: Session,
    shops: Sequence[ShopInput],
    moment: datetime,
    tz: str,
    known_problems: Sequence[tuple[int, FieldProblem]],
) -> list[ShopRow]:
    actor = actor_of(session.connection())
    if ShopRole.MANAGER not in actor.roles:
        raise ShopStateError("only a manager may assign shops")
    checker = _Checker(session, actor, moment)
    known = {(index, problem.field) for index, problem in known_problems}
    problems: list[tuple[int, FieldProblem]] = []
    made: list[tuple[Shop, Company]] = []
    for index, data in enumerate(shops):
        problems.extend((i, p) for i, p in known_problems if i == index)
        found = checker.check(data, known={f for i, f in known if i == index})
        if isinstance(found, list):
            problems.extend((index, p) for p in found if (index, p.field) not in known)
        else:
            made.append(found)
    problems.extend((i, p) for i, p in known_problems if not 0 <= i < len(shops))
    if problems:
        raise ShopInputError(problems)
    for shop, _company in made:
        _add_created(session, shop, who=actor.who, at=moment, tz=tz)
    return [shop_row(shop, company, moment) for shop, company in made]


def _add_created(
    session: Session, shop: Shop, *, who: str, at: datetime, tz: str, detail: str = ""
) -> None:
    """Store a new shop, made by `who`, with the event that says so."""
    shop.created_by = who
    shop.created_at = shop.updated_at = at
    repo.add_shop(session=session, shop=shop)
    repo.add_shop_event(
        session=session,
        event=ShopEvent(
            shop_id=shop.id,
            at=at,
            tz=tz,
            who=who,
            from_state=None,
            to_state=shop.state,
            detail=detail,
        ),
    )


def checked_shop(
    *, session: Session, data: ShopInput, at: datetime | None = None
) -> tuple[Shop, Company] | list[FieldProblem]:
    """The shop `create_shops` would store for `data` (not stored), or what is wrong with it."""
    return _Checker(session, actor_of(session.connection()), at or now_utc()).check(data)


OWN_SHOP_DAYS = 14
"""A shop a shopper starts on their own is due this many days after it was started."""


def start_own_shop(
    *,
    engine: Engine,
    company: str,
    touchpoint: str,
    shopper: str,
    template: str | None = None,
    at: datetime | None = None,
    zone: str | None = None,
) -> Audit:
    """A shop of the shopper's own, started at once: for a company whose `allow_unassigned` a
    manager set (on this computer, a company fetched from the team database), a shop assigned
    to `shopper` (their team login) and its audit, as `start_shop` makes them. Sync then makes
    the shop on the team database through `shopper_own_shop`, and it goes on like any other.

    Raises:
        ShopperError: the company takes no such shops, or the touchpoint has no template.
    """
    moment = at or now_utc()
    tz = zone or local_zone_name()
    with session_scope(engine) as session:
        found = repo.find_company(session=session, name_or_id=company)
        if not found.allow_unassigned:
            raise ShopStateError(
                f"{found.name}: its manager lets no shopper start a shop of their own for it"
            )
        template_id = template or repo.latest_template_id(session=session, touchpoint=touchpoint)
        if (
            template_id is None
            or repo.template_touchpoint(session=session, template_id=template_id) != touchpoint
        ):
            raise ShopperError(f"touchpoint {touchpoint}: no such template stored here")
        day = in_zone(moment, found.timezone).date()
        shop = Shop(
            company_id=found.id,
            touchpoint=touchpoint,
            template_id=template_id,
            shopper=shopper,
            opens=day,
            due=day + timedelta(days=OWN_SHOP_DAYS),
            instructions="",
            state=ShopState.ASSIGNED.value,
        )
        _add_created(session, shop, who=shopper, at=moment, tz=tz, detail=store.OWN_SHOP_DETAIL)
        shop_id = shop.id
    return start_shop(engine=engine, shop_id=shop_id, at=moment, zone=tz)


def shops_login(*, engine: Engine) -> str | None:
    """The one shopper of the shops here (on a shopper's computer, their team login), or None
    when there are none, or several."""
    with session_scope(engine) as session:
        logins = {shop.shopper for shop, _company in repo.list_shops(session=session)}
    return logins.pop() if len(logins) == 1 else None


def is_own_shop(shop: Mapping[str, Any], first_event: Mapping[str, Any] | None) -> bool:
    """Whether a shop (as a row) is one its shopper started on their own."""
    return (
        first_event is not None
        and first_event["detail"] == store.OWN_SHOP_DETAIL
        and shop["created_by"] == shop["shopper"]
    )


class _Checker:
    """Checks shops to create against the database, reading each list once."""

    def __init__(self, session: Session, actor: Actor, now: datetime) -> None:
        self.session = session
        self.actor = actor
        self.now = now
        self.templates: list[TemplateVersion] = repo.list_template_versions(session=session)
        self.users: dict[str, str] | None = None
        if actor.team:
            conn = session.connection()
            self.users = {u.login: u.role for u in store.list_users(conn)}

    def check(
        self, data: ShopInput, known: set[str] | frozenset[str] = frozenset()
    ) -> tuple[Shop, Company] | list[FieldProblem]:
        """The shop to store, or what is wrong with it; `known`: fields already found wrong
        (a day that did not parse), whose checks would only repeat it."""
        problems: list[FieldProblem] = []

        def problem(field: str, why: str) -> None:
            problems.append(FieldProblem(field, why))

        company: Company | None = None
        if not data.company.strip():
            problem("company", "must not be empty")
        else:
            try:
                company = repo.find_company(session=self.session, name_or_id=data.company)
            except (NotFoundError, AmbiguousError) as exc:
                problem("company", str(exc))
        touchpoint = data.touchpoint.strip()
        template_id = self._template(data.template, touchpoint, problem)
        shopper = data.shopper.strip()
        if not shopper:
            problem("shopper", "must not be empty")
        elif len(shopper) > MAX_NAME:
            problem("shopper", f"too long (limit {MAX_NAME} characters)")
        elif "\x00" in shopper:
            problem("shopper", "holds a NUL character")
        elif self.users is not None and shopper not in self.users:
            problem("shopper", f"{shopper!r} is not a user of this team database")
        elif self.users is not None and self.users[shopper] != ShopRole.SHOPPER:
            problem("shopper", f"{shopper!r} is a {self.users[shopper]}, not a shopper")
        if len(data.instructions) > MAX_INSTRUCTIONS:
            problem(
                "instructions",
                f"too long ({len(data.instructions)} characters, limit {MAX_INSTRUCTIONS})",
            )
        elif "\x00" in data.instructions:
            problem("instructions", "holds a NUL character")
        opens = data.opens
        if opens is None and company is not None:
            opens = in_zone(self.now, company.timezone).date()
        if known & {"from", "due"}:
            pass  # the window cannot be checked without both days
        elif data.due is None:
            problem("due", "must be given (a day, YYYY-MM-DD)")
        elif opens is not None and (why := window_problem(opens, data.due)) is not None:
            problem("due" if data.opens is None else "from", why)
        if problems or known:
            return problems
        assert company is not None and template_id is not None
        assert opens is not None and data.due is not None
        shop = Shop(
            id=new_id(),
            company_id=company.id,
            touchpoint=touchpoint,
            template_id=template_id,
            shopper=shopper,
            opens=opens,
            due=data.due,
            instructions=data.instructions,
            state=ShopState.ASSIGNED.value,
            schedule_id=data.schedule_id,
        )
        return shop, company

    def _template(self, wanted: str | None, touchpoint: str, problem: Any) -> str | None:
        kinds = {t.touchpoint for t in self.templates}
        if not touchpoint:
            problem("touchpoint", "must not be empty")
            return None
        if touchpoint not in kinds:
            known = ", ".join(sorted(kinds)) or "none"
            problem("touchpoint", f"no template audits {touchpoint!r} (known: {known})")
            return None
        if wanted is None or not wanted.strip():
            found = repo.latest_template_id(session=self.session, touchpoint=touchpoint)
            assert found is not None
            return found
        needle = wanted.strip().lower()
        ids = {t.template_id for t in self.templates if t.template_id.lower().startswith(needle)}
        exact = [t for t in ids if t.lower() == needle]
        if exact:
            ids = set(exact)
        if not ids or (len(needle) < 4 and not exact):
            problem("template", f"no template with id {wanted.strip()!r}")
            return None
        if len(ids) > 1:
            problem("template", f"id {wanted.strip()!r} matches several templates")
            return None
        (template_id,) = ids
        newest = max(
            (t for t in self.templates if t.template_id == template_id), key=lambda t: t.version
        )
        if newest.touchpoint != touchpoint:
            problem(
                "template",
                f"{template_id[:8]} audits {newest.touchpoint!r}, not {touchpoint!r}",
            )
            return None
        return template_id


# -- reading --------------------------------------------------------------------


def list_shops(
    *,
    engine: Engine,
    state: str | None = None,
    shopper: str | None = None,
    overdue: bool = False,
    now: datetime | None = None,
) -> list[ShopRow]:
    """The shops this login may read, by due day; `overdue` keeps only those overdue."""
    if state is not None and ShopState.of(state) is None:
        raise ShopperError(f"shop state {state!r}: use one of {', '.join(ShopState.values())}")
    moment = now or now_utc()
    with session_scope(engine) as session:
        found = repo.list_shops(session=session, states=(state,) if state else (), shopper=shopper)
        rows = [shop_row(shop, company, moment) for shop, company in found]
    return [r for r in rows if r.overdue] if overdue else rows


def latest_templates(*, engine: Engine, touchpoints: Sequence[str]) -> dict[str, str]:
    """The template a shop of each touchpoint gets when none is named (see `ShopInput`)."""
    with session_scope(engine) as session:
        found = {t: repo.latest_template_id(session=session, touchpoint=t) for t in touchpoints}
    return {touchpoint: id_ for touchpoint, id_ in found.items() if id_ is not None}


def resolve_shop_id(*, engine: Engine, prefix: str) -> str:
    with session_scope(engine) as session:
        return repo.resolve_shop_id(session=session, prefix=prefix)


def get_shop(*, engine: Engine, shop_id: str, now: datetime | None = None) -> ShopRow:
    with session_scope(engine) as session:
        shop = repo.get_shop(session=session, shop_id=shop_id)
        company = repo.get_company(session=session, company_id=shop.company_id)
        return shop_row(shop, company, now or now_utc())


def shop_events(*, engine: Engine, shop_id: str) -> list[ShopEvent]:
    with session_scope(engine) as session:
        return repo.list_shop_events(session=session, shop_id=shop_id)


def shop_row(shop: Shop, company: Company, now: datetime) -> ShopRow:
    return ShopRow(
        id=shop.id,
        company_id=company.id,
        company=company.name,
        touchpoint=shop.touchpoint,
        template_id=shop.template_id,
        shopper=shop.shopper,
        opens=shop.opens,
        due=shop.due,
        instructions=shop.instructions,
        state=shop.state,
        audit_id=shop.audit_id,
        created_by=shop.created_by,
        created_at=shop.created_at,
        updated_at=shop.updated_at,
        version=shop.version,
        overdue=is_overdue(shop.state, shop.due, now=now, zone=company.timezone),
    )


# -- moving ---------------------------------------------------------------------


def cancel_shop(
    *,
    engine: Engine,
    shop_id: str,
    detail: str = "",
    at: datetime | None = None,
    zone: str | None = None,
) -> ShopRow:
    """Cancel a shop not yet reviewed (a manager's move)."""
    return _move(engine, shop_id, ShopState.CANCELLED, detail=detail, at=at, zone=zone)


def submit_shop(
    *, engine: Engine, shop_id: str, at: datetime | None = None, zone: str | None = None
) -> ShopRow:
    """Hand in a shop in progress whose audit is completed (its shopper's move).

    Raises:
        ShopStateError: the rules forbid the move, or its audit is not completed.
    """
    with session_scope(engine) as session:
        shop = repo.get_shop(session=session, shop_id=shop_id)
        if shop.audit_id is not None and shop.state == ShopState.IN_PROGRESS:
            audit = repo.get_audit(session=session, audit_id=shop.audit_id)
            if audit.status != AuditStatus.COMPLETED:
                raise ShopStateError(f"shop {shop.id[:8]}: complete its audit before submitting it")
    return _move(engine, shop_id, ShopState.SUBMITTED, at=at, zone=zone)


def hand_in(
    *, engine: Engine, audit_id: str, at: datetime | None = None, zone: str | None = None
) -> ShopRow:
    """Submit the shop a completed audit was done for, on the database it is on (a team
    database used directly, or this computer's): a returned shop is started again first, as
    its audit goes on there.

    Raises:
        ShopStateError: the audit has no shop, is not completed, or the rules forbid it.
    """
    with session_scope(engine) as session:
        shop = repo.shop_of_audit(session=session, audit_id=audit_id)
        if shop is None:
            raise ShopStateError(f"audit {audit_id[:8]} was not done for a shop")
        shop_id, state = shop.id, shop.state
    if state == ShopState.RETURNED:
        start_shop(engine=engine, shop_id=shop_id, at=at, zone=zone)
    return submit_shop(engine=engine, shop_id=shop_id, at=at, zone=zone)


def start_shop(
    *, engine: Engine, shop_id: str, at: datetime | None = None, zone: str | None = None
) -> Audit:
    """Start the audit of an assigned (or returned) shop: a new audit on the shop's template,
    in its shopper's name, linked to the shop, which is then in progress. A returned shop
    already done in an audit goes on in that audit. The audit, the link and the move are
    stored in one transaction.

    Raises:
        ShopStateError: the rules do not let this login start the shop.
    """
    moment = at or now_utc()
    tz = zone or local_zone_name()
    with session_scope(engine) as session:
        shop = repo.get_shop(session=session, shop_id=shop_id)
        actor = actor_of(session.connection())
        _check_move(shop, ShopState.IN_PROGRESS, actor)
        existing = shop.audit_id
    if existing is not None:
        with session_scope(engine) as session:
            audit = repo.get_audit(session=session, audit_id=existing)
            shop = repo.get_shop(session=session, shop_id=shop_id)
            apply_move(
                session, shop, ShopState.IN_PROGRESS, actor, at=moment, tz=tz, audit_id=existing
            )
        return audit
    audit = prepare_audit(
        engine=engine,
        company_id=shop.company_id,
        template_id=shop.template_id,
        shopper=shop.shopper,
        zone=tz,
        at=moment,
    )
    with session_scope(engine) as session:
        shop = repo.get_shop(session=session, shop_id=shop_id)  # as it is now, in this one
        add_new_audit(session=session, audit=audit)
        apply_move(session, shop, ShopState.IN_PROGRESS, actor, at=moment, tz=tz, audit_id=audit.id)
    return audit


def _move(
    engine: Engine,
    shop_id: str,
    target: ShopState,
    *,
    detail: str = "",
    at: datetime | None,
    zone: str | None,
) -> ShopRow:
    moment = at or now_utc()
    tz = zone or local_zone_name()
    with session_scope(engine) as session:
        actor = actor_of(session.connection())
        # A shopper may not lock the row (no UPDATE right): the database's function does.
        lock = not actor.through_database
        shop = repo.get_shop(session=session, shop_id=shop_id, for_update=lock)
        apply_move(session, shop, target, actor, at=moment, tz=tz, detail=detail)
        session.expire_all()
        shop = repo.get_shop(session=session, shop_id=shop_id)
        company = repo.get_company(session=session, company_id=shop.company_id)
        return shop_row(shop, company, moment)


def _check_move(shop: Shop, target: ShopState, actor: Actor) -> None:
    problem = move_problem(shop.state, target, roles=actor.roles, own=actor.owns(shop))
    if problem is not None:
        raise ShopStateError(f"shop {shop.id[:8]}: {problem}")


def apply_move(
    session: Session,
    shop: Shop,
    target: ShopState,
    actor: Actor,
    *,
    at: datetime,
    tz: str,
    audit_id: str | None = None,
    detail: str = "",
) -> None:
    """Move a shop and record the event, in the session's transaction."""
    _check_move(shop, target, actor)
    source = shop.state  # the UPDATE below changes the object in the session too
    event_id = new_id()
    if actor.through_database:
        store.move_shop_as_shopper(
            session.connection(),
            shop_id=shop.id,
            target=target.value,
            at=at,
            tz=tz,
            audit_id=audit_id,
            detail=detail,
            event_id=event_id,
        )
        return
    values: dict[str, Any] = {"state": target.value, "updated_at": at}
    if audit_id is not None:
        values["audit_id"] = audit_id
    if not repo.update_shop(session=session, shop_id=shop.id, state=source, values=values):
        raise ShopStateError(f"shop {shop.id[:8]}: someone changed it meanwhile; try again")
    repo.add_shop_event(
        session=session,
        event=ShopEvent(
            id=event_id,
            shop_id=shop.id,
            at=at,
            tz=tz,
            who=actor.who,
            from_state=source,
            to_state=target.value,
            detail=detail,
        ),
    )
