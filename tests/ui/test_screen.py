"""Windows kept whole on the screen, without ever holding on to the screen itself."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from shopper.services.context import AppContext
from shopper.ui.main_window import MainWindow
from shopper.ui.screen import fit_on_screen, screen_of


def holds_a_screen(widget: QWidget) -> bool:
    return any(isinstance(held, QScreen) for held in gc.get_referents(widget))


def test_placing_a_window_keeps_no_link_to_the_screen(qtbot: QtBot) -> None:
    # QWidget.screen() from Python made the screen the widget's child in PySide's eyes: a
    # window later collected in a reference cycle destroyed the screen with it, and the
    # next window made crashed on it.
    window = QWidget()
    qtbot.addWidget(window)
    window.resize(5000, 5000)
    window.show()
    fit_on_screen(window)
    assert screen_of(window) is QGuiApplication.primaryScreen()
    free = QGuiApplication.primaryScreen().availableGeometry()
    assert window.width() <= free.width() and window.height() <= free.height()
    assert not holds_a_screen(window)


@pytest.mark.parametrize("analysis", ["compare", "journey", "findings"])
def test_windows_shown_hold_no_screen(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path, analysis: str
) -> None:
    from shopper.ui.compare.view import CompareWindow
    from shopper.ui.findings import FindingsWindow
    from shopper.ui.journey import JourneyWindow

    kinds = {"compare": CompareWindow, "journey": JourneyWindow, "findings": FindingsWindow}
    window = kinds[analysis](ctx.engine)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert not holds_a_screen(window)
    main = MainWindow(ctx)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    assert not holds_a_screen(main)
