"""The editor's tree model: sections and items, undoable changes, the loader's verdict."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt

from shopper.services.template_edits import new_template_data
from shopper.ui.template_editor.model import Fault, TemplateModel


def two_sections() -> dict[str, Any]:
    data = new_template_data(title="Phone check", touchpoint="phone")
    data["sections"] = [
        {
            "id": "reach",
            "title": "Reaching someone",
            "items": [
                {"id": "human", "prompt": "A live person?", "type": "yes_no"},
                {"id": "hold", "prompt": "Time on hold", "type": "duration"},
            ],
        },
        {
            "id": "talk",
            "title": "The call",
            "items": [{"id": "kind", "prompt": "Were they kind?", "type": "rating"}],
        },
    ]
    return data


def test_the_model_passes_qtmodeltester(qtmodeltester: Any) -> None:
    model = TemplateModel(two_sections())
    qtmodeltester.check(model, force_py=True)
    model.insert((1, 1), {"id": "x", "prompt": "More?", "type": "text"}, "New item")
    model.move((0, 0), (1, 0))
    model.remove((0,))
    qtmodeltester.check(model, force_py=True)


def test_tree_shows_sections_and_their_items() -> None:
    model = TemplateModel(two_sections())
    assert model.rowCount() == 2
    reach = model.index(0, 0)
    assert reach.data() == "Reaching someone"
    assert model.rowCount(reach) == 2
    assert model.index(1, 0, reach).data() == "Time on hold"
    assert model.path_of(model.index(1, 0, reach)) == (0, 1)
    assert model.index_of((1, 0)).data() == "Were they kind?"


def test_every_change_undoes_and_redoes() -> None:
    start = two_sections()
    model = TemplateModel(start)
    model.set_fields((0, 0), {"prompt": "Did a person answer?"}, typing=True)
    model.set_fields((0, 0), {"weight": 2})
    model.insert((0, 2), {"id": "new", "prompt": "New?", "type": "yes_no"}, "New item")
    model.move((1, 0), (0, 0))
    model.remove((0, 1))
    after = [item_id for item_id, _prompt in model.item_ids()]
    assert after == ["kind", "hold", "new"]
    stack = model.undo_stack
    while stack.canUndo():
        stack.undo()
    assert model.doc == start
    while stack.canRedo():
        stack.redo()
    assert [item_id for item_id, _prompt in model.item_ids()] == after
    assert model.item_data("human") is None
    assert model.node((0,))["items"][0]["id"] == "kind"


def test_typing_in_one_field_is_one_undo_step() -> None:
    model = TemplateModel(two_sections())
    for text in ("D", "Di", "Did"):
        model.set_fields((0, 0), {"prompt": text}, typing=True)
    model.set_fields((0, 1), {"prompt": "Hold"}, typing=True)
    assert model.undo_stack.count() == 2
    model.undo_stack.undo()
    model.undo_stack.undo()
    assert model.node((0, 0))["prompt"] == "A live person?"


def test_the_loaders_message_names_the_node_and_field_at_fault() -> None:
    model = TemplateModel(two_sections())
    assert model.fault is None and model.template is not None
    faults: list[Fault | None] = []
    model.validated.connect(faults.append)
    model.set_fields((1, 0), {"type": "yesno"})
    fault = model.fault
    assert fault is not None and faults[-1] == fault
    assert (fault.path, fault.field) == ((1, 0), "type")
    assert fault.line.startswith("sections[1].items[0].type: unknown type 'yesno'")
    assert fault.message.startswith("unknown type 'yesno'")
    assert model.template is None
    assert model.index_of((1, 0)).data().startswith("⚠")
    assert model.index_of((1, 0)).data(Qt.ItemDataRole.ToolTipRole) == fault.line
    model.undo_stack.undo()
    assert model.fault is None and faults[-1] is None


def test_faults_on_the_template_and_a_section() -> None:
    model = TemplateModel(two_sections())
    model.set_fields((), {"title": None})
    assert model.fault is not None
    assert (model.fault.path, model.fault.field) == ((), "title")
    model.undo_stack.undo()
    model.set_fields((0,), {"id": "has space"})
    assert model.fault is not None
    assert (model.fault.path, model.fault.field) == ((0,), "id")


def test_show_if_naming_a_missing_item_is_placed_at_its_field() -> None:
    model = TemplateModel(two_sections())
    model.set_fields((0, 1), {"show_if": {"item": "nobody", "equals": "yes"}})
    assert model.fault is not None
    assert (model.fault.path, model.fault.field) == ((0, 1), "show_if")
    assert "missing item 'nobody'" in model.fault.message


def test_a_drop_moves_an_item_into_another_section_as_one_undo_step() -> None:
    model = TemplateModel(two_sections())
    mime = model.mimeData([model.index_of((0, 0))])
    talk = model.index_of((1,))
    # The model makes the move itself; False keeps the view from removing the source again.
    assert not model.dropMimeData(mime, Qt.DropAction.MoveAction, 1, 0, talk)
    assert [i["id"] for i in model.node((1,))["items"]] == ["kind", "human"]
    assert model.undo_stack.count() == 1
    # Dropped on an item: just after it, in its section.
    mime = model.mimeData([model.index_of((1, 1))])
    model.dropMimeData(mime, Qt.DropAction.MoveAction, -1, -1, model.index_of((0, 0)))
    assert [i["id"] for i in model.node((0,))["items"]] == ["hold", "human"]
    # A section dropped at the top.
    mime = model.mimeData([model.index_of((1,))])
    model.dropMimeData(mime, Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    assert [s["id"] for s in model.sections] == ["talk", "reach"]


def test_new_ids_are_unused() -> None:
    model = TemplateModel(two_sections())
    model.insert((0, 0), {"id": "item_1", "prompt": "x", "type": "text"}, "New item")
    assert model.new_id("item") == "item_2"
    assert model.new_id("section") == "section_1"
