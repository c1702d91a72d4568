"""Help › Keyboard shortcuts (F1): every key of the window, read off the window itself.

The menus' actions and the runner's shortcuts are listed from the objects that bind them
(their shortcut and their text or `whatsThis`), so the list cannot drift from what the keys
do; the keys an item or the phone-tree map take by themselves come from the tables their
widgets read them from.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from shopper.ui.rows_model import Column, RowsModel
from shopper.ui.runner.item_panel import ITEM_KEYS
from shopper.ui.runner.phone_map import KEYS as PHONE_KEYS
from shopper.ui.runner.phone_map import MORE_KEYS as PHONE_MORE_KEYS
from shopper.ui.widgets import plain_table


@dataclass(frozen=True)
class KeyRow:
    where: str
    keys: str
    what: str


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def key_rows(window: QWidget) -> list[KeyRow]:
    """Every key of a window: menus and their actions, the runner's, an item's, the map's."""
    rows: list[KeyRow] = []
    seen: set[tuple[str, str]] = set()

    def add(where: str, keys: str, what: str) -> None:
        if keys and (where, keys) not in seen:
            seen.add((where, keys))
            rows.append(KeyRow(where, keys, what))

    for action in window.findChildren(QAction):
        for sequence in action.shortcuts():
            add(
                "Menus",
                sequence.toString(QKeySequence.SequenceFormat.NativeText),
                _plain(action.text()),
            )
    for shortcut in window.findChildren(QShortcut):
        keys = shortcut.key().toString(QKeySequence.SequenceFormat.NativeText)
        add("Audit", keys, shortcut.whatsThis() or "")
    for keys, what in ITEM_KEYS:
        add("On an item", keys, what)
    for keys, _kind, what in PHONE_KEYS:
        add("Phone-tree map (Ctrl+Shift+P)", keys, what)
    for keys, what in PHONE_MORE_KEYS:
        add("Phone-tree map (Ctrl+Shift+P)", keys, what)
    add("Compare, Journey, Findings", "Esc or Ctrl+W", "Close the window")
    return rows


class ShortcutsDialog(QDialog):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts — Shopper")
        self.resize(720, 560)
        layout = QVBoxLayout(self)
        intro = QLabel("Every key of the window. Shopper can be run with the keyboard alone.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.model: RowsModel[KeyRow] = RowsModel(
            [
                Column("Where", lambda r: r.where),
                Column("Keys", lambda r: r.keys),
                Column("What it does", lambda r: r.what, tooltip=lambda r: r.what),
            ],
            self,
        )
        self.model.set_rows(key_rows(window))
        self.table = plain_table(self.model)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 200)
        self.table.setColumnWidth(1, 150)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
