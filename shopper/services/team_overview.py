"""The team overview, for a manager: shops by state, the overdue ones, and per shopper what is
open, what was handed in, how much of it came back and how long handing it in took.

Everything is read from the shops and their events (`shop_event`), so it says the same on
this computer's database and on a team database, where a manager reads every shop.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from shopper.domain.clock import in_zone, now_utc
from shopper.domain.shops import NOT_SUBMITTED, ShopState
from shopper.services.shops import ShopRow, shop_row
from shopper.store import repo
from shopper.store import team as team_store
from shopper.store.engine import session_scope
from shopper.store.repo import ShopMilestones


@dataclass(frozen=True)
class OverdueShop:
    shop: ShopRow
    days_late: int
    """Whole days since the due day, in the company's time zone (1 the day after it)."""
    name: str = ""
    """The shopper's full name on a team database ("" when none, or on SQLite)."""

    @property
    def shown_shopper(self) -> str:
        return f"{self.name} ({self.shop.shopper})" if self.name else self.shop.shopper


@dataclass(frozen=True)
class ShopperLoad:
    """One shopper's shops."""

    shopper: str
    name: str
    """The login's full name on a team database ("" when none, or on SQLite)."""
    open: int
    """Shops assigned, in progress or returned: work still to hand in."""
    overdue: int
    submitted: int
    """Shops submitted at least once (whatever happened to them after)."""
    returned: int
    """Of those, the shops returned at least once."""
    average_to_submit: timedelta | None
    """The average time from the start of a shop to its first submission (see
    `clock_start`); None when nothing was submitted."""

    @property
    def returned_rate(self) -> float | None:
        return self.returned / self.submitted if self.submitted else None

    @property
    def shown_name(self) -> str:
        return f"{self.name} ({self.shopper})" if self.name else self.shopper


@dataclass(frozen=True)
class TeamOverview:
    at: datetime
    by_state: dict[str, int]
    """Every state, in the order of the workflow, with its number of shops (0 too)."""
    overdue: list[OverdueShop]
    """Oldest due day first."""
    shoppers: list[ShopperLoad]
    """By shopper (login or name), case-insensitively."""

    @property
    def total(self) -> int:
        return sum(self.by_state.values())


def clock_start(shop: ShopRow, zone: str, milestones: ShopMilestones | None) -> datetime:
    """When the time to submit a shop starts: its window's first day (at midnight in the
    company's zone), or its start if the shopper started it earlier, and never before the
    shop was assigned."""
    opens = datetime.combine(shop.opens, time(0), ZoneInfo(zone))
    start = milestones.first_started_at if milestones else None
    begin = min(opens, start) if start is not None else opens
    assigned = milestones.assigned_at if milestones else None
    return max(begin, assigned) if assigned is not None else begin


def team_overview(*, engine: Engine, now: datetime | None = None) -> TeamOverview:
    """The overview of every shop this login may read (a manager: the team's)."""
    moment = now or now_utc()
    with session_scope(engine) as session:
        pairs = repo.list_shops(session=session)
        milestones = {m.shop_id: m for m in repo.shop_milestones(session=session)}
        rows = [(shop_row(shop, company, moment), company.timezone) for shop, company in pairs]
        logins = {row.shopper for row, _zone in rows}
        conn = session.connection()
        team_shoppers: list[str] = []
        if conn.dialect.name == "postgresql" and team_store.is_team_database(conn):
            team_shoppers = [u.login for u in team_store.list_users(conn) if u.role == "shopper"]
        names = repo.full_names(session=session, logins=logins | set(team_shoppers))
    return summarize(rows, milestones, names=names, shoppers=team_shoppers, now=moment)


def summarize(
    rows: Sequence[tuple[ShopRow, str]],
    milestones: dict[str, ShopMilestones],
    *,
    names: dict[str, str],
    shoppers: Sequence[str] = (),
    now: datetime,
) -> TeamOverview:
    """The overview of these shops (each with its company's zone) and their milestones;
    `shoppers`: logins listed even with no shop (a team's shoppers)."""
    states = Counter(row.state for row, _zone in rows)
    by_state = {state.value: states.get(state.value, 0) for state in ShopState}
    overdue = [
        OverdueShop(row, (in_zone(now, zone).date() - row.due).days, names.get(row.shopper, ""))
        for row, zone in rows
        if row.overdue
    ]
    overdue.sort(key=lambda o: (o.shop.due, o.shop.created_at, o.shop.id))
    per: dict[str, list[tuple[ShopRow, str]]] = {login: [] for login in shoppers}
    for row, zone in rows:
        per.setdefault(row.shopper, []).append((row, zone))
    loads = [
        _load(login, names.get(login, ""), found, milestones)
        for login, found in sorted(per.items(), key=lambda kv: (kv[0].casefold(), kv[0]))
    ]
    return TeamOverview(now, by_state, overdue, loads)


def _load(
    login: str,
    name: str,
    rows: Sequence[tuple[ShopRow, str]],
    milestones: dict[str, ShopMilestones],
) -> ShopperLoad:
    waits: list[timedelta] = []
    returned = 0
    for row, zone in rows:
        found = milestones.get(row.id)
        if found is None or found.first_submitted_at is None:
            continue
        returned += found.returns > 0
        waits.append(max(found.first_submitted_at - clock_start(row, zone, found), timedelta()))
    average = sum(waits, timedelta()) / len(waits) if waits else None
    return ShopperLoad(
        shopper=login,
        name=name,
        open=sum(1 for row, _zone in rows if ShopState.of(row.state) in NOT_SUBMITTED),
        overdue=sum(1 for row, _zone in rows if row.overdue),
        submitted=len(waits),
        returned=returned,
        average_to_submit=average,
    )
