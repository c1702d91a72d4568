"""Customers › Said-no log: day N of the log, entries per day (with a reminder for the days
nobody noted one), and the summary: the three lists a manager acts on, where an entry can
be moved to another list, the counts, the e-mail to copy and the PDF."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.clock import in_zone
from shopper.domain.errors import ShopperError
from shopper.domain.said_no import (
    DEFAULT_DAYS,
    ActionList,
    NoEntry,
    Summary,
    email_body,
    reason_label,
    theme_name,
)
from shopper.domain.wording import count_of
from shopper.ui.rows_model import Column, RowsModel
from shopper.ui.widgets import company_combo, plain_label
from shopper.ui.workers import Operation, on_a_server, run_operation, run_soon

if TYPE_CHECKING:
    from sqlalchemy import Engine

LISTS = (ActionList.POLICIES, ActionList.TRAINING, ActionList.IDEAS, ActionList.NONE)
ENTRY_COLUMNS: tuple[Column[NoEntry], ...] = (
    Column("When", lambda e: in_zone(e.at, e.tz).strftime("%Y-%m-%d %H:%M")),
    Column("Asked for", lambda e: e.asked),
    Column("Said no to", lambda e: e.refused),
    Column("Reason", lambda e: reason_label(e.reason)),
    Column("Theme", lambda e: theme_name(e.theme) if e.theme else ""),
    Column("Channel", lambda e: e.channel),
    Column("By", lambda e: e.said_by or "anonymous"),
)
DAY_COLUMNS: tuple[Column[tuple[date, int]], ...] = (
    Column("Day", lambda d: d[0].isoformat()),
    Column("Entries", lambda d: str(d[1]), sort_key=lambda d: d[1], align_right=True),
)


class SaidNoWindow(QWidget):
    loaded = Signal()

    def __init__(
        self,
        engine: Engine,
        companies: Sequence[tuple[str, str]],
        *,
        company_id: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)  # its own window, not a child pane
        self.engine = engine
        self.summary: Summary | None = None
        self._operation: Operation | None = None
        self.setWindowTitle("Said-no log")
        self.company = company_combo(companies, company_id)
        self.company.currentIndexChanged.connect(self.reload)
        self.progress = plain_label()
        self.progress.setObjectName("saidNoProgress")
        self.reminder = plain_label()
        self.reminder.setWordWrap(True)
        self.reminder.setStyleSheet("color: #a15c00")
        self.days = QSpinBox()
        self.days.setRange(1, 366)
        self.days.setValue(DEFAULT_DAYS)
        self.days.setSuffix(" days")
        self.start_button = QPushButton("&Start a log")
        self.start_button.clicked.connect(self.start_log)
        self.note_button = QPushButton("&Note a said-no…")
        self.note_button.clicked.connect(self.note)
        top = QHBoxLayout()
        for widget in (self.company, self.progress, self.days, self.start_button):
            top.addWidget(widget)
        top.addStretch(1)
        top.addWidget(self.note_button)
        self.day_model: RowsModel[tuple[date, int]] = RowsModel(DAY_COLUMNS, self)
        self.day_view = self._table(self.day_model)
        self.day_view.setMaximumWidth(220)
        self.tabs = QTabWidget()
        self.list_models: dict[ActionList, RowsModel[NoEntry]] = {}
        self.list_views: dict[ActionList, QTableView] = {}
        for kind in LISTS:
            model: RowsModel[NoEntry] = RowsModel(ENTRY_COLUMNS, self)
            view = self._table(model)
            self.list_models[kind], self.list_views[kind] = model, view
            self.tabs.addTab(view, kind.label)
        self.counts = plain_label()
        self.counts.setWordWrap(True)
        self.tabs.addTab(self.counts, "Counts")
        self.move_to = QComboBox()
        for kind in LISTS:
            self.move_to.addItem(kind.label, kind.value)
        self.move_to.addItem("The list its reason decides", "reason")
        self.move_button = QPushButton("&Move to")
        self.move_button.clicked.connect(self.move_selected)
        self.copy_button = QPushButton("&Copy the e-mail")
        self.copy_button.clicked.connect(self.copy_email)
        self.pdf_button = QPushButton("Export &PDF…")
        self.pdf_button.clicked.connect(lambda: self.export_pdf())  # noqa: PLW0108  (not `checked` as the path)
        self.message = plain_label()
        self.message.setWordWrap(True)
        bottom = QHBoxLayout()
        bottom.addWidget(self.move_button)
        bottom.addWidget(self.move_to)
        bottom.addStretch(1)
        bottom.addWidget(self.copy_button)
        bottom.addWidget(self.pdf_button)
        middle = QHBoxLayout()
        middle.addWidget(self.day_view)
        middle.addWidget(self.tabs, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.reminder)
        layout.addLayout(middle, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.message)
        self.resize(980, 560)
        self.reload()

    def _table(self, model: RowsModel[Any]) -> QTableView:
        view = QTableView()
        view.setModel(model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setSortingEnabled(True)
        view.horizontalHeader().setStretchLastSection(True)
        view.verticalHeader().hide()
        view.setWordWrap(False)
        if model.columnCount() > 3:
            for column, width in enumerate((120, 240, 240, 170, 100, 70)):
                view.setColumnWidth(column, width)
        return view

    def company_id(self) -> str:
        return str(self.company.currentData() or "")

    # -- loading -----------------------------------------------------------------------

    def reload(self, *_args: Any) -> None:
        from shopper.services import said_no

        company = self.company_id()
        if not company:
            self._show(None, "Add a company first.")
            return

        def work() -> Summary | None:
            try:
                return said_no.summary(engine=self.engine, company=company)
            except said_no.NoCampaignError:
                return None

        run_soon(
            self,
            work,
            in_background=on_a_server(self.engine),
            on_done=lambda summary: self._show(summary, ""),
            on_error=lambda exc: self._show(None, str(exc)),
        )

    def _show(self, summary: Summary | None, message: str) -> None:
        self.summary = summary
        has_log = summary is not None
        for widget in (self.move_button, self.move_to, self.copy_button, self.pdf_button):
            widget.setEnabled(has_log)
        self.note_button.setEnabled(has_log)
        self.start_button.setVisible(summary is None or summary.finished)
        self.days.setVisible(self.start_button.isVisible())
        if summary is None:
            self.progress.setText(message or "No said-no log yet: start one.")
            self.reminder.clear()
            self.day_model.set_rows([])
            for model in self.list_models.values():
                model.set_rows([])
            self.counts.clear()
        else:
            self.progress.setText(
                f"{summary.progress().capitalize()} ·"
                f" {count_of(len(summary.entries), 'entry', 'entries')}"
            )
            empty = summary.empty_days
            self.reminder.setText(
                f"Reminder: nobody noted a said-no on {len(empty)} day(s): "
                + ", ".join(day.isoformat() for day in empty[-7:])
                if empty and not summary.finished
                else ""
            )
            self.day_model.set_rows(list(summary.per_day))
            for kind, model in self.list_models.items():
                model.set_rows(list(summary.lists.get(kind, ())))
            for n, kind in enumerate(LISTS):
                self.tabs.setTabText(n, f"{kind.label} ({len(summary.lists.get(kind, ()))})")
            self.counts.setText(self._counts_text(summary))
        self.loaded.emit()

    @staticmethod
    def _counts_text(summary: Summary) -> str:
        lines = ["By reason:"]
        lines += [f"  {reason_label(r)}: {n}" for r, n in summary.by_reason]
        lines.append("By theme:")
        lines += [f"  {theme_name(t)}: {n}" for t, n in summary.by_theme]
        lines.append("Refused most often:")
        lines += [f"  {r.asked[:100]} ({r.count}x)" for r in summary.top_requests]
        return "\n".join(lines)

    # -- actions -------------------------------------------------------------------------

    def start_log(self) -> None:
        from shopper.services import said_no

        company, days = self.company_id(), self.days.value()
        run_soon(
            self,
            lambda: said_no.start_campaign(engine=self.engine, company=company, days=days),
            in_background=on_a_server(self.engine),
            on_done=lambda _row: self.reload(),
            on_error=lambda exc: self.message.setText(str(exc)),
        )

    def note(self) -> Any:
        from shopper.ui.said_no_entry import SaidNoEntryDialog

        names = [
            (self.company.itemData(n), self.company.itemText(n))
            for n in range(self.company.count())
        ]
        dialog = SaidNoEntryDialog(self.engine, names, company_id=self.company_id(), parent=self)
        dialog.noted.connect(lambda _entry: self.reload())
        dialog.open()
        return dialog

    def selected_entry(self) -> NoEntry | None:
        view = self.tabs.currentWidget()
        if not isinstance(view, QTableView):
            return None
        rows = view.selectionModel().selectedRows()
        model = view.model()
        if not rows or not isinstance(model, RowsModel):
            return None
        found = model.row(rows[0].row())
        return found if isinstance(found, NoEntry) else None

    def move_selected(self) -> None:
        from shopper.services import said_no

        entry = self.selected_entry()
        if entry is None:
            self.message.setText("Pick an entry in one of the lists first.")
            return
        to = str(self.move_to.currentData())
        run_soon(
            self,
            lambda: said_no.move_entry(engine=self.engine, entry=entry.id, to=to),
            in_background=on_a_server(self.engine),
            on_done=self._moved,
            on_error=lambda exc: self.message.setText(str(exc)),
        )

    def _moved(self, moved: NoEntry) -> None:
        self.message.setText(f"Moved to {moved.on_list.label}: {moved.asked[:80]}")
        self.reload()

    def copy_email(self) -> str:
        if self.summary is None:
            return ""
        body = email_body(self.summary)
        QGuiApplication.clipboard().setText(body)
        self.message.setText("The e-mail summary is on the clipboard.")
        return body

    def export_pdf(self, path: Path | None = None) -> None:
        from shopper.services import said_no

        if path is None:
            name, _ = QFileDialog.getSaveFileName(self, "Export PDF", "said-no.pdf", "PDF (*.pdf)")
            if not name:
                return
            path = Path(name)
        company, target = self.company_id(), path

        def done(result: Any) -> None:
            self.message.setText(f"Wrote {result.path} ({result.pages} pages).")

        def failed(exc: Exception) -> None:
            shown = str(exc) if isinstance(exc, ShopperError) else f"Not written: {exc}"
            self.message.setText(shown)

        self._operation = run_operation(
            self,
            "Writing the PDF…",
            lambda _progress: said_no.make_report(
                engine=self.engine, company=company, out_path=target
            ),
            on_done=done,
            on_error=failed,
        )
