"""Several shoppers writing to one team database at once, each as their own login, through
Shopper's services (bounded, loopback only): no deadlock, no error, every row there for the
manager, nothing visible across shoppers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from shopper.services import team
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from tests.postgres import PostgresServer

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SHOPPERS = 4
AUDITS = 3

WORKER = """
import json, sys
from pathlib import Path
from shopper.domain.template import ItemType
from shopper.services.audits import list_audits, start_audit
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.services.templates import list_templates

folder, url, company, audits = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
ctx = AppContext.open(Path(folder), url)
try:
    phone = list_templates(engine=ctx.engine, touchpoint="phone")[0]
    mine = []
    for _ in range(audits):
        audit = start_audit(engine=ctx.engine, company_id=company, template_id=phone.id, shopper="")
        runner = AuditRunner(engine=ctx.engine, audit_id=audit.id)
        answered = 0
        for item in runner.template.items():
            if item.type is ItemType.YES_NO and runner.is_visible(item.id):
                runner.set_answer(item.id, item.pass_answer)
                answered += 1
            runner.set_note(item.id, "seen; '; DROP TABLE audit; --")
        mine.append(audit.id)
    seen = sorted(row.id for row in list_audits(engine=ctx.engine))
    print(json.dumps({"mine": sorted(mine), "seen": seen, "answered": answered}))
finally:
    ctx.close()
"""


def test_shoppers_writing_at_once_each_see_only_their_own(
    postgres_server: PostgresServer, team_db: tuple[str, str], tmp_path: Path
) -> None:
    engine = team.team_engine(team_db[1])
    try:
        team.init_team(engine=engine)
        logins = [f"shopper_{n}" for n in range(SHOPPERS)]
        for login in logins:
            team.add_user(engine=engine, login=login, role="shopper", password=f"pw-{login}")
        team.add_user(engine=engine, login="boss", role="manager", password="pw-boss-1")
    finally:
        engine.dispose()
    manager = AppContext.open(
        tmp_path / "boss", postgres_server.url(team_db[0], "boss", "pw-boss-1")
    )
    try:
        company = create_company(engine=manager.engine, data=CompanyInput(name="Northwind")).id
        workers = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    WORKER,
                    str(tmp_path / login),
                    postgres_server.url(team_db[0], login, f"pw-{login}"),
                    company,
                    str(AUDITS),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for login in logins
        ]
        results = {}
        for login, worker in zip(logins, workers, strict=True):
            out, err = worker.communicate(timeout=300)
            assert worker.returncode == 0, err
            results[login] = json.loads(out)
        from shopper.services.audits import list_audits

        everything = list_audits(engine=manager.engine)
    finally:
        manager.close()
    for login, found in results.items():
        assert len(found["mine"]) == AUDITS
        assert found["seen"] == found["mine"], f"{login} saw another's audits"
        assert found["answered"] > 0
    by_shopper: dict[str, set[str]] = {}
    for row in everything:
        by_shopper.setdefault(row.shopper, set()).add(row.id)
    assert by_shopper == {login: set(found["mine"]) for login, found in results.items()}
    assert all(row.answered == results[row.shopper]["answered"] for row in everything)
