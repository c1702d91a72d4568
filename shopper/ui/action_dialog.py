"""Create action: what to change, who does it, by when — from a failed item, a bad moment or
a theme (the findings window, the themes view, the actions window).

The action is stored off the GUI thread on a team database (`run_soon`); a mistake is named
in the dialog, which stays open with what was typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from shopper.domain.actions import ActionError
from shopper.domain.errors import ShopperError
from shopper.services.actions import ActionInput, ActionRow, create_action
from shopper.ui.dates import date_format
from shopper.ui.workers import Operation, on_a_server, run_soon

DEFAULT_DUE_DAYS = 30


class ActionDialog(QDialog):
    """One action to add; `draft` says what it is made from (and the company)."""

    created = Signal(object)
    """The action was stored: its `ActionRow`."""

    def __init__(
        self,
        engine: Engine,
        draft: ActionInput,
        *,
        about: str,
        companies: Sequence[tuple[str, str]],
        parent: QWidget | None = None,
    ) -> None:
        """`about`: what it is made from, in words ("Failed item: Was the shop clean?");
        `companies`: (id, name) of the companies to choose from."""
        super().__init__(parent)
        self.engine = engine
        self.draft = draft
        self._busy: Operation | None = None
        self.setWindowTitle("Create action")
        self.resize(560, 0)
        layout = QVBoxLayout(self)
        source = QLabel(about)
        source.setTextFormat(Qt.TextFormat.PlainText)  # a prompt or note, as typed
        source.setWordWrap(True)
        source.setObjectName("muted")
        layout.addWidget(source)
        form = QFormLayout()
        self.company_combo = QComboBox()
        for company_id, name in companies:
            self.company_combo.addItem(name, company_id)
        self.company_combo.setCurrentIndex(max(self.company_combo.findData(draft.company), 0))
        # An action made from an audit belongs to that audit's company.
        self.company_combo.setEnabled(not draft.audit)
        form.addRow("&Company", self.company_combo)
        self.title_edit = QLineEdit(draft.title)
        self.title_edit.setPlaceholderText("What to change")
        form.addRow("&Action", self.title_edit)
        self.theme_edit = QLineEdit(draft.theme or "")
        self.theme_edit.setPlaceholderText("the item's own theme" if draft.audit else "speed")
        self.theme_edit.setEnabled(not draft.audit)
        form.addRow("T&heme", self.theme_edit)
        self.owner_edit = QLineEdit(draft.owner)
        self.owner_edit.setPlaceholderText("a name, or a team login")
        form.addRow("&Owner", self.owner_edit)
        due_row = QHBoxLayout()
        self.due_check = QCheckBox("&Due")
        self.due_check.setChecked(True)
        self.due_edit = QDateEdit(QDate.currentDate().addDays(DEFAULT_DUE_DAYS))
        self.due_edit.setCalendarPopup(True)
        self.due_edit.setDisplayFormat(date_format())
        self.due_check.toggled.connect(self.due_edit.setEnabled)
        due_row.addWidget(self.due_edit, 1)
        form.addRow(self.due_check, due_row)
        self.detail_edit = QPlainTextEdit(draft.detail)
        self.detail_edit.setPlaceholderText("More about it (optional)")
        self.detail_edit.setTabChangesFocus(True)
        self.detail_edit.setFixedHeight(80)
        detail_label = QLabel("D&etail")
        detail_label.setBuddy(self.detail_edit)
        form.addRow(detail_label, self.detail_edit)
        self.share_check = QCheckBox("&Shoppers may read it (on a team database)")
        form.addRow("", self.share_check)
        layout.addLayout(form)
        self.error_label = QLabel()
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.title_edit.setFocus()

    def data(self) -> ActionInput:
        due = self.due_edit.date().toPython() if self.due_check.isChecked() else None
        return replace(
            self.draft,
            company=str(self.company_combo.currentData() or ""),
            title=self.title_edit.text(),
            theme=None if self.draft.audit else self.theme_edit.text(),
            owner=self.owner_edit.text(),
            due=due,  # type: ignore[arg-type]
            detail=self.detail_edit.toPlainText(),
            shared=self.share_check.isChecked(),
        )

    def save(self) -> None:
        if self._busy is not None:
            return
        data, engine = self.data(), self.engine
        if not data.company:
            self._failed(ShopperError("add a company first"))
            return
        self.buttons.setEnabled(False)
        self._busy = run_soon(
            self,
            lambda: create_action(engine=engine, data=data),
            in_background=on_a_server(engine),
            on_done=self._done,
            on_error=self._failed,
        )

    def _done(self, row: ActionRow) -> None:
        self._busy = None
        self.created.emit(row)
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self._busy = None
        self.buttons.setEnabled(True)
        if isinstance(exc, ActionError):
            message = f"{exc.field.capitalize()}: {exc.why}"
        elif isinstance(exc, ShopperError):
            message = str(exc)
        else:
            message = f"The action was not stored: {exc}"
        self.error_label.setText(message)
        self.error_label.show()
        widget = {"title": self.title_edit, "theme": self.theme_edit, "owner": self.owner_edit}
        target = widget.get(getattr(exc, "field", ""), self.title_edit)
        target.setFocus()


def combo_companies(combo: QComboBox) -> list[tuple[str, str]]:
    """The (id, name) of the companies a window's company combo lists ("all" left out)."""
    found = [(combo.itemData(i), combo.itemText(i)) for i in range(combo.count())]
    return [(str(data), text) for data, text in found if data]
