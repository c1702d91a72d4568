"""The screen: capture for evidence, and windows kept whole on it."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

SCREEN_SHARE = 0.92
"""A window opens at most this share of the screen's free area (when it may be that small)."""


def screen_of(widget: QWidget) -> QScreen | None:
    """The screen a widget's window is on (the primary one before it is placed).

    Never `widget.screen()` from Python: PySide then keeps the screen as if it were the
    widget's child, and a window collected in a reference cycle took the screen with it,
    so the next window made crashed on the freed screen. The static lookups keep no link.
    """
    window = widget.window()
    found = QGuiApplication.screenAt(window.frameGeometry().center())
    return found if found is not None else QGuiApplication.primaryScreen()


def fit_on_screen(window: QWidget, *, share: float = SCREEN_SHARE) -> None:
    """Shrink a window to the free area of its screen and move it wholly onto it.

    A window remembered from a bigger screen, or made for one, must still show its title
    bar and its edges on a laptop's.
    """
    screen = screen_of(window)
    if screen is None:
        return
    free = screen.availableGeometry()
    frame = window.frameGeometry()
    extra_w = max(frame.width() - window.width(), 0)
    extra_h = max(frame.height() - window.height(), 0)
    width = min(window.width(), int(free.width() * share) - extra_w)
    height = min(window.height(), int(free.height() * share) - extra_h)
    width = max(width, min(window.minimumSizeHint().width(), free.width() - extra_w))
    height = max(height, min(window.minimumSizeHint().height(), free.height() - extra_h))
    window.resize(width, height)
    frame = window.frameGeometry()
    x = min(max(frame.x(), free.x()), free.x() + free.width() - frame.width())
    y = min(max(frame.y(), free.y()), free.y() + free.height() - frame.height())
    window.move(max(x, free.x()), max(y, free.y()))


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
