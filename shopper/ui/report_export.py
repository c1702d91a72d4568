"""Export PDF: a dialog asking where and how, then the report written off the GUI thread.

One dialog and one exporter for the three reports: an audit (the main window),
a comparison (the compare window) and a company's journey (the journey
window). The work function only calls the report service; it never touches a
widget. When it is done the PDF opens in the system viewer; an error is one
message.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from shopper.domain.errors import ShopperError
from shopper.report.redact import parse_names
from shopper.services.context import AppContext
from shopper.services.reports import (
    ReportResult,
    make_audit_report,
    make_comparison_report,
    make_findings_report,
    make_journey_report,
)
from shopper.ui.crash import headless, show_error
from shopper.ui.settings import Option, Options, Settings
from shopper.ui.widgets import form_row
from shopper.ui.workers import Operation, Progress, run_operation

log = logging.getLogger(__name__)

PAGE_SIZE_LABELS = {"a4": "A4", "letter": "Letter"}
_UNSAFE_IN_NAMES = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def _safe(text: str) -> str:
    return " ".join(_UNSAFE_IN_NAMES.sub(" ", text).split()).strip(" .")[:80]


def suggested_file_name(
    company: str, started: datetime, *, kind: str = "Audit", detail: str = ""
) -> str:
    """A file name for a report that any file system accepts: "Audit - Acme - 2026-11-23.pdf",
    "Comparison - Acme - Phone - 2026-11-23.pdf"."""
    parts = [kind, _safe(company) or kind.lower()]
    if _safe(detail):
        parts.append(_safe(detail))
    return " - ".join([*parts, f"{started:%Y-%m-%d}"]) + ".pdf"


def settings_of(widget: QWidget | None) -> Settings | None:
    """The settings of the window a widget belongs to (the main window's), if any."""
    while widget is not None:
        found = getattr(widget, "settings", None)
        if isinstance(found, Settings):
            return found
        widget = widget.parentWidget()
    return None


@dataclass(frozen=True)
class ExportChoice:
    path: Path
    page_size: str = "a4"
    redact: bool = False
    names: tuple[str, ...] = ()
    language: str = ""
    """The reader's language for the checklist's words (empty: the checklist's own)."""


def open_file(path: Path) -> None:
    """Show the file in the system's viewer (only logged when running headless)."""
    if headless():
        log.info("report written: %s", path)
        return
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class ExportDialog(QDialog):
    """Where to save the PDF, on which paper, and what to mask before sharing it.

    The choices start from the settings and are kept there; without settings
    (a window on its own) they start from the defaults and are not kept.
    """

    def __init__(
        self,
        settings: Settings | None,
        suggested: Path,
        parent: QWidget | None = None,
        *,
        title: str = "Export PDF",
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        form = QFormLayout()

        self.path_edit = QLineEdit(str(suggested))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        form_row(form, "&File:", path_row, self.path_edit)

        self.page_size = QComboBox()
        for key, label in PAGE_SIZE_LABELS.items():
            self.page_size.addItem(label, key)
        index = self.page_size.findData(self._setting(Options.REPORT_PAGE_SIZE))
        self.page_size.setCurrentIndex(max(index, 0))
        form.addRow("&Paper:", self.page_size)
        self.language = QLineEdit(self._setting(Options.REPORT_LANGUAGE))
        self.language.setPlaceholderText("the checklist's own, or e.g. fr where it has it")
        form.addRow("&Language:", self.language)

        self.redact = QCheckBox("&Mask e-mail addresses and phone numbers")
        self.redact.setChecked(self.settings.get(Options.REPORT_REDACT) if self.settings else False)
        form.addRow("Sharing:", self.redact)
        self.names = QLineEdit(self._setting(Options.REPORT_REDACT_NAMES))
        self.names.setPlaceholderText("and these names, separated by commas")
        form.addRow("", self.names)
        self.redact.toggled.connect(self.names.setEnabled)
        self.names.setEnabled(self.redact.isChecked())

        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _setting(self, option: Option[str]) -> str:
        return self.settings.get(option) if self.settings else option.default

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export PDF", self.path_edit.text(), "PDF files (*.pdf)"
        )
        if path:
            self.path_edit.setText(path)

    def choice(self) -> ExportChoice:
        text = self.path_edit.text().strip()
        path = Path(text).expanduser()
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        redact = self.redact.isChecked()
        names = parse_names(self.names.text()) if redact else ()
        language = " ".join(self.language.text().split())
        return ExportChoice(path, str(self.page_size.currentData()), redact, names, language)

    def accept(self) -> None:
        text = self.path_edit.text().strip()
        problem = ""
        if not text:
            problem = "Give a file name for the PDF."
        elif not self.choice().path.parent.is_dir():
            problem = f"The folder {self.choice().path.parent} does not exist."
        if problem:
            self.error.setText(problem)
            self.error.show()
            return
        choice = self.choice()
        s = self.settings
        if s is not None:
            s.set(Options.REPORT_PAGE_SIZE, choice.page_size)
            s.set(Options.REPORT_LANGUAGE, choice.language)
            s.set(Options.REPORT_FOLDER, str(choice.path.parent))
            s.set(Options.REPORT_REDACT, choice.redact)
            s.set(Options.REPORT_REDACT_NAMES, self.names.text().strip())
        super().accept()


class ReportExporter:
    """Exports PDF reports for a window; keeps the running operation alive.

    Args:
        parent: the window the dialogs and progress belong to.
        ctx: the app's context; or only the database, for a window that has
            nothing else (its reports then show no evidence images: the
            comparison and journey reports have none).
        settings: where the dialog's choices are kept, if anywhere.
    """

    def __init__(
        self, parent: QWidget, ctx: AppContext | Engine, settings: Settings | None
    ) -> None:
        self.parent = parent
        self.data_dir: Path | None
        if isinstance(ctx, AppContext):
            self.engine, self.data_dir = ctx.engine, ctx.data_dir
        else:
            self.engine, self.data_dir = ctx, None
        self.settings = settings
        self.operation: Operation | None = None
        self.last_result: ReportResult | None = None

    def suggested_path(
        self, company: str, started: datetime, *, kind: str = "Audit", detail: str = ""
    ) -> Path:
        folder_name = self.settings.get(Options.REPORT_FOLDER) if self.settings else ""
        folder = Path(folder_name or Path.home())
        if not folder.is_dir():
            folder = Path.home()
        return folder / suggested_file_name(company, started, kind=kind, detail=detail)

    def _ask(self, suggested: Path, title: str) -> ExportChoice | None:
        dialog = ExportDialog(self.settings, suggested, self.parent, title=title)
        return dialog.choice() if dialog.exec() else None

    # -- the three reports -------------------------------------------------------------

    def export_audit(self, audit_id: str, company: str, started: datetime) -> None:
        """Ask where and how, then write the audit's PDF in the background."""
        choice = self._ask(self.suggested_path(company, started), "Export PDF")
        if choice is not None:
            self.start(audit_id, choice)

    def start(self, audit_id: str, choice: ExportChoice) -> Operation:
        """Write the audit's PDF off the GUI thread; open it when done, or say what went wrong."""
        engine, data_dir = self.engine, self.data_dir

        def work(progress: Progress) -> ReportResult:
            return make_audit_report(
                engine=engine,
                audit_id=audit_id,
                out_path=choice.path,
                page_size=choice.page_size,
                redact=choice.redact,
                redact_names=choice.names,
                data_dir=data_dir,
                progress=progress,
                language=choice.language,
            )

        return self._run("Writing the PDF report…", work)

    def export_comparison(
        self, *, company_id: str, touchpoint: str, last: int, company: str, label: str
    ) -> None:
        """Ask where and how, then write the comparison of a company's audits at a touchpoint.

        Args:
            company_id: the company.
            touchpoint: the touchpoint's key.
            last: compare the newest this many completed audits.
            company: the company's name, for the file name.
            label: the touchpoint's name, for the file name.
        """
        suggested = self.suggested_path(
            company, datetime.now().astimezone(), kind="Comparison", detail=label
        )
        choice = self._ask(suggested, "Export comparison PDF")
        if choice is not None:
            self.start_comparison(choice, company_id=company_id, touchpoint=touchpoint, last=last)

    def start_comparison(
        self, choice: ExportChoice, *, company_id: str, touchpoint: str, last: int
    ) -> Operation:
        engine = self.engine

        def work(progress: Progress) -> ReportResult:
            return make_comparison_report(
                engine=engine,
                out_path=choice.path,
                company_id=company_id,
                touchpoint=touchpoint,
                last=last,
                page_size=choice.page_size,
                redact=choice.redact,
                redact_names=choice.names,
                progress=progress,
            )

        return self._run("Writing the comparison report…", work)

    def export_journey(self, *, company_id: str, since: datetime | None, company: str) -> None:
        """Ask where and how, then write the company's journey over its audits since `since`."""
        suggested = self.suggested_path(company, datetime.now().astimezone(), kind="Journey")
        choice = self._ask(suggested, "Export journey PDF")
        if choice is not None:
            self.start_journey(choice, company_id=company_id, since=since)

    def start_journey(
        self, choice: ExportChoice, *, company_id: str, since: datetime | None
    ) -> Operation:
        engine = self.engine

        def work(progress: Progress) -> ReportResult:
            return make_journey_report(
                engine=engine,
                company_id=company_id,
                out_path=choice.path,
                since=since,
                page_size=choice.page_size,
                redact=choice.redact,
                redact_names=choice.names,
                progress=progress,
            )

        return self._run("Writing the journey report…", work)

    def export_findings(
        self,
        *,
        company_id: str,
        touchpoint: str,
        since: datetime | None,
        until: datetime | None,
        scope: str,
    ) -> None:
        """Ask where and how, then write the findings by theme in the filter."""
        suggested = self.suggested_path(scope, datetime.now().astimezone(), kind="Findings")
        choice = self._ask(suggested, "Export findings PDF")
        if choice is not None:
            self.start_findings(
                choice, company_id=company_id, touchpoint=touchpoint, since=since, until=until
            )

    def start_findings(
        self,
        choice: ExportChoice,
        *,
        company_id: str,
        touchpoint: str,
        since: datetime | None,
        until: datetime | None,
    ) -> Operation:
        engine = self.engine

        def work(progress: Progress) -> ReportResult:
            return make_findings_report(
                engine=engine,
                out_path=choice.path,
                company_id=company_id or None,
                touchpoint=touchpoint or None,
                since=since,
                until=until,
                page_size=choice.page_size,
                redact=choice.redact,
                redact_names=choice.names,
                progress=progress,
            )

        return self._run("Writing the findings report…", work)

    # -- running -----------------------------------------------------------------------

    def _run(self, title: str, work: Callable[[Progress], ReportResult]) -> Operation:
        """Run `work` off the GUI thread; open the PDF when done, or say what went wrong."""

        def done(result: ReportResult) -> None:
            self.last_result = result
            if isinstance(self.parent, QMainWindow):
                pages = f"{result.pages} page{'s' if result.pages != 1 else ''}"
                self.parent.statusBar().showMessage(f"Wrote {result.path} ({pages})", 8000)
            open_file(result.path)

        def failed(exc: Exception) -> None:
            message = str(exc) if isinstance(exc, ShopperError) else f"{type(exc).__name__}: {exc}"
            show_error(self.parent, f"The PDF was not written. {message}", title="Export PDF")

        def cancelled() -> None:
            if isinstance(self.parent, QMainWindow):
                self.parent.statusBar().showMessage("Cancelled: no PDF was written", 8000)

        self.operation = run_operation(
            self.parent,
            title,
            work,
            on_done=done,
            on_error=failed,
            on_cancel=cancelled,
            cancellable=True,
        )
        return self.operation
