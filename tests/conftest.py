"""Shared fixtures. Qt runs offscreen and dialogs are never shown in tests."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["SHOPPER_HEADLESS"] = "1"

from collections.abc import Iterator
from pathlib import Path

import pytest

from shopper.services import team
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from tests.postgres import (
    OWNER,
    OWNER_PASSWORD,
    PostgresServer,
    ServerUnavailableError,
    make_owned_database,
    shared_server,
    stop_shared_server,
    team_copy,
    unavailable,
)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("SHOPPER_DATA_DIR", str(folder))
    monkeypatch.delenv("SHOPPER_DB_URL", raising=False)
    return folder


@pytest.fixture
def ctx(data_dir: Path) -> Iterator[AppContext]:
    context = AppContext.open(data_dir)
    yield context
    context.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for this test process (see tests/postgres.py)."""
    try:
        server = shared_server()
    except ServerUnavailableError as exc:  # pytest_runtest_setup normally said so first
        unavailable(str(exc))
    yield server
    stop_shared_server()


@pytest.fixture
def pg_database(postgres_server: PostgresServer) -> Iterator[str]:
    """A new, empty database on the test server (its name); dropped after, with every role
    the test made."""
    name = postgres_server.create_database()
    yield name
    postgres_server.drop_database(name)
    postgres_server.drop_roles()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A test that needs the server is a `postgres` test, marked or not: `-m "not postgres"` works.
    for item in items:
        if "postgres_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


def pytest_runtest_setup(item: pytest.Item) -> None:
    # The server starts here, not in a fixture, so that without one every postgres test skips
    # (or, with CI=true, fails) from this one place: -ra shows one line for all of them.
    if item.get_closest_marker("postgres") is not None:
        try:
            shared_server()
        except ServerUnavailableError as exc:
            unavailable(str(exc))


@pytest.fixture
def team_db(postgres_server: PostgresServer) -> Iterator[tuple[str, str]]:
    """A new database owned by `team_owner` (CREATEROLE, not a superuser): (name, owner URL)."""
    name, url = make_owned_database(postgres_server)
    yield name, url
    postgres_server.drop_database(name)
    postgres_server.drop_roles()


JAN_PASSWORD = "jan-password-for-tests"


@pytest.fixture
def as_jan(postgres_server: PostgresServer, data_dir: Path) -> Iterator[tuple[AppContext, str]]:
    """The app's database as the shopper `jan` (Jan Kowalski), with one company: (ctx, its id)."""
    name = team_copy(postgres_server)
    owner = team.team_engine(postgres_server.url(name, OWNER, OWNER_PASSWORD))
    try:
        team.add_user(
            engine=owner, login="jan", role="shopper", name="Jan Kowalski", password=JAN_PASSWORD
        )
        company = create_company(engine=owner, data=CompanyInput(name="Northwind"))
    finally:
        owner.dispose()
    ctx = AppContext.open(data_dir, postgres_server.url(name, "jan", JAN_PASSWORD))
    try:
        yield ctx, company.id
    finally:
        ctx.close()
        postgres_server.drop_database(name)
        postgres_server.drop_roles()
