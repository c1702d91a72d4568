"""The save queue on its own (no Qt): one at a time, in order, typing coalesced, state copied."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.services.save_queue import Save, SaveQueue, SaveReport, install
from tests.data_helpers import new_counts_audit


def wait_done(saves: SaveQueue) -> None:
    deadline = time.monotonic() + 10
    while saves.waiting() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert saves.waiting() == 0


def test_saves_run_in_order_and_typing_is_coalesced(ctx: AppContext, tmp_path: Path) -> None:
    audit_id = new_counts_audit(ctx, tmp_path)
    shown = AuditRunner(engine=ctx.engine, audit_id=audit_id)
    reports: list[SaveReport] = []
    saves = SaveQueue(shown, reports.append)
    gate = threading.Event()
    ran: list[str] = []

    def held(runner: AuditRunner) -> None:
        gate.wait(10)
        ran.append("held")

    def answer(value: int) -> Save:
        def save(runner: AuditRunner) -> object:
            ran.append(f"c1={value}")
            return runner.set_answer("c1", value)

        return save

    def note(runner: AuditRunner) -> object:
        ran.append("note")
        return runner.set_note("c2", "later")

    try:
        saves.submit(held)
        saves.submit(answer(1), key="c1")
        saves.submit(answer(2), key="c1")  # replaces 1: right behind it, not started
        saves.submit(note, key="c2")
        saves.submit(answer(3), key="c1")  # not right behind a c1: its own save
        assert shown.value("c1") is None  # the shown runner is never touched by the queue
        gate.set()
        wait_done(saves)
    finally:
        saves.close()
    assert ran == ["held", "c1=2", "note", "c1=3"]
    assert [r.kind for r in reports] == ["saved"] * 4
    assert reports[1].seqs == (2, 3)
    for report in reports:
        assert report.state is not None
        install(shown, report.state)
    assert shown.value("c1") == 3 and shown.note("c2") == "later"
    assert AuditRunner(engine=ctx.engine, audit_id=audit_id).value("c1") == 3
