"""Backups and bundles in the main window: File-menu actions, drag and drop, automatic backups.

`DataActions` adds Import bundle…, Export bundle…, Back up now and Restore
backup… to the File menu, accepts `.shopper` files dropped on the window, and
every few minutes asks the backup service (off the GUI thread) whether an
automatic backup is due. Work that touches the database runs as an operation
with a progress dialog; the open audit is saved first and reloaded after.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QAction, QDropEvent
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QMessageBox

from shopper.domain.clock import in_zone, local_zone_name
from shopper.domain.errors import ShopperError
from shopper.domain.wording import count_of
from shopper.services.audits import list_audits
from shopper.services.backups import (
    BackupInfo,
    RestoreResult,
    list_backups,
    make_backup,
    restore_backup,
)
from shopper.services.bundles import (
    BUNDLE_SUFFIX,
    ExportResult,
    ImportSummary,
    audit_ids_for,
    default_bundle_name,
    export_bundle,
    import_into,
    is_bundle,
)
from shopper.services.companies import get_company
from shopper.services.upkeep import (
    CheckResult,
    RepairResult,
    TickResult,
    full_check_due,
    repair_indexes,
    tick,
    writing_stopped,
)
from shopper.ui.backups_dialog import RestoreDialog
from shopper.ui.bundle_dialogs import ExportBundleDialog, ExportChoice, ImportSummaryDialog
from shopper.ui.crash import show_error
from shopper.ui.dates import day_text, time_text
from shopper.ui.workers import Operation, on_a_server, run_operation, run_quietly, run_soon

if TYPE_CHECKING:
    from shopper.ui.host import AuditHost

log = logging.getLogger(__name__)

UPKEEP_MS = 60 * 1000
"""How often the upkeep runs: a checkpoint when idle, a backup when due (the service decides)."""
FIRST_UPKEEP_MS = 3 * 1000
"""The first round, with the full check when one is due (after a crash, or once a day)."""
BUNDLE_FILTER = f"Shopper bundles (*{BUNDLE_SUFFIX});;All files (*)"


class DataActions(QObject):
    """Adds the data-safety and exchange actions to a main window."""

    def __init__(self, window: QMainWindow, host: AuditHost) -> None:
        super().__init__(window)
        self.window = window
        self.host = host
        self.busy = False
        self.backing_up = False
        self.summary_dialog: ImportSummaryDialog | None = None
        self.last_summaries: list[ImportSummary] = []
        self._operation: Operation | None = None
        self._upkeep: Operation | None = None
        self.import_action = self._action(
            "Im&port bundle…",
            self.choose_import,
            "Ctrl+Shift+I",
            "Import audits from .shopper files",
        )
        self.export_action = self._action(
            "E&xport bundle…", self.choose_export, "", "Write audits to a .shopper file"
        )
        self.backup_action = self._action("&Back up now", self.backup_now)
        self.restore_action = self._action("&Restore backup…", self.choose_restore)
        self.repair_action = self._action(
            "Re&pair database…",
            self.repair,
            "",
            "Check the whole database and rebuild its indexes if only they are damaged",
        )
        local = host.ctx.db_path is not None
        for action in (self.backup_action, self.restore_action, self.repair_action):
            action.setEnabled(local)
        self._install()
        window.setAcceptDrops(True)
        window.installEventFilter(self)
        self.damage_dialog: QMessageBox | None = None
        self.damage_label = QLabel()
        self.damage_label.setStyleSheet("color: #b00020; font-weight: bold;")
        self.damage_label.setVisible(False)
        window.statusBar().addPermanentWidget(self.damage_label)
        self.check_due = local and full_check_due(
            host.ctx.data_dir, unclean=host.ctx.unclean_shutdown
        )
        self.timer = QTimer(self)
        self.timer.setInterval(UPKEEP_MS)
        self.timer.timeout.connect(self.upkeep)
        self.first_check = QTimer(self)
        self.first_check.setSingleShot(True)
        self.first_check.setInterval(FIRST_UPKEEP_MS)
        self.first_check.timeout.connect(self.upkeep)
        if local:
            self.timer.start()
            self.first_check.start()
            if writing_stopped(host.engine):
                self._show_stopped()

    def _action(self, text: str, slot: Any, shortcut: str = "", tip: str = "") -> QAction:
        action = QAction(text, self.window)
        if shortcut:
            action.setShortcut(shortcut)
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _install(self) -> None:
        menu = self.host.file_menu
        before = self.host.quit_action if self.host.quit_action in menu.actions() else None
        actions = (self.import_action, self.export_action, None, self.backup_action)
        for action in (*actions, self.restore_action, self.repair_action, None):
            if action is None:
                menu.insertSeparator(before) if before else menu.addSeparator()
            elif before is not None:
                menu.insertAction(before, action)
            else:
                menu.addAction(action)

    # -- the open audit ---------------------------------------------------------------

    def _release_audit(self) -> str | None:
        """Save the open audit's typing first; returns its id. Raises if that fails."""
        view = self.host.runner_view
        if view is None:
            return None
        if not view.flush():
            raise ShopperError("your last change could not be saved; fix that first")
        return view.runner.audit_id

    def _reload(self, audit_id: str | None) -> None:
        """Show the database as it is now: lists, and the open audit read afresh."""
        host, engine = self.host, self.host.engine

        def still_there() -> bool:
            return audit_id is not None and bool(list_audits(engine=engine, ids=[audit_id]))

        def reopen(there: bool) -> None:
            if there and audit_id is not None:
                host.open_audit(audit_id)
            elif host.runner_view is not None:
                host.close_audit()
            host.refresh()

        self._reading = run_soon(
            self.window,
            still_there,
            in_background=on_a_server(engine),
            on_done=reopen,
            on_error=lambda exc: show_error(self.window, str(exc)),
        )

    def _start(
        self,
        title: str,
        work: Callable[[Any], Any],
        done: Callable[[Any, str | None], None],
        failed_title: str,
        *,
        cancelled: str = "",
    ) -> None:
        """Run `work` behind a progress dialog, the open audit saved first and reloaded
        after; with `cancelled` (the words to show when it is), the dialog offers Cancel."""
        if self.busy:
            show_error(self.window, "Wait until the current import, export or restore ends.")
            return
        view = self.host.runner_view
        if view is not None and view.saves is not None:  # a team database: never block
            open_id = view.runner.audit_id

            def saved(written: bool) -> None:
                if not written:
                    show_error(
                        self.window,
                        "The open audit's last changes are not saved yet (the server does "
                        "not answer); try again once they are.",
                        title=failed_title,
                    )
                elif view is self.host.runner_view and not self.busy:
                    self._run(
                        title, work, done, failed_title, cancelled=cancelled, audit_id=open_id
                    )

            view.after_saves(saved)
            return
        try:
            audit_id = self._release_audit()
        except ShopperError as exc:
            show_error(self.window, str(exc), title=failed_title)
            return
        self._run(title, work, done, failed_title, cancelled=cancelled, audit_id=audit_id)

    def _run(
        self,
        title: str,
        work: Callable[[Any], Any],
        done: Callable[[Any, str | None], None],
        failed_title: str,
        *,
        cancelled: str,
        audit_id: str | None,
    ) -> None:
        self.busy = True

        def on_done(result: Any) -> None:
            self.busy = False
            done(result, audit_id)

        def on_error(exc: Exception) -> None:
            self.busy = False
            self._reload(audit_id)
            message = str(exc) if isinstance(exc, ShopperError) else f"{failed_title}: {exc}"
            show_error(self.window, message, title=failed_title)

        def on_cancel() -> None:
            self.busy = False
            self._reload(audit_id)
            self.window.statusBar().showMessage(cancelled, 10000)

        self._operation = run_operation(
            self.window,
            title,
            work,
            on_done=on_done,
            on_error=on_error,
            on_cancel=on_cancel,
            cancellable=bool(cancelled),
        )

    # -- import ------------------------------------------------------------------------

    def choose_import(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(
            self.window, "Import bundles", str(Path.home()), BUNDLE_FILTER
        )
        if names:
            self.import_files([Path(n) for n in names])

    def import_files(self, paths: list[Path]) -> None:
        """Import bundles one after the other (each in one transaction) and show a summary."""
        ctx = self.host.ctx

        def work(progress: Any) -> list[ImportSummary]:
            summaries = []
            for index, path in enumerate(paths):

                def step(done: int, total: int, index: int = index) -> None:
                    progress(index * 100 + 100 * done // max(total, 1), 100 * len(paths))

                summaries.append(import_into(ctx, path, step))
            return summaries

        def done(summaries: list[ImportSummary], audit_id: str | None) -> None:
            self._reload(audit_id)
            self.last_summaries = summaries
            self.summary_dialog = ImportSummaryDialog(summaries, self.window)
            self.summary_dialog.open()
            added = sum(len(s.added) for s in summaries)
            updated = sum(len(s.updated) for s in summaries)
            self.window.statusBar().showMessage(
                f"Imported {added} new and {updated} updated audits", 10000
            )

        self._start(
            "Importing…",
            work,
            done,
            "Bundle not imported",
            cancelled="Import cancelled: nothing was imported",
        )

    # -- export ------------------------------------------------------------------------

    def export_choices(self) -> list[ExportChoice]:
        """What a bundle can hold (read at once: for this computer's database and tests)."""
        return self._read_choices()()

    def _read_choices(self) -> Callable[[], list[ExportChoice]]:
        """The read of the export choices, with what it needs of the widgets taken now, so
        that it can run off the GUI thread."""
        engine = self.host.engine
        choices: list[ExportChoice] = []
        view = self.host.runner_view
        if view is not None:
            runner = view.runner
            choices.append(
                ExportChoice(
                    f"The open audit ({runner.company.name}, "
                    f"{day_text(runner.audit.started_at, runner.audit.started_tz)})",
                    [runner.audit_id],
                    f"{runner.company.name} {runner.audit.touchpoint}",
                )
            )
        company_id = self.host.selected_company_id()

        def read() -> list[ExportChoice]:
            found = list(choices)
            if company_id:
                ids = audit_ids_for(engine=engine, company_id=company_id)
                name = get_company(engine=engine, company_id=company_id).name
                found.append(ExportChoice(f"Every audit of {name} ({len(ids)})", ids, name))
            everything = audit_ids_for(engine=engine, everything=True)
            found.append(ExportChoice(f"Every audit ({len(everything)})", everything, "all"))
            return found

        return read

    def choose_export(self) -> None:
        """File › Export bundle…: the choices are read (off the GUI thread on a team
        database), then offered."""
        self._reading = run_soon(
            self.window,
            self._read_choices(),
            in_background=on_a_server(self.host.engine),
            on_done=self._offer_export,
            on_error=lambda exc: show_error(self.window, str(exc), title="Export a bundle"),
        )

    def _offer_export(self, choices: list[ExportChoice]) -> None:
        if not any(c.audit_ids for c in choices):
            show_error(self.window, "There are no audits to export yet.", title="Export a bundle")
            return
        dialog = ExportBundleDialog(choices, self.window)
        if not dialog.exec() or dialog.chosen is None:
            return
        choice = dialog.chosen
        name, _ = QFileDialog.getSaveFileName(
            self.window,
            "Export a bundle",
            str(Path.home() / default_bundle_name(choice.name)),
            BUNDLE_FILTER,
        )
        if name:
            path = Path(name)
            if not path.suffix:
                path = path.with_suffix(BUNDLE_SUFFIX)
            self.export_to(path, choice.audit_ids)

    def export_to(self, path: Path, audit_ids: list[str]) -> None:
        ctx = self.host.ctx

        def work(progress: Any) -> ExportResult:
            return export_bundle(
                engine=ctx.engine,
                data_dir=ctx.data_dir,
                path=path,
                audit_ids=audit_ids,
                progress=progress,
            )

        def done(result: ExportResult, audit_id: str | None) -> None:
            self._reload(audit_id)
            self.window.statusBar().showMessage(
                f"Exported {count_of(result.audits, 'audit')} and "
                f"{count_of(result.evidence, 'evidence file')} to "
                f"{result.path}",
                10000,
            )

        self._start(
            "Exporting…",
            work,
            done,
            "Bundle not exported",
            cancelled="Export cancelled: no bundle was written",
        )

    # -- backups -----------------------------------------------------------------------

    def backup_now(self) -> None:
        ctx = self.host.ctx

        def work(_progress: Any) -> BackupInfo:
            return make_backup(engine=ctx.engine, backups_dir=ctx.backups_dir, reason="manual")

        def done(info: BackupInfo, audit_id: str | None) -> None:
            self._reload(audit_id)
            self.window.statusBar().showMessage(f"Backed up to {info.path}", 10000)

        self._start("Backing up…", work, done, "No backup made")

    def choose_restore(self) -> None:
        dialog = RestoreDialog(list_backups(self.host.ctx.backups_dir), self.window)
        if dialog.exec() and dialog.chosen is not None:
            self.restore(dialog.chosen)

    def restore(self, source: Path) -> None:
        """Put a backup in place (the current database is backed up first) and reopen on it."""
        ctx = self.host.ctx
        db_path = ctx.db_path
        if db_path is None:
            show_error(self.window, "Restoring works on the local database only.")
            return
        if self.backing_up:  # its copy must not straddle the file being replaced
            show_error(self.window, "An automatic backup is being made; try again in a moment.")
            return

        def work(_progress: Any) -> RestoreResult:
            return restore_backup(
                data_dir=ctx.data_dir, db_path=db_path, source=source, engine=ctx.engine
            )

        def done(result: RestoreResult, audit_id: str | None) -> None:
            if result.engine is not None:
                self.host.adopt_engine(result.engine)
            self.damage_label.setVisible(False)
            self._reload(audit_id)
            kept = result.previous.name if result.previous else "nothing"
            self.window.statusBar().showMessage(
                f"Restored {result.restored_from.name}; the database it replaced is kept as {kept}",
                15000,
            )

        # While busy, the automatic backup stays away from the file being replaced.
        self._start("Restoring…", work, done, "Backup not restored")

    def upkeep(self) -> None:
        """One round of upkeep off the GUI thread: the full check when due, a checkpoint
        when idle, an automatic backup when due (see `services.upkeep.tick`)."""
        ctx = self.host.ctx
        db_path = ctx.db_path
        if self.busy or self.backing_up or db_path is None:
            return
        self.backing_up = True
        check, self.check_due = self.check_due, False
        self._upkeep = run_quietly(
            self.window,
            lambda: tick(engine=ctx.engine, db_path=db_path, data_dir=ctx.data_dir, check=check),
            on_done=self._auto_done,
            on_error=self._auto_failed,
        )

    def _auto_done(self, result: TickResult) -> None:
        self.backing_up = False
        if result.check is not None and not result.check.ok:
            self.show_damage(result.check)
        info = result.backup
        if info is not None:
            at = in_zone(info.made_at, local_zone_name())
            self.window.statusBar().showMessage(f"Backed up automatically at {time_text(at)}", 8000)

    def _auto_failed(self, exc: Exception) -> None:
        self.backing_up = False
        log.warning("upkeep failed: %s", exc)
        self.window.statusBar().showMessage(f"Automatic backup failed: {exc}", 15000)

    # -- damage found -----------------------------------------------------------------

    def _show_stopped(self) -> None:
        self.damage_label.setText("Read-only: the database is damaged")
        self.damage_label.setToolTip(
            "Shopper found damage and stopped writing, so nothing more is lost. "
            "File › Repair database… or File › Restore backup…"
        )
        self.damage_label.setVisible(True)

    def show_damage(self, result: CheckResult) -> None:
        """Say that writing stopped and why, and offer the fix (never modal: work may go on
        being read)."""
        self._show_stopped()
        dialog = QMessageBox(self.window)
        dialog.setIcon(QMessageBox.Icon.Warning)
        dialog.setWindowTitle("The database is damaged")
        dialog.setText(result.advice())
        if result.indexes_only:
            repair = dialog.addButton("Rebuild the indexes", QMessageBox.ButtonRole.AcceptRole)
            repair.clicked.connect(self.repair)
        restore = dialog.addButton("Restore a backup…", QMessageBox.ButtonRole.ActionRole)
        restore.clicked.connect(self.choose_restore)
        dialog.addButton(QMessageBox.StandardButton.Close)
        self.damage_dialog = dialog
        dialog.open()

    def repair(self) -> None:
        """Check the whole database; rebuild its indexes if only they are damaged."""
        ctx = self.host.ctx
        if ctx.db_path is None:
            return
        db_path = ctx.db_path

        def work(_progress: Any) -> RepairResult:
            return repair_indexes(engine=ctx.engine, db_path=db_path, data_dir=ctx.data_dir)

        def done(result: RepairResult, audit_id: str | None) -> None:
            self.damage_label.setVisible(False)
            self._reload(audit_id)
            text = (
                "The database is sound: nothing to repair."
                if result.kept is None
                else f"Indexes rebuilt; the database is sound. As it was, it is kept as "
                f"{result.kept.name}."
            )
            self.window.statusBar().showMessage(text, 15000)

        self._start("Checking and repairing the database…", work, done, "Not repaired")

    # -- drag and drop ---------------------------------------------------------------

    @staticmethod
    def bundle_paths(event: QDropEvent) -> list[Path]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
        return [p for p in paths if is_bundle(p)]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window:
            kind = event.type()
            if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
                assert isinstance(event, QDropEvent)  # drag enter and move events are drop events
                if self.bundle_paths(event):
                    event.acceptProposedAction()
                    return True
            elif kind == QEvent.Type.Drop:
                assert isinstance(event, QDropEvent)
                paths = self.bundle_paths(event)
                if paths:
                    event.acceptProposedAction()
                    self.import_files(paths)
                    return True
        return super().eventFilter(watched, event)
