"""An audit's history, or one item's (History… / Ctrl+H in the runner, Audit history… in its
header): when (in the zone it was recorded in), who, what, and for an answer the value before
and after. Read off the GUI thread on a team database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from shopper.domain.history import HistoryEntry, HistoryKind
from shopper.domain.wording import count_of
from shopper.services.review import history
from shopper.ui.crash import show_error
from shopper.ui.dates import moment_text
from shopper.ui.rows_model import Column, RowsModel
from shopper.ui.runner.review import VERDICT_WORDS
from shopper.ui.widgets import fit_columns, plain_table
from shopper.ui.workers import Operation, on_a_server, run_soon

BLANK = "(blank)"


def when_text(entry: HistoryEntry) -> str:
    """ "2026-12-01 14:05 (Europe/Warsaw)": as it was where it happened."""
    return f"{moment_text(entry.at, entry.tz)} ({entry.tz})"


def change_text(entry: HistoryEntry) -> str:
    """ "yes → no" for an answer's change; "" for what changed no answer."""
    if entry.kind not in (HistoryKind.ANSWER, HistoryKind.CORRECTION):
        return ""
    return f"{entry.old or BLANK} → {entry.new or BLANK}"


def what_text(entry: HistoryEntry) -> str:
    """What happened, whole: a comment says it is one, a move carries its comment."""
    verdict = VERDICT_WORDS.get(entry.detail, "")
    if entry.kind is HistoryKind.COMMENT:
        return f"Comment{' ' + verdict if verdict else ''}: {entry.what}"
    if entry.detail:
        return f"{entry.what} — {entry.detail}"
    return entry.what


def without_repeats(entries: list[HistoryEntry]) -> list[HistoryEntry]:
    """A verdict's comment is kept twice (the shop's move carries it, and it is a comment of
    its own): the move is shown without it."""
    said = {(e.at, e.what) for e in entries if e.kind is HistoryKind.COMMENT}
    return [
        replace(e, detail="") if e.kind is HistoryKind.SHOP and (e.at, e.detail) in said else e
        for e in entries
    ]


class HistoryModel(RowsModel[HistoryEntry]):
    def __init__(self, item_label: Callable[[str | None], str] | None, parent: Any = None) -> None:
        columns: list[Column[HistoryEntry]] = [
            Column("When", when_text, sort_key=lambda e: e.at),
            Column("Who", lambda e: e.who or "—"),
        ]
        if item_label is not None:  # the whole audit's: which item each entry is about
            columns.append(
                Column(
                    "Item",
                    lambda e: item_label(e.item_id),
                    tooltip=lambda e: item_label(e.item_id),
                )
            )
        columns += [
            Column("Before → after", change_text, tooltip=change_text),
            Column("What", what_text, tooltip=what_text),
        ]
        super().__init__(columns, parent)


class HistoryDialog(QDialog):
    """The history of an audit (`item_id` None) or of one of its items."""

    loaded = Signal()

    def __init__(
        self,
        engine: Engine,
        audit_id: str,
        *,
        title: str,
        item_id: str | None = None,
        item_label: Callable[[str | None], str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """Args:
        item_label: the audit's history names each entry's item with it (an item's does
            not need to).
        """
        super().__init__(parent)
        self.engine = engine
        self.audit_id = audit_id
        self.item_id = item_id
        self.entries: list[HistoryEntry] | None = None
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        self.summary = QLabel("Reading the history…")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.model = HistoryModel(item_label if item_id is None else None, self)
        self.table = plain_table(self.model)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(True)  # a comment is read whole
        # Rows as tall as their text at the width the columns end up with.
        self.table.horizontalHeader().sectionResized.connect(
            lambda *_: self.table.resizeRowsToContents()
        )
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(980 if item_id is None else 860, 420)
        self._load: Operation | None = run_soon(
            self,
            lambda: history(engine=engine, audit_id=audit_id, item_id=item_id),
            in_background=on_a_server(engine),
            on_done=self._show,
            on_error=self._failed,
        )

    def _show(self, entries: list[HistoryEntry]) -> None:
        self.entries = entries
        self.model.set_rows(without_repeats(entries))
        self.table.setVisible(bool(entries))
        last = self.model.columnCount() - 1  # what happened takes the room left
        fit_columns(self.table, widest=max(self.width() // 3, 200), skip=(last,))
        self.table.resizeRowsToContents()
        what = "this item" if self.item_id is not None else "this audit"
        if entries:
            self.summary.setText(
                f"{count_of(len(entries), 'entry', 'entries')} for {what}, oldest first."
            )
        elif self.item_id is not None:
            self.summary.setText(
                "Nothing recorded for this item yet: its answer has not changed since the "
                "audit was first completed, and no reviewer commented on it."
            )
        else:
            self.summary.setText("Nothing recorded for this audit yet.")
        self.loaded.emit()

    def _failed(self, exc: Exception) -> None:
        self.entries = []
        self.summary.setText(f"The history could not be read: {exc}")
        show_error(self, str(exc), title="History")
        self.loaded.emit()
