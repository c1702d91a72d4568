"""The forms beside the tree: the template's own fields, a section's, an item's.

Each form shows one node of the `TemplateModel` and turns every edit into an undoable
change of that node's data; an undo or redo reloads the fields it touched. The loader's
message for the field at fault appears right under that field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, overload

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.answers import format_duration
from shopper.domain.template import DEFAULT_BANDS, KNOWN_THEMES, TOUCHPOINTS, ItemType
from shopper.ui.template_editor.model import Fault, Path, TemplateModel

_CHOICES = (ItemType.SINGLE_CHOICE, ItemType.MULTI_CHOICE)
_NUMERIC = (ItemType.NUMBER, ItemType.COUNT, ItemType.DURATION)
_ASKING = tuple(t for t in ItemType if t is not ItemType.INFO)
"""Every type but an information item, which takes its text, help and a show-if only."""
TYPE_ROWS: dict[str, tuple[ItemType, ...]] = {
    "weight": _ASKING,
    "required": _ASKING,
    "critical": _ASKING,
    "theme": _ASKING,
    "later": _ASKING,
    "pass": (ItemType.YES_NO,),
    "options": _CHOICES,
    "scale": (ItemType.RATING,),
    "target": _NUMERIC,
    "min": (ItemType.NUMBER, ItemType.COUNT),
    "max": (ItemType.NUMBER, ItemType.COUNT),
    "unit": (ItemType.NUMBER, ItemType.COUNT),
    "na": tuple(t for t in _ASKING if t is not ItemType.TEXT),
}
"""The item fields that only some types have (the loader refuses them on the others)."""
ALWAYS_SHOWN = "(always shown)"
TYPING_EDITS = (
    QAbstractItemView.EditTrigger.AnyKeyPressed
    | QAbstractItemView.EditTrigger.EditKeyPressed
    | QAbstractItemView.EditTrigger.DoubleClicked
)
"""A table's cell is edited by typing in it, as a spreadsheet's."""


def scalar(text: str) -> Any:
    """What a typed value means in the file: nothing, a whole number, a number, or text."""
    text = text.strip()
    if not text:
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def shown(value: Any) -> str:
    """A value from the file as a field shows it (YAML's yes/no booleans as the words)."""
    if value is None:
        return ""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class NodeForm(QWidget):
    """Rows of fields for one node, each with room for the loader's message under it."""

    def __init__(self, model: TemplateModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.path: Path = ()
        self._loading = False
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.general_error = QLabel()
        self.general_error.setObjectName("error")
        self.general_error.setWordWrap(True)
        self.general_error.hide()
        outer = QVBoxLayout(self)
        outer.addWidget(self.general_error)
        outer.addLayout(self.form)
        outer.addStretch(1)
        self.rows: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self.loaders: list[tuple[tuple[str, ...], Callable[[dict[str, Any]], None]]] = []
        model.fields_changed.connect(self._fields_changed)
        model.validated.connect(self.show_fault)

    def add_row(self, key: str, label: str, field: QWidget) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(field)
        error = QLabel()
        error.setObjectName("error")
        error.setWordWrap(True)
        error.hide()
        column.addWidget(error)
        title = QLabel(label)
        title.setBuddy(first_focusable(field))
        self.form.addRow(title, box)
        self.rows[key] = box
        self.errors[key] = error
        return box

    def on_load(self, keys: tuple[str, ...], loader: Callable[[dict[str, Any]], None]) -> None:
        """Call `loader` with the node's data whenever one of `keys` changes."""
        self.loaders.append((keys, loader))

    def change(self, changes: dict[str, Any], text: str = "", *, typing: bool = False) -> None:
        if not self._loading:
            self.model.set_fields(self.path, changes, text, typing=typing)

    @overload
    def text_row(self, key: str, label: str) -> QLineEdit: ...

    @overload
    def text_row(self, key: str, label: str, *, multi: Literal[True]) -> QPlainTextEdit: ...

    def text_row(self, key: str, label: str, *, multi: bool = False) -> QLineEdit | QPlainTextEdit:
        """A text field for `key` (removed from the file while empty)."""
        if multi:
            area = QPlainTextEdit()
            area.setTabChangesFocus(True)
            area.setMaximumHeight(area.fontMetrics().lineSpacing() * 4 + 12)

            def edited_area() -> None:
                self.change({key: area.toPlainText() or None}, typing=True)

            area.textChanged.connect(edited_area)

            def load_area(node: dict[str, Any]) -> None:
                if area.toPlainText() != shown(node.get(key)):
                    area.setPlainText(shown(node.get(key)))

            self.on_load((key,), load_area)
            self.add_row(key, label, area)
            return area
        line = QLineEdit()
        line.textEdited.connect(lambda text: self.change({key: text or None}, typing=True))

        def load_line(node: dict[str, Any]) -> None:
            if line.text() != shown(node.get(key)):
                line.setText(shown(node.get(key)))

        self.on_load((key,), load_line)
        self.add_row(key, label, line)
        return line

    def load(self, path: Path) -> None:
        """Show the node at `path`."""
        self.path = path
        self._reload(None)
        self.show_fault(self.model.fault)

    def _reload(self, keys: list[str] | None) -> None:
        node = self.model.node(self.path)
        self._loading = True
        try:
            for wanted, loader in self.loaders:
                if keys is None or set(wanted) & set(keys):
                    loader(node)
        finally:
            self._loading = False

    def _fields_changed(self, path: Path, keys: list[str]) -> None:
        if path == self.path and self.isVisible():
            self._reload(keys)

    def show_fault(self, fault: Fault | None) -> None:
        mine = fault is not None and fault.path == self.path
        placed = False
        for key, label in self.errors.items():
            here = mine and fault is not None and fault.field == key
            label.setText(fault.message if here and fault is not None else "")
            label.setVisible(here)
            placed = placed or here
        general = mine and not placed and fault is not None
        self.general_error.setText(fault.line if general and fault is not None else "")
        self.general_error.setVisible(general)


class TemplateForm(NodeForm):
    """The checklist's title, touchpoint and description."""

    def __init__(self, model: TemplateModel, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.title = self.text_row("title", "Tit&le")
        self.touchpoint = QComboBox()
        for key, label in TOUCHPOINTS.items():
            self.touchpoint.addItem(label, key)
        self.touchpoint.activated.connect(
            lambda _n: self.change({"touchpoint": self.touchpoint.currentData()}, "Touchpoint")
        )

        def load_touchpoint(node: dict[str, Any]) -> None:
            self.touchpoint.setCurrentIndex(
                max(0, self.touchpoint.findData(node.get("touchpoint")))
            )

        self.on_load(("touchpoint",), load_touchpoint)
        self.add_row("touchpoint", "Tou&chpoint", self.touchpoint)
        self.description = self.text_row("description", "&Description", multi=True)
        self.language = self.text_row("language", "Lan&guage")
        self.language.setPlaceholderText("its own language, e.g. English (en); optional")
        self.language.setToolTip("Questions in other languages are given per item and section")
        self._bands_row()
        self.bands_dialog: BandsDialog | None = None
        self.load(())

    def _bands_row(self) -> None:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.bands_summary = QLabel()
        self.bands_summary.setWordWrap(True)
        change = QPushButton("Change…")
        change.clicked.connect(self.edit_bands)
        row.addWidget(self.bands_summary, 1)
        row.addWidget(change)
        box.setFocusProxy(change)

        def load(node: dict[str, Any]) -> None:
            self.bands_summary.setText(bands_text(_bands_of(node)))

        self.on_load(("bands",), load)
        self.add_row("bands", "&Bands", box)

    def edit_bands(self) -> BandsDialog:
        """The pass/fail bands in a small dialog; OK changes them as one undo step."""
        dialog = BandsDialog(_bands_of(self.model.node(())), self)
        dialog.accepted.connect(lambda: self._bands_chosen(dialog.bands()))
        self.bands_dialog = dialog
        dialog.open()
        return dialog

    def _bands_chosen(self, bands: list[dict[str, Any]]) -> None:
        self.change({"bands": None if bands == _default_bands() else bands}, "Bands")


def _default_bands() -> list[dict[str, Any]]:
    return [
        {"name": b.name, "min": _whole(b.min_percent), **({} if b.passed else {"pass": False})}
        for b in DEFAULT_BANDS
    ]


def _bands_of(node: dict[str, Any]) -> list[dict[str, Any]]:
    bands = node.get("bands")
    if not isinstance(bands, list):
        return _default_bands()
    return [dict(b) if isinstance(b, dict) else {"name": shown(b)} for b in bands]


def _whole(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def bands_text(bands: list[dict[str, Any]]) -> str:
    """ "Good from 80 % · Needs work from 60 % · Fail from 0 % (fails)"."""
    parts = []
    for band in bands:
        fails = " (fails)" if band.get("pass") is False else ""
        # No break inside "from 80 %": the summary wraps between bands.
        parts.append(f"{shown(band.get('name'))} from\u00a0{shown(band.get('min'))}\u00a0%{fails}")
    return " · ".join(parts)


class BandsDialog(QDialog):
    """The bands an audit's score falls in: a name, the lowest score and whether it passes."""

    def __init__(self, bands: list[dict[str, Any]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Pass and fail bands")
        hint = QLabel(
            "An audit falls in the band with the highest start its score reaches; one band "
            "must start at 0. A critical failure fails the audit whatever its band."
        )
        hint.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Band", "From (%)", "Passes"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(TYPING_EDITS)
        for band in bands:
            self.add_band(band)
        add = QPushButton("&Add band")
        add.clicked.connect(lambda: self.add_band({"name": "", "min": 0}))
        remove = QPushButton("&Remove band")
        remove.clicked.connect(lambda: self.table.removeRow(self.table.currentRow()))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.table)
        layout.addLayout(row)
        layout.addWidget(buttons)
        self.resize(460, 320)

    def add_band(self, band: dict[str, Any]) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(shown(band.get("name"))))
        self.table.setItem(row, 1, QTableWidgetItem(shown(band.get("min"))))
        passes = QTableWidgetItem("")
        passes.setFlags(passes.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        passes.setFlags(passes.flags() & ~Qt.ItemFlag.ItemIsEditable)
        passes.setCheckState(
            Qt.CheckState.Unchecked if band.get("pass") is False else Qt.CheckState.Checked
        )
        self.table.setItem(row, 2, passes)

    def bands(self) -> list[dict[str, Any]]:
        found = []
        for row in range(self.table.rowCount()):
            name, start, passes = (self.table.item(row, c) for c in range(3))
            band: dict[str, Any] = {"name": name.text().strip() if name else ""}
            minimum = scalar(start.text()) if start else None
            band["min"] = minimum if minimum is not None else ""
            if passes is not None and passes.checkState() == Qt.CheckState.Unchecked:
                band["pass"] = False
            found.append(band)
        return found


class SectionForm(NodeForm):
    """A section's id, title and description."""

    def __init__(self, model: TemplateModel, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.title = self.text_row("title", "Section &title")
        self.section_id = self.text_row("id", "Section &id")
        self.description = self.text_row("description", "Section desc&ription", multi=True)
        self.translations = TranslationsEditor(self, (("title", "Title"),))
        self.add_row("translations", "In other languages", self.translations)


class ItemForm(NodeForm):
    """Every field of an item: the ones its type does not take are hidden."""

    def __init__(self, model: TemplateModel, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.prompt = self.text_row("prompt", "&Question")
        self.item_id = self.text_row("id", "&Id")
        self.item_id.setToolTip("Comparisons line audits up by this id: keep it when rewording")
        self._type_row()
        self.help = self.text_row("help", "&Help", multi=True)
        self._weight_row()
        self.required = self._flag(
            "required", "Re&quired", "The audit cannot be completed without it"
        )
        self.critical = self._flag("critical", "C&ritical", "A failed answer fails the whole audit")
        self._na_row()
        self._pass_row()
        self._theme_row()
        self.options = OptionsEditor(self)
        self.add_row("options", "&Options", self.options)
        self._scale_row()
        self._target_row()
        self.minimum = self.text_row("min", "Mi&nimum")
        self.maximum = self.text_row("max", "Ma&ximum")
        self.unit = self.text_row("unit", "&Unit")
        self._show_if_row()
        self._later_row()
        self.translations = TranslationsEditor(self, (("prompt", "Question"), ("help", "Help")))
        self.add_row("translations", "In other languages", self.translations)

    # -- rows -------------------------------------------------------------------------

    def _type_row(self) -> None:
        self.type = QComboBox()
        for kind in ItemType:
            self.type.addItem(kind.label, kind.value)
        self.type.activated.connect(lambda _n: self.set_type(self.type.currentData()))

        def load(node: dict[str, Any]) -> None:
            found = self.type.findData(node.get("type"))
            self.type.setCurrentIndex(found)

        self.on_load(("type",), load)
        # A field the type does not take stays in view while it is there (with its fault).
        self.on_load(("type", *TYPE_ROWS), self._type_rows)
        self.add_row("type", "T&ype", self.type)

    def set_type(self, kind: str) -> None:
        """Change the type, dropping the fields the new type does not take (one undo step)."""
        node = self.model.node(self.path)
        if node.get("type") == kind:
            return
        new = ItemType(kind)
        changes: dict[str, Any] = {"type": kind}
        for key, types in TYPE_ROWS.items():
            if key in node and new not in types:
                changes[key] = None
        if new in _CHOICES and "options" not in node:
            changes["options"] = [
                {"key": "option_1", "label": "Option 1", "score": 1},
                {"key": "option_2", "label": "Option 2", "score": 0},
            ]
        if node.get("critical") and new in (ItemType.TEXT, ItemType.DATETIME):
            changes["critical"] = None
        self.change(changes, "Change type")

    def _type_rows(self, node: dict[str, Any]) -> None:
        try:
            kind: ItemType | None = ItemType(str(node.get("type")))
        except ValueError:
            kind = None
        for key, types in TYPE_ROWS.items():
            self.form.setRowVisible(self.rows[key], kind in types or key in node)
        prompt_label = self.form.labelForField(self.rows["prompt"])
        if isinstance(prompt_label, QLabel):
            prompt_label.setText("&Text" if kind is ItemType.INFO else "&Question")

    def _weight_row(self) -> None:
        self.weight = QDoubleSpinBox()
        self.weight.setRange(0, 1000)
        self.weight.setDecimals(2)
        self.weight.setSingleStep(0.5)
        self.weight.setToolTip("Points the item is worth; 0 leaves it unscored")

        def edited(value: float) -> None:
            number: float | int = int(value) if value.is_integer() else value
            self.change({"weight": None if number == 1 else number}, "Weight", typing=True)

        self.weight.valueChanged.connect(edited)

        def load(node: dict[str, Any]) -> None:
            value = node.get("weight", 1)
            self.weight.setValue(float(value) if isinstance(value, int | float) else 1.0)

        self.on_load(("weight",), load)
        self.add_row("weight", "&Weight", self.weight)

    def _flag(self, key: str, label: str, tip: str) -> QCheckBox:
        box = QCheckBox(tip)
        box.toggled.connect(lambda on: self.change({key: True if on else None}, label))
        self.on_load((key,), lambda node: box.setChecked(node.get(key) is True))
        self.add_row(key, label.replace("&", ""), box)
        return box

    def _na_row(self) -> None:
        self.na = QCheckBox("Offer N/A (left out of the score)")

        def toggled(on: bool) -> None:
            default = self.model.node(self.path).get("type") == ItemType.YES_NO.value
            self.change({"na": None if on == default else on}, "N/A")

        self.na.toggled.connect(toggled)
        self.on_load(
            ("na", "type"),
            lambda node: self.na.setChecked(
                node.get("na", node.get("type") == ItemType.YES_NO.value) is True
            ),
        )
        self.add_row("na", "N/A", self.na)

    def _pass_row(self) -> None:
        self.passing = QComboBox()
        self.passing.addItem("Yes earns the points", "yes")
        self.passing.addItem("No earns the points", "no")
        self.passing.activated.connect(
            lambda _n: self.change(
                {"pass": None if self.passing.currentData() == "yes" else "no"}, "Passing answer"
            )
        )
        self.on_load(
            ("pass",),
            lambda node: self.passing.setCurrentIndex(1 if shown(node.get("pass")) == "no" else 0),
        )
        self.add_row("pass", "&Passing answer", self.passing)

    def _theme_row(self) -> None:
        self.theme = QComboBox()
        self.theme.setEditable(True)
        self.theme.addItem("", "")
        for key in KNOWN_THEMES:
            self.theme.addItem(key, key)
        self.theme.setToolTip(
            "Groups findings across audits; type your own (lower-case, digits, -)"
        )
        self.theme.currentTextChanged.connect(
            lambda text: self.change({"theme": text.strip() or None}, "Theme", typing=True)
        )

        def load(node: dict[str, Any]) -> None:
            if self.theme.currentText() != shown(node.get("theme")):
                self.theme.setCurrentText(shown(node.get("theme")))

        self.on_load(("theme",), load)
        self.add_row("theme", "The&me", self.theme)

    def _scale_row(self) -> None:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.scale_min, self.scale_max = QSpinBox(), QSpinBox()
        for spin in (self.scale_min, self.scale_max):
            spin.setRange(0, 10)
        self.scale_min_label, self.scale_max_label = QLineEdit(), QLineEdit()
        self.scale_min_label.setPlaceholderText("low end, e.g. Very hard")
        self.scale_max_label.setPlaceholderText("high end, e.g. Very easy")
        for widget in (
            self.scale_min,
            self.scale_min_label,
            QLabel("to"),
            self.scale_max,
            self.scale_max_label,
        ):
            row.addWidget(widget)

        def edited(*_args: Any) -> None:
            scale: dict[str, Any] = {"min": self.scale_min.value(), "max": self.scale_max.value()}
            for key, line in (
                ("min_label", self.scale_min_label),
                ("max_label", self.scale_max_label),
            ):
                if line.text():
                    scale[key] = line.text()
            self.change({"scale": scale}, "Scale", typing=True)

        for spin in (self.scale_min, self.scale_max):
            spin.valueChanged.connect(edited)
        for line in (self.scale_min_label, self.scale_max_label):
            line.textEdited.connect(edited)

        def load(node: dict[str, Any]) -> None:
            scale = node.get("scale") if isinstance(node.get("scale"), dict) else {}
            assert isinstance(scale, dict)
            self.scale_min.setValue(_int(scale.get("min"), 1))
            self.scale_max.setValue(_int(scale.get("max"), 5))
            self.scale_min_label.setText(shown(scale.get("min_label")))
            self.scale_max_label.setText(shown(scale.get("max_label")))

        self.on_load(("scale",), load)
        self.add_row("scale", "&Scale", box)

    def _target_row(self) -> None:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.good, self.bad = QLineEdit(), QLineEdit()
        self.good.setPlaceholderText("e.g. 0:30 or 2")
        self.bad.setPlaceholderText("e.g. 5:00 or 10")
        for text, line in (("full points at", self.good), ("none at", self.bad)):
            label = QLabel(text)
            label.setBuddy(line)
            row.addWidget(label)
            row.addWidget(line, 1)

        def edited(_text: str) -> None:
            good, bad = scalar(self.good.text()), scalar(self.bad.text())
            target: dict[str, Any] | None = None if good is None and bad is None else {}
            if target is not None:
                target.update({k: v for k, v in (("good", good), ("bad", bad)) if v is not None})
            self.change({"target": target}, "Target", typing=True)

        self.good.textEdited.connect(edited)
        self.bad.textEdited.connect(edited)

        def load(node: dict[str, Any]) -> None:
            target = node.get("target") if isinstance(node.get("target"), dict) else {}
            assert isinstance(target, dict)
            duration = node.get("type") == ItemType.DURATION.value
            for line, key in ((self.good, "good"), (self.bad, "bad")):
                value = target.get(key)
                text = shown(value)
                if duration and isinstance(value, int | float) and not isinstance(value, bool):
                    text = format_duration(value)  # seconds, as the runner asks for them
                if scalar(line.text()) != value and line.text() != text:
                    line.setText(text)

        self.on_load(("target",), load)
        self.add_row("target", "&Target", box)

    def _show_if_row(self) -> None:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.show_item = QComboBox()
        self.show_item.setToolTip("Show this item only when another item's answer matches")
        self.show_mode = QComboBox()
        self.show_mode.addItem("is", "equals")
        self.show_mode.addItem("is not", "not_equals")
        self.show_values = QLineEdit()
        self.show_values.setPlaceholderText("answers, comma-separated: yes")
        row.addWidget(self.show_item, 3)
        row.addWidget(self.show_mode)
        row.addWidget(self.show_values, 2)

        def edited(*_args: Any) -> None:
            item = self.show_item.currentData()
            if not item:
                self.change({"show_if": None}, "Show-if")
                return
            values = [scalar(v) for v in self.show_values.text().split(",")]
            present = [v for v in values if v is not None]
            value: Any = present[0] if len(present) == 1 else present
            self.change(
                {"show_if": {"item": item, self.show_mode.currentData(): value}},
                "Show-if",
                typing=True,
            )

        self.show_item.activated.connect(edited)
        self.show_mode.activated.connect(edited)
        self.show_values.textEdited.connect(edited)

        def load(node: dict[str, Any]) -> None:
            self.show_item.clear()
            self.show_item.addItem(ALWAYS_SHOWN, "")
            for item_id, prompt in self.model.question_ids():
                if item_id != node.get("id"):
                    self.show_item.addItem(f"{item_id} — {prompt}", item_id)
            cond = node.get("show_if") if isinstance(node.get("show_if"), dict) else None
            if cond is None:
                self.show_item.setCurrentIndex(0)
                self.show_values.clear()
                self.show_mode.setCurrentIndex(0)
                return
            found = self.show_item.findData(cond.get("item"))
            if found < 0:
                self.show_item.addItem(f"{cond.get('item')} (missing)", cond.get("item"))
                found = self.show_item.count() - 1
            self.show_item.setCurrentIndex(found)
            key = "not_equals" if "not_equals" in cond else "equals"
            self.show_mode.setCurrentIndex(self.show_mode.findData(key))
            raw = cond.get(key)
            text = ", ".join(shown(v) for v in (raw if isinstance(raw, list) else [raw]))
            if [scalar(v) for v in self.show_values.text().split(",")] != [
                scalar(v) for v in text.split(",")
            ]:
                self.show_values.setText(text)

        self.on_load(("show_if", "id"), load)
        self.add_row("show_if", "Show only i&f", box)

    def _later_row(self) -> None:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.later_kind = QComboBox()
        self.later_kind.addItem("on the day", "")
        self.later_kind.addItem("within working days", "working_days")
        self.later_kind.addItem("within calendar days", "days")
        self.later_kind.setToolTip("A follow-up answered after the visit (a required item only)")
        self.later_days = QSpinBox()
        self.later_days.setRange(1, 366)
        self.later_otherwise = QLineEdit()
        self.later_otherwise.setPlaceholderText("answer if none comes (yes/no: the failing one)")
        row.addWidget(self.later_kind)
        row.addWidget(self.later_days)
        row.addWidget(self.later_otherwise, 1)

        def edited(*_args: Any) -> None:
            kind = self.later_kind.currentData()
            self.later_days.setEnabled(bool(kind))
            self.later_otherwise.setEnabled(bool(kind))
            if not kind:
                self.change({"later": None}, "Follow-up")
                return
            later: dict[str, Any] = {kind: self.later_days.value()}
            otherwise = scalar(self.later_otherwise.text())
            if otherwise is not None:
                later["otherwise"] = otherwise
            self.change({"later": later}, "Follow-up", typing=True)

        self.later_kind.activated.connect(edited)
        self.later_days.valueChanged.connect(edited)
        self.later_otherwise.textEdited.connect(edited)

        def load(node: dict[str, Any]) -> None:
            later = node.get("later") if isinstance(node.get("later"), dict) else {}
            assert isinstance(later, dict)
            kind = next((k for k in ("working_days", "days") if k in later), "")
            self.later_kind.setCurrentIndex(self.later_kind.findData(kind))
            self.later_days.setValue(_int(later.get(kind), 5))
            if scalar(self.later_otherwise.text()) != later.get("otherwise"):
                self.later_otherwise.setText(shown(later.get("otherwise")))
            self.later_days.setEnabled(bool(kind))
            self.later_otherwise.setEnabled(bool(kind))

        self.on_load(("later",), load)
        self.add_row("later", "Answered late&r", box)


class TranslationsEditor(QWidget):
    """A node's words in the template's other languages: a row per language, a column per
    field (an item's question and help, a section's title). A language this node lacks
    still has its row, empty, so what is missing shows; Add language starts a new one."""

    def __init__(self, form: NodeForm, fields: tuple[tuple[str, str], ...]) -> None:
        super().__init__()
        self.form = form
        self.fields = fields
        self.table = QTableWidget(0, 1 + len(fields))
        self.table.setHorizontalHeaderLabels(["Language", *(title for _key, title in fields)])
        header = self.table.horizontalHeader()
        for number in range(1, 1 + len(fields)):
            header.setSectionResizeMode(number, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows and typing edit
        self.table.setEditTriggers(TYPING_EDITS)
        lines = self.table.fontMetrics().height()
        self.table.setMinimumHeight(lines * 4)
        self.table.setMaximumHeight(lines * 9)
        self.table.cellChanged.connect(lambda _r, _c: self.edited())
        add = QPushButton("Add language")
        add.setToolTip("A language as XLSForm names it, e.g. French (fr)")
        add.clicked.connect(self.add_language)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.table)
        column.addLayout(buttons)
        self.setFocusProxy(self.table)
        form.on_load(("translations",), self.load)

    def load(self, node: dict[str, Any]) -> None:
        words = node.get("translations") if isinstance(node.get("translations"), dict) else {}
        assert isinstance(words, dict)
        languages = list(dict.fromkeys([*self.form.model.languages(), *map(str, words)]))
        self.table.blockSignals(True)
        try:
            self.table.setRowCount(len(languages))
            for row, language in enumerate(languages):
                name = QTableWidgetItem(language)
                name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(row, 0, name)
                texts = words.get(language)
                for column, (key, _title) in enumerate(self.fields, 1):
                    text = texts.get(key) if isinstance(texts, dict) else texts
                    self.table.setItem(row, column, QTableWidgetItem(shown(text)))
        finally:
            self.table.blockSignals(False)

    def words(self) -> dict[str, Any] | None:
        found: dict[str, Any] = {}
        for row in range(self.table.rowCount()):
            cells = [self.table.item(row, c) for c in range(1 + len(self.fields))]
            language, *texts = (cell.text().strip() if cell else "" for cell in cells)
            given = {key: text for (key, _t), text in zip(self.fields, texts, strict=True) if text}
            if not language or not given:
                continue
            found[language] = given[self.fields[0][0]] if len(self.fields) == 1 else given
        return found or None

    def edited(self) -> None:
        self.form.change({"translations": self.words()}, "Translations")

    def add_language(self) -> None:
        row = self.table.rowCount()
        self.table.blockSignals(True)
        self.table.insertRow(row)
        for column in range(1 + len(self.fields)):
            self.table.setItem(row, column, QTableWidgetItem(""))
        self.table.blockSignals(False)
        self.table.setFocus()
        self.table.setCurrentCell(row, 0)
        name = self.table.item(row, 0)
        if name is not None:
            self.table.editItem(name)


class OptionsEditor(QWidget):
    """The options of a choice item: key, label and the share of the points (0 to 1)."""

    def __init__(self, form: ItemForm) -> None:
        super().__init__()
        self.form = form
        self.languages: list[str] = []
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Key", "Label", "Points (0–1)"])
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move in it
        self.table.setEditTriggers(TYPING_EDITS)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setMinimumHeight(self.table.fontMetrics().height() * 6)
        self.table.cellChanged.connect(lambda _r, _c: self.edited())
        add = QPushButton("&Add option")
        add.clicked.connect(self.add)
        remove = QPushButton("Remo&ve option")
        remove.clicked.connect(self.remove_current)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.table)
        column.addLayout(buttons)
        self.setFocusProxy(self.table)
        form.on_load(("options", "translations"), self.load)  # a new language: a column

    def load(self, node: dict[str, Any]) -> None:
        options = node.get("options") if isinstance(node.get("options"), list) else []
        assert isinstance(options, list)
        mine = [
            str(language)
            for option in options
            if isinstance(option, dict) and isinstance(option.get("translations"), dict)
            for language in option["translations"]
        ]
        self.languages = list(dict.fromkeys([*self.form.model.languages(), *mine]))
        self.table.blockSignals(True)
        try:
            self.table.setColumnCount(3 + len(self.languages))
            self.table.setHorizontalHeaderLabels(
                ["Key", "Label", "Points (0–1)", *(f"Label in {lang}" for lang in self.languages)]
            )
            header = self.table.horizontalHeader()
            for number in range(3, 3 + len(self.languages)):
                header.setSectionResizeMode(number, QHeaderView.ResizeMode.Stretch)
            self.table.setRowCount(len(options))
            for row, option in enumerate(options):
                data = option if isinstance(option, dict) else {"key": option}
                for column, key in enumerate(("key", "label", "score")):
                    self.table.setItem(row, column, QTableWidgetItem(shown(data.get(key))))
                words = (
                    data.get("translations") if isinstance(data.get("translations"), dict) else {}
                )
                assert isinstance(words, dict)
                for column, language in enumerate(self.languages, 3):
                    self.table.setItem(row, column, QTableWidgetItem(shown(words.get(language))))
        finally:
            self.table.blockSignals(False)

    def options(self) -> list[dict[str, Any]]:
        found = []
        for row in range(self.table.rowCount()):
            cells = [self.table.item(row, c) for c in range(self.table.columnCount())]
            key, label, score, *labels = (cell.text().strip() if cell else "" for cell in cells)
            option: dict[str, Any] = {"key": key}
            if label:
                option["label"] = label
            if scalar(score) is not None:
                option["score"] = scalar(score)
            words = {lang: text for lang, text in zip(self.languages, labels, strict=False) if text}
            if words:
                option["translations"] = words
            found.append(option)
        return found

    def edited(self) -> None:
        self.form.change({"options": self.options()}, "Options")

    def add(self) -> None:
        options = self.options()
        number = len(options) + 1
        options.append({"key": f"option_{number}", "label": f"Option {number}"})
        self.form.change({"options": options}, "Add option")
        self.table.setCurrentCell(len(options) - 1, 1)
        self.table.setFocus()

    def remove_current(self) -> None:
        row = self.table.currentRow()
        options = self.options()
        if 0 <= row < len(options):
            del options[row]
            self.form.change({"options": options}, "Remove option")


def first_focusable(widget: QWidget) -> QWidget:
    """What a row's label gives the focus to (Alt and its letter): the field, or the first
    part of a field made of parts that takes the focus."""
    if widget.focusPolicy() != Qt.FocusPolicy.NoFocus:
        return widget
    proxy = widget.focusProxy()
    if proxy is not None:
        return proxy
    for child in widget.findChildren(QWidget):
        if child.focusPolicy() != Qt.FocusPolicy.NoFocus and not child.isWindow():
            return child
    return widget


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default
