"""Customers › Note a said-no: one small dialog, keyboard only.

Tab moves through the fields, the first letter picks a reason, Enter notes the entry and
clears the form for the next one (the company, channel and reason stay), Esc closes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.errors import ShopperError
from shopper.domain.said_no import CHANNELS, Reason
from shopper.domain.vocabulary import KNOWN_THEMES
from shopper.ui.widgets import company_combo, plain_label
from shopper.ui.workers import on_a_server, run_soon

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from shopper.domain.said_no import NoEntry


class SaidNoEntryDialog(QDialog):
    noted = Signal(object)
    """The `NoEntry` just stored."""

    def __init__(
        self,
        engine: Engine,
        companies: Sequence[tuple[str, str]],
        *,
        company_id: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.setWindowTitle("Note a said-no")
        self.company = company_combo(companies, company_id)
        self.asked = QLineEdit()
        self.asked.setPlaceholderText("What the customer asked for")
        self.refused = QLineEdit()
        self.refused.setPlaceholderText("What we said no to, and why")
        self.reason = QComboBox()
        for reason in Reason:
            self.reason.addItem(reason.label, reason.value)
        self.channel = QComboBox()
        self.channel.setEditable(True)
        self.channel.addItems(["", *CHANNELS])
        self.theme = QLineEdit()
        self.theme.setPlaceholderText("speed, clarity… (optional)")
        completer = QCompleter(sorted(KNOWN_THEMES), self.theme)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.theme.setCompleter(completer)
        self.said_by = QLineEdit()
        self.said_by.setPlaceholderText("Anonymous")
        form = QFormLayout()
        form.addRow("&Company", self.company)
        form.addRow("&Asked for", self.asked)
        form.addRow("&Reason", self.reason)
        form.addRow("&Said no to", self.refused)
        form.addRow("C&hannel", self.channel)
        form.addRow("&Theme", self.theme)
        form.addRow("Said &by", self.said_by)
        self.status = plain_label("Enter notes it and clears the form for the next; Esc closes.")
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("&Note it")
        self.save_button.setDefault(True)
        buttons.accepted.connect(self.note)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.asked.setFocus()

    def note(self) -> None:
        from shopper.services import said_no

        company = self.company.currentData()
        if not company:
            self.status.setText("Add a company first.")
            return
        data = said_no.SaidNoInput(
            asked=self.asked.text(),
            reason=str(self.reason.currentData()),
            refused=self.refused.text(),
            channel=self.channel.currentText(),
            theme=self.theme.text(),
            said_by=self.said_by.text(),
        )
        self.save_button.setEnabled(False)
        run_soon(
            self,
            lambda: said_no.add_entry(engine=self.engine, company=company, data=data),
            in_background=on_a_server(self.engine),
            on_done=self._noted,
            on_error=self._failed,
        )

    def _noted(self, entry: NoEntry) -> None:
        self.save_button.setEnabled(True)
        self.status.setText(f"Noted: {entry.asked[:80]} ({entry.on_list.label}).")
        for field in (self.asked, self.refused, self.theme):
            field.clear()
        self.asked.setFocus()
        self.noted.emit(entry)

    def _failed(self, exc: ShopperError | Exception) -> None:
        self.save_button.setEnabled(True)
        self.status.setText(str(exc) if isinstance(exc, ShopperError) else f"Not noted: {exc}")

    def keyPressEvent(self, event: Any) -> None:
        # Enter in a line edit notes the entry, as the default button would.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.save_button.isEnabled():
            self.note()
            return
        super().keyPressEvent(event)
