"""The outline beside the item: sections and items, with the answers so far.

Clicking an item asks to go to it; clicking a section asks for its first shown
item. Show-if items hidden by an earlier answer have their rows hidden.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QWidget,
)

from shopper.services.runner import AuditRunner
from shopper.ui.runner.outline import HIDDEN_ROLE, ITEM_ID_ROLE, OutlineModel

MAX_LINES = 2


class _WrappingDelegate(QStyledItemDelegate):
    """Rows as tall as their prompt needs at the column's width, up to `MAX_LINES`.

    A longer prompt's last line is elided (the tooltip has it whole): the outline of a
    whole audit stays short enough to find one's place in.
    """

    def __init__(self, view: QTreeView) -> None:
        super().__init__(view)
        self.view = view

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        size = super().sizeHint(option, index)
        if index.column() != 0:
            return size
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)
        depth = 2 if index.parent().isValid() else 1
        style = self.view.style()
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self.view) + 1
        icon = item.decorationSize.width() + 2 * margin if index.parent().isValid() else 0
        width = self.view.columnWidth(0) - depth * self.view.indentation() - icon - 2 * margin
        text = item.fontMetrics.boundingRect(
            QRect(0, 0, max(width, 40), 100_000), Qt.TextFlag.TextWordWrap, item.text
        )
        lines = min(text.height(), MAX_LINES * item.fontMetrics.lineSpacing())
        return QSize(size.width(), max(size.height(), lines + 2 * margin))


class OutlinePane(QTreeView):
    """The audit's outline; emits `item_chosen(item_id)` when the shopper picks a row."""

    item_chosen = Signal(str)

    def __init__(self, runner: AuditRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.outline_model = OutlineModel(runner, self)
        self.setModel(self.outline_model)
        self.setHeaderHidden(False)
        # A prompt wraps onto more lines rather than shrink to "How …d? *" on a laptop.
        self.setWordWrap(True)
        self.setItemDelegate(_WrappingDelegate(self))
        self._relayout = QTimer(self, singleShot=True, interval=0)
        self._relayout.timeout.connect(self.doItemsLayout)
        # Clicks only: the keyboard belongs to the item panel.
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.expandAll()
        header_view = self.header()
        header_view.setStretchLastSection(False)
        header_view.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header_view.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header_view.resizeSection(1, 72)
        header_view.sectionResized.connect(lambda *_: self._relayout.start())
        # What does not fit in its lines ends in "…"; the tooltip has it whole.
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.clicked.connect(self._clicked)
        self.setMinimumWidth(160)

    def _clicked(self, index: QModelIndex) -> None:
        item_id = index.siblingAtColumn(0).data(ITEM_ID_ROLE)
        if item_id:
            self.item_chosen.emit(item_id)
            return
        section = self.runner.template.sections[index.row()]
        visible = [it for it in self.runner.visible_items() if it.section_id == section.id]
        if visible:
            self.item_chosen.emit(visible[0].id)

    def apply_visibility(self) -> None:
        """Answers changed: hide the rows of hidden items and repaint the rest."""
        model = self.outline_model
        for s_row, section in enumerate(self.runner.template.sections):
            parent = model.section_index(s_row)
            for i_row, _item in enumerate(section.items):
                hidden = bool(model.index(i_row, 0, parent).data(HIDDEN_ROLE))
                self.setRowHidden(i_row, parent, hidden)
        model.refresh()

    def select_item(self, item_id: str) -> None:
        index = self.outline_model.item_index(item_id)
        self.setCurrentIndex(index)
        self.scrollTo(index)
