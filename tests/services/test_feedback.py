"""Feedback: import with themes from the rules, re-applied when they change, tagged by hand,
per theme per month, and the figures the chime view reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session

from shopper.domain.theme_rules import RulesError
from shopper.services import feedback, tabular
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext

SURVEY = (
    "Date,Comment,Rating,Channel\n"
    "2026-01-10,Waited an hour on hold,2,Phone\n"
    "2026-02-03,Kept on hold and nobody called back,1,phone\n"
    "2026-02-04,Friendly and quick,5,chat\n"
    "2026-02-05,Nice shop,4,\n"
)


@pytest.fixture
def company(ctx: AppContext) -> str:
    return create_company(engine=ctx.engine, data=CompanyInput(name="Northwind")).id


def survey(tmp_path: Path, text: str = SURVEY) -> Path:
    path = tmp_path / "survey.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_tags_and_counts_per_theme(ctx: AppContext, company: str, tmp_path: Path) -> None:
    result = feedback.import_feedback(
        engine=ctx.engine, path=survey(tmp_path), company="Northwind", kind="feedback"
    )
    assert (result.imported, result.rejected) == (4, 0)
    items = feedback.list_items(engine=ctx.engine, company="Northwind")
    assert [i.themes for i in items] == [
        ("speed",),
        ("speed", "follow-up"),
        ("speed", "empathy"),
        (),
    ]
    assert {i.score_scale for i in items} == {5.0}
    with Session(ctx.engine) as session:
        figures = feedback.feedback_by_theme(session, company)
    assert figures["speed"] == feedback.FeedbackThemeFigures(0, 3, 0, 2.67, 5.0)
    assert figures[""].feedback == 1
    months = {f.theme: f for f in feedback.theme_months(engine=ctx.engine, company="Northwind")}
    speed = months["speed"]
    assert [(m.month.month, m.feedback) for m in speed.months] == [(1, 1), (2, 2)]
    assert speed.trend == "rising"
    assert ("on hold", 2) in speed.phrases
    assert speed.examples[0].text == "Friendly and quick"


def test_new_rules_are_reapplied_but_not_to_entries_tagged_by_hand(
    ctx: AppContext, company: str, tmp_path: Path
) -> None:
    feedback.import_feedback(
        engine=ctx.engine, path=survey(tmp_path), company="Northwind", kind="complaint"
    )
    first, *_ = feedback.list_items(engine=ctx.engine, company="Northwind")
    assert feedback.retag(engine=ctx.engine, entry=first.id, themes=["Clarity"]).themes == (
        "clarity",
    )
    assert feedback.save_rules(engine=ctx.engine, text="product: shop\n") == 3
    themes = [i.themes for i in feedback.list_items(engine=ctx.engine, company="Northwind")]
    assert themes == [("clarity",), (), (), ("product",)]
    back = feedback.retag(engine=ctx.engine, entry=first.id[:8], themes=[])
    assert (back.themes, back.tagged_by_hand) == ((), False)
    with pytest.raises(RulesError, match="rules line 1"):
        feedback.save_rules(engine=ctx.engine, text="nonsense\n")
    assert feedback.rules_text(engine=ctx.engine) == "product: shop\n"


def test_bad_rows_are_named_and_nothing_is_imported(
    ctx: AppContext, company: str, tmp_path: Path
) -> None:
    path = survey(tmp_path, "when,text,score\n2026-13-01,x,1\n2026-01-02,,2\n2026-01-03,y,lots\n")
    with pytest.raises(tabular.RowsError) as info:
        feedback.import_feedback(engine=ctx.engine, path=path, company="Northwind", kind="leaving")
    assert [(p.line, p.column) for p in info.value.problems] == [
        (2, "when"),
        (3, "text"),
        (4, "score"),
    ]
    assert feedback.list_items(engine=ctx.engine, company="Northwind") == []


def test_a_month_reads_in_words() -> None:
    from datetime import date

    from shopper.services.feedback import ThemeMonth

    assert ThemeMonth(date(2026, 11, 1), 1, 2, 0, 3.5).line() == (
        "2026-11: 1 complaint, 2 feedback, 0 leaving, mean score 3.5"
    )
    assert ThemeMonth(date(2026, 6, 1), 3, 0, 1, None).line() == (
        "2026-06: 3 complaints, 0 feedback, 1 leaving"
    )
