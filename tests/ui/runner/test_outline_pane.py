"""The outline pane on its own: rows follow the answers, clicks ask for an item."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.ui.runner.outline_pane import OutlinePane
from tests.ui.helpers import new_audit, show


def open_pane(qtbot: QtBot, ctx: AppContext) -> OutlinePane:
    runner = AuditRunner(engine=ctx.engine, audit_id=new_audit(ctx), zone="UTC")
    pane = OutlinePane(runner)
    show(qtbot, pane)
    return pane


def click_row(qtbot: QtBot, pane: OutlinePane, index: object) -> None:
    rect = pane.visualRect(index)  # type: ignore[arg-type]
    qtbot.mouseClick(pane.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_clicking_an_item_asks_for_it(qtbot: QtBot, ctx: AppContext) -> None:
    pane = open_pane(qtbot, ctx)
    index = pane.outline_model.item_index("hold_time")
    with qtbot.waitSignal(pane.item_chosen, timeout=1000) as signal:
        click_row(qtbot, pane, index)
    assert signal.args == ["hold_time"]


def test_clicking_a_section_asks_for_its_first_shown_item(qtbot: QtBot, ctx: AppContext) -> None:
    pane = open_pane(qtbot, ctx)
    pane.runner.set_answer("reached_human", "no")  # hides the whole representative section
    pane.apply_visibility()
    rows = {s.id: n for n, s in enumerate(pane.runner.template.sections)}
    with qtbot.waitSignal(pane.item_chosen, timeout=1000) as signal:
        click_row(qtbot, pane, pane.outline_model.section_index(rows["reach"]))
    assert signal.args == ["reached_human"]
    with qtbot.assertNotEmitted(pane.item_chosen):
        click_row(qtbot, pane, pane.outline_model.section_index(rows["rep"]))


def test_hidden_items_lose_their_rows_and_selection_follows(qtbot: QtBot, ctx: AppContext) -> None:
    pane = open_pane(qtbot, ctx)
    rep = pane.outline_model.item_index("rep_knowledgeable")
    assert not pane.isRowHidden(rep.row(), rep.parent())
    pane.runner.set_answer("reached_human", "no")
    pane.apply_visibility()
    assert pane.isRowHidden(rep.row(), rep.parent())
    pane.select_item("callback_offered")
    assert pane.currentIndex() == pane.outline_model.item_index("callback_offered")
    # The pane takes no keyboard focus from the item panel.
    assert pane.focusPolicy() == Qt.FocusPolicy.ClickFocus
