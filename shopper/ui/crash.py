"""One place for unexpected errors: log them, then show one dialog (or only log, headless).

Expected errors (`ShopperError`) are plain messages; anything else is a bug
and gets the crash dialog naming the log file.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from shopper.domain.errors import ShopperError

log = logging.getLogger("shopper.crash")


def headless() -> bool:
    """True when dialogs must not be shown (tests, scripted runs)."""
    return os.environ.get("SHOPPER_HEADLESS") == "1"


def show_error(parent: QWidget | None, message: str, *, title: str = "Shopper") -> None:
    """A plain message for an expected failure."""
    log.info("user message: %s", message)
    if headless():
        return
    QMessageBox.warning(parent, title, message)


class CrashHandler:
    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self._showing = False

    def install(self) -> None:
        sys.excepthook = self.handle

    def handle(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        if isinstance(exc, ShopperError):
            show_error(QApplication.activeWindow(), str(exc))
            return
        if isinstance(exc, KeyboardInterrupt):
            QApplication.quit()
            return
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        log.critical("unexpected error:\n%s", text)
        if headless() or self._showing:
            return
        self._showing = True
        try:
            box = QMessageBox(QApplication.activeWindow())
            box.setIcon(QMessageBox.Icon.Critical)
            box.setWindowTitle("Shopper — unexpected error")
            box.setText(
                "Something went wrong inside Shopper. Your saved answers are safe.\n\n"
                f"{exc_type.__name__}: {exc}"
            )
            box.setInformativeText(f"The details are in the log file:\n{self.log_path}")
            box.setDetailedText(text)
            box.exec()
        finally:
            self._showing = False
