"""Small widget helpers shared by the windows and dialogs."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLayout,
    QTableView,
    QVBoxLayout,
    QWidget,
)


def plain_table(model: QAbstractItemModel) -> QTableView:
    """A read-only table of whole rows, one line per row."""
    table = QTableView()
    table.setModel(model)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setWordWrap(False)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
    table.horizontalHeader().setHighlightSections(False)
    return table


def group_box(title: str, widget: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(6, 6, 6, 6)
    layout.addWidget(widget)
    return box


def form_row(form: QFormLayout, text: str, row: QLayout, field: QWidget) -> None:
    """A form row whose field is a layout (a field and its buttons): the label's mnemonic
    reaches `field` (a label without a buddy would show its "&" as it is)."""
    label = QLabel(text)
    label.setBuddy(field)
    form.addRow(label, row)
