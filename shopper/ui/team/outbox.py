"""Team › Outbox…: what waits to go to the team database, when it was last tried and why it
failed, and the conflict copies (see `shopper.services.sync.outbox`).

Read off the GUI thread, and again after each sync while the dialog is open. Enter or a
double-click opens the audit. Nothing here deletes anything: a sent audit stays here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.clock import local_zone_name
from shopper.domain.template import touchpoint_label
from shopper.domain.wording import count_of
from shopper.services.sync import OutboxEntry
from shopper.ui.dates import moment_text
from shopper.ui.rows_model import Column, RowsModel
from shopper.ui.widgets import plain_table
from shopper.ui.workers import Operation, run_quietly

if TYPE_CHECKING:
    from shopper.services.context import AppContext
    from shopper.ui.team.sync import LastSync, TeamSync

STATES = {"waiting": "Waiting", "failed": "Not sent", "conflict": "Conflict copy"}
RED = QColor("#b3261e")


@dataclass(frozen=True)
class OutboxRow:
    """One entry of the outbox, with what the list shows of its audit."""

    entry: OutboxEntry
    company: str
    touchpoint: str
    last: LastSync | None
    """The last sync, when it failed after this entry was last tried (it never got there)."""

    @property
    def tried_at(self) -> datetime | None:
        if self.last is not None:
            return self.last.at
        return self.entry.tried_at

    @property
    def error(self) -> str:
        entry = self.entry
        if entry.conflict_of is not None:
            return (
                f"This computer's version, kept when audit {entry.conflict_of[:8]} changed on"
                " the team database: compare the two. It is never sent."
            )
        if self.last is not None:
            return f"Not sent: {self.last.error}"
        return entry.error

    @property
    def state(self) -> str:
        if self.last is not None and self.entry.state == "waiting":
            return STATES["failed"]
        return STATES[self.entry.state]


def outbox_rows(local: AppContext, last: LastSync | None) -> list[OutboxRow]:
    """The outbox with each audit's company and touchpoint (in a worker thread)."""
    from shopper.services.audits import list_audits
    from shopper.services.sync import outbox

    entries = outbox(local)
    audits = {a.id: a for a in list_audits(engine=local.engine, ids=[e.audit_id for e in entries])}
    rows = []
    for entry in entries:
        audit = audits.get(entry.audit_id)
        failed_later = (
            last is not None
            and bool(last.error)
            and entry.conflict_of is None
            and (entry.tried_at is None or entry.tried_at < last.at)
        )
        rows.append(
            OutboxRow(
                entry,
                audit.company_name if audit else "",
                touchpoint_label(audit.touchpoint) if audit else "",
                last if failed_later else None,
            )
        )
    return rows


def _when(moment: datetime | None) -> str:
    return moment_text(moment, local_zone_name()) if moment is not None else "never"


def _version(entry: OutboxEntry) -> str:
    if entry.pushed_version is None:
        return f"{entry.version} (new)"
    return f"{entry.version} (team has {entry.pushed_version})"


class OutboxModel(RowsModel[OutboxRow]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(
            [
                Column("State", lambda r: r.state, foreground=_red_if_error),
                Column("Audit", lambda r: r.entry.audit_id[:8]),
                Column("Company", lambda r: r.company, tooltip=lambda r: r.company),
                Column("Touchpoint", lambda r: r.touchpoint),
                Column("Shop", lambda r: (r.entry.shop_id or "")[:8] or "—"),
                Column("Version", lambda r: _version(r.entry), sort_key=lambda r: r.entry.version),
                Column(
                    "Last tried",
                    lambda r: _when(r.tried_at),
                    sort_key=lambda r: r.tried_at.isoformat() if r.tried_at else "",
                ),
                Column("Why", lambda r: r.error, tooltip=lambda r: r.error),
            ],
            parent,
        )


def _red_if_error(row: OutboxRow) -> QColor | None:
    return RED if row.state == STATES["failed"] else None


class OutboxDialog(QDialog):
    """The outbox; `open_audit(id)` when the user opens an entry."""

    open_audit = Signal(str)

    def __init__(self, local: AppContext, team_sync: TeamSync | None, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Outbox — what waits to go to the team database")
        self.local = local
        self.team_sync = team_sync
        self._operation: Operation | None = None
        self.loading = False
        layout = QVBoxLayout(self)
        self.intro = QLabel(
            "The audits changed here since the team database last took them, and the "
            "conflict copies. A sent audit stays on this computer. Enter opens one."
        )
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)
        self.model = OutboxModel(self)
        self.table = plain_table(self.model)
        self.table.setSortingEnabled(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(7, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(self._activated)
        self.table.doubleClicked.connect(self._activated)
        layout.addWidget(self.table, 1)
        self.empty = QLabel("Nothing waits to go: the team database has all of this computer's.")
        self.empty.setObjectName("placeholder")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setVisible(False)
        layout.addWidget(self.empty, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.sync_button = QPushButton("&Sync now")
        self.sync_button.setEnabled(team_sync is not None)
        if team_sync is None:
            self.sync_button.setToolTip("Link this data folder to a team database first (Team)")
        else:
            self.sync_button.clicked.connect(team_sync.sync_now)
            team_sync.attempted.connect(self.reload)
            team_sync.busy_changed.connect(self._show_status)
        buttons.addButton(self.sync_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout.addWidget(buttons)
        self.resize(980, 420)
        self.reload()

    def reload(self) -> None:
        """Read the outbox again, off the GUI thread."""
        local, last = self.local, self.team_sync.last if self.team_sync else None
        self.loading = True
        self._show_status()
        self._operation = run_quietly(
            self,
            lambda: outbox_rows(local, last),
            on_done=self._loaded,
            on_error=self._not_loaded,
        )

    def _loaded(self, rows: list[OutboxRow]) -> None:
        self.loading = False
        self.model.set_rows(rows)
        self.table.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        self._show_status()

    def _not_loaded(self, exc: Exception) -> None:
        self.loading = False
        self.status.setText(f"Could not read the outbox: {exc}")

    def _show_status(self, *_args: Any) -> None:
        sync = self.team_sync
        if sync is None:
            text = "This data folder is not linked to a team database: Team › Link…"
        elif sync.busy:
            text = "Syncing…"
        elif sync.last is None:
            text = f"Not synced yet since Shopper started ({sync.target.text})."
        elif sync.last.error:
            text = f"Last tried {_when(sync.last.at)}: {sync.last.error}"
        else:
            text = f"Last synced {_when(sync.last.at)} with {sync.target.text}."
        rows = self.model.rowCount()
        if not self.loading and rows:
            text = text if text.endswith(".") else f"{text}."
            text += f" {count_of(rows, 'entry', 'entries')} in the outbox."
        self.status.setText(text)
        self.status.setStyleSheet(
            f"color: {RED.name()};" if sync is not None and sync.last and sync.last.error else ""
        )

    def _activated(self, index: QModelIndex) -> None:
        row = self.model.row(index.row())
        if row is None:
            return
        self.open_audit.emit(row.entry.audit_id)
        self.accept()
