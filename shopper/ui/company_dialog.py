"""Create or edit a company: name, sector, time zone, business hours and holidays."""

from __future__ import annotations

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from shopper.domain.clock import local_zone_name, zone_names
from shopper.domain.errors import ShopperError
from shopper.services.companies import WEEKDAYS, CompanyInput, create_company, update_company
from shopper.services.records import Company
from shopper.ui.crash import show_error
from shopper.ui.workers import Operation, on_a_server, run_soon

DAY_NAMES = dict(zip(WEEKDAYS, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True))


class CompanyDialog(QDialog):
    def __init__(
        self, engine: Engine, parent: QWidget | None = None, company: Company | None = None
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.company = company
        self.saved: Company | None = None
        self.saving = False
        self._operation: Operation | None = None
        self.setWindowTitle("Edit company" if company else "New company")
        self.setMinimumWidth(460)

        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.name = QLineEdit(company.name if company else "")
        self.name.setPlaceholderText("e.g. Northwind Outfitters")
        self.name.setMaxLength(200)
        form.addRow("&Name", self.name)
        self.sector = QLineEdit(company.sector if company else "")
        self.sector.setPlaceholderText("e.g. Clothing retail")
        self.sector.setMaxLength(200)
        form.addRow("&Sector", self.sector)
        self.zone = QComboBox()
        self.zone.setEditable(True)
        zones = zone_names()
        self.zone.addItems(zones)
        completer = QCompleter(zones, self.zone)
        completer.setFilterMode(completer.filterMode().MatchContains)
        self.zone.setCompleter(completer)
        self.zone.setCurrentText(company.timezone if company else local_zone_name())
        form.addRow("&Time zone", self.zone)
        layout.addLayout(form)

        hours_box = QGroupBox("Business hours (for response times in business hours)")
        grid = QGridLayout(hours_box)
        current = company.hours() if company else CompanyInput("x").business_hours
        self.days: dict[str, tuple[QCheckBox, QTimeEdit, QTimeEdit]] = {}
        for row, day in enumerate(WEEKDAYS):
            span = current.get(day)
            check = QCheckBox(DAY_NAMES[day])
            check.setChecked(span is not None)
            opens = QTimeEdit(QTime.fromString((span or ["09:00"])[0], "HH:mm"))
            closes = QTimeEdit(QTime.fromString((span or ["", "17:00"])[1], "HH:mm"))
            for edit in (opens, closes):
                edit.setDisplayFormat("HH:mm")
                edit.setEnabled(span is not None)
                check.toggled.connect(edit.setEnabled)
            grid.addWidget(check, row, 0)
            grid.addWidget(opens, row, 1)
            grid.addWidget(QLabel("to"), row, 2)
            grid.addWidget(closes, row, 3)
            self.days[day] = (check, opens, closes)
        layout.addWidget(hours_box)

        layout.addWidget(QLabel("Holidays (one date per line, YYYY-MM-DD)"))
        self.holidays = QPlainTextEdit("\n".join(company.holiday_list() if company else []))
        self.holidays.setMaximumHeight(80)
        self.holidays.setTabChangesFocus(True)
        layout.addWidget(self.holidays)

        self.allow_unassigned = QCheckBox("Shoppers may start shops of their own for this company")
        self.allow_unassigned.setToolTip(
            "On a team database: a shopper may audit it without an assignment; the audit then"
            " syncs and is reviewed like an assigned shop"
        )
        self.allow_unassigned.setChecked(bool(company and company.allow_unassigned))
        layout.addWidget(self.allow_unassigned)
        self._notes = company.notes if company else ""

        self.buttons = buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def data(self) -> CompanyInput:
        hours = {
            day: [opens.time().toString("HH:mm"), closes.time().toString("HH:mm")]
            for day, (check, opens, closes) in self.days.items()
            if check.isChecked()
        }
        holidays = [line.strip() for line in self.holidays.toPlainText().splitlines()]
        return CompanyInput(
            name=self.name.text(),
            sector=self.sector.text(),
            timezone=self.zone.currentText().strip(),
            business_hours=hours,
            holidays=[h for h in holidays if h],
            # Not shown here: kept as it was (a bundle's or the demo's notes).
            notes=self._notes,
            allow_unassigned=self.allow_unassigned.isChecked(),
        )

    def accept(self) -> None:
        """Save (off the GUI thread on a team database); the dialog closes once saved."""
        if self.saving:
            return
        engine, data, company = self.engine, self.data(), self.company

        def save() -> Company:
            if company is None:
                return create_company(engine=engine, data=data)
            return update_company(engine=engine, company_id=company.id, data=data)

        self.saving = True
        self.buttons.setEnabled(False)
        self._operation = run_soon(
            self,
            save,
            in_background=on_a_server(engine),
            on_done=self._saved,
            on_error=self._not_saved,
        )

    def _saved(self, company: Company) -> None:
        self.saving = False
        self.saved = company
        super().accept()

    def _not_saved(self, exc: Exception) -> None:
        self.saving = False
        self.buttons.setEnabled(True)
        show_error(self, str(exc) if isinstance(exc, ShopperError) else f"Not saved: {exc}")
