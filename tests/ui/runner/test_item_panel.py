"""The item panel on its own: it shows an item and says what was answered, typed and asked."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.ui.runner.item_panel import ItemPanel
from tests.ui.helpers import new_audit, show, yes_no_template


def open_panel(qtbot: QtBot, ctx: AppContext, tmp_path: Path, item_id: str = "q1") -> ItemPanel:
    audit_id = new_audit(ctx, template_path=yes_no_template(tmp_path, count=3))
    runner = AuditRunner(engine=ctx.engine, audit_id=audit_id, zone="UTC")
    panel = ItemPanel(runner, can_capture=False)
    show(qtbot, panel)
    panel.show_item(runner.template.item(item_id))
    panel.focus_item()
    return panel


def checked(panel: ItemPanel) -> list[str]:
    assert panel.editor is not None
    return [b.text() for b in panel.editor.findChildren(QPushButton) if b.isChecked()]


def test_it_shows_the_item(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    panel = open_panel(qtbot, ctx, tmp_path, "q2")
    assert panel.prompt.text() == "Question 2?"
    assert panel.badges.text().startswith("Yes / No / N/A · required")
    assert panel.position_label.text().endswith("Item 2 of 5")
    assert panel.prev_button.isEnabled() and panel.next_button.isEnabled()
    assert panel.editor is not None and panel.editor.item.id == "q2"
    assert panel.evidence_label.text() == "No evidence yet: drop files here"
    assert not panel.capture_button.isEnabled()  # no screen capture offered
    assert QApplication.focusWidget() is panel.frame  # yes/no takes keys on the item


def test_a_key_answers_and_moves_on(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    panel = open_panel(qtbot, ctx, tmp_path)
    answers: list[tuple[str, object]] = []
    moves: list[int] = []
    panel.answer_committed.connect(lambda item_id, value: answers.append((item_id, value)))
    panel.navigate.connect(moves.append)
    qtbot.keyClick(panel.frame, "n")
    assert checked(panel) == ["No  (N)"]
    assert answers == [("q1", "no")]
    assert moves == [1]
    # Saving failed: the buttons show what is stored (nothing), not the key pressed.
    panel.answer_stored("q1", saved=False)
    assert checked(panel) == []
    qtbot.keyClick(panel.frame, Qt.Key.Key_Tab)
    qtbot.keyClick(panel.frame, Qt.Key.Key_Backtab)
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    assert moves == [1, 1, -1, 1]


def test_the_note_is_reported_until_saved(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    panel = open_panel(qtbot, ctx, tmp_path)
    panel.focus_note()
    with qtbot.waitSignal(panel.text_edited, timeout=1000):
        qtbot.keyClicks(panel.note, "rude")
    assert panel.unsaved_note() == "rude" and panel.has_unsaved()
    panel.note_saved("rude")
    assert panel.unsaved_note() is None and not panel.has_unsaved()
    # Leaving the note, by Escape here, asks for what was typed to be saved.
    with qtbot.waitSignal(panel.flush_requested, timeout=1000):
        qtbot.keyClick(panel.note, Qt.Key.Key_Escape)
    assert QApplication.focusWidget() is panel.frame


def test_a_number_that_does_not_parse_does_not_move_on(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    audit_id = new_audit(ctx)
    runner = AuditRunner(engine=ctx.engine, audit_id=audit_id, zone="UTC")
    panel = ItemPanel(runner, can_capture=True)
    show(qtbot, panel)
    panel.show_item(runner.template.item("menu_depth"))
    panel.focus_item()
    line = QApplication.focusWidget()
    assert isinstance(line, QLineEdit)
    with qtbot.assertNotEmitted(panel.navigate), qtbot.assertNotEmitted(panel.answer_committed):
        qtbot.keyClicks(line, "two")
        qtbot.keyClick(line, Qt.Key.Key_Return)
    assert panel.flush_answer() is False
    line.setText("3")
    with qtbot.waitSignal(panel.answer_committed, timeout=1000) as signal:
        qtbot.keyClick(line, Qt.Key.Key_Return)
    assert signal.args == ["menu_depth", 3]


@pytest.mark.filterwarnings("ignore:Function.*QDragEnterEvent.*deprecated:DeprecationWarning")
def test_read_only_and_dropped_files(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    panel = open_panel(qtbot, ctx, tmp_path)
    panel.set_read_only(True)
    assert not panel.complete_button.isEnabled()
    assert not panel.attach_button.isEnabled()
    assert panel.note.isReadOnly()
    panel.set_read_only(False)
    assert panel.complete_button.isEnabled() and panel.attach_button.isEnabled()
    picture = tmp_path / "receipt.png"
    picture.write_bytes(b"")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(picture))])
    where, action = QPointF(5, 5), Qt.DropAction.CopyAction
    buttons, mods = Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(where.toPoint(), action, mime, buttons, mods)
    QApplication.sendEvent(panel.frame, enter)
    assert enter.isAccepted()
    with qtbot.waitSignal(panel.files_dropped, timeout=1000) as signal:
        QApplication.sendEvent(panel.frame, QDropEvent(where, action, mime, buttons, mods))
    assert signal.args == [[picture]]


def test_n_a_is_named_only_where_it_is_offered_and_a_answers_it(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    from shopper.services.audits import load_audit
    from tests.ui.helpers import Keyboard

    template = tmp_path / "na.yaml"
    source = yes_no_template(tmp_path, count=2).read_text(encoding="utf-8")
    template.write_text(
        source.replace(
            "{id: q2, prompt: 'Question 2?', type: yes_no, required: true}",
            "{id: q2, prompt: 'Question 2?', type: yes_no, required: true, na: false}",
        ),
        encoding="utf-8",
    )
    audit_id = new_audit(ctx, template_path=template)
    runner = AuditRunner(engine=ctx.engine, audit_id=audit_id, zone="UTC")
    panel = ItemPanel(runner, can_capture=False)
    panel.answer_committed.connect(runner.set_answer)
    show(qtbot, panel)
    panel.show_item(runner.template.item("q1"))
    panel.focus_item()
    assert panel.badges.text().startswith("Yes / No / N/A")
    assert panel.editor is not None
    assert "N/A  (A)" in [b.text() for b in panel.editor.findChildren(QPushButton)]
    Keyboard(qtbot).press("a")
    assert load_audit(engine=ctx.engine, audit_id=audit_id).values["q1"] == "na"
    # Without N/A it is neither offered nor named (the walk-through saw it named only).
    panel.show_item(runner.template.item("q2"))
    assert panel.badges.text().startswith("Yes / No · required")
    assert panel.editor is not None
    assert not any("N/A" in b.text() for b in panel.editor.findChildren(QPushButton))
