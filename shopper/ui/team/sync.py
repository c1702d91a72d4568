"""Team › Sync now, Submit to team and the automatic sync: this computer's database and the
team database its data folder is linked to (`team.json`), as `shopper.services.sync` says.

One `TeamSync` per window on this computer's database whose data folder has a link. It
talks to the team database only in worker threads, one piece of work at a time (a sync or a
submit; what is asked meanwhile runs next), and says how it went in one line (`message`).
The team database is opened on the first sync: the password comes from ~/.pgpass or
PGPASSWORD as libpq reads them, or from the user when they asked for the sync themselves;
it is kept in this process's memory only, in the open engine, never written anywhere.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget

from shopper.domain.clock import local_zone_name, now_utc
from shopper.domain.errors import ShopperError
from shopper.domain.wording import count_of
from shopper.services.connect import PasswordNeededError, TeamTarget
from shopper.ui.crash import show_error
from shopper.ui.dates import time_text
from shopper.ui.team.connect import open_team
from shopper.ui.workers import Operation, run_after_the_others, run_quietly

if TYPE_CHECKING:
    from shopper.services.context import AppContext
    from shopper.services.sync import SubmitResult, SyncResult

log = logging.getLogger(__name__)

SYNC_MINUTES = 5
"""The automatic sync's interval by default (the setting `team/sync_minutes`)."""
FIRST_SYNC_MS = 5000
"""The first automatic sync, once the window is open and its lists are read."""


def summary(result: SyncResult) -> str:
    """One line of what went each way: "Synced: 2 audits sent, 3 shops received"."""
    sent = f"{count_of(len(result.pushed), 'audit')} sent" if result.pushed else "nothing to send"
    parts = [sent, f"{count_of(result.pulled_shops, 'shop')} received"]
    if result.pulled_audits:
        parts.append(f"{count_of(result.pulled_audits, 'audit')} received")
    if result.pulled_comments:
        parts.append(f"{count_of(result.pulled_comments, 'review comment')} received")
    if result.removed_shops:
        parts.append(f"{count_of(result.removed_shops, 'shop')} no longer yours")
    problems = []
    if result.refused or result.failed:
        problems.append(f"{count_of(len(result.refused) + len(result.failed), 'audit')} not sent")
    if result.conflicts:
        problems.append(
            f"{count_of(len(result.conflicts), 'conflict')} (this computer's kept as a copy)"
        )
    line = "Synced: " + ", ".join(parts)
    if problems:
        line += "; " + ", ".join(problems) + " — see Team › Outbox"
    return line


@dataclass(frozen=True)
class LastSync:
    """How the last piece of work with the team database went, for the outbox."""

    at: datetime
    error: str
    """"" when it went through."""


class TeamSync(QObject):
    """The window's sync with its team database (see the module doc)."""

    busy_changed = Signal(bool)
    message = Signal(str)
    """A line for the status bar."""
    synced = Signal(object)
    """A sync went through: its `SyncResult`."""
    submitted = Signal(object)
    """A submit went through: its `SubmitResult`."""
    attempted = Signal()
    """A sync or submit ended, well or not: the outbox may have changed."""

    def __init__(
        self,
        local: AppContext,
        target: TeamTarget,
        parent: QWidget,
        *,
        minutes: int = SYNC_MINUTES,
        team: AppContext | None = None,
    ) -> None:
        """Args:
        team: the team database opened already (the link dialog's); else opened on the
            first sync.
        """
        super().__init__(parent)
        self.window = parent
        self.local = local
        self.target = target
        self.team = team
        self.password: str | None = None
        self.last: LastSync | None = None
        self._operation: Operation | None = None
        self._queue: list[tuple[str, Callable[[], None]]] = []
        self._said = ""
        """What the submit before this sync said: the sync's line keeps it."""
        self._current = ""
        """What runs now: "sync", "submit" or ""."""
        self._closed = False
        self.minutes = minutes
        self.timer = QTimer(self)
        self.timer.setInterval(max(minutes, 1) * 60_000)
        self.timer.timeout.connect(self.sync_automatically)
        if minutes > 0:
            self.timer.start()
            QTimer.singleShot(FIRST_SYNC_MS, self, self.sync_automatically)

    @property
    def busy(self) -> bool:
        return self._operation is not None

    @property
    def data_dir(self) -> Path:
        return self.local.data_dir

    # -- asking ------------------------------------------------------------------------

    def sync_now(self) -> None:
        """Team › Sync now: a failure is said in a message too. Pressed while one runs, one
        more follows it (what changed meanwhile goes too), never more than one."""
        if any(kind == "sync" for kind, _ in self._queue):
            return
        self._ask("sync", lambda: self._start_sync(manual=True))

    def sync_automatically(self) -> None:
        """The timer's: a failure is one line in the status bar, never a dialog."""
        if self._current == "sync" or any(kind == "sync" for kind, _ in self._queue):
            return  # one under way, or asked for, does it
        self._ask("sync", lambda: self._start_sync(manual=False))

    def submit(self, audit_id: str) -> None:
        """Hand in a completed audit (push it, submit its shop), then sync."""
        self._ask("submit", lambda: self._start_submit(audit_id))

    def _ask(self, kind: str, start: Callable[[], None]) -> None:
        if self._closed:
            return
        if self.busy:
            self._queue.append((kind, start))
            return
        self._current = kind
        start()

    def _next(self) -> None:
        self._operation = None
        self._current = ""
        self.attempted.emit()
        if self._queue and not self._closed:
            kind, start = self._queue.pop(0)
            self._current = kind
            start()
            return
        self.busy_changed.emit(False)

    # -- the work ----------------------------------------------------------------------

    def _team_side(self) -> AppContext:
        """The team database, opened in the worker the first time (never on the GUI thread)."""
        if self.team is None:
            self.team = open_team(self.data_dir, self.target, self.password)
        return self.team

    def _start_sync(self, *, manual: bool) -> None:
        from shopper.services.sync import sync

        local = self.local
        self.message.emit("Syncing with the team database…")
        self.busy_changed.emit(True)

        def work() -> SyncResult:
            return sync(local=local, team_engine=self._team_side().engine)

        self._operation = run_quietly(
            self.window,
            work,
            on_done=self._synced,
            on_error=lambda exc: self._failed(
                exc, manual=manual, doing="Sync", again=self.sync_now
            ),
        )

    def _synced(self, result: SyncResult) -> None:
        self.last = LastSync(now_utc(), "")
        if self.minutes > 0 and not self.timer.isActive():
            self.timer.start()  # it waited for a password
        said, self._said = self._said, ""
        self.message.emit(f"{said} · {summary(result)}" if said else summary(result))
        self.synced.emit(result)
        self._next()

    def _start_submit(self, audit_id: str) -> None:
        from shopper.services.sync import submit

        local = self.local
        self.message.emit(f"Submitting audit {audit_id[:8]} to the team…")
        self.busy_changed.emit(True)

        def work() -> SubmitResult:
            return submit(local, self._team_side().engine, audit_id, zone=local_zone_name())

        self._operation = run_quietly(
            self.window,
            work,
            on_done=self._submitted,
            on_error=lambda exc: self._failed(
                exc, manual=True, doing="Submit", again=lambda: self.submit(audit_id)
            ),
        )

    def _submitted(self, done: SubmitResult) -> None:
        self.last = LastSync(now_utc(), "")
        moved = "submitted" if done.moved else "was submitted already"
        self._said = f"Audit {done.audit_id[:8]} {moved} (shop {done.shop_id[:8]})"
        self.message.emit(self._said)
        self.submitted.emit(done)
        if not any(kind == "sync" for kind, _ in self._queue):
            self._queue.insert(0, ("sync", lambda: self._start_sync(manual=False)))
        self._next()

    def _failed(
        self, exc: Exception, *, manual: bool, doing: str, again: Callable[[], None]
    ) -> None:
        if isinstance(exc, PasswordNeededError):
            self.last = LastSync(now_utc(), str(exc))
            if manual:
                self._queue.clear()  # asked again once the password is in
                self._next()
                self._ask_password(exc, again)
                return
            self.timer.stop()  # no line every few minutes: it waits for the user
            self.message.emit(
                f"{doing} waits: {exc} — choose Team › Sync now to give it (never saved)"
            )
            self._next()
            return
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        if not isinstance(exc, ShopperError):
            reason = f"{doing.lower()}: {reason}"
        self.last = LastSync(now_utc(), reason)
        facts = self.team.connection if self.team is not None else None
        if facts is not None and not facts.is_field:
            # A manager's login: sync is for shoppers; no line every few minutes.
            self.timer.stop()
        minutes = self.timer.interval() // 60_000
        later = f"tried again in {count_of(minutes, 'minute')}" if self.timer.isActive() else ""
        said, self._said = self._said, ""
        when = f"{doing} failed at {time_text(now_utc(), local_zone_name())}"
        # When it goes again first: a long reason may run past the status bar's end.
        line = f"{when} ({later}): {reason}" if later else f"{when}: {reason}"
        self.message.emit(f"{said} · {line}" if said else line)
        if manual:
            self._queue = [(k, s) for k, s in self._queue if k != "sync"]
        self._next()  # before the message, which waits for the user
        if manual:
            show_error(self.window, reason[:1].upper() + reason[1:], title=f"{doing} failed")

    def _ask_password(self, asked: PasswordNeededError, again: Callable[[], None]) -> None:
        dialog = QInputDialog(self.window)
        dialog.setWindowTitle("Team database password")
        who = f"{asked.login}'s" if asked.login else "the"
        dialog.setLabelText(
            f"The team database asks for {who} password.\nShopper keeps it in memory until it"
            " quits; it is never saved."
        )
        dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
        dialog.textValueSelected.connect(lambda text: self._password_given(text, again))
        self.password_dialog = dialog
        dialog.open()

    def _password_given(self, password: str, again: Callable[[], None]) -> None:
        self.password = password or None
        again()

    # -- the end -----------------------------------------------------------------------

    def close(self) -> None:
        """The window closes: no more syncs; the team database closes once the work ends."""
        self._closed = True
        self._queue.clear()
        self.timer.stop()

        def shut() -> Any:
            # Read once the work under way has ended: it may be opening the team database.
            team, self.team = self.team, None
            if team is not None:
                team.close()

        run_after_the_others(
            self.window,
            shut,
            on_done=lambda _r: log.info("closed the team database of sync"),
            on_error=lambda exc: log.warning("could not close the team database: %s", exc),
        )
