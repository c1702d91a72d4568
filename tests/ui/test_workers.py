"""Work off the GUI thread: only the latest of several loads reaches the screen."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from shopper.domain.errors import ShopperError
from shopper.ui import crash
from shopper.ui.workers import LatestLoad


def test_an_older_load_finishing_late_is_dropped(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    shown: list[tuple[Any, str]] = []
    loader = LatestLoad(parent, lambda result, message: shown.append((result, message)))
    release = threading.Event()
    threads: list[bool] = []

    def slow(_progress: Any) -> str:
        threads.append(threading.current_thread() is not threading.main_thread())
        release.wait(5)
        return "old"

    try:
        loader.start("Loading…", slow, failure="Failed.")
        loader.start("Loading…", lambda _progress: "new", failure="Failed.")
        qtbot.waitUntil(lambda: not loader.loading, timeout=5000)
    finally:
        release.set()  # never leave a pool thread blocked for the tests after this one
    # The old load ends too; its result arrives, and is dropped, before the parent goes.
    assert QThreadPool.globalInstance().waitForDone(5000)
    qtbot.wait(50)
    assert shown == [("new", "")]
    assert threads == [True]


def test_a_failure_shows_its_message_once(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    shown: list[tuple[Any, str]] = []
    messages: list[str] = []
    monkeypatch.setattr(crash, "show_error", lambda _parent, text, **_kw: messages.append(text))
    loader = LatestLoad(parent, lambda result, message: shown.append((result, message)))

    def broken(_progress: Any) -> str:
        raise ShopperError("the company no longer exists")

    loader.start("Loading…", broken, failure="The journey could not be loaded.")
    qtbot.waitUntil(lambda: not loader.loading, timeout=5000)
    assert shown == [(None, "The journey could not be loaded.")]
    assert messages == ["the company no longer exists"]
    loader.skip("No companies yet.")
    assert shown[-1] == (None, "No companies yet.")
