"""Choosing a backup to restore: from File › Restore backup…, or when the database is damaged."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.clock import local_zone_name
from shopper.domain.errors import ShopperError
from shopper.services.backups import BackupInfo, list_backups, restore_backup
from shopper.services.context import DB_FILENAME, AppContext
from shopper.services.records import DamagedDatabaseError
from shopper.ui.dates import moment_text
from shopper.ui.rows_model import ROW_ROLE, Column, RowsModel

log = logging.getLogger(__name__)


def _size(info: BackupInfo) -> str:
    return (
        f"{info.size / 1024 / 1024:.1f} MiB"
        if info.size >= 1024 * 1024
        else (f"{max(info.size // 1024, 1)} KiB")
    )


class BackupListModel(RowsModel[BackupInfo]):
    """The backups, newest first: when, why, how big."""

    def __init__(self, backups: list[BackupInfo], parent: Any = None) -> None:
        zone = local_zone_name()
        super().__init__(
            [
                Column(
                    "Made",
                    lambda b: moment_text(b.made_at, zone),
                    sort_key=lambda b: b.made_at,
                    tooltip=lambda b: str(b.path),
                ),
                Column("Why", lambda b: b.label),
                Column("Size", _size, sort_key=lambda b: b.size, align_right=True),
            ],
            parent,
        )
        self.set_rows(backups)


class RestoreDialog(QDialog):
    """A list of backups (or a file of one's own); `chosen` is the one to restore."""

    def __init__(
        self, backups: list[BackupInfo], parent: QWidget | None = None, *, problem: str = ""
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Restore a backup")
        self.resize(620, 420)
        self.chosen: Path | None = None
        layout = QVBoxLayout(self)
        if problem:
            warning = QLabel(problem)
            warning.setObjectName("problem")
            warning.setTextFormat(Qt.TextFormat.PlainText)
            warning.setWordWrap(True)
            warning.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(warning)
        intro = QLabel(
            "Choose the backup to go back to. The database as it is now is kept first "
            "(backed up, or set aside unchanged if it is damaged), so a restore can be undone."
            if backups
            else "There are no backups in the data folder yet. Choose a backup file instead."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.model = BackupListModel(backups, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(0, 150)
        self.table.doubleClicked.connect(self._pick)
        self.table.activated.connect(self._pick)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox()
        self.restore_button = buttons.addButton("Restore", QDialogButtonBox.ButtonRole.AcceptRole)
        self.file_button = QPushButton("Choose a file…")
        buttons.addButton(self.file_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.restore_button.clicked.connect(self._restore_selected)
        self.file_button.clicked.connect(self._choose_file)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if backups:
            self.table.selectRow(0)
            self.table.setFocus()
        self.restore_button.setEnabled(bool(backups))

    def select(self, row: int) -> None:
        self.table.selectRow(row)

    def _pick(self, index: QModelIndex) -> None:
        info = index.data(ROW_ROLE)
        if isinstance(info, BackupInfo):
            self.chosen = info.path
            self.accept()

    def _restore_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self._pick(rows[0])

    def _choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Restore from a backup file", "", "Shopper databases (*.db);;All files (*)"
        )
        if name:
            self.chosen = Path(name)
            self.accept()


def offer_restore_at_start(
    folder: Path, db_url: str | None, error: DamagedDatabaseError
) -> AppContext | None:
    """The database cannot be opened because it is damaged: offer the backups.

    Returns the context opened on the restored database, or None if the user
    declined or the restore failed (which has been shown).
    """
    problem = (
        f"Shopper cannot open its database, {error.path}: it is damaged ({error.problem}).\n"
        "Shopper has not changed the file. Restore a backup to go on working; the damaged "
        "file is kept beside the backups, exactly as it is."
    )
    while True:
        dialog = RestoreDialog(list_backups(folder / "backups"), None, problem=problem)
        if not dialog.exec() or dialog.chosen is None:
            return None
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            result = restore_backup(
                data_dir=folder, db_path=folder / DB_FILENAME, source=dialog.chosen
            )
            ctx = AppContext.open(folder, db_url)
        except ShopperError as exc:
            QApplication.restoreOverrideCursor()
            log.error("restore at start-up failed: %s", exc)
            problem = f"That did not work: {exc}"
            continue
        QApplication.restoreOverrideCursor()
        log.info("restored %s; the damaged database is kept as %s", dialog.chosen, result.previous)
        QMessageBox.information(
            None,
            "Shopper",
            f"Restored the backup {dialog.chosen.name}.\n\n"
            f"The damaged database is kept, unchanged, as {result.previous}.",
        )
        return ctx
