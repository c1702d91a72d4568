"""`make bench` on a team database: a real PostgreSQL server started as the tests start theirs
(tests/postgres.py: initdb and pg_ctl into a temporary folder, on loopback), Shopper as a
manager's login over TCP against raw psycopg on the same server, as the same login.

Without a server (PostgreSQL not installed, or it would not start) these figures are left out
with one line.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from bench.measure import Figure, median, paired, ratio_figure

BOSS, BOSS_PASSWORD = "bench_boss", "bench-boss-password"
DEMO_AUDITS = 2_000
"""Real audits made by `load_demo` (answers, scores); the rest of the big list are copies."""

LIST_SQL = (
    "SELECT a.id, a.company_id, c.name, a.touchpoint, t.title, a.template_id, "
    "a.template_version, a.shopper, a.status, a.started_at, a.started_tz, a.completed_at, "
    "a.score_percent, a.verdict, a.passed, a.critical_failures, a.answered, a.visible "
    "FROM audit a JOIN company c ON c.id = a.company_id JOIN template_version t "
    "ON t.template_id = a.template_id AND t.version = a.template_version "
    "ORDER BY a.started_at DESC NULLS LAST, a.started_at DESC, a.id"
)


def team_figures(runs: int, answers: int, audits: int) -> list[Figure]:
    """The team database's figures, or none (and one line) without a PostgreSQL server."""
    try:
        from tests.postgres import ServerUnavailableError, start_server
    except ImportError as exc:  # the test requirements are missing
        print(f"team database figures skipped: {exc}")
        return []
    try:
        server = start_server()
    except ServerUnavailableError as exc:
        print(f"team database figures skipped: no PostgreSQL server ({exc})")
        return []
    work = Path(tempfile.mkdtemp(prefix="bench-team-"))
    try:
        return _measure(server, work, runs, answers, audits)
    finally:
        server.stop("fast")
        shutil.rmtree(server.root, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


def _measure(server: Any, work: Path, runs: int, answers: int, audits: int) -> list[Figure]:
    from shopper.services import team
    from shopper.services.context import AppContext
    from shopper.services.demo import load_demo
    from tests.postgres import make_owned_database

    name, owner_url = make_owned_database(server)
    engine = team.team_engine(owner_url)
    try:
        team.init_team(engine=engine)
        team.add_user(engine=engine, login=BOSS, role="manager", password=BOSS_PASSWORD)
    finally:
        engine.dispose()
    ctx = AppContext.open(work / "boss", server.url(name, BOSS, BOSS_PASSWORD))
    raw = server.connect(name, BOSS, BOSS_PASSWORD)
    try:
        load_demo(engine=ctx.engine, audits=min(DEMO_AUDITS, audits))
        _fill(server, name, audits)
        return [
            _list_figure(ctx, raw, runs, audits),
            _compare_figure(ctx, raw, runs),
            _save_figure(ctx, raw, answers),
        ]
    finally:
        raw.close()
        ctx.close()


def _fill(server: Any, name: str, audits: int) -> None:
    """Copy the demo's audits (without their answers), each copy whole years older, until
    there are `audits`: the list is as long as asked, the newest audits stay the real ones."""
    with server.admin(name) as conn:
        base = int(conn.execute("SELECT count(*) FROM audit").fetchone()[0])
        needed = audits - base
        if needed > 0:
            columns = [
                row[0]
                for row in conn.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_name = 'audit' "
                    "ORDER BY ordinal_position"
                )
            ]
            shifted = {"started_at", "completed_at", "updated_at"}
            values = [
                "gen_random_uuid()::text"
                if c == "id"
                else f"b.{c} - (g / %(base)s + 1) * interval '1 year'"
                if c in shifted
                else f"b.{c}"
                for c in columns
            ]
            conn.execute(
                f"INSERT INTO audit ({', '.join(columns)}) "
                "WITH b AS (SELECT *, row_number() OVER (ORDER BY id) - 1 AS n FROM audit) "
                f"SELECT {', '.join(values)} FROM generate_series(0, %(needed)s - 1) g "
                "JOIN b ON b.n = g %% %(base)s",
                {"base": base, "needed": needed},
            )
        conn.execute("ANALYZE")


def _list_figure(ctx: Any, raw: Any, runs: int, audits: int) -> Figure:
    from shopper.services.audits import list_audits

    def floor() -> int:
        rows = raw.execute(LIST_SQL).fetchall()
        raw.commit()
        return len(rows)

    assert len(list_audits(engine=ctx.engine)) == floor() == audits
    ours, bare = paired(lambda: list_audits(engine=ctx.engine), floor, runs)
    return ratio_figure(f"team: audits list, {audits:,} audits", median(ours), median(bare), 3)


def _compare_figure(ctx: Any, raw: Any, runs: int) -> Figure:
    """Compare the newest 50 completed audits of the company and touchpoint with the most."""
    from shopper.services.compare import compare_pair

    company_id, touchpoint = raw.execute(
        "SELECT company_id, touchpoint FROM audit WHERE status = 'completed' "
        "GROUP BY company_id, touchpoint ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()
    raw.commit()

    def floor() -> None:
        ids = [
            row[0]
            for row in raw.execute(
                "SELECT id FROM audit WHERE company_id = %s AND touchpoint = %s "
                "AND status = 'completed' ORDER BY started_at DESC LIMIT 50",
                (company_id, touchpoint),
            )
        ]
        raw.execute(
            "SELECT audit_id, item_id, value, note FROM answer WHERE audit_id = ANY(%s)", (ids,)
        ).fetchall()
        raw.commit()

    found = compare_pair(engine=ctx.engine, company_id=company_id, touchpoint=touchpoint, last=50)
    ours, bare = paired(
        lambda: compare_pair(
            engine=ctx.engine, company_id=company_id, touchpoint=touchpoint, last=50
        ),
        floor,
        runs,
    )
    figure = ratio_figure(
        f"team: compare {len(found.comparison.audits)} audits of one company",
        median(ours),
        median(bare),
        float("inf"),
    )
    figure.target = "under 300 ms"
    figure.met = median(ours) < 300
    figure.note = "the ratio is information; the target is the time"
    return figure


def _save_figure(ctx: Any, raw: Any, answers: int) -> Figure:
    from shopper.services.audits import start_audit
    from shopper.services.companies import list_companies
    from shopper.services.runner import AuditRunner
    from shopper.services.templates import list_templates

    phone = next(t for t in list_templates(engine=ctx.engine, touchpoint="phone") if t.builtin)
    company = list_companies(engine=ctx.engine)[0]
    audit = start_audit(engine=ctx.engine, company_id=company.id, template_id=phone.id)
    runner = AuditRunner(engine=ctx.engine, audit_id=audit.id)
    counter = iter(range(10**9))

    def floor() -> None:
        raw.execute(
            "INSERT INTO answer (audit_id, item_id, value, note, answered_at, answered_tz, "
            "source) VALUES (%s, 'overall', %s, '', now(), 'UTC', 'shopper') "
            "ON CONFLICT (audit_id, item_id) DO UPDATE SET value = excluded.value, "
            "answered_at = excluded.answered_at",
            (audit.id, str(1 + next(counter) % 5)),
        )
        raw.commit()

    ours, bare = paired(
        lambda: runner.set_answer("overall", 1 + next(counter) % 5),
        floor,
        answers,
        warmup=20,
    )
    return ratio_figure("team: save one answer over loopback", median(ours), median(bare), 2)
