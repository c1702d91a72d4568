"""Screen capture for evidence."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QGuiApplication


def capture_screen_png() -> bytes:
    """The whole primary screen as PNG bytes (empty if the platform cannot grab it)."""
    screen = QGuiApplication.primaryScreen()
    if screen is None:
        return b""
    pixmap = screen.grabWindow(0)
    if pixmap.isNull():
        return b""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    pixmap.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())
