"""File › New shop… (a manager's): assign a company's touchpoint to a shopper, with a window
of days and the scenario's instructions. What the services refuse is shown in the dialog,
naming the field, and the dialog stays open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from PySide6.QtCore import QDate
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from shopper.domain.errors import ShopperError
from shopper.domain.template import TOUCHPOINTS
from shopper.services.companies import list_companies
from shopper.services.records import CompanyRow
from shopper.services.shops import (
    MAX_INSTRUCTIONS,
    MAX_NAME,
    ShopInput,
    ShopInputError,
    ShopRow,
    create_shop,
    latest_templates,
)
from shopper.services.team import TeamUser, list_users
from shopper.services.templates import TemplateInfo, list_templates
from shopper.ui.dates import date_format
from shopper.ui.new_audit import fill_templates
from shopper.ui.workers import Operation, on_a_server, run_soon

DEFAULT_DAYS = 14
"""A new shop is due this many days after it opens, unless changed."""
ERROR = QColor("#b3261e")


@dataclass(frozen=True)
class ShopChoices:
    """What a shop can be of: the companies, the templates (with each touchpoint's latest)
    and, on a team database, its shoppers (None on SQLite: a typed name)."""

    companies: list[CompanyRow]
    templates: list[TemplateInfo]
    latest: dict[str, str]
    shoppers: list[TeamUser] | None


def load_shop_choices(engine: Engine, *, team: bool) -> ShopChoices:
    """Read the choices (in a worker thread on a team database)."""
    shoppers = None
    if team:
        shoppers = [u for u in list_users(engine=engine) if u.role == "shopper"]
    return ShopChoices(
        list_companies(engine=engine),
        list_templates(engine=engine),
        latest_templates(engine=engine, touchpoints=list(TOUCHPOINTS)),
        shoppers,
    )


def shopper_label(user: TeamUser) -> str:
    return f"{user.name} ({user.login})" if user.name else user.login


class NewShopDialog(QDialog):
    """`created` holds the shop once it is stored."""

    def __init__(
        self,
        engine: Engine,
        choices: ShopChoices,
        parent: QWidget | None = None,
        *,
        company_id: str = "",
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.choices = choices
        self.created: ShopRow | None = None
        self.saving = False
        self._operation: Operation | None = None
        self.setWindowTitle("New shop")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        intro = QLabel("Assign a touchpoint of a company to a shopper, to do within the window.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()

        self.company = QComboBox()
        self.company.setMinimumContentsLength(24)
        for row in choices.companies:
            self.company.addItem(row.name, row.id)
        self.company.setCurrentIndex(max(self.company.findData(company_id), 0))
        form.addRow("&Company", self.company)

        self.touchpoint = QComboBox()
        for key, label in TOUCHPOINTS.items():
            self.touchpoint.addItem(label, key)
        form.addRow("&Touchpoint", self.touchpoint)

        self.template = QComboBox()
        self.template.setMinimumContentsLength(30)
        form.addRow("Check&list", self.template)

        self.shopper_combo: QComboBox | None = None
        self.shopper_edit: QLineEdit | None = None
        edit: QWidget = self.company
        if choices.shoppers is not None:
            combo = self.shopper_combo = QComboBox()
            for user in choices.shoppers:
                combo.addItem(shopper_label(user), user.login)
            combo.setToolTip("The team's shopper logins")
            form.addRow("&Shopper", combo)
        else:
            edit = self.shopper_edit = QLineEdit()
            edit.setMaxLength(MAX_NAME)
            edit.setPlaceholderText("The shopper's name")
            form.addRow("&Shopper", edit)

        start = today or date.today()
        self.opens = self._date_edit(start)
        form.addRow("&From", self.opens)
        self.due = self._date_edit(start + timedelta(days=DEFAULT_DAYS))
        form.addRow("&Due", self.due)

        self.instructions = QPlainTextEdit()
        self.instructions.setPlaceholderText(
            "The scenario, e.g. ask how to cancel a contract; say you are moving abroad."
        )
        self.instructions.setTabChangesFocus(True)
        self.instructions.setMinimumHeight(self.fontMetrics().height() * 6)
        self.instructions.textChanged.connect(self._count)
        form.addRow("&Instructions", self.instructions)
        self.counter = QLabel()
        form.addRow("", self.counter)
        layout.addLayout(form, 1)

        self.problem = QLabel()
        self.problem.setWordWrap(True)
        palette = self.problem.palette()
        palette.setColor(QPalette.ColorRole.WindowText, ERROR)
        self.problem.setPalette(palette)
        self.problem.hide()
        layout.addWidget(self.problem)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Assign shop")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.touchpoint.currentIndexChanged.connect(self._fill_templates)
        self._fill_templates()
        self._count()
        shopper_field: QWidget = self.shopper_combo if self.shopper_combo is not None else edit
        self.fields: dict[str, QWidget] = {
            "company": self.company,
            "touchpoint": self.touchpoint,
            "template": self.template,
            "shopper": shopper_field,
            "from": self.opens,
            "due": self.due,
            "instructions": self.instructions,
        }

    def _date_edit(self, day: date) -> QDateEdit:
        edit = QDateEdit(QDate(day.year, day.month, day.day))
        edit.setCalendarPopup(True)
        edit.setDisplayFormat(date_format())
        return edit

    def _fill_templates(self) -> None:
        touchpoint = self.touchpoint.currentData()
        fill_templates(self.template, list(self.choices.templates), touchpoint)
        latest = self.choices.latest.get(touchpoint, "")
        self.template.setCurrentIndex(max(self.template.findData(latest), 0))

    def _count(self) -> None:
        length = len(self.instructions.toPlainText())
        self.counter.setText(f"{length} of {MAX_INSTRUCTIONS} characters")
        palette = self.counter.palette()
        role = QPalette.ColorRole.WindowText
        over = length > MAX_INSTRUCTIONS
        palette.setColor(role, ERROR if over else self.palette().color(role))
        self.counter.setPalette(palette)

    def shop_input(self) -> ShopInput:
        """The shop as typed (the instructions exactly, the shopper's name trimmed)."""
        if self.shopper_combo is not None:
            shopper = str(self.shopper_combo.currentData() or "")
        else:
            assert self.shopper_edit is not None
            shopper = self.shopper_edit.text()
        return ShopInput(
            company=str(self.company.currentData() or ""),
            touchpoint=str(self.touchpoint.currentData() or ""),
            shopper=shopper,
            opens=self.opens.date().toPython(),  # type: ignore[arg-type]
            due=self.due.date().toPython(),  # type: ignore[arg-type]
            template=str(self.template.currentData() or "") or None,
            instructions=self.instructions.toPlainText(),
        )

    def accept(self) -> None:
        if self.saving:
            return
        data = self.shop_input()
        if not data.company:
            self._show_problem("company", "Add a company first (File › New company…).")
            return
        engine = self.engine
        self.saving = True
        self.buttons.setEnabled(False)
        self._operation = run_soon(
            self,
            lambda: create_shop(engine=engine, data=data),
            in_background=on_a_server(engine),
            on_done=self._created,
            on_error=self._refused,
        )

    def _created(self, row: ShopRow) -> None:
        self.saving = False
        self.buttons.setEnabled(True)
        self.created = row
        super().accept()

    def _refused(self, exc: Exception) -> None:
        self.saving = False
        self.buttons.setEnabled(True)
        if isinstance(exc, ShopInputError):
            lines = [f"{_field_title(p.field)}: {p.why}" for _i, p in exc.problems]
            self._show_problem(exc.problems[0][1].field, "\n".join(lines))
        elif isinstance(exc, ShopperError):
            self._show_problem("", str(exc))
        else:
            self._show_problem("", f"The shop was not assigned: {exc}")

    def _show_problem(self, field: str, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()
        widget = self.fields.get(field)
        if widget is not None:
            widget.setFocus()


_TITLES = {"from": "From", "due": "Due"}


def _field_title(field: str) -> str:
    return _TITLES.get(field, field.capitalize())
