"""`make bench`: a shopper's sync pushing 500 audits to the team database over loopback,
against raw psycopg inserting the same rows and bytes on the same server as the same login.

Set-up, outside the timing: a team database (`team init`), a manager and a shopper login,
500 shops assigned to the shopper, and the shopper's local SQLite data folder that pulled them
and did the 500 audits (20 answers each, 10 photos in all, attached through the runner as the
app does). That team database and data folder are then copied for each run, so each run
pushes all 500 audits from the same state; only `sync(...)` is timed.

The floor is the shopper's own login (not the owner): row-level security and the team's
rules hold for every row any push of theirs makes, and a shopper may move a shop only
through `shopper_move_shop`, so the floor pays them too. It is one connection, one
transaction: the audit rows, the shops' starts (`shopper_move_shop`, one call each,
pipelined), moments, answers, instrument events, evidence rows, audit events and the
evidence blobs, each table by one `executemany` (COPY is refused on tables under row-level
security), from rows read and converted before the timing.

Without a PostgreSQL server the figure is left out with one line.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench.measure import Figure, median, ratio_figure

AUDITS = 500
ANSWERS = 20
PHOTOS = 10
BOSS, BOSS_PASSWORD = "bench_boss", "bench-boss-password"
FIELD, FIELD_PASSWORD = "bench_jan", "bench-jan-password"
TEMPLATE_TOUCHPOINT = "store"
"""The built-in store checklist has 20 items: every audit answers each of them."""
LIMIT = 3.0


def sync_figures(runs: int) -> list[Figure]:
    """The sync figure, or none (and one line) without a PostgreSQL server."""
    try:
        from tests.postgres import ServerUnavailableError, start_server
    except ImportError as exc:  # the test requirements are missing
        print(f"sync figure skipped: {exc}")
        return []
    try:
        server = start_server()
    except ServerUnavailableError as exc:
        print(f"sync figure skipped: no PostgreSQL server ({exc})")
        return []
    work = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    try:
        return [_measure(server, work, runs)]
    finally:
        server.stop("fast")
        shutil.rmtree(server.root, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


# -- set-up ----------------------------------------------------------------------------


def _photo(number: int) -> tuple[str, bytes]:
    """A small real JPEG (even numbers) or PNG (odd), different for each number."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), (30 + 20 * number, 120, 200 - 10 * number))
    draw = ImageDraw.Draw(image)
    for y in range(0, 240, 12):
        draw.line([(0, y), (320, 240 - y)], fill=(250, 250 - 15 * number, 90), width=3)
    buffer = io.BytesIO()
    kind = "JPEG" if number % 2 == 0 else "PNG"
    image.save(buffer, kind)
    return f"photo{number}.{'jpg' if kind == 'JPEG' else 'png'}", buffer.getvalue()


def _answer(item: Any) -> Any:
    """A valid answer to any item of a built-in template."""
    from shopper.domain.template import ItemType

    kind = item.type
    if kind is ItemType.YES_NO:
        return item.pass_answer
    if kind is ItemType.RATING:
        return item.scale.max
    if kind is ItemType.SINGLE_CHOICE:
        return item.options[0].key
    if kind is ItemType.MULTI_CHOICE:
        return [item.options[0].key]
    if kind in (ItemType.NUMBER, ItemType.COUNT):
        return item.target.good if item.target else 1
    if kind is ItemType.DURATION:
        return 90.0
    if kind is ItemType.DATETIME:
        return {"utc": "2026-11-30T09:55:00+00:00", "tz": "Europe/Warsaw"}
    return "Tidy shelves, a friendly greeting."


def _set_up(server: Any, work: Path) -> tuple[str, Path]:
    """The team database with 500 shops assigned and the shopper's data folder that did
    their audits, nothing pushed yet: (the database's name, the data folder)."""
    from shopper.services import shops, team
    from shopper.services.companies import CompanyInput, create_company
    from shopper.services.context import AppContext
    from shopper.services.runner import AuditRunner
    from shopper.services.sync import sync
    from tests.postgres import make_owned_database

    name, owner_url = make_owned_database(server)
    owner = team.team_engine(owner_url)
    try:
        team.init_team(engine=owner)
        team.add_user(engine=owner, login=BOSS, role="manager", password=BOSS_PASSWORD)
        team.add_user(
            engine=owner, login=FIELD, role="shopper", name="Jan Bench", password=FIELD_PASSWORD
        )
    finally:
        owner.dispose()
    manager = team.team_engine(server.url(name, BOSS, BOSS_PASSWORD))
    try:
        company = create_company(engine=manager, data=CompanyInput(name="Bench Stores"))
        shops.create_shops(
            engine=manager,
            shops=[
                shops.ShopInput(
                    company=company.id,
                    touchpoint=TEMPLATE_TOUCHPOINT,
                    shopper=FIELD,
                    opens=date(2020, 1, 1),
                    due=date(2099, 12, 31),
                    instructions=f"Shop {n + 1}",
                )
                for n in range(AUDITS)
            ],
        )
    finally:
        manager.dispose()
    field = team.team_engine(server.url(name, FIELD, FIELD_PASSWORD))
    folder = work / "laptop"
    local = AppContext.open(folder)
    try:
        pulled = sync(local=local, team_engine=field)
        assert pulled.pulled_shops == AUDITS and not pulled.pushed, pulled
        photos = [_photo(n) for n in range(PHOTOS)]
        for number, shop in enumerate(shops.list_shops(engine=local.engine)):
            audit = shops.start_shop(engine=local.engine, shop_id=shop.id)
            runner = AuditRunner(engine=local.engine, audit_id=audit.id)
            items = list(runner.template.items())[:ANSWERS]
            for item in items:
                runner.set_answer(item.id, _answer(item))
            if number % (AUDITS // PHOTOS) == 0:
                filename, data = photos[number // (AUDITS // PHOTOS)]
                runner.attach(
                    data_dir=local.data_dir, data=data, filename=filename, item_id=items[0].id
                )
    finally:
        local.close()
        field.dispose()
    return name, folder


def _team_copy(server: Any, template: str) -> str:
    """A new database copied from the set-up's (as tests/postgres.py `team_copy` does)."""
    import uuid

    from psycopg import sql

    from tests.postgres import OWNER

    copy = f"bench_{uuid.uuid4().hex[:12]}"
    with server.admin() as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER {}").format(
                sql.Identifier(copy), sql.Identifier(template), sql.Identifier(OWNER)
            )
        )
        conn.execute(
            sql.SQL(
                "REVOKE CONNECT, TEMPORARY ON DATABASE {0} FROM PUBLIC;"
                " GRANT CONNECT ON DATABASE {0} TO shopper_manager, shopper_field"
            ).format(sql.Identifier(copy))
        )
    return copy


# -- the floor's rows ----------------------------------------------------------------


def _floor_statements(folder: Path) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """(statement, parameters) in order: every row the push sends, as PostgreSQL takes it."""
    from sqlalchemy.dialects import postgresql

    from shopper.services.context import AppContext
    from shopper.services.evidence import MEDIA_TYPES, evidence_path
    from shopper.services.sync import FUNCTION_EVENTS
    from shopper.store import sync as rows
    from shopper.store.sync import CHILDREN, TABLES

    dialect = postgresql.dialect()

    def converted(name: str, found: list[dict[str, Any]]) -> tuple[str, list[tuple[Any, ...]]]:
        columns = [c for c in TABLES[name].columns]
        processors = [c.type.bind_processor(dialect) for c in columns]
        statement = (
            f"INSERT INTO {name} ({', '.join(c.name for c in columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )
        params = [
            tuple(
                p(row[c.name]) if p is not None else row[c.name]
                for c, p in zip(columns, processors, strict=True)
            )
            for row in found
        ]
        return statement, params

    local = AppContext.open(folder)
    try:
        with local.engine.connect() as conn:
            pairs = rows.shop_audits(conn)
            snapshots = [rows.read_audit(conn, audit_id) for _shop, audit_id in pairs]
            starts = [rows.first_move_to(conn, shop, "in_progress") for shop, _audit in pairs]
        tables: dict[str, list[dict[str, Any]]] = {"audit": []}
        tables.update({name: [] for name in CHILDREN})
        blobs: dict[str, tuple[str, bytes]] = {}
        moves: list[tuple[Any, ...]] = []
        for (shop_id, audit_id), snapshot, start in zip(pairs, snapshots, starts, strict=True):
            assert snapshot is not None and start is not None
            audit = dict(
                snapshot["audit"],
                shopper=FIELD,
                status="in_progress",
                completed_at=None,
                completed_tz=None,
            )
            tables["audit"].append(audit)
            moves.append(
                (shop_id, "in_progress", start["at"], start["tz"], audit_id, "", start["id"])
            )
            for name in CHILDREN:
                found = snapshot[name]
                if name == "audit_event":
                    found = [r for r in found if r["kind"] not in FUNCTION_EVENTS]
                tables[name].extend(found)
            for row in snapshot["evidence"]:
                sha, ext = str(row["sha256"]), str(row["extension"])
                blobs[sha] = (ext, evidence_path(local.data_dir, sha, ext).read_bytes())
    finally:
        local.close()
    statements = [converted("audit", tables["audit"])]
    statements.append(("SELECT shopper_move_shop(%s, %s, %s, %s, %s, %s, %s)", moves))
    statements += [converted(name, tables[name]) for name in CHILDREN if tables[name]]
    statements.append(
        (
            "INSERT INTO evidence_blob (sha256, media_type, size, data) VALUES (%s, %s, %s, %s)",
            [
                (sha, MEDIA_TYPES.get(ext, "application/octet-stream"), len(data), data)
                for sha, (ext, data) in blobs.items()
            ],
        )
    )
    return statements


# -- the figure ----------------------------------------------------------------------


def _measure(server: Any, work: Path, runs: int) -> Figure:
    from shopper.services import team
    from shopper.services.context import AppContext
    from shopper.services.sync import sync

    template, folder = _set_up(server, work)
    statements = _floor_statements(folder)
    counter = iter(range(10**6))

    def ours() -> float:
        copy = _team_copy(server, template)
        here = work / f"ours{next(counter)}"
        shutil.copytree(folder, here)
        local = AppContext.open(here)
        engine = team.team_engine(server.url(copy, FIELD, FIELD_PASSWORD))
        try:
            with engine.connect():  # the pool's first connection, as an open app has it
                pass
            os.sync()  # the copies made for this run reach the disk before the clock starts
            start = time.perf_counter()
            result = sync(local=local, team_engine=engine)
            elapsed = (time.perf_counter() - start) * 1000
        finally:
            local.close()
            engine.dispose()
        assert len(result.pushed) == AUDITS, result.to_json()
        assert not (result.failed or result.refused or result.conflicts), result.to_json()
        _check_sent(server, copy)
        server.drop_database(copy)
        shutil.rmtree(here, ignore_errors=True)
        return elapsed

    def floor() -> float:
        copy = _team_copy(server, template)
        raw = server.connect(copy, FIELD, FIELD_PASSWORD)
        try:
            raw.execute("SELECT 1").fetchall()
            raw.commit()
            os.sync()
            start = time.perf_counter()
            with raw.cursor() as cursor:
                for statement, params in statements:
                    cursor.executemany(statement, params)
            raw.commit()
            elapsed = (time.perf_counter() - start) * 1000
        finally:
            raw.close()
        _check_sent(server, copy)
        server.drop_database(copy)
        return elapsed

    ours()
    floor()  # warm-up
    ours_ms: list[float] = []
    floor_ms: list[float] = []
    for _ in range(runs):
        ours_ms.append(ours())
        floor_ms.append(floor())
    return ratio_figure(f"sync {AUDITS} audits", median(ours_ms), median(floor_ms), LIMIT)


def _check_sent(server: Any, name: str) -> None:
    """Both sides leave the same counts on the team database: every audit, really pushed."""
    with server.admin(name) as conn:
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM audit), (SELECT count(*) FROM answer),"
            " (SELECT count(*) FROM evidence), (SELECT count(*) FROM evidence_blob),"
            " (SELECT count(*) FROM shop WHERE state = 'in_progress')"
        ).fetchone()
    assert counts == (AUDITS, AUDITS * ANSWERS, PHOTOS, PHOTOS, AUDITS), counts
