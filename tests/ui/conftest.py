"""Qt tests collect garbage on the GUI thread only, as the app does (see ui.collector), and
read dates in the C locale (ISO), whatever the machine's locale."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QApplication

from shopper.ui.collector import install


@pytest.fixture(autouse=True, scope="session")
def _collect_on_the_gui_thread(qapp: QApplication) -> Iterator[None]:
    install(qapp)
    QLocale.setDefault(QLocale.c())
    yield
