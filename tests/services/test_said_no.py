"""The said-no service: a log per company, entries checked, moved, counted per theme."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import Session

from shopper.domain.said_no import ActionList
from shopper.services import said_no
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext


@pytest.fixture
def company(ctx: AppContext) -> str:
    return create_company(engine=ctx.engine, data=CompanyInput(name="Northwind")).id


def test_entries_need_a_log(ctx: AppContext, company: str) -> None:
    with pytest.raises(said_no.NoCampaignError, match="no said-no log"):
        said_no.add_entry(
            engine=ctx.engine, company="Northwind", data=said_no.SaidNoInput("x", "policy")
        )


def test_add_move_summary_and_by_theme(ctx: AppContext, company: str) -> None:
    said_no.start_campaign(engine=ctx.engine, company="northwind", starts=date(2026, 3, 1))
    at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    first = said_no.add_entry(
        engine=ctx.engine,
        company="Northwind",
        data=said_no.SaidNoInput("Refund in cash", "Policy", channel="Phone", at=at, theme="Speed"),
    )
    said_no.add_entry(
        engine=ctx.engine,
        company="Northwind",
        data=said_no.SaidNoInput("A \u202eweird\u202c request", "other", at=at),
    )
    assert (first.reason, first.channel, first.theme) == ("policy", "phone", "speed")
    moved = said_no.move_entry(engine=ctx.engine, entry=first.id[:8], to="training")
    assert moved.on_list is ActionList.TRAINING
    summary = said_no.summary(engine=ctx.engine, company="Northwind", today=date(2026, 3, 3))
    assert [e.asked for e in summary.lists[ActionList.TRAINING]] == ["Refund in cash"]
    assert "A \u202eweird\u202c request" in {e.asked for e in summary.entries}  # as typed
    back = said_no.move_entry(engine=ctx.engine, entry=first.id, to="reason")
    assert back.on_list is ActionList.POLICIES
    with Session(ctx.engine) as session:
        assert said_no.said_no_by_theme(session, company) == {"speed": 1, "": 1}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (said_no.SaidNoInput("  ", "policy"), "asked"),
        (said_no.SaidNoInput("x", "because"), "reason"),
        (said_no.SaidNoInput("x", "policy", theme="t" * 80), "theme"),
        (said_no.SaidNoInput("x" * 5000, "policy"), "asked"),
    ],
)
def test_a_bad_entry_names_its_field_and_stores_nothing(
    ctx: AppContext, company: str, data: said_no.SaidNoInput, field: str
) -> None:
    said_no.start_campaign(engine=ctx.engine, company="Northwind")
    with pytest.raises(said_no.SaidNoInputError) as info:
        said_no.add_entries(
            engine=ctx.engine,
            company="Northwind",
            entries=[said_no.SaidNoInput("fine", "policy"), data],
        )
    assert info.value.field == field
    assert said_no.summary(engine=ctx.engine, company="Northwind").entries == ()


def test_a_backup_keeps_the_log_and_the_feedback(
    ctx: AppContext, company: str, tmp_path: Path
) -> None:
    from shopper.services import feedback
    from shopper.services.backups import backup_to_file
    from shopper.store.engine import open_database, sqlite_url

    said_no.start_campaign(engine=ctx.engine, company="Northwind")
    said_no.add_entry(
        engine=ctx.engine, company="Northwind", data=said_no.SaidNoInput("Soup", "other")
    )
    sheet = tmp_path / "desk.csv"
    sheet.write_text("text\nSlow reply\n", encoding="utf-8")
    feedback.import_feedback(engine=ctx.engine, path=sheet, company="Northwind", kind="complaint")
    feedback.save_rules(engine=ctx.engine, text="speed: slow\n")
    target = tmp_path / "copy.db"
    backup_to_file(engine=ctx.engine, target=target)
    copy = open_database(sqlite_url(target))
    try:
        assert [e.asked for e in said_no.summary(engine=copy, company="Northwind").entries] == [
            "Soup"
        ]
        assert [i.themes for i in feedback.list_items(engine=copy, company="Northwind")] == [
            ("speed",)
        ]
        assert feedback.rules_text(engine=copy) == "speed: slow\n"
    finally:
        copy.dispose()
