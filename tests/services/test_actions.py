"""The action plan: actions on an item verified by the next audits, on a theme, on a moment."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from shopper.domain.actions import ActionError, State
from shopper.domain.errors import NotFoundError
from shopper.services import actions as service
from shopper.services.actions import ActionInput
from shopper.services.context import AppContext
from shopper.store import repo
from shopper.store.engine import session_scope
from tests.postgres import OWNER, OWNER_PASSWORD, PostgresServer, team_copy
from tests.services.analysis_data import T0, ZONE, History, _run, build_history

TEMPLATE_ID = "7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"


@pytest.fixture
def history(ctx: AppContext, tmp_path: Path) -> History:
    return build_history(ctx, tmp_path)


def _audit(ctx: AppContext, history: History, day: int, answers: dict[str, str]) -> str:
    return _run(
        ctx,
        company_id=history.company_id,
        template_id=TEMPLATE_ID,
        version=2,
        day=day,
        answers=answers,
    )


def test_an_action_on_a_failed_item_is_verified_by_the_next_audit(
    ctx: AppContext, history: History
) -> None:
    # A2 (day 30) failed "clean"; the action is made the next day; A3 (day 60) passes it.
    row = service.create_action(
        engine=ctx.engine,
        data=ActionInput(
            company="Acme Stores",
            title="Dust the shelves daily",
            audit=history.audits["A2"][:8],
            item="clean",
            owner="Ola",
            due=date(2025, 5, 1),
        ),
        at=T0 + timedelta(days=31),
        zone=ZONE,
    )
    assert (row.theme, row.touchpoint, row.item_prompt) == ("brand", "store", "Was the shop clean?")
    assert row.state is State.FIXED
    assert [c.audit_id for c in row.checks] == [history.audits["A3"]]
    assert row.describe == f"fixed, verified by audit {history.audits['A3'][:8]} on 2025-05-02"
    assert not row.overdue  # fixed, though past its due day

    # A later audit fails it again: reopened, owner shown.
    again = _audit(ctx, history, 90, {"clean": "no", "greet": "yes", "smile": "yes"})
    row = service.get_action(engine=ctx.engine, action_id=row.id, today=date(2025, 7, 1))
    assert row.state is State.STILL_FAILING
    assert row.describe.startswith(f"still failing in audit {again[:8]} on 2025-06-01;")
    assert row.describe.endswith("reopened, owner Ola")
    assert row.overdue

    # The owner marks it done: it waits for the next audit, which passes it.
    row = service.set_status(
        engine=ctx.engine, action_id=row.id, status="done", at=T0 + timedelta(days=95)
    )
    assert row.state is State.DONE and row.done_at is not None
    assert row.describe == "done, awaiting the next audit"
    fixed = _audit(ctx, history, 120, {"clean": "yes", "greet": "yes", "smile": "yes"})
    row = service.get_action(engine=ctx.engine, action_id=row.id)
    assert row.state is State.FIXED and row.verdict.check is not None
    assert row.verdict.check.audit_id == fixed
    assert len(row.checks) == 3


def test_audits_before_the_action_or_of_another_company_do_not_count(
    ctx: AppContext, history: History
) -> None:
    row = service.create_action(
        engine=ctx.engine,
        data=ActionInput(
            company="Acme Stores", title="Clean", audit=history.audits["A2"], item="clean"
        ),
        at=T0 + timedelta(days=70),
        zone=ZONE,
    )
    assert row.state is State.OPEN and row.checks == ()


def test_an_action_on_a_bad_moment_takes_its_item_and_theme(
    ctx: AppContext, history: History
) -> None:
    with session_scope(ctx.engine) as session:
        moments = repo.list_moments(session=session, audit_id=history.audits["A3"])
    bad = next(m for m in moments if m.kind == "bad")
    row = service.create_action(
        engine=ctx.engine,
        data=ActionInput(
            company=history.company_id,
            title="Greet everyone within 30 s",
            audit=history.audits["A3"],
            moment=bad.id[:8],
        ),
        at=T0 + timedelta(days=61),
    )
    assert (row.source, row.item_id, row.theme, row.moment_id) == (
        "moment",
        "greet",
        "empathy",
        bad.id,
    )
    _audit(ctx, history, 90, {"clean": "yes", "greet": "no", "smile": "yes"})
    assert service.get_action(engine=ctx.engine, action_id=row.id).state is State.STILL_FAILING


def test_an_action_on_a_theme_is_never_checked_by_items(ctx: AppContext, history: History) -> None:
    row = service.create_action(
        engine=ctx.engine,
        data=ActionInput(company="Acme Stores", title="Faster tills", theme="speed"),
        at=T0,
    )
    assert row.source == "theme" and row.item_id is None
    assert service.set_status(engine=ctx.engine, action_id=row.id, status="done").describe == (
        "done"
    )


def test_filters(ctx: AppContext, history: History) -> None:
    make = service.create_action
    make(
        engine=ctx.engine,
        data=ActionInput(company="Acme Stores", title="A", theme="speed", owner="Ola"),
    )
    make(
        engine=ctx.engine,
        data=ActionInput(
            company="Other Shop", title="B", theme="speed", owner="Tom", due=date(2020, 1, 1)
        ),
    )
    rows = service.list_actions(engine=ctx.engine)
    assert [r.title for r in rows] == ["A", "B"]
    assert [r.title for r in service.list_actions(engine=ctx.engine, owner="Tom")] == ["B"]
    assert [r.title for r in service.list_actions(engine=ctx.engine, overdue=True)] == ["B"]
    only = service.list_actions(engine=ctx.engine, company_id=history.company_id)
    assert [r.title for r in only] == ["A"]
    assert service.list_actions(engine=ctx.engine, state=State.FIXED) == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (ActionInput(company="Acme Stores", title="  ", theme="speed"), "title"),
        (ActionInput(company="Acme Stores", title="x"), "theme"),
        (ActionInput(company="Acme Stores", title="x", item="clean"), "audit"),
        (ActionInput(company="Acme Stores", title="x", theme="t", owner="o" * 201), "owner"),
    ],
)
def test_mistakes_name_the_field(
    ctx: AppContext, history: History, data: ActionInput, field: str
) -> None:
    with pytest.raises(ActionError) as err:
        service.create_action(engine=ctx.engine, data=data)
    assert err.value.field == field
    assert service.list_actions(engine=ctx.engine) == []


def test_an_item_must_be_in_the_audit_of_that_company(ctx: AppContext, history: History) -> None:
    with pytest.raises(ActionError) as err:
        service.create_action(
            engine=ctx.engine,
            data=ActionInput(
                company="Acme Stores", title="x", audit=history.audits["A2"], item="nope"
            ),
        )
    assert err.value.field == "item"
    with pytest.raises(ActionError) as err:
        service.create_action(
            engine=ctx.engine,
            data=ActionInput(
                company="Acme Stores", title="x", audit=history.audits["other"], item="clean"
            ),
        )
    assert err.value.field == "audit"
    with pytest.raises(NotFoundError):
        service.create_action(
            engine=ctx.engine, data=ActionInput(company="Nobody", title="x", theme="speed")
        )


def test_a_backup_keeps_the_actions_and_restoring_brings_them_back(
    ctx: AppContext, history: History
) -> None:
    from shopper.services.backups import make_backup, restore_backup

    service.create_action(
        engine=ctx.engine,
        data=ActionInput(company="Acme Stores", title="Kept", theme="speed", owner="Ola"),
    )
    backup = make_backup(engine=ctx.engine, backups_dir=ctx.backups_dir, reason="manual").path
    service.create_action(
        engine=ctx.engine, data=ActionInput(company="Acme Stores", title="Later", theme="speed")
    )
    assert ctx.db_path is not None
    result = restore_backup(
        data_dir=ctx.data_dir, db_path=ctx.db_path, source=backup, engine=ctx.engine
    )
    assert result.engine is not None
    try:
        assert [r.title for r in service.list_actions(engine=result.engine)] == ["Kept"]
    finally:
        result.engine.dispose()


@pytest.mark.postgres
def test_on_a_team_database_the_owner_is_a_login_and_shoppers_read_little(
    postgres_server: PostgresServer, data_dir: Path
) -> None:
    from shopper.services import team
    from shopper.services.companies import CompanyInput, create_company

    name = team_copy(postgres_server)
    owner = team.team_engine(postgres_server.url(name, OWNER, OWNER_PASSWORD))
    try:
        team.add_user(engine=owner, login="jan", role="shopper", password="jan-password-x1")
        team.add_user(engine=owner, login="ewa", role="shopper", password="ewa-password-x1")
        create_company(engine=owner, data=CompanyInput(name="Northwind"))
        add = service.create_action
        with pytest.raises(ActionError) as err:
            add(
                engine=owner,
                data=ActionInput(
                    company="Northwind", title="x", theme="speed", owner="Jan Kowalski"
                ),
            )
        assert err.value.field == "owner"
        add(
            engine=owner,
            data=ActionInput(company="Northwind", title="Jan's", theme="speed", owner="jan"),
        )
        add(
            engine=owner,
            data=ActionInput(
                company="Northwind", title="Shared", theme="speed", owner="ewa", shared=True
            ),
        )
        add(
            engine=owner,
            data=ActionInput(company="Northwind", title="Ewa's", theme="speed", owner="ewa"),
        )
        assert len(service.list_actions(engine=owner)) == 3
    finally:
        owner.dispose()
    jan = AppContext.open(data_dir, postgres_server.url(name, "jan", "jan-password-x1"))
    try:
        titles = {r.title for r in service.list_actions(engine=jan.engine)}
        assert titles == {"Jan's", "Shared"}
        with pytest.raises(ActionError) as err:
            service.create_action(
                engine=jan.engine,
                data=ActionInput(company="Northwind", title="Mine", theme="speed"),
            )
        assert err.value.field == "login"
    finally:
        jan.close()
        postgres_server.drop_database(name)
        postgres_server.drop_roles()
