"""The runner's saves on a team database: queued off the GUI thread, reported back on it.

`QueuedSaves` wraps a `SaveQueue` (shopper.services.save_queue). Its thread only puts its
reports on a plain Python queue; a timer on the GUI thread takes them off, puts each
saved state into the runner the widgets read, and calls the save's callbacks there. (No
signal is emitted from the queue's thread: see shopper.ui.workers.)
"""

from __future__ import annotations

import logging
import queue
import sys
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from shopper.domain.errors import ShopperError
from shopper.services.runner import AuditRunner
from shopper.services.save_queue import RETRY_SECONDS, Save, SaveQueue, SaveReport, install

log = logging.getLogger(__name__)

FLUSH_SECONDS = 20.0
"""How long `wait` (before leaving an audit, printing or quitting) waits for the server."""


@dataclass(frozen=True)
class _Callbacks:
    done: Callable[[Any], None] | None
    refused: Callable[[ShopperError], None] | None


class QueuedSaves(QObject):
    """The saves of the runner's audit, in order, on their own thread.

    `stopped(message, lost)` when a save failed for storage (the saves wait and are
    retried; `lost`: the connection to the server was lost); `resumed()` once they go
    through again; `settled()` whenever no save is waiting any more or the queue stopped.
    """

    INTERVAL_MS = 10

    stopped = Signal(str, bool)
    resumed = Signal()
    settled = Signal()

    def __init__(
        self,
        runner: AuditRunner,
        parent: QObject | None = None,
        *,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self._reports: queue.SimpleQueue[SaveReport] = queue.SimpleQueue()
        self._queue = SaveQueue(runner, self._reports.put, retry_seconds=retry_seconds)
        self._callbacks: dict[int, _Callbacks] = {}
        self._timer = QTimer(self)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self.deliver)
        self.destroyed.connect(self._queue.close)

    def submit(
        self,
        save: Save,
        *,
        key: Hashable | None = None,
        ids: tuple[str, ...] = (),
        done: Callable[[Any], None] | None = None,
        refused: Callable[[ShopperError], None] | None = None,
    ) -> None:
        """Queue a save; `done(result)` or `refused(error)` run on the GUI thread after it.

        `result` is None for a save found already stored when it was retried.
        """
        seq = self._queue.submit(save, key=key, ids=ids)
        self._callbacks[seq] = _Callbacks(done, refused)
        self._timer.start()

    def retry(self) -> None:
        self._queue.retry()

    @property
    def failure(self) -> str | None:
        """Why the saves are stopped, while they are."""
        failure = self._queue.failure
        return str(failure) if failure is not None else None

    def busy(self) -> bool:
        """Whether a save is waiting or being written, or its report not delivered yet."""
        return bool(self._callbacks) or self._queue.waiting() > 0

    def wait(self, timeout: float = FLUSH_SECONDS) -> bool:
        """Wait for every save (True), or until they stop or `timeout` passes (False)."""
        deadline = time.monotonic() + timeout
        while True:
            drained = self._queue.wait(max(0.0, deadline - time.monotonic()))
            self.deliver()  # its callbacks may queue more (a screenshot, then its page)
            if not drained or not self._callbacks or time.monotonic() >= deadline:
                return drained and not self._callbacks

    def close(self) -> None:
        self._queue.close()

    @Slot()
    def deliver(self) -> None:
        """Hand over what the queue reported (on the GUI thread)."""
        while True:
            try:
                report = self._reports.get_nowait()
            except queue.Empty:
                break
            try:
                self._deliver(report)
            except Exception:
                sys.excepthook(*sys.exc_info())
        if not self._callbacks and self._queue.waiting() == 0:
            self._timer.stop()

    def _deliver(self, report: SaveReport) -> None:
        if report.kind == "stopped":
            log.error("save failed, kept to retry: %s", report.error)
            cause = report.error.__cause__ if report.error is not None else None
            self.stopped.emit(str(report.error), bool(getattr(cause, "connection_invalidated", 0)))
            self.settled.emit()
            return
        if report.kind == "resumed":
            self.resumed.emit()
            return
        if report.kind == "failed":
            for seq in report.seqs:
                self._callbacks.pop(seq, None)
            error = report.error
            assert error is not None
            raise error
        if report.state is not None:
            install(self.runner, report.state)
        for seq in report.seqs:
            callbacks = self._callbacks.pop(seq, _Callbacks(None, None))
            if report.kind == "saved" and callbacks.done is not None:
                callbacks.done(report.result)
            elif report.kind == "refused" and callbacks.refused is not None:
                assert isinstance(report.error, ShopperError)
                callbacks.refused(report.error)
        if not self._callbacks:
            self.settled.emit()
