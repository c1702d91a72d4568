"""The template being edited: its data as the loader reads it, a tree model of its sections
and items, every change an undoable command, and the loader's verdict after each change.

The working copy is the plain data a template file holds (mappings and lists), so the
loader's own validation runs on it unchanged and its messages name the field at fault
(`sections[2].items[4].type: unknown type 'yesno'`): `Fault` turns such a message back
into the node and the field a form shows it beside.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QUndoCommand, QUndoStack

from shopper.domain.errors import TemplateError
from shopper.domain.template import ItemType, Template
from shopper.domain.template_loader import template_from_data

Path = tuple[int, ...]
"""() the template, (s,) its section s, (s, i) item i of section s."""

MIME = "application/x-shopper-template-node"
FAULT_NAME = "template"
"""The name the loader's messages start with; stripped before they are shown."""
# The path runs to the first ": " (a language in it, "translations.French (fr)", has spaces).
_FAULT_RE = re.compile(r"(?:sections\[(\d+)\](?:\.items\[(\d+)\])?)?\.?([A-Za-z_]*)[^:]*?: (.*)")
_MERGE_TYPING = 1
_FAULT_COLOR = QColor("#b3261e")

AnyIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Fault:
    """The loader's verdict on the working copy, placed.

    Attributes:
        path: the node at fault (() for the template itself).
        field: the field of that node ("type", "options", ""), as in the file.
        message: what is wrong, without the path.
        line: the loader's whole line, path included.
    """

    path: Path
    field: str
    message: str
    line: str

    @classmethod
    def from_error(cls, text: str) -> Fault:
        line = text.removeprefix(f"{FAULT_NAME}: ")
        found = _FAULT_RE.fullmatch(line)
        if found is None:
            return cls((), "", line, line)
        section, item, field, message = found.groups()
        path: Path = ()
        if section is not None:
            path = (int(section),) if item is None else (int(section), int(item))
        if field == "items" and len(path) == 2:
            field = ""
        return cls(path, field, message, line)


class TemplateModel(QAbstractItemModel):
    """Sections (top level) and their items (children) of the template being edited."""

    fields_changed = Signal(tuple, list)
    """(path, keys): fields of one node changed (by an edit, an undo or a redo)."""
    validated = Signal(object)
    """The loader's verdict after a change: a `Fault`, or None when the template is valid."""

    def __init__(self, data: dict[str, Any], parent: Any = None) -> None:
        super().__init__(parent)
        self.doc: dict[str, Any] = copy.deepcopy(data)
        self.doc.setdefault("sections", [])
        for section in self.doc["sections"]:
            section.setdefault("items", [])
        self.undo_stack = QUndoStack(self)
        self.fault: Fault | None = None
        self.template: Template | None = None
        self.validate()

    # -- reading ----------------------------------------------------------------------

    @property
    def sections(self) -> list[dict[str, Any]]:
        sections: list[dict[str, Any]] = self.doc["sections"]
        return sections

    def node(self, path: Path) -> dict[str, Any]:
        if not path:
            return self.doc
        section = self.sections[path[0]]
        return section if len(path) == 1 else section["items"][path[1]]

    def path_of(self, index: AnyIndex) -> Path:
        if not index.isValid():
            return ()
        parent = index.parent()
        return (index.row(),) if not parent.isValid() else (parent.row(), index.row())

    def index_of(self, path: Path) -> QModelIndex:
        if not path:
            return QModelIndex()
        section = self.index(path[0], 0)
        return section if len(path) == 1 else self.index(path[1], 0, section)

    def item_ids(self) -> list[tuple[str, str]]:
        """(id, prompt) of every item, in order: what a show-if may name."""
        return [
            (str(item.get("id", "")), str(item.get("prompt", "")))
            for section in self.sections
            for item in section["items"]
        ]

    def question_ids(self) -> list[tuple[str, str]]:
        """(id, prompt) of every item that asks something: what a show-if may name (never
        an information item)."""
        return [
            (str(item.get("id", "")), str(item.get("prompt", "")))
            for section in self.sections
            for item in section["items"]
            if item.get("type") != ItemType.INFO.value
        ]

    def item_data(self, item_id: str) -> dict[str, Any] | None:
        for section in self.sections:
            for item in section["items"]:
                if item.get("id") == item_id:
                    return item
        return None

    def languages(self) -> list[str]:
        """The languages the template has words in besides its own, in order of first use."""
        found: dict[str, None] = {}
        for section in self.sections:
            found.update(dict.fromkeys(_languages(section)))
            for item in section["items"]:
                found.update(dict.fromkeys(_languages(item)))
                for option in item.get("options") or ():
                    if isinstance(option, dict):
                        found.update(dict.fromkeys(_languages(option)))
        return list(found)

    def new_id(self, prefix: str) -> str:
        """An id not used yet: item_13, section_3."""
        used = {str(s.get("id")) for s in self.sections}
        used.update(item_id for item_id, _prompt in self.item_ids())
        number = 1
        while f"{prefix}_{number}" in used:
            number += 1
        return f"{prefix}_{number}"

    # -- changing (undoably) ------------------------------------------------------------

    def set_fields(
        self, path: Path, changes: dict[str, Any], text: str = "", *, typing: bool = False
    ) -> None:
        """Set fields of one node (None removes a field). `typing`: one undo step for a run
        of changes to the same field, as a text field's keystrokes."""
        node = self.node(path)
        if all(node.get(k) == v for k, v in changes.items()):
            return
        self.undo_stack.push(_SetFields(self, path, changes, text, typing))

    def insert(self, path: Path, node: dict[str, Any], text: str) -> None:
        self.undo_stack.push(_Insert(self, path, node, text))

    def remove(self, path: Path) -> None:
        kind = "section" if len(path) == 1 else "item"
        self.undo_stack.push(_Remove(self, path, f"Delete {kind}"))

    def move(self, source: Path, target: Path) -> bool:
        """Move a node to `target` (its place once it is taken out); False if impossible."""
        if len(source) != len(target) or source == target:
            return False
        if len(target) == 2:
            if not 0 <= target[0] < len(self.sections):
                return False
            room = len(self.sections[target[0]]["items"]) - (target[0] == source[0])
        else:
            room = len(self.sections) - 1
        if not 0 <= target[-1] <= room:
            return False
        self.undo_stack.push(_Move(self, source, target))
        return True

    # -- the raw changes the commands make -----------------------------------------------

    def _apply_fields(self, path: Path, values: dict[str, Any]) -> None:
        node = self.node(path)
        for key, value in values.items():
            if value is None:
                node.pop(key, None)
            else:
                node[key] = copy.deepcopy(value)
        if len(path) > 0 and {"title", "prompt", "type", "id"} & values.keys():
            index = self.index_of(path)
            self.dataChanged.emit(index, index)
        self.fields_changed.emit(path, list(values))
        self.validate()

    def _insert_node(self, path: Path, node: dict[str, Any]) -> None:
        parent = self.index_of(path[:-1])
        self.beginInsertRows(parent, path[-1], path[-1])
        siblings = self.sections if len(path) == 1 else self.sections[path[0]]["items"]
        siblings.insert(path[-1], copy.deepcopy(node))
        self.endInsertRows()
        self.validate()

    def _remove_node(self, path: Path) -> dict[str, Any]:
        parent = self.index_of(path[:-1])
        self.beginRemoveRows(parent, path[-1], path[-1])
        siblings = self.sections if len(path) == 1 else self.sections[path[0]]["items"]
        node = siblings.pop(path[-1])
        self.endRemoveRows()
        self.validate()
        return node

    def validate(self) -> None:
        try:
            self.template = template_from_data(self.doc, name=FAULT_NAME)
        except TemplateError as exc:
            fault: Fault | None = Fault.from_error(str(exc))
            self.template = None
        else:
            fault = None
        old = self.fault
        self.fault = fault
        for path in {old.path if old else (), fault.path if fault else ()} - {()}:
            index = self.index_of(path)
            if index.isValid():
                self.dataChanged.emit(index, index)
        self.validated.emit(fault)

    # -- Qt's model ----------------------------------------------------------------------

    def index(
        self,
        row: int,
        column: int,
        parent: AnyIndex = QModelIndex(),  # noqa: B008
    ) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        # internalId: 0 for a section, 1 + its section's row for an item.
        return self.createIndex(row, column, 0 if not parent.isValid() else parent.row() + 1)

    def parent(  # type: ignore[override]
        self,
        index: AnyIndex = QModelIndex(),  # noqa: B008
    ) -> QModelIndex:
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, 0)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self.sections)
        if parent.column() != 0 or parent.internalId() != 0:
            return 0
        return len(self.sections[parent.row()]["items"])

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 1

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        path = self.path_of(index)
        node = self.node(path)
        at_fault = self.fault is not None and self.fault.path == path
        if role == Qt.ItemDataRole.DisplayRole:
            if len(path) == 1:
                return str(node.get("title") or node.get("id") or "(untitled section)")
            mark = "⚠ " if at_fault else ""
            return f"{mark}{node.get('prompt') or '(no question yet)'}"
        if role == Qt.ItemDataRole.ToolTipRole:
            if at_fault and self.fault is not None:
                return self.fault.line
            kind = node.get("type", "")
            if kind in ItemType.__members__.values():
                kind = ItemType(kind).label
            return f"{node.get('id', '')} · {kind}" if len(path) == 2 else node.get("id", "")
        if role == Qt.ItemDataRole.ForegroundRole and at_fault:
            return QBrush(_FAULT_COLOR)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        return base | Qt.ItemFlag.ItemIsDragEnabled | Qt.ItemFlag.ItemIsDropEnabled

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME]

    def mimeData(self, indexes: Any) -> QMimeData:
        mime = QMimeData()
        paths = [self.path_of(i) for i in indexes if i.isValid()]
        if paths:
            mime.setData(MIME, QByteArray(json.dumps(list(paths[0])).encode()))
        return mime

    def drop_target(self, source: Path, row: int, parent: AnyIndex) -> Path | None:
        """Where a node dragged from `source` lands when dropped at (row, parent)."""
        where = self.path_of(parent)
        if len(source) == 2:
            if len(where) == 1:  # into a section, at a row (or at its end)
                section, place = where[0], row if row >= 0 else len(self.node(where)["items"])
            elif len(where) == 2:  # onto an item: just after it
                section, place = where[0], where[1] + 1
            else:
                return None
            if section == source[0] and place > source[1]:
                place -= 1  # its own place frees up first
            return (section, place)
        if len(source) == 1:
            if len(where) == 0:
                place = row if row >= 0 else len(self.sections)
            else:
                place = where[0] + (0 if len(where) == 1 and row >= 0 else 1)
            if place > source[0]:
                place -= 1
            return (place,)
        return None

    def dropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: AnyIndex,
    ) -> bool:
        if action != Qt.DropAction.MoveAction or not data.hasFormat(MIME):
            return False
        source = tuple(json.loads(bytes(data.data(MIME).data()).decode()))
        target = self.drop_target(source, row, parent)
        if target is not None:
            self.move(source, target)
        # The move is done (one undo step); False keeps the view from removing the source
        # rows again as it would after a move it thinks the drop made by copying.
        return False


def _languages(node: dict[str, Any]) -> list[str]:
    words = node.get("translations")
    return [str(k) for k in words] if isinstance(words, dict) else []


class _SetFields(QUndoCommand):
    def __init__(
        self, model: TemplateModel, path: Path, changes: dict[str, Any], text: str, typing: bool
    ) -> None:
        super().__init__(text or f"Change {', '.join(changes)}")
        self.model = model
        self.path = path
        node = model.node(path)
        self.before = {k: copy.deepcopy(node.get(k)) for k in changes}
        self.after = copy.deepcopy(changes)
        self.typing = typing

    def id(self) -> int:
        return _MERGE_TYPING if self.typing else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, _SetFields) or not other.typing:
            return False
        if other.path != self.path or other.after.keys() != self.after.keys():
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        self.model._apply_fields(self.path, self.after)

    def undo(self) -> None:
        self.model._apply_fields(self.path, self.before)


class _Insert(QUndoCommand):
    def __init__(self, model: TemplateModel, path: Path, node: dict[str, Any], text: str) -> None:
        super().__init__(text)
        self.model, self.path, self.node_data = model, path, copy.deepcopy(node)

    def redo(self) -> None:
        self.model._insert_node(self.path, self.node_data)

    def undo(self) -> None:
        self.model._remove_node(self.path)


class _Remove(QUndoCommand):
    def __init__(self, model: TemplateModel, path: Path, text: str) -> None:
        super().__init__(text)
        self.model, self.path = model, path
        self.node_data: dict[str, Any] = {}

    def redo(self) -> None:
        self.node_data = self.model._remove_node(self.path)

    def undo(self) -> None:
        self.model._insert_node(self.path, self.node_data)


class _Move(QUndoCommand):
    def __init__(self, model: TemplateModel, source: Path, target: Path) -> None:
        super().__init__("Move " + ("item" if len(source) == 2 else "section"))
        self.model, self.source, self.target = model, source, target

    def redo(self) -> None:
        self.model._insert_node(self.target, self.model._remove_node(self.source))

    def undo(self) -> None:
        self.model._insert_node(self.source, self.model._remove_node(self.target))
