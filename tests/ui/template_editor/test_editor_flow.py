"""A manager's whole way with the editor, by keyboard: a 12-item checklist with show-if and
weights, tried out, saved, audited; then edited into a new version while the old audit
keeps its own."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QWidget
from pytestqt.qtbot import QtBot

from shopper.domain.xlsform import write_xlsform
from shopper.services.audits import start_audit
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.services.templates import get_template, import_xlsform_file, list_templates
from shopper.ui.main_window import MainWindow
from shopper.ui.template_editor.window import TemplateEditor
from tests.ui.helpers import Keyboard, show_window

CTRL = Qt.KeyboardModifier.ControlModifier


def focus_window(qtbot: QtBot, editor: TemplateEditor) -> None:
    qtbot.waitExposed(editor)
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow, timeout=5000)


def retype(qtbot: QtBot, keys: Keyboard, field: QWidget, text: str) -> None:
    field.setFocus()
    qtbot.waitUntil(field.hasFocus, timeout=2000)
    keys.press("a", CTRL)
    keys.type(text)


def choose(combo: QComboBox, data: str) -> None:
    """Pick an entry of a combo box with the keyboard's way in: its index, then activated."""
    found = combo.findData(data)
    assert found >= 0, data
    combo.setCurrentIndex(found)
    combo.activated.emit(found)


def test_make_try_save_audit_edit(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    window = show_window(qtbot, MainWindow(ctx))
    assert window.templates.new_action.text() == "&New checklist…"
    editor = window.templates.new_template()
    qtbot.addWidget(editor)
    focus_window(qtbot, editor)
    keys = Keyboard(qtbot)
    retype(qtbot, keys, editor.template_form.title, "Counter check")
    choose(editor.template_form.touchpoint, "store")
    form = editor.item_form
    # The new checklist's first item, then eleven more: Insert in the tree adds one after
    # the current item and puts the cursor in its question.
    editor.select((0, 0))
    retype(qtbot, keys, form.prompt, "Did someone greet you?")
    for number in range(2, 13):
        if number == 7:
            editor.tree.setFocus()
            keys.press(Qt.Key.Key_Insert, CTRL)  # a second section, with a first item
            keys.press("a", CTRL)
            keys.type("At the counter")
            editor.select((1, 0))
            form.prompt.setFocus()
        else:
            editor.tree.setFocus()
            keys.press(Qt.Key.Key_Insert)
            assert form.prompt.hasFocus()
        keys.type(f"Question {number}?")
        if number % 3 == 0:
            retype(qtbot, keys, form.weight.lineEdit(), "2")
            keys.press(Qt.Key.Key_Tab)
    # Question 3 only shows when someone greeted.
    editor.select((0, 2))
    choose(form.show_item, "item_1")
    retype(qtbot, keys, form.show_values, "yes")
    assert editor.model.fault is None, editor.model.fault
    template = editor.model.template
    assert template is not None and template.item_count == 12
    assert [len(s.items) for s in template.sections] == [6, 6]
    assert template.item("item_3").show_if is not None
    assert [i.weight for i in template.items()].count(2) == 4

    # A mistake shows the loader's message beside the field, and undo takes it back.
    retype(qtbot, keys, form.item_id, "no spaces allowed")
    assert form.errors["id"].isVisible()
    assert "invalid id 'no spaces allowed'" in form.errors["id"].text()
    assert not editor.save_action.isEnabled()
    editor.tree.setFocus()
    keys.press("z", CTRL)
    assert editor.model.fault is None and not form.errors["id"].isVisible()

    # Try it: the real runner, on a throwaway database.
    keys.press("t", CTRL)
    preview = editor.preview
    assert preview is not None
    qtbot.waitUntil(lambda: preview.view is not None, timeout=20000)
    assert preview.view is not None
    assert preview.view.current.id == "item_1"
    preview.activateWindow()
    qtbot.waitUntil(preview.isActiveWindow, timeout=5000)
    preview.view.panel.setFocus()
    keys.press("y")
    assert preview.view.runner.value("item_1") == "yes"
    assert preview.view.runner.is_visible("item_3")
    folder = preview.preview.folder if preview.preview is not None else None
    keys.press("w", CTRL)
    qtbot.waitUntil(lambda: editor.preview is None, timeout=5000)
    assert folder is not None and not folder.exists()
    assert template.id not in {info.id for info in list_templates(engine=ctx.engine)}

    # Save, and an audit on it.
    focus_window(qtbot, editor)
    keys.press("s", CTRL)
    stored = get_template(engine=ctx.engine, template_id=template.id, version=1)
    assert stored == template
    assert not editor.isWindowModified()
    company = create_company(engine=ctx.engine, data=CompanyInput(name="Corner shop"))
    audit = start_audit(engine=ctx.engine, company_id=company.id, template_id=template.id)
    runner = AuditRunner(engine=ctx.engine, audit_id=audit.id)
    runner.set_answer("item_1", "yes")
    editor.close()

    # Edit it: Template › Edit opens the newest version; saving makes version 2.
    window.templates.open_stored(template.id, copy=False)
    qtbot.waitUntil(lambda: bool(window.templates.editors), timeout=5000)
    again = window.templates.editors[-1]
    qtbot.addWidget(again)
    focus_window(qtbot, again)
    again.select((0, 1))
    retype(qtbot, keys, again.item_form.prompt, "Were you greeted by name?")
    again.select((1, 0))
    retype(qtbot, keys, again.item_form.weight.lineEdit(), "5")
    keys.press(Qt.Key.Key_Tab)
    again.tree.setFocus()
    keys.press(Qt.Key.Key_Delete)  # the item in section 2's first place goes
    keys.press("s", CTRL)
    newer = get_template(engine=ctx.engine, template_id=template.id, version=2)
    assert newer.item_count == 11
    assert newer.item("item_2").prompt == "Were you greeted by name?"

    # The old audit keeps version 1; the main window opens it so.
    assert window.open_audit(audit.id)
    qtbot.waitUntil(lambda: window.runner_view is not None, timeout=10000)
    assert window.runner_view is not None
    old = window.runner_view.runner.template
    assert old.version == 1 and old.item("item_2").prompt == "Question 2?"
    assert window.runner_view.runner.value("item_1") == "yes"

    # The version list says what changed.
    again.show_versions()
    dialog = again.versions_dialog
    assert dialog is not None
    lines = dialog.change_lines()
    assert "reworded item_2: Question 2? → Were you greeted by name?" in lines
    assert any(line.startswith("removed ") for line in lines)
    assert QApplication.activeModalWidget() is None

    # Out as an XLSForm workbook and back in: the same checklist, so no new version.
    workbook = tmp_path / "checklist.xlsx"
    with workbook.open("wb") as out:
        write_xlsform(newer, out)
    back = import_xlsform_file(engine=ctx.engine, path=workbook)
    assert back.unsupported == []
    assert back.template == newer
    (info,) = [i for i in list_templates(engine=ctx.engine) if i.id == template.id]
    assert (info.version, info.older_versions) == (2, (1,))
