"""Comparison, journey, findings and the paged scan behind them, on a hand-made history."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from shopper.domain.compare import Change
from shopper.domain.errors import NotFoundError, ShopperError
from shopper.domain.scoring import Outcome
from shopper.domain.themes import NO_THEME
from shopper.services.analysis import scored_audits
from shopper.services.compare import compare_audit_ids, compare_pair, comparison_to_json
from shopper.services.context import AppContext
from shopper.services.demo import demo_template_index
from shopper.services.findings import FindingKind, findings_by_theme
from shopper.services.journey import company_journey
from shopper.store.analysis import Scope
from tests.postgres import DATABASES, app_context
from tests.services.analysis_data import T0, History, build_history


@pytest.fixture(scope="module", params=DATABASES)
def shared(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[AppContext, History]]:
    """One history for the whole module, on SQLite and on PostgreSQL: every test here only
    reads it."""
    folder = tmp_path_factory.mktemp("analysis")
    with app_context(request.param, request, folder / "data") as context:
        yield context, build_history(context, folder)


@pytest.fixture
def ctx(shared: tuple[AppContext, History]) -> AppContext:
    return shared[0]


@pytest.fixture
def history(shared: tuple[AppContext, History]) -> History:
    return shared[1]


# -- compare ---------------------------------------------------------------------------


def test_compare_pair_lines_up_versions(ctx: AppContext, history: History) -> None:
    result = compare_pair(engine=ctx.engine, company_id=history.company_id, touchpoint="store")
    comp = result.comparison
    a = history.audits
    assert [col.audit_id for col in comp.audits] == [a["A1"], a["A2"], a["A3"]]  # A4 in progress
    assert result.available == 3
    assert result.title == "Acme Stores — Store visit"
    assert [col.template_version for col in comp.audits] == [1, 1, 2]
    assert [round(col.percent or 0, 2) for col in comp.audits] == [95.83, 29.17, 75.0]
    assert comp.audits[2].verdict == "Critical failure"
    rows = {r.item_id: r for r in comp.rows}
    assert [r.item_id for r in comp.rows] == ["clean", "greet", "wait", "smile", "remark"]
    assert [c.change for c in rows["clean"].cells] == [None, Change.REGRESSED, Change.FIXED]
    assert [c.change for c in rows["greet"].cells] == [None, Change.UNCHANGED, Change.REGRESSED]
    assert rows["wait"].cells[2].missing
    assert rows["wait"].cells[2].change is Change.NOT_COMPARABLE
    assert rows["smile"].cells[0].missing and rows["smile"].cells[1].missing
    assert rows["clean"].cells[1].note == "Dusty shelves"
    assert rows["remark"].cells[0].outcome is Outcome.INFO
    assert rows["clean"].agreement == pytest.approx(1 / 3)
    assert rows["wait"].agreement == 0.0
    assert rows["smile"].agreement is None
    # (2 * 1/3 + 1 * 1/3 + 1 * 0) / 4 weights
    assert comp.consistency == pytest.approx(25.0)
    # A2 -> A3: clean fixed, greet regressed, wait and smile missing on one side, remark
    # unanswered on both.
    assert comp.latest_changes == {
        Change.FIXED: 1,
        Change.REGRESSED: 1,
        Change.NOT_COMPARABLE: 2,
        Change.UNCHANGED: 1,
    }


def test_compare_pair_keeps_the_newest(ctx: AppContext, history: History) -> None:
    result = compare_pair(
        engine=ctx.engine, company_id=history.company_id, touchpoint="store", last=2
    )
    assert [c.audit_id for c in result.comparison.audits] == [
        history.audits["A2"],
        history.audits["A3"],
    ]
    assert result.available == 3
    since = compare_pair(
        engine=ctx.engine,
        company_id=history.company_id,
        touchpoint="store",
        since=T0.replace(day=20),
    )
    assert len(since.comparison.audits) == 2


def test_compare_reads_only_the_answers_it_compares(ctx: AppContext, history: History) -> None:
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(ctx.engine, "before_cursor_execute", record)
    try:
        compare_pair(engine=ctx.engine, company_id=history.company_id, touchpoint="store", last=2)
    finally:
        event.remove(ctx.engine, "before_cursor_execute", record)
    answer_reads = [(s, p) for s, p in statements if "FROM answer" in s]
    assert len(answer_reads) == 1
    wanted = {history.audits["A2"], history.audits["A3"]}
    raw = answer_reads[0][1]  # a tuple with SQLite's qmark style, a dict with psycopg's
    values = raw.values() if isinstance(raw, dict) else raw if isinstance(raw, tuple | list) else ()
    params: set[Any] = set()
    for value in values:
        params.update(value if isinstance(value, tuple | list) else (value,))
    assert wanted <= params
    assert not ({history.audits["A1"], history.audits["other"]} & params)


def test_compare_pair_with_nothing_to_compare(ctx: AppContext, history: History) -> None:
    result = compare_pair(engine=ctx.engine, company_id=history.company_id, touchpoint="phone")
    assert result.available == 0
    assert result.comparison.audits == ()
    assert result.comparison.consistency is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"touchpoint": "fax"}, "unknown touchpoint"),
        ({"touchpoint": "store", "last": 1}, "between 2 and"),
        ({"touchpoint": "store", "last": 10_000}, "between 2 and"),
    ],
)
def test_compare_pair_refuses_bad_input(
    ctx: AppContext, history: History, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ShopperError, match=message):
        compare_pair(engine=ctx.engine, company_id=history.company_id, **kwargs)


def test_compare_pair_unknown_company(ctx: AppContext, history: History) -> None:
    with pytest.raises(NotFoundError):
        compare_pair(engine=ctx.engine, company_id="nope", touchpoint="store")


def test_compare_audit_ids_across_companies(ctx: AppContext, history: History) -> None:
    a = history.audits
    result = compare_audit_ids(engine=ctx.engine, audit_ids=[a["A4"], a["other"], a["A1"]])
    assert [c.audit_id for c in result.comparison.audits] == [a["A1"], a["other"], a["A4"]]
    assert result.company_name == "2 companies"
    assert result.title == "2 companies — Store visit"
    with pytest.raises(NotFoundError):
        compare_audit_ids(engine=ctx.engine, audit_ids=[a["A1"], "missing"])
    with pytest.raises(ShopperError, match="between 2"):
        compare_audit_ids(engine=ctx.engine, audit_ids=[a["A1"], a["A1"]])


def test_comparison_json(ctx: AppContext, history: History) -> None:
    data = comparison_to_json(
        compare_pair(engine=ctx.engine, company_id=history.company_id, touchpoint="store")
    )
    assert data["company"] == "Acme Stores"
    assert [a["percent"] for a in data["audits"]] == [95.83, 29.17, 75.0]
    wait = next(i for i in data["items"] if i["id"] == "wait")
    assert [c["outcome"] for c in wait["cells"]] == ["pass", "fail", "not_in_version"]
    assert wait["cells"][2]["display"] == "not in this version"
    assert [c["change"] for c in wait["cells"]] == [None, "regressed", "not_comparable"]
    assert data["changes"][-1]["fixed"] == 1
    assert data["consistency"]["index"] == 25.0
    assert data["consistency"]["score_min"] == 29.17
    assert data["trend"]["direction"] in ("up", "down", "flat")


# -- the paged scan ------------------------------------------------------------------------


def test_scan_pages_through_every_audit_in_order(ctx: AppContext, history: History) -> None:
    everything = Scope(status=None)
    one_page = [s.meta.id for s in scored_audits(engine=ctx.engine, scope=everything)]
    progress: list[tuple[int, int]] = []
    tiny_pages = [
        s.meta.id
        for s in scored_audits(
            engine=ctx.engine, scope=everything, page=2, progress=lambda *p: progress.append(p)
        )
    ]
    assert tiny_pages == one_page
    assert len(one_page) == 5
    assert progress == [(2, 5), (4, 5), (5, 5)]
    completed = list(scored_audits(engine=ctx.engine, scope=Scope(company_id=history.company_id)))
    assert [s.meta.id for s in completed] == [history.audits[k] for k in ("A1", "A2", "A3")]
    assert completed[0].score.percent == pytest.approx(95.8333, abs=1e-3)
    assert completed[2].moments[0].note == "Ignored at the counter"


# -- journey -------------------------------------------------------------------------------


def test_company_journey(ctx: AppContext, history: History) -> None:
    journey = company_journey(engine=ctx.engine, company_id=history.company_id)
    assert journey.company_name == "Acme Stores"
    assert journey.audits == 3
    (store,) = journey.touchpoints
    assert (store.touchpoint, store.audits) == ("store", 3)
    assert store.latest is not None and store.latest.audit_id == history.audits["A3"]
    assert store.average == pytest.approx((95.8333 + 29.1667 + 75.0) / 3, abs=1e-3)
    assert store.trend.slope_per_month is not None
    heat = journey.heat_map
    assert heat.touchpoints == ("store",)
    assert heat.themes == ("speed", "empathy", "brand")  # in the documented order
    brand = heat.cell("brand", "store")
    assert brand is not None
    assert (brand.points, brand.max_points, brand.failed, brand.audits) == (4.0, 6.0, 1, 3)
    empathy = heat.cell("empathy", "store")
    assert empathy is not None and empathy.percent == pytest.approx(75.0)
    speed = heat.cell("speed", "store")
    assert speed is not None and speed.percent == pytest.approx(50.0)
    assert heat.cell("brand", "phone") is None


def test_journey_timeline(ctx: AppContext, history: History) -> None:
    timeline = company_journey(engine=ctx.engine, company_id=history.company_id).timeline
    seen = [(e.source, e.kind, e.text) for e in timeline]
    assert seen == [
        ("note", "good", "Spotless"),
        ("note", "bad", "Dusty shelves"),
        ("critical", "bad", ""),
        ("moment", "bad", "Ignored at the counter"),
        ("moment", "friction", "Door stuck"),
        ("moment", "good", "Free coffee"),
    ]
    critical = timeline[2]
    assert critical.title == "Critical: Were you greeted?"
    assert critical.item_id == "greet"
    assert timeline[3].title == "Were you greeted?"  # a moment linked to an item
    assert timeline[4].item_id is None
    assert [e.at for e in timeline] == sorted(e.at for e in timeline)


def test_only_logged_moments_count_as_moments(ctx: AppContext, history: History) -> None:
    """Notes on passed or failed items and critical failures show on the timeline, but are
    counted apart: the walk-through saw a note counted as a second good moment."""
    from shopper.domain.timeline import TimelineCounts, timeline_counts

    timeline = company_journey(engine=ctx.engine, company_id=history.company_id).timeline
    counts = timeline_counts(timeline)
    assert counts == TimelineCounts(good=1, bad=1, friction=1, critical=1, notes=2)
    assert counts.describe() == (
        "1 good moment, 1 bad moment, 1 friction point logged; "
        "also 1 critical failure, 2 notes on passed or failed items"
    )
    assert TimelineCounts().describe() == "0 good moments, 0 bad moments, 0 friction points logged"


def test_journey_period_and_empty_company(ctx: AppContext, history: History) -> None:
    late = company_journey(
        engine=ctx.engine, company_id=history.company_id, since=T0.replace(day=25)
    )
    assert late.audits == 2  # A2 (2 April) and A3; A4 is in progress
    other = company_journey(engine=ctx.engine, company_id=history.other_company_id)
    assert other.audits == 1
    with pytest.raises(NotFoundError):
        company_journey(engine=ctx.engine, company_id="missing")


# -- findings ------------------------------------------------------------------------------


def test_findings_by_theme(ctx: AppContext, history: History) -> None:
    report = findings_by_theme(engine=ctx.engine, company_id=history.company_id)
    assert report.audits == 3
    themes = {t.theme: t for t in report.themes}
    assert set(themes) == {"empathy", "brand", "speed", NO_THEME}
    assert report.themes[0].theme == "empathy"  # the most findings first
    empathy = themes["empathy"]
    assert (empathy.failed, empathy.moments, empathy.scored, empathy.audits) == (1, 1, 4, 1)
    assert empathy.rate == pytest.approx(25.0)
    assert {f.kind for f in empathy.findings} == {
        FindingKind.FAILED_ITEM,
        FindingKind.BAD_MOMENT,
    }
    critical = next(f for f in empathy.findings if f.kind is FindingKind.FAILED_ITEM)
    assert critical.critical
    assert (critical.audit_id, critical.item_id) == (history.audits["A3"], "greet")
    assert critical.answer == "No"
    brand = themes["brand"]
    assert (brand.failed, brand.scored) == (1, 3)
    assert brand.findings[0].note == "Dusty shelves"
    assert [(i.item_id, i.failed, i.scored) for i in brand.items] == [("clean", 1, 3)]
    assert [m.month.month for m in brand.months] == [3, 4, 5]  # March to May, gaps as zeros
    assert [(m.failed, m.scored) for m in brand.months] == [(0, 1), (1, 1), (0, 1)]
    unthemed = themes[NO_THEME]
    assert unthemed.title == "No theme"
    assert [(f.kind, f.item_id, f.note) for f in unthemed.findings] == [
        (FindingKind.FRICTION, None, "Door stuck")
    ]
    assert report.total == 5


def test_findings_filters(ctx: AppContext, history: History) -> None:
    everyone = findings_by_theme(engine=ctx.engine)
    assert everyone.audits == 4
    assert everyone.total == 7  # the other shop fails clean and smile
    by_touchpoint = findings_by_theme(engine=ctx.engine, touchpoint="phone")
    assert (by_touchpoint.audits, by_touchpoint.themes) == (0, ())
    window = findings_by_theme(
        engine=ctx.engine,
        company_id=history.company_id,
        since=T0.replace(day=20),
        until=T0.replace(day=28) + (T0.replace(month=4) - T0.replace(month=3)),
    )
    assert window.audits == 1  # A2 only
    assert {t.theme for t in window.themes} == {"brand", "speed"}


# -- demo data -----------------------------------------------------------------------------


@pytest.mark.parametrize("companies", [6, 7, 11, 25, 32])
def test_demo_companies_cycle_through_every_template(companies: int) -> None:
    templates = 7
    for company in range(companies):
        used = {
            demo_template_index(company + companies * rounds, companies, templates)
            for rounds in range(templates)
        }
        assert used == set(range(templates)), company
