"""Start an audit: pick or create a company, a touchpoint and a template; the shopper's name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from shopper.domain.errors import ShopperError
from shopper.domain.template import TOUCHPOINTS
from shopper.domain.wording import count_of
from shopper.services.audits import start_audit
from shopper.services.companies import list_companies
from shopper.services.records import Audit
from shopper.services.templates import list_templates
from shopper.ui.company_dialog import CompanyDialog
from shopper.ui.crash import show_error
from shopper.ui.settings import Options, Settings
from shopper.ui.widgets import form_row

if TYPE_CHECKING:
    from shopper.store.connect import ConnectionFacts


class NewAuditDialog(QDialog):
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        parent: QWidget | None = None,
        company_id: str = "",
        team: ConnectionFacts | None = None,
    ) -> None:
        """Args:
        team: the team database's connection: the shopper is its login, not typed.
        """
        super().__init__(parent)
        self.team = team
        self.engine = engine
        self.settings = settings
        self.audit: Audit | None = None
        self.setWindowTitle("New audit")
        self.setMinimumWidth(480)

        layout = QVBoxLayout(self)
        intro = QLabel(
            "Choose what you are about to audit. Everything you answer is saved at once."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()

        company_row = QHBoxLayout()
        self.company = QComboBox()
        self.company.setMinimumContentsLength(24)
        company_row.addWidget(self.company, 1)
        new_company = QPushButton("New company…")
        new_company.clicked.connect(self._new_company)
        if team is not None and team.is_field:
            new_company.setEnabled(False)
            new_company.setToolTip("On the team database, companies are added by a manager.")
        company_row.addWidget(new_company)
        form_row(form, "&Company", company_row, self.company)

        self.touchpoint = QComboBox()
        for key, label in TOUCHPOINTS.items():
            self.touchpoint.addItem(label, key)
        form.addRow("&Touchpoint", self.touchpoint)

        self.template = QComboBox()
        self.template.setMinimumContentsLength(30)
        form.addRow("Check&list", self.template)

        self.shopper = QLineEdit(settings.get(Options.LAST_SHOPPER))
        self.shopper.setPlaceholderText("Your name, as it should appear on reports")
        self.shopper.setMaxLength(200)
        if team is not None:  # the login is the shopper: the database says so too
            self.shopper.setText(team.shopper)
            self.shopper.setReadOnly(True)
            self.shopper.setToolTip("On the team database, your audits are your login's.")
        form.addRow("&Shopper", self.shopper)
        layout.addLayout(form)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        start = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        start.setText("Start audit")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.touchpoint.currentIndexChanged.connect(self._fill_templates)

        self._fill_companies(company_id or settings.get(Options.LAST_COMPANY))
        last_touchpoint = settings.get(Options.LAST_TOUCHPOINT)
        index = self.touchpoint.findData(last_touchpoint)
        self.touchpoint.setCurrentIndex(max(index, 0))
        self._fill_templates()
        last_template = settings.get(Options.LAST_TEMPLATE)
        index = self.template.findData(last_template)
        if index >= 0:
            self.template.setCurrentIndex(index)
        if self.company.count() == 0:
            new_company.setFocus()

    def _fill_companies(self, select_id: str) -> None:
        self.company.clear()
        for row in list_companies(engine=self.engine):
            self.company.addItem(row.name, row.id)
        index = self.company.findData(select_id)
        self.company.setCurrentIndex(max(index, 0))

    def _fill_templates(self) -> None:
        self.template.clear()
        touchpoint = self.touchpoint.currentData()
        for info in list_templates(engine=self.engine, touchpoint=touchpoint):
            origin = "" if info.builtin else " (imported)"
            self.template.addItem(
                f"{info.title} v{info.version} — {count_of(info.items, 'item')}{origin}", info.id
            )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(self.template.count() > 0)

    def _new_company(self) -> None:
        dialog = CompanyDialog(self.engine, self)
        if dialog.exec() and dialog.saved is not None:
            self._fill_companies(dialog.saved.id)

    def accept(self) -> None:
        company_id = self.company.currentData()
        template_id = self.template.currentData()
        if not company_id:
            show_error(self, "Choose a company, or create one with “New company…”.")
            return
        if not template_id:
            show_error(self, "There is no checklist for this touchpoint yet.")
            return
        try:
            self.audit = start_audit(
                engine=self.engine,
                company_id=company_id,
                template_id=template_id,
                shopper=self.team.login if self.team is not None else self.shopper.text(),
            )
        except ShopperError as exc:
            show_error(self, str(exc))
            return
        if self.team is None:
            self.settings.set(Options.LAST_SHOPPER, self.shopper.text().strip())
        self.settings.set(Options.LAST_COMPANY, company_id)
        self.settings.set(Options.LAST_TOUCHPOINT, self.touchpoint.currentData())
        self.settings.set(Options.LAST_TEMPLATE, template_id)
        super().accept()
