"""Start the GUI: logging, QApplication, crash handler, the main window.

The window is painted first; the database layer is imported and the database
opened in a worker thread right after, so the shopper sees the app at once
and the GUI never freezes on start-up work.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shopper import __version__
from shopper.paths import default_data_dir

log = logging.getLogger("shopper")

EXIT_CANNOT_OPEN = 2


def main(
    data_dir: Path | None = None, db_url: str | None = None, open_audit: str | None = None
) -> int:
    from shopper.ui.qt_libs import platform_problem

    if (problem := platform_problem()) is not None:
        print(f"shopper: error: {problem}", file=sys.stderr)  # noqa: T201
        return EXIT_CANNOT_OPEN

    from PySide6.QtWidgets import QApplication

    from shopper.ui.crash import CrashHandler
    from shopper.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    from shopper.ui.collector import install as collect_on_the_gui_thread

    collect_on_the_gui_thread(app)
    app.setApplicationName("Shopper")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("Shopper")
    app.setDesktopFileName("shopper")

    folder = (data_dir or default_data_dir()).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        print(f"shopper: error: cannot use the data folder {folder}: {exc}", file=sys.stderr)  # noqa: T201
        return EXIT_CANNOT_OPEN
    CrashHandler(folder / "shopper.log").install()
    window = MainWindow(data_dir=folder, open_audit=open_audit, paint_first=True)
    opener = DatabaseOpener(window, folder, db_url)
    # After the first paint: the worker's imports would otherwise compete with it.
    window.first_painted.connect(opener.start)
    window.show()
    code = app.exec()
    # Background work still running would use the database as it closes: let it end.
    from shopper.ui.workers import wait_for_background

    wait_for_background(30)
    if opener.failed:
        return EXIT_CANNOT_OPEN
    while window.successor is not None:  # the user switched databases: the last one is open
        window = window.successor
    if window.attached:
        window.ctx.close()
    return code


SERVICES_AT_START = (
    "shopper.services.audits",
    "shopper.services.companies",
    "shopper.services.follow_up",
    "shopper.services.runner",
    "shopper.services.shops",
    "shopper.services.bundles",
    "shopper.services.backups",
    "shopper.services.feedback",
    "shopper.services.said_no",
    "shopper.domain.compare",
    "shopper.domain.actions",
    "shopper.store.team",
    "shopper.store.analysis",
    "shopper.services.records",
)
"""What the lists' reads and the menus installed after them import: imported with the
database, off the GUI thread, so the window never stops to import them."""


def load_services() -> None:
    import importlib

    for name in SERVICES_AT_START:
        importlib.import_module(name)


@dataclass
class Opened:
    """What start-up opened: a database, or the team database's request for a password."""

    ctx: Any
    asked: Any = None
    team_problem: str = ""
    """Why the remembered team database could not be opened (this computer's was instead)."""


class DatabaseOpener:
    """Open the database off the GUI thread, then hand it to the window (or say why not)."""

    def __init__(self, window: Any, folder: Path, db_url: str | None) -> None:
        self.window = window
        self.folder = folder
        self.db_url = db_url
        self.failed = False
        self._operation: Any = None

    def start(self, *, try_team: bool = True) -> None:
        """Glance at the lists, then open the database (both off the GUI thread)."""
        from shopper.ui.workers import run_quietly

        if self._told() or self.window.attached or (try_team and self._team_wanted()):
            self._open(try_team=try_team)
            return
        # This computer's database: its lists are shown before the database layer loads.
        folder, filters = self.folder, self.window.glance_filters()

        def work() -> Any:
            from shopper.services.glance import glance_at

            return glance_at(folder, filters)

        def seen(glance: Any) -> None:
            if glance is not None:
                self.window.show_glance(glance)
            self._open(try_team=try_team)

        def failed(exc: Exception) -> None:
            log.warning("no start-up glance: %s", exc)  # the lists are read once it is open
            self._open(try_team=try_team)

        self._glancing = run_quietly(self.window, work, on_done=seen, on_error=failed)

    def _open(self, *, try_team: bool) -> None:
        from shopper.ui.workers import run_operation

        folder, db_url = self.folder, self.db_url
        team_wanted = try_team and self._team_wanted()

        def work(_progress: Any) -> Any:
            from shopper.domain.errors import ShopperError
            from shopper.services.connect import PasswordNeededError
            from shopper.services.context import AppContext, setup_logging
            from shopper.ui.team.connect import open_team

            setup_logging(folder / "shopper.log")
            log.info("Shopper %s starting; data folder %s", __version__, folder)
            problem = ""
            team = None
            if team_wanted:
                from shopper.services.team_link import load_link

                try:
                    team = load_link(folder)
                except ShopperError as exc:
                    problem = str(exc)
            if team is not None:
                try:
                    return Opened(open_team(folder, team, None))
                except PasswordNeededError as asked:
                    return Opened(None, asked=asked)
                except ShopperError as exc:
                    log.warning("the team database could not be opened: %s", exc)
                    problem = str(exc)
            # The integrity check runs once the lists are being read (see `opened`).
            ctx = AppContext.open(folder, db_url, check_later=True)
            load_services()
            return Opened(ctx, team_problem=problem)

        self._operation = run_operation(
            self.window, "Opening the database…", work, on_done=self.opened, on_error=self.refused
        )

    def _team_wanted(self) -> bool:
        """Whether to open the team database the app was on when it quit (its link is read
        in the worker), unless told which database to open."""
        from shopper.ui.settings import Options

        return not self._told() and self.window.settings.get(Options.TEAM_AT_START)

    def _told(self) -> bool:
        """Whether the command line or the environment says which database to open."""
        import os

        return bool(self.db_url or os.environ.get("SHOPPER_DB_URL"))

    def opened(self, result: Opened) -> None:
        if result.asked is not None:
            self._ask_password(result.asked)
            return
        assert result.ctx is not None
        self.window.attach(result.ctx, lists_first=True)
        if result.ctx.check_pending:
            self._check(result.ctx)
        if result.team_problem:
            self.window.statusBar().showMessage(
                f"The team database could not be opened ({result.team_problem}): working on "
                "this computer's database. Team › Connect to team database… tries again.",
                60000,
            )

    def _check(self, ctx: Any) -> None:
        """The integrity check deferred at opening, off the GUI thread while the lists fill;
        writes wait for it. Damage found is shown at once, and nothing is written."""
        from shopper.ui.workers import run_quietly

        window = self.window

        def checked(result: Any) -> None:
            if window.ctx is not ctx:
                return  # the user switched databases meanwhile
            if result.ok:
                window.database_checked()
            else:
                window.install_tools()  # if the lists are still being read
                window.data_actions.show_damage(result)

        def failed(exc: Exception) -> None:
            from shopper.domain.errors import ShopperError
            from shopper.ui.crash import show_error

            if not isinstance(exc, ShopperError):
                raise exc  # a bug: the crash handler shows it
            log.error("the database could not be checked: %s", exc)
            show_error(
                window,
                f"Shopper could not check its database ({exc}); it writes nothing to it "
                "until it is opened again.",
                title="Database not checked",
            )

        self._checking = run_quietly(window, ctx.finish_check, on_done=checked, on_error=failed)

    def _ask_password(self, asked: Any) -> None:
        """The remembered team database wants a password: ask, or open this computer's."""
        from shopper.ui.crash import headless
        from shopper.ui.team.connect import ConnectDialog

        if headless():
            self._open(try_team=False)
            return
        dialog = self.dialog = ConnectDialog(self.folder, self.window, asked=asked)

        def finished(result: int) -> None:
            if result == ConnectDialog.DialogCode.Accepted and dialog.ctx is not None:
                self.window.attach(dialog.ctx)
            else:
                self._open(try_team=False)

        dialog.finished.connect(finished)
        dialog.open()

    def refused(self, exc: Exception) -> None:
        from PySide6.QtWidgets import QApplication, QMessageBox

        from shopper.domain.errors import ShopperError
        from shopper.services.records import DamagedDatabaseError
        from shopper.ui.crash import headless

        if not isinstance(exc, ShopperError):
            raise exc  # a bug: the crash handler shows it
        log.error("cannot open the database: %s", exc)
        if isinstance(exc, DamagedDatabaseError) and not headless():
            from shopper.ui.backups_dialog import offer_restore_at_start

            restored = offer_restore_at_start(self.folder, self.db_url, exc)
            if restored is not None:
                self.window.attach(restored)
                return
        self.failed = True
        print(f"shopper: error: {exc}", file=sys.stderr)  # noqa: T201
        if not headless():
            QMessageBox.critical(self.window, "Shopper", f"Shopper cannot start:\n\n{exc}")
        QApplication.exit(EXIT_CANNOT_OPEN)
