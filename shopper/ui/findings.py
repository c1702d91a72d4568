"""The findings-by-theme window: what fails across audits, grouped by theme.

Themes on the left with their counts and month-by-month failure rate; on the
right the items that fail most in the selected theme and every finding, each
one a double-click (or Enter) away from the audit at that item. A window of
its own, so it stays open beside the audit it leads to.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QItemSelection, QModelIndex, QSize, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from shopper.domain.template import TOUCHPOINTS, touchpoint_label
from shopper.domain.wording import count_of
from shopper.services.export import export_findings
from shopper.services.findings import (
    Finding,
    FindingKind,
    FindingsReport,
    ItemCount,
    ThemeFindings,
    findings_by_theme,
)
from shopper.services.records import CompanyRow
from shopper.ui.analysis_window import AnalysisWindow, captioned
from shopper.ui.charts import KIND_COLORS, SparklineDelegate
from shopper.ui.crash import show_error
from shopper.ui.dates import date_format, day_text, month_text
from shopper.ui.report_export import ReportExporter, settings_of
from shopper.ui.rows_model import Column, RowsModel
from shopper.ui.settings import Settings
from shopper.ui.widgets import group_box, plain_table
from shopper.ui.workers import Operation, run_operation

DEFAULT_DAYS = 365
FAIL_COLOR = KIND_COLORS["bad"]


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}%"


def theme_columns() -> list[Column[ThemeFindings]]:
    return [
        Column("Theme", lambda t: t.title),
        Column("Findings", lambda t: f"{t.total:,}", sort_key=lambda t: t.total, align_right=True),
        Column(
            "Moments",
            lambda t: f"{t.moments:,}",
            sort_key=lambda t: t.moments,
            align_right=True,
            header_tip="Bad moments and friction points logged by the shoppers",
        ),
        Column(
            "Audits",
            lambda t: f"{t.audits:,}",
            sort_key=lambda t: t.audits,
            align_right=True,
            header_tip="Audits with at least one finding in this theme",
        ),
        Column(
            "Rate",
            lambda t: _rate(t.rate),
            sort_key=lambda t: t.rate,
            align_right=True,
            header_tip="Failed items per 100 scored items of the theme",
        ),
        Column(
            "Trend",
            lambda t: t.trend.describe(short=True) or "—",
            sort_key=lambda t: t.trend.slope_per_month,
            tooltip=lambda t: t.trend.describe() or "No trend: too few months",
            foreground=lambda t: (
                FAIL_COLOR if (t.trend.slope_per_month or 0) >= 1 else None
            ),  # a rising failure rate is bad news
            header_tip="Of the monthly failure rate, in points per 30 days: up is worse",
        ),
        Column(
            "By month",
            lambda _t: "",
            sort_key=lambda t: t.trend.latest,
            values=lambda t: [m.rate for m in t.months],
            tooltip=lambda t: "\n".join(
                f"{month_text(m.month)}: {m.failed} of {m.scored} failed" for m in t.months
            ),
        ),
    ]


def item_columns() -> list[Column[ItemCount]]:
    return [
        Column("Item", lambda i: i.prompt, tooltip=lambda i: f"{i.prompt}\n({i.item_id})"),
        Column("Touchpoint", lambda i: touchpoint_label(i.touchpoint)),
        Column("Failed", lambda i: str(i.failed), sort_key=lambda i: i.failed, align_right=True),
        Column(
            "Rate",
            lambda i: _rate(100 * i.failed / i.scored if i.scored else None),
            sort_key=lambda i: i.failed / i.scored if i.scored else None,
            align_right=True,
            header_tip="Failed in this share of the audits that scored the item",
        ),
    ]


def finding_columns() -> list[Column[Finding]]:
    return [
        Column("When", lambda f: day_text(f.at, f.at_tz), sort_key=lambda f: f.at),
        Column("Company", lambda f: f.company_name),
        Column("Touchpoint", lambda f: touchpoint_label(f.touchpoint)),
        Column(
            "Kind",
            lambda f: "Critical failure" if f.critical else f.kind.label,
            foreground=lambda f: FAIL_COLOR if f.critical else KIND_COLORS.get(f.kind.value),
        ),
        Column("Item", lambda f: f.prompt or "—", tooltip=lambda f: f.prompt),
        Column("Answer", lambda f: f.answer),
        Column("Note", lambda f: " ".join(f.note.split()), tooltip=lambda f: f.note),
    ]


class FindingsWindow(AnalysisWindow):
    def __init__(
        self,
        engine: Engine,
        *,
        company_id: str = "",
        touchpoint: str = "",
        theme: str | None = None,
        parent: QWidget | None = None,
        companies: Sequence[CompanyRow] | None = None,
        settings: Settings | None = None,
    ) -> None:
        super().__init__(
            engine,
            title="Findings by theme",
            companies=companies,
            size=QSize(1320, 820),
            parent=parent,
        )
        self.report: FindingsReport | None = None
        self.exporter = ReportExporter(self, engine, settings or settings_of(parent))
        self._csv: Operation | None = None
        self._wanted_theme = theme
        self._build(company_id)
        self.touchpoint_combo.setCurrentIndex(max(self.touchpoint_combo.findData(touchpoint), 0))
        for widget in (self.company_combo, self.touchpoint_combo):
            widget.currentIndexChanged.connect(self.reload)
        for edit in (self.from_edit, self.to_edit):
            edit.editingFinished.connect(self.reload)
        self.reload()

    # -- construction --------------------------------------------------------------

    def _build(self, company_id: str) -> None:
        layout = QVBoxLayout(self)
        controls = QHBoxLayout()
        self.company_combo = self.companies_combo(company_id, everyone="All companies")
        self.touchpoint_combo = QComboBox()
        self.touchpoint_combo.addItem("All touchpoints", "")
        for key, name in TOUCHPOINTS.items():
            self.touchpoint_combo.addItem(name, key)
        today = QDate.currentDate()
        self.from_edit = QDateEdit(today.addDays(-DEFAULT_DAYS))
        self.to_edit = QDateEdit(today)
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat(date_format())
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.reload)
        self.export_button = QPushButton("Export &PDF…")
        self.export_button.setToolTip("Write these findings as a PDF report")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.export_pdf)
        self.csv_button = QPushButton("Export C&SV…")
        self.csv_button.setToolTip("Every finding as a row of a spreadsheet")
        self.csv_button.setEnabled(False)
        self.csv_button.clicked.connect(self.export_csv)
        captioned(
            controls,
            (
                ("&Company", self.company_combo),
                ("&Touchpoint", self.touchpoint_combo),
                ("&From", self.from_edit),
                ("t&o", self.to_edit),
            ),
        )
        controls.addStretch(1)
        controls.addWidget(refresh)
        layout.addLayout(controls)
        heading = QHBoxLayout()
        self.title_label = QLabel()
        self.title_label.setObjectName("heading")
        self.title_label.setWordWrap(True)
        heading.addWidget(self.title_label, 1)
        heading.addWidget(self.export_button)
        heading.addWidget(self.csv_button)
        self.action_button = QPushButton("Create &action…")
        self.action_button.setToolTip("An action on the selected finding, or else on the theme")
        self.action_button.clicked.connect(self.create_action)
        heading.addWidget(self.action_button)
        layout.addLayout(heading)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.theme_model: RowsModel[ThemeFindings] = RowsModel(theme_columns(), self)
        self.theme_table = plain_table(self.theme_model)
        self.theme_table.setSortingEnabled(True)
        self.theme_table.setItemDelegateForColumn(
            6, SparklineDelegate(self.theme_table, color=FAIL_COLOR)
        )
        self.theme_table.horizontalHeader().setStretchLastSection(True)
        for column, width in ((0, 118), (1, 70), (2, 76), (3, 60), (4, 54), (5, 112)):
            self.theme_table.setColumnWidth(column, width)
        self.theme_table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        self.theme_table.selectionModel().selectionChanged.connect(self._theme_selected)
        splitter.addWidget(group_box("Themes", self.theme_table))

        right = QSplitter(Qt.Orientation.Vertical)
        self.item_model: RowsModel[ItemCount] = RowsModel(item_columns(), self)
        self.item_table = plain_table(self.item_model)
        self.item_table.setSortingEnabled(True)
        self.item_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in ((1, 130), (2, 60), (3, 60)):
            self.item_table.setColumnWidth(column, width)
        self.item_table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
        self.item_table.selectionModel().selectionChanged.connect(self._item_selected)
        self.items_box = group_box("Items failed most often", self.item_table)
        right.addWidget(self.items_box)
        findings_box = QWidget()
        findings_layout = QVBoxLayout(findings_box)
        findings_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.findings_label = QLabel()
        self.findings_label.setWordWrap(True)
        self.all_items_button = QPushButton("Every item")
        self.all_items_button.setToolTip("Show the findings of every item in the theme")
        self.all_items_button.clicked.connect(self.item_table.clearSelection)
        row.addWidget(self.findings_label, 1)
        row.addWidget(self.all_items_button)
        findings_layout.addLayout(row)
        self.finding_model: RowsModel[Finding] = RowsModel(finding_columns(), self)
        self.finding_table = plain_table(self.finding_model)
        self.finding_table.setSortingEnabled(True)
        self.finding_table.horizontalHeader().setSectionResizeMode(
            6, QHeaderView.ResizeMode.Stretch
        )
        for column, width in ((0, 86), (1, 150), (2, 120), (3, 110), (4, 240), (5, 70)):
            self.finding_table.setColumnWidth(column, width)
        self.finding_table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.finding_table.setToolTip("Double-click (or Enter) to open the audit at that item")
        self.finding_table.activated.connect(self._finding_activated)
        findings_layout.addWidget(self.finding_table)
        self.findings_box = group_box("Findings", findings_box)
        right.addWidget(self.findings_box)
        right.setSizes([260, 480])
        splitter.addWidget(right)
        splitter.setSizes([640, 680])
        layout.addWidget(splitter, 1)

    # -- loading -------------------------------------------------------------------

    def date_range(self) -> tuple[datetime, datetime]:
        """[From 00:00, the day after To 00:00) in UTC."""
        start = self.from_edit.date().toPython()
        end = self.to_edit.date().toPython()
        assert isinstance(start, date) and isinstance(end, date)
        since = datetime(start.year, start.month, start.day, tzinfo=UTC)
        until = datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1)
        return since, until

    def reload(self) -> None:
        since, until = self.date_range()
        if since >= until:
            self.loader.skip("The start date is after the end date.")
            return
        engine = self.engine
        company_id = str(self.company_combo.currentData() or "") or None
        touchpoint = str(self.touchpoint_combo.currentData() or "") or None

        def work(progress: Any) -> FindingsReport:
            return findings_by_theme(
                engine=engine,
                company_id=company_id,
                touchpoint=touchpoint,
                since=since,
                until=until,
                progress=progress,
            )

        self.title_label.setText("Gathering findings…")
        self.loader.start(
            "Gathering findings…", work, failure="The findings could not be gathered."
        )

    @property
    def loading(self) -> bool:
        return self.loader.loading

    def _show(self, report: FindingsReport | None, message: str = "") -> None:
        self.report = report
        # A column every row shares (the company or touchpoint filtered on) says nothing.
        self.finding_table.setColumnHidden(1, bool(self.company_combo.currentData()))
        self.finding_table.setColumnHidden(2, bool(self.touchpoint_combo.currentData()))
        previous = self.selected_theme()
        self.theme_model.set_rows(report.themes if report else [])
        if report is None:
            self.title_label.setText(message)
        elif not report.audits:
            self.title_label.setText(
                "No completed audits match these filters. Completed audits appear here; "
                "those still in progress are left out."
            )
        else:
            self.title_label.setText(
                f"{count_of(report.total, 'finding')} in "
                f"{count_of(report.audits, 'completed audit')} "
                f"({self._describe_filter()})"
            )
        has_findings = report is not None and report.audits > 0
        self.export_button.setEnabled(has_findings)
        self.csv_button.setEnabled(has_findings and report is not None and report.total > 0)
        wanted = self._wanted_theme if self._wanted_theme is not None else previous
        self._wanted_theme = None
        rows = self.theme_model.rows()
        number = next((n for n, t in enumerate(rows) if t.theme == wanted), 0)
        if rows:
            self.theme_table.selectRow(number)
        else:
            self._fill_theme(None)
        self.loaded.emit()

    def _describe_filter(self) -> str:
        since, until = self.date_range()
        last_day = until - timedelta(days=1)
        return (
            f"{self.company_combo.currentText()}, {self.touchpoint_combo.currentText().lower()}, "
            f"{day_text(since)} to {day_text(last_day)}"
        )

    # -- export --------------------------------------------------------------------

    def export_pdf(self) -> None:
        """The findings in view as a PDF (read afresh, off the GUI thread)."""
        if self.report is None or not self.report.audits:
            return
        since, until = self.date_range()
        self.exporter.export_findings(
            company_id=str(self.company_combo.currentData() or ""),
            touchpoint=str(self.touchpoint_combo.currentData() or ""),
            since=since,
            until=until,
            scope=self.company_combo.currentText(),
        )

    def export_csv(self) -> None:
        """Every finding in view as a CSV row, asking where."""
        if self.report is None:
            return
        suggested = self.exporter.suggested_path(
            self.company_combo.currentText(), datetime.now().astimezone(), kind="Findings"
        ).with_suffix(".csv")
        name, _ = QFileDialog.getSaveFileName(
            self, "Export findings", str(suggested), "CSV, UTF-8 (*.csv)"
        )
        if name:
            self.write_csv(Path(name))

    def write_csv(self, path: Path) -> None:
        """Every finding in view written to `path`, off the GUI thread."""
        report = self.report
        if report is None:
            return

        def done(rows: int) -> None:
            self.title_label.setText(f"{count_of(rows, 'finding')} written to {path}")

        def failed(exc: Exception) -> None:
            show_error(self, str(exc), title="Nothing exported")

        self._csv = run_operation(
            self,
            "Writing the findings…",
            lambda _progress: export_findings(report=report, path=path),
            on_done=done,
            on_error=failed,
        )

    # -- selection -----------------------------------------------------------------

    def selected_theme(self) -> str | None:
        theme = self._current(self.theme_table, self.theme_model)
        return theme.theme if theme is not None else None

    @staticmethod
    def _current(table: Any, model: RowsModel[Any]) -> Any:
        rows = table.selectionModel().selectedRows()
        return model.row(rows[0].row()) if rows else None

    def _theme_selected(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._fill_theme(self._current(self.theme_table, self.theme_model))

    def _fill_theme(self, theme: ThemeFindings | None) -> None:
        self.item_model.set_rows(theme.items if theme else [])
        title = theme.title if theme else ""
        self.items_box.setTitle(f"Items failed most often — {title}" if theme else "Items")
        self.findings_box.setTitle(f"Findings — {title}" if theme else "Findings")
        self._fill_findings()

    def _item_selected(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._fill_findings()

    def _fill_findings(self) -> None:
        theme = self._current(self.theme_table, self.theme_model)
        item = self._current(self.item_table, self.item_model)
        findings = list(theme.findings) if theme else []
        if item is not None:
            findings = [
                f
                for f in findings
                if f.kind is FindingKind.FAILED_ITEM
                and (f.template_id, f.item_id) == (item.template_id, item.item_id)
            ]
        self.finding_model.set_rows(findings)
        self.all_items_button.setEnabled(item is not None)
        if theme is None:
            self.findings_label.setText("")
        elif item is None:
            self.findings_label.setText(
                f"{count_of(len(findings), 'finding')}, newest first: "
                f"{count_of(theme.failed, 'failed item')} and {count_of(theme.moments, 'moment')}"
            )
        else:
            self.findings_label.setText(f"{count_of(len(findings), 'failure')} of “{item.prompt}”")

    def create_action(self) -> Any:
        """The Create action dialog for the selected finding, else the selected theme."""
        from shopper.ui.action_drafts import open_action_dialog

        theme = self._current(self.theme_table, self.theme_model)
        finding = self._current(self.finding_table, self.finding_model)
        if theme is None and finding is None:
            return None
        self._action_dialog = open_action_dialog(
            self,
            self.engine,
            self.company_combo,
            finding=finding,
            theme=theme.theme if theme is not None else None,
        )
        return self._action_dialog

    def _finding_activated(self, index: QModelIndex) -> None:
        finding = self.finding_model.row(index.row())
        if finding is not None:
            self.open_audit.emit(finding.audit_id, finding.item_id or "")
