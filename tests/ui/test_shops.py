"""View › Shops: the list by due day with overdue shops marked, and starting one's audit."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from shopper.services import shops, team
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.ui.main_window import PAGE_RUNNER, MainWindow
from shopper.ui.rows_model import ROW_ROLE
from shopper.ui.shops import OVERDUE, ShopsDialog
from shopper.ui.workers import wait_for_background
from tests.postgres import MANAGER, MANAGER_PASSWORD, OWNER, OWNER_PASSWORD, PostgresServer
from tests.ui.helpers import show, show_window


@pytest.fixture
def two_shops(ctx: AppContext) -> tuple[shops.ShopRow, shops.ShopRow]:
    create_company(engine=ctx.engine, data=CompanyInput(name="Northwind"))

    def shop(due: date, instructions: str) -> shops.ShopRow:
        return shops.create_shop(
            engine=ctx.engine,
            data=shops.ShopInput(
                company="Northwind",
                touchpoint="phone",
                shopper="Tess",
                opens=date(2020, 1, 1),
                due=due,
                instructions=instructions,
            ),
        )

    return shop(date(2099, 1, 31), "Later"), shop(date(2020, 1, 31), "Say you\nare moving")


def open_dialog(qtbot: QtBot, ctx: AppContext) -> ShopsDialog:
    dialog = ShopsDialog(ctx.engine)
    with qtbot.waitSignal(dialog.loaded):
        show(qtbot, dialog)
    return dialog


def test_the_list_is_by_due_day_with_overdue_shops_marked(
    qtbot: QtBot, qtmodeltester: object, ctx: AppContext, two_shops: tuple[shops.ShopRow, ...]
) -> None:
    later, late = two_shops
    dialog = open_dialog(qtbot, ctx)
    model = dialog.model
    qtmodeltester.check(model, force_py=True)  # type: ignore[attr-defined]
    assert [model.index(r, 0).data(ROW_ROLE).id for r in range(2)] == [late.id, later.id]
    assert model.index(0, 1).data() == "assigned, overdue"
    assert model.index(0, 1).data(Qt.ItemDataRole.ForegroundRole).color() == OVERDUE
    assert model.index(1, 1).data() == "assigned"
    assert model.index(0, 6).data() == "Say you are moving"
    assert model.index(0, 6).data(Qt.ItemDataRole.ToolTipRole) == "Say you\nare moving"
    assert dialog.summary.text().startswith("2 shops, 1 overdue (as of ")
    assert dialog.act_button.text() == "&Start audit" and dialog.act_button.isEnabled()


def test_starting_a_shop_opens_its_audit_with_the_instructions(
    qtbot: QtBot, ctx: AppContext, two_shops: tuple[shops.ShopRow, ...]
) -> None:
    _later, late = two_shops
    window = show_window(qtbot, MainWindow(ctx))
    window.show_shops()
    dialog = window.shops_dialog
    qtbot.waitUntil(lambda: dialog.rows is not None)
    dialog.act_button.click()  # the first row: the overdue shop
    qtbot.waitUntil(lambda: window.runner_view is not None)
    assert window.stack.currentIndex() == PAGE_RUNNER
    view = window.runner_view
    assert view is not None and view.runner.shop is not None
    assert view.runner.shop.id == late.id
    assert view.header.instructions.text().endswith(": Say you\nare moving")
    started = shops.get_shop(engine=ctx.engine, shop_id=late.id)
    assert (started.state, started.audit_id) == ("in_progress", view.runner.audit_id)
    window.show_shops()
    again = window.shops_dialog
    qtbot.waitUntil(lambda: again.rows is not None)
    assert again.act_button.text() == "&Open audit"


@pytest.mark.postgres
def test_a_shopper_starts_their_shop_on_the_team_database(
    qtbot: QtBot, postgres_server: PostgresServer, as_jan: tuple[AppContext, str]
) -> None:
    """Jan sees his shop only, starts it from View › Shops (off the GUI thread) and the
    database records the move in his name."""
    ctx, _company_id = as_jan
    manager = team.team_engine(
        postgres_server.url(str(ctx.engine.url.database), MANAGER, MANAGER_PASSWORD)
    )
    owner = team.team_engine(
        postgres_server.url(str(ctx.engine.url.database), OWNER, OWNER_PASSWORD)
    )
    try:
        team.add_user(engine=owner, login="ewa", role="shopper", password="ewa-password-1")
        made = [
            shops.create_shop(
                engine=manager,
                data=shops.ShopInput(
                    company="Northwind",
                    touchpoint="phone",
                    shopper=login,
                    opens=date(2020, 1, 1),
                    due=date(2099, 1, 31),
                    instructions=f"For {login}",
                ),
            )
            for login in ("jan", "ewa")
        ]
    finally:
        owner.dispose()
        manager.dispose()
    window = show_window(qtbot, MainWindow(ctx))
    try:
        window.show_shops()
        dialog = window.shops_dialog
        qtbot.waitUntil(lambda: dialog.rows is not None)
        assert [r.id for r in dialog.model.rows()] == [made[0].id]
        dialog.act_button.click()
        qtbot.waitUntil(lambda: window.runner_view is not None, timeout=10_000)
        view = window.runner_view
        assert view is not None and view.runner.shop is not None
        assert view.header.instructions.text().endswith(": For jan")
        events = shops.shop_events(engine=ctx.engine, shop_id=made[0].id)
        assert [(e.who, e.to_state) for e in events] == [
            (MANAGER, "assigned"),
            ("jan", "in_progress"),
        ]
    finally:
        window.close()
        assert wait_for_background(30)
