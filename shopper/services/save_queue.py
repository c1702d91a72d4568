"""The saves of one open audit, one at a time and in order, on a thread of their own.

For a team database, where a save waits on the network. `AuditRunner` validates, commits
and only then changes its memory, all in one call, so the queue does not share it: it
works on its own copy of the runner (`SaveQueue(runner, ...)` copies it), touched only by
the queue's thread, and after each save it reports a copy of that runner's state, which
the caller puts into the runner it reads (`install`) on its own thread. No runner is ever
touched by two threads.

A save that fails for storage (the connection is lost) stops the queue: that save and
every later one stay queued, in order, and are tried again after `RETRY_SECONDS` or at
`retry()`. Before trying again the queue reloads its runner from the database, which is
the truth after a lost connection (a commit may have reached the server without its
reply reaching us), and the ids the save made on its first try (of moments, steps,
evidence) are made again the same: a save whose ids are already stored went through, and
is not written twice. Answers, notes and updates are upserts of the latest value, so
writing one again changes nothing.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from shopper.domain.errors import ShopperError, StorageError
from shopper.domain.instruments import Instrument
from shopper.services.runner import AuditRunner

log = logging.getLogger(__name__)

RETRY_SECONDS = 5.0

Save = Callable[[AuditRunner], Any]
"""One change: a call of the runner's public methods, one transaction."""


@dataclass
class SaveReport:
    """What became of saves, reported from the queue's thread.

    `kind` is "saved" (with `result` and the runner's `state` after it), "refused" (the
    runner refused it, e.g. a bad value: nothing changed, `error` says why; the queue goes
    on), "stopped" (a storage failure: `error`; the save and the later ones wait),
    "failed" (a bug: `error` is the exception, for the crash handler) or "resumed".
    """

    kind: str
    seqs: tuple[int, ...] = ()
    result: Any = None
    state: AuditRunner | None = None
    error: BaseException | None = None


@dataclass
class _Pending:
    seqs: list[int]
    save: Save
    key: Hashable | None
    ids: list[str] = field(default_factory=list)
    tried: bool = False


class SaveQueue:
    """Runs the saves given to `submit` one at a time, in order, off the caller's thread.

    Args:
        runner: the audit as the caller shows it; the queue works on a copy.
        report: called on the queue's thread with each `SaveReport` (it must only hand
            the report over to the caller's thread, never touch a widget).
    """

    def __init__(
        self,
        runner: AuditRunner,
        report: Callable[[SaveReport], None],
        *,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        self._runner, _ = snapshot(runner)
        self._report = report
        self.retry_seconds = retry_seconds
        self._pending: deque[_Pending] = deque()
        self._running = False
        self._failure: StorageError | None = None
        self._closing = False
        self._retry_now = False
        self._seq = 0
        self._lock = threading.Condition()
        self._thread = threading.Thread(target=self._work, name="saves", daemon=True)
        self._thread.start()

    # -- the caller's side ---------------------------------------------------------

    def submit(self, save: Save, *, key: Hashable | None = None, ids: tuple[str, ...] = ()) -> int:
        """Queue a save; returns its number, which its report carries.

        With `key`, a save still waiting right behind one with the same key replaces it
        (typing: only the latest text is written); the report then carries both numbers.
        `ids` are the first ids the runner makes for it (the caller knows them at once:
        a moment's note can be saved while the moment itself still waits).
        """
        with self._lock:
            self._seq += 1
            last = self._pending[-1] if self._pending else None
            waiting = last is not None and not (self._running and len(self._pending) == 1)
            if key is not None and last is not None and waiting and last.key == key:
                last.save = save
                last.seqs.append(self._seq)
            else:
                self._pending.append(_Pending([self._seq], save, key, list(ids)))
            self._lock.notify_all()
            return self._seq

    def retry(self) -> None:
        """Try the stopped saves again now."""
        with self._lock:
            self._retry_now = True
            self._lock.notify_all()

    @property
    def failure(self) -> StorageError | None:
        """Why the queue stopped, while it is stopped."""
        with self._lock:
            return self._failure

    def waiting(self) -> int:
        """How many saves are not done yet (the one being written included)."""
        with self._lock:
            return len(self._pending)

    def wait(self, timeout: float) -> bool:
        """Wait until every save is done (True), the queue stops or `timeout` passes."""
        with self._lock:
            self._lock.wait_for(
                lambda: not self._pending or self._failure is not None, timeout=timeout
            )
            return not self._pending

    def close(self) -> None:
        """Stop the thread after the save being written (the others are dropped)."""
        with self._lock:
            self._closing = True
            self._lock.notify_all()

    # -- the queue's thread ----------------------------------------------------------

    def _work(self) -> None:
        while True:
            with self._lock:
                self._lock.wait_for(
                    lambda: self._closing or self._pending or self._failure is not None
                )
                if self._failure is not None:
                    self._lock.wait_for(
                        lambda: self._closing or self._retry_now, timeout=self.retry_seconds
                    )
                    self._retry_now = False
                if self._closing:
                    return
                stopped = self._failure is not None
                if not stopped:
                    pending = self._pending[0]
                    self._running = True
            if stopped:
                if self._reload():  # outside the lock: `submit` never waits on the network
                    with self._lock:
                        self._failure = None
                    self._report(SaveReport("resumed"))
                continue
            report = self._attempt(pending)
            with self._lock:
                self._running = False
                if report.kind == "stopped":
                    assert isinstance(report.error, StorageError)
                    self._failure = report.error
                else:
                    self._pending.popleft()
                report.seqs = tuple(pending.seqs)
                self._lock.notify_all()
            self._report(report)

    def _reload(self) -> bool:
        """The runner afresh from the database, the truth after a lost connection."""
        runner = self._runner
        try:
            fresh = AuditRunner(
                engine=runner.engine,
                audit_id=runner.audit_id,
                zone=runner.zone,
                clock=runner.clock,
                make_id=runner.make_id,
            )
        except Exception as exc:  # the server is still gone, whatever the error says
            log.info("still cannot reach the database: %s", exc)
            return False
        # The audit keeps its template version: the caller's runner keeps the same objects.
        fresh.template, fresh.company = runner.template, runner.company
        self._runner = fresh
        return True

    def _attempt(self, pending: _Pending) -> SaveReport:
        runner = self._runner
        if pending.tried and pending.ids and _stored(runner, pending.ids):
            return SaveReport("saved", state=snapshot(runner)[0])  # its commit got through
        pending.tried = True
        make_id = runner.make_id
        made = iter(list(pending.ids))

        def same_ids() -> str:
            new = next(made, None)
            if new is None:
                new = make_id()
                pending.ids.append(new)
            return new

        runner.make_id = same_ids
        try:
            result = pending.save(runner)
        except StorageError as exc:
            return SaveReport("stopped", error=exc)
        except ShopperError as exc:
            return SaveReport("refused", error=exc)
        except Exception as exc:
            return SaveReport("failed", error=exc)
        finally:
            runner.make_id = make_id
        state, copied = snapshot(runner, result)
        return SaveReport("saved", result=copied, state=state)


def _stored(runner: AuditRunner, ids: list[str]) -> bool:
    known = {m.id for m in runner.moments} | {e.id for e in runner.evidence}
    for instrument in Instrument:
        known |= {s.id for s in runner.steps(instrument)}
    return any(i in known for i in ids)


def snapshot(runner: AuditRunner, result: Any = None) -> tuple[AuditRunner, Any]:
    """A copy of the runner, and of a save's result (a moment of the copy is the copy's
    moment), that shares nothing that changes: only the engine, the template and the
    company, which do not change while an audit runs, and the clock and id maker."""
    shared = (runner.engine, runner.template, runner.company, runner.clock, runner.make_id)
    memo: dict[int, Any] = {id(thing): thing for thing in shared}
    return copy.deepcopy((runner, result), memo)


def install(runner: AuditRunner, state: AuditRunner) -> None:
    """Make `runner` what `state` (a snapshot) is: the caller's runner keeps its identity."""
    vars(runner).update(vars(state))
