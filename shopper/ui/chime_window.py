"""Actions › Do they chime?: one company's themes, what the audits found beside what the other
sources say (complaints, feedback scores, the said-no log, leaving reasons), whether they agree,
by the priority docs/scoring.md describes; create an action on the selected theme.

Read off the GUI thread (`services.chime` scans the company's audits).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from shopper.domain.chime import Agreement, ChimeRow, Reading, Say, Source
from shopper.domain.wording import count_of
from shopper.services.actions import ActionInput
from shopper.services.chime import CompanyChime, company_chime
from shopper.services.records import CompanyRow
from shopper.ui.action_dialog import ActionDialog, combo_companies
from shopper.ui.analysis_window import AnalysisWindow, captioned
from shopper.ui.charts import KIND_COLORS
from shopper.ui.rows_model import Column, RowsModel
from shopper.ui.widgets import plain_table

_AGREEMENT_COLORS = {
    Agreement.CLEAR: KIND_COLORS["bad"],
    Agreement.DISAGREE: KIND_COLORS["friction"],
    Agreement.FINE: KIND_COLORS["good"],
}
_SAY_COLORS = {Say.PROBLEM: KIND_COLORS["bad"], Say.FINE: KIND_COLORS["good"]}


def _say_color(source: Source) -> Any:
    def color(row: ChimeRow) -> QColor | None:
        found = _SAY_COLORS.get(row.reading(source).say)
        return QColor(found) if found is not None else None

    return color


def _reading_text(reading: Reading, figures: str) -> str:
    if reading.say is Say.NONE and reading.strength is None:
        return figures or "—"
    say = {Say.PROBLEM: "problem", Say.FINE: "fine", Say.NONE: "unclear"}[reading.say]
    return f"{figures} ({say})" if figures else say


def _audits(row: ChimeRow) -> str:
    a = row.audits
    if not (a.scored or a.moments):
        return ""
    return f"{a.failed}/{a.scored} failed, {a.moments} moments"


def _score(row: ChimeRow) -> str:
    o = row.other
    if o.mean_score is None or not o.score_scale:
        return ""
    return f"{o.mean_score:.1f} / {o.score_scale:g}"


def chime_columns() -> list[Column[ChimeRow]]:
    return [
        Column("Theme", lambda r: r.title),
        Column(
            "Priority",
            lambda r: f"{r.priority:.1f}",
            sort_key=lambda r: r.priority,
            align_right=True,
            header_tip="docs/scoring.md: Do they chime?",
        ),
        Column(
            "Sources",
            lambda r: r.agreement.label,
            foreground=lambda r: QColor(c) if (c := _AGREEMENT_COLORS.get(r.agreement)) else None,
        ),
        Column(
            "Audits",
            lambda r: _reading_text(r.reading(Source.AUDITS), _audits(r)),
            foreground=_say_color(Source.AUDITS),
        ),
        Column(
            "Complaints",
            lambda r: _reading_text(r.reading(Source.COMPLAINTS), _count(r.other.complaints)),
            foreground=_say_color(Source.COMPLAINTS),
        ),
        Column(
            "Feedback",
            lambda r: _reading_text(r.reading(Source.FEEDBACK), _score(r)),
            foreground=_say_color(Source.FEEDBACK),
        ),
        Column(
            "Said no",
            lambda r: _reading_text(r.reading(Source.SAID_NO), _count(r.other.said_no)),
            foreground=_say_color(Source.SAID_NO),
        ),
        Column(
            "Leaving",
            lambda r: _reading_text(r.reading(Source.LEAVING), _count(r.other.leaving)),
            foreground=_say_color(Source.LEAVING),
        ),
        Column("In words", lambda r: r.summary),
    ]


def _count(value: int) -> str:
    return str(value) if value else ""


SOURCE_NAMES = {
    "said_no": "the said-no log",
    "feedback": "imported complaints, feedback and leaving reasons",
}
"""How the summary line names the chime's other sources (`services.chime.PROVIDERS`)."""


class ChimeWindow(AnalysisWindow):
    def __init__(
        self,
        engine: Engine,
        *,
        company_id: str = "",
        parent: QWidget | None = None,
        companies: Sequence[CompanyRow] | None = None,
    ) -> None:
        super().__init__(
            engine,
            title="Do they chime?",
            companies=companies,
            size=QSize(1280, 600),
            parent=parent,
        )
        self.view: CompanyChime | None = None
        self._dialog: ActionDialog | None = None
        layout = QVBoxLayout(self)
        controls = QHBoxLayout()
        self.company_combo = self.companies_combo(company_id)
        captioned(controls, (("&Company", self.company_combo),))
        controls.addStretch(1)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.reload)
        controls.addWidget(refresh)
        layout.addLayout(controls)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)  # the company's name, as typed
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.model: RowsModel[ChimeRow] = RowsModel(chime_columns(), self)
        self.table = plain_table(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSectionResizeMode(8, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 130), (1, 64), (2, 200), (3, 190), (4, 110), (5, 110)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        layout.addWidget(self.table, 1)
        note = QLabel(
            "Each source calls a theme a problem, fine, or says nothing; where two or more"
            " agree it is a clear priority, where they disagree the row says so. Priority:"
            " 100 for each source calling it a problem, minus 50 for each calling it fine,"
            " plus their mean strength (docs/scoring.md)."
        )
        note.setWordWrap(True)
        note.setObjectName("muted")
        layout.addWidget(note)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.action_button = QPushButton("Create &action on this theme…")
        self.action_button.clicked.connect(self.create_action)
        buttons.addWidget(self.action_button)
        layout.addLayout(buttons)
        self.company_combo.currentIndexChanged.connect(self.reload)
        self._selected()
        self.reload()

    def reload(self) -> None:
        company_id = str(self.company_combo.currentData() or "")
        if not company_id:
            self.loader.skip("Add a company first.")
            return
        engine = self.engine
        self.summary.setText("Reading the themes…")
        self.loader.start(
            "Reading the themes…",
            lambda progress: company_chime(engine=engine, company_id=company_id, progress=progress),
            failure="The themes could not be read.",
        )

    @property
    def loading(self) -> bool:
        return self.loader.loading

    def _show(self, result: CompanyChime | None, message: str) -> None:
        self.view = result
        self.model.set_rows(result.rows if result else [])
        self.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        if result is None:
            self.summary.setText(message)
        else:
            clear = sum(r.agreement is Agreement.CLEAR for r in result.rows)
            split = sum(r.agreement is Agreement.DISAGREE for r in result.rows)
            named = [SOURCE_NAMES.get(name, name) for name in result.sources]
            others = " and ".join(named) if named else "no other source yet"
            self.summary.setText(
                f"{result.company}: {count_of(result.audits, 'completed audit')} beside"
                f" {others};"
                f" {count_of(clear, 'clear priority', 'clear priorities')},"
                f" {count_of(split, 'theme')} where the sources disagree."
            )
        self._selected()
        self.loaded.emit()

    def selected(self) -> ChimeRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def _selected(self) -> None:
        self.action_button.setEnabled(self.selected() is not None)

    def create_action(self) -> ActionDialog | None:
        row = self.selected()
        if row is None or self.view is None:
            return None
        draft = ActionInput(company=self.view.company_id, title="", theme=row.theme)
        self._dialog = ActionDialog(
            self.engine,
            draft,
            about=f"An action on the theme {row.title}: {row.summary}.",
            companies=combo_companies(self.company_combo),
            parent=self,
        )
        self._dialog.open()
        return self._dialog
