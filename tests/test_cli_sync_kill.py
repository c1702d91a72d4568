"""`shopper sync` SIGKILLed at random moments while it pushes audits with evidence: afterwards
each audit is on the team database exactly once and whole, and the local database is intact."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from shopper.domain.template import ItemType
from shopper.services import shops, team
from shopper.services.connect import TeamTarget
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.services.sync import outbox, sync
from shopper.services.team_link import save_link
from tests.conftest import JAN_PASSWORD
from tests.data_helpers import integrity, png
from tests.postgres import MANAGER, MANAGER_PASSWORD, PostgresServer

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent
SHOPS = 6
ROUNDS = 50
"""Each round is bounded (a kill within a whole sync's time, or soon after a push begins):
on two shared cores they take 40 to 70 s, most of it Python starting `shopper`."""


def rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params))


def everything(engine: Engine) -> list[tuple[Any, ...]]:
    """What an audit is, per audit, comparable across SQLite and PostgreSQL."""
    found: list[tuple[Any, ...]] = []
    for audit_id, version in rows(engine, "SELECT id, version FROM audit ORDER BY id"):
        answers = rows(
            engine,
            "SELECT item_id, value, note FROM answer WHERE audit_id = :a ORDER BY item_id",
            a=audit_id,
        )
        evidence = rows(
            engine, "SELECT id, sha256 FROM evidence WHERE audit_id = :a ORDER BY id", a=audit_id
        )
        moments = rows(
            engine, "SELECT id, note FROM moment WHERE audit_id = :a ORDER BY id", a=audit_id
        )
        found.append(
            (
                audit_id,
                version,
                [tuple(r) for r in answers],
                [tuple(r) for r in evidence],
                [tuple(r) for r in moments],
            )
        )
    return found


def latest_try(folder: Path) -> str:
    """When this machine last began a push (its outbox's latest `tried_at`)."""
    with closing(sqlite3.connect(folder / "shopper.db", timeout=5)) as conn:
        return str(conn.execute("SELECT max(tried_at) FROM sync_outbox").fetchone()[0])


def wait_for_push(
    folder: Path, before: str, process: subprocess.Popen[bytes], bound: float
) -> None:
    """Until a push begins (its try is noted), the process ends, or `bound` seconds pass."""
    until = time.monotonic() + 2 * bound
    while time.monotonic() < until and process.poll() is None:
        try:
            if latest_try(folder) != before:
                return
        except sqlite3.OperationalError:  # locked by the writer for a moment
            pass
        time.sleep(0.005)


def test_sync_killed_at_random_moments_leaves_every_audit_once_and_whole(
    postgres_server: PostgresServer,
    as_jan: tuple[AppContext, str],
    tmp_path: Path,
) -> None:
    name = str(as_jan[0].engine.url.database)
    manager = team.team_engine(postgres_server.url(name, MANAGER, MANAGER_PASSWORD))
    folder = tmp_path / "laptop"
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"*:*:*:jan:{JAN_PASSWORD}\n", encoding="utf-8")
    pgpass.chmod(0o600)
    env = {**os.environ, "PGPASSFILE": str(pgpass), "SHOPPER_DATA_DIR": str(folder)}
    env.pop("PGPASSWORD", None)
    env.pop("SHOPPER_DB_URL", None)
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    try:
        for n in range(SHOPS):
            shops.create_shop(
                engine=manager,
                data=shops.ShopInput(
                    company="Northwind",
                    touchpoint="phone",
                    shopper="jan",
                    opens=date(2020, 1, 1),
                    due=date(2099, 1, 31),
                    instructions=f"shop {n}",
                ),
            )
        local = AppContext.open(folder)
        try:
            sync(local=local, team_engine=as_jan[0].engine)
            runners = []
            for n, row in enumerate(shops.list_shops(engine=local.engine)):
                audit = shops.start_shop(engine=local.engine, shop_id=row.id)
                runner = AuditRunner(engine=local.engine, audit_id=audit.id)
                items = [i for i in runner.template.items() if i.type is ItemType.YES_NO]
                for item in items:
                    runner.set_answer(item.id, item.pass_answer)
                for k in range(2):
                    runner.attach(
                        data_dir=folder,
                        data=png(100 * n + k, (64, 48)),
                        filename=f"{k}.png",
                        item_id=items[k].id,
                    )
                runner.add_moment("friction", note=f"audit {n}")
                runners.append((runner, items[0].id))
        finally:
            local.close()
        save_link(folder, TeamTarget.parse(postgres_server.url(name, "jan"), "disable"))

        command = [sys.executable, "-m", "shopper", "sync"]
        began = time.monotonic()
        whole = subprocess.run(
            command, check=False, cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert whole.returncode == 0, whole.stderr
        full = time.monotonic() - began
        kills = mid_push = 0
        began = time.monotonic()
        for round_ in range(ROUNDS):
            # Something new to send each round: a note on one audit.
            local = AppContext.open(folder)
            try:
                # The last round's kill came while a push was under way (noted, not done).
                cut = rows(
                    local.engine,
                    "SELECT count(*) FROM sync_outbox WHERE sending_version IS NOT NULL",
                )[0][0]
                mid_push += bool(cut)
                for runner, item_id in rng.sample(runners, 2):
                    AuditRunner(engine=local.engine, audit_id=runner.audit.id).set_note(
                        item_id, f"round {round_}"
                    )
                last_try = latest_try(folder)
            finally:
                local.close()
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            if rng.random() < 0.85:  # anywhere (most of a run is Python starting)
                time.sleep(rng.uniform(0, 0.8 * full))
            else:  # while it pushes: from just before the first audit goes
                wait_for_push(folder, last_try, process, full)
                time.sleep(rng.uniform(0, 0.15))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                kills += 1
            process.wait()
        rounds_s = time.monotonic() - began
        print(
            f"{round_ + 1} rounds, {kills} kills ({mid_push} mid-push) in {rounds_s:.1f} s;"
            f" a whole sync {full:.2f} s (seed {seed})"
        )
        assert kills > ROUNDS // 4, f"only {kills} kills (seed {seed})"

        final = subprocess.run(
            command, check=False, cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert final.returncode == 0, final.stderr
        local = AppContext.open(folder)
        try:
            assert outbox(local) == []
            mine = everything(local.engine)
        finally:
            local.close()
        assert integrity(folder / "shopper.db") == ["ok"]
        assert everything(manager) == mine, f"seed {seed}"
        assert len(mine) == SHOPS
        starts = rows(
            manager,
            "SELECT shop_id, count(*) FROM shop_event WHERE to_state = 'in_progress'"
            " GROUP BY shop_id",
        )
        assert sorted(c for _s, c in starts) == [1] * SHOPS
        blobs = rows(manager, "SELECT count(*) FROM evidence_blob")[0][0]
        assert blobs == 2 * SHOPS
        states = rows(manager, "SELECT DISTINCT state FROM shop")
        assert [s for (s,) in states] == ["in_progress"]
    finally:
        manager.dispose()
