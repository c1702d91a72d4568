"""Choosing what to export as a bundle, and the summary after an import."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.clock import local_zone_name
from shopper.domain.template import touchpoint_label
from shopper.services.bundles import AuditLine, ImportSummary
from shopper.ui.dates import day_text
from shopper.ui.rows_model import Column, RowsModel


@dataclass(frozen=True)
class ExportChoice:
    """One thing the user may export: its label, its audits and a name for the file."""

    label: str
    audit_ids: list[str]
    name: str


class ExportBundleDialog(QDialog):
    """Pick the open audit, the selected company's audits, or everything."""

    def __init__(self, choices: list[ExportChoice], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export a bundle")
        self.choices = [c for c in choices if c.audit_ids]
        layout = QVBoxLayout(self)
        intro = QLabel(
            "A bundle carries audits with their company, template, answers, notes, "
            "instrument steps, moments and evidence to another Shopper."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.group = QButtonGroup(self)
        for index, choice in enumerate(self.choices):
            button = QRadioButton(choice.label)
            self.group.addButton(button, index)
            layout.addWidget(button)
        if self.choices:
            self.group.button(0).setChecked(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    @property
    def chosen(self) -> ExportChoice | None:
        index = self.group.checkedId()
        return self.choices[index] if 0 <= index < len(self.choices) else None


@dataclass(frozen=True)
class SummaryRow:
    outcome: str
    audit: AuditLine


OUTCOMES = {
    "added": "Added",
    "updated": "Updated: the bundle's edit is newer",
    "kept": "Kept: the edit here is newer",
    "unchanged": "Unchanged",
}


class SummaryModel(RowsModel[SummaryRow]):
    def __init__(self, rows: list[SummaryRow], parent: Any = None) -> None:
        zone = local_zone_name()
        super().__init__(
            [
                Column("What happened", lambda r: OUTCOMES[r.outcome]),
                Column("Company", lambda r: r.audit.company),
                Column("Touchpoint", lambda r: touchpoint_label(r.audit.touchpoint)),
                Column(
                    "Started",
                    lambda r: day_text(r.audit.started_at, zone),
                    sort_key=lambda r: r.audit.started_at,
                ),
                Column("Audit", lambda r: r.audit.id[:8], tooltip=lambda r: r.audit.id),
            ],
            parent,
        )
        self.set_rows(rows)


class ImportSummaryDialog(QDialog):
    """What an import (of one or more bundles) added, updated, kept and left unchanged."""

    def __init__(self, summaries: list[ImportSummary], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import finished")
        self.resize(760, 440)
        layout = QVBoxLayout(self)
        added = sum(len(s.added) for s in summaries)
        updated = sum(len(s.updated) for s in summaries)
        unchanged = sum(len(s.unchanged) for s in summaries)
        kept = sum(len(s.kept) for s in summaries)
        headline = f"{added} added, {updated} updated, {unchanged} unchanged"
        if kept:
            headline += f", {kept} kept because the copy here is newer"
        self.headline = QLabel(f"<b>{headline}</b>")
        self.headline.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.headline)
        details = [f"{s.bundle}: {s.headline()}" for s in summaries]
        backups = [s.backup for s in summaries if s.backup is not None]
        if backups:
            details.append(f"A backup from just before the import: {backups[0].name}")
        self.details = QLabel("\n".join(details))
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.details)
        rows = [
            SummaryRow(outcome, audit)
            for s in summaries
            for outcome in ("updated", "kept", "added", "unchanged")
            for audit in getattr(s, outcome)
        ]
        self.model = SummaryModel(rows, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
