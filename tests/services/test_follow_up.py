"""Audits awaiting follow-up: completed on the day, the follow-up answered later or lapsed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from shopper.domain.errors import AuditStateError
from shopper.domain.instruments import EmailStep, Instrument
from shopper.domain.vocabulary import AnswerSource, AuditStatus
from shopper.services import runner as runner_module
from shopper.services.analysis import scored_audits
from shopper.services.audits import load_audit, start_audit
from shopper.services.bundles import export_bundle, import_bundle
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.follow_up import settle_follow_ups, waiting_audits
from shopper.services.runner import AuditRunner, FollowUpPendingError, MissingAnswersError
from shopper.services.templates import list_templates
from shopper.store import repo
from shopper.store.analysis import Scope
from shopper.store.engine import session_scope
from shopper.store.tables import AuditEvent
from tests.data_helpers import new_follow_up_audit, snapshot

ZONE = "Europe/Warsaw"
FRIDAY = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)  # 15:00 in Warsaw
DUE = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)  # the next Friday, 17:00 in Warsaw


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(FRIDAY)


@pytest.fixture
def audit_id(ctx: AppContext, tmp_path: Path, clock: Clock) -> str:
    return new_follow_up_audit(ctx, tmp_path, at=FRIDAY - timedelta(hours=1))


@pytest.fixture
def make_runner(ctx: AppContext, audit_id: str, clock: Clock) -> Callable[[], AuditRunner]:
    return lambda: AuditRunner(engine=ctx.engine, audit_id=audit_id, zone=ZONE, clock=clock)


def answered_on_the_day(make_runner: Callable[[], AuditRunner]) -> AuditRunner:
    runner = make_runner()
    runner.set_answer("greeted", "yes")
    runner.set_answer("solved", "no")
    return runner


def events(ctx: AppContext, audit_id: str) -> list[str]:
    with session_scope(ctx.engine) as session:
        rows = session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.audit_id) == audit_id)
            .order_by(col(AuditEvent.at))
        )
        return [e.kind for e in rows]


# -- completing on the day ---------------------------------------------------------------


def test_completing_asks_first_then_awaits_follow_up(
    ctx: AppContext, audit_id: str, make_runner: Callable[[], AuditRunner]
) -> None:
    runner = answered_on_the_day(make_runner)
    assert runner.waiting() == {"follow_up": DUE}  # counted from now while in progress
    before = snapshot(ctx.data_dir)
    with pytest.raises(FollowUpPendingError) as info:
        runner.complete()
    assert info.value.due == {"follow_up": DUE}
    assert "1 item waits for the follow-up" in str(info.value)
    assert snapshot(ctx.data_dir) == before
    assert not runner.awaiting

    completed = runner.complete(wait=True)
    assert runner.awaiting and not runner.read_only
    stored = load_audit(engine=ctx.engine, audit_id=audit_id).audit
    assert stored.status == AuditStatus.AWAITING_FOLLOW_UP
    assert stored.completed_at == completed
    assert events(ctx, audit_id)[-1] == "awaiting_follow_up"
    reloaded = make_runner()
    assert reloaded.awaiting and reloaded.waiting() == {"follow_up": DUE}


def test_only_the_follow_up_waits(make_runner: Callable[[], AuditRunner]) -> None:
    runner = make_runner()
    runner.set_answer("greeted", "yes")
    with pytest.raises(MissingAnswersError) as info:
        runner.complete(wait=True)
    assert info.value.item_ids == ("solved",)


def test_awaiting_only_the_follow_up_changes(
    ctx: AppContext, audit_id: str, make_runner: Callable[[], AuditRunner], tmp_path: Path
) -> None:
    runner = answered_on_the_day(make_runner)
    runner.complete(wait=True)
    before = snapshot(ctx.data_dir)
    refused: list[Callable[[], Any]] = [
        lambda: runner.set_answer("solved", "yes"),
        lambda: runner.set_note("greeted", "changed my mind"),
        lambda: runner.add_moment("good", note="later"),
        lambda: runner.add_step(Instrument.PHONE, "call_start"),
        lambda: runner.complete(wait=True),
        lambda: runner.attach(data_dir=ctx.data_dir, data=b"x", filename="a.txt", item_id="solved"),
    ]
    for attempt in refused:
        with pytest.raises(AuditStateError):
            attempt()
    assert snapshot(ctx.data_dir) == before
    assert runner.can_change("follow_up") and runner.can_change("how")
    assert not runner.can_change("solved") and not runner.can_change(None)

    runner.set_answer("follow_up", "yes")
    runner.set_answer("how", "A call on Tuesday")
    assert runner.awaiting  # answered, not yet completed: the details can still be typed
    completed_at = load_audit(engine=ctx.engine, audit_id=audit_id).audit.completed_at
    runner.complete()
    assert runner.read_only
    stored = load_audit(engine=ctx.engine, audit_id=audit_id)
    assert stored.audit.status == AuditStatus.COMPLETED
    assert stored.audit.completed_at == completed_at  # the day it was done
    assert stored.answers["how"].value == "A call on Tuesday"
    assert stored.score.percent == pytest.approx(200 / 3)  # 2 of 3 yes/no items pass
    assert events(ctx, audit_id)[-2:] == ["awaiting_follow_up", "follow_up_answered"]


def test_reopening_an_awaiting_audit(make_runner: Callable[[], AuditRunner]) -> None:
    runner = answered_on_the_day(make_runner)
    runner.complete(wait=True)
    runner.reopen("wrong answer on the day")
    assert not runner.awaiting and not runner.read_only
    runner.set_answer("solved", "yes")


# -- the window passes -------------------------------------------------------------------


def test_a_passed_window_answers_no_and_completes(
    ctx: AppContext, audit_id: str, make_runner: Callable[[], AuditRunner]
) -> None:
    runner = answered_on_the_day(make_runner)
    runner.complete(wait=True)
    assert runner.settle(DUE - timedelta(minutes=1)) == ()
    assert runner.awaiting
    assert settle_follow_ups(engine=ctx.engine, now=DUE - timedelta(minutes=1)) == []

    assert settle_follow_ups(engine=ctx.engine, now=DUE) == [audit_id]
    stored = load_audit(engine=ctx.engine, audit_id=audit_id)
    assert stored.audit.status == AuditStatus.COMPLETED
    assert stored.answers["follow_up"].value == "no"
    assert stored.answers["follow_up"].source == AnswerSource.WINDOW_PASSED
    assert stored.score.percent == pytest.approx(100 / 3)
    assert events(ctx, audit_id)[-1] == "follow_up_lapsed"
    assert settle_follow_ups(engine=ctx.engine, now=DUE + timedelta(days=9)) == []


def test_settling_is_one_transaction(
    ctx: AppContext,
    audit_id: str,
    make_runner: Callable[[], AuditRunner],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runner = answered_on_the_day(make_runner)
    runner.complete(wait=True)
    before = snapshot(ctx.data_dir)

    def broken(**_kwargs: Any) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(runner_module.repo, "add_event", broken)
    with pytest.raises(Exception, match="disk gone"):
        make_runner().settle(DUE)
    assert snapshot(ctx.data_dir) == before
    monkeypatch.undo()
    assert make_runner().settle(DUE) == ("follow_up",)


def test_the_waiting_list(
    ctx: AppContext, audit_id: str, make_runner: Callable[[], AuditRunner]
) -> None:
    assert waiting_audits(engine=ctx.engine) == []
    answered_on_the_day(make_runner).complete(wait=True)
    (waiting,) = waiting_audits(engine=ctx.engine)
    assert waiting.audit_id == audit_id
    assert waiting.company_name == "Blue Harbor Bank"
    assert [(i.item_id, i.due) for i in waiting.items] == [("follow_up", DUE)]
    assert waiting.due == DUE
    assert waiting.items[0].prompt.startswith("Did they follow up")


def test_analysis_waits_for_the_final_score(
    ctx: AppContext, make_runner: Callable[[], AuditRunner]
) -> None:
    answered_on_the_day(make_runner).complete(wait=True)
    assert list(scored_audits(engine=ctx.engine, scope=Scope())) == []
    settle_follow_ups(engine=ctx.engine, now=DUE)
    assert len(list(scored_audits(engine=ctx.engine, scope=Scope()))) == 1


# -- the e-mail tracker, bundles ---------------------------------------------------------


def test_the_email_trackers_follow_up_answers_it(ctx: AppContext, clock: Clock) -> None:
    email = next(t for t in list_templates(engine=ctx.engine, touchpoint="email") if t.builtin)
    company = create_company(engine=ctx.engine, data=CompanyInput(name="Mail Co", timezone=ZONE))
    audit = start_audit(
        engine=ctx.engine, company_id=company.id, template_id=email.id, zone=ZONE, at=FRIDAY
    )
    runner = AuditRunner(engine=ctx.engine, audit_id=audit.id, zone=ZONE, clock=clock)
    runner.add_step(Instrument.EMAIL, EmailStep.SENT, at=FRIDAY)
    runner.add_step(Instrument.EMAIL, EmailStep.REPLY, at=FRIDAY + timedelta(hours=2))
    with session_scope(ctx.engine) as session:  # as if completed on the day
        repo.update_audit(
            session=session,
            audit_id=audit.id,
            values={"status": AuditStatus.AWAITING_FOLLOW_UP, "completed_at": clock.now},
        )
    runner = AuditRunner(engine=ctx.engine, audit_id=audit.id, zone=ZONE, clock=clock)
    with pytest.raises(AuditStateError):
        runner.add_step(Instrument.EMAIL, EmailStep.REPLY)
    runner.add_step(Instrument.EMAIL, EmailStep.FOLLOW_UP)
    assert runner.value("follow_up") == "yes"


def test_an_awaiting_audit_travels_in_a_bundle(
    ctx: AppContext, audit_id: str, make_runner: Callable[[], AuditRunner], tmp_path: Path
) -> None:
    runner = answered_on_the_day(make_runner)
    runner.complete(wait=True)
    bundle = tmp_path / "day.shopper"
    export_bundle(engine=ctx.engine, data_dir=ctx.data_dir, path=bundle, audit_ids=[audit_id])
    manager = AppContext.open(tmp_path / "manager")
    try:
        import_bundle(engine=manager.engine, data_dir=manager.data_dir, path=bundle)
        assert [w.audit_id for w in waiting_audits(engine=manager.engine)] == [audit_id]
        # The follow-up comes; the shopper's next bundle completes it on the manager's side.
        runner.set_answer("follow_up", "yes")
        runner.complete()
        export_bundle(engine=ctx.engine, data_dir=ctx.data_dir, path=bundle, audit_ids=[audit_id])
        summary = import_bundle(engine=manager.engine, data_dir=manager.data_dir, path=bundle)
        assert [a.id for a in summary.updated] == [audit_id]
        there = load_audit(engine=manager.engine, audit_id=audit_id)
        assert there.audit.status == AuditStatus.COMPLETED
        assert there.answers["follow_up"].value == "yes"
    finally:
        manager.close()


def test_an_awaiting_audit_opens_at_what_waits(make_runner: Callable[[], AuditRunner]) -> None:
    runner = answered_on_the_day(make_runner)
    runner.set_current("solved")
    runner.complete(wait=True)
    assert make_runner().resume_item() == "follow_up"
