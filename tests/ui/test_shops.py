"""View › Shops: the list by due day with overdue shops marked, starting one's audit, and a
manager's New shop and Cancel shop."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from shopper.services import shops, team
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.ui import shops as shops_ui
from shopper.ui.main_window import PAGE_RUNNER, MainWindow
from shopper.ui.new_shop import NewShopDialog, load_shop_choices
from shopper.ui.rows_model import ROW_ROLE
from shopper.ui.shops import OVERDUE, ShopsDialog
from shopper.ui.workers import wait_for_background
from tests.postgres import (
    MANAGER,
    MANAGER_PASSWORD,
    OWNER,
    OWNER_PASSWORD,
    PostgresServer,
    team_copy,
)
from tests.ui.helpers import Keyboard, show, show_window
from tests.ui.test_labels import problems


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


# -- a manager's New shop and Cancel -------------------------------------------------------

INSTRUCTIONS = (
    'Ask "how do I cancel?" — say you\'re moving abroad;\nспросите о возврате\n返金について'
)


def new_shop_dialog(qtbot: QtBot, ctx: AppContext, team: bool = False) -> NewShopDialog:
    choices = load_shop_choices(ctx.engine, team=team)
    dialog = NewShopDialog(ctx.engine, choices, today=date(2025, 6, 1))
    show(qtbot, dialog)
    return dialog


def test_the_new_shop_dialog_assigns_a_shop_as_typed(qtbot: QtBot, ctx: AppContext) -> None:
    create_company(engine=ctx.engine, data=CompanyInput(name="Northwind"))
    dialog = new_shop_dialog(qtbot, ctx)
    assert dialog.opens.calendarPopup() and dialog.due.calendarPopup()
    assert dialog.opens.date().toPython() == date(2025, 6, 1)  # today, by default
    dialog.touchpoint.setCurrentIndex(dialog.touchpoint.findData("website"))
    latest = shops.latest_templates(engine=ctx.engine, touchpoints=["website"])["website"]
    assert dialog.template.currentData() == latest  # the touchpoint's latest, by default
    keys = Keyboard(qtbot)
    assert dialog.shopper_edit is not None
    dialog.shopper_edit.setFocus()
    keys.type("Zoë Łukasiewicz")
    dialog.due.setDate(QDate(2025, 6, 20))
    dialog.instructions.setFocus()
    for number, line in enumerate(INSTRUCTIONS.split("\n")):
        if number:
            keys.press(Qt.Key.Key_Return)
        keys.type(line)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.created is not None
    [row] = shops.list_shops(engine=ctx.engine)
    assert row == dialog.created
    assert (row.company, row.touchpoint, row.template_id, row.shopper) == (
        "Northwind",
        "website",
        latest,
        "Zoë Łukasiewicz",
    )
    assert (row.opens, row.due, row.state) == (date(2025, 6, 1), date(2025, 6, 20), "assigned")
    assert row.instructions == INSTRUCTIONS


@pytest.mark.parametrize(
    ("change", "field", "shown"),
    [
        (lambda d: d.due.setDate(QDate(2025, 5, 31)), "from", "From: the shop opens on 2025-06-01"),
        (lambda d: d.shopper_edit.setText("   "), "shopper", "Shopper: must not be empty"),
        (
            lambda d: d.instructions.setPlainText("x" * 2001),
            "instructions",
            "Instructions: too long (2001 characters, limit 2000)",
        ),
    ],
)
def test_a_bad_field_is_named_in_the_dialog_and_nothing_is_assigned(
    qtbot: QtBot, ctx: AppContext, change: Callable[[NewShopDialog], None], field: str, shown: str
) -> None:
    create_company(engine=ctx.engine, data=CompanyInput(name="Northwind"))
    dialog = new_shop_dialog(qtbot, ctx)
    assert dialog.shopper_edit is not None
    dialog.shopper_edit.setText("Tess")
    change(dialog)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.isVisible() and dialog.created is None
    assert dialog.problem.isVisible() and dialog.problem.text().startswith(shown)
    assert problems(dialog) == []
    assert dialog.fields[field].hasFocus()
    assert shops.list_shops(engine=ctx.engine) == []


def test_cancel_asks_first_and_records_the_move(
    qtbot: QtBot,
    ctx: AppContext,
    two_shops: tuple[shops.ShopRow, ...],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _later, late = two_shops
    asked: list[tuple[str, bool]] = []
    answer = False

    def confirm(_parent: object, row: shops.ShopRow) -> bool:
        asked.append((row.id, answer))
        return answer

    monkeypatch.setattr(shops_ui, "confirm_cancel", confirm)
    dialog = open_dialog(qtbot, ctx)
    assert dialog.new_button is not None and dialog.cancel_button is not None
    assert dialog.cancel_button.isEnabled()  # the first row: the overdue shop
    dialog.cancel_button.click()
    assert shops.get_shop(engine=ctx.engine, shop_id=late.id).state == "assigned"
    answer = True
    with qtbot.waitSignal(dialog.loaded):
        dialog.cancel_button.click()
    assert asked == [(late.id, False), (late.id, True)]
    events = shops.shop_events(engine=ctx.engine, shop_id=late.id)
    assert [(e.from_state, e.to_state) for e in events][-1] == ("assigned", "cancelled")
    assert dialog.model.index(0, 1).data() == "cancelled"
    assert not dialog.cancel_button.isEnabled()  # final: the list says so and the button too


def test_the_confirmation_says_cancelling_is_final(
    qtbot: QtBot, two_shops: tuple[shops.ShopRow, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    def question(_parent: object, _title: str, text: str, *_args: object) -> object:
        seen.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(shops_ui, "headless", lambda: False)
    monkeypatch.setattr(QMessageBox, "question", question)
    assert not shops_ui.confirm_cancel(QWidget(), two_shops[1])
    assert "This is final" in seen[0] and "Northwind" in seen[0]


@pytest.mark.postgres
def test_a_shopper_has_no_new_shop_cancel_or_overview(
    qtbot: QtBot, as_jan: tuple[AppContext, str]
) -> None:
    ctx, _company_id = as_jan
    window = show_window(qtbot, MainWindow(ctx))
    try:
        assert not window.new_shop_action.isEnabled()
        assert not window.team_overview_action.isEnabled()
        window.show_shops()
        dialog = window.shops_dialog
        qtbot.waitUntil(lambda: dialog.rows is not None)
        assert dialog.new_button is None and dialog.cancel_button is None
        buttons = [b.text() for b in dialog.findChildren(QPushButton)]
        assert not any("New shop" in t or "Cancel shop" in t for t in buttons)
    finally:
        window.close()
        assert wait_for_background(30)


@pytest.mark.postgres
def test_a_manager_assigns_a_team_shopper_off_the_gui_thread(
    qtbot: QtBot, postgres_server: PostgresServer, data_dir: Path
) -> None:
    name = team_copy(postgres_server)
    owner = team.team_engine(postgres_server.url(name, OWNER, OWNER_PASSWORD))
    try:
        team.add_user(
            engine=owner, login="jan", role="shopper", name="Jan Kowalski", password="jan-pass-1"
        )
        create_company(engine=owner, data=CompanyInput(name="Northwind"))
    finally:
        owner.dispose()
    ctx = AppContext.open(data_dir, postgres_server.url(name, MANAGER, MANAGER_PASSWORD))
    try:
        dialog = new_shop_dialog(qtbot, ctx, team=True)
        combo = dialog.shopper_combo
        assert combo is not None and dialog.shopper_edit is None
        assert [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())] == [
            ("Jan Kowalski (jan)", "jan")
        ]
        dialog.instructions.setPlainText(INSTRUCTIONS)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        qtbot.waitUntil(lambda: dialog.created is not None, timeout=10_000)
        [row] = shops.list_shops(engine=ctx.engine)
        assert (row.shopper, row.instructions, row.created_by) == ("jan", INSTRUCTIONS, MANAGER)
    finally:
        assert wait_for_background(30)
        ctx.close()
        postgres_server.drop_database(name)
        postgres_server.drop_roles()


def test_new_shop_from_view_shops_refreshes_the_list(
    qtbot: QtBot, ctx: AppContext, two_shops: tuple[shops.ShopRow, ...]
) -> None:
    """New shop… in View › Shops opens the dialog over the list; the new shop is then in it,
    selected."""
    window = show_window(qtbot, MainWindow(ctx))
    window.show_shops()
    listing = window.shops_dialog
    qtbot.waitUntil(lambda: listing.rows is not None)
    seen: list[QWidget | None] = []

    def fill() -> None:
        dialog = window.new_shop_dialog
        seen.append(dialog.parentWidget())
        assert dialog.shopper_edit is not None
        dialog.shopper_edit.setText("Ewa")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    QTimer.singleShot(0, fill)
    assert listing.new_button is not None
    listing.new_button.click()  # returns once the dialog closed
    qtbot.waitUntil(lambda: listing.rows is not None and len(listing.rows) == 3)
    assert seen == [listing]
    selected = listing.model.row(listing.table.currentIndex().row())
    assert selected is not None and selected.shopper == "Ewa"
    assert window.statusBar().currentMessage().startswith("Assigned a shop of Northwind to Ewa")
