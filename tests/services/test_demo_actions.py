"""The demo's actions: each state a new user meets, verified by the demo's own later audits."""

from __future__ import annotations

from shopper.domain.actions import State
from shopper.services.actions import list_actions
from shopper.services.context import AppContext
from shopper.services.demo import load_demo


def test_the_demo_fills_the_action_plan(ctx: AppContext) -> None:
    load_demo(engine=ctx.engine)
    rows = list_actions(engine=ctx.engine)
    states = {r.state for r in rows}
    assert {State.FIXED, State.STILL_FAILING, State.OPEN, State.IN_PROGRESS} <= states
    fixed = [r for r in rows if r.state is State.FIXED]
    # Each fixed one is fixed by a later audit of its company and touchpoint that passed it.
    for row in fixed:
        assert row.verdict.check is not None and row.verdict.check.passed
        assert row.verdict.check.started_at > row.created_at
        assert row.describe.startswith("fixed, verified by audit ")
    failing = [r for r in rows if r.state is State.STILL_FAILING]
    assert all(r.describe.endswith(f"reopened, owner {r.owner}") for r in failing)
    assert len({r.company_id for r in rows}) == 6
    assert any(r.overdue for r in rows) and not all(r.overdue for r in rows)
