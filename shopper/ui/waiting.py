"""Enquiries still waiting for a reply, across all audits, with how long they have waited."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.clock import in_zone, local_zone_name
from shopper.domain.template import touchpoint_label
from shopper.services.instruments import WaitingReply

Index = QModelIndex | QPersistentModelIndex


class WaitingModel(QAbstractTableModel):
    COLUMNS = ("Sent", "Company", "Touchpoint", "Waited", "Business hours")

    def __init__(self, rows: list[WaitingReply], parent: Any = None) -> None:
        super().__init__(parent)
        self.rows = rows
        self.zone = local_zone_name()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section] if 0 <= section < len(self.COLUMNS) else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                f"{in_zone(row.sent_at, self.zone):%Y-%m-%d %H:%M}",
                row.company_name,
                touchpoint_label(row.touchpoint),
                _hours(row.waited_hours),
                _hours(row.waited_business_hours),
            )[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def _hours(hours: float) -> str:
    if hours >= 48:
        return f"{hours / 24:.1f} days"
    return f"{hours:.1f} h"


class WaitingDialog(QDialog):
    """Double-click (or Enter) opens the audit so the reply can be recorded."""

    open_audit = Signal(str)

    def __init__(self, rows: list[WaitingReply], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Waiting for replies")
        self.resize(720, 380)
        layout = QVBoxLayout(self)
        text = (
            f"{len(rows)} enquir{'y is' if len(rows) == 1 else 'ies are'} waiting for a reply. "
            "Business hours count the company's own opening hours and holidays."
            if rows
            else "No enquiry is waiting for a reply."
        )
        label = QLabel(text)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.model = WaitingModel(rows, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(self._activated)
        layout.addWidget(self.table)

    def _activated(self, index: QModelIndex) -> None:
        self.open_audit.emit(self.model.rows[index.row()].audit_id)
        self.accept()
