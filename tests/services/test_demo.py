"""Demo data: deterministic for a seed and an anchor, spread over every company and touchpoint."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from shopper.domain.answers import normalize_answer
from shopper.domain.errors import ShopperError
from shopper.domain.scoring import score_audit
from shopper.domain.vocabulary import AuditStatus
from shopper.services.audits import list_audits, load_audit
from shopper.services.companies import find_company, list_companies
from shopper.services.demo import COMPANIES, DEFAULT_AUDITS, load_demo
from shopper.services.templates import list_templates, sync_builtin_templates
from shopper.store.engine import open_database, sqlite_url
from shopper.store.tables import (
    Answer,
    Audit,
    AuditEvent,
    Company,
)

ANCHOR = datetime(2025, 6, 1, 15, 30, tzinfo=UTC)


@pytest.fixture
def new_engine(tmp_path: Path) -> Iterator[Callable[[], Engine]]:
    engines: list[Engine] = []

    def make() -> Engine:
        engine = open_database(sqlite_url(tmp_path / f"db{len(engines)}" / "shopper.db"))
        sync_builtin_templates(engine=engine)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def demo_engine(new_engine: Callable[[], Engine]) -> Engine:
    engine = new_engine()
    load_demo(engine=engine, audits=DEFAULT_AUDITS, seed=1, anchor=ANCHOR)
    return engine


def dump(engine: Engine) -> dict[str, Any]:
    with Session(engine) as session:
        companies = sorted(
            (c.id, c.name, c.timezone, c.holidays) for c in session.exec(select(Company))
        )
        audits = sorted(
            (
                a.id,
                a.company_id,
                a.template_id,
                a.template_version,
                a.shopper,
                a.status,
                a.started_at,
                a.completed_at,
                a.score_percent,
                a.verdict,
                a.answered,
                a.visible,
            )
            for a in session.exec(select(Audit))
        )
        answers = sorted(
            (a.audit_id, a.item_id, a.value, a.note, a.answered_at)
            for a in session.exec(select(Answer))
        )
        events = sorted((e.id, e.audit_id, e.kind, e.at) for e in session.exec(select(AuditEvent)))
    return {"companies": companies, "audits": audits, "answers": answers, "events": events}


def test_same_seed_and_anchor_give_the_same_data(new_engine: Callable[[], Engine]) -> None:
    first, second = new_engine(), new_engine()
    result_1 = load_demo(engine=first, audits=60, seed=42, anchor=ANCHOR)
    result_2 = load_demo(engine=second, audits=60, seed=42, anchor=ANCHOR)
    assert result_1 == result_2
    assert result_1.audits == 60
    dump_1, dump_2 = dump(first), dump(second)
    assert dump_1 == dump_2
    assert len(dump_1["audits"]) == 60
    assert len(dump_1["answers"]) == result_1.answers > 0
    assert len(dump_1["companies"]) == result_1.companies == len(COMPANIES)


def test_another_seed_gives_other_data(new_engine: Callable[[], Engine]) -> None:
    engine = new_engine()
    load_demo(engine=engine, audits=30, seed=1, anchor=ANCHOR)
    ids_1 = {a[0] for a in dump(engine)["audits"]}
    load_demo(engine=engine, audits=30, seed=2, anchor=ANCHOR)
    ids_all = {a[0] for a in dump(engine)["audits"]}
    assert len(ids_all) == 60
    assert ids_1 < ids_all


def test_loading_a_seed_twice_is_refused(new_engine: Callable[[], Engine]) -> None:
    engine = new_engine()
    load_demo(engine=engine, audits=30, seed=5, anchor=ANCHOR)
    before = dump(engine)
    with pytest.raises(ShopperError, match="seed 5"):
        load_demo(engine=engine, audits=30, seed=5, anchor=ANCHOR)
    with pytest.raises(ShopperError, match="seed 5"):
        load_demo(engine=engine, audits=30, seed=5, anchor=ANCHOR + timedelta(days=3))
    assert dump(engine) == before


@pytest.mark.parametrize("count", [-1, -120, 1_000_001])
def test_bad_audit_counts_are_refused(new_engine: Callable[[], Engine], count: int) -> None:
    engine = new_engine()
    with pytest.raises(ShopperError, match="--audits"):
        load_demo(engine=engine, audits=count, anchor=ANCHOR)
    assert dump(engine)["companies"] == []


def test_zero_audits_adds_companies_only(new_engine: Callable[[], Engine]) -> None:
    engine = new_engine()
    result = load_demo(engine=engine, audits=0, anchor=ANCHOR)
    assert (result.companies, result.audits, result.answers) == (len(COMPANIES), 0, 0)


def test_every_company_gets_repeated_audits_of_every_touchpoint(demo_engine: Engine) -> None:
    rows = list_audits(engine=demo_engine)
    assert len(rows) == DEFAULT_AUDITS
    touchpoints = {i.touchpoint for i in list_templates(engine=demo_engine) if i.builtin}
    assert len(touchpoints) == 7
    names = [c.name for c in COMPANIES]
    assert len(names) == 6
    assert sorted(r.name for r in list_companies(engine=demo_engine)) == sorted(names)
    per_pair = Counter((r.company_name, r.touchpoint) for r in rows)
    for name in names:
        for touchpoint in touchpoints:
            assert per_pair[name, touchpoint] >= 2, (name, touchpoint)
    for name in names:
        assert find_company(engine=demo_engine, name_or_id=name).name == name


def test_audits_span_the_year_before_the_anchor(demo_engine: Engine) -> None:
    rows = list_audits(engine=demo_engine)
    starts = [r.started_at for r in rows]
    assert max(starts) < ANCHOR
    assert min(starts) >= ANCHOR - timedelta(days=370)
    assert max(starts) - min(starts) > timedelta(days=300)
    assert len({r.shopper for r in rows}) > 1


def test_some_audits_are_in_progress(demo_engine: Engine) -> None:
    rows = list_audits(engine=demo_engine)
    open_rows = [r for r in rows if r.status == AuditStatus.IN_PROGRESS]
    done = [r for r in rows if r.status == AuditStatus.COMPLETED]
    assert 1 <= len(open_rows) < len(rows) // 4
    assert len(done) + len(open_rows) == len(rows)
    assert all(r.completed_at is None for r in open_rows)
    assert all(r.completed_at is not None and r.completed_at > r.started_at for r in done)
    newest = sorted(rows, key=lambda r: r.started_at)[-len(open_rows) :]
    assert {r.id for r in newest} == {r.id for r in open_rows}
    with Session(demo_engine) as session:
        kinds = Counter(e.kind for e in session.exec(select(AuditEvent)))
        unfinished = session.exec(
            select(Answer).where(col(Answer.audit_id) == open_rows[0].id)
        ).all()
    assert kinds == {"created": len(rows), "completed": len(done)}
    assert unfinished  # partly answered


def test_demo_answers_are_valid_and_summaries_match(demo_engine: Engine) -> None:
    for row in list_audits(engine=demo_engine):
        detail = load_audit(engine=demo_engine, audit_id=row.id)
        template = detail.template
        for item_id, record in detail.answers.items():
            item = template.item(item_id)
            assert normalize_answer(item, record.value) == record.value, (item_id, record.value)
        score = score_audit(template, detail.values)
        assert row.score_percent == pytest.approx(score.percent)
        assert row.answered == score.answered
        assert row.visible == score.visible
        assert row.verdict == score.verdict
        assert row.passed is score.passed
        assert row.critical_failures == len(score.critical_failures)
        if row.status == AuditStatus.COMPLETED:
            assert score.required_missing == (), row.id
        assert detail.audit.started_tz == detail.company.timezone


def test_progress_is_reported(new_engine: Callable[[], Engine]) -> None:
    calls: list[tuple[int, int]] = []
    load_demo(
        engine=new_engine(),
        audits=30,
        anchor=ANCHOR,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls[0] == (0, 30)
    assert calls[-1] == (30, 30)
