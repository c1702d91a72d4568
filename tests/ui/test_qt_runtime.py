"""The Qt binding itself must be sound on this Python: a regression guard."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot


def test_void_calls_keep_none_alive(qtbot: QtBot) -> None:
    # PySide6 6.12.0 on Python 3.11 took a reference away from None on every call
    # returning nothing, until the interpreter aborted (pyproject pins it out).
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("x")
        label.setVisible(False)
    assert sys.getrefcount(None) - before > -100
