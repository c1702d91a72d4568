"""Long work off the GUI thread: the one path every window uses.

The work function runs in a worker thread and never touches a widget; it may
report progress through the callback it is given, which reaches the dialog by
a queued signal. Success and failure callbacks run on the GUI thread.

- `run_operation` shows a progress dialog (after 300 ms); with `cancellable`, the
  dialog has a Cancel button, and the work stops at its next progress report:
  the callback raises `Cancelled` there, so every transaction the work had open
  rolls back and every file it was writing is removed, as for any failure.
- `run_quietly` is the same without a dialog, for work the user did not ask for
  (the automatic backup, the upkeep).
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
import traceback
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from functools import partial
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from shopper.domain.errors import ShopperError
from shopper.ui.lazy_qt import Qt

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


class Cancelled(BaseException):
    """The user cancelled the work; raised at its next progress report.

    Not an `Exception`, so no handler that turns failures into messages takes it for one.
    """


class _Dispatcher(QObject):
    """Runs calls from worker threads on the GUI thread, in the order they were posted.

    A worker never touches Qt, not even to emit a signal: it puts a plain Python call on a
    queue, and a timer on the GUI thread runs what is queued while any job is under way.
    (Signals emitted from Python threads, or a signal object per operation released by
    whichever thread let go of it last, corrupted Qt's memory now and then: a crash in
    the next window made.) Its calls reach their operation through a weak reference and
    only while the operation's window still exists.
    """

    INTERVAL_MS = 10

    def __init__(self) -> None:
        super().__init__()
        self._calls: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._timer = QTimer(self)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self._drain)

    def post(self, call: Callable[[], None]) -> None:
        """Queue `call` for the GUI thread (any thread; no Qt is touched)."""
        self._calls.put(call)

    def wake(self) -> None:
        """A job starts (on the GUI thread): run what it posts until every job has ended."""
        if not self._timer.isActive():
            self._timer.start()

    @Slot()
    def _drain(self) -> None:
        while True:
            try:
                call = self._calls.get_nowait()
            except queue.Empty:
                break
            try:
                call()
            except Exception:
                sys.excepthook(*sys.exc_info())
        with _running_lock:
            idle = not _running
        if idle and self._calls.empty():
            self._timer.stop()


_dispatcher: _Dispatcher | None = None


def _gui_dispatcher() -> _Dispatcher:
    global _dispatcher  # noqa: PLW0603 - one for the one GUI thread
    if _dispatcher is None:
        _dispatcher = _Dispatcher()
    return _dispatcher


class _Job:
    """The work of one operation, run on a thread of the shared pool.

    A plain Python object, not a QRunnable: Qt's pool deletes a finished runnable itself,
    which Python's collector may then try to do again. It reaches the GUI thread only
    through the dispatcher, and its operation only through a weak reference.
    """

    def __init__(self, work: Callable[[Progress], Any], operation: Operation) -> None:
        self.work: Callable[[Progress], Any] | None = work
        self.name = getattr(work, "__qualname__", type(work).__name__)
        self.operation = weakref.ref(operation)
        self.post = _gui_dispatcher().post
        self.cancel = threading.Event()

    def _to_operation(self, method: str, *args: Any) -> None:
        """Call the operation's `method` on the GUI thread, if it is still there then."""
        target = self.operation

        def call() -> None:
            operation = target()
            if operation is not None and shiboken6.isValid(operation):
                getattr(operation, method)(*args)

        self.post(call)

    def _progress(self, done: int, total: int) -> None:
        if self.cancel.is_set():
            raise Cancelled
        self._to_operation("_progress", done, total)

    def run(self) -> None:
        work, self.work = self.work, None
        if work is None:
            return
        try:
            result = work(self._progress)
        except Cancelled:
            self._to_operation("_cancelled")
        except Exception as exc:
            self._to_operation("_failed", exc, traceback.format_exc())
        else:
            self._to_operation("_done", result)
        finally:
            # The work may hold a window (a closure over a window's `self`); if this
            # thread let go of it last, the window would be destroyed here, off the GUI
            # thread, which corrupts Qt's memory. The GUI thread lets go of it instead.
            self.post(partial(_let_go, work))
            del work


def _let_go(_held: object) -> None:
    """Run on the GUI thread by the dispatcher: what it held is released there."""


# Loads wait on the database or the disk more than on a core: a job never queues behind two
# slow ones because the machine has two cores.
_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="work")
_running: dict[Future[None], str] = {}
"""The jobs started and not ended yet, with the name of their work (for `pending_work`)."""
_running_lock = threading.Lock()


def _submit(job: _Job) -> None:
    future = _pool.submit(job.run)
    with _running_lock:
        _running[future] = job.name
    future.add_done_callback(_forget)
    _gui_dispatcher().wake()


def _forget(future: Future[None]) -> None:
    with _running_lock:
        _running.pop(future, None)


def pending_work() -> list[str]:
    """What the jobs still running are doing (the names of their work functions)."""
    with _running_lock:
        return sorted(_running.values())


def wait_for_background(timeout: float) -> bool:
    """Wait until every job started so far has ended; False if some still run."""
    with _running_lock:
        pending = list(_running)
    _done, not_done = wait(pending, timeout=timeout)
    return not not_done


class Operation(QObject):
    """One piece of background work and its dialog (if any); keep a reference until it ends."""

    finished = Signal()

    def __init__(
        self,
        parent: QWidget,
        title: str | None,
        work: Callable[[Progress], Any],
        *,
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None],
        on_cancel: Callable[[], None] | None = None,
        cancellable: bool = False,
    ) -> None:
        super().__init__(parent)
        self._on_done = on_done
        self._on_error = on_error
        self._on_cancel = on_cancel
        self.dialog: QProgressDialog | None = None
        self.job = _Job(work, self)
        if title is not None:
            dialog = self.dialog = QProgressDialog(title, "Cancel", 0, 0, parent)
            dialog.setWindowTitle("Shopper")
            if cancellable:
                dialog.canceled.connect(self.cancel)
            else:
                dialog.setCancelButton(None)
            dialog.setWindowModality(Qt.WindowModality.WindowModal)
            dialog.setMinimumDuration(300)
            dialog.setAutoClose(False)
            dialog.setAutoReset(False)

    def start(self) -> None:
        _submit(self.job)

    def cancel(self) -> None:
        """Stop the work at its next progress report (the dialog says it is stopping)."""
        self.job.cancel.set()
        if self.dialog is not None:
            self.dialog.setLabelText("Cancelling…")

    @property
    def cancelling(self) -> bool:
        return self.job.cancel.is_set()

    def _close(self) -> None:
        if self.dialog is not None:
            self.dialog.close()

    @Slot(int, int)
    def _progress(self, done: int, total: int) -> None:
        if self.dialog is not None and not self.cancelling:
            self.dialog.setMaximum(max(total, 1))
            self.dialog.setValue(min(done, total))

    @Slot(object)
    def _done(self, result: object) -> None:
        self._close()
        try:
            self._on_done(result)
        finally:
            self.finished.emit()

    @Slot(object, str)
    def _failed(self, exc: Exception, trace: str) -> None:
        self._close()
        if not isinstance(exc, ShopperError):
            log.error("background work failed:\n%s", trace)
        try:
            self._on_error(exc)
        finally:
            self.finished.emit()

    @Slot()
    def _cancelled(self) -> None:
        self._close()
        try:
            if self._on_cancel is not None:
                self._on_cancel()
        finally:
            self.finished.emit()


def run_operation(
    parent: QWidget,
    title: str,
    work: Callable[[Progress], Any],
    *,
    on_done: Callable[[Any], None],
    on_error: Callable[[Exception], None],
    on_cancel: Callable[[], None] | None = None,
    cancellable: bool = False,
) -> Operation:
    """Run `work` off the GUI thread behind a progress dialog (Cancel with `cancellable`)."""
    op = Operation(
        parent,
        title,
        work,
        on_done=on_done,
        on_error=on_error,
        on_cancel=on_cancel,
        cancellable=cancellable,
    )
    op.finished.connect(op.deleteLater)
    op.start()
    return op


def run_quietly(
    parent: QWidget,
    work: Callable[[], Any],
    *,
    on_done: Callable[[Any], None],
    on_error: Callable[[Exception], None],
) -> Operation:
    """Run `work` off the GUI thread with no dialog: work the user did not ask for."""
    op = Operation(parent, None, lambda _progress: work(), on_done=on_done, on_error=on_error)
    op.job.name = getattr(work, "__qualname__", type(work).__name__)
    op.finished.connect(op.deleteLater)
    op.start()
    return op


def on_a_server(engine: Any) -> bool:
    """A team database (PostgreSQL, behind the network): its queries never run on the GUI
    thread. This computer's SQLite answers in a blink, and keeps the simpler path."""
    return bool(engine.dialect.name != "sqlite")


def run_soon(
    parent: QWidget,
    work: Callable[[], Any],
    *,
    in_background: bool,
    on_done: Callable[[Any], None],
    on_error: Callable[[ShopperError | Exception], None],
) -> Operation | None:
    """`work` at once, or off the GUI thread when `in_background` (see `on_a_server`); the
    callbacks run on the GUI thread either way. At once, only a ShopperError reaches
    `on_error`: a bug raises, as anywhere on the GUI thread."""
    if in_background:
        return run_quietly(parent, work, on_done=on_done, on_error=on_error)
    try:
        result = work()
    except ShopperError as exc:
        on_error(exc)
        return None
    on_done(result)
    return None


def run_after_the_others(
    parent: QWidget,
    work: Callable[[], Any],
    *,
    on_done: Callable[[Any], None],
    on_error: Callable[[Exception], None],
) -> Operation:
    """`run_quietly`, once every job started before this one has ended: for closing what
    they may still use (a database left for another, whose loads may be under way)."""
    with _running_lock:
        earlier = list(_running)

    def after() -> Any:
        wait(earlier)
        return work()

    op = run_quietly(parent, after, on_done=on_done, on_error=on_error)
    op.job.name = f"after the others: {getattr(work, '__qualname__', type(work).__name__)}"
    return op


class LatestLoad:
    """Background loads of which only the latest one reaches the screen.

    A window whose filters change while a load runs starts another; whatever the
    older one brings back is dropped. `show(result, message)` gets the result (or
    None and a message); `loading` is True from `start` until the latest load
    has been shown.
    """

    def __init__(self, parent: QWidget, show: Callable[[Any, str], None]) -> None:
        self.parent = parent
        self.show = show
        self.generation = 0
        self.loading = False
        self._operation: Operation | None = None

    def skip(self, message: str) -> None:
        """Nothing to load (no company, an empty range): show the message now."""
        self.generation += 1
        self.loading = False
        self.show(None, message)

    def start(self, title: str, work: Callable[[Progress], Any], *, failure: str) -> None:
        """Run `work` off the GUI thread; a failure shows `failure` and one message."""
        from shopper.ui.crash import show_error

        self.generation += 1
        generation = self.generation
        self.loading = True

        def done(result: Any) -> None:
            if generation == self.generation:
                self.loading = False
                self.show(result, "")

        def failed(exc: Exception) -> None:
            if generation != self.generation:
                return
            self.loading = False
            self.show(None, failure)
            show_error(
                self.parent, str(exc) if isinstance(exc, ShopperError) else f"{failure} {exc}"
            )

        self._operation = run_operation(self.parent, title, work, on_done=done, on_error=failed)
