"""Start the GUI: logging, QApplication, crash handler, the main window."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from shopper import __version__
from shopper.domain.errors import ShopperError

log = logging.getLogger("shopper")


def main(data_dir: Path | None = None, db_url: str | None = None) -> int:
    from PySide6.QtWidgets import QApplication, QMessageBox

    from shopper.services.context import AppContext, default_data_dir, setup_logging
    from shopper.store.integrity import DamagedDatabaseError
    from shopper.ui.backups_dialog import offer_restore_at_start
    from shopper.ui.crash import CrashHandler, headless
    from shopper.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Shopper")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("Shopper")
    app.setDesktopFileName("shopper")

    folder = (data_dir or default_data_dir()).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        setup_logging(folder / "shopper.log")
    except OSError as exc:
        print(f"shopper: error: cannot use the data folder {folder}: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    log.info("Shopper %s starting; data folder %s", __version__, folder)
    CrashHandler(folder / "shopper.log").install()
    try:
        ctx = AppContext.open(folder, db_url)
    except ShopperError as exc:
        log.error("cannot open the database: %s", exc)
        restored = None
        if isinstance(exc, DamagedDatabaseError) and not headless():
            restored = offer_restore_at_start(folder, db_url, exc)
        if restored is None:
            if not headless():
                QMessageBox.critical(None, "Shopper", f"Shopper cannot start:\n\n{exc}")
            print(f"shopper: error: {exc}", file=sys.stderr)  # noqa: T201
            return 2
        ctx = restored
    window = MainWindow(ctx)
    window.show()
    code = app.exec()
    ctx.close()
    return code
