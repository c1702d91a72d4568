"""Sync on the real server: jan's shops into his local SQLite, his audits back, whole, once."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from shopper.domain.errors import TemplateError
from shopper.domain.template import ItemType
from shopper.services import shops, team
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.services.sync import SubmitError, SyncError, outbox, submit, sync
from tests.data_helpers import png
from tests.postgres import MANAGER, MANAGER_PASSWORD, OWNER, OWNER_PASSWORD, PostgresServer
from tests.services.test_runner import answer_required

pytestmark = pytest.mark.postgres

SECURED_COUNTS = (
    "shop",
    "shop_event",
    "audit",
    "answer",
    "moment",
    "instrument_event",
    "evidence",
    "evidence_blob",
    "audit_event",
)


class Team:
    """The team database as jan (his app's engine), its manager and its owner."""

    def __init__(self, server: PostgresServer, jan: AppContext) -> None:
        self.server = server
        self.jan = jan.engine
        name = str(jan.engine.url.database)
        self.manager = team.team_engine(server.url(name, MANAGER, MANAGER_PASSWORD))
        self.owner = team.team_engine(server.url(name, OWNER, OWNER_PASSWORD))

    def assign(self, shopper: str = "jan") -> str:
        return shops.create_shop(
            engine=self.manager,
            data=shops.ShopInput(
                company="Northwind",
                touchpoint="phone",
                shopper=shopper,
                opens=date(2020, 1, 1),
                due=date(2099, 1, 31),
                instructions=f"For {shopper}",
            ),
        ).id

    def counts(self) -> dict[str, int]:
        """Rows per table, by plain SQL as the owner (who sees every row)."""
        with self.owner.connect() as conn:
            return {
                t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())
                for t in SECURED_COUNTS
            }

    def close(self) -> None:
        self.manager.dispose()
        self.owner.dispose()


@pytest.fixture
def team_side(postgres_server: PostgresServer, as_jan: tuple[AppContext, str]) -> Iterator[Team]:
    side = Team(postgres_server, as_jan[0])
    try:
        yield side
    finally:
        side.close()


@pytest.fixture
def local(tmp_path: Path) -> Iterator[AppContext]:
    """Jan's own computer: a SQLite database in its own data folder."""
    ctx = AppContext.open(tmp_path / "jan-laptop")
    try:
        yield ctx
    finally:
        ctx.close()


def start_and_answer(local: AppContext, shop_id: str) -> AuditRunner:
    audit = shops.start_shop(engine=local.engine, shop_id=shop_id)
    runner = AuditRunner(engine=local.engine, audit_id=audit.id)
    item = next(i for i in runner.template.items() if i.type is ItemType.YES_NO)
    runner.set_answer(item.id, item.pass_answer)
    runner.set_note(item.id, "Polite; 'quoted' text")
    runner.attach(data_dir=local.data_dir, data=png(7), filename="desk.png", item_id=item.id)
    runner.add_moment("friction", note="put on hold twice")
    return runner


def server_rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params))


def test_jan_syncs_his_shop_does_it_offline_and_submits_it(
    team_side: Team, local: AppContext
) -> None:
    shop_id = team_side.assign()
    first = sync(local=local, team_engine=team_side.jan)
    # The built-in templates are here already: none is inserted.
    assert (first.pulled_shops, first.pulled_companies, first.pulled_templates) == (1, 1, 0)
    assert not first.pushed
    (row,) = shops.list_shops(engine=local.engine)
    assert (row.id, row.state, row.company, row.instructions) == (
        shop_id,
        "assigned",
        "Northwind",
        "For jan",
    )

    runner = start_and_answer(local, shop_id)
    audit_id = runner.audit.id
    assert [e.audit_id for e in outbox(local)] == [audit_id]
    second = sync(local=local, team_engine=team_side.jan)
    assert [p.audit_id for p in second.pushed] == [audit_id]
    assert outbox(local) == []

    # The manager sees the audit, its answer, note, moment and the photo's bytes.
    (audit,) = server_rows(
        team_side.manager, "SELECT shopper, status, version FROM audit WHERE id = :a", a=audit_id
    )
    assert (audit.shopper, audit.status) == ("jan", "in_progress")
    assert audit.version == runner_version(local, audit_id)
    notes = server_rows(
        team_side.manager, "SELECT note FROM answer WHERE audit_id = :a", a=audit_id
    )
    assert [n.note for n in notes] == ["Polite; 'quoted' text"]
    (blob,) = server_rows(
        team_side.manager,
        "SELECT b.data FROM evidence e JOIN evidence_blob b ON b.sha256 = e.sha256"
        " WHERE e.audit_id = :a",
        a=audit_id,
    )
    assert bytes(blob.data) == png(7)
    (state,) = server_rows(team_side.manager, "SELECT state, audit_id FROM shop")
    assert (state.state, state.audit_id) == ("in_progress", audit_id)
    starts = server_rows(
        team_side.manager, "SELECT who FROM shop_event WHERE to_state = 'in_progress'"
    )
    assert [s.who for s in starts] == ["jan"]

    # Twice changes nothing.
    before = team_side.counts()
    again = sync(local=local, team_engine=team_side.jan)
    assert (again.pushed, again.refused, again.conflicts) == ([], [], [])
    assert team_side.counts() == before

    # Completed here, then submitted: pushed first, then the shop moves.
    answer_required(runner)
    runner.complete()
    done = submit(local, team_side.jan, audit_id)
    assert (done.pushed, done.moved) == (True, True)
    (audit,) = server_rows(
        team_side.manager, "SELECT status, completed_at FROM audit WHERE id = :a", a=audit_id
    )
    assert audit.status == "completed"
    assert audit.completed_at is not None
    assert server_rows(team_side.manager, "SELECT state FROM shop")[0].state == "submitted"
    assert shops.list_shops(engine=local.engine)[0].state == "submitted"
    # Submitting again is done already.
    twice = submit(local, team_side.jan, audit_id)
    assert (twice.pushed, twice.moved) == (False, False)

    # A change here after it was submitted is refused, reported, and kept here.
    runner.reopen("one more thing")
    runner.set_note(next(iter(runner.values)), "changed after submitting")
    refused = sync(local=local, team_engine=team_side.jan)
    assert [r.audit_id for r in refused.refused] == [audit_id]
    assert "submitted" in refused.refused[0].why
    (waiting,) = outbox(local)
    assert (waiting.audit_id, waiting.state) == (audit_id, "failed")
    assert "submitted" in waiting.error
    assert waiting.tried_at is not None
    with local.engine.connect() as conn:
        kept = conn.execute(
            text("SELECT count(*) FROM answer WHERE note = 'changed after submitting'")
        )
        assert kept.scalar_one() == 1


def runner_version(local: AppContext, audit_id: str) -> int:
    with local.engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT version FROM audit WHERE id = :a"), {"a": audit_id}
            ).scalar_one()
        )


def test_a_shoppers_local_database_holds_only_their_own_shops(
    team_side: Team, local: AppContext
) -> None:
    team.add_user(engine=team_side.owner, login="ewa", role="shopper", password="ewa-password-1")
    mine = team_side.assign("jan")
    team_side.assign("ewa")
    sync(local=local, team_engine=team_side.jan)
    assert [s.id for s in shops.list_shops(engine=local.engine)] == [mine]
    # Reassigned to ewa, it leaves jan's computer at his next sync.
    with team_side.manager.begin() as conn:
        conn.execute(text("UPDATE shop SET shopper = 'ewa' WHERE id = :s"), {"s": mine})
    result = sync(local=local, team_engine=team_side.jan)
    assert result.removed_shops == 1
    assert shops.list_shops(engine=local.engine) == []


def test_a_stale_push_becomes_a_conflict_copy(team_side: Team, local: AppContext) -> None:
    shop_id = team_side.assign()
    sync(local=local, team_engine=team_side.jan)
    runner = start_and_answer(local, shop_id)
    audit_id = runner.audit.id
    sync(local=local, team_engine=team_side.jan)
    item_id = next(iter(runner.values))

    # The manager corrects the note on the team database: its version moves on.
    on_server = AuditRunner(engine=team_side.manager, audit_id=audit_id)
    on_server.set_note(item_id, "the manager's note")
    # Jan, offline, changes the same note.
    runner.set_note(item_id, "jan's note")
    mine = runner_version(local, audit_id)

    result = sync(local=local, team_engine=team_side.jan)
    (conflict,) = result.conflicts
    assert conflict.audit_id == audit_id
    assert conflict.local_version == mine
    assert result.pushed == []
    # The team database kept the manager's note; jan's is in the copy, which he can see.
    notes = server_rows(
        team_side.manager, "SELECT note FROM answer WHERE audit_id = :a", a=audit_id
    )
    assert [n.note for n in notes] == ["the manager's note"]
    with local.engine.connect() as conn:
        here = conn.execute(
            text("SELECT audit_id, note FROM answer WHERE item_id = :i ORDER BY note"),
            {"i": item_id},
        ).all()
        photos = conn.execute(
            text("SELECT count(*) FROM evidence WHERE audit_id = :c"), {"c": conflict.copy_id}
        ).scalar_one()
    assert sorted(here) == sorted(
        [(conflict.copy_id, "jan's note"), (audit_id, "the manager's note")]
    )
    assert photos == 1
    entries = {e.audit_id: e for e in outbox(local)}
    assert entries[conflict.copy_id].state == "conflict"
    assert entries[conflict.copy_id].conflict_of == audit_id
    assert audit_id not in entries  # the local audit is as the team database has it
    # The next sync has nothing to send and keeps the copy.
    again = sync(local=local, team_engine=team_side.jan)
    assert (again.pushed, again.conflicts) == ([], [])
    assert conflict.copy_id in {e.audit_id for e in outbox(local)}


def test_the_server_stopping_mid_push_leaves_nothing_and_the_next_sync_finishes(
    team_side: Team, local: AppContext
) -> None:
    shop_id = team_side.assign()
    sync(local=local, team_engine=team_side.jan)
    runner = start_and_answer(local, shop_id)
    audit_id = runner.audit.id
    before = team_side.counts()
    statements: list[str] = []

    def stop_mid_push(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)
        if "INSERT INTO evidence_blob" in statement:  # late in the push: rows sent, not bytes
            team_side.server.stop("immediate")

    event.listen(team_side.jan, "before_cursor_execute", stop_mid_push)
    try:
        with pytest.raises(SyncError) as info:
            sync(local=local, team_engine=team_side.jan)
    finally:
        event.remove(team_side.jan, "before_cursor_execute", stop_mid_push)
        team_side.server.start()
    assert "\n" not in str(info.value)
    assert "connection to the database server was lost" in str(info.value)
    assert any("INSERT INTO answer" in s for s in statements)
    assert team_side.counts() == before  # nothing of the push is there
    (waiting,) = outbox(local)
    assert waiting.audit_id == audit_id
    assert "lost" in waiting.error

    result = sync(local=local, team_engine=team_side.jan)
    assert [p.audit_id for p in result.pushed] == [audit_id]
    assert outbox(local) == []
    after = team_side.counts()
    assert after["audit"] == before["audit"] + 1
    assert after["evidence_blob"] == before["evidence_blob"] + 1
    (blob,) = server_rows(team_side.manager, "SELECT sha256 FROM evidence_blob")
    assert blob.sha256 == hashlib.sha256(png(7)).hexdigest()


def test_submit_refuses_an_audit_not_completed(team_side: Team, local: AppContext) -> None:
    shop_id = team_side.assign()
    sync(local=local, team_engine=team_side.jan)
    runner = start_and_answer(local, shop_id)
    with pytest.raises(SubmitError, match="complete it before submitting"):
        submit(local, team_side.jan, runner.audit.id)
    assert server_rows(team_side.manager, "SELECT state FROM shop")[0].state == "assigned"


def test_a_shop_started_on_two_machines_keeps_this_ones_audit_as_a_conflict_copy(
    team_side: Team, local: AppContext
) -> None:
    shop_id = team_side.assign()
    sync(local=local, team_engine=team_side.jan)
    here = start_and_answer(local, shop_id).audit.id
    there = shops.start_shop(engine=team_side.jan, shop_id=shop_id).id  # his other machine

    result = sync(local=local, team_engine=team_side.jan)
    assert [r.audit_id for r in result.refused] == [here]
    assert "another audit" in result.refused[0].why
    assert result.pulled_audits == 1
    (row,) = shops.list_shops(engine=local.engine)
    assert row.audit_id == there
    (copy,) = outbox(local)
    assert (copy.audit_id, copy.state, copy.conflict_of) == (here, "conflict", there)
    with local.engine.connect() as conn:
        notes = conn.execute(text("SELECT count(*) FROM answer WHERE audit_id = :a"), {"a": here})
        assert notes.scalar_one() == 1  # nothing of it was lost


class Killed(BaseException):
    """A sync killed at a chosen moment (as SIGKILL would, nothing after it runs here)."""


def test_two_cut_pushes_in_a_row_push_the_third_time_without_a_conflict(
    team_side: Team, local: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop_id = team_side.assign()
    sync(local=local, team_engine=team_side.jan)
    runner = start_and_answer(local, shop_id)
    audit_id = runner.audit.id
    sync(local=local, team_engine=team_side.jan)
    item_id = next(iter(runner.values))
    from shopper.services import sync as sync_module

    # Cut after the team database's commit, before this machine noted that it took it.
    runner.set_note(item_id, "second")
    real_note_many = sync_module.rows.note_many

    def killed_when_taken(conn: Any, notes: Any) -> None:
        if "pushed_version" in notes[0]:
            raise Killed
        real_note_many(conn, notes)

    monkeypatch.setattr(sync_module.rows, "note_many", killed_when_taken)
    with pytest.raises(Killed):
        sync(local=local, team_engine=team_side.jan)
    monkeypatch.undo()
    taken = server_rows(team_side.manager, "SELECT version FROM audit WHERE id = :a", a=audit_id)
    assert taken[0].version == runner_version(local, audit_id)

    # Changed again, and cut before the team database's commit.
    runner.set_note(item_id, "third")

    def killed_writing(conn: Any) -> Any:
        raise Killed

    monkeypatch.setattr(sync_module.rows, "pipelined", killed_writing)
    with pytest.raises(Killed):
        sync(local=local, team_engine=team_side.jan)
    monkeypatch.undo()

    # The team database holds the second push, which this machine knows it sent.
    result = sync(local=local, team_engine=team_side.jan)
    assert (result.conflicts, result.refused, result.failed) == ([], [], [])
    assert [p.audit_id for p in result.pushed] == [audit_id]
    notes = server_rows(
        team_side.manager, "SELECT note FROM answer WHERE audit_id = :a", a=audit_id
    )
    assert [n.note for n in notes] == ["third"]


def test_a_returned_audit_comes_back_with_its_comments_and_goes_again_with_its_history(
    team_side: Team, local: AppContext
) -> None:
    from shopper.services import review
    from shopper.services.audits import load_audit

    shop_id = team_side.assign()
    sync(local=local, team_engine=team_side.jan)
    runner = start_and_answer(local, shop_id)
    answer_required(runner)
    runner.complete()
    audit_id = runner.audit.id
    submit(local, team_side.jan, audit_id)
    item = next(iter(runner.values))

    review.return_to_shopper(
        engine=team_side.manager,
        audit_id=audit_id,
        comment="Tell us who answered",
        items={item: "Was it really polite?"},
    )
    back = sync(local=local, team_engine=team_side.jan)
    assert (back.pulled_audits, back.pulled_comments) == (1, 2)
    assert not back.conflicts and not back.pushed
    here = load_audit(engine=local.engine, audit_id=audit_id)
    assert here.audit.status == "in_progress"
    assert {c.body for c in here.comments} == {"Tell us who answered", "Was it really polite?"}
    assert shops.list_shops(engine=local.engine)[0].state == "returned"
    assert outbox(local) == []
    again = sync(local=local, team_engine=team_side.jan)
    assert (again.pulled_audits, again.pulled_comments) == (0, 0)

    runner = AuditRunner(engine=local.engine, audit_id=audit_id)
    runner.set_note(item, "A person named Ola answered")
    runner.complete()
    done = submit(local, team_side.jan, audit_id)
    assert (done.pushed, done.moved) == (True, True)
    (change,) = server_rows(
        team_side.manager,
        "SELECT who, item_id, old_note, new_note FROM answer_change WHERE audit_id = :a",
        a=audit_id,
    )
    assert (change.who, change.item_id, change.new_note) == (
        "jan",
        item,
        "A person named Ola answered",
    )
    review.accept(engine=team_side.manager, audit_id=audit_id, comment="Thanks")
    last = sync(local=local, team_engine=team_side.jan)
    assert last.pulled_comments == 1
    assert shops.list_shops(engine=local.engine)[0].state == "reviewed"
    assert [e.what for e in review.history(engine=local.engine, audit_id=audit_id)][-2:] == [
        "Accepted (reviewed)",
        "Thanks",
    ]


def test_a_follow_up_answered_here_goes_to_the_audit_awaiting_it_there(
    team_side: Team, local: AppContext, tmp_path: Path
) -> None:
    from shopper.services.audits import load_audit
    from shopper.services.templates import import_template_file
    from tests.data_helpers import FOLLOW_UP_TEMPLATE

    path = tmp_path / "follow.yaml"
    path.write_text(FOLLOW_UP_TEMPLATE, encoding="utf-8")
    template = import_template_file(engine=team_side.manager, path=path)
    shop_id = shops.create_shop(
        engine=team_side.manager,
        data=shops.ShopInput(
            company="Northwind",
            touchpoint="phone",
            template=template.id,
            shopper="jan",
            opens=date(2020, 1, 1),
            due=date(2099, 1, 31),
        ),
    ).id
    sync(local=local, team_engine=team_side.jan)
    audit = shops.start_shop(engine=local.engine, shop_id=shop_id)
    runner = AuditRunner(engine=local.engine, audit_id=audit.id)
    runner.set_answer("greeted", "yes")
    runner.set_answer("solved", "no")
    runner.complete(wait=True)
    first = sync(local=local, team_engine=team_side.jan)
    assert [p.audit_id for p in first.pushed] == [audit.id]
    day = load_audit(engine=team_side.manager, audit_id=audit.id).audit.completed_at
    assert day is not None

    runner.set_answer("follow_up", "yes")
    runner.set_note("follow_up", "They called back")
    runner.attach(data_dir=local.data_dir, data=png(3), filename="call.png", item_id="follow_up")
    waiting = sync(local=local, team_engine=team_side.jan)
    assert [p.audit_id for p in waiting.pushed] == [audit.id], waiting.to_json()
    there = load_audit(engine=team_side.manager, audit_id=audit.id)
    assert there.audit.status == "awaiting_follow_up"
    assert there.answers["follow_up"].note == "They called back"
    assert [e.filename for e in there.evidence] == ["call.png"]

    runner.set_answer("how", "A call on Tuesday")
    runner.complete()
    done = submit(local, team_side.jan, audit.id)
    assert (done.pushed, done.moved) == (True, True)
    there = load_audit(engine=team_side.manager, audit_id=audit.id)
    assert there.audit.status == "completed"
    assert there.audit.completed_at == day
    assert there.answers["how"].value == "A call on Tuesday"
    assert [e.kind for e in there.events].count("follow_up_answered") == 1
    assert there.audit.version == load_audit(engine=local.engine, audit_id=audit.id).audit.version
    assert outbox(local) == []
    assert not sync(local=local, team_engine=team_side.jan).pushed


def _allow_own_shops(team_side: Team, allowed: bool) -> None:
    from shopper.services.companies import CompanyInput, find_company, update_company

    company = find_company(engine=team_side.manager, name_or_id="Northwind")
    update_company(
        engine=team_side.manager,
        company_id=company.id,
        data=CompanyInput(name=company.name, timezone=company.timezone, allow_unassigned=allowed),
    )


def test_a_shop_of_my_own_goes_to_the_team_only_where_the_manager_allows_it(
    team_side: Team, local: AppContext
) -> None:
    from shopper.services import review
    from shopper.services.shops import ShopStateError, start_own_shop

    team_side.assign()  # the company comes with a shop
    sync(local=local, team_engine=team_side.jan)
    with pytest.raises(ShopStateError, match="lets no shopper start a shop of their own"):
        start_own_shop(engine=local.engine, company="Northwind", touchpoint="phone", shopper="jan")

    _allow_own_shops(team_side, True)
    sync(local=local, team_engine=team_side.jan)
    audit = start_own_shop(
        engine=local.engine, company="Northwind", touchpoint="phone", shopper="jan"
    )
    runner = AuditRunner(engine=local.engine, audit_id=audit.id)
    answer_required(runner)
    runner.complete()
    done = submit(local, team_side.jan, audit.id)
    assert (done.pushed, done.moved) == (True, True)
    (shop,) = server_rows(
        team_side.manager,
        "SELECT shopper, created_by, state, audit_id FROM shop WHERE audit_id = :a",
        a=audit.id,
    )
    assert (shop.shopper, shop.created_by, shop.state) == ("jan", "jan", "submitted")
    assert audit.id in {r.audit_id for r in review.review_queue(engine=team_side.manager)}
    assert len(shops.list_shops(engine=local.engine)) == 2  # the assigned one and my own
    assert not sync(local=local, team_engine=team_side.jan).pushed

    # Closed again before the next one went: refused there, kept here with the reason.
    second = start_own_shop(
        engine=local.engine, company="Northwind", touchpoint="phone", shopper="jan"
    )
    _allow_own_shops(team_side, False)
    refused = sync(local=local, team_engine=team_side.jan)
    assert [f.audit_id for f in refused.failed] == [second.id]
    assert "takes no shops" in refused.failed[0].why
    assert [e.audit_id for e in outbox(local)] == [second.id]
    assert len(shops.list_shops(engine=local.engine)) == 3
    assert not server_rows(team_side.manager, "SELECT 1 FROM audit WHERE id = :a", a=second.id)


def test_a_shop_made_by_a_schedule_syncs_as_a_shop_of_no_schedule(
    team_side: Team, local: AppContext
) -> None:
    """Jan may not read schedules, and his database has none: the shop comes unlinked."""
    from shopper.services import schedules
    from shopper.store.engine import session_scope
    from shopper.store.tables import Shop

    schedules.create_schedule(
        engine=team_side.manager,
        data=schedules.ScheduleInput(
            company="Northwind",
            touchpoint="phone",
            recurrence="every week",
            shoppers=["jan"],
            starts=date(2026, 1, 5),
            ahead_days=0,
        ),
    )
    [made] = schedules.run_schedules(engine=team_side.manager, today=date(2026, 1, 5)).made
    assert sync(local=local, team_engine=team_side.jan).pulled_shops == 1
    with session_scope(local.engine) as session:
        copy = session.get(Shop, made.shop.id)
        assert copy is not None and copy.schedule_id is None
    assert sync(local=local, team_engine=team_side.jan).pulled_shops == 1  # again: no error


def test_a_sync_the_server_does_not_answer_notes_each_waiting_audit(
    team_side: Team, local: AppContext
) -> None:
    from tests.postgres import free_port

    shop_id = team_side.assign()
    sync(local=local, team_engine=team_side.jan)
    runner = start_and_answer(local, shop_id)
    dead = team.team_engine(f"postgresql+psycopg://jan:x@127.0.0.1:{free_port()}/shopper")
    try:
        with pytest.raises(SyncError):
            sync(local=local, team_engine=dead)
    finally:
        dead.dispose()
    (waiting,) = outbox(local)
    assert (waiting.audit_id, waiting.state) == (runner.audit.id, "failed")
    assert waiting.tried_at is not None and waiting.error
    # Once the server answers it goes, and the reason is gone.
    assert [p.audit_id for p in sync(local=local, team_engine=team_side.jan).pushed] == [
        runner.audit.id
    ]
    assert outbox(local) == []


def test_audits_go_in_batches_and_a_refusal_in_one_holds_back_none_of_the_others(
    team_side: Team, local: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plain pushes share a transaction; when the team database refuses a row of a batch
    (here a shop the manager cancelled after the batch's check read it), the batch leaves
    nothing there and each of its audits goes alone: the others arrive, that one is refused."""
    from shopper.services import sync as sync_service
    from shopper.store import sync as rows

    shop_ids = [team_side.assign() for _ in range(5)]
    sync(local=local, team_engine=team_side.jan)
    audits = [start_and_answer(local, shop_id).audit.id for shop_id in shop_ids]
    shops.cancel_shop(engine=team_side.manager, shop_id=shop_ids[3], detail="store closed")
    real = rows.push_states

    def stale(conn: Any, pairs: Any) -> dict[str, rows.PushState]:
        """The check as it read before the manager cancelled: the shop still assigned."""
        found = real(conn, pairs)
        if audits[3] in found:
            found[audits[3]] = rows.PushState(
                {"id": shop_ids[3], "state": "assigned", "audit_id": None}, None
            )
        return found

    batches: list[int] = []
    real_batch = sync_service._push_batch

    def counted(*args: Any, **kwargs: Any) -> dict[str, str]:
        batches.append(len(kwargs["batch"]))
        return real_batch(*args, **kwargs)

    monkeypatch.setattr(rows, "push_states", stale)
    monkeypatch.setattr(sync_service, "_push_batch", counted)
    monkeypatch.setattr(sync_service, "PUSH_BATCH", 2)
    result = sync(local=local, team_engine=team_side.jan)

    assert batches == [2, 2, 1]
    assert sorted(p.audit_id for p in result.pushed) == sorted(audits[:3] + audits[4:])
    (refused,) = result.refused
    assert refused.audit_id == audits[3] and "cancelled" in refused.why
    there = {r.id for r in server_rows(team_side.owner, "SELECT id FROM audit")}
    assert there == set(audits) - {audits[3]}
    # The refused batch left nothing of its other audit behind twice: one row per answer.
    counts = team_side.counts()
    assert counts["audit"] == 4 and counts["answer"] == 4 and counts["evidence"] == 4
    assert counts["evidence_blob"] == 1  # the same photo bytes, once
    assert [e.audit_id for e in outbox(local)] == [audits[3]]


def test_a_batch_holds_about_push_batch_bytes_of_photos(
    team_side: Team, local: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shopper.services import sync as sync_service

    shop_ids = [team_side.assign() for _ in range(3)]
    sync(local=local, team_engine=team_side.jan)
    audits = [start_and_answer(local, shop_id).audit.id for shop_id in shop_ids]
    batches: list[int] = []
    real_batch = sync_service._push_batch

    def counted(*args: Any, **kwargs: Any) -> dict[str, str]:
        batches.append(len(kwargs["batch"]))
        return real_batch(*args, **kwargs)

    monkeypatch.setattr(sync_service, "_push_batch", counted)
    monkeypatch.setattr(sync_service, "PUSH_BATCH_BYTES", 1)  # each audit has a photo
    result = sync(local=local, team_engine=team_side.jan)
    assert batches == [1, 1, 1]
    assert sorted(p.audit_id for p in result.pushed) == sorted(audits)


def test_a_template_the_manager_edits_reaches_the_shopper_as_its_new_version(
    team_side: Team, local: AppContext
) -> None:
    from dataclasses import replace

    from shopper.domain.template_loader import template_from_data
    from shopper.services.template_edits import new_template_data, save_template
    from shopper.services.templates import get_template

    data = new_template_data(title="Northwind phone", touchpoint="phone")
    first = save_template(engine=team_side.manager, template=template_from_data(data)).template
    shop_id = shops.create_shop(
        engine=team_side.manager,
        data=shops.ShopInput(
            company="Northwind",
            touchpoint="phone",
            shopper="jan",
            due=date(2099, 1, 31),
            opens=date(2020, 1, 1),
            template=first.id,
        ),
    ).id
    assert sync(local=local, team_engine=team_side.jan).pulled_templates == 1
    section = replace(first.sections[0], title="Reaching someone")
    second = save_template(
        engine=team_side.manager, template=replace(first, sections=(section,))
    ).template
    assert second.version == 2
    assert sync(local=local, team_engine=team_side.jan).pulled_templates == 1
    assert get_template(engine=local.engine, template_id=first.id, version=2) == second
    audit = shops.start_shop(engine=local.engine, shop_id=shop_id)
    assert (audit.template_id, audit.template_version) == (first.id, 2)

    # Jan, a shopper, may not store one: told so, and the database refuses it anyway.
    with pytest.raises(TemplateError, match="only a manager stores checklists"):
        save_template(engine=team_side.jan, template=replace(second, title="Mine"))
