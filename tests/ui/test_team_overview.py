"""View › Team overview: the numbers of a known history, in tables that read whole on a
1280×800 and a 1024×600 screen; on a team database read off the GUI thread."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from shopper.services.context import AppContext
from shopper.ui.main_window import MainWindow
from shopper.ui.shops import OVERDUE
from shopper.ui.team_overview import (
    OverdueModel,
    ShoppersModel,
    StatesModel,
    TeamOverviewDialog,
    duration_text,
)
from shopper.ui.workers import wait_for_background
from tests.postgres import DATABASES
from tests.services.test_team_overview import NOW, History, _history, make_history
from tests.ui.helpers import show_window
from tests.ui.test_labels import problems


@pytest.fixture(params=DATABASES)
def history(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[History]:
    with _history(request.param, request, tmp_path) as made:
        yield made
        assert wait_for_background(30)


def texts(model: object) -> list[list[str]]:
    rows = model.rowCount()  # type: ignore[attr-defined]
    columns = model.columnCount()  # type: ignore[attr-defined]
    return [[model.index(r, c).data() for c in range(columns)] for r in range(rows)]  # type: ignore[attr-defined]


def open_overview(qtbot: QtBot, history: History, size: tuple[int, int]) -> TeamOverviewDialog:
    dialog = TeamOverviewDialog(history.manager, now=NOW)
    qtbot.addWidget(dialog)
    dialog.resize(*size)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.overview is not None, timeout=10_000)
    qtbot.wait(20)  # the layout settles with the rows in
    return dialog


@pytest.mark.parametrize("size", [(1280, 800), (1024, 600)])
def test_the_overview_shows_a_known_history_whole(
    qtbot: QtBot, qtmodeltester: object, history: History, size: tuple[int, int]
) -> None:
    ids = make_history(history)
    dialog = open_overview(qtbot, history, size)
    overview = dialog.overview
    assert overview is not None
    # Models of their own: the tester outlives the dialog, whose models go with it.
    states, shoppers, overdue = StatesModel(), ShoppersModel(), OverdueModel()
    states.set_rows(list(overview.by_state.items()))
    shoppers.set_rows(overview.shoppers)
    overdue.set_rows(overview.overdue)
    for model in (states, shoppers, overdue):
        qtmodeltester.check(model, force_py=True)  # type: ignore[attr-defined]
    assert texts(dialog.states_model) == [
        ["assigned", "1"],
        ["in progress", "1"],
        ["submitted", "1"],
        ["returned", "0"],
        ["reviewed", "1"],
        ["cancelled", "2"],
    ]
    team_db = history.manager.dialect.name == "postgresql"
    jan = "Jan Kowalski (jan)" if team_db else "jan"
    assert texts(dialog.shoppers_model) == [
        ["ewa", "1", "1", "1", "0% (0 of 1)", "10 days"],
        [jan, "1", "1", "2", "50% (1 of 2)", "1.5 days"],
    ]
    late = texts(dialog.overdue_model)
    assert [row[:3] for row in late] == [
        ["2025-06-12", "8 days", "ewa"],
        ["2025-06-15", "5 days", jan],
    ]
    assert dialog.overdue_model.index(0, 1).data(Qt.ItemDataRole.ForegroundRole).color() == OVERDUE
    assert [o.shop.id for o in overview.overdue] == [ids["d"], ids["c"]]
    assert dialog.summary.text().startswith("6 shops, 2 overdue, 2 shoppers (as of ")
    assert dialog.width() <= size[0] and dialog.height() <= size[1]
    assert problems(dialog) == []


def test_the_overview_of_nothing(qtbot: QtBot, ctx: AppContext) -> None:
    history = History(ctx.engine, lambda _login: ctx.engine)
    dialog = open_overview(qtbot, history, (1024, 600))
    assert dialog.summary.text().startswith("No shops, 0 overdue, 0 shoppers")
    assert dialog.overdue_box.title() == "Overdue: none"
    assert problems(dialog) == []


def test_view_team_overview_opens_it(qtbot: QtBot, ctx: AppContext) -> None:
    window = show_window(qtbot, MainWindow(ctx))
    assert window.team_overview_action.isEnabled() and window.new_shop_action.isEnabled()
    window.team_overview_action.trigger()
    dialog = window.team_overview_dialog
    qtbot.waitUntil(lambda: dialog.overview is not None)
    assert dialog.isVisible()
    dialog.close()


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "—"), (40 * 60, "40 minutes"), (5.2 * 3600, "5.2 hours"), (86_400, "1 day")],
)
def test_durations_read_as_people_say_them(seconds: float | None, text: str) -> None:
    from datetime import timedelta

    assert duration_text(None if seconds is None else timedelta(seconds=seconds)) == text
