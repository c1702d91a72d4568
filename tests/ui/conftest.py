"""Qt tests collect garbage on the GUI thread only, as the app does (see ui.collector), and
read dates in the C locale (ISO), whatever the machine's locale."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QApplication

from shopper.services import team
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.ui.collector import install
from shopper.ui.workers import wait_for_background
from tests.postgres import OWNER, OWNER_PASSWORD, PostgresServer, team_copy


@pytest.fixture(autouse=True, scope="session")
def _collect_on_the_gui_thread(qapp: QApplication) -> Iterator[None]:
    install(qapp)
    QLocale.setDefault(QLocale.c())
    yield


@pytest.fixture
def ctx(data_dir: Path) -> Iterator[AppContext]:
    """The database, closed only once no background load still reads it (as the app quits).

    A window closed mid-load leaves its load running; closing the engine under it would
    free SQLite's memory while a worker uses it.
    """
    context = AppContext.open(data_dir)
    yield context
    assert wait_for_background(30), "background work still running after 30 s"
    context.close()


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
