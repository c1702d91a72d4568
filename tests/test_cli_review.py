"""`shopper review` and `shopper audits history`, on SQLite (its one user reviews)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from shopper.services import shops
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from tests.services.test_runner import answer_required
from tests.test_cli import ok, user_error

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def submitted(data_dir: Path) -> tuple[str, str]:
    """A shop's audit submitted for review: (audit id, a yes/no item of it)."""
    ctx = AppContext.open(data_dir)
    try:
        create_company(engine=ctx.engine, data=CompanyInput(name="Northwind"))
        made = shops.create_shop(
            engine=ctx.engine,
            data=shops.ShopInput(
                company="Northwind",
                touchpoint="phone",
                shopper="jan",
                opens=date(2026, 11, 1),
                due=date(2026, 11, 30),
            ),
            at=NOW,
        )
        audit = shops.start_shop(engine=ctx.engine, shop_id=made.id, at=NOW)
        runner = AuditRunner(engine=ctx.engine, audit_id=audit.id)
        answer_required(runner)
        item = next(i.id for i in runner.visible_items() if i.type.value == "yes_no")
        runner.complete()
        shops.submit_shop(engine=ctx.engine, shop_id=made.id)
        return audit.id, item
    finally:
        ctx.close()


def test_list_return_correct_accept_and_history(
    capsys: pytest.CaptureFixture[str], submitted: tuple[str, str], data_dir: Path
) -> None:
    audit_id, item = submitted
    [row] = json.loads(ok(capsys, "review", "list", "--json"))
    assert (row["audit_id"], row["shopper"], row["company"]) == (audit_id, "jan", "Northwind")
    assert audit_id[:8] in ok(capsys, "review", "list")

    out = ok(
        capsys,
        "review",
        "return",
        audit_id[:8],
        "--comment",
        "Say who answered",
        "--item",
        f"{item}=Really?",
    )
    assert "with 2 comment(s)" in out
    assert ok(capsys, "review", "list") == "Nothing waits for review.\n"
    shown = json.loads(ok(capsys, "audits", "show", audit_id[:8], "--json"))
    assert shown["status"] == "in_progress"
    assert shown["shop_state"] == "returned"
    assert {(c["item_id"], c["body"]) for c in shown["comments"]} == {
        (None, "Say who answered"),
        (item, "Really?"),
    }
    ok(capsys, "audits", "answer", audit_id[:8], f"{item}=no")
    # Done again and submitted, then corrected by the reviewer and accepted.
    ok(capsys, "audits", "answer", audit_id[:8], f"{item}=yes")
    ok(capsys, "audits", "complete", audit_id[:8])
    ctx = AppContext.open(data_dir)
    try:
        [shop] = shops.list_shops(engine=ctx.engine)
        shops.start_shop(engine=ctx.engine, shop_id=shop.id)
        shops.submit_shop(engine=ctx.engine, shop_id=shop.id)
    finally:
        ctx.close()
    assert "corrected by" in ok(capsys, "review", "correct", audit_id[:8], f"{item}=no")
    assert "is reviewed" in ok(capsys, "review", "accept", audit_id[:8], "--comment", "Thanks")

    entries = json.loads(ok(capsys, "audits", "history", audit_id[:8], "--json", "--item", item))
    assert [(e["kind"], e["old"], e["new"]) for e in entries if e["kind"] != "comment"] == [
        ("answer", "Yes", "No"),
        ("answer", "No", "Yes"),
        ("correction", "Yes", "No"),
    ]
    text = ok(capsys, "audits", "history", audit_id[:8])
    assert "Returned to the shopper" in text
    assert "Accepted (reviewed)" in text
    assert "Yes → No" in text


def test_review_mistakes_are_one_line_and_change_nothing(
    capsys: pytest.CaptureFixture[str], submitted: tuple[str, str]
) -> None:
    audit_id, item = submitted
    assert "needs a comment" in user_error(capsys, "review", "return", audit_id[:8])
    assert "ITEM=TEXT" in user_error(
        capsys, "review", "return", audit_id[:8], "--item", "no-equals-sign"
    )
    assert "no such item" in user_error(
        capsys, "review", "return", audit_id[:8], "--item", "nope=text"
    )
    assert "no such item" in user_error(capsys, "review", "correct", audit_id[:8], "nope=1")
    assert user_error(capsys, "review", "accept", "ffffffff")
    [row] = json.loads(ok(capsys, "review", "list", "--json"))
    assert row["audit_id"] == audit_id
    assert json.loads(ok(capsys, "audits", "history", audit_id[:8], "--json", "--item", item)) == []
