"""Start an audit: pick or create a company, a touchpoint and a template; the shopper's name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
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
from shopper.services.records import Audit, CompanyRow
from shopper.services.shops import shops_login, start_own_shop
from shopper.services.templates import TemplateInfo, list_templates
from shopper.ui.company_dialog import CompanyDialog
from shopper.ui.crash import show_error
from shopper.ui.settings import Options, Settings
from shopper.ui.widgets import form_row
from shopper.ui.workers import Operation, on_a_server, run_soon

if TYPE_CHECKING:
    from shopper.services.connect import ConnectionFacts


@dataclass(frozen=True)
class AuditChoices:
    """What a new audit can be of: the companies and every touchpoint's templates."""

    companies: list[CompanyRow]
    templates: list[TemplateInfo]


def load_choices(engine: Engine) -> AuditChoices:
    """Read the choices (in a worker thread on a team database)."""
    return AuditChoices(list_companies(engine=engine), list_templates(engine=engine))


def fill_templates(combo: QComboBox, templates: list[TemplateInfo], touchpoint: str) -> None:
    """The checklists of one touchpoint in a combo: title, version, size, and whether imported."""
    combo.clear()
    for info in (t for t in templates if t.touchpoint == touchpoint):
        origin = "" if info.builtin else " (imported)"
        combo.addItem(
            f"{info.title} v{info.version} — {count_of(info.items, 'item')}{origin}", info.id
        )


class NewAuditDialog(QDialog):
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        parent: QWidget | None = None,
        company_id: str = "",
        *,
        team: ConnectionFacts | None = None,
        choices: AuditChoices | None = None,
        linked: bool = False,
    ) -> None:
        """Args:
        team: the team database's connection: the shopper is its login, not typed, and
            the audit is started off the GUI thread.
        choices: the companies and templates, read before (off the GUI thread on a team
            database); read here when not given.
        linked: this computer's database syncs with a team database: an audit of a company
            whose manager allows it may be a shop of the shopper's own, sent to the team.
        """
        super().__init__(parent)
        self.team = team
        self.choices = choices if choices is not None else load_choices(engine)
        self._operation: Operation | None = None
        self.starting = False
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
        self.own_shop = QCheckBox("Send it to the team as a shop of my own")
        self.own_shop.setVisible(linked and team is None)
        layout.addWidget(self.own_shop)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        start = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        start.setText("Start audit")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.touchpoint.currentIndexChanged.connect(self._fill_templates)
        self.company.currentIndexChanged.connect(self._own_shop_allowed)

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
        self._own_shop_allowed()

    def _own_shop_allowed(self) -> None:
        """A shop of one's own only for a company whose manager allows it (ticked then)."""
        row = next((c for c in self.choices.companies if c.id == self.company.currentData()), None)
        allowed = row is not None and row.allow_unassigned
        self.own_shop.setEnabled(allowed)
        self.own_shop.setChecked(allowed)
        self.own_shop.setToolTip(
            "It syncs with your shops and is reviewed like them"
            if allowed
            else "This company's manager has not allowed shops a shopper starts on their own;"
            " the audit stays on this computer"
        )

    def _fill_companies(self, select_id: str) -> None:
        self.company.clear()
        for row in self.choices.companies:
            self.company.addItem(row.name, row.id)
        index = self.company.findData(select_id)
        self.company.setCurrentIndex(max(index, 0))

    def _fill_templates(self) -> None:
        fill_templates(self.template, self.choices.templates, self.touchpoint.currentData())
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(self.template.count() > 0)

    def _new_company(self) -> None:
        dialog = CompanyDialog(self.engine, self)
        if dialog.exec() and dialog.saved is not None:
            saved = dialog.saved
            row = CompanyRow(saved.id, saved.name, saved.sector, audits=0, last_audit=None)
            others = [c for c in self.choices.companies if c.id != saved.id]
            companies = sorted([*others, row], key=lambda c: c.name.casefold())
            self.choices = AuditChoices(companies, self.choices.templates)
            self._fill_companies(saved.id)

    def accept(self) -> None:
        company_id = self.company.currentData()
        template_id = self.template.currentData()
        if not company_id:
            show_error(self, "Choose a company, or create one with “New company…”.")
            return
        if not template_id:
            show_error(self, "There is no checklist for this touchpoint yet.")
            return
        engine, shopper = self.engine, self.shopper.text()
        if self.team is not None:
            shopper = self.team.login
        own = not self.own_shop.isHidden() and self.own_shop.isChecked()
        touchpoint = self.touchpoint.currentData()

        def start() -> Audit:
            if own:
                return start_own_shop(
                    engine=engine,
                    company=company_id,
                    touchpoint=touchpoint,
                    template=template_id,
                    shopper=shops_login(engine=engine) or shopper.strip(),
                )
            return start_audit(
                engine=engine, company_id=company_id, template_id=template_id, shopper=shopper
            )

        if self.starting:
            return
        self.starting = True
        self.buttons.setEnabled(False)
        self._operation = run_soon(
            self,
            start,
            in_background=self.team is not None or on_a_server(engine),
            on_done=lambda audit: self._started(audit, company_id, template_id),
            on_error=self._not_started,
        )

    def _not_started(self, exc: Exception) -> None:
        self.starting = False
        self.buttons.setEnabled(True)
        show_error(self, str(exc) if isinstance(exc, ShopperError) else f"Not started: {exc}")

    def _started(self, audit: Audit, company_id: str, template_id: str) -> None:
        self.starting = False
        self.buttons.setEnabled(True)
        self.audit = audit
        if self.team is None:
            self.settings.set(Options.LAST_SHOPPER, self.shopper.text().strip())
        self.settings.set(Options.LAST_COMPANY, company_id)
        self.settings.set(Options.LAST_TOUCHPOINT, self.touchpoint.currentData())
        self.settings.set(Options.LAST_TEMPLATE, template_id)
        super().accept()
