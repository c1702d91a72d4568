"""Shops through the services: on SQLite, and on a team database as a manager and a shopper."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule
from sqlalchemy import Engine, text

from shopper.domain.shops import ShopRole, ShopState, move_problem
from shopper.services import shops, team
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.shops import ShopInput, ShopInputError, ShopStateError
from shopper.store import repo
from shopper.store.engine import session_scope
from shopper.store.tables import Company
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

NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
PASSWORDS = {"jan": "jan-password-1", "ewa": "ewa-password-1"}


@dataclass
class World:
    ctx: AppContext
    company: Company
    kind: str
    server: PostgresServer | None = None
    dbname: str = ""

    @property
    def engine(self) -> Engine:
        return self.ctx.engine

    def as_login(self, login: str, folder: Path) -> AppContext:
        assert self.server is not None
        return AppContext.open(folder, self.server.url(self.dbname, login, PASSWORDS[login]))


@pytest.fixture(params=DATABASES)
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    with make_world(request.param, request, tmp_path) as made:
        yield made


@pytest.fixture
def team_world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    with make_world("postgresql", request, tmp_path) as made:
        yield made


@contextlib.contextmanager
def make_world(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """A data folder on SQLite, or a team database used as its manager, with one company;
    on the team database jan and ewa are shoppers."""
    if kind == "sqlite":
        ctx = AppContext.open(tmp_path / "data")
        try:
            company = create_company(engine=ctx.engine, data=CompanyInput(name="Northwind"))
            yield World(ctx, company, "sqlite")
        finally:
            ctx.close()
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = team_copy(server)
    owner = team.team_engine(server.url(name, OWNER, OWNER_PASSWORD))
    try:
        for login, password in PASSWORDS.items():
            team.add_user(engine=owner, login=login, role="shopper", password=password)
    finally:
        owner.dispose()
    ctx = AppContext.open(tmp_path / "data", server.url(name, MANAGER, MANAGER_PASSWORD))
    try:
        company = create_company(
            engine=ctx.engine, data=CompanyInput(name="Northwind", timezone="Pacific/Auckland")
        )
        yield World(ctx, company, "postgresql", server, name)
    finally:
        ctx.close()
        server.drop_database(name)
        server.drop_roles()


def phone(shopper: str = "jan", **changes: Any) -> ShopInput:
    values: dict[str, Any] = {
        "company": "northwind",
        "touchpoint": "phone",
        "shopper": shopper,
        "opens": date(2025, 6, 1),
        "due": date(2025, 6, 20),
        "instructions": "Ask how to cancel a contract; say you are moving abroad.",
    }
    values.update(changes)
    return ShopInput(**values)


def test_create_and_list(world: World) -> None:
    made = shops.create_shop(engine=world.engine, data=phone(), at=NOW, zone="Europe/Warsaw")
    assert (made.company, made.state, made.shopper, made.version) == (
        "Northwind",
        "assigned",
        "jan",
        1,
    )
    with world.engine.connect() as conn:
        latest = conn.execute(
            text(
                "SELECT template_id FROM template_version WHERE touchpoint = 'phone'"
                " ORDER BY added_at DESC, template_id LIMIT 1"
            )
        ).scalar_one()
    assert made.template_id == latest
    [row] = shops.list_shops(engine=world.engine, now=NOW)
    assert row == made
    [event] = shops.shop_events(engine=world.engine, shop_id=made.id)
    who = MANAGER if world.kind == "postgresql" else made.created_by
    assert (event.who, event.from_state, event.to_state, event.tz) == (
        who,
        None,
        "assigned",
        "Europe/Warsaw",
    )
    assert event.at == NOW and made.created_by == who


def test_the_window_opens_today_in_the_company_zone_when_not_given(world: World) -> None:
    late = datetime(2025, 6, 10, 20, 0, tzinfo=UTC)  # 11 June in Auckland
    made = shops.create_shop(engine=world.engine, data=phone(opens=None), at=late)
    expected = date(2025, 6, 11) if world.kind == "postgresql" else date(2025, 6, 10)
    assert made.opens == expected


@pytest.mark.parametrize(
    ("changes", "field", "why"),
    [
        ({"company": "Nowhere"}, "company", "no company named 'Nowhere'"),
        ({"touchpoint": "fax"}, "touchpoint", "no template audits 'fax'"),
        ({"template": "zzzzzzzz"}, "template", "no template with id 'zzzzzzzz'"),
        ({"shopper": "  "}, "shopper", "must not be empty"),
        ({"opens": date(2025, 6, 21)}, "from", "opens on 2025-06-21, after its due day"),
        ({"due": None}, "due", "must be given"),
        ({"instructions": "x" * 2001}, "instructions", "too long (2001 characters, limit 2000)"),
        ({"instructions": "a\x00b"}, "instructions", "NUL"),
    ],
)
def test_a_bad_shop_names_its_field_and_nothing_is_created(
    world: World, changes: dict[str, Any], field: str, why: str
) -> None:
    with pytest.raises(ShopInputError) as info:
        shops.create_shop(engine=world.engine, data=phone(**changes), at=NOW)
    [(index, problem)] = info.value.problems
    assert (index, problem.field) == (0, field)
    assert why in problem.why
    assert str(info.value).startswith(f"{field}: ")
    assert shops.list_shops(engine=world.engine) == []


def test_a_template_of_another_touchpoint_is_refused(world: World) -> None:
    with world.engine.connect() as conn:
        other = conn.execute(
            text("SELECT template_id FROM template_version WHERE touchpoint = 'website' LIMIT 1")
        ).scalar_one()
    with pytest.raises(ShopInputError, match=r"template: .* audits 'website', not 'phone'"):
        shops.create_shop(engine=world.engine, data=phone(template=other[:8]), at=NOW)
    made = shops.create_shop(
        engine=world.engine, data=phone(template=other[:8], touchpoint="website"), at=NOW
    )
    assert made.template_id == other


def test_every_problem_of_every_shop_is_told_and_none_is_created(world: World) -> None:
    batch = [phone(), phone(company="Nowhere", due=None), phone(), phone(touchpoint="fax")]
    with pytest.raises(ShopInputError) as info:
        shops.create_shops(engine=world.engine, shops=batch, at=NOW)
    assert [(i, p.field) for i, p in info.value.problems] == [
        (1, "company"),
        (1, "due"),
        (3, "touchpoint"),
    ]
    assert shops.list_shops(engine=world.engine) == []
    assert len(shops.create_shops(engine=world.engine, shops=batch[:1] * 3, at=NOW)) == 3


def test_list_filters_and_sorts_by_due(world: World) -> None:
    late = shops.create_shop(engine=world.engine, data=phone(due=date(2025, 6, 30)), at=NOW)
    soon = shops.create_shop(engine=world.engine, data=phone("ewa", due=date(2025, 6, 9)), at=NOW)
    gone = shops.create_shop(engine=world.engine, data=phone(due=date(2025, 6, 2)), at=NOW)
    shops.cancel_shop(engine=world.engine, shop_id=gone.id, at=NOW)
    ids = [r.id for r in shops.list_shops(engine=world.engine, now=NOW)]
    assert ids == [gone.id, soon.id, late.id]
    assert [r.id for r in shops.list_shops(engine=world.engine, overdue=True, now=NOW)] == [soon.id]
    assert [r.id for r in shops.list_shops(engine=world.engine, shopper="ewa")] == [soon.id]
    assert [r.id for r in shops.list_shops(engine=world.engine, state="cancelled")] == [gone.id]
    with pytest.raises(shops.ShopperError, match="shop state 'lost': use one of assigned"):
        shops.list_shops(engine=world.engine, state="lost")


def test_cancel_records_who_and_when_and_is_final(world: World) -> None:
    made = shops.create_shop(engine=world.engine, data=phone(), at=NOW)
    later = datetime(2025, 6, 11, 9, 0, tzinfo=UTC)
    cancelled = shops.cancel_shop(engine=world.engine, shop_id=made.id, at=later, zone="UTC")
    assert (cancelled.state, cancelled.version, cancelled.updated_at) == ("cancelled", 2, later)
    events = shops.shop_events(engine=world.engine, shop_id=made.id)
    assert [(e.from_state, e.to_state, e.at) for e in events] == [
        (None, "assigned", NOW),
        ("assigned", "cancelled", later),
    ]
    with pytest.raises(ShopStateError, match="cancelled: nothing can change it any more"):
        shops.cancel_shop(engine=world.engine, shop_id=made.id)


def test_starting_a_shop_links_its_audit(world: World, tmp_path: Path) -> None:
    made = shops.create_shop(engine=world.engine, data=phone(), at=NOW)
    if world.kind == "postgresql":
        with pytest.raises(ShopStateError, match="only a shopper may start a shop"):
            shops.start_shop(engine=world.engine, shop_id=made.id)
        jan = world.as_login("jan", tmp_path / "jan")
    else:
        jan = world.ctx
    try:
        start = datetime(2025, 6, 11, 8, 0, tzinfo=UTC)
        audit = shops.start_shop(engine=jan.engine, shop_id=made.id, at=start, zone="UTC")
        assert (audit.shopper, audit.company_id) == ("jan", world.company.id)
        started = shops.get_shop(engine=jan.engine, shop_id=made.id)
        assert (started.state, started.audit_id, started.version) == ("in_progress", audit.id, 2)
        with pytest.raises(ShopStateError, match="complete its audit before submitting it"):
            shops.submit_shop(engine=jan.engine, shop_id=made.id)
        finish_audit(jan.engine, audit.id)
        submitted = shops.submit_shop(engine=jan.engine, shop_id=made.id, at=start.replace(hour=9))
        assert submitted.state == "submitted"
        with pytest.raises(ShopStateError, match="submitted already"):
            shops.submit_shop(engine=jan.engine, shop_id=made.id)
        events = shops.shop_events(engine=jan.engine, shop_id=made.id)
        assert [e.to_state for e in events] == ["assigned", "in_progress", "submitted"]
        if world.kind == "postgresql":
            assert [e.who for e in events[1:]] == ["jan", "jan"]
    finally:
        if jan is not world.ctx:
            jan.close()


@pytest.mark.postgres
def test_on_a_team_database_the_shopper_is_a_team_shopper(
    team_world: World, tmp_path: Path
) -> None:
    world = team_world
    for login, why in (
        ("nobody", "'nobody' is not a user of this team database"),
        (MANAGER, f"'{MANAGER}' is a manager, not a shopper"),
    ):
        with pytest.raises(ShopInputError, match=why):
            shops.create_shop(engine=world.engine, data=phone(login), at=NOW)
    mine = shops.create_shop(engine=world.engine, data=phone("jan"), at=NOW)
    shops.create_shop(engine=world.engine, data=phone("ewa"), at=NOW)
    jan = world.as_login("jan", tmp_path / "jan")
    try:
        assert [r.id for r in shops.list_shops(engine=jan.engine)] == [mine.id]
        with pytest.raises(ShopStateError, match="only a manager may cancel a shop"):
            shops.cancel_shop(engine=jan.engine, shop_id=mine.id)
        with pytest.raises(ShopStateError, match="only a manager may assign shops"):
            shops.create_shop(engine=jan.engine, data=phone("jan"), at=NOW)
    finally:
        jan.close()


def test_a_move_on_a_shop_moved_meanwhile_is_refused(world: World) -> None:
    """Two managers cancel the same shop at once: the second, who read it assigned, is told."""
    made = shops.create_shop(engine=world.engine, data=phone(), at=NOW)
    with session_scope(world.engine) as session:
        stale = repo.get_shop(session=session, shop_id=made.id)
    shops.cancel_shop(engine=world.engine, shop_id=made.id, at=NOW.replace(hour=13))
    refused = pytest.raises(ShopStateError, match="someone changed it meanwhile; try again")
    with refused, session_scope(world.engine) as session:
        actor = shops.actor_of(session.connection())
        shops.apply_move(session, stale, ShopState.CANCELLED, actor, at=NOW, tz="UTC")
    events = shops.shop_events(engine=world.engine, shop_id=made.id)
    assert [e.to_state for e in events] == ["assigned", "cancelled"]


class ShopWorkflow(RuleBasedStateMachine):
    """Assign, start, submit and cancel at random on a local database, against a model: the
    stored state is always the model's, a refused move changes nothing, and every change
    is one event."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.TemporaryDirectory()
        self.ctx = AppContext.open(Path(self.folder.name))
        create_company(engine=self.ctx.engine, data=CompanyInput(name="Northwind"))
        self.model: dict[str, str] = {}
        self.changes: dict[str, int] = {}
        self.clock = NOW

    def tick(self) -> datetime:
        self.clock += timedelta(minutes=1)
        return self.clock

    shops_made = Bundle("shops")

    @rule(target=shops_made)
    def assign(self) -> str:
        made = shops.create_shop(engine=self.ctx.engine, data=phone(), at=self.tick())
        self.model[made.id] = "assigned"
        self.changes[made.id] = 1
        return made.id

    @rule(shop_id=shops_made, move=st.sampled_from(["start", "submit", "cancel"]))
    def move(self, shop_id: str, move: str) -> None:
        target = {"start": "in_progress", "submit": "submitted", "cancel": "cancelled"}[move]
        engine, at = self.ctx.engine, self.tick()
        allowed = move_problem(self.model[shop_id], target, roles=set(ShopRole)) is None
        try:
            if move == "start":
                shops.start_shop(engine=engine, shop_id=shop_id, at=at, zone="UTC")
            elif move == "submit":
                audit_id = shops.get_shop(engine=engine, shop_id=shop_id).audit_id
                if audit_id is not None and self.model[shop_id] == "in_progress":
                    finish_audit(engine, audit_id)
                shops.submit_shop(engine=engine, shop_id=shop_id, at=at)
            else:
                shops.cancel_shop(engine=engine, shop_id=shop_id, at=at)
        except ShopStateError:
            assert not allowed
            return
        assert allowed
        self.model[shop_id] = target
        self.changes[shop_id] += 1

    @invariant()
    def stored_as_the_model_says(self) -> None:
        rows = {r.id: r for r in shops.list_shops(engine=self.ctx.engine)}
        assert {i: r.state for i, r in rows.items()} == self.model
        for shop_id, row in rows.items():
            events = shops.shop_events(engine=self.ctx.engine, shop_id=shop_id)
            assert len(events) == self.changes[shop_id] == row.version
            assert [e.from_state for e in events[1:]] == [e.to_state for e in events[:-1]]
            started = "in_progress" in [e.to_state for e in events]
            assert (row.audit_id is not None) == started  # linked when first started

    def teardown(self) -> None:
        self.ctx.close()
        self.folder.cleanup()


ShopWorkflow.TestCase.settings = settings(max_examples=15, stateful_step_count=12, deadline=None)
test_shop_workflow = ShopWorkflow.TestCase
