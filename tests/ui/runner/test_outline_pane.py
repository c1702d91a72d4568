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


def test_a_long_prompt_wraps_onto_two_lines_when_the_outline_is_narrow(
    qtbot: QtBot, ctx: AppContext
) -> None:
    from shopper.ui.runner.outline_pane import MAX_LINES

    pane = open_pane(qtbot, ctx)
    items = list(pane.runner.template.items())
    longest = max(items, key=lambda item: len(item.prompt))
    line = pane.fontMetrics().lineSpacing()

    def height(item_id: str) -> int:
        return pane.visualRect(pane.outline_model.item_index(item_id)).height()

    pane.resize(900, 600)
    qtbot.waitUntil(lambda: height(longest.id) < 2 * line)  # wide: one line each
    pane.resize(260, 600)
    qtbot.waitUntil(lambda: height(longest.id) >= MAX_LINES * line)  # narrow: it wraps
    assert height(longest.id) < (MAX_LINES + 1) * line  # and stops at two lines
    index = pane.outline_model.item_index(longest.id)
    assert longest.prompt in str(index.data(Qt.ItemDataRole.ToolTipRole))
