"""Qt tests collect garbage on the GUI thread only, as the app does (see ui.collector), and
read dates in the C locale (ISO), whatever the machine's locale."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QApplication

from shopper.services.context import AppContext
from shopper.ui.collector import install
from shopper.ui.workers import pending_work, wait_for_background


@pytest.fixture(autouse=True, scope="session")
def _collect_on_the_gui_thread(qapp: QApplication) -> Iterator[None]:
    install(qapp)
    QLocale.setDefault(QLocale.c())
    yield


@pytest.fixture
def ctx(data_dir: Path) -> Iterator[AppContext]:
    """The database, closed only once no background load still reads it (as the app quits).

    A window closed mid-load leaves its load running; closing the engine under it would
    free SQLite's memory while a worker uses it.
    """
    context = AppContext.open(data_dir)
    yield context
    assert wait_for_background(30), f"still running after 30 s: {pending_work()}"
    context.close()
