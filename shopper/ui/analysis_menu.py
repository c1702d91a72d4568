"""The manager's windows, reached from the main window's Analyse menu.

Compare, Journey and Findings by theme open as windows of their own beside
the main window: a manager keeps a comparison or the findings open while the
audit they lead to opens in the main window's runner, and may keep several
(two touchpoints side by side). Each takes the main window's selection as its
starting point. Export answers writes the audits in view (or all) to CSV or
XLSX off the GUI thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFileDialog, QMainWindow, QToolBar

from shopper.domain.errors import ShopperError
from shopper.domain.wording import count_of
from shopper.ui.crash import show_error
from shopper.ui.menu_windows import EXPORT_FILTERS, MenuWindows
from shopper.ui.workers import Operation, run_operation

if TYPE_CHECKING:
    # The windows and the export (openpyxl, the report package, reportlab) are imported
    # when first used: the menu is installed at start-up, before the lists are filled.
    from shopper.services.export import ExportResult
    from shopper.ui.compare.view import CompareWindow
    from shopper.ui.findings import FindingsWindow
    from shopper.ui.host import AuditHost
    from shopper.ui.journey import JourneyWindow


class AnalysisActions(MenuWindows):
    """Adds the Analyse menu to a main window and keeps the windows it opens."""

    def __init__(self, window: QMainWindow, host: AuditHost) -> None:
        super().__init__(window, host)
        self._operation: Operation | None = None
        self.compare_action = self._action("&Compare audits…", self.open_compare, "Ctrl+Alt+C")
        self.compare_action.setToolTip(
            "Compare the repeated audits of the selected company at the touchpoint in the filter"
        )
        self.journey_action = self._action("Company &journey…", self.open_journey, "Ctrl+Alt+J")
        self.findings_action = self._action("&Findings by theme…", self.open_findings, "Ctrl+Alt+T")
        self.export_view_action = self._action(
            "&Export answers in view…", lambda: self.export(in_view=True)
        )
        self.export_all_action = self._action(
            "Export &all answers…", lambda: self.export(in_view=False)
        )
        self._install()

    def _install(self) -> None:
        bar = self.window.menuBar()
        menu = bar.addMenu("&Analyse")
        for action in (self.compare_action, self.journey_action, self.findings_action):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.export_view_action)
        menu.addAction(self.export_all_action)
        # Keep Help last, where people look for it.
        help_action = next((a for a in bar.actions() if a.text() == "&Help"), None)
        if help_action is not None:
            bar.removeAction(menu.menuAction())
            bar.insertMenu(help_action, menu)
        toolbar = self.window.findChild(QToolBar, "mainToolbar")
        if toolbar is not None:
            toolbar.addSeparator()
            toolbar.addAction(self.compare_action)
            toolbar.addAction(self.journey_action)
            toolbar.addAction(self.findings_action)

    # -- the main window's selection -------------------------------------------------

    def _company_id(self) -> str:
        return self.host.selected_company_id()

    def _touchpoint(self) -> str:
        """The touchpoint filter, else the open audit's touchpoint."""
        return self.host.selected_touchpoint()

    # -- windows ---------------------------------------------------------------------

    def _opened(self, widget: Any) -> None:
        if hasattr(widget, "open_audit"):
            widget.open_audit.connect(self.open_at)

    def open_compare(self, company_id: str = "", touchpoint: str = "") -> CompareWindow:
        from shopper.ui.compare.view import CompareWindow

        window: CompareWindow = self._keep(
            CompareWindow(
                self.host.engine,
                company_id=company_id or self._company_id(),
                touchpoint=touchpoint or self._touchpoint(),
                parent=self.window,
                companies=self.host.companies(),
            )
        )
        return window

    def open_journey(self, company_id: str = "") -> JourneyWindow:
        from shopper.ui.journey import JourneyWindow

        window: JourneyWindow = self._keep(
            JourneyWindow(
                self.host.engine,
                company_id=company_id or self._company_id(),
                parent=self.window,
                companies=self.host.companies(),
            )
        )
        window.compare_requested.connect(self.open_compare)
        window.findings_requested.connect(self.open_findings)
        return window

    def open_findings(
        self, company_id: str | None = None, touchpoint: str | None = None, theme: str | None = None
    ) -> FindingsWindow:
        from shopper.ui.findings import FindingsWindow

        window: FindingsWindow = self._keep(
            FindingsWindow(
                self.host.engine,
                company_id=self._company_id() if company_id is None else company_id,
                touchpoint=self.host.selected_filter_touchpoint()
                if touchpoint is None
                else touchpoint,
                theme=theme,
                parent=self.window,
                companies=self.host.companies(),
            )
        )
        return window

    def open_at(self, audit_id: str, item_id: str) -> None:
        """Show an audit in the main window's runner, at the item if there is one."""
        self.host.show_audit_at(audit_id, item_id)

    # -- export ----------------------------------------------------------------------

    def export(self, *, in_view: bool, path: Path | None = None) -> None:
        """Ask for a file (unless given) and write the answers there in the background."""
        from shopper.services.export import export_answers, format_for
        from shopper.services.records import Scope

        if path is None:
            name, chosen = QFileDialog.getSaveFileName(
                self.window, "Export answers", "answers.xlsx", EXPORT_FILTERS
            )
            if not name:
                return
            path = Path(name)
            if not path.suffix:
                path = path.with_suffix(".csv" if "csv" in chosen.lower() else ".xlsx")
        try:
            fmt = format_for(path)
        except ShopperError as exc:
            show_error(self.window, str(exc), title="Nothing exported")
            return
        window, host = self.window, self.host
        scope = (
            Scope(
                company_id=host.selected_company_id() or None,
                touchpoint=host.selected_filter_touchpoint() or None,
                status=host.selected_status() or None,
            )
            if in_view
            else Scope(status=None)
        )
        engine = host.engine

        def work(progress: Any) -> ExportResult:
            return export_answers(engine=engine, path=path, fmt=fmt, scope=scope, progress=progress)

        def done(result: ExportResult) -> None:
            window.statusBar().showMessage(
                f"Exported {count_of(result.rows, 'answer')} of {count_of(result.audits, 'audit')} "
                f"to {result.path}",
                10000,
            )

        def failed(exc: Exception) -> None:
            message = str(exc) if isinstance(exc, ShopperError) else f"Export failed: {exc}"
            show_error(window, message, title="Nothing exported")

        def cancelled() -> None:
            window.statusBar().showMessage("Export cancelled: no file was written", 10000)

        self._operation = run_operation(
            window,
            "Exporting answers…",
            work,
            on_done=done,
            on_error=failed,
            on_cancel=cancelled,
            cancellable=True,
        )
