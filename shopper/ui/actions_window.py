"""Actions › Action plan: every action with where it stands — fixed and verified by an audit,
still failing (reopened, the owner shown), open, in progress, done, won't do — filtered by
company, owner, status and overdue; set a status, add an action on a theme, open the audit an
action came from, and export a company's plan as a PDF.

The actions and their verdicts are read off the GUI thread (verification scans the audits);
the filters then work on what was read.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QSize, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from shopper.domain.actions import ActionStatus, State
from shopper.domain.errors import ShopperError
from shopper.domain.template import touchpoint_label
from shopper.domain.wording import count_of
from shopper.services.actions import (
    ActionInput,
    ActionRow,
    list_actions,
    set_status,
    theme_evidence,
)
from shopper.services.records import CompanyRow
from shopper.ui.action_dialog import ActionDialog, combo_companies
from shopper.ui.analysis_window import AnalysisWindow, captioned
from shopper.ui.charts import KIND_COLORS
from shopper.ui.crash import show_error
from shopper.ui.rows_model import Column, RowsModel
from shopper.ui.widgets import plain_table
from shopper.ui.workers import Operation, on_a_server, run_operation, run_soon

EVERYONE = "Every owner"
_COLORS = {State.FIXED: KIND_COLORS["good"], State.STILL_FAILING: KIND_COLORS["bad"]}


def _color(row: ActionRow) -> QColor | None:
    color = _COLORS.get(row.state)
    return QColor(color) if color is not None else None


def action_columns() -> list[Column[ActionRow]]:
    return [
        Column("Company", lambda r: r.company),
        Column("Theme", lambda r: r.theme_title),
        Column("Action", lambda r: r.title, tooltip=lambda r: r.detail or r.title),
        Column(
            "Where it stands",
            lambda r: r.describe + (" · overdue" if r.overdue else ""),
            foreground=_color,
            sort_key=lambda r: (r.state.value, r.describe),
            tooltip=lambda r: r.describe,
        ),
        Column("Owner", lambda r: r.owner),
        Column(
            "Due",
            lambda r: r.due.isoformat() if r.due else "",
            foreground=lambda r: QColor(KIND_COLORS["bad"]) if r.overdue else None,
            tooltip=lambda r: "overdue" if r.overdue else "",
        ),
        Column("From", _made_from, tooltip=_made_from),
    ]


def _made_from(row: ActionRow) -> str:
    if row.item_id:
        return f"{touchpoint_label(row.touchpoint)}: {row.item_prompt or row.item_id}"
    return "a theme"


class ActionsWindow(AnalysisWindow):
    def __init__(
        self,
        engine: Engine,
        *,
        company_id: str = "",
        parent: QWidget | None = None,
        companies: Sequence[CompanyRow] | None = None,
    ) -> None:
        super().__init__(
            engine, title="Action plan", companies=companies, size=QSize(1240, 640), parent=parent
        )
        self.all_rows: list[ActionRow] = []
        self._busy: Operation | None = None
        self._dialog: Any = None
        self._evidence: Operation | None = None
        layout = QVBoxLayout(self)
        controls = QHBoxLayout()
        self.company_combo = self.companies_combo(company_id, everyone="All companies")
        self.owner_combo = QComboBox()
        self.owner_combo.addItem(EVERYONE, None)
        self.status_combo = QComboBox()
        self.status_combo.addItem("Any status", None)
        for state in State:
            self.status_combo.addItem(state.label, state.value)
        self.overdue_check = QCheckBox("O&verdue only")
        captioned(
            controls,
            (
                ("&Company", self.company_combo),
                ("O&wner", self.owner_combo),
                ("&Status", self.status_combo),
            ),
        )
        controls.addWidget(self.overdue_check)
        controls.addStretch(1)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.reload)
        controls.addWidget(refresh)
        layout.addLayout(controls)
        self.summary = QLabel("Reading the actions…")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.model: RowsModel[ActionRow] = RowsModel(action_columns(), self)
        self.table = plain_table(self.model)
        self.table.setSortingEnabled(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 150), (1, 110), (2, 260), (3, 330), (4, 100), (5, 84)):
            self.table.setColumnWidth(column, width)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setToolTip("Double-click (or Enter) to open the audit at the action's item")
        self.table.activated.connect(self._activated)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        layout.addWidget(self.table, 1)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.PlainText)  # typed text shows as typed
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.details)
        buttons = QHBoxLayout()
        self.new_button = QPushButton("&New action on a theme…")
        self.new_button.clicked.connect(self.new_action)
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        self.status_buttons: dict[ActionStatus, QPushButton] = {}
        for status, text in (
            (ActionStatus.OPEN, "Re&open"),
            (ActionStatus.IN_PROGRESS, "In &progress"),
            (ActionStatus.DONE, "&Done"),
            (ActionStatus.WONT_DO, "Won't d&o"),
        ):
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, s=status: self.set_status(s))
            buttons.addWidget(button)
            self.status_buttons[status] = button
        self.pdf_button = QPushButton("Export plan &PDF…")
        self.pdf_button.setToolTip("The selected company's action plan as a PDF")
        self.pdf_button.clicked.connect(self.export_pdf)
        buttons.addWidget(self.pdf_button)
        self.table_button = QPushButton("Export &table…")
        self.table_button.setToolTip("The actions in view as an Excel workbook or a CSV file")
        self.table_button.clicked.connect(self.export_table)
        buttons.addWidget(self.table_button)
        layout.addLayout(buttons)
        self.company_combo.currentIndexChanged.connect(self.reload)
        for combo in (self.owner_combo, self.status_combo):
            combo.currentIndexChanged.connect(self._filter)
        self.overdue_check.toggled.connect(self._filter)
        self._selected()
        self.reload()

    # -- loading -------------------------------------------------------------------

    def reload(self) -> None:
        engine = self.engine
        company_id = str(self.company_combo.currentData() or "") or None
        self.summary.setText("Reading the actions…")
        self.loader.start(
            "Checking the actions against the audits…",
            lambda _progress: list_actions(engine=engine, company_id=company_id),
            failure="The actions could not be read.",
        )

    @property
    def loading(self) -> bool:
        return self.loader.loading

    def _show(self, result: list[ActionRow] | None, message: str) -> None:
        self.all_rows = list(result or [])
        owners = sorted({r.owner for r in self.all_rows if r.owner}, key=str.lower)
        current = self.owner_combo.currentData()
        self.owner_combo.blockSignals(True)
        self.owner_combo.clear()
        self.owner_combo.addItem(EVERYONE, None)
        for owner in owners:
            self.owner_combo.addItem(owner, owner)
        self.owner_combo.setCurrentIndex(max(self.owner_combo.findData(current), 0))
        self.owner_combo.blockSignals(False)
        self._filter()
        if message:
            self.summary.setText(message)
        self.loaded.emit()

    def _filter(self) -> None:
        owner = self.owner_combo.currentData()
        state = self.status_combo.currentData()
        rows = [
            r
            for r in self.all_rows
            if (owner is None or r.owner == owner)
            and (state is None or r.state.value == state)
            and (not self.overdue_check.isChecked() or r.overdue)
        ]
        self.model.set_rows(rows)
        fixed = sum(r.state is State.FIXED for r in rows)
        failing = sum(r.state is State.STILL_FAILING for r in rows)
        late = sum(r.overdue for r in rows)
        self.summary.setText(
            f"{count_of(len(rows), 'action')}: {fixed} fixed and verified by an audit,"
            f" {failing} still failing, {late} overdue."
            if rows
            else "No actions here. Create one from a failed item in Findings by theme, from"
            " a theme in Do they chime?, or with New action on a theme."
        )
        self._selected()

    # -- selection and changes -------------------------------------------------------

    def selected(self) -> ActionRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def _selected(self) -> None:
        row = self.selected()
        for status, button in self.status_buttons.items():
            button.setEnabled(row is not None and row.status is not status)
        self._show_details(row)
        self.pdf_button.setEnabled(bool(self.company_combo.currentData()) and bool(self.all_rows))

    def _show_details(self, row: ActionRow | None) -> None:
        """The selected action: its detail, the re-audits that checked it, and for an action
        on a theme, the theme's figures since (read off the GUI thread on a team database)."""
        if row is None:
            self.details.setText("")
            return
        lines = [f"{row.title} — {row.describe}"]
        if row.detail:
            lines.append(row.detail)
        for check in row.checks:
            result = "passed" if check.passed else "failed"
            lines.append(
                f"Re-audit {check.audit_id[:8]} on {check.day} ({check.shopper}): {result}"
            )
        self.details.setText("\n".join(lines))
        if row.item_id is not None:
            return
        engine, wanted = self.engine, row.id

        def done(text: str) -> None:
            current = self.selected()
            if current is not None and current.id == wanted:
                self.details.setText("\n".join([*lines, text]))

        self._evidence = run_soon(
            self,
            lambda: theme_evidence(engine=engine, row=row),
            in_background=on_a_server(engine),
            on_done=done,
            on_error=lambda _exc: None,
        )

    def _activated(self, index: QModelIndex) -> None:
        row = self.model.row(index.row())
        if row is not None and row.audit_id:
            self.open_audit.emit(row.audit_id, row.item_id or "")

    def set_status(self, status: ActionStatus) -> None:
        row = self.selected()
        if row is None or self._busy is not None:
            return
        engine, action_id = self.engine, row.id

        def done(_row: ActionRow) -> None:
            self._busy = None
            self.reload()

        def failed(exc: Exception) -> None:
            self._busy = None
            show_error(self, str(exc) if isinstance(exc, ShopperError) else f"Not changed: {exc}")

        self._busy = run_soon(
            self,
            lambda: set_status(engine=engine, action_id=action_id, status=status),
            in_background=on_a_server(engine),
            on_done=done,
            on_error=failed,
        )

    def new_action(self) -> ActionDialog:
        draft = ActionInput(company=str(self.company_combo.currentData() or ""), title="")
        return self.open_dialog(draft, "An action on a theme: say which.")

    def open_dialog(self, draft: ActionInput, about: str) -> ActionDialog:
        companies = combo_companies(self.company_combo)
        self._dialog = ActionDialog(
            self.engine, draft, about=about, companies=companies, parent=self
        )
        self._dialog.created.connect(lambda _row: self.reload())
        self._dialog.open()
        return self._dialog

    def export_table(self, path: Path | None = None) -> None:
        """The actions in view to XLSX or CSV, off the GUI thread."""
        from shopper.services.action_export import export_actions
        from shopper.services.export import format_for

        if path is None:
            name, chosen = QFileDialog.getSaveFileName(
                self,
                "Export the actions",
                "actions.xlsx",
                "Excel workbook (*.xlsx);;CSV, UTF-8 (*.csv)",
            )
            if not name:
                return
            path = Path(name)
            if not path.suffix:
                path = path.with_suffix(".csv" if "csv" in chosen.lower() else ".xlsx")
        try:
            fmt = format_for(path)
        except ShopperError as exc:
            show_error(self, str(exc), title="Nothing exported")
            return
        rows, target = self.model.rows(), path

        def done(count: int) -> None:
            self._busy = None
            self.summary.setText(f"Wrote {count_of(count, 'action')} to {target}.")

        def failed(exc: Exception) -> None:
            self._busy = None
            show_error(self, str(exc) if isinstance(exc, ShopperError) else f"Not written: {exc}")

        self._busy = run_operation(
            self,
            "Writing the actions…",
            lambda _p: export_actions(rows=rows, path=target, fmt=fmt),
            on_done=done,
            on_error=failed,
        )

    def export_pdf(self, path: Path | None = None) -> None:
        company_id = str(self.company_combo.currentData() or "")
        if not company_id:
            return
        if path is None:
            name, _ = QFileDialog.getSaveFileName(
                self, "Export the action plan", "action-plan.pdf", "PDF (*.pdf)"
            )
            if not name:
                return
            path = Path(name)
        from shopper.services.action_report import make_action_plan_report

        engine, target = self.engine, path

        def done(result: Any) -> None:
            self._busy = None
            self.summary.setText(f"Wrote {result.path} ({count_of(result.pages, 'page')}).")

        def failed(exc: Exception) -> None:
            self._busy = None
            show_error(self, str(exc) if isinstance(exc, ShopperError) else f"No PDF: {exc}")

        self._busy = run_operation(
            self,
            "Writing the action plan…",
            lambda _p: make_action_plan_report(
                engine=engine, company_id=company_id, out_path=target
            ),
            on_done=done,
            on_error=failed,
        )
