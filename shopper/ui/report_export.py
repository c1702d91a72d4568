"""Export PDF: a dialog asking where and how, then the report written off the GUI thread.

The work function only calls the report service; it never touches a widget.
When it is done the PDF opens in the system viewer; an error is one message.
"""

from __future__ import annotations

import logging
import re
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

from shopper.domain.errors import ShopperError
from shopper.report.redact import parse_names
from shopper.services.context import AppContext
from shopper.services.reports import ReportResult, make_audit_report
from shopper.ui.crash import headless, show_error
from shopper.ui.settings import Options, Settings
from shopper.ui.workers import Operation, Progress, run_operation

log = logging.getLogger(__name__)

PAGE_SIZE_LABELS = {"a4": "A4", "letter": "Letter"}
_UNSAFE_IN_NAMES = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def suggested_file_name(company: str, started: datetime) -> str:
    """A file name for a report that any file system accepts: "Audit - Acme - 2026-11-23.pdf"."""
    name = " ".join(_UNSAFE_IN_NAMES.sub(" ", company).split()).strip(" .")[:80] or "audit"
    return f"Audit - {name} - {started:%Y-%m-%d}.pdf"


@dataclass(frozen=True)
class ExportChoice:
    path: Path
    page_size: str = "a4"
    redact: bool = False
    names: tuple[str, ...] = ()


def open_file(path: Path) -> None:
    """Show the file in the system's viewer (only logged when running headless)."""
    if headless():
        log.info("report written: %s", path)
        return
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class ExportDialog(QDialog):
    """Where to save the PDF, on which paper, and what to mask before sharing it."""

    def __init__(self, settings: Settings, suggested: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("Export PDF")
        self.setMinimumWidth(520)
        form = QFormLayout()

        self.path_edit = QLineEdit(str(suggested))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        form.addRow("&File:", path_row)

        self.page_size = QComboBox()
        for key, label in PAGE_SIZE_LABELS.items():
            self.page_size.addItem(label, key)
        index = self.page_size.findData(settings.get(Options.REPORT_PAGE_SIZE))
        self.page_size.setCurrentIndex(max(index, 0))
        form.addRow("&Paper:", self.page_size)

        self.redact = QCheckBox("&Mask e-mail addresses and phone numbers")
        self.redact.setChecked(settings.get(Options.REPORT_REDACT) == "true")
        form.addRow("Sharing:", self.redact)
        self.names = QLineEdit(settings.get(Options.REPORT_REDACT_NAMES))
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
        return ExportChoice(path, str(self.page_size.currentData()), redact, names)

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
        s.set(Options.REPORT_PAGE_SIZE, choice.page_size)
        s.set(Options.REPORT_FOLDER, str(choice.path.parent))
        s.set(Options.REPORT_REDACT, "true" if choice.redact else "false")
        s.set(Options.REPORT_REDACT_NAMES, self.names.text().strip())
        super().accept()


class ReportExporter:
    """Exports audits as PDF for a window; keeps the running operation alive."""

    def __init__(self, parent: QWidget, ctx: AppContext, settings: Settings) -> None:
        self.parent = parent
        self.ctx = ctx
        self.settings = settings
        self.operation: Operation | None = None
        self.last_result: ReportResult | None = None

    def suggested_path(self, company: str, started: datetime) -> Path:
        folder = Path(self.settings.get(Options.REPORT_FOLDER) or Path.home())
        if not folder.is_dir():
            folder = Path.home()
        return folder / suggested_file_name(company, started)

    def export_audit(self, audit_id: str, company: str, started: datetime) -> None:
        """Ask where and how, then write the audit's PDF in the background."""
        dialog = ExportDialog(self.settings, self.suggested_path(company, started), self.parent)
        if dialog.exec():
            self.start(audit_id, dialog.choice())

    def start(self, audit_id: str, choice: ExportChoice) -> Operation:
        """Write the PDF off the GUI thread; open it when done, or say what went wrong."""
        engine, data_dir = self.ctx.engine, self.ctx.data_dir

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
            )

        def done(result: ReportResult) -> None:
            self.last_result = result
            if isinstance(self.parent, QMainWindow):
                pages = f"{result.pages} page{'s' if result.pages != 1 else ''}"
                self.parent.statusBar().showMessage(f"Wrote {result.path} ({pages})", 8000)
            open_file(result.path)

        def failed(exc: Exception) -> None:
            message = str(exc) if isinstance(exc, ShopperError) else f"{type(exc).__name__}: {exc}"
            show_error(self.parent, f"The PDF was not written. {message}", title="Export PDF")

        self.operation = run_operation(
            self.parent, "Writing the PDF report…", work, on_done=done, on_error=failed
        )
        return self.operation
