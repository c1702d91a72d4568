"""The reads behind a comparison give what the analysis reads give for the same audits,
on SQLite and on PostgreSQL: the pair's count and newest audits (dates, limits, no audits),
and the answers (notes without a value, a cleared value, a note cleared)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.store import analysis
from shopper.store import compare as compare_store
from shopper.store.analysis import Scope
from shopper.store.engine import session_scope
from tests.postgres import DATABASES, app_context
from tests.services.analysis_data import T0, ZONE, Clock, History, build_history


@pytest.fixture(scope="module", params=DATABASES)
def shared(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[AppContext, History]]:
    folder = tmp_path_factory.mktemp("compare-store")
    with app_context(request.param, request, folder / "data") as context:
        history = build_history(context, folder)
        # The audit still open: a value cleared, a note on an unanswered item, a note cleared.
        runner = AuditRunner(
            engine=context.engine, audit_id=history.audits["A4"], zone=ZONE, clock=Clock(T0)
        )
        runner.set_answer("greet", "no")
        runner.set_answer("greet", None)
        runner.set_note("smile", "Could not tell")
        runner.set_note("clean", "Fine")
        runner.set_note("clean", "")
        yield context, history


def expected(ctx: AppContext, scope: Scope, last: int) -> tuple[int, list[analysis.AuditMeta]]:
    with session_scope(ctx.engine) as session:
        available = analysis.count_audits(session=session, scope=scope)
        metas = analysis.list_audit_meta(
            session=session, scope=scope, newest_first=True, limit=last
        )
    metas.reverse()
    return available, metas


DAY = timedelta(days=1)


@pytest.mark.parametrize("last", [2, 3, 500])
@pytest.mark.parametrize(
    ("since", "until"),
    [
        (None, None),
        (T0 + 20 * DAY, None),
        (None, T0 + 60 * DAY),  # until is exclusive: A3 started then
        (T0, T0 + 30 * DAY),
        (T0 + 90 * DAY, None),  # nothing
    ],
)
def test_the_newest_audits_of_a_pair_as_the_analysis_reads_them(
    shared: tuple[AppContext, History], last: int, since: datetime | None, until: datetime | None
) -> None:
    ctx, history = shared
    for company_id, touchpoint in [
        (history.company_id, "store"),
        (history.other_company_id, "store"),
        (history.company_id, "phone"),
        ("no-such-company", "store"),
    ]:
        scope = Scope(company_id=company_id, touchpoint=touchpoint, since=since, until=until)
        with session_scope(ctx.engine) as session:
            got = compare_store.newest_of_pair(
                session=session,
                company_id=company_id,
                touchpoint=touchpoint,
                last=last,
                since=since,
                until=until,
            )
        assert got == expected(ctx, scope, last)


def test_the_count_is_of_every_match_not_only_those_read(
    shared: tuple[AppContext, History],
) -> None:
    ctx, history = shared
    with session_scope(ctx.engine) as session:
        available, metas = compare_store.newest_of_pair(
            session=session, company_id=history.company_id, touchpoint="store", last=2
        )
    assert available == 3  # A1-A3; A4 is not completed
    assert [m.id for m in metas] == [history.audits["A2"], history.audits["A3"]]
    assert all(m.started_at.tzinfo is not None for m in metas)


def test_the_answers_as_the_analysis_reads_them(shared: tuple[AppContext, History]) -> None:
    ctx, history = shared
    ids = [*history.audits.values(), "no-such-audit"]
    with session_scope(ctx.engine) as session:
        got = compare_store.answers_compared(session=session, audit_ids=ids)
        rows = analysis.answers_of(session=session, audit_ids=ids)
    want = {
        audit_id: (
            {r.item_id: r.value for r in found if r.value is not None},
            {r.item_id: r.note for r in found if r.note},
        )
        for audit_id, found in rows.items()
    }
    assert got == want
    assert got[history.audits["A4"]] == ({"clean": "yes"}, {"smile": "Could not tell"})
    assert got[history.audits["A1"]][0]["wait"] == 60.0
    assert got["no-such-audit"] == ({}, {})
    with session_scope(ctx.engine) as session:
        assert compare_store.answers_compared(session=session, audit_ids=[]) == {}


def test_the_pairs_count_reads_the_pairs_index_not_every_completed_audit(
    tmp_path: Path,
) -> None:
    """Without statistics, SQLite's planner counted a pair's completed audits through the
    index on status (every completed audit of every company); the count reads the pair's."""
    import sqlite3

    from shopper.services.demo import load_demo
    from shopper.store.driver import driver_statement

    ctx = AppContext.open(tmp_path / "data")
    load_demo(engine=ctx.engine, audits=30)  # an empty database plans otherwise
    statement = driver_statement(compare_store._newest_of_pair(False, False), ctx.engine.dialect)
    params = statement.params({"company_id": "c", "touchpoint": "phone", "last": 50})
    ctx.close()
    with sqlite3.connect(tmp_path / "data" / "shopper.db") as raw:
        plan = raw.execute(f"EXPLAIN QUERY PLAN {statement.sql}", params).fetchall()
    used = [row[-1] for row in plan]
    assert not any("ix_audit_status" in step for step in used), used
    assert sum("ix_audit_company_touchpoint_started" in step for step in used) == 2, used
