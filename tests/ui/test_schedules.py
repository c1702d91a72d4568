"""View › Schedules: the list, Add… (a mistake named in the dialog, which stays), Pause and
Resume, and Run now (the shops made and what was not planned, said in the window)."""

from __future__ import annotations

from datetime import date

import pytest
from pytestqt.qtbot import QtBot

from shopper.services import schedules, shops
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.ui.main_window import MainWindow
from shopper.ui.schedules import AddScheduleDialog, SchedulesDialog
from tests.ui.helpers import show, show_window
from tests.ui.test_labels import problems


@pytest.fixture
def company(ctx: AppContext) -> str:
    create_company(engine=ctx.engine, data=CompanyInput(name="Northwind"))
    return "Northwind"


def open_dialog(qtbot: QtBot, ctx: AppContext) -> SchedulesDialog:
    dialog = SchedulesDialog(ctx.engine)
    with qtbot.waitSignal(dialog.loaded):
        show(qtbot, dialog)
    return dialog


def test_the_list_shows_each_schedule(qtbot: QtBot, ctx: AppContext, company: str) -> None:
    schedules.create_schedule(
        engine=ctx.engine,
        data=schedules.ScheduleInput(
            company=company,
            touchpoint="phone",
            recurrence="Monthly on the first working day",
            shoppers=["ana", "ben"],
            open_limit=2,
            starts=date(2026, 1, 1),
        ),
    )
    dialog = open_dialog(qtbot, ctx)
    assert dialog.summary.text() == "1 schedule."
    shown = [dialog.model.index(0, c).data() for c in range(dialog.model.columnCount())]
    assert shown[:6] == [
        "active",
        "Northwind",
        "Phone",
        "monthly on the first working day",
        "ana, ben",
        "2",
    ]
    assert problems(dialog) == []


def test_add_names_the_mistake_and_stays_then_adds(
    qtbot: QtBot, ctx: AppContext, company: str
) -> None:
    dialog = open_dialog(qtbot, ctx)
    assert dialog.summary.text() == "No schedules yet."
    dialog.add()
    add = dialog.add_dialog
    assert isinstance(add, AddScheduleDialog)
    qtbot.waitExposed(add)
    assert add.company.currentText() == company
    add.every.setText("every fortnight")
    add.shoppers.setText("ana, ben")
    add.save()
    qtbot.waitUntil(lambda: add.problem.text() != "", timeout=10_000)
    assert add.problem.text().startswith("Every: 'every fortnight' is not a recurrence")
    assert add.isVisible()
    assert problems(add) == []
    add.every.setText("every 2 weeks")
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        add.save()
    assert not add.isVisible()
    [row] = dialog.rows or []
    assert (row.every, row.shoppers, row.window_days, row.ahead_days, row.open_limit) == (
        "every 2 weeks",
        ("ana", "ben"),
        7,
        14,
        None,
    )


def test_pause_resume_and_run_now(qtbot: QtBot, ctx: AppContext, company: str) -> None:
    schedules.create_schedule(
        engine=ctx.engine,
        data=schedules.ScheduleInput(
            company=company, touchpoint="phone", recurrence="every week", shoppers=["ana"]
        ),
    )
    dialog = open_dialog(qtbot, ctx)
    assert dialog.pause_button.text() == "&Pause"
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.pause_button.click()
    assert dialog.model.index(0, 0).data() == "paused"
    assert dialog.pause_button.text() == "&Resume"
    with (
        qtbot.waitSignal(dialog.loaded, timeout=10_000),  # the list is read again after
        qtbot.waitSignal(dialog.ran, timeout=10_000) as ran,
    ):
        dialog.run_button.click()
    assert ran.args[0] == schedules.RunResult([], [])
    assert dialog.report.toPlainText() == "No shops due."
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.pause_button.click()
    assert dialog.model.index(0, 0).data() == "active"
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.run_button.click()
    # Today, in a week and in two (14 days ahead): ana alone takes today's, and may not
    # take the next two (twice in a row).
    lines = dialog.report.toPlainText().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("Made: Northwind, Phone, ana, ")
    for line in lines[1:]:
        assert line.startswith("Not planned: Northwind, Phone, ")
        assert line.endswith(": ana did the previous shop and no other shopper is chosen")
    assert len(shops.list_shops(engine=ctx.engine)) == 1
    assert dialog.model.index(0, 8).data() == "1"  # shops made


def test_view_schedules_opens_the_window(qtbot: QtBot, ctx: AppContext) -> None:
    window = MainWindow(ctx)
    show_window(qtbot, window)
    assert window.schedules_action.isEnabled()
    window.schedules_action.trigger()
    dialog = window.schedules_dialog
    qtbot.waitUntil(lambda: dialog.rows is not None, timeout=10_000)
    assert dialog.windowTitle() == "Schedules"
    dialog.close()
