"""The compare window: figures, a trend chart and the items × audits table.

A window of its own (not a page of the main window) so a manager can keep a
comparison beside the audit it leads to, or two comparisons side by side.
Loading runs off the GUI thread; a newer request supersedes an older one.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from shopper.domain.compare import (
    CHANGES_MEANING,
    CONSISTENCY_MEANING,
    SPREAD_MEANING,
    TREND_MEANING,
    Change,
    Meaning,
)
from shopper.domain.template import TOUCHPOINTS
from shopper.services.compare import DEFAULT_LAST, MAX_AUDITS, CompareResult, compare_pair
from shopper.services.records import CompanyRow
from shopper.ui.analysis_window import AnalysisWindow, captioned
from shopper.ui.charts import ScorePoint, ScoreTrendChart
from shopper.ui.compare.model import ComparisonModel
from shopper.ui.report_export import ReportExporter, settings_of
from shopper.ui.settings import Settings

LEGEND = (
    "▲ fixed   ▼ regressed   ● changed (since the audit to the left)   ·   "
    "green pass, amber partial, red fail, grey N/A   ·   double-click a cell to open the audit"
)


class CompareTable(QTableView):
    """Enter opens the audit at the current cell, like a double-click."""

    open_current = Signal(QModelIndex)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_current.emit(self.currentIndex())
            return
        super().keyPressEvent(event)


class CompareWindow(AnalysisWindow):
    def __init__(
        self,
        engine: Engine,
        *,
        company_id: str = "",
        touchpoint: str = "",
        parent: QWidget | None = None,
        companies: Sequence[CompanyRow] | None = None,
        settings: Settings | None = None,
    ) -> None:
        super().__init__(
            engine,
            title="Compare audits",
            companies=companies,
            size=QSize(1280, 820),
            parent=parent,
        )
        self.result: CompareResult | None = None
        self.exporter = ReportExporter(self, engine, settings or settings_of(parent))
        self._build(company_id)
        index = self.touchpoint_combo.findData(touchpoint)
        self.touchpoint_combo.setCurrentIndex(max(index, 0))
        self.company_combo.currentIndexChanged.connect(self.reload)
        self.touchpoint_combo.currentIndexChanged.connect(self.reload)
        self.last_spin.editingFinished.connect(self.reload)
        self.reload()

    # -- construction --------------------------------------------------------------

    def _build(self, company_id: str) -> None:
        layout = QVBoxLayout(self)
        controls = QHBoxLayout()
        self.company_combo = self.companies_combo(company_id)
        self.touchpoint_combo = QComboBox()
        for key, name in TOUCHPOINTS.items():
            self.touchpoint_combo.addItem(name, key)
        self.last_spin = QSpinBox()
        self.last_spin.setRange(2, MAX_AUDITS)
        self.last_spin.setValue(DEFAULT_LAST)
        self.last_spin.setToolTip("Compare the newest N completed audits")
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.reload)
        self.export_button = QPushButton("Export &PDF…")
        self.export_button.setToolTip("Write this comparison as a PDF report")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.export_pdf)
        captioned(
            controls,
            (
                ("&Company", self.company_combo),
                ("&Touchpoint", self.touchpoint_combo),
                ("&Newest", self.last_spin),
            ),
        )
        controls.addWidget(QLabel("audits"))
        controls.addStretch(1)
        controls.addWidget(refresh)
        controls.addWidget(self.export_button)
        layout.addLayout(controls)

        self.title_label = QLabel()
        self.title_label.setObjectName("heading")
        layout.addWidget(self.title_label)
        figures = QHBoxLayout()
        self.consistency_label = _figure_label()
        self.spread_label = _figure_label()
        self.trend_label = _figure_label()
        self.changes_label = _figure_label()
        for label in (
            self.consistency_label,
            self.spread_label,
            self.trend_label,
            self.changes_label,
        ):
            figures.addWidget(label, 1)
        layout.addLayout(figures)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.chart = ScoreTrendChart()
        self.splitter.addWidget(self.chart)
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        self.model = ComparisonModel(self)
        self.table = CompareTable()
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.horizontalHeader().setDefaultSectionSize(96)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.verticalHeader().setMaximumWidth(460)
        self.table.doubleClicked.connect(self._activated)
        self.table.open_current.connect(self._activated)
        table_layout.addWidget(self.table)
        self.empty_label = QLabel()
        self.empty_label.setObjectName("placeholder")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.hide()
        table_layout.addWidget(self.empty_label)
        legend = QLabel(LEGEND)
        legend.setObjectName("hint")
        legend.setWordWrap(True)
        table_layout.addWidget(legend)
        self.splitter.addWidget(table_box)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 5)
        self.splitter.setSizes([260, 500])
        layout.addWidget(self.splitter, 1)

    # -- loading -------------------------------------------------------------------

    @property
    def company_id(self) -> str:
        return str(self.company_combo.currentData() or "")

    @property
    def touchpoint(self) -> str:
        return str(self.touchpoint_combo.currentData() or "")

    def reload(self) -> None:
        company_id, touchpoint, last = self.company_id, self.touchpoint, self.last_spin.value()
        if not company_id:
            self.loader.skip("No companies yet: add one, or load the demo data.")
            return
        engine = self.engine

        def work(_progress: Any) -> CompareResult:
            return compare_pair(
                engine=engine, company_id=company_id, touchpoint=touchpoint, last=last
            )

        self.title_label.setText("Comparing…")
        self.export_button.setEnabled(False)  # until the comparison on show is the one chosen
        self.loader.start("Comparing audits…", work, failure="The comparison could not be made.")

    @property
    def loading(self) -> bool:
        return self.loader.loading

    def _show(self, result: CompareResult | None, message: str = "") -> None:
        self.result = result
        comparison = result.comparison if result else None
        self.export_button.setEnabled(comparison is not None and len(comparison.audits) >= 2)
        self.model.set_comparison(comparison)
        if result is None or comparison is None:
            self.title_label.setText(message)
            for label in (
                self.consistency_label,
                self.spread_label,
                self.trend_label,
                self.changes_label,
            ):
                label.setText("")
            self.chart.set_points([])
            self._set_empty(message)
            self.loaded.emit()
            return
        self.setWindowTitle(f"Compare — {result.title} — Shopper")
        shown = len(comparison.audits)
        more = f", the newest {shown} shown" if shown < result.available else ""
        self.title_label.setText(
            f"{result.title}: {result.available} completed audit"
            f"{'' if result.available == 1 else 's'}{more}"
        )
        index = comparison.consistency
        _set_figure(
            self.consistency_label,
            "Consistency",
            "—" if index is None else f"<span style='font-size:16pt'>{index:.0f}</span> / 100",
            CONSISTENCY_MEANING,
        )
        spread = comparison.spread
        if spread.stdev is None or spread.minimum is None or spread.maximum is None:
            spread_text = "—"
        else:
            spread_text = (
                f"<span style='font-size:16pt'>σ {spread.stdev:.1f}</span> points<br>"
                f"{spread.minimum:.0f}–{spread.maximum:.0f}%"
            )
        _set_figure(self.spread_label, "Score spread", spread_text, SPREAD_MEANING)
        trend = comparison.trend
        if trend.slope_per_month is None or trend.direction is None:
            trend_text = "—"
        else:
            trend_text = (
                f"<span style='font-size:16pt'>{trend.direction.arrow} "
                f"{trend.slope_per_month:+.1f}</span> points / month"
                f"<br>{'flat' if trend.direction.value == 'flat' else trend.direction.value}"
            )
        _set_figure(self.trend_label, "Trend", trend_text, TREND_MEANING)
        counts = comparison.latest_changes
        if shown >= 2:
            changes = (
                f"<span style='font-size:16pt; color:#1e7d32'>▲ {counts[Change.FIXED]}</span> "
                f"fixed &nbsp; <span style='font-size:16pt; color:#b3261e'>"
                f"▼ {counts[Change.REGRESSED]}</span> regressed"
                f"<br>{counts[Change.CHANGED]} changed, {counts[Change.UNCHANGED]} unchanged"
            )
        else:
            changes = "—"
        _set_figure(self.changes_label, "Since the audit before", changes, CHANGES_MEANING)
        self.chart.set_points(
            [
                ScorePoint(a.started_at, a.percent, a.audit_id)
                for a in comparison.audits
                if a.percent is not None
            ]
        )
        if shown == 0:
            self._set_empty(
                f"No completed audits of {result.title} yet. Completed audits appear here; "
                "those still in progress are left out."
            )
        else:
            self._set_empty("")
            self.table.horizontalHeader().resizeSection(self.model.columnCount() - 1, 60)
            if comparison.rows:
                last = self.model.index(0, self.model.columnCount() - 1)
                self.table.scrollTo(last)  # the newest audits first in view
        self.loaded.emit()

    def _set_empty(self, message: str) -> None:
        self.empty_label.setText(message)
        self.empty_label.setVisible(bool(message))
        self.table.setVisible(not message)

    def export_pdf(self) -> None:
        """Write the comparison on show as a PDF (read afresh, off the GUI thread)."""
        result = self.result
        if result is None or len(result.comparison.audits) < 2:
            return
        self.exporter.export_comparison(
            company_id=self.company_id,
            touchpoint=self.touchpoint,
            last=self.last_spin.value(),
            company=result.company_name,
            label=self.touchpoint_combo.currentText(),
        )

    # -- opening -------------------------------------------------------------------

    def _activated(self, index: QModelIndex) -> None:
        target = self.model.target(index)
        if target is not None:
            self.open_audit.emit(*target)


def _set_figure(label: QLabel, title: str, value: str, meaning: Meaning) -> None:
    """A figure's box: its name, its value and one grey line saying what it means."""
    label.setText(
        f"<b>{title}</b><br>{value}<br><span style='color:#5f6368; font-size:small'>"
        f"{html.escape(meaning.short)}</span>"
    )
    label.setToolTip(meaning.full)


def _figure_label() -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setFrameShape(QFrame.Shape.StyledPanel)
    label.setMargin(6)
    label.setWordWrap(True)
    label.setMinimumWidth(150)
    return label
