"""The e-mail tracker: when the enquiry went out, when replies came, and the follow-up.

Response times are shown in the company's business hours (its zone, working
days and holidays, set in the company dialog) and in calendar time.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.errors import ShopperError
from shopper.domain.instruments import EmailStep, Instrument, Step, waited_hours
from shopper.services.instruments import calendar_of
from shopper.services.runner import AuditRunner
from shopper.ui.crash import show_error
from shopper.ui.moment_field import MomentField, confirm_far
from shopper.ui.runner.instrument_base import InstrumentPane, StepsModel, list_table
from shopper.ui.widgets import FlowLayout


def describe_email_step(step: Step, _row: int) -> str:
    return str(step.data.get("subject") or step.data.get("note") or "")


def hours_text(hours: float) -> str:
    if hours < 1:
        return f"{hours * 60:.0f} min"
    return f"{hours:.1f} h"


class EmailTrackerPane(InstrumentPane):
    def __init__(self, runner: AuditRunner, parent: QWidget | None = None) -> None:
        super().__init__(runner, parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        row = QHBoxLayout()
        when = QLabel("&When")
        row.addWidget(when)
        self.when = MomentField(runner.zone)
        self.when.set_moment(runner.clock())
        when.setBuddy(self.when.line)
        row.addWidget(self.when)
        now = QPushButton("Now")
        now.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes from the time to the subject
        now.setToolTip("Set the time to now")
        now.clicked.connect(lambda: self.when.set_moment(self.runner.clock()))
        row.addWidget(now, 0, Qt.AlignmentFlag.AlignTop)
        self.subject = QLineEdit()
        self.subject.setPlaceholderText("Subject or a few words (optional)")
        self.subject.setMaxLength(500)
        row.addWidget(self.subject, 1)
        layout.addLayout(row)
        buttons = FlowLayout()
        self.buttons: dict[EmailStep, QPushButton] = {}
        for label, keys, kind in (
            ("Enquiry sent", "Alt+S", EmailStep.SENT),
            ("Reply received", "Alt+R", EmailStep.REPLY),
            ("Follow-up received", "Alt+O", EmailStep.FOLLOW_UP),
        ):
            button = QPushButton(f"{label} ({keys})")
            button.clicked.connect(lambda _=False, k=kind: self.record(k))
            buttons.addWidget(button)
            self.buttons[kind] = button
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.setWhatsThis(f"E-mail tracker: {label.lower()} at the time typed")
            shortcut.activated.connect(lambda k=kind: self.record(k))
        layout.addLayout(buttons)
        self.figures = QLabel()
        self.figures.setWordWrap(True)
        layout.addWidget(self.figures)
        self.model = StepsModel(runner.zone, describe_email_step, self)
        self.table = list_table(self.model, 3)
        self.table.doubleClicked.connect(self.correct_time)
        layout.addWidget(self.table, 1)
        self.refresh()

    def focus_entry(self) -> None:
        """Ctrl+Shift+E: type the time, then Alt+S, Alt+R or Alt+O records the step."""
        self.when.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.when.selectAll()

    def moment(self) -> datetime | None:
        return self.when.moment()

    def set_read_only(self, read_only: bool) -> None:
        super().set_read_only(read_only)
        if self.runner.awaiting:  # the follow-up is what it waits for: it can be recorded
            for widget in (self.when.line, self.subject, self.buttons[EmailStep.FOLLOW_UP]):
                widget.setEnabled(True)

    def record(self, kind: EmailStep) -> None:
        if self.runner.read_only or (self.runner.awaiting and kind != EmailStep.FOLLOW_UP):
            return
        at = self.moment()
        if at is None:
            show_error(self, self.when.problem() or "Type when it happened.")
            self.focus_entry()
            return
        if not confirm_far(self, at, self.runner.zone):
            return
        data = {"subject": self.subject.text().strip()} if self.subject.text().strip() else {}
        if self.run(lambda r: r.add_step(Instrument.EMAIL, kind, at=at, data=data)):
            self.subject.clear()

    def refresh(self) -> None:
        self.model.set_steps(self.runner.steps(Instrument.EMAIL))
        fig = self.runner.measurements.email
        company = self.runner.company
        zone_note = f"business hours of {company.name} ({company.timezone})"
        if fig is None or fig.sent_at is None:
            self.figures.setText(
                "Record when you sent the enquiry; come back when the answer lands "
                "(View › Waiting lists every enquiry still open)."
            )
            return
        if fig.response_business_hours is not None and fig.response_calendar_hours is not None:
            text = (
                f"First reply after {hours_text(fig.response_business_hours)} in {zone_note}"
                f" ({hours_text(fig.response_calendar_hours)} calendar time)"
                f" · {fig.replies} repl{'y' if fig.replies == 1 else 'ies'}"
            )
        else:
            try:
                calendar_h, business_h = waited_hours(
                    fig.sent_at, datetime.now(UTC), calendar_of(company)
                )
                text = (
                    f"No reply yet: waiting {hours_text(business_h)} in {zone_note}"
                    f" ({hours_text(calendar_h)} calendar time)"
                )
            except ShopperError as exc:
                text = str(exc)
        if fig.follow_up:
            text += " · follow-up received"
        self.figures.setText(text)
