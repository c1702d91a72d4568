"""View › Shops: the list by due day with overdue shops marked, and starting one's audit."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from shopper.services import shops
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.ui.main_window import PAGE_RUNNER, MainWindow
from shopper.ui.rows_model import ROW_ROLE
from shopper.ui.shops import OVERDUE, ShopsDialog
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
