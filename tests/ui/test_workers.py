"""Work off the GUI thread: only the latest of several loads reaches the screen."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QPushButton, QWidget
from pytestqt.qtbot import QtBot

from shopper.domain.errors import ShopperError
from shopper.ui import crash
from shopper.ui.workers import (
    LatestLoad,
    pending_work,
    run_after_the_others,
    run_quietly,
    run_soon,
    wait_for_background,
)


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
    assert wait_for_background(5)
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


def test_a_cancelled_operation_stops_at_its_next_progress_report(qtbot: QtBot) -> None:
    from shopper.ui.workers import run_operation

    parent = QWidget()
    qtbot.addWidget(parent)
    started, steps = threading.Event(), []
    outcome: list[str] = []

    def work(progress: Any) -> str:
        started.set()
        for step in range(1000):
            progress(step, 1000)
            steps.append(step)
            threading.Event().wait(0.005)
        return "finished"

    op = run_operation(
        parent,
        "Working…",
        work,
        on_done=outcome.append,
        on_error=lambda exc: outcome.append(f"error {exc}"),
        on_cancel=lambda: outcome.append("cancelled"),
        cancellable=True,
    )
    assert op.dialog is not None and op.dialog.findChild(QPushButton) is not None
    assert started.wait(5)
    op.cancel()
    qtbot.waitUntil(lambda: outcome != [], timeout=5000)
    assert outcome == ["cancelled"]
    assert len(steps) < 1000


def test_quiet_work_has_no_dialog_and_reports_back_on_the_gui_thread(qtbot: QtBot) -> None:
    from shopper.ui.workers import run_quietly

    parent = QWidget()
    qtbot.addWidget(parent)
    seen: list[tuple[str, bool]] = []
    op = run_quietly(
        parent,
        lambda: threading.current_thread() is threading.main_thread(),
        on_done=lambda on_main: seen.append(("done", on_main)),
        on_error=lambda exc: seen.append(("error", False)),
    )
    assert op.dialog is None
    qtbot.waitUntil(lambda: seen != [], timeout=5000)
    assert seen == [("done", False)]  # it ran in a worker thread
    failing = run_quietly(
        parent,
        lambda: 1 / 0,
        on_done=lambda _r: seen.append(("done", True)),
        on_error=lambda exc: seen.append((type(exc).__name__, True)),
    )
    assert failing.dialog is None
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5000)
    assert seen[1] == ("ZeroDivisionError", True)


def test_a_window_closed_while_its_work_runs_gets_nothing_and_nothing_breaks(
    qtbot: QtBot,
) -> None:
    """The work ends after its window (and so its operation) is gone: no callback runs.

    The work's result, progress and failure reach the GUI thread through the one shared
    dispatcher; nothing the worker lets go of last is a Qt object.
    """
    from shopper.ui.workers import Operation, run_quietly

    parent = QWidget()
    release = threading.Event()
    called: list[str] = []

    def slow() -> str:
        release.wait(5)
        return "late"

    operation: Operation | None = run_quietly(
        parent,
        slow,
        on_done=lambda _r: called.append("done"),
        on_error=lambda _e: called.append("error"),
    )
    assert operation is not None
    job = operation.job  # what the worker holds: a plain object, no QObject in it
    assert not any(isinstance(value, QObject) for value in vars(job).values())
    parent.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(operation), timeout=5000)
    release.set()
    assert wait_for_background(5)
    qtbot.wait(50)
    assert called == []
    operation = None  # the last Python reference: the weak one empties
    assert job.operation() is None


def test_work_run_after_the_others_waits_for_every_job_started_before_it(qtbot: QtBot) -> None:
    """How a database left for another is closed: never under a load still reading it."""
    parent = QWidget()
    qtbot.addWidget(parent)
    release = threading.Event()
    order: list[str] = []

    def slow_load() -> None:
        release.wait(30)
        order.append("load")

    def close() -> None:
        order.append("close")

    run_quietly(parent, slow_load, on_done=lambda _r: None, on_error=lambda _e: None)
    run_after_the_others(parent, close, on_done=lambda _r: None, on_error=lambda _e: None)
    assert not wait_for_background(0.3)  # the close waits behind the load
    assert order == []
    assert "slow_load" in " ".join(pending_work())
    release.set()
    assert wait_for_background(10)
    assert order == ["load", "close"]


@pytest.mark.parametrize("in_background", [False, True])
def test_run_soon_runs_at_once_or_off_the_gui_thread(qtbot: QtBot, in_background: bool) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: list[object] = []

    def work() -> bool:
        return threading.current_thread() is threading.main_thread()

    run_soon(parent, work, in_background=in_background, on_done=seen.append, on_error=seen.append)
    if in_background:
        qtbot.waitUntil(lambda: bool(seen), timeout=10000)
    assert seen == [not in_background]

    def refused() -> None:
        raise ShopperError("no")

    failures: list[Exception] = []
    run_soon(
        parent, refused, in_background=in_background, on_done=seen.append, on_error=failures.append
    )
    qtbot.waitUntil(lambda: bool(failures), timeout=10000)
    assert [str(e) for e in failures] == ["no"]
