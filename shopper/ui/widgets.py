"""Small widget helpers shared by the windows and dialogs."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QAbstractItemModel, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLayout,
    QLayoutItem,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)


def plain_label(text: str = "") -> QLabel:
    """A label that shows its text exactly as typed, never as rich text ("<b>" stays "<b>")."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def company_combo(companies: Iterable[tuple[str, str]], company_id: str = "") -> QComboBox:
    """A combo of these (id, name) companies, `company_id` chosen (else the first)."""
    combo = QComboBox()
    for cid, name in companies:
        combo.addItem(name, cid)
    if company_id:
        combo.setCurrentIndex(max(combo.findData(company_id), 0))
    return combo


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


TITLE_ROOM = 28
"""Pixels a column needs beside its title: the header's margins and its sort mark."""


def fit_columns(table: QTableView, *, widest: int, skip: tuple[int, ...] = ()) -> None:
    """Every column (but `skip`, which stretch) as wide as its cells, up to `widest`, and
    never narrower than its whole title."""
    header = table.horizontalHeader()
    model = table.model()
    for column in range(model.columnCount()):
        if column in skip:
            continue
        table.resizeColumnToContents(column)
        title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
        wanted = header.fontMetrics().horizontalAdvance(title) + TITLE_ROOM
        header.resizeSection(column, max(min(header.sectionSize(column), widest), wanted))


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


class FlowLayout(QLayout):
    """Widgets left to right, wrapping onto the next line when the width runs out.

    For rows of buttons in a narrow pane: on a laptop screen they take two lines
    instead of pushing the pane wider than its window.
    """

    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        """As wide as the widest widget: everything else can wrap."""
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        x, y, line = area.x(), area.y(), 0
        for item in self._items:
            if item.isEmpty():
                continue
            hint = item.sizeHint()
            if x > area.x() and x + hint.width() > area.right() + 1:
                x, y, line = area.x(), y + line + self._spacing, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            line = max(line, hint.height())
        return y + line - rect.y() + margins.bottom()


class ElidedLabel(QLabel):
    """A one-line plain-text label that ends in "…" when it is too narrow for its text.

    QLabel clips a line mid-letter; this one says that more follows, and its tooltip
    has the whole text while it is cut.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def shown_text(self) -> str:
        """The text as it fits the label's width now."""
        return self.fontMetrics().elidedText(
            self.text(), Qt.TextElideMode.ElideRight, self.contentsRect().width()
        )

    def setText(self, text: str) -> None:
        super().setText(text)
        self._update_tip()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_tip()

    def _update_tip(self) -> None:
        self.setToolTip("" if self.shown_text() == self.text() else self.text())

    def paintEvent(self, event: QPaintEvent) -> None:
        shown = self.shown_text()
        painter = QPainter(self)
        painter.setFont(self.font())
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(self.contentsRect(), int(self.alignment()), shown)
