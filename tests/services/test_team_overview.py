"""The team overview on a small known history: on SQLite, and on a team database read by its
manager (the shoppers' moves made by their own logins)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from shopper.domain.shops import ShopState
from shopper.services import shops, team
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.team_overview import team_overview
from tests.postgres import (
    DATABASES,
    MANAGER,
    MANAGER_PASSWORD,
    OWNER,
    OWNER_PASSWORD,
    PostgresServer,
    team_copy,
)
from tests.services.test_runner import finish_audit

NOW = datetime(2025, 6, 20, 12, 0, tzinfo=UTC)
PASSWORDS = {"jan": "jan-password-1", "ewa": "ewa-password-1"}


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2025, 6, day, hour, 0, tzinfo=UTC)


class History:
    """The manager's engine, and each shopper's (the manager's own on SQLite)."""

    def __init__(self, manager: Engine, shopper: Callable[[str], Engine]) -> None:
        self.manager = manager
        self.shopper = shopper

    def assign(self, login: str, opens: int, due: int, created: datetime) -> str:
        data = shops.ShopInput(
            company="Northwind",
            touchpoint="phone",
            shopper=login,
            opens=date(2025, 6, opens),
            due=date(2025, 6, due),
        )
        return shops.create_shop(engine=self.manager, data=data, at=created, zone="UTC").id

    def start(self, login: str, shop_id: str, moment: datetime) -> None:
        shops.start_shop(engine=self.shopper(login), shop_id=shop_id, at=moment, zone="UTC")

    def submit(self, login: str, shop_id: str, moment: datetime) -> None:
        engine = self.shopper(login)
        audit_id = shops.get_shop(engine=engine, shop_id=shop_id).audit_id
        if audit_id is not None:
            finish_audit(engine, audit_id)
        shops.submit_shop(engine=engine, shop_id=shop_id, at=moment, zone="UTC")

    def manage(self, shop_id: str, target: ShopState, moment: datetime) -> None:
        shops._move(self.manager, shop_id, target, at=moment, zone="UTC")


@pytest.fixture(params=DATABASES)
def history(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[History]:
    with _history(request.param, request, tmp_path) as made:
        yield made


@contextlib.contextmanager
def _history(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[History]:
    if kind == "sqlite":
        ctx = AppContext.open(tmp_path / "data")
        try:
            create_company(engine=ctx.engine, data=CompanyInput(name="Northwind", timezone="UTC"))
            yield History(ctx.engine, lambda _login: ctx.engine)
        finally:
            ctx.close()
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = team_copy(server)
    owner = team.team_engine(server.url(name, OWNER, OWNER_PASSWORD))
    opened: dict[str, AppContext] = {}
    try:
        for login, password in PASSWORDS.items():
            full = "Jan Kowalski" if login == "jan" else ""
            team.add_user(engine=owner, login=login, role="shopper", name=full, password=password)
        manager = AppContext.open(tmp_path / "data", server.url(name, MANAGER, MANAGER_PASSWORD))
        opened[MANAGER] = manager
        create_company(engine=manager.engine, data=CompanyInput(name="Northwind", timezone="UTC"))

        def shopper(login: str) -> Engine:
            if login not in opened:
                url = server.url(name, login, PASSWORDS[login])
                opened[login] = AppContext.open(tmp_path / login, url)
            return opened[login].engine

        yield History(manager.engine, shopper)
    finally:
        owner.dispose()
        for ctx in opened.values():
            ctx.close()
        server.drop_database(name)
        server.drop_roles()


def make_history(h: History) -> dict[str, str]:
    """Six shops, every state but returned at the end (see the test for what each says)."""
    before = at(1) - timedelta(days=2)
    a = h.assign("jan", 1, 10, created=at(1, 6))  # assigned after its window opened
    h.start("jan", a, at(2, 9))
    h.submit("jan", a, at(3, 6))  # 2 days after it was assigned
    h.manage(a, ShopState.RETURNED, at(4))
    h.start("jan", a, at(5))
    h.submit("jan", a, at(6))  # the second submission does not count in the time
    b = h.assign("jan", 5, 30, created=before)
    h.start("jan", b, at(4, 12))  # started before its window opened: the clock starts here
    h.submit("jan", b, at(5, 12))  # 1 day
    h.manage(b, ShopState.REVIEWED, at(7))
    c = h.assign("jan", 1, 15, created=before)  # never started: overdue by 5 days
    d = h.assign("ewa", 1, 12, created=before)
    h.start("ewa", d, at(2))  # in progress, overdue by 8 days
    e = h.assign("ewa", 1, 25, created=before)
    h.start("ewa", e, at(3))
    h.submit("ewa", e, at(11))  # 10 days from the window's first day
    h.manage(e, ShopState.CANCELLED, at(12))
    f = h.assign("jan", 1, 18, created=before)
    h.manage(f, ShopState.CANCELLED, at(2))  # cancelled before anything: neither open nor late
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f}


def test_the_overview_of_a_known_history(history: History) -> None:
    ids = make_history(history)
    overview = team_overview(engine=history.manager, now=NOW)
    assert overview.by_state == {
        "assigned": 1,
        "in_progress": 1,
        "submitted": 1,
        "returned": 0,
        "reviewed": 1,
        "cancelled": 2,
    }
    assert overview.total == 6
    assert [(o.shop.id, o.days_late) for o in overview.overdue] == [(ids["d"], 8), (ids["c"], 5)]
    ewa, jan = overview.shoppers  # by login
    assert (ewa.shopper, jan.shopper) == ("ewa", "jan")
    assert (jan.open, jan.overdue, jan.submitted, jan.returned) == (1, 1, 2, 1)
    assert jan.returned_rate == 0.5
    assert jan.average_to_submit == timedelta(days=1.5)
    assert (ewa.open, ewa.overdue, ewa.submitted, ewa.returned) == (1, 1, 1, 0)
    assert ewa.returned_rate == 0.0
    assert ewa.average_to_submit == timedelta(days=10)
    team_db = history.manager.dialect.name == "postgresql"
    assert jan.shown_name == ("Jan Kowalski (jan)" if team_db else "jan")
    assert [o.shown_shopper for o in overview.overdue] == ["ewa", jan.shown_name]


def test_an_empty_overview(history: History) -> None:
    overview = team_overview(engine=history.manager, now=NOW)
    assert overview.total == 0 and overview.overdue == []
    if history.manager.dialect.name == "postgresql":  # the team's shoppers, with nothing yet
        assert [(s.shopper, s.open, s.submitted) for s in overview.shoppers] == [
            ("ewa", 0, 0),
            ("jan", 0, 0),
        ]
        assert overview.shoppers[0].returned_rate is None
        assert overview.shoppers[0].average_to_submit is None
    else:
        assert overview.shoppers == []
