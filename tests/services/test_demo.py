"""Demo data: deterministic for a seed and an anchor, spread over every company and touchpoint."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from shopper.domain.answers import normalize_answer
from shopper.domain.business_hours import BusinessCalendar
from shopper.domain.clock import in_zone
from shopper.domain.errors import ShopperError
from shopper.domain.instruments import Instrument, Step, email_figures
from shopper.domain.scoring import score_audit
from shopper.domain.vocabulary import DEFAULT_HOURS, AnswerSource, AuditStatus
from shopper.services import demo
from shopper.services.audits import AuditDetail, list_audits, load_audit
from shopper.services.companies import find_company, list_companies
from shopper.services.demo import COMPANIES, DEFAULT_AUDITS, load_demo
from shopper.services.demo_recordings import after_business_hours
from shopper.services.evidence import evidence_path, verify_stored
from shopper.services.instruments import calendar_of, measure
from shopper.services.reports import make_audit_report
from shopper.services.templates import list_templates, sync_builtin_templates
from shopper.store import exchange
from shopper.store.engine import open_database, session_scope, sqlite_url
from shopper.store.tables import (
    Answer,
    Audit,
    AuditEvent,
    Company,
    Evidence,
    InstrumentEvent,
)
from tests.report.helpers import Pdf

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


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, Path]]:
    """The default demo with evidence in its data folder, shared by tests that only read."""
    folder = tmp_path_factory.mktemp("demo")
    engine = open_database(sqlite_url(folder / "shopper.db"))
    sync_builtin_templates(engine=engine)
    load_demo(engine=engine, audits=DEFAULT_AUDITS, seed=1, anchor=ANCHOR, data_dir=folder)
    yield engine, folder
    engine.dispose()


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
        steps = sorted(
            (s.id, s.audit_id, s.instrument, s.kind, s.at, s.tz, s.data, s.updated_at)
            for s in session.exec(select(InstrumentEvent))
        )
        evidence = sorted(
            (e.id, e.audit_id, e.item_id, e.sha256, e.filename, e.caption, e.added_at)
            for e in session.exec(select(Evidence))
        )
    return {
        "companies": companies,
        "audits": audits,
        "answers": answers,
        "events": events,
        "steps": steps,
        "evidence": evidence,
    }


def test_same_seed_and_anchor_give_the_same_data(
    new_engine: Callable[[], Engine], tmp_path: Path
) -> None:
    first, second = new_engine(), new_engine()
    kept_1, kept_2 = tmp_path / "data1", tmp_path / "data2"
    result_1 = load_demo(engine=first, audits=60, seed=42, anchor=ANCHOR, data_dir=kept_1)
    result_2 = load_demo(engine=second, audits=60, seed=42, anchor=ANCHOR, data_dir=kept_2)
    assert result_1 == result_2
    assert result_1.audits == 60
    dump_1, dump_2 = dump(first), dump(second)
    assert dump_1 == dump_2
    assert len(dump_1["audits"]) == 60
    assert len(dump_1["answers"]) == result_1.answers > 0
    assert len(dump_1["companies"]) == result_1.companies == len(COMPANIES)
    assert len(dump_1["steps"]) == result_1.steps > 0
    assert len(dump_1["evidence"]) == result_1.evidence > 0
    files_1 = {p.relative_to(kept_1): p.read_bytes() for p in kept_1.rglob("*") if p.is_file()}
    files_2 = {p.relative_to(kept_2): p.read_bytes() for p in kept_2.rglob("*") if p.is_file()}
    assert files_1 == files_2


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


def test_every_company_gets_repeated_audits_of_every_touchpoint(
    demo_data: tuple[Engine, Path],
) -> None:
    demo_engine = demo_data[0]
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


def test_audits_span_the_year_before_the_anchor(demo_data: tuple[Engine, Path]) -> None:
    demo_engine = demo_data[0]
    rows = list_audits(engine=demo_engine)
    starts = [r.started_at for r in rows]
    assert max(starts) < ANCHOR
    assert min(starts) >= ANCHOR - timedelta(days=370)
    assert max(starts) - min(starts) > timedelta(days=300)
    assert len({r.shopper for r in rows}) > 1


def test_some_audits_are_in_progress(demo_data: tuple[Engine, Path]) -> None:
    demo_engine = demo_data[0]
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


def test_demo_answers_are_valid_and_summaries_match(demo_data: tuple[Engine, Path]) -> None:
    demo_engine = demo_data[0]
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
        end = detail.audit.completed_at or ANCHOR
        for item_id, record in detail.answers.items():
            assert detail.audit.started_at <= record.answered_at <= end, (row.id, item_id)


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


# -- instruments and evidence --------------------------------------------------------------


def details(engine: Engine) -> list[AuditDetail]:
    return [load_audit(engine=engine, audit_id=r.id) for r in list_audits(engine=engine)]


def steps_of(detail: AuditDetail, instrument: str) -> list[Step]:
    return sorted(
        (Step(e.id, e.kind, e.at, e.decoded()) for e in detail.steps if e.instrument == instrument),
        key=lambda s: s.at,
    )


def test_phone_website_and_email_audits_carry_recordings(
    demo_data: tuple[Engine, Path],
) -> None:
    everything = details(demo_data[0])
    recorded = Counter((d.audit.touchpoint, e.instrument) for d in everything for e in d.steps)
    assert recorded["phone", Instrument.PHONE] > 0
    assert recorded["website", Instrument.WEB] > 0
    assert recorded["email", Instrument.EMAIL] > 0
    assert {touchpoint for touchpoint, _instrument in recorded} == {"phone", "website", "email"}
    # Each company's newest audit of those touchpoints, at least.
    for company in COMPANIES:
        for touchpoint in ("phone", "website", "email"):
            audits = [
                d
                for d in everything
                if d.company.name == company.name and d.audit.touchpoint == touchpoint
            ]
            newest = max(audits, key=lambda d: d.audit.started_at)
            assert newest.steps, (company.name, touchpoint)


def test_a_call_has_menus_holds_transfers_and_questions_asked_again(
    demo_data: tuple[Engine, Path],
) -> None:
    calls = [
        [s.kind for s in steps_of(d, Instrument.PHONE)]
        for d in details(demo_data[0])
        if d.audit.touchpoint == "phone" and d.steps
    ]
    assert len(calls) >= len(COMPANIES)
    assert all(kinds[0] == "call_start" for kinds in calls)
    assert all(kinds[-1] in ("call_end", "dead_end") for kinds in calls)
    assert all("menu" in kinds for kinds in calls)
    assert any({"hold_start", "transfer", "repeat", "human"} <= set(kinds) for kinds in calls)
    assert any("transfer" not in kinds for kinds in calls)  # not every call is as bad
    prompts = [
        s.data
        for d in details(demo_data[0])
        for s in steps_of(d, Instrument.PHONE)
        if s.kind == "menu"
    ]
    assert all(p.get("prompt") and p.get("key") for p in prompts)
    assert any(p.get("options") for p in prompts)


def test_a_website_path_ends_at_a_contact_page(demo_data: tuple[Engine, Path]) -> None:
    paths = [
        steps_of(d, Instrument.WEB)
        for d in details(demo_data[0])
        if d.audit.touchpoint == "website"
    ]
    paths = [p for p in paths if p]
    assert paths
    for path in paths:
        assert [s.kind for s in path[:-1]] == ["page"] * (len(path) - 1)
        assert path[-1].kind == "found"
        assert all(str(s.data["url"]).startswith("https://") for s in path[:-1])
    reached = [p for p in paths if p[-1].data["channel"] != "none"]
    assert reached
    assert all(p[-2].data["contact_visible"] and p[-2].data["channels"] for p in reached)
    assert len({len(p) for p in paths}) > 1  # some paths are longer than others


def test_an_email_exchange_has_an_enquiry_and_replies_in_business_hours(
    demo_data: tuple[Engine, Path],
) -> None:
    figures = []
    for detail in details(demo_data[0]):
        steps = steps_of(detail, Instrument.EMAIL)
        if steps:
            assert steps[0].kind == "sent", detail.audit.id
            figures.append((email_figures(steps, calendar_of(detail.company)), detail.company))
    answered = [(f, c) for f, c in figures if f.replied_at is not None]
    assert answered
    assert any(f.replied_at is None for f, _c in figures)  # one never answered
    assert any(f.follow_up for f, _c in figures)
    for fig, company in answered:
        assert fig.sent_at is not None and fig.replied_at is not None
        assert fig.replied_at > fig.sent_at
        assert fig.response_business_hours is not None
        replied = in_zone(fig.replied_at, company.timezone)
        assert replied.weekday() < 5 and 9 <= replied.hour < 17  # someone at work wrote it
    # Some across a weekend (far more calendar than business time), some late.
    assert any(
        (f.response_calendar_hours or 0) - (f.response_business_hours or 0) > 48
        for f, _c in answered
    )
    assert any((f.response_business_hours or 0) > 16 for f, _c in answered)
    assert any((f.response_business_hours or 0) < 4 for f, _c in answered)


def test_measured_answers_are_what_the_instruments_measured(demo_data: tuple[Engine, Path]) -> None:
    checked = 0
    for detail in details(demo_data[0]):
        if not detail.steps:
            continue
        steps = [(e.instrument, Step(e.id, e.kind, e.at, e.decoded())) for e in detail.steps]
        zone = detail.company.timezone
        measured = measure(
            template=detail.template, company=detail.company, steps=steps, zone=zone
        ).items
        assert measured, detail.audit.id
        for item_id, value in measured.items():
            record = detail.answers[item_id]
            assert (record.value, record.source) == (value, AnswerSource.INSTRUMENT), item_id
        others = {k for k, r in detail.answers.items() if r.source == AnswerSource.INSTRUMENT}
        assert others <= set(measured)
        # Plausible times: after the audit started, before it was completed, never ahead.
        end = detail.audit.completed_at or ANCHOR
        assert all(detail.audit.started_at < e.at <= end <= ANCHOR for e in detail.steps)
        assert all(e.tz == zone for e in detail.steps)
        checked += 1
    assert checked >= 3 * len(COMPANIES)


def test_some_items_carry_pictures(demo_data: tuple[Engine, Path]) -> None:
    engine, folder = demo_data
    with_evidence = [d for d in details(engine) if d.evidence]
    assert 3 <= len(with_evidence) < DEFAULT_AUDITS // 4  # some audits, not every one
    kinds = set()
    for detail in with_evidence:
        for record in detail.evidence:
            assert record.item_id is not None and detail.template.has_item(record.item_id)
            assert record.item_id in detail.answers
            assert verify_stored(folder, record.sha256, record.extension)
            with Image.open(evidence_path(folder, record.sha256, record.extension)) as image:
                image.load()
                assert min(image.size) >= 300
                kinds.add((detail.audit.touchpoint, image.format))
    assert {"website", "email", "store"} <= {touchpoint for touchpoint, _format in kinds}
    assert {"PNG", "JPEG"} <= {fmt for _touchpoint, fmt in kinds}
    # The screenshot of a contact page belongs to that page of the website path.
    pages = [
        (d, s)
        for d in with_evidence
        for s in steps_of(d, Instrument.WEB)
        if s.data.get("evidence_id")
    ]
    assert pages
    for detail, page in pages:
        assert page.data["evidence_id"] in {e.id for e in detail.evidence}


def test_without_a_data_folder_nothing_is_attached(demo_engine: Engine) -> None:
    with Session(demo_engine) as session:
        assert session.exec(select(Evidence)).all() == []
        assert session.exec(select(InstrumentEvent)).all()


def report_text(engine: Engine, folder: Path, detail: AuditDetail) -> Pdf:
    out = folder / f"{detail.audit.id}.pdf"
    make_audit_report(engine=engine, audit_id=detail.audit.id, out_path=out, data_dir=folder)
    return Pdf.of(out.read_bytes())


def test_the_report_of_a_recorded_call_maps_it(demo_data: tuple[Engine, Path]) -> None:
    engine, folder = demo_data
    call = next(
        d
        for d in details(engine)
        if d.audit.touchpoint == "phone" and {"transfer", "repeat"} <= {e.kind for e in d.steps}
    )
    pdf = report_text(engine, folder, call)
    text = " ".join(pdf.text.split())
    assert "Phone call" in text
    assert "Call map" in text
    assert "Menu depth" in text
    assert "Handoffs" in text
    names = [str(e.decoded()["name"]) for e in call.steps if e.kind == "human"]
    assert all(name in text for name in names)
    assert "Welcome to" in text  # the prompt heard


def test_the_report_of_an_email_audit_times_the_reply(demo_data: tuple[Engine, Path]) -> None:
    engine, folder = demo_data
    exchange = next(
        d
        for d in details(engine)
        if d.audit.touchpoint == "email"
        and d.evidence
        and {"sent", "reply"} <= {e.kind for e in d.steps}
    )
    pdf = report_text(engine, folder, exchange)
    text = " ".join(pdf.text.split())
    assert "E-mail exchange" in text
    assert "Enquiry sent" in text
    assert "Reply received" in text
    assert "Response, business hours" in text
    assert "first-reply.png" in text  # the picture, in the appendix
    assert pdf.image_count() >= 1


def test_business_hours_run_on_after_a_weekend() -> None:
    calendar = BusinessCalendar.from_config("Europe/London", DEFAULT_HOURS)
    friday = datetime(2025, 5, 30, 15, 0, tzinfo=UTC)  # 16:00 in London
    assert after_business_hours(calendar, friday, 0.5) == friday + timedelta(minutes=30)
    # One hour left on Friday, one more on Monday from 09:00 (08:00 UTC).
    assert after_business_hours(calendar, friday, 2) == datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


def test_the_bulk_inserts_write_what_sqlalchemys_insert_writes(
    new_engine: Callable[[], Engine], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's rows go to SQLite through the driver (`exchange.insert_rows`); the same
    demo written through SQLAlchemy's own insert gives every table the same rows."""
    fast, generic = new_engine(), new_engine()
    load_demo(engine=fast, audits=150, seed=5, anchor=ANCHOR, data_dir=tmp_path / "d1")
    monkeypatch.setattr(exchange, "_driver_insert", lambda *_args: None)
    load_demo(engine=generic, audits=150, seed=5, anchor=ANCHOR, data_dir=tmp_path / "d2")
    written = _every_row(fast)
    assert written == _every_row(generic)
    assert len(written["answer"]) > 1000
    assert len(written["moment"]) > 0


def _every_row(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows with their SQLite storage classes, in rowid order (where there is
    one); the columns made at random (uuid4) or at the time of loading left out."""
    path = engine.url.database
    assert path is not None
    random_or_now = {"plan_action": {"id"}, "template_version": {"added_at"}}
    found: dict[str, list[tuple[Any, ...]]] = {}
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            names = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            kept = [n for n in names if n not in random_or_now.get(table, set())]
            values = ", ".join(f'"{n}", typeof("{n}")' for n in kept)
            rows = conn.execute(f'SELECT {values} FROM "{table}"').fetchall()
            found[table] = sorted(rows, key=repr)
    return found


def test_the_bigger_page_cache_is_the_usual_one_again_after_the_rows(
    new_engine: Callable[[], Engine],
) -> None:
    engine = new_engine()
    with session_scope(engine) as session:
        conn = session.connection()
        usual = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
        with demo._bigger_cache(session):
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar_one() == -demo.BULK_CACHE_KIB
        assert (
            conn.exec_driver_sql("PRAGMA cache_size").scalar_one() == usual != -demo.BULK_CACHE_KIB
        )
        with pytest.raises(ZeroDivisionError), demo._bigger_cache(session):
            _ = 1 / 0
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar_one() == usual
