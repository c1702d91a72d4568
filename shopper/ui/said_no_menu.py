"""The Customers menu: the said-no log (seed 002) and imported complaints, feedback and
leaving reasons (seed 001). Only Qt is imported here: each window is imported when first
opened."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFileDialog, QMainWindow

from shopper.ui.menu_windows import EXPORT_FILTERS, MenuWindows

if TYPE_CHECKING:
    from shopper.ui.host import AuditHost

SHEET_FILTERS = "Spreadsheets (*.csv *.xlsx);;CSV, UTF-8 (*.csv);;Excel workbook (*.xlsx)"


class SaidNoActions(MenuWindows):
    """Adds the Customers menu to a main window and keeps the windows it opens."""

    def __init__(self, window: QMainWindow, host: AuditHost) -> None:
        super().__init__(window, host)
        self._operation: Any = None
        self.last_export: int | Exception | None = None
        self.note_action = self._action("&Note a said-no…", self.note, "Ctrl+Alt+N")
        self.note_action.setStatusTip("Note one time a customer was told no (keyboard only)")
        self.log_action = self._action("Said-no &log…", self.open_log)
        self.log_action.setStatusTip("Day N of the log, entries per day, and the summary")
        self.import_said_no_action = self._action(
            "&Import said-no spreadsheet…", lambda: self.import_file("said-no")
        )
        self.import_feedback_action = self._action(
            "Import &complaints or feedback…", lambda: self.import_file("")
        )
        self.themes_action = self._action("&Feedback by theme…", self.open_feedback)
        self.export_said_no_action = self._action(
            "&Export the said-no log…", lambda: self.export("said-no")
        )
        self.export_feedback_action = self._action(
            "Export feedback…", lambda: self.export("feedback")
        )
        menu = window.menuBar().addMenu("C&ustomers")
        for action in (self.note_action, self.log_action, self.themes_action):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.import_said_no_action)
        menu.addAction(self.import_feedback_action)
        menu.addSeparator()
        menu.addAction(self.export_said_no_action)
        menu.addAction(self.export_feedback_action)
        bar = window.menuBar()
        # Before Analyse (else Help): the manager's menus end Analyse, Help.
        before = next((a for a in bar.actions() if a.text() in ("&Analyse", "&Help")), None)
        if before is not None:
            bar.removeAction(menu.menuAction())
            bar.insertMenu(before, menu)

    def _companies(self) -> list[tuple[str, str]]:
        return [(row.id, row.name) for row in self.host.companies()]

    def note(self) -> Any:
        from shopper.ui.said_no_entry import SaidNoEntryDialog

        return self._keep(
            SaidNoEntryDialog(
                self.host.engine,
                self._companies(),
                company_id=self.host.selected_company_id(),
                parent=self.window,
            )
        )

    def open_log(self) -> Any:
        from shopper.ui.said_no_window import SaidNoWindow

        return self._keep(
            SaidNoWindow(
                self.host.engine,
                self._companies(),
                company_id=self.host.selected_company_id(),
                parent=self.window,
            )
        )

    def open_feedback(self) -> Any:
        from shopper.ui.feedback_window import FeedbackWindow

        return self._keep(
            FeedbackWindow(
                self.host.engine,
                self._companies(),
                company_id=self.host.selected_company_id(),
                parent=self.window,
            )
        )

    def import_file(self, kind: str, path: Path | None = None) -> Any:
        """Pick a spreadsheet, then map its columns and import it (off the GUI thread)."""
        if path is None:
            name, _ = QFileDialog.getOpenFileName(
                self.window, "Import a spreadsheet", "", SHEET_FILTERS
            )
            if not name:
                return None
            path = Path(name)
        from shopper.ui.import_dialog import ImportDialog

        return self._keep(
            ImportDialog(
                self.host.engine,
                path,
                self._companies(),
                kind=kind,
                company_id=self.host.selected_company_id(),
                parent=self.window,
            )
        )

    def export(self, what: str, path: Path | None = None) -> Any:
        """Every said-no entry (or feedback entry) of every company to CSV or XLSX, off the
        GUI thread; the main window's status bar says how it went."""
        if path is None:
            name, _ = QFileDialog.getSaveFileName(
                self.window, "Export", f"{what}.xlsx", EXPORT_FILTERS
            )
            if not name:
                return None
            path = Path(name)
        from shopper.services import said_no_export as export
        from shopper.services.export import format_for
        from shopper.ui.crash import show_error
        from shopper.ui.workers import run_operation

        engine, target = self.host.engine, path

        def work(_progress: Any) -> int:
            fmt = format_for(target, None)
            if what == "said-no":
                rows = export.said_no_rows(engine=engine)
                return export.write_table(target, fmt, export.SAID_NO_COLUMNS, rows, "Said no")
            rows = export.feedback_rows(engine=engine)
            return export.write_table(target, fmt, export.FEEDBACK_COLUMNS, rows, "Feedback")

        def done(count: int) -> None:
            self.last_export = count
            self.window.statusBar().showMessage(f"Wrote {count:,} entries to {target}", 10_000)

        def failed(exc: Exception) -> None:
            self.last_export = exc
            show_error(self.window, str(exc))

        self._operation = run_operation(
            self.window, "Exporting…", work, on_done=done, on_error=failed
        )
        return self._operation
