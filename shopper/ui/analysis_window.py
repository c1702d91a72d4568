"""What the manager's windows (Compare, Journey, Findings) share: one base.

Each is a top-level window beside the main window that loads in the background (the
latest load wins), opens fully on the screen it appears on, closes with Esc or Ctrl+W,
and asks the main window to show an audit at an item.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget
from sqlalchemy import Engine

from shopper.services.companies import list_companies
from shopper.services.records import CompanyRow
from shopper.ui.screen import fit_on_screen
from shopper.ui.workers import LatestLoad


class AnalysisWindow(QWidget):
    open_audit = Signal(str, str)
    """(audit id, item id): show this audit at this item in the main window."""
    loaded = Signal()

    def __init__(
        self,
        engine: Engine,
        *,
        title: str,
        size: QSize,
        parent: QWidget | None,
        companies: Sequence[CompanyRow] | None = None,
    ) -> None:
        """`companies`: the companies as the main window last read them (a team database
        is never queried on the GUI thread); read here when not given."""
        super().__init__(parent, Qt.WindowType.Window)
        self.engine = engine
        self.companies = list(companies) if companies is not None else None
        self.loader = LatestLoad(self, self._show)
        self.setWindowTitle(f"{title} — Shopper")
        self.resize(size)
        for keys in (QKeySequence(Qt.Key.Key_Escape), QKeySequence.StandardKey.Close):
            shortcut = QShortcut(keys, self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(self.close)

    def _show(self, result: Any, message: str) -> None:
        """Show a load's result (or None and why not): each window draws its own."""
        raise NotImplementedError

    def showEvent(self, event: Any) -> None:
        fit_on_screen(self)
        super().showEvent(event)

    def companies_combo(self, company_id: str, *, everyone: str | None = None) -> QComboBox:
        """A combo of every company, `company_id` chosen; `everyone` first names "all"."""
        combo = QComboBox()
        # As wide as 18 letters, not as the longest company name: the window must fit.
        combo.setMinimumContentsLength(18)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        if everyone is not None:
            combo.addItem(everyone, "")
        rows = self.companies if self.companies is not None else list_companies(engine=self.engine)
        for row in rows:
            combo.addItem(row.name, row.id)
        combo.setCurrentIndex(max(combo.findData(company_id), 0))
        return combo


def captioned(row: QHBoxLayout, fields: Sequence[tuple[str, QWidget]]) -> None:
    """Each field after its caption, the caption its buddy (Alt+letter reaches the field)."""
    for text, widget in fields:
        caption = QLabel(text)
        caption.setBuddy(widget)
        row.addWidget(caption)
        row.addWidget(widget)
