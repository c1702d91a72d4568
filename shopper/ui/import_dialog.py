"""Customers › Import…: a spreadsheet's columns mapped to the fields, then imported.

The file is read off the GUI thread, both for the preview (its columns and first rows) and
for the import itself; a wrong row is named (line, column, why) in the dialog, and nothing
is imported unless the user ticks "import the valid rows", which writes the rejected ones
to a CSV file beside the spreadsheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.errors import ShopperError
from shopper.ui.widgets import company_combo, plain_label
from shopper.ui.workers import Operation, run_operation, run_quietly

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from shopper.services.tabular import FieldSpec, ImportResult, Row

NO_COLUMN = "(not in the file)"
KINDS = (("said-no", "Said-no log entries"), ("complaint", "Complaints"),
         ("feedback", "Feedback"), ("leaving", "Leaving reasons"))  # fmt: skip


def fields_for(kind: str) -> Sequence[FieldSpec]:
    if kind == "said-no":
        from shopper.services.said_no import IMPORT_FIELDS

        return IMPORT_FIELDS
    from shopper.services.feedback import IMPORT_FIELDS as FEEDBACK_FIELDS

    return FEEDBACK_FIELDS


class ImportDialog(QDialog):
    previewed = Signal()
    finished_import = Signal(object)
    """The `ImportResult`, or the exception that stopped it."""

    def __init__(
        self,
        engine: Engine,
        path: Path,
        companies: Sequence[tuple[str, str]],
        *,
        kind: str = "",
        company_id: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.path = path
        self.columns: list[str] = []
        self._operation: Operation | None = None
        self.setWindowTitle(f"Import {path.name}")
        self.company = company_combo(companies, company_id)
        self.kind = QComboBox()
        for value, label in KINDS:
            if value == kind or (not kind and value != "said-no"):
                self.kind.addItem(label, value)
        self.kind.currentIndexChanged.connect(self._build_mapping)
        self.form = QFormLayout()
        self.form.addRow("&Company", self.company)
        self.form.addRow("&What it holds", self.kind)
        self.mapping_form = QFormLayout()
        self.field_boxes: dict[str, QComboBox] = {}
        self.preview = QTableWidget()
        self.preview.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.valid_only = QCheckBox(
            "Import the &valid rows, and write the rejected ones to a file beside it"
        )
        self.status = plain_label("Reading the file…")
        self.status.setWordWrap(True)
        self.problems = QPlainTextEdit()
        self.problems.setReadOnly(True)
        self.problems.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Close
        )
        self.import_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.import_button.setText("&Import")
        self.import_button.setEnabled(False)
        buttons.accepted.connect(self.start_import)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(QLabel("Which column holds each field:"))
        layout.addLayout(self.mapping_form)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.valid_only)
        layout.addWidget(self.status)
        layout.addWidget(self.problems, 1)
        layout.addWidget(buttons)
        self.resize(760, 620)
        self._load_preview()

    def kind_value(self) -> str:
        return str(self.kind.currentData())

    def _load_preview(self) -> None:
        from shopper.services import tabular

        fields, path = fields_for(self.kind_value()), self.path
        self._operation = run_quietly(
            self,
            lambda: tabular.preview(path, fields),
            on_done=self._previewed,
            on_error=self._preview_failed,
        )

    def _previewed(self, found: tuple[list[str], list[Row], dict[str, str]]) -> None:
        self.columns, rows, guessed = found
        self.preview.setColumnCount(len(self.columns))
        self.preview.setHorizontalHeaderLabels(self.columns)
        self.preview.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, column in enumerate(self.columns):
                self.preview.setItem(r, c, QTableWidgetItem(row.cells.get(column, "")[:200]))
        self.preview.setVerticalHeaderLabels([str(row.line) for row in rows])
        self._build_mapping(guessed=guessed)
        self.status.setText(f"{len(self.columns)} columns; the first rows are shown above.")
        self.import_button.setEnabled(True)
        self.previewed.emit()

    def _preview_failed(self, exc: Exception) -> None:
        self.status.setText(str(exc) if isinstance(exc, ShopperError) else f"Cannot read: {exc}")
        self.previewed.emit()

    def _build_mapping(self, *_args: Any, guessed: dict[str, str] | None = None) -> None:
        from shopper.services.tabular import guess_mapping

        fields = fields_for(self.kind_value())
        chosen = guessed if guessed is not None else guess_mapping(fields, self.columns)
        while self.mapping_form.rowCount():
            self.mapping_form.removeRow(0)
        self.field_boxes = {}
        for spec in fields:
            box = QComboBox()
            box.addItem(NO_COLUMN, "")
            for column in self.columns:
                box.addItem(column, column)
            box.setCurrentIndex(max(box.findData(chosen.get(spec.name, "")), 0))
            box.setToolTip(spec.help)
            self.field_boxes[spec.name] = box
            self.mapping_form.addRow(f"{spec.name}{' *' if spec.required else ''}", box)

    def mapping(self) -> dict[str, str]:
        return {
            name: str(box.currentData())
            for name, box in self.field_boxes.items()
            if box.currentData()
        }

    def start_import(self) -> None:
        from shopper.services import feedback, said_no

        company, kind, mapping = (
            str(self.company.currentData() or ""),
            self.kind_value(),
            self.mapping(),
        )
        valid_only, path, engine = self.valid_only.isChecked(), self.path, self.engine

        def work(progress: Any) -> ImportResult:
            def tick(rows: int) -> None:
                progress(rows, 0)

            if kind == "said-no":
                return said_no.import_said_no(
                    engine=engine, path=path, company=company, mapping=mapping,
                    valid_only=valid_only, progress=tick,
                )  # fmt: skip
            return feedback.import_feedback(
                engine=engine, path=path, company=company, kind=kind, mapping=mapping,
                valid_only=valid_only, progress=tick,
            )  # fmt: skip

        self.import_button.setEnabled(False)
        self.problems.hide()
        self._operation = run_operation(
            self, f"Importing {path.name}…", work, on_done=self._imported, on_error=self._failed
        )

    def _imported(self, result: ImportResult) -> None:
        self.import_button.setEnabled(True)
        text = f"Imported {result.imported} row(s)."
        if result.rejects_file is not None:
            text += f" {result.rejected} rejected, written to {result.rejects_file}."
        self.status.setText(text)
        self.finished_import.emit(result)

    def _failed(self, exc: Exception) -> None:
        from shopper.services.tabular import RowsError

        self.import_button.setEnabled(True)
        if isinstance(exc, RowsError):
            self.status.setText(str(exc))
            self.problems.setPlainText("\n".join(exc.lines()[1:]))
            self.problems.show()
        else:
            self.status.setText(
                str(exc) if isinstance(exc, ShopperError) else f"Not imported: {exc}"
            )
        self.finished_import.emit(exc)
