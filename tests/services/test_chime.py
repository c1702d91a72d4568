"""The themes view of a company: the audits' side from the history, the others from providers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from shopper.domain.chime import Agreement, OtherFigures, Say, Source
from shopper.services import chime as service
from shopper.services.context import AppContext
from tests.services.analysis_data import T0, History, build_history

Figures = Mapping[str, OtherFigures]


@pytest.fixture
def history(ctx: AppContext, tmp_path: Path) -> History:
    return build_history(ctx, tmp_path)


def test_the_audits_side(ctx: AppContext, history: History) -> None:
    count, figures = service.audit_figures(engine=ctx.engine, company_id=history.company_id)
    assert count == 3  # A4 is in progress; "other" is another company's
    # brand: clean failed in A2 of 3; empathy: greet failed in A3, smile passed, a bad moment
    assert (figures["brand"].failed, figures["brand"].scored) == (1, 3)
    assert (figures["empathy"].failed, figures["empathy"].scored) == (1, 4)
    assert figures["empathy"].moments == 1
    assert figures[""].moments == 1  # the friction point linked to no item
    assert (figures["speed"].scored, figures["speed"].audits) == (2, 2)


def test_the_other_sources_come_from_the_providers(ctx: AppContext, history: History) -> None:
    seen: list[tuple[str, datetime | None]] = []

    def complaints(
        session: Session, company_id: str, since: datetime | None
    ) -> Mapping[str, OtherFigures]:
        assert isinstance(session, Session)
        seen.append((company_id, since))
        return {"brand": OtherFigures(complaints=1), "speed": OtherFigures(complaints=24)}

    def said_no(
        session: Session, company_id: str, since: datetime | None
    ) -> Mapping[str, OtherFigures]:
        return {"speed": OtherFigures(said_no=2), "": OtherFigures(said_no=1)}

    view = service.company_chime(
        engine=ctx.engine, company_id=history.company_id, providers=(complaints, said_no)
    )
    assert seen == [(history.company_id, None)]
    assert view.sources == ("complaints", "said_no")
    by_theme = {row.theme: row for row in view.rows}
    speed = by_theme["speed"]
    assert (speed.other.complaints, speed.other.said_no) == (24, 2)
    # A2's wait of 3:00 failed: one of two; the three sources agree.
    assert speed.reading(Source.AUDITS).say is Say.PROBLEM
    assert speed.summary == "audits find failures, customers complain, staff often say no"
    assert speed.agreement is Agreement.CLEAR
    assert view.rows[0].theme == "speed"
    assert by_theme["brand"].reading(Source.COMPLAINTS).say is Say.FINE
    data = view.to_json()
    assert data["themes"][0]["sources"]["complaints"]["say"] == "problem"


def test_the_said_no_log_and_imported_feedback_are_the_other_sources(
    ctx: AppContext, history: History, tmp_path: Path
) -> None:
    """The providers wired in by default read the said-no log and the imported complaints;
    a theme since a moment counts only what came after it."""
    from shopper.services import feedback, said_no

    assert service.company_chime(engine=ctx.engine, company_id=history.company_id).sources == (
        "said_no",
        "feedback",
    )
    said_no.start_campaign(engine=ctx.engine, company="Acme Stores", starts=T0.date())
    for days, theme in ((1, "speed"), (60, "speed"), (61, "brand")):
        said_no.add_entry(
            engine=ctx.engine,
            company="Acme Stores",
            data=said_no.SaidNoInput(
                asked="a refund after 30 days",
                reason="policy",
                theme=theme,
                at=T0 + timedelta(days=days),
            ),
        )
    sheet = tmp_path / "complaints.csv"
    sheet.write_text(
        "date,text\n"
        f"{(T0 + timedelta(days=2)).date()},Slow queue at the till\n"
        f"{(T0 + timedelta(days=70)).date()},Waited far too long\n",
        encoding="utf-8",
    )
    feedback.import_feedback(engine=ctx.engine, path=sheet, company="Acme Stores", kind="complaint")
    view = service.company_chime(engine=ctx.engine, company_id=history.company_id)
    speed = {row.theme: row for row in view.rows}["speed"]
    assert (speed.other.said_no, speed.other.complaints) == (2, 2)
    later = service.theme_since(
        engine=ctx.engine,
        company_id=history.company_id,
        theme="speed",
        since=T0 + timedelta(days=45),
    )
    assert later is not None
    assert (later.other.said_no, later.other.complaints) == (1, 1)


def test_without_providers_only_the_audits_speak(ctx: AppContext, history: History) -> None:
    view = service.company_chime(engine=ctx.engine, company_id=history.company_id, providers=())
    assert view.sources == ()
    assert all(r.reading(Source.COMPLAINTS).say is Say.NONE for r in view.rows)
    assert {r.theme for r in view.rows} == {"brand", "empathy", "speed", ""}


def test_a_theme_since_a_moment(ctx: AppContext, history: History) -> None:
    since = T0 + timedelta(days=45)  # only A3 counts
    row = service.theme_since(
        engine=ctx.engine, company_id=history.company_id, theme="brand", since=since
    )
    assert row is not None and (row.audits.failed, row.audits.scored) == (0, 1)
    assert (
        service.theme_since(
            engine=ctx.engine, company_id=history.company_id, theme="speed", since=since
        )
        is None
    )
