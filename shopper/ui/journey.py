"""The company journey window: touchpoints side by side, themes by touchpoint, moments in time.

A window of its own, beside the main window: a manager reads the journey
while opening the audits and comparisons it points to. The figures come from
`services.journey`, loaded off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeAlias

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from shopper.domain.clock import now_utc
from shopper.domain.template import touchpoint_label
from shopper.domain.themes import theme_title
from shopper.domain.timeline import timeline_counts
from shopper.domain.wording import count_of
from shopper.services.journey import (
    HeatMap,
    Journey,
    TimelineEvent,
    TouchpointSummary,
    touchpoint_order,
)
from shopper.services.journey import company_journey as load_journey
from shopper.services.records import CompanyRow
from shopper.ui.analysis_window import AnalysisWindow, captioned
from shopper.ui.charts import (
    KIND_COLORS,
    SparklineDelegate,
    TimelinePoint,
    TimelineView,
    heat_color,
)
from shopper.ui.dates import day_text, moment_text
from shopper.ui.models import score_color
from shopper.ui.report_export import ReportExporter, settings_of
from shopper.ui.rows_model import Column, RowsModel
from shopper.ui.settings import Settings
from shopper.ui.widgets import group_box, plain_table

Index: TypeAlias = QModelIndex | QPersistentModelIndex
THEME_ROLE = Qt.ItemDataRole.UserRole + 40
TOUCHPOINT_ROLE = Qt.ItemDataRole.UserRole + 41

PERIODS = (
    ("Last 3 months", 91),
    ("Last 6 months", 182),
    ("Last 12 months", 365),
    ("All time", 0),
)
DEFAULT_PERIOD = 2


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}%"


def two_lines(label: str) -> str:
    """ "Satisfaction survey" -> "Satisfaction\nsurvey": narrow heat-map columns stay readable."""
    words = label.split()
    if len(label) <= 10 or len(words) < 2:
        return label
    best = min(range(1, len(words)), key=lambda n: abs(len(" ".join(words[:n])) - len(label) / 2))
    return " ".join(words[:best]) + "\n" + " ".join(words[best:])


def _event_tip(event: TimelineEvent) -> str:
    when = moment_text(event.at, event.tz)
    lines = [f"{when} · {touchpoint_label(event.touchpoint)} · {event.kind_label}"]
    if event.title:
        lines.append(event.title)
    if event.text:
        lines.append(f"“{event.text}”")
    lines.append("Double-click to open the audit")
    return "\n".join(lines)


def touchpoint_columns() -> list[Column[TouchpointSummary]]:
    def latest_percent(s: TouchpointSummary) -> float | None:
        return s.latest.score_percent if s.latest else None

    def latest_color(s: TouchpointSummary) -> QColor | None:
        return score_color(latest_percent(s), s.latest.passed if s.latest else None)

    def latest_date(s: TouchpointSummary) -> str:
        if s.latest is None:
            return ""
        return day_text(s.latest.started_at, s.latest.started_tz)

    return [
        Column(
            "Touchpoint",
            lambda s: touchpoint_label(s.touchpoint),
            sort_key=lambda s: touchpoint_order(s.touchpoint),
        ),
        Column("Audits", lambda s: str(s.audits), sort_key=lambda s: s.audits, align_right=True),
        Column(
            "Latest",
            lambda s: _percent(latest_percent(s)),
            sort_key=latest_percent,
            foreground=latest_color,
            tooltip=lambda s: (
                f"Latest audit {latest_date(s)}: {s.latest.verdict if s.latest else '—'}"
            ),
            align_right=True,
        ),
        Column("Verdict", lambda s: s.latest.verdict if s.latest else ""),
        Column(
            "Average",
            lambda s: _percent(s.average),
            sort_key=lambda s: s.average,
            align_right=True,
        ),
        Column(
            "Trend",
            lambda s: s.trend.describe() or "—",
            sort_key=lambda s: s.trend.slope_per_month,
            header_tip="Least-squares slope of the scores, in points per 30 days",
        ),
        Column(
            "Scores",
            lambda _s: "",
            sort_key=lambda s: s.trend.latest,
            values=lambda s: [score for _at, score in s.trend.points],
            tooltip=lambda s: f"{len(s.trend.points)} scores, oldest to newest",
        ),
    ]


def timeline_columns() -> list[Column[TimelineEvent]]:
    return [
        Column(
            "When",
            lambda e: moment_text(e.at, e.tz),
            sort_key=lambda e: e.at,
        ),
        Column("Touchpoint", lambda e: touchpoint_label(e.touchpoint)),
        Column(
            "Kind",
            lambda e: e.kind_label,
            foreground=lambda e: KIND_COLORS.get(e.kind),
            tooltip=lambda e: {
                "moment": "Logged by the shopper in the moments log",
                "critical": "A critical item failed",
                "note": "The shopper's note on an item that passed or failed",
            }.get(e.source, e.source),
        ),
        Column("What", lambda e: e.title, tooltip=lambda e: e.title),
        Column("Note", lambda e: " ".join(e.text.split()), tooltip=lambda e: e.text),
    ]


class HeatMapModel(QAbstractTableModel):
    """Themes (rows) × touchpoints (columns): each cell the theme's share of its points."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.heat_map: HeatMap | None = None

    def set_heat_map(self, heat_map: HeatMap | None) -> None:
        self.beginResetModel()
        self.heat_map = heat_map
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.heat_map is None else len(self.heat_map.themes)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.heat_map is None else len(self.heat_map.touchpoints)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if self.heat_map is None or role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self.heat_map.touchpoints):
                return two_lines(touchpoint_label(self.heat_map.touchpoints[section]))
            return None
        if 0 <= section < len(self.heat_map.themes):
            return theme_title(self.heat_map.themes[section])
        return None

    def key(self, index: Index) -> tuple[str, str] | None:
        """(theme, touchpoint) of a cell."""
        heat = self.heat_map
        if heat is None or not index.isValid():
            return None
        row, column = index.row(), index.column()
        if not (0 <= row < len(heat.themes) and 0 <= column < len(heat.touchpoints)):
            return None
        return heat.themes[row], heat.touchpoints[column]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        heat = self.heat_map
        if heat is None or not index.isValid():
            return None
        if not (
            0 <= index.row() < len(heat.themes) and 0 <= index.column() < len(heat.touchpoints)
        ):
            return None
        theme = heat.themes[index.row()]
        touchpoint = heat.touchpoints[index.column()]
        if role == THEME_ROLE:
            return theme
        if role == TOUCHPOINT_ROLE:
            return touchpoint
        tally = heat.cell(theme, touchpoint)
        if role == Qt.ItemDataRole.DisplayRole:
            return "" if tally is None else _percent(tally.percent)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.BackgroundRole:
            color = heat_color(tally.percent) if tally is not None else None
            return QBrush(color) if color is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            where = f"{theme_title(theme)} at {touchpoint_label(touchpoint)}"
            if tally is None:
                return f"{where}: not measured by these audits"
            return (
                f"{where}: {tally.points:.1f} of {count_of(tally.max_points, 'point')} "
                f"({_percent(tally.percent)})\n{count_of(tally.scored, 'scored item')} in "
                f"{count_of(tally.audits, 'audit')}, {tally.failed} failed\n"
                "Double-click for these findings"
            )
        return None


class JourneyWindow(AnalysisWindow):
    compare_requested = Signal(str, str)
    """(company id, touchpoint)."""
    findings_requested = Signal(str, str, str)
    """(company id, touchpoint, theme)."""

    def __init__(
        self,
        engine: Engine,
        *,
        company_id: str = "",
        parent: QWidget | None = None,
        companies: Sequence[CompanyRow] | None = None,
        settings: Settings | None = None,
    ) -> None:
        super().__init__(
            engine,
            title="Company journey",
            companies=companies,
            size=QSize(1300, 860),
            parent=parent,
        )
        self.journey: Journey | None = None
        self.exporter = ReportExporter(self, engine, settings or settings_of(parent))
        self._build(company_id)
        self.company_combo.currentIndexChanged.connect(self.reload)
        self.period_combo.currentIndexChanged.connect(self.reload)
        self.kind_combo.currentIndexChanged.connect(self._show_timeline)
        self.reload()

    # -- construction --------------------------------------------------------------

    def _build(self, company_id: str) -> None:
        layout = QVBoxLayout(self)
        controls = QHBoxLayout()
        self.company_combo = self.companies_combo(company_id)
        self.period_combo = QComboBox()
        for text, days in PERIODS:
            self.period_combo.addItem(text, days)
        self.period_combo.setCurrentIndex(DEFAULT_PERIOD)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.reload)
        self.export_button = QPushButton("Export &PDF…")
        self.export_button.setToolTip("Write this journey as a PDF report")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.export_pdf)
        captioned(controls, (("&Company", self.company_combo), ("&Period", self.period_combo)))
        controls.addStretch(1)
        controls.addWidget(refresh)
        controls.addWidget(self.export_button)
        layout.addLayout(controls)
        self.title_label = QLabel()
        self.title_label.setObjectName("heading")
        self.title_label.setWordWrap(True)
        layout.addWidget(self.title_label)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        top = QSplitter(Qt.Orientation.Horizontal)
        self.touchpoint_model: RowsModel[TouchpointSummary] = RowsModel(touchpoint_columns(), self)
        self.touchpoint_table = plain_table(self.touchpoint_model)
        self.touchpoint_table.setSortingEnabled(True)
        self.touchpoint_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.touchpoint_table.setItemDelegateForColumn(
            6, SparklineDelegate(self.touchpoint_table, fixed_range=(0.0, 100.0))
        )
        self.touchpoint_table.horizontalHeader().setSectionResizeMode(
            6, QHeaderView.ResizeMode.Stretch
        )
        self.touchpoint_table.activated.connect(self._touchpoint_activated)
        self.touchpoint_table.setToolTip("Double-click a touchpoint to compare its audits")
        top.addWidget(group_box("Touchpoints", self.touchpoint_table))
        self.heat_model = HeatMapModel(self)
        self.heat_table = QTableView()
        self.heat_table.setModel(self.heat_model)
        self.heat_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.heat_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.heat_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.heat_table.horizontalHeader().setMinimumSectionSize(64)
        self.heat_table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.heat_table.verticalHeader().setDefaultSectionSize(
            self.heat_table.fontMetrics().height() + 6
        )
        self.heat_table.activated.connect(self._heat_activated)
        top.addWidget(group_box("Themes by touchpoint (share of points earned)", self.heat_table))
        top.setSizes([640, 620])
        self.splitter.addWidget(top)

        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        self.timeline_view = TimelineView()
        self.timeline_view.activated.connect(self._dot_activated)
        self._shown: list[TimelineEvent] = []
        moments_row = QHBoxLayout()
        self.kind_combo = QComboBox()
        self.kind_combo.addItem("Every kind", "")
        self.kind_combo.addItem("Good moments", "good")
        self.kind_combo.addItem("Bad moments", "bad")
        self.kind_combo.addItem("Friction points", "friction")
        self.moments_label = QLabel()
        self.moments_label.setWordWrap(True)
        moments_row.addWidget(self.moments_label, 1)
        moments_row.addWidget(self.kind_combo)
        self.timeline_model: RowsModel[TimelineEvent] = RowsModel(timeline_columns(), self)
        self.timeline_table = plain_table(self.timeline_model)
        self.timeline_table.setSortingEnabled(True)
        self.timeline_table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.timeline_table.horizontalHeader().setSectionResizeMode(
            4, QHeaderView.ResizeMode.Stretch
        )
        # Fixed widths: sizing to contents reads every row, a visible pause at 1,000 rows.
        for column, width in enumerate((130, 130, 110, 430)):
            self.timeline_table.setColumnWidth(column, width)
        self.timeline_table.activated.connect(self._event_activated)
        self.timeline_table.setToolTip("Double-click (or Enter) to open the audit at that item")
        moments_split = QSplitter(Qt.Orientation.Vertical)
        moments_split.addWidget(self.timeline_view)
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addLayout(moments_row)
        table_layout.addWidget(self.timeline_table)
        moments_split.addWidget(table_box)
        moments_split.setSizes([200, 200])
        bottom_layout.addWidget(moments_split)
        self.splitter.addWidget(group_box("Good and bad moments across touchpoints", bottom))
        self.splitter.setSizes([390, 420])
        layout.addWidget(self.splitter, 1)

    # -- loading -------------------------------------------------------------------

    @property
    def company_id(self) -> str:
        return str(self.company_combo.currentData() or "")

    def since(self) -> datetime | None:
        days = int(self.period_combo.currentData() or 0)
        return now_utc() - timedelta(days=days) if days else None

    def reload(self) -> None:
        company_id = self.company_id
        if not company_id:
            self.loader.skip("No companies yet: add one, or load the demo data.")
            return
        engine, since = self.engine, self.since()

        def work(progress: Any) -> Journey:
            return load_journey(
                engine=engine, company_id=company_id, since=since, progress=progress
            )

        self.title_label.setText("Loading the journey…")
        self.export_button.setEnabled(False)  # until the journey on show is the one chosen
        self.loader.start(
            "Loading the company journey…", work, failure="The journey could not be loaded."
        )

    @property
    def loading(self) -> bool:
        return self.loader.loading

    def _show(self, journey: Journey | None, message: str = "") -> None:
        self.journey = journey
        self.export_button.setEnabled(journey is not None and journey.audits > 0)
        if journey is None:
            self.title_label.setText(message)
            self.touchpoint_model.set_rows([])
            self.heat_model.set_heat_map(None)
            self._show_timeline()
            self.loaded.emit()
            return
        self.setWindowTitle(f"Journey — {journey.company_name} — Shopper")
        period = self.period_combo.currentText().lower()
        if journey.audits:
            self.title_label.setText(
                f"{journey.company_name}: {count_of(journey.audits, 'completed audit')} across "
                f"{count_of(len(journey.touchpoints), 'touchpoint')}, {period}"
            )
        else:
            self.title_label.setText(
                f"{journey.company_name}: no completed audits, {period}. Completed audits "
                "appear here; those in progress are left out."
            )
        self.touchpoint_model.set_rows(journey.touchpoints)
        self.touchpoint_table.resizeColumnsToContents()
        self.heat_model.set_heat_map(journey.heat_map)
        self._show_timeline()
        self.loaded.emit()

    def _show_timeline(self) -> None:
        journey = self.journey
        events = list(journey.timeline) if journey else []
        kind = str(self.kind_combo.currentData() or "")
        self._shown = [e for e in events if not kind or e.kind == kind]
        self.timeline_model.set_rows(self._shown)  # sorted as the view asks: newest first
        lanes = [touchpoint_label(s.touchpoint) for s in journey.touchpoints] if journey else []
        self.timeline_view.set_points(
            [
                TimelinePoint(e.at, touchpoint_label(e.touchpoint), e.kind, _event_tip(e))
                for e in self._shown
            ],
            lanes,
        )
        self.moments_label.setText(timeline_counts(events).describe())

    # -- actions -------------------------------------------------------------------

    def export_pdf(self) -> None:
        """Write the journey on show as a PDF (read afresh, off the GUI thread)."""
        journey = self.journey
        if journey is None or not journey.audits:
            return
        self.exporter.export_journey(
            company_id=journey.company_id, since=journey.since, company=journey.company_name
        )

    def _touchpoint_activated(self, index: QModelIndex) -> None:
        summary = self.touchpoint_model.row(index.row())
        if summary is not None:
            self.compare_requested.emit(self.company_id, summary.touchpoint)

    def _heat_activated(self, index: QModelIndex) -> None:
        key = self.heat_model.key(index)
        if key is not None:
            theme, touchpoint = key
            self.findings_requested.emit(self.company_id, touchpoint, theme)

    def _dot_activated(self, number: int) -> None:
        if 0 <= number < len(self._shown):
            event = self._shown[number]
            self.open_audit.emit(event.audit_id, event.item_id or "")

    def _event_activated(self, index: QModelIndex) -> None:
        event = self.timeline_model.row(index.row())
        if event is not None:
            self.open_audit.emit(event.audit_id, event.item_id or "")
