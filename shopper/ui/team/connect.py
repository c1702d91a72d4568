"""Team › Connect to team database…: where the team database is, and the password if asked.

The same dialog links the data folder for sync (Team › Link this data folder…, `link_only`):
it connects the same way and remembers the link, and the window stays on this computer's
database.

The dialog connects off the GUI thread (the server may be far, or not answer), asks for a
password only when the server wants one that ~/.pgpass does not hold, and hands the open
database to the window. What is remembered is what the user typed and the encryption
chosen; the password lives only in this process's memory, for the connections it opens.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.errors import ShopperError
from shopper.services.connect import SSL_MODES, PasswordNeededError, TeamTarget
from shopper.services.team_link import load_link, save_link
from shopper.ui.workers import Operation, run_quietly

if TYPE_CHECKING:
    from shopper.services.context import AppContext

log = logging.getLogger(__name__)

HELP = (
    "A URL such as <tt>postgresql://alice@db.example.com/shopper</tt>, or the name of a "
    "service in <tt>pg_service.conf</tt>. The password comes from <tt>~/.pgpass</tt> when "
    "it holds one; otherwise Shopper asks for it here. It is never saved."
)
LINK_HELP = (
    "Sync sends this computer's audits to the team database and fetches the shops assigned "
    "to you; the window stays on this computer's database, which works offline."
)


def _linked(data_dir: Path) -> TeamTarget | None:
    """The team database this data folder is linked to (see services.team_link), if any."""
    try:
        return load_link(data_dir)
    except ShopperError as exc:
        log.warning("%s", exc)
        return None


def open_team(data_dir: Path, target: TeamTarget, password: str | None) -> AppContext:
    """Open the team database (in a worker thread)."""
    from shopper.services.context import AppContext

    ctx = AppContext.open(data_dir, target.url(), password=password)
    if ctx.connection is not None:
        log.info("connected: %s", ctx.connection.status_line())
    return ctx


class ConnectDialog(QDialog):
    """Where the team database is; on success `ctx` is the open database."""

    def __init__(
        self,
        data_dir: Path,
        parent: QWidget | None = None,
        *,
        asked: PasswordNeededError | None = None,
        link_only: bool = False,
    ) -> None:
        """Args:
        asked: the app tried the remembered database at start and the server wants a
            password: the dialog opens with the password field shown.
        link_only: for sync: the database opened is the window's to sync with, not to
            work on.
        """
        super().__init__(parent)
        self.link_only = link_only
        self.setWindowTitle(
            "Link this data folder to a team database" if link_only else "Connect to team database"
        )
        self.data_dir = data_dir
        self.ctx: AppContext | None = None
        self.target: TeamTarget | None = None
        self._operation: Operation | None = None
        self._busy = False

        layout = QVBoxLayout(self)
        if link_only:
            intro = QLabel(LINK_HELP)
            intro.setWordWrap(True)
            layout.addWidget(intro)
        form = QFormLayout()
        linked = _linked(data_dir)
        self.where = QLineEdit(linked.text if linked else "")
        self.where.setPlaceholderText("postgresql://login@server/database, or a service name")
        self.where.setMinimumWidth(self.fontMetrics().horizontalAdvance("m" * 36))
        form.addRow("&Database:", self.where)
        help_label = QLabel(HELP)
        help_label.setObjectName("hint")
        help_label.setWordWrap(True)
        help_label.setMinimumWidth(self.where.minimumWidth())  # else sized for a narrow column
        help_label.setTextFormat(Qt.TextFormat.RichText)
        form.addRow("", help_label)
        self.encryption = QComboBox()
        for mode, meaning in SSL_MODES.items():
            self.encryption.addItem(meaning, mode)
        self.encryption.setCurrentIndex(
            max(self.encryption.findData(linked.sslmode if linked else ""), 0)
        )
        form.addRow("&Encryption:", self.encryption)
        self.password_label = QLabel("&Password:")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_label.setBuddy(self.password)
        form.addRow(self.password_label, self.password)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setObjectName("error")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.connect_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.connect_button.setText("&Link" if link_only else "&Connect")
        self.buttons.accepted.connect(self.try_connect)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._show_password(asked)
        (self.password if asked is not None else self.where).setFocus()

    def _show_password(self, asked: PasswordNeededError | None) -> None:
        shown = asked is not None or bool(self.password.text())
        self.password_label.setVisible(shown)
        self.password.setVisible(shown)
        if asked is not None:
            who = f"{asked.login}'s" if asked.login else "the"
            self.password_label.setText(
                f"&Password ({asked.login}):" if asked.login else "&Password:"
            )
            self.message.setText(f"The team database asks for {who} password.")

    @property
    def connecting(self) -> bool:
        return self._busy

    def try_connect(self) -> None:
        """Connect in the background; the dialog closes once the database is open."""
        if self.connecting:
            return
        try:
            target = TeamTarget.parse(self.where.text(), str(self.encryption.currentData()))
        except ShopperError as exc:
            self.message.setText(str(exc))
            self.where.setFocus()
            return
        password = self.password.text() if self.password.isVisible() else ""
        data_dir = self.data_dir
        self._set_busy(True)
        self._busy = True
        self.message.setText("Connecting…")
        self._operation = run_quietly(
            self,
            lambda: open_team(data_dir, target, password or None),
            on_done=lambda ctx: self._connected(target, ctx),
            on_error=self._refused,
        )

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.where, self.encryption, self.password, self.connect_button):
            widget.setEnabled(not busy)

    def _connected(self, target: TeamTarget, ctx: AppContext) -> None:
        self._busy = False
        if self.result() == QDialog.DialogCode.Rejected and not self.isVisible():
            ctx.close()  # the user gave up while it connected
            return
        self.password.clear()
        self.ctx, self.target = ctx, target
        try:
            save_link(self.data_dir, target)  # what sync and `shopper team connect` share
        except OSError as exc:
            log.warning("could not remember the team database: %s", exc)
        self.accept()

    def _refused(self, exc: Exception) -> None:
        self._busy = False
        self._set_busy(False)
        if isinstance(exc, PasswordNeededError):
            had_password = self.password.isVisible() and bool(self.password.text())
            self._show_password(exc)
            if had_password:
                self.message.setText("The server did not take that password.")
            self.password.setFocus()
            self.password.selectAll()
            return
        if not isinstance(exc, ShopperError):
            log.error("connecting failed: %r", exc)
        self.message.setText(
            str(exc) if isinstance(exc, ShopperError) else f"Cannot connect: {exc}"
        )
        (self.password if self.password.isVisible() else self.where).setFocus()
