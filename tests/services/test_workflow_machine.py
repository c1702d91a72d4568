"""The team's workflow at random, on the real server: a manager assigns, returns, accepts,
cancels and corrects; two shoppers, each on their own SQLite, start, answer, complete, submit
and sync — sometimes changing an audit the team database no longer takes from them.

After every step, on both sides: every shop's history is a chain of moves the rules
(`shopper.domain.shops.MOVES`) allow, made by whom they allow; each local database holds only
its shopper's shops, audits and comments; an audit submitted or reviewed is not changed on the
team database by its shopper; no shop is done in two audits there; and a push the team
database refused waits in the outbox.
"""

from __future__ import annotations

import itertools
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import (
    Bundle,
    MultipleResults,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, text

from shopper.domain.errors import AuditStateError
from shopper.domain.shops import MOVES, ShopRole, ShopState
from shopper.domain.template import ItemType
from shopper.services import review, shops, team
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.services.shops import ShopStateError
from shopper.services.sync import SubmitError, SyncResult, outbox, submit, sync
from tests.postgres import (
    MANAGER,
    MANAGER_PASSWORD,
    OWNER,
    OWNER_PASSWORD,
    PostgresServer,
    team_copy,
)
from tests.services.test_runner import answer_required

pytestmark = pytest.mark.postgres

SHOPPERS = ("jan", "ewa")
PASSWORD = "machine-password-1"
OPEN = {ShopState.ASSIGNED.value, ShopState.IN_PROGRESS.value, ShopState.RETURNED.value}
LOCKED = {ShopState.SUBMITTED.value, ShopState.REVIEWED.value}
MOVE_ROLE = {(m.source.value, m.target.value): m.role for m in MOVES}
SEEN: Counter[str] = Counter()
"""What the steps did (printed after the run, to see that the rules reach every state)."""
SERVER: dict[str, PostgresServer] = {}
"""The test's server, for the machine (hypothesis makes it, not pytest)."""


def rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params))


class Shopper:
    """One shopper's laptop (SQLite in its own folder) and their login on the team database."""

    def __init__(self, login: str, server: PostgresServer, dbname: str) -> None:
        self.login = login
        self.folder = tempfile.TemporaryDirectory()
        self.local = AppContext.open(Path(self.folder.name))
        self.team = team.team_engine(server.url(dbname, login, PASSWORD))

    def close(self) -> None:
        self.local.close()
        self.team.dispose()
        self.folder.cleanup()


class TeamWorkflow(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.server = SERVER["server"]
        self.dbname = team_copy(self.server)
        self.owner = team.team_engine(self.server.url(self.dbname, OWNER, OWNER_PASSWORD))
        for login in SHOPPERS:
            team.add_user(engine=self.owner, login=login, role="shopper", password=PASSWORD)
        create_company(engine=self.owner, data=CompanyInput(name="Northwind"))
        self.manager = team.team_engine(self.server.url(self.dbname, MANAGER, MANAGER_PASSWORD))
        self.people = {login: Shopper(login, self.server, self.dbname) for login in SHOPPERS}
        self.model: dict[str, str] = {}
        """Each shop's state on the team database, as the steps so far made it."""
        self.shopper_of: dict[str, str] = {}
        self.locked: dict[str, tuple[Any, ...]] = {}
        """A submitted or reviewed shop's audit on the team database, as it was handed in (or
        as the manager last corrected it): its shopper may not change it."""
        self.notes = 0

    shops_made = Bundle("shops")

    # -- the manager ------------------------------------------------------------------

    @initialize(target=shops_made)
    def first_shops(self) -> MultipleResults[str]:
        """A shop each, on each laptop: the steps start from there."""
        made = [self.assign(login) for login in SHOPPERS]
        for login in SHOPPERS:
            self.sync(login)
        return multiple(*(str(m) for m in made))

    @rule(target=shops_made, login=st.sampled_from(SHOPPERS))
    def assign(self, login: str) -> str:
        made = shops.create_shop(
            engine=self.manager,
            data=shops.ShopInput(
                company="Northwind",
                touchpoint="phone",
                shopper=login,
                opens=date(2020, 1, 1),
                due=date(2099, 1, 31),
            ),
        )
        self.model[made.id] = ShopState.ASSIGNED.value
        self.shopper_of[made.id] = login
        return made.id

    @rule(
        shop_id=shops_made,
        # Cancelling ends a shop: drawn less often, so that the others have time to happen.
        action=st.sampled_from(
            ["return", "change", "accept", "return", "change", "accept", "cancel"]
        ),
    )
    def manager_acts(self, shop_id: str, action: str) -> None:
        if action == "cancel":
            self.cancel(shop_id)
        elif action == "change":
            self.manager_changes(shop_id)
        else:
            self.review(shop_id, action)

    @precondition(lambda self: ShopState.SUBMITTED.value in self.model.values())
    @rule(verdict=st.sampled_from(["return", "accept"]), pick=st.integers(0, 3))
    def review_a_submitted_shop(self, verdict: str, pick: int) -> None:
        waiting = sorted(s for s, m in self.model.items() if m == ShopState.SUBMITTED.value)
        self.review(waiting[pick % len(waiting)], verdict)

    def review(self, shop_id: str, verdict: str) -> None:
        audit_id = self.server_audit_of(shop_id)
        allowed = self.model[shop_id] == ShopState.SUBMITTED.value
        if audit_id is None:
            assert not allowed
            return
        try:
            if verdict == "return":
                item = self.first_item(self.manager, audit_id)
                review.return_to_shopper(
                    engine=self.manager, audit_id=audit_id, items={item: "Check this one"}
                )
            else:
                review.accept(engine=self.manager, audit_id=audit_id, comment="Thanks")
        except ShopStateError:
            assert not allowed
            return
        assert allowed
        event(verdict)
        if verdict == "return":
            self.model[shop_id] = ShopState.RETURNED.value
            self.locked.pop(shop_id, None)
        else:
            self.model[shop_id] = ShopState.REVIEWED.value

    def cancel(self, shop_id: str) -> None:
        allowed = self.model[shop_id] not in (ShopState.REVIEWED, ShopState.CANCELLED)
        try:
            shops.cancel_shop(engine=self.manager, shop_id=shop_id)
        except ShopStateError:
            assert not allowed
            return
        assert allowed
        event("cancel")
        self.model[shop_id] = ShopState.CANCELLED.value
        self.locked.pop(shop_id, None)

    def manager_changes(self, shop_id: str) -> None:
        """A change on the team database that a shopper's laptop does not have: a reviewer's
        correction of a submitted audit, or a manager's note on one in progress."""
        audit_id = self.server_audit_of(shop_id)
        if audit_id is None:
            return
        self.notes += 1
        item = self.first_item(self.manager, audit_id)
        if self.model[shop_id] == ShopState.SUBMITTED.value:
            value = AuditRunner(engine=self.manager, audit_id=audit_id).value(item)
            review.correct_answer(
                engine=self.manager,
                audit_id=audit_id,
                item_id=item,
                value=value,
                note=f"corrected {self.notes}",
            )
            self.locked[shop_id] = self.server_stamp(audit_id)
            event("correction")
        elif self.server_status(audit_id) == "in_progress":
            AuditRunner(engine=self.manager, audit_id=audit_id).set_note(
                item, f"manager {self.notes}"
            )
            event("manager's note")

    # -- the shoppers -----------------------------------------------------------------

    @rule(shop_id=shops_made)
    def work(self, shop_id: str) -> None:
        self.change_here(shop_id)

    def change_here(self, shop_id: str) -> bool:
        """Whether the shopper changed the shop's audit on their laptop: starting the shop if
        need be, reopening it if it was completed (then the team database may refuse it); not
        when this laptop knows it handed in."""
        person = self.people[self.shopper_of[shop_id]]
        local = person.local.engine
        found = rows(local, "SELECT state, audit_id FROM shop WHERE id = :s", s=shop_id)
        if not found:
            return False  # not synced to this laptop yet
        state, audit_id = found[0]
        if audit_id is None:
            if state != ShopState.ASSIGNED.value:
                return False
            audit_id = shops.start_shop(engine=local, shop_id=shop_id).id
        runner = AuditRunner(engine=local, audit_id=audit_id)
        if runner.read_only and runner.handed_in is not None:
            # Handed in as this laptop knows it: only its reviewer's return reopens it.
            with pytest.raises(AuditStateError, match="handed in"):
                runner.reopen("one more thing")
            event(f"work on {state}: refused here")
            return False
        if runner.read_only:
            runner.reopen("one more thing")
        self.notes += 1
        runner.set_note(self.first_item(local, audit_id), f"{person.login} {self.notes}")
        event(f"work on {state}")
        return True

    @rule(shop_id=shops_made)
    def complete_and_submit(self, shop_id: str) -> None:
        person = self.people[self.shopper_of[shop_id]]
        local = person.local.engine
        found = rows(local, "SELECT state, audit_id FROM shop WHERE id = :s", s=shop_id)
        if not found or (found[0][1] is None and found[0][0] != ShopState.ASSIGNED.value):
            return
        audit_id = found[0][1] or shops.start_shop(engine=local, shop_id=shop_id).id
        runner = AuditRunner(engine=local, audit_id=audit_id)
        if not runner.read_only:
            answer_required(runner)
            runner.complete()
        before = self.model[shop_id]
        try:
            submit(person.local, person.team, audit_id)
        except SubmitError:
            event("submit refused")
            self.model[shop_id] = self.server_state(shop_id)
            assert self.model[shop_id] in {before, ShopState.IN_PROGRESS.value}
            return
        assert before in OPEN or before == ShopState.SUBMITTED.value
        event("submitted")
        self.model[shop_id] = ShopState.SUBMITTED.value
        if before != ShopState.SUBMITTED.value:
            self.locked[shop_id] = self.server_stamp(audit_id)

    @rule(shop_id=shops_made)
    def change_on_both_sides(self, shop_id: str) -> None:
        """The conflicting change: the shopper changes the audit on the laptop while the team
        database no longer takes it (the shop is handed in, reviewed or cancelled there) or
        has it changed by the manager (a note, a reviewer's correction); then syncs. The push
        is refused or makes a conflict copy; either way this machine keeps its work."""
        person = self.people[self.shopper_of[shop_id]]
        found = rows(person.local.engine, "SELECT audit_id FROM shop WHERE id = :s", s=shop_id)
        if not found or found[0][0] is None:
            return
        audit_id = str(found[0][0])
        self.manager_changes(shop_id)
        if not self.change_here(shop_id):
            self.sync_and_check(person.login)
            return
        ((mine,),) = rows(
            person.local.engine, "SELECT version FROM audit WHERE id = :a", a=audit_id
        )
        result = self.sync_and_check(person.login)
        if self.model[shop_id] in OPEN and not result.conflicts:
            # Taken: nothing had changed there (the manager's change needs the audit there).
            assert audit_id in [p.audit_id for p in result.pushed]
            event("both sides: pushed")
            return
        assert audit_id not in [p.audit_id for p in result.pushed]
        copies = [c.copy_id for c in result.conflicts if c.audit_id == audit_id]
        if copies:
            event("both sides: conflict copy")
            (copy,) = copies
            kept = rows(person.local.engine, "SELECT version FROM audit WHERE id = :a", a=copy)
            assert kept and copy in {e.audit_id for e in outbox(person.local)}
        else:
            event("both sides: refused")
            (waiting,) = [e for e in outbox(person.local) if e.audit_id == audit_id]
            assert waiting.version == mine and waiting.error

    @rule(login=st.sampled_from(SHOPPERS))
    def sync(self, login: str) -> None:
        self.sync_and_check(login)

    def sync_and_check(self, login: str) -> SyncResult:
        person = self.people[login]
        waiting = {e.audit_id for e in outbox(person.local) if e.conflict_of is None}
        result = sync(local=person.local, team_engine=person.team)
        if result.pushed:
            event("sync: pushed")
        for shop_id, state in self.model.items():
            if self.shopper_of[shop_id] != login:
                continue
            now = self.server_state(shop_id)
            # A push starts an assigned shop and goes on with a returned one; nothing else
            # moves a shop when its shopper syncs.
            assert now == state or (state in OPEN and now == ShopState.IN_PROGRESS.value)
            self.model[shop_id] = now
        # What the team database refused (a shop no longer open to its shopper) waits here.
        box = {e.audit_id: e for e in outbox(person.local)}
        for refused in [*result.refused, *result.failed]:
            assert refused.audit_id in waiting
            assert box[refused.audit_id].error, box[refused.audit_id]
        for name, found in (("refused", result.refused), ("conflict", result.conflicts)):
            if found:
                event(f"sync: {name}")
        for conflict in result.conflicts:
            assert box[conflict.copy_id].conflict_of == conflict.audit_id
        # And so does every audit here that the team database has otherwise, its shop there
        # no longer open to it: it was refused, with the reason.
        for shop_id, audit_id, version in rows(
            person.local.engine,
            "SELECT s.id, a.id, a.version FROM shop s JOIN audit a ON a.id = s.audit_id",
        ):
            there = rows(self.owner, "SELECT version FROM audit WHERE id = :a", a=audit_id)
            if self.model[shop_id] not in OPEN and there != [(version,)]:
                assert box[audit_id].error, (shop_id, box[audit_id])
        # The laptop has its shopper's shops as the team database has them.
        here = {r.id: r.state for r in shops.list_shops(engine=person.local.engine)}
        assert here == {s: m for s, m in self.model.items() if self.shopper_of[s] == login}
        return result

    # -- the invariants ---------------------------------------------------------------

    @invariant()
    def every_move_is_one_the_rules_allow(self) -> None:
        states = dict(rows(self.owner, "SELECT id, state FROM shop"))
        assert states == self.model
        events: dict[str, list[Any]] = {}
        for row in rows(
            self.owner,
            "SELECT shop_id, who, from_state, to_state FROM shop_event ORDER BY at, id",
        ):
            events.setdefault(row.shop_id, []).append(row)
        for shop_id, chain in events.items():
            assert chain[0].from_state is None and chain[0].who == MANAGER
            for before, after in itertools.pairwise(chain):
                assert after.from_state == before.to_state, chain
                role = MOVE_ROLE.get((after.from_state, after.to_state))
                assert role is not None, f"a move the rules forbid: {after}"
                expected = MANAGER if role is ShopRole.MANAGER else self.shopper_of[shop_id]
                assert after.who == expected, after
            assert chain[-1].to_state == states[shop_id]

    @invariant()
    def each_laptop_holds_only_its_shoppers_rows(self) -> None:
        for login, person in self.people.items():
            local = person.local.engine
            assert {r[0] for r in rows(local, "SELECT DISTINCT shopper FROM shop")} <= {login}
            assert {r[0] for r in rows(local, "SELECT DISTINCT shopper FROM audit")} <= {login}
            mine = {s for s, who in self.shopper_of.items() if who == login}
            assert {r[0] for r in rows(local, "SELECT shop_id FROM shop_event")} <= mine
            commented = rows(
                local,
                "SELECT count(*) FROM review_comment c JOIN audit a ON a.id = c.audit_id"
                " WHERE a.shopper <> :me",
                me=login,
            )
            assert commented == [(0,)]

    @invariant()
    def a_handed_in_audit_is_not_changed_by_its_shopper(self) -> None:
        for shop_id, stamp in self.locked.items():
            assert self.model[shop_id] in LOCKED
            audit_id = self.server_audit_of(shop_id)
            assert audit_id is not None
            assert self.server_stamp(audit_id) == stamp, shop_id

    @invariant()
    def no_audit_twice_on_the_team_database(self) -> None:
        linked = rows(self.owner, "SELECT audit_id FROM shop WHERE audit_id IS NOT NULL")
        audits = rows(self.owner, "SELECT id, shopper FROM audit")
        assert sorted(r[0] for r in linked) == sorted(a.id for a in audits)
        owners = dict(rows(self.owner, "SELECT audit_id, shopper FROM shop"))
        assert all(owners[a.id] == a.shopper for a in audits)

    # -- helpers ------------------------------------------------------------------------

    def server_state(self, shop_id: str) -> str:
        return str(rows(self.owner, "SELECT state FROM shop WHERE id = :s", s=shop_id)[0][0])

    def server_audit_of(self, shop_id: str) -> str | None:
        found = rows(self.owner, "SELECT audit_id FROM shop WHERE id = :s", s=shop_id)
        return None if found[0][0] is None else str(found[0][0])

    def server_status(self, audit_id: str) -> str:
        return str(rows(self.owner, "SELECT status FROM audit WHERE id = :a", a=audit_id)[0][0])

    def server_stamp(self, audit_id: str) -> tuple[Any, ...]:
        """The audit as the team database has it: its version, status and every answer."""
        (audit,) = rows(
            self.owner, "SELECT version, status, updated_at FROM audit WHERE id = :a", a=audit_id
        )
        answers = rows(
            self.owner,
            "SELECT item_id, value, note FROM answer WHERE audit_id = :a ORDER BY item_id",
            a=audit_id,
        )
        changes = rows(
            self.owner,
            "SELECT count(*) FROM answer_change WHERE audit_id = :a AND kind = 'shopper'",
            a=audit_id,
        )
        return (*audit, tuple(map(tuple, answers)), changes[0][0])

    def first_item(self, engine: Engine, audit_id: str) -> str:
        template = AuditRunner(engine=engine, audit_id=audit_id).template
        return next(i.id for i in template.items() if i.type is ItemType.YES_NO)

    def teardown(self) -> None:
        for person in self.people.values():
            person.close()
        self.manager.dispose()
        self.owner.dispose()
        self.server.drop_database(self.dbname)
        self.server.drop_roles()


def event(what: str) -> None:
    SEEN[what] += 1


def test_the_team_workflow_at_random(postgres_server: PostgresServer) -> None:
    SERVER["server"] = postgres_server
    SEEN.clear()
    run_state_machine_as_test(
        TeamWorkflow,
        settings=settings(
            max_examples=20,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    print(dict(SEEN))
