"""An information item in the runner: its text where it stands, nothing to answer, and
the same keys move on (docs/templates.md, type `info`)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from shopper.domain.scoring import Outcome
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.ui.runner.editors import InfoEditor
from shopper.ui.runner.outline import HIDDEN_ROLE, ITEM_ID_ROLE, outcome_icon
from shopper.ui.runner.view import AuditRunnerView
from tests.ui.helpers import new_audit, show

TEMPLATE = """\
format: 1
id: 5b1f0c7e-2d3a-4b5c-8d9e-0f1a2b3c4d5e
version: 1
title: With information
touchpoint: phone
sections:
  - id: first
    title: First
    items:
      - {id: a, prompt: 'Did they answer?', type: yes_no, required: true}
      - {id: intro, prompt: Now ask for the manager., help: Politely., type: info}
      - {id: b, prompt: 'Did the manager come?', type: yes_no}
  - id: second
    title: Second
    items:
      - id: only_if_not
        prompt: Call again tomorrow.
        type: info
        show_if: {item: a, equals: no}
      - {id: c, prompt: 'Anything else?', type: text}
"""


def open_view(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> AuditRunnerView:
    path = tmp_path / "info.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    audit_id = new_audit(ctx, template_path=path)
    view = AuditRunnerView(AuditRunner(engine=ctx.engine, audit_id=audit_id), ctx.data_dir)
    show(qtbot, view)
    return view


def outline_row(view: AuditRunnerView, item_id: str) -> tuple[object, bool, bool]:
    """(its id, whether it bears the information mark, whether it is hidden)."""
    index = view.outline_model.item_index(item_id)
    icon = index.data(Qt.ItemDataRole.DecorationRole)
    return (
        index.data(ITEM_ID_ROLE),
        icon.cacheKey() == outcome_icon(Outcome.SHOWN).cacheKey(),
        bool(index.data(HIDDEN_ROLE)),
    )


def test_an_information_item_is_read_where_it_stands_and_moved_past(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    view = open_view(qtbot, ctx, tmp_path)
    panel = view.item_panel
    assert view.current.id == "a"
    # Answering moves on to the information item: its text, its help, nothing to answer.
    qtbot.keyClick(panel.frame, "y")
    qtbot.waitUntil(lambda: view.current.id == "intro", timeout=2000)
    assert (panel.prompt.text(), panel.help.text()) == ("Now ask for the manager.", "Politely.")
    assert isinstance(panel.editor, InfoEditor)
    assert panel.badges.text() == "Information"
    assert panel.note.isHidden() and panel.attach_button.isHidden()
    assert QApplication.focusWidget() is panel.frame
    assert panel.position_label.text().endswith("Item 2 of 4")
    # Nothing to answer: it counts nowhere.
    score = view.runner.score
    assert (score.answered, score.visible) == (1, 3)
    # The same keys move on and back.
    qtbot.keyClick(panel.frame, Qt.Key.Key_Return)
    assert view.current.id == "b"
    qtbot.keyClick(panel.frame, Qt.Key.Key_Backtab)
    assert view.current.id == "intro"
    qtbot.keyClick(panel.frame, "y")  # a key that answers a question does nothing here
    assert view.current.id == "intro" and view.runner.value("intro") is None
    qtbot.keyClick(panel.frame, Qt.Key.Key_Tab)
    assert view.current.id == "b"
    qtbot.keyClick(panel.frame, Qt.Key.Key_Tab)
    assert view.current.id == "c"  # the hidden information item is passed by
    # The outline holds it, with the information mark (no answer's), and lands on it.
    assert outline_row(view, "intro") == ("intro", True, False)
    assert outline_row(view, "b") == ("b", False, False)
    assert outline_row(view, "only_if_not")[2] is True
    view.outline.item_chosen.emit("intro")
    assert view.current.id == "intro"


def test_an_information_item_with_a_show_if_follows_its_answer(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    view = open_view(qtbot, ctx, tmp_path)
    panel = view.item_panel
    qtbot.keyClick(panel.frame, "n")
    qtbot.waitUntil(lambda: view.current.id == "intro", timeout=2000)
    assert [i.id for i in view.visible_items()] == ["a", "intro", "b", "only_if_not", "c"]
    assert outline_row(view, "only_if_not")[2] is False
    view.go_to("b")
    qtbot.keyClick(panel.frame, Qt.Key.Key_Tab)
    assert view.current.id == "only_if_not"
    assert panel.prompt.text() == "Call again tomorrow."
    assert view.runner.score.visible == 3
