"""Moments: one shortcut each to log an unexpected good or bad moment, or a friction point.

Ctrl+Shift+G good, Ctrl+Shift+B bad, Ctrl+Shift+F friction. The moment is
saved at the key press (linked to the current item if the box is ticked);
its note is typed straight after and saved as you type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.template import Item
from shopper.domain.vocabulary import MomentKind
from shopper.domain.wording import count_of
from shopper.services.records import Moment
from shopper.services.runner import AuditRunner
from shopper.ui.dates import time_text
from shopper.ui.rows_model import Column, RowsModel
from shopper.ui.runner.instrument_base import InstrumentPane, list_table

MOMENT_COLORS: dict[str, str] = {
    MomentKind.GOOD: "#2e7d32",
    MomentKind.BAD: "#c62828",
    MomentKind.FRICTION: "#ef8f00",
}
SHORTCUTS = {
    MomentKind.GOOD: "Ctrl+Shift+G",
    MomentKind.BAD: "Ctrl+Shift+B",
    MomentKind.FRICTION: "Ctrl+Shift+F",
}


class MomentsModel(RowsModel[Moment]):
    """The audit's moments in time order: time, kind, linked item, note."""

    def __init__(self, runner: AuditRunner, parent: Any = None) -> None:
        template = runner.template

        def item_prompt(moment: Moment) -> str:
            if moment.item_id and template.has_item(moment.item_id):
                return template.item(moment.item_id).prompt
            return ""

        super().__init__(
            [
                Column(
                    "Time", lambda m: time_text(m.at, m.tz, seconds=True), sort_key=lambda m: m.at
                ),
                Column(
                    "Kind",
                    lambda m: MomentKind.label_of(m.kind),
                    foreground=lambda m: QColor(MOMENT_COLORS.get(m.kind, "#000000")),
                ),
                Column("Item", item_prompt, tooltip=item_prompt),
                Column("Note", lambda m: m.note, tooltip=lambda m: m.note),
            ],
            parent,
        )
        self.runner = runner

    def reload(self) -> None:
        self.set_rows(self.runner.moments)

    @property
    def moments(self) -> list[Moment]:
        return self.rows()

    def moment_at(self, row: int) -> Moment | None:
        return self.row(row)


class MomentsPane(InstrumentPane):
    def __init__(
        self,
        runner: AuditRunner,
        current_item: Callable[[], Item | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, parent)
        self.current_item = current_item
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        buttons = QHBoxLayout()
        for kind in (MomentKind.GOOD, MomentKind.BAD, MomentKind.FRICTION):
            word = MomentKind(kind).label.split()[0]  # "Good", "Bad", "Friction"
            button = QPushButton(f"{word} ({SHORTCUTS[kind]})")
            button.setToolTip(f"Log a {MomentKind(kind).label.lower()} now ({SHORTCUTS[kind]})")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setStyleSheet(f"color: {MOMENT_COLORS[kind]};")
            button.clicked.connect(lambda _=False, k=kind: self.log(k))
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.link = QCheckBox("Link new moments to the current item")
        self.link.setChecked(True)
        layout.addWidget(self.link)
        note_row = QHBoxLayout()
        self.note_label = QLabel("Note")
        note_row.addWidget(self.note_label)
        self.note = QLineEdit()
        self.note.setPlaceholderText("What happened? (saved as you type; Enter goes back)")
        self.note.setMaxLength(5000)
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(600)
        self.note.textEdited.connect(lambda _t: self._save_timer.start())
        self.note.returnPressed.connect(self._note_done)
        note_row.addWidget(self.note, 1)
        layout.addLayout(note_row)
        self.counts = QLabel()
        self.counts.setWordWrap(True)
        layout.addWidget(self.counts)
        self.model = MomentsModel(runner, self)
        self.table = list_table(self.model, 3)
        self.table.selectionModel().currentRowChanged.connect(self._selected)
        layout.addWidget(self.table, 1)
        delete = QPushButton("Delete moment")
        delete.clicked.connect(self.delete_selected)
        layout.addWidget(delete, 0, Qt.AlignmentFlag.AlignRight)
        self._save_timer.timeout.connect(self.flush)
        self.editing: str | None = None
        self._note_queued: tuple[str, str] | None = None
        self.return_focus: Callable[[], None] | None = None
        self.refresh()

    def refresh(self) -> None:
        self.model.reload()
        counts = self.runner.moment_counts()
        self.counts.setText(
            " · ".join(
                count_of(counts.get(k, 0), MomentKind(k).label.lower()) for k in MomentKind.values()
            )
        )
        if self.editing is not None:
            for row, moment in enumerate(self.model.moments):
                if moment.id == self.editing:
                    self.table.selectRow(row)

    def log(self, kind: str) -> Moment | None:
        """Save a moment now; the note field then takes the keyboard."""
        if self.runner.read_only:
            return None
        self.flush()
        item = self.current_item() if self.link.isChecked() else None
        item_id = item.id if item else None
        moment: Moment | None = None
        if self.saver is None:
            logged = self.run(lambda r: r.add_moment(kind, item_id=item_id))
            if not isinstance(logged, Moment):
                return None
            moment = logged
            moment_id = moment.id
        else:  # queued: its id is known now, so its note can follow it into the queue
            moment_id = self.runner.make_id()
            self.run(lambda r: r.add_moment(kind, item_id=item_id), ids=(moment_id,))
        self.editing = moment_id
        self.refresh()
        self.note.clear()
        self.note_label.setText(MomentKind(kind).label)
        self.note.setFocus()
        return moment

    def _selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        moment = self.model.moment_at(current.row())
        if moment is None or moment.id == self.editing:
            return
        self.flush()
        self.editing = moment.id
        self.note.setText(moment.note)
        kind = MomentKind.of(moment.kind)
        self.note_label.setText(kind.label if kind is not None else "Note")

    def flush(self) -> bool:
        self._save_timer.stop()
        if self.editing is None or self.runner.read_only:
            return True
        moment = next((m for m in self.runner.moments if m.id == self.editing), None)
        text = self.note.text()
        if moment is not None and moment.note == text:
            return True
        if moment is None and (self.saver is None or self._note_queued == (self.editing, text)):
            return True  # deleted, or (queued) the moment and this note still wait
        moment_id = self.editing
        if self.saver is not None:
            self._note_queued = (moment_id, text)
        return bool(
            self.run(
                lambda r: r.update_moment(moment_id, note=text), key=("moment note", moment_id)
            )
        )

    def _note_done(self) -> None:
        self.flush()
        if self.return_focus is not None:
            self.return_focus()

    def delete_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        moment = self.model.moment_at(rows[0].row()) if rows else None
        if moment is None or self.runner.read_only:
            return
        if self.run(lambda r: r.delete_moment(moment.id)):
            self.editing = None
            self.note.clear()
