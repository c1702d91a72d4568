"""Repository queries: audit lists (filters, every order, paging), id prefixes, company look-up."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, col

from shopper.domain.errors import AmbiguousError, NotFoundError, ShopperError
from shopper.domain.vocabulary import AuditStatus
from shopper.services.audits import start_audit
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.templates import list_templates
from shopper.store import repo
from shopper.store.engine import session_scope, sqlite_url
from shopper.store.repo import AUDIT_ORDER, AuditRow
from shopper.store.tables import (
    Audit,
    Company,
)

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


@dataclass
class World:
    engine: Engine
    companies: dict[str, str]
    """name -> id"""
    audits: list[str]


def _template_id(engine: Engine, touchpoint: str) -> str:
    infos = list_templates(engine=engine, touchpoint=touchpoint)
    assert len(infos) == 1
    return infos[0].id


# (company, touchpoint, shopper, status, score, hours after T0)
AUDIT_SPECS: list[tuple[str, str, str, str, float | None, float]] = [
    ("Acme", "phone", "ana", AuditStatus.COMPLETED, 80.0, 0),
    ("Acme", "phone", "Bob", AuditStatus.IN_PROGRESS, None, 5),
    ("Acme", "email", "carla", AuditStatus.COMPLETED, 55.5, 10),
    ("beta corp", "phone", "Ana", AuditStatus.COMPLETED, 80.0, 15),
    ("beta corp", "website", "", AuditStatus.IN_PROGRESS, 20.0, 20),
    ("beta corp", "email", "bob", AuditStatus.COMPLETED, 99.0, 25),
    ("Cobalt", "website", "Dan", AuditStatus.COMPLETED, None, 30),
    ("Cobalt", "phone", "ana", AuditStatus.IN_PROGRESS, 40.0, 30),  # same start as above
    ("Cobalt", "email", "Eve", AuditStatus.COMPLETED, 80.0, 40),
]


def _build_world(ctx: AppContext) -> World:
    engine = ctx.engine
    companies = {
        name: create_company(engine=engine, data=CompanyInput(name=name)).id
        for name in ("Acme", "beta corp", "Cobalt", "Empty Co")
    }
    audits = []
    for company, touchpoint, shopper, status, score, hours in AUDIT_SPECS:
        audit = start_audit(
            engine=engine,
            company_id=companies[company],
            template_id=_template_id(engine, touchpoint),
            shopper=shopper,
            zone="Europe/Paris",
            at=T0 + timedelta(hours=hours),
        )
        with session_scope(engine) as session:
            session.execute(
                update(Audit)
                .where(col(Audit.id) == audit.id)
                .values(status=status, score_percent=score)
            )
        audits.append(audit.id)
    return World(engine, companies, audits)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Shared by the read-only tests of this module."""
    folder = tmp_path_factory.mktemp("repo") / "data"
    context = AppContext.open(folder, sqlite_url(folder / "shopper.db"))
    yield _build_world(context)
    context.close()


@pytest.fixture
def mutable_world(ctx: AppContext) -> World:
    """A world of its own, for tests that add rows."""
    return _build_world(ctx)


def _list(world: World, **kwargs: Any) -> list[AuditRow]:
    with Session(world.engine) as session:
        return repo.list_audits(session=session, **kwargs)


# -- filters ----------------------------------------------------------------------


def test_list_without_filters_returns_every_audit_newest_first(world: World) -> None:
    rows = _list(world)
    assert sorted(r.id for r in rows) == sorted(world.audits)
    starts = [r.started_at for r in rows]
    assert starts == sorted(starts, reverse=True)
    row = next(r for r in rows if r.id == world.audits[0])
    assert row.company_name == "Acme"
    assert row.template_title == "Phone support"
    assert row.shopper == "ana"
    assert row.started_tz == "Europe/Paris"
    assert row.started_at == T0
    assert row.started_at.tzinfo is not None


def test_filter_by_company(world: World) -> None:
    rows = _list(world, company_id=world.companies["beta corp"])
    assert {r.company_name for r in rows} == {"beta corp"}
    assert len(rows) == 3
    assert _list(world, company_id=world.companies["Empty Co"]) == []


def test_filter_by_touchpoint(world: World) -> None:
    rows = _list(world, touchpoint="phone")
    assert len(rows) == 4
    assert {r.touchpoint for r in rows} == {"phone"}
    assert _list(world, touchpoint="chat") == []


def test_filter_by_status(world: World) -> None:
    done = _list(world, status=AuditStatus.COMPLETED)
    open_ = _list(world, status=AuditStatus.IN_PROGRESS)
    assert len(done) == 6
    assert len(open_) == 3
    assert {r.status for r in done} == {AuditStatus.COMPLETED}
    assert {r.id for r in done} | {r.id for r in open_} == set(world.audits)


def test_filter_by_ids(world: World) -> None:
    wanted = [world.audits[1], world.audits[4], "not-an-id"]
    rows = _list(world, ids=wanted)
    assert {r.id for r in rows} == {world.audits[1], world.audits[4]}
    assert _list(world, ids=[]) == []


def test_filters_combine(world: World) -> None:
    rows = _list(
        world,
        company_id=world.companies["Acme"],
        touchpoint="phone",
        status=AuditStatus.COMPLETED,
    )
    assert [r.id for r in rows] == [world.audits[0]]


# -- ordering and paging ------------------------------------------------------------

_PYTHON_KEYS: dict[str, Callable[[AuditRow], Any]] = {
    "started_at": lambda r: r.started_at,
    "company": lambda r: r.company_name.lower(),
    "touchpoint": lambda r: r.touchpoint,
    "shopper": lambda r: r.shopper.lower(),
    "status": lambda r: r.status,
    "score": lambda r: r.score_percent,
}


def _expected(rows: list[AuditRow], order: str, descending: bool) -> list[str]:
    """The documented order: key (nulls last), then start time the same way, then id."""
    key = _PYTHON_KEYS[order]
    ordered = sorted(rows, key=lambda r: r.id)
    ordered.sort(key=lambda r: r.started_at, reverse=descending)
    present = [r for r in ordered if key(r) is not None]
    missing = [r for r in ordered if key(r) is None]
    present.sort(key=key, reverse=descending)
    return [r.id for r in present + missing]


def test_every_order_key_is_covered() -> None:
    assert set(AUDIT_ORDER) == set(_PYTHON_KEYS)


@pytest.mark.parametrize("descending", [True, False], ids=["desc", "asc"])
@pytest.mark.parametrize("order", sorted(AUDIT_ORDER))
def test_every_order_works_both_ways(world: World, order: str, descending: bool) -> None:
    rows = _list(world, order=order, descending=descending)
    assert len(rows) == len(world.audits)
    assert [r.id for r in rows] == _expected(rows, order, descending)
    values = [_PYTHON_KEYS[order](r) for r in rows if _PYTHON_KEYS[order](r) is not None]
    assert values == sorted(values, reverse=descending)
    if order == "score":
        # Unscored audits come last whichever way the list is sorted.
        assert [r.score_percent for r in rows[-2:]] == [None, None]


@pytest.mark.parametrize("descending", [True, False], ids=["desc", "asc"])
@pytest.mark.parametrize("order", sorted(AUDIT_ORDER))
@pytest.mark.parametrize("page", [1, 2, 4])
def test_paging_covers_every_row_exactly_once(
    world: World, order: str, descending: bool, page: int
) -> None:
    full = [r.id for r in _list(world, order=order, descending=descending)]
    paged: list[str] = []
    offset = 0
    while True:
        chunk = _list(world, order=order, descending=descending, offset=offset, limit=page)
        assert len(chunk) <= page
        if not chunk:
            break
        paged.extend(r.id for r in chunk)
        offset += page
    assert paged == full
    assert len(set(paged)) == len(world.audits)


def test_offset_without_limit(world: World) -> None:
    full = [r.id for r in _list(world)]
    assert [r.id for r in _list(world, offset=3)] == full[3:]
    assert _list(world, offset=100) == []
    assert [r.id for r in _list(world, limit=0)] == []


# -- audit id prefixes ------------------------------------------------------------------


def _add_audit_with_id(engine: Engine, audit_id: str, company_id: str) -> None:
    template_id = _template_id(engine, "phone")
    with session_scope(engine) as session:
        repo.add_audit(
            session=session,
            audit=Audit(
                id=audit_id,
                company_id=company_id,
                touchpoint="phone",
                template_id=template_id,
                template_version=1,
                started_at=T0,
            ),
        )


def test_resolve_audit_id_unique_prefix(world: World) -> None:
    target = world.audits[3]
    with Session(world.engine) as session:
        assert repo.resolve_audit_id(session=session, prefix=target) == target
        others = [a for a in world.audits if a != target]
        length = next(n for n in range(4, 37) if not any(o.startswith(target[:n]) for o in others))
        prefix = target[:length]
        assert repo.resolve_audit_id(session=session, prefix=prefix) == target
        assert repo.resolve_audit_id(session=session, prefix=f"  {prefix.upper()} ") == target


def test_resolve_audit_id_too_short(world: World) -> None:
    with Session(world.engine) as session:
        for prefix in ("", "   ", world.audits[0][:3]):
            with pytest.raises(NotFoundError, match="at least 4"):
                repo.resolve_audit_id(session=session, prefix=prefix)


def test_resolve_audit_id_ambiguous_and_unknown(mutable_world: World) -> None:
    company = mutable_world.companies["Acme"]
    _add_audit_with_id(mutable_world.engine, "abcd1234-0000-4000-8000-000000000001", company)
    _add_audit_with_id(mutable_world.engine, "abcd1234-0000-4000-8000-000000000002", company)
    _add_audit_with_id(mutable_world.engine, "abcd5678-0000-4000-8000-000000000003", company)
    with Session(mutable_world.engine) as session:
        with pytest.raises(AmbiguousError):
            repo.resolve_audit_id(session=session, prefix="abcd")
        with pytest.raises(AmbiguousError):
            repo.resolve_audit_id(session=session, prefix="abcd1234")
        assert (
            repo.resolve_audit_id(session=session, prefix="abcd5")
            == "abcd5678-0000-4000-8000-000000000003"
        )
        assert (
            repo.resolve_audit_id(session=session, prefix="abcd1234-0000-4000-8000-000000000002")
            == "abcd1234-0000-4000-8000-000000000002"
        )
        with pytest.raises(NotFoundError):
            repo.resolve_audit_id(session=session, prefix="abcd9")
        with pytest.raises(NotFoundError):
            repo.resolve_audit_id(session=session, prefix="zzzzzzzz")
    for error in (AmbiguousError, NotFoundError):
        assert issubclass(error, ShopperError)


# -- companies ----------------------------------------------------------------------


def test_find_company_by_name_ignores_case_and_spaces(world: World) -> None:
    with Session(world.engine) as session:
        for query in ("acme", "ACME", "  Acme  ", "BETA CORP", "cobalt"):
            found = repo.find_company(session=session, name_or_id=query)
            assert found.name.lower() == query.strip().lower()


@pytest.mark.parametrize(
    ("name", "queries"),
    [
        ("Zielona Łąka Sp. z o.o.", ["Zielona Łąka Sp. z o.o.", "ZIELONA ŁĄKA SP. Z O.O."]),
        (
            "Ηλιος Τηλεπικοινωνίες",
            ["Ηλιος Τηλεπικοινωνίες", "ΗΛΙΟΣ ΤΗΛΕΠΙΚΟΙΝΩΝΊΕΣ", "ηλιος τηλεπικοινωνίες"],
        ),
        ("Sakura Home 桜ホーム", ["sakura home 桜ホーム"]),
        ("Große Straße", ["große straße", "GROSSE STRASSE"]),
    ],
)
def test_find_company_by_non_ascii_name(ctx: AppContext, name: str, queries: list[str]) -> None:
    company = create_company(engine=ctx.engine, data=CompanyInput(name=name))
    create_company(engine=ctx.engine, data=CompanyInput(name="Someone else"))
    with Session(ctx.engine) as session:
        for query in queries:
            assert repo.find_company(session=session, name_or_id=query).id == company.id


def test_find_company_by_id_and_prefix(world: World) -> None:
    cobalt = world.companies["Cobalt"]
    with Session(world.engine) as session:
        assert repo.find_company(session=session, name_or_id=cobalt).id == cobalt
        assert repo.find_company(session=session, name_or_id=cobalt.upper()).id == cobalt
        others = [v for k, v in world.companies.items() if k != "Cobalt"]
        length = next(n for n in range(4, 37) if not any(o.startswith(cobalt[:n]) for o in others))
        assert repo.find_company(session=session, name_or_id=cobalt[:length]).id == cobalt
        with pytest.raises(NotFoundError):
            repo.find_company(session=session, name_or_id=cobalt[:3])
        with pytest.raises(NotFoundError):
            repo.find_company(session=session, name_or_id="Nobody Inc")


def test_find_company_with_a_shared_name_is_ambiguous(mutable_world: World) -> None:
    create_company(engine=mutable_world.engine, data=CompanyInput(name="ACME"))
    with Session(mutable_world.engine) as session, pytest.raises(AmbiguousError):
        repo.find_company(session=session, name_or_id="acme")


def test_company_rows_count_audits(world: World) -> None:
    with Session(world.engine) as session:
        rows = repo.company_rows(session=session)
    by_name = {r.name: r for r in rows}
    assert [r.name for r in rows] == ["Acme", "beta corp", "Cobalt", "Empty Co"]
    assert by_name["Acme"].audits == 3
    assert by_name["beta corp"].audits == 3
    assert by_name["Cobalt"].audits == 3
    assert by_name["Empty Co"].audits == 0
    assert by_name["Empty Co"].last_audit is None
    assert by_name["Acme"].last_audit == T0 + timedelta(hours=10)
    assert by_name["Cobalt"].last_audit == T0 + timedelta(hours=40)
    last = by_name["beta corp"].last_audit
    assert last is not None
    assert last.tzinfo is not None
    assert last == T0 + timedelta(hours=25)
    assert by_name["Acme"].id == world.companies["Acme"]


def test_count_audits_and_shopper_names(world: World) -> None:
    with Session(world.engine) as session:
        assert repo.count_audits(session=session) == len(world.audits)
        names = repo.shopper_names(session=session)
    assert "" not in names
    assert names == sorted({spec[2] for spec in AUDIT_SPECS if spec[2]})


def test_get_company_and_audit_not_found(world: World) -> None:
    with Session(world.engine) as session:
        with pytest.raises(NotFoundError):
            repo.get_company(session=session, company_id="missing")
        with pytest.raises(NotFoundError):
            repo.get_audit(session=session, audit_id="missing")
        assert isinstance(
            repo.get_company(session=session, company_id=world.companies["Acme"]), Company
        )
