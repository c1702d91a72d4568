"""The editor's field forms: every edit an undoable change of the data, the fields a type
does not take hidden and dropped, the loader's message right under the field at fault."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget
from pytestqt.qtbot import QtBot

from shopper.services.context import AppContext
from shopper.ui.template_editor.window import TemplateEditor
from tests.ui.template_editor.test_model import two_sections


def open_editor(qtbot: QtBot, ctx: AppContext) -> TemplateEditor:
    editor = TemplateEditor(ctx.engine, two_sections())
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitExposed(editor)
    return editor


def type_in(table: QTableWidget, row: int, column: int, text: str) -> None:
    cell = table.item(row, column)
    assert cell is not None
    cell.setText(text)


def test_changing_the_type_drops_what_the_new_type_does_not_take(
    qtbot: QtBot, ctx: AppContext
) -> None:
    editor = open_editor(qtbot, ctx)
    form = editor.item_form
    editor.select((0, 1))  # a duration: it has a target
    form.good.setFocus()
    form.good.setText("0:30")
    form.good.textEdited.emit("0:30")
    form.bad.setText("5:00")
    form.bad.textEdited.emit("5:00")
    assert editor.model.node((0, 1))["target"] == {"good": "0:30", "bad": "5:00"}
    assert form.rows["target"].isVisible() and not form.rows["options"].isVisible()
    form.set_type("single_choice")
    node = editor.model.node((0, 1))
    assert "target" not in node and node["type"] == "single_choice"
    assert [o["key"] for o in node["options"]] == ["option_1", "option_2"]
    assert form.rows["options"].isVisible() and not form.rows["target"].isVisible()
    assert editor.model.fault is None
    editor.model.undo_stack.undo()  # one step back: the duration with its target
    assert editor.model.node((0, 1))["target"] == {"good": "0:30", "bad": "5:00"}
    assert form.rows["target"].isVisible()
    assert form.good.text() == "0:30"


def test_options_are_edited_in_their_table(qtbot: QtBot, ctx: AppContext) -> None:
    editor = open_editor(qtbot, ctx)
    form = editor.item_form
    editor.select((1, 0))
    form.set_type("multi_choice")
    form.options.add()
    table = form.options.table
    assert table.rowCount() == 3
    type_in(table, 2, 1, "Called back")
    type_in(table, 2, 2, "2")  # a share of the points is at most 1
    assert editor.model.node((1, 0))["options"][2] == {
        "key": "option_3",
        "label": "Called back",
        "score": 2,
    }
    fault = editor.model.fault
    assert fault is not None and (fault.path, fault.field) == ((1, 0), "options")
    assert form.errors["options"].isVisible()
    assert "must be between 0 and 1" in form.errors["options"].text()
    assert "sections[1].items[0].options[2].score" in editor.fault_label.text()
    assert not editor.save_action.isEnabled() and not editor.try_action.isEnabled()
    type_in(table, 2, 2, "0.5")
    assert editor.model.fault is None and not form.errors["options"].isVisible()
    assert editor.save_action.isEnabled()


def test_a_fault_elsewhere_is_one_key_away(qtbot: QtBot, ctx: AppContext) -> None:
    editor = open_editor(qtbot, ctx)
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow, timeout=5000)
    editor.model.set_fields((1, 0), {"theme": "Not A Theme"})
    editor.select((0, 0))
    assert not editor.item_form.errors["theme"].isVisible()  # not this item's
    qtbot.keyClick(editor.tree, Qt.Key.Key_F8)
    assert editor.current_path() == (1, 0)
    assert editor.item_form.errors["theme"].isVisible()
    line = editor.item_form.theme.lineEdit()
    assert editor.item_form.theme.hasFocus() or (line is not None and line.hasFocus())


def test_items_move_with_alt_arrows_on_into_the_next_section(qtbot: QtBot, ctx: AppContext) -> None:
    editor = open_editor(qtbot, ctx)
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow, timeout=5000)
    editor.select((0, 1))
    editor.tree.setFocus()
    qtbot.keyClick(editor.tree, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert [i["id"] for i in editor.model.node((1,))["items"]] == ["hold", "kind"]
    assert editor.current_path() == (1, 0)
    qtbot.keyClick(editor.tree, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert [i["id"] for i in editor.model.node((0,))["items"]] == ["human", "hold"]
    qtbot.keyClick(editor.tree, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert [i["id"] for i in editor.model.node((0,))["items"]] == ["hold", "human"]


def test_show_if_names_another_item_and_its_answers(qtbot: QtBot, ctx: AppContext) -> None:
    editor = open_editor(qtbot, ctx)
    form = editor.item_form
    editor.select((1, 0))
    offered = [form.show_item.itemData(n) for n in range(form.show_item.count())]
    assert offered == ["", "human", "hold"]  # not the item itself
    form.show_item.setCurrentIndex(1)
    form.show_item.activated.emit(1)
    form.show_mode.setCurrentIndex(1)
    form.show_mode.activated.emit(1)
    form.show_values.setText("no, na")
    form.show_values.textEdited.emit("no, na")
    assert editor.model.node((1, 0))["show_if"] == {"item": "human", "not_equals": ["no", "na"]}
    template = editor.model.template
    assert template is not None and template.item("kind").show_if is not None
    form.show_item.setCurrentIndex(0)
    form.show_item.activated.emit(0)
    assert "show_if" not in editor.model.node((1, 0))


def test_a_follow_up_item_waits_days_for_its_answer(qtbot: QtBot, ctx: AppContext) -> None:
    editor = open_editor(qtbot, ctx)
    form = editor.item_form
    editor.select((0, 0))
    assert not form.later_days.isEnabled()
    form.later_kind.setCurrentIndex(1)
    form.later_kind.activated.emit(1)
    # Only a required item can wait: the loader says so under the field.
    fault = editor.model.fault
    assert fault is not None and (fault.path, fault.field) == ((0, 0), "later")
    assert "only a required item can wait" in form.errors["later"].text()
    form.required.setChecked(True)
    form.later_days.setValue(3)
    template = editor.model.template
    assert template is not None
    later = template.item("human").later
    assert later is not None and (later.days, later.working, later.otherwise) == (3, True, "no")


def test_words_in_other_languages(qtbot: QtBot, ctx: AppContext) -> None:
    editor = open_editor(qtbot, ctx)
    editor.model.set_fields((0, 0), {"translations": {"French (fr)": {"prompt": "Une personne ?"}}})
    editor.template_form.language.setText("English (en)")
    editor.template_form.language.textEdited.emit("English (en)")
    form = editor.item_form
    editor.select((0, 1))
    table = form.translations.table
    # French is a language of the template: this item shows its row, empty.
    language = table.item(0, 0)
    assert table.rowCount() == 1 and language is not None and language.text() == "French (fr)"
    type_in(table, 0, 1, "Temps d'attente")
    type_in(table, 0, 2, "En minutes")
    assert editor.model.node((0, 1))["translations"] == {
        "French (fr)": {"prompt": "Temps d'attente", "help": "En minutes"}
    }
    # A new language, for this item only: it becomes a language of the template.
    form.translations.add_language()
    type_in(table, 1, 0, "Polish (pl)")
    type_in(table, 1, 1, "Czas oczekiwania")
    assert editor.model.languages() == ["French (fr)", "Polish (pl)"]
    # Option labels get a column per language.
    editor.select((1, 0))
    form.set_type("single_choice")
    options = form.options.table
    assert options.columnCount() == 5
    type_in(options, 0, 3, "Oui")
    assert editor.model.node((1, 0))["options"][0]["translations"] == {"French (fr)": "Oui"}
    # A section's title too.
    editor.select((1,))
    type_in(editor.section_form.translations.table, 0, 1, "L'appel")
    template = editor.model.template
    assert template is not None, editor.model.fault
    assert template.language == "English (en)"
    assert template.languages == ("English (en)", "French (fr)", "Polish (pl)")
    assert template.item("hold").prompt_in("pl") == "Czas oczekiwania"
    assert template.item("kind").options[0].label_in("fr") == "Oui"
    assert template.sections[1].title_in("French (fr)") == "L'appel"
    # The template's own language is not one of its translations: said at the field.
    editor.select((0, 1))
    form.translations.add_language()
    type_in(table, 2, 0, "English (en)")
    type_in(table, 2, 1, "Waiting time")
    fault = editor.model.fault
    assert fault is not None and (fault.path, fault.field) == ((0, 1), "translations")
    assert form.errors["translations"].isVisible()


def test_bands_change_in_their_dialog_as_one_undo_step(qtbot: QtBot, ctx: AppContext) -> None:
    editor = open_editor(qtbot, ctx)
    form = editor.template_form
    assert form.bands_summary.text().replace("\u00a0", " ") == (
        "Good from 80 % · Needs work from 60 % · Fail from 0 % (fails)"
    )
    dialog = form.edit_bands()
    type_in(dialog.table, 1, 1, "50")
    passes = dialog.table.item(1, 2)
    assert passes is not None
    passes.setCheckState(Qt.CheckState.Unchecked)
    dialog.accept()
    template = editor.model.template
    assert template is not None
    assert [(b.name, b.min_percent, b.passed) for b in template.bands] == [
        ("Good", 80, True),
        ("Needs work", 50, False),
        ("Fail", 0, False),
    ]
    assert "Needs work from 50 % (fails)" in form.bands_summary.text().replace("\u00a0", " ")
    # No band from 0: the loader's message under the bands.
    dialog = form.edit_bands()
    dialog.table.removeRow(2)
    dialog.accept()
    assert form.errors["bands"].isVisible()
    assert "one band must start at min: 0" in form.errors["bands"].text()
    editor.model.undo_stack.undo()
    editor.model.undo_stack.undo()
    assert "bands" not in editor.model.doc and editor.model.fault is None


def test_every_row_label_takes_the_keyboard_to_its_field(qtbot: QtBot, ctx: AppContext) -> None:
    from PySide6.QtWidgets import QLabel

    editor = open_editor(qtbot, ctx)
    for form in (editor.template_form, editor.section_form, editor.item_form):
        for key, row in form.rows.items():
            label = form.form.labelForField(row)
            assert isinstance(label, QLabel), key
            buddy = label.buddy()
            assert buddy is not None and buddy.focusPolicy() != Qt.FocusPolicy.NoFocus, key


def test_f6_goes_between_the_tree_and_the_form(qtbot: QtBot, ctx: AppContext) -> None:
    editor = open_editor(qtbot, ctx)
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow, timeout=5000)
    editor.select((0, 1))
    editor.tree.setFocus()
    qtbot.keyClick(editor.tree, Qt.Key.Key_F6)
    assert editor.item_form.prompt.hasFocus()
    qtbot.keyClick(editor.item_form.prompt, Qt.Key.Key_F6)
    assert editor.tree.hasFocus()
    editor.select((1,))
    qtbot.keyClick(editor.tree, Qt.Key.Key_F6)
    assert editor.section_form.title.hasFocus()


def test_an_information_item_takes_its_text_help_and_a_show_if_only(
    qtbot: QtBot, ctx: AppContext
) -> None:
    editor = open_editor(qtbot, ctx)
    form = editor.item_form
    offered = [form.type.itemText(n) for n in range(form.type.count())]
    assert "Information" in offered
    editor.select((0, 0))  # a yes/no: weighted, required and critical first
    form.required.setChecked(True)
    form.critical.setChecked(True)
    editor.select((1, 0))
    form.set_type("info")
    node = editor.model.node((1, 0))
    assert node == {"id": "kind", "prompt": "Were they kind?", "type": "info"}
    for key in ("prompt", "help", "type", "show_if", "translations"):
        assert form.rows[key].isVisible(), key
    for key in ("weight", "required", "critical", "na", "theme", "later", "scale", "options"):
        assert not form.rows[key].isVisible(), key
    assert editor.model.fault is None
    template = editor.model.template
    assert template is not None and not template.item("kind").answerable
    # Nothing may depend on it: the show-if of another item does not offer it.
    editor.select((0, 1))
    offered_ids = [form.show_item.itemData(n) for n in range(form.show_item.count())]
    assert offered_ids == ["", "human"]
    # A weight written by hand is still shown, with the loader's message under it.
    editor.select((1, 0))
    editor.model.set_fields((1, 0), {"weight": 2}, "Weight")
    assert form.rows["weight"].isVisible()
    fault = editor.model.fault
    assert fault is not None and fault.message == "an information item takes no weight"
    assert form.errors["weight"].isVisible()
    editor.model.undo_stack.undo()
    editor.model.undo_stack.undo()  # back to the rating it was
    assert editor.model.node((1, 0))["type"] == "rating"
    assert form.rows["weight"].isVisible()
