"""Customers › Feedback by theme: per theme, the complaints, feedback and leaving reasons of
a company per month, the trend, the phrases most entries share and recent examples; the
keyword rules that tag them can be edited here (saving re-applies them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.errors import ShopperError
from shopper.domain.themes import theme_title
from shopper.domain.wording import count_of
from shopper.ui.rows_model import Column, RowsModel
from shopper.ui.widgets import company_combo, plain_label
from shopper.ui.workers import on_a_server, run_soon

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from shopper.services.feedback import Item, ThemeFigures


def _last(f: ThemeFigures) -> str:
    if not f.months:
        return ""
    m = f.months[-1]
    return f"{m.month.isoformat()[:7]}: {m.total}"


def _score(f: ThemeFigures) -> str:
    scores = [m.mean_score for m in f.months if m.mean_score is not None]
    if not scores or f.score_scale is None:
        return ""
    return f"{scores[-1]:g} / {f.score_scale:g}"


THEME_COLUMNS: tuple[Column[ThemeFigures], ...] = (
    Column("Theme", lambda f: theme_title(f.theme)),
    Column("Entries", lambda f: str(f.total), sort_key=lambda f: f.total, align_right=True),
    Column("Complaints", lambda f: str(sum(m.complaints for m in f.months)), align_right=True),
    Column("Feedback", lambda f: str(sum(m.feedback for m in f.months)), align_right=True),
    Column("Leaving", lambda f: str(sum(m.leaving for m in f.months)), align_right=True),
    Column("Trend", lambda f: f.trend),
    Column("Latest month", _last),
    Column("Score (latest month)", _score),
)


ITEM_COLUMNS: tuple[Column[Item], ...] = (
    Column("When", lambda i: i.at.date().isoformat()),
    Column("Kind", lambda i: i.kind),
    Column("Text", lambda i: " ".join(i.text.split())[:300]),
    Column("Themes", lambda i: ", ".join(i.themes) + (" (by hand)" if i.tagged_by_hand else "")),
    Column("Score", lambda i: f"{i.score:g}" if i.score is not None else ""),
)


class FeedbackWindow(QWidget):
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
        self.setWindowTitle("Feedback by theme")
        self.company = company_combo(companies, company_id)
        self.company.currentIndexChanged.connect(self.reload)
        self.rules_button = QPushButton("Edit the keyword &rules…")
        self.rules_button.clicked.connect(self.edit_rules)
        self.model: RowsModel[ThemeFigures] = RowsModel(THEME_COLUMNS, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setSortingEnabled(True)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.selectionModel().currentRowChanged.connect(self._selected)
        self.detail = plain_label()
        self.detail.setWordWrap(True)
        self.items: list[Item] = []
        self.item_model: RowsModel[Item] = RowsModel(ITEM_COLUMNS, self)
        self.item_view = QTableView()
        self.item_view.setModel(self.item_model)
        self.item_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.item_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.item_view.verticalHeader().hide()
        self.item_view.horizontalHeader().setStretchLastSection(True)
        self.item_view.setColumnWidth(2, 420)
        self.tag_button = QPushButton("&Tag by hand…")
        self.tag_button.clicked.connect(lambda: self.tag_selected())  # noqa: PLW0108  (not `checked`)
        self.message = plain_label()
        top = QHBoxLayout()
        top.addWidget(self.company)
        top.addStretch(1)
        top.addWidget(self.rules_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.view, 2)
        layout.addWidget(self.detail, 1)
        layout.addWidget(self.item_view, 2)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.tag_button)
        layout.addLayout(bottom)
        self.resize(900, 560)
        self.reload()

    def reload(self, *_args: Any) -> None:
        from shopper.services import feedback

        company = str(self.company.currentData() or "")
        if not company:
            self._show([])
            return

        def work() -> tuple[list[ThemeFigures], list[Item]]:
            return (
                feedback.theme_months(engine=self.engine, company=company),
                feedback.list_items(engine=self.engine, company=company),
            )

        run_soon(
            self,
            work,
            in_background=on_a_server(self.engine),
            on_done=self._loaded,
            on_error=self._failed,
        )

    def _failed(self, exc: Exception) -> None:
        self.message.setText(str(exc) if isinstance(exc, ShopperError) else f"Not read: {exc}")
        self.loaded.emit()

    def _loaded(self, found: tuple[list[ThemeFigures], list[Item]]) -> None:
        self.items = found[1]
        self._show(found[0])

    def _show(self, figures: list[ThemeFigures]) -> None:
        self.model.set_rows(figures)
        self.detail.setText("" if figures else "No complaints or feedback imported yet.")
        if figures:
            self.view.selectRow(0)
        self.loaded.emit()

    def _selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        figure = self.model.row(current.row())
        if figure is None:
            return
        self.item_model.set_rows(
            [
                i
                for i in self.items
                if figure.theme in i.themes or (not figure.theme and not i.themes)
            ]
        )
        lines = [
            f"{theme_title(figure.theme)}: {count_of(figure.total, 'entry', 'entries')},"
            f" {figure.trend}"
        ]
        lines += [f"  {m.line()}" for m in figure.months]
        if figure.phrases:
            lines.append("Most common: " + ", ".join(f"{p} ({n})" for p, n in figure.phrases))
        lines += [
            f"  “{e.text[:200]}” ({e.kind}, {e.at.date().isoformat()})" for e in figure.examples
        ]
        self.detail.setText("\n".join(lines))

    def selected_item(self) -> Item | None:
        rows = self.item_view.selectionModel().selectedRows()
        return self.item_model.row(rows[0].row()) if rows else None

    def tag_selected(self, themes: str | None = None) -> None:
        """Tag the selected entry by hand (asked for, unless given); empty: back to the rules."""
        from shopper.services import feedback

        item = self.selected_item()
        if item is None:
            self.message.setText("Pick an entry first.")
            return
        if themes is None:
            themes, accepted = QInputDialog.getText(
                self,
                "Tag by hand",
                "Themes, comma-separated (empty: back to the keyword rules):",
                text=", ".join(item.themes),
            )
            if not accepted:
                return
        chosen = [t for t in themes.split(",") if t.strip()]
        run_soon(
            self,
            lambda: feedback.retag(engine=self.engine, entry=item.id, themes=chosen),
            in_background=on_a_server(self.engine),
            on_done=lambda _item: self.reload(),
            on_error=self._failed,
        )

    def edit_rules(self) -> RulesDialog:
        dialog = RulesDialog(self.engine, self)
        dialog.saved.connect(self._rules_saved)
        dialog.open()
        return dialog

    def _rules_saved(self, changed: int) -> None:
        self.message.setText(f"Rules saved; {changed} entries re-tagged.")
        self.reload()


class RulesDialog(QDialog):
    """The keyword rules as text (the format of resources/theme_rules.txt)."""

    saved = Signal(int)
    loaded = Signal()

    def __init__(self, engine: Engine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.setWindowTitle("Keyword rules")
        self.editor = QPlainTextEdit()
        self.status = plain_label(
            "One theme per line: THEME: phrase, phrase, … (a * matches any ending)"
        )
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(760, 520)
        from shopper.services import feedback

        run_soon(
            self,
            lambda: feedback.rules_text(engine=engine),
            in_background=on_a_server(engine),
            on_done=self._loaded,
            on_error=lambda exc: self.status.setText(str(exc)),
        )

    def _loaded(self, text: str) -> None:
        self.editor.setPlainText(text)
        self.loaded.emit()

    def save(self) -> None:
        from shopper.services import feedback

        text = self.editor.toPlainText()

        def done(changed: int) -> None:
            self.saved.emit(changed)
            self.accept()

        def failed(exc: Exception) -> None:
            self.status.setText(str(exc) if isinstance(exc, ShopperError) else f"Not saved: {exc}")

        run_soon(
            self,
            lambda: feedback.save_rules(engine=self.engine, text=text),
            in_background=True,
            on_done=done,
            on_error=failed,
        )
