"""Enquiries still waiting for a reply, across all audits, with how long they have waited."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Signal
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
from shopper.ui.rows_model import Column, RowsModel


class WaitingModel(RowsModel[WaitingReply]):
    def __init__(self, rows: list[WaitingReply], parent: Any = None) -> None:
        zone = local_zone_name()
        super().__init__(
            [
                Column("Sent", lambda r: f"{in_zone(r.sent_at, zone):%Y-%m-%d %H:%M}"),
                Column("Company", lambda r: r.company_name),
                Column("Touchpoint", lambda r: touchpoint_label(r.touchpoint)),
                Column(
                    "Waited",
                    lambda r: _hours(r.waited_hours),
                    sort_key=lambda r: r.waited_hours,
                    align_right=True,
                ),
                Column(
                    "Business hours",
                    lambda r: _hours(r.waited_business_hours),
                    sort_key=lambda r: r.waited_business_hours,
                    align_right=True,
                ),
            ],
            parent,
        )
        self.set_rows(rows)


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
        row = self.model.row(index.row())
        if row is not None:
            self.open_audit.emit(row.audit_id)
        self.accept()
