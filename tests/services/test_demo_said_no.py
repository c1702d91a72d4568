"""The demo's said-no log and feedback: a log under way with empty days, a few hundred
feedback entries tagged by the starter rules, the same for the same seed."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from shopper.services import feedback, said_no
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.demo_said_no import add_said_no_demo

ANCHOR = datetime(2026, 11, 30, tzinfo=UTC)


def companies(ctx: AppContext) -> list[dict[str, str]]:
    rows = []
    for name, zone in (("Alpha", "Europe/London"), ("Beta", "America/New_York"), ("Gamma", "UTC")):
        row = create_company(engine=ctx.engine, data=CompanyInput(name=name, timezone=zone))
        rows.append({"id": row.id, "timezone": zone})
    return rows


def test_the_demo_fills_every_said_no_and_feedback_view(ctx: AppContext) -> None:
    rows = companies(ctx)
    noes, items = add_said_no_demo(engine=ctx.engine, companies=rows, anchor=ANCHOR, seed=1)
    assert noes > 40 and items == 360
    summary = said_no.summary(engine=ctx.engine, company="Alpha", today=ANCHOR.date())
    assert summary.day_number == 25
    assert summary.empty_days  # the reminder has something to say
    assert all(summary.lists.values())
    figures = feedback.theme_months(engine=ctx.engine, company="Alpha")
    assert {f.theme for f in figures} >= {"speed", "contactability", "price"}
    assert len(figures[0].months) >= 5
    with Session(ctx.engine) as session:
        by_theme = feedback.feedback_by_theme(session, rows[0]["id"])
        assert by_theme["speed"].complaints > 0
        assert by_theme["speed"].mean_score is not None
        assert said_no.said_no_by_theme(session, rows[2]["id"]) == {}
    # The rules the entries were tagged by are the starter set: saving it changes nothing.
    assert feedback.save_rules(engine=ctx.engine, text=feedback.starter_rules()) == 0
