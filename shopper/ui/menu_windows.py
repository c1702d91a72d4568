"""What the main window's menus of windows share (Analyse, Customers, Actions): their actions
and the windows they open, kept beside the main window until closed. Only Qt is imported
here, so a menu installed at start-up loads none of its windows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QWidget

if TYPE_CHECKING:
    from shopper.ui.host import AuditHost

EXPORT_FILTERS = "Excel workbook (*.xlsx);;CSV, UTF-8 (*.csv)"


class MenuWindows(QObject):
    """A menu's actions and the windows it keeps open (`windows`)."""

    def __init__(self, window: QMainWindow, host: AuditHost) -> None:
        super().__init__(window)
        self.window = window
        self.host = host
        self.windows: list[QWidget] = []

    def _action(self, text: str, slot: Any, shortcut: str | None = None) -> QAction:
        action = QAction(text, self.window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def _keep(self, widget: Any) -> Any:
        """Show a window it opened, in front, and keep it until it is closed."""
        widget.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        widget.destroyed.connect(lambda *_: self._forget(widget))
        self._opened(widget)
        self.windows.append(widget)
        widget.show()
        widget.raise_()
        widget.activateWindow()
        return widget

    def _opened(self, widget: Any) -> None:
        """Connect what a kept window says to the main window (none here)."""

    def _forget(self, widget: QWidget) -> None:
        if widget in self.windows:
            self.windows.remove(widget)
