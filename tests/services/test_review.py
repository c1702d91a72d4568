"""Review through the services: the queue, comments, corrections, accept and return, and the
answer history, on SQLite (one person holds every role) and on a team database (a manager
reviews what a shopper submitted)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from shopper.domain.errors import AuditStateError
from shopper.domain.history import HistoryKind
from shopper.domain.shops import ShopState
from shopper.services import review, shops
from shopper.services.audits import audit_to_json, load_audit
from shopper.services.context import AppContext
from shopper.services.review import ReviewError
from shopper.services.runner import AuditRunner
from shopper.services.shops import ShopStateError
from tests.services.test_runner import answer_required
from tests.services.test_shops import NOW, World, make_world, phone


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    with make_world(request.param, request, tmp_path) as made:
        yield made


class Shopper:
    """The shopper's side: jan's own login on a team database, the same data folder on
    SQLite."""

    def __init__(self, world: World, folder: Path) -> None:
        self.ctx: AppContext | None = (
            world.as_login("jan", folder) if world.kind == "postgresql" else None
        )
        self.engine: Engine = self.ctx.engine if self.ctx is not None else world.engine

    def close(self) -> None:
        if self.ctx is not None:
            self.ctx.close()


@pytest.fixture
def jan(world: World, tmp_path: Path) -> Iterator[Shopper]:
    side = Shopper(world, tmp_path / "jan")
    try:
        yield side
    finally:
        side.close()


def first_items(runner: AuditRunner, count: int) -> list[Any]:
    return [i for i in runner.visible_items() if i.type.value in ("yes_no", "text")][:count]


def answer_for(item: Any, flip: bool = False) -> Any:
    if item.type.value == "yes_no":
        return "no" if flip else "yes"
    return "changed text" if flip else "first text"


def submitted(world: World, jan: Shopper) -> tuple[str, str, list[Any]]:
    """A shop of jan's, started, answered, completed and submitted: (shop id, audit id, the
    answered items)."""
    made = shops.create_shop(engine=world.engine, data=phone(), at=NOW, zone="UTC")
    audit = shops.start_shop(engine=jan.engine, shop_id=made.id, at=NOW, zone="UTC")
    runner = AuditRunner(engine=jan.engine, audit_id=audit.id, clock=lambda: NOW)
    items = first_items(runner, 2)
    answer_required(runner)
    for item in items:
        runner.set_answer(item.id, answer_for(item))
    runner.complete()
    shops.submit_shop(engine=jan.engine, shop_id=made.id, at=NOW + timedelta(hours=1))
    return made.id, audit.id, items


def test_the_queue_lists_submitted_shops_oldest_first(world: World, jan: Shopper) -> None:
    shop_id, audit_id, _items = submitted(world, jan)
    other = shops.create_shop(engine=world.engine, data=phone(), at=NOW, zone="UTC")
    [row] = review.review_queue(engine=world.engine)
    assert (row.shop_id, row.audit_id, row.shopper, row.company) == (
        shop_id,
        audit_id,
        "jan",
        "Northwind",
    )
    assert row.score_percent is not None
    assert row.submitted_at == NOW + timedelta(hours=1)
    assert row.to_json()["audit_id"] == audit_id
    assert other.id not in {r.shop_id for r in review.review_queue(engine=world.engine)}


def test_return_reopens_the_audit_with_comments_and_the_history_keeps_every_change(
    world: World, jan: Shopper
) -> None:
    shop_id, audit_id, items = submitted(world, jan)
    first, second = items
    review.add_comment(
        engine=world.engine,
        audit_id=audit_id,
        item_id=first.id,
        body="Which menu option?",
        at=NOW + timedelta(minutes=90),
    )
    returned = review.return_to_shopper(
        engine=world.engine,
        audit_id=audit_id,
        comment="Please say what you were told.",
        items={second.id: "This answer looks wrong"},
        at=NOW + timedelta(hours=2),
    )
    assert returned.state == ShopState.RETURNED
    detail = load_audit(engine=jan.engine, audit_id=audit_id)
    assert detail.audit.status == "in_progress"
    assert detail.audit.completed_at is None
    assert {(c.item_id, c.body) for c in detail.comments} == {
        (first.id, "Which menu option?"),
        (None, "Please say what you were told."),
        (second.id, "This answer looks wrong"),
    }
    # The shopper sees the comments in the runner and changes the answer: it is history.
    runner = AuditRunner(
        engine=jan.engine, audit_id=audit_id, clock=lambda: NOW + timedelta(hours=3)
    )
    assert {c.body for c in runner.comments} >= {"This answer looks wrong"}
    runner.set_answer(second.id, answer_for(second, flip=True))
    runner.set_note(second.id, "I asked twice")
    answer_required(runner)  # what the changed answer may have shown
    runner.complete()
    shops.start_shop(engine=jan.engine, shop_id=shop_id, at=NOW + timedelta(hours=3))
    shops.submit_shop(engine=jan.engine, shop_id=shop_id, at=NOW + timedelta(hours=4))
    accepted = review.accept(
        engine=world.engine, audit_id=audit_id, comment="Thanks", at=NOW + timedelta(hours=5)
    )
    assert accepted.state == ShopState.REVIEWED

    entries = review.history(engine=world.engine, audit_id=audit_id)
    whats = [e.what for e in entries]
    assert whats.index("Submitted for review") < whats.index("Returned to the shopper")
    assert whats.index("Returned to the shopper") < whats.index("Answer changed")
    assert whats[-2:] == ["Accepted (reviewed)", "Thanks"]
    [changed] = [
        e
        for e in entries
        if e.kind is HistoryKind.ANSWER and e.what == "Answer changed" and e.item_id == second.id
    ]
    shopper_login = "jan"
    assert changed.item_id == second.id
    assert changed.who == shopper_login
    assert changed.at == NOW + timedelta(hours=3)
    assert (changed.old, changed.new) != ("", "")
    assert changed.old != changed.new
    [noted] = [e for e in entries if e.what == "Note changed"]
    assert (noted.old, noted.new) == ("", "I asked twice")
    mine = review.history(engine=world.engine, audit_id=audit_id, item_id=second.id)
    assert {e.kind for e in mine} == {HistoryKind.ANSWER, HistoryKind.COMMENT}
    data = audit_to_json(load_audit(engine=world.engine, audit_id=audit_id))
    assert [h["what"] for h in data["history"]] == whats
    assert {c["body"] for c in data["comments"]} >= {"Thanks", "This answer looks wrong"}
    # Reviewed: locked for everyone.
    with pytest.raises(ShopStateError, match="only a submitted shop"):
        review.return_to_shopper(engine=world.engine, audit_id=audit_id, comment="again")
    with pytest.raises(ShopStateError):
        review.correct_answer(engine=world.engine, audit_id=audit_id, item_id=first.id, value=None)


def test_a_reviewer_correction_is_recorded_as_theirs(world: World, jan: Shopper) -> None:
    _shop_id, audit_id, items = submitted(world, jan)
    first = items[0]
    before = load_audit(engine=world.engine, audit_id=audit_id)
    review.correct_answer(
        engine=world.engine,
        audit_id=audit_id,
        item_id=first.id,
        value=answer_for(first, flip=True),
        note="corrected after listening to the recording",
    )
    after = load_audit(engine=world.engine, audit_id=audit_id)
    assert after.audit.status == "completed"
    assert after.answers[first.id].value == answer_for(first, flip=True)
    assert after.audit.version == before.audit.version + 1
    [change] = after.changes
    assert (change.kind, change.item_id) == ("review", first.id)
    assert json.loads(change.old_value or "null") == answer_for(first)
    assert change.new_note == "corrected after listening to the recording"
    reviewer = review.reviewer_login(engine=world.engine, audit_id=audit_id)
    assert change.who == reviewer
    [entry] = [e for e in review.history(engine=world.engine, audit_id=audit_id, item_id=first.id)]
    assert entry.kind is HistoryKind.CORRECTION
    assert "reviewer" in entry.what


def test_bad_review_input_changes_nothing(world: World, jan: Shopper) -> None:
    _shop_id, audit_id, items = submitted(world, jan)
    with pytest.raises(ReviewError, match="needs a comment"):
        review.return_to_shopper(engine=world.engine, audit_id=audit_id)
    with pytest.raises(ReviewError, match="no such item"):
        review.return_to_shopper(
            engine=world.engine, audit_id=audit_id, items={"no_such_item": "x"}
        )
    with pytest.raises(ReviewError, match="NUL"):
        review.add_comment(engine=world.engine, audit_id=audit_id, body="a\x00b")
    with pytest.raises(ReviewError, match="empty"):
        review.add_comment(engine=world.engine, audit_id=audit_id, body="   ")
    with pytest.raises(ReviewError, match="limit"):
        review.add_comment(engine=world.engine, audit_id=audit_id, body="x" * 100_001)
    hostile = "'; DROP TABLE audit; -- <b>&amp;</b> \u202e"
    review.add_comment(engine=world.engine, audit_id=audit_id, body=hostile, item_id=items[0].id)
    detail = load_audit(engine=world.engine, audit_id=audit_id)
    assert [c.body for c in detail.comments] == [hostile.strip()]
    assert detail.audit.status == "completed"
    [row] = shops.list_shops(engine=world.engine, now=NOW)
    assert row.state == ShopState.SUBMITTED


def test_only_a_shop_submitted_is_reviewed(world: World, jan: Shopper) -> None:
    made = shops.create_shop(engine=world.engine, data=phone(), at=NOW, zone="UTC")
    audit = shops.start_shop(engine=jan.engine, shop_id=made.id, at=NOW, zone="UTC")
    with pytest.raises(ShopStateError, match="in progress"):
        review.accept(engine=world.engine, audit_id=audit.id)
    runner = AuditRunner(engine=world.engine, audit_id=audit.id, review_as="someone")
    with pytest.raises(AuditStateError, match="completed"):
        runner.correct(first_items(runner, 1)[0].id, None)


@pytest.mark.postgres
def test_a_shopper_cannot_review(team_world: World, tmp_path: Path) -> None:
    jan = Shopper(team_world, tmp_path / "jan")
    try:
        _shop_id, audit_id, _items = submitted(team_world, jan)
        with pytest.raises(ReviewError, match="not a manager"):
            review.accept(engine=jan.engine, audit_id=audit_id)
        with pytest.raises(ReviewError, match="not a manager"):
            review.add_comment(engine=jan.engine, audit_id=audit_id, body="looks fine to me")
        with team_world.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM review_comment")).scalar_one() == 0
    finally:
        jan.close()


@pytest.fixture
def team_world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    with make_world("postgresql", request, tmp_path) as made:
        yield made
