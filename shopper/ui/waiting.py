"""View › Waiting: what the shopper is waiting for, across all audits.

Two lists: follow-ups (audits completed on the day, awaiting an item answered later, with
the day each window closes) and enquiries with no reply yet (with how long they have
waited, in calendar and business hours). Opening the window first settles follow-ups
whose windows have all passed, off the GUI thread. Enter or a double-click opens the
audit: at the waiting item, or at its e-mail tracker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHeaderView,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from shopper.domain.clock import local_zone_name, now_utc
from shopper.domain.template import touchpoint_label
from shopper.domain.wording import count_of
from shopper.services.follow_up import WaitingAudit, settle_follow_ups, waiting_audits
from shopper.services.instruments import WaitingReply, waiting_replies
from shopper.ui.crash import show_error
from shopper.ui.dates import moment_text, weekday_text
from shopper.ui.rows_model import Column, RowsModel
from shopper.ui.widgets import group_box, plain_table
from shopper.ui.workers import Operation, run_quietly


@dataclass(frozen=True)
class FollowUpRow:
    """One waiting item of an audit (no item: answered, to be completed)."""

    audit: WaitingAudit
    item_id: str
    prompt: str
    due: datetime | None


@dataclass(frozen=True)
class Waiting:
    follow_ups: list[FollowUpRow]
    replies: list[WaitingReply]
    settled: int
    now: datetime


def load_waiting(engine: Engine) -> Waiting:
    """Settle what is due, then read both lists (in a worker thread)."""
    now = now_utc()
    settled = settle_follow_ups(engine=engine, now=now)
    rows: list[FollowUpRow] = []
    for audit in waiting_audits(engine=engine):
        if not audit.items:
            rows.append(FollowUpRow(audit, "", "Answered: complete it (Ctrl+Enter)", None))
        rows += [FollowUpRow(audit, i.item_id, i.prompt, i.due) for i in audit.items]
    return Waiting(rows, waiting_replies(engine=engine, now=now), len(settled), now)


def left_text(due: datetime | None, now: datetime) -> str:
    """ "3 days left", "due today", "overdue"."""
    if due is None:
        return "—"
    if due <= now:
        return "overdue"
    days = (due - now).days
    return "due today" if days == 0 else f"{count_of(days, 'day')} left"


class FollowUpModel(RowsModel[FollowUpRow]):
    def __init__(self, parent: Any = None) -> None:
        zone = local_zone_name()
        self.now = now_utc()
        super().__init__(
            [
                Column(
                    "Due",
                    lambda r: weekday_text(r.due, zone) if r.due else "—",
                    sort_key=lambda r: r.due or r.audit.completed_at,
                ),
                Column("Left", lambda r: left_text(r.due, self.now), align_right=True),
                Column("Company", lambda r: r.audit.company_name),
                Column("Touchpoint", lambda r: touchpoint_label(r.audit.touchpoint)),
                Column("Question", lambda r: r.prompt, tooltip=lambda r: r.prompt),
                Column(
                    "Completed",
                    lambda r: moment_text(r.audit.completed_at, zone),
                    sort_key=lambda r: r.audit.completed_at,
                ),
            ],
            parent,
        )


class RepliesModel(RowsModel[WaitingReply]):
    def __init__(self, parent: Any = None) -> None:
        zone = local_zone_name()
        super().__init__(
            [
                Column(
                    "Sent", lambda r: moment_text(r.sent_at, zone), sort_key=lambda r: r.sent_at
                ),
                Column("Company", lambda r: r.company_name),
                Column("Touchpoint", lambda r: touchpoint_label(r.touchpoint)),
                Column(
                    "Waited",
                    lambda r: _hours(r.waited_hours),
                    sort_key=lambda r: r.waited_hours,
                    align_right=True,
                ),
                Column(
                    "Business hours",
                    lambda r: _hours(r.waited_business_hours),
                    sort_key=lambda r: r.waited_business_hours,
                    align_right=True,
                ),
            ],
            parent,
        )


def _hours(hours: float) -> str:
    if hours >= 48:
        return f"{hours / 24:.1f} days"
    return f"{hours:.1f} h"


class WaitingDialog(QDialog):
    """Follow-ups and replies still to come; Enter or a double-click opens the audit."""

    open_item = Signal(str, str)
    """A follow-up row: (audit id, item id; "" for the audit's current item)."""
    open_audit = Signal(str)
    """A reply row: the audit whose e-mail tracker records it."""
    loaded = Signal()

    def __init__(self, engine: Engine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Waiting")
        self.resize(900, 520)
        self.engine = engine
        self.waiting: Waiting | None = None
        layout = QVBoxLayout(self)
        self.summary = QLabel("Looking for what is due…")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.follow_model = FollowUpModel(self)
        self.follow_table = plain_table(self.follow_model)
        self.follow_table.setSortingEnabled(True)
        self.follow_table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.follow_table.activated.connect(self._follow_up_activated)
        self.follow_box = group_box("Follow-ups awaited", self.follow_table)
        splitter.addWidget(self.follow_box)
        self.reply_model = RepliesModel(self)
        self.reply_table = plain_table(self.reply_model)
        self.reply_table.setSortingEnabled(True)
        self.reply_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.reply_table.activated.connect(self._reply_activated)
        self.reply_box = group_box("Replies not received yet", self.reply_table)
        splitter.addWidget(self.reply_box)
        layout.addWidget(splitter, 1)
        self._load: Operation | None = run_quietly(
            self, lambda: load_waiting(engine), on_done=self._show, on_error=self._failed
        )

    @property
    def loading(self) -> bool:
        return self.waiting is None

    def _show(self, waiting: Waiting) -> None:
        self.waiting = waiting
        self.follow_model.now = waiting.now
        self.follow_model.set_rows(waiting.follow_ups)
        self.follow_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.reply_model.set_rows(waiting.replies)
        self.reply_table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
        audits = len({row.audit.audit_id for row in waiting.follow_ups})
        parts = [
            f"{count_of(audits, 'audit')} awaiting follow-up"
            if audits
            else "No audit awaits a follow-up",
            f"{count_of(len(waiting.replies), 'enquiry')} waiting for a reply"
            if waiting.replies
            else "no enquiry waits for a reply",
        ]
        text = "; ".join(parts) + "."
        if waiting.settled:
            text += (
                f" {count_of(waiting.settled, 'audit')} whose follow-up never came "
                f"{'was' if waiting.settled == 1 else 'were'} just completed."
            )
        self.summary.setText(
            text + " Business hours count the company's own opening hours and holidays."
        )
        for table, stretched in ((self.follow_table, 4), (self.reply_table, 1)):
            for column in range(table.model().columnCount()):
                if column != stretched:  # the dates and counts whole; the text takes the rest
                    table.resizeColumnToContents(column)
        (self.follow_table if waiting.follow_ups else self.reply_table).setFocus()
        if waiting.follow_ups:
            self.follow_table.selectRow(0)
        elif waiting.replies:
            self.reply_table.selectRow(0)
        self.loaded.emit()

    def _failed(self, exc: Exception) -> None:
        self.summary.setText("Could not read what is waiting.")
        show_error(self, str(exc), title="Waiting")

    def _follow_up_activated(self, index: QModelIndex) -> None:
        row = self.follow_model.row(index.row())
        if row is not None:
            self.open_item.emit(row.audit.audit_id, row.item_id)
            self.accept()

    def _reply_activated(self, index: QModelIndex) -> None:
        row = self.reply_model.row(index.row())
        if row is not None:
            self.open_audit.emit(row.audit_id)
            self.accept()
