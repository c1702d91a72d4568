"""Twenty shoppers writing to one team database at once, each as their own login, through
Shopper's services (bounded, loopback only): 20 processes, each writing 50 audits of 20
answers. No deadlock, no error, every row there and readable by the manager, nothing visible
across shoppers.

The workers set up (import, connect, read the template) first and start writing together on
one word from the test, so the writes overlap however fast the machine is. Each audit also
carries a photo of its own, stored in the team database (`evidence_blob`).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from shopper.services import team
from shopper.services.audits import list_audits
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.templates import import_template_file
from tests.postgres import PostgresServer

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SHOPPERS = 20
AUDITS = 50
ANSWERS = 20
TIMEOUT = 1800  # seconds: only a guard against a hang (PostgreSQL reports a deadlock in 1 s)

TEMPLATE = """\
format: 1
id: 7d0c5b8e-2a41-4f7e-9b1d-5c2e8f3a6d20
version: 1
title: Twenty counts
touchpoint: phone
sections:
  - id: main
    title: Main
    items:
{items}"""

WORKER = """
import io, json, sys
from pathlib import Path
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from sqlalchemy import text
from shopper.services.audits import list_audits, start_audit
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner

folder, url, company, template, audits, answers = sys.argv[1:7]
ctx = AppContext.open(Path(folder), url)
try:
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        sys.exit("no go")
    mine = []
    for n in range(int(audits)):
        audit = start_audit(engine=ctx.engine, company_id=company, template_id=template)
        runner = AuditRunner(engine=ctx.engine, audit_id=audit.id)
        for k in range(int(answers)):
            runner.set_answer(f"q{k}", n + k)
        info = PngInfo()
        info.add_text("audit", audit.id)  # a photo of its own: bytes no other audit has
        photo = io.BytesIO()
        Image.new("RGB", (8, 8), (n % 256, 90, 160)).save(photo, "PNG", pnginfo=info)
        runner.attach(
            data_dir=Path(folder), data=photo.getvalue(), filename="photo.png", item_id="q0"
        )
        mine.append(audit.id)
    seen = sorted(row.id for row in list_audits(engine=ctx.engine))
    with ctx.engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM answer")).scalar_one()
        blobs = conn.execute(text("SELECT count(*) FROM evidence_blob")).scalar_one()
    found = {"mine": mine, "seen": seen, "answer_rows": rows, "blobs": blobs}
    print(json.dumps(found), flush=True)
finally:
    ctx.close()
"""


def twenty_counts(folder: Path) -> Path:
    items = "".join(
        f"      - {{id: q{k}, prompt: Count {k}, type: count}}\n" for k in range(ANSWERS)
    )
    path = folder / "twenty.yaml"
    path.write_text(TEMPLATE.format(items=items), encoding="utf-8")
    return path


def test_twenty_shoppers_writing_at_once_each_see_only_their_own(
    postgres_server: PostgresServer, team_db: tuple[str, str], tmp_path: Path
) -> None:
    name, owner_url = team_db
    engine = team.team_engine(owner_url)
    try:
        team.init_team(engine=engine)
        logins = [f"shopper_{n:02}" for n in range(SHOPPERS)]
        for login in logins:
            team.add_user(engine=engine, login=login, role="shopper", password=f"pw-{login}")
        team.add_user(engine=engine, login="boss", role="manager", password="pw-boss-1")
    finally:
        engine.dispose()
    manager = AppContext.open(tmp_path / "boss", postgres_server.url(name, "boss", "pw-boss-1"))
    try:
        company = create_company(engine=manager.engine, data=CompanyInput(name="Northwind")).id
        template = import_template_file(engine=manager.engine, path=twenty_counts(tmp_path)).id
        results = run_workers(postgres_server, name, logins, tmp_path, company, template)
        everything = list_audits(engine=manager.engine)
        with manager.engine.connect() as conn:
            answers = conn.execute(text("SELECT audit_id, item_id, value FROM answer")).all()
            photos = conn.execute(text("SELECT audit_id, sha256 FROM evidence")).all()
            blobs = conn.execute(text("SELECT count(*) FROM evidence_blob")).scalar_one()
    finally:
        manager.close()

    for login, found in results.items():
        assert len(found["mine"]) == AUDITS, login
        assert found["seen"] == sorted(found["mine"]), f"{login} saw another's audits"
        assert found["answer_rows"] == AUDITS * ANSWERS, f"{login} saw another's answers"
        assert found["blobs"] == AUDITS, f"{login} saw another's photos"
    # The manager reads every audit under the login that wrote it, and every answer as saved.
    by_shopper: dict[str, set[str]] = {}
    for row in everything:
        by_shopper.setdefault(row.shopper, set()).add(row.id)
    assert by_shopper == {login: set(found["mine"]) for login, found in results.items()}
    assert all(row.answered == ANSWERS for row in everything)
    assert len(answers) == SHOPPERS * AUDITS * ANSWERS
    # One photo per audit, each its own bytes, all readable by the manager.
    assert sorted(audit_id for audit_id, _sha in photos) == sorted(row.id for row in everything)
    assert blobs == len({sha for _audit, sha in photos}) == SHOPPERS * AUDITS
    # The n-th audit of a shopper holds n + k for item q<k>.
    place = {audit_id: n for found in results.values() for n, audit_id in enumerate(found["mine"])}
    assert all(
        json.loads(value) == place[audit_id] + int(item_id[1:])
        for audit_id, item_id, value in answers
    )
    # And psql-level, as each shopper (not through our code): only their own rows.
    for login, found in results.items():
        with postgres_server.connect(name, login, f"pw-{login}") as conn:
            audits = {r[0] for r in conn.execute("SELECT id FROM audit")}
            rows = conn.execute("SELECT DISTINCT audit_id FROM answer").fetchall()
            bytes_seen = conn.execute("SELECT count(*) FROM evidence_blob").fetchone()
        assert audits == set(found["mine"]), login
        assert bytes_seen == (AUDITS,), login
        assert {r[0] for r in rows} == set(found["mine"]), login


def run_workers(
    server: PostgresServer,
    name: str,
    logins: list[str],
    tmp_path: Path,
    company: str,
    template: str,
) -> dict[str, Any]:
    workers = {
        login: subprocess.Popen(
            [
                sys.executable,
                "-c",
                WORKER,
                str(tmp_path / login),
                server.url(name, login, f"pw-{login}"),
                company,
                template,
                str(AUDITS),
                str(ANSWERS),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for login in logins
    }
    try:
        for login, worker in workers.items():
            assert worker.stdout is not None
            line = worker.stdout.readline()
            if line != "ready\n":
                _out, err = worker.communicate(timeout=60)
                pytest.fail(f"{login} did not start: {err.strip()}")
        for worker in workers.values():
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        results = {}
        deadline = time.monotonic() + TIMEOUT
        for login, worker in workers.items():
            out, err = worker.communicate(timeout=max(deadline - time.monotonic(), 1))
            assert worker.returncode == 0, f"{login}: {err}"
            results[login] = json.loads(out)
        return results
    finally:
        for worker in workers.values():
            if worker.poll() is None:
                worker.kill()
                worker.wait()
