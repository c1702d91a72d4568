"""Garbage is collected on the GUI thread, never in a worker thread."""

from __future__ import annotations

import gc

from pytestqt.qtbot import QtBot

from shopper.ui.collector import GuiThreadCollector


def test_automatic_collection_is_off_and_the_timer_collects(qtbot: QtBot) -> None:
    assert not gc.isenabled()  # installed for every Qt test, as in the app

    class Cycle:
        def __init__(self) -> None:
            self.me = self

    collector = GuiThreadCollector()
    collector.thresholds = (0, 1_000_000, 1_000_000)  # due at once
    for _ in range(100):
        Cycle()
    before = gc.get_count()[0]
    collector.check()
    assert gc.get_count()[0] < before
    assert gc.garbage == []
