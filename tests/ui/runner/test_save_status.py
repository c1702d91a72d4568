"""The runner's one line about saves waiting for the server reaches the window's status bar."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from shopper.services.context import AppContext
from shopper.ui.main_window import MainWindow
from tests.ui.helpers import new_audit, show


def test_the_save_line_shows_in_the_status_bar_and_clears(qtbot: QtBot, ctx: AppContext) -> None:
    window = MainWindow(ctx)
    show(qtbot, window)
    assert window.open_audit(new_audit(ctx))
    view = window.runner_view
    assert view is not None
    view.save_status.emit("Changes not saved yet")
    assert window.statusBar().currentMessage() == "Changes not saved yet"
    view.save_status.emit("")
    assert window.statusBar().currentMessage() == ""
