"""`shopper sync`, `shopper submit` and `shopper outbox` on the real server."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest

from shopper.domain.template import ItemType
from shopper.services import shops, team
from shopper.services.connect import TeamTarget
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.services.team_link import save_link
from tests.conftest import JAN_PASSWORD
from tests.data_helpers import png
from tests.postgres import MANAGER, MANAGER_PASSWORD, PostgresServer, free_port
from tests.services.test_runner import answer_required
from tests.test_cli import ok, user_error

pytestmark = pytest.mark.postgres


def test_sync_submit_and_outbox_from_the_command_line(
    capsys: pytest.CaptureFixture[str],
    postgres_server: PostgresServer,
    as_jan: tuple[AppContext, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name = str(as_jan[0].engine.url.database)
    manager = team.team_engine(postgres_server.url(name, MANAGER, MANAGER_PASSWORD))
    try:
        shop_id = shops.create_shop(
            engine=manager,
            data=shops.ShopInput(
                company="Northwind",
                touchpoint="phone",
                shopper="jan",
                opens=date(2020, 1, 1),
                due=date(2099, 1, 31),
            ),
        ).id
    finally:
        manager.dispose()
    folder = tmp_path / "laptop"
    laptop = ["--data-dir", str(folder)]

    not_linked = user_error(capsys, *laptop, "sync")
    assert "not linked to a team database" in not_linked and "team connect" in not_linked

    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"*:*:*:jan:{JAN_PASSWORD}\n", encoding="utf-8")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    where = f"postgresql://jan@{postgres_server.host}:{postgres_server.port}/{name}"
    ok(capsys, *laptop, "team", "connect", where, "--sslmode", "disable")

    first = json.loads(ok(capsys, *laptop, "sync", "--json"))
    assert first["pulled"]["shops"] == 1
    assert first["pushed"] == []

    ctx = AppContext.open(folder)
    try:
        audit = shops.start_shop(engine=ctx.engine, shop_id=shop_id)
        runner = AuditRunner(engine=ctx.engine, audit_id=audit.id)
        item = next(i for i in runner.template.items() if i.type is ItemType.YES_NO)
        runner.set_answer(item.id, item.pass_answer)
        runner.attach(data_dir=ctx.data_dir, data=png(3), filename="a.png", item_id=item.id)
    finally:
        ctx.close()
    (waiting,) = json.loads(ok(capsys, *laptop, "outbox", "--json"))
    assert (waiting["audit_id"], waiting["state"], waiting["pushed_version"]) == (
        audit.id,
        "waiting",
        None,
    )
    out = ok(capsys, *laptop, "sync")
    assert "Sent 1 audit(s)" in out and audit.id[:8] in out
    assert "Nothing waits to go" in ok(capsys, *laptop, "outbox")
    assert "Sent 0 audit(s)" in ok(capsys, *laptop, "sync")

    ctx = AppContext.open(folder)
    try:
        runner = AuditRunner(engine=ctx.engine, audit_id=audit.id)
        answer_required(runner)
        runner.complete()
    finally:
        ctx.close()
    out = ok(capsys, *laptop, "submit", audit.id[:8])
    assert f"Audit {audit.id[:8]} sent and submitted" in out
    assert "submitted already" in ok(capsys, *laptop, "submit", audit.id[:8])
    listed = json.loads(ok(capsys, *laptop, "shops", "list", "--json"))
    assert [s["state"] for s in listed] == ["submitted"]


def test_sync_says_in_one_line_that_the_server_does_not_answer(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "laptop"
    folder.mkdir()
    monkeypatch.setenv("PGPASSWORD", "anything")
    save_link(folder, TeamTarget.parse(f"postgresql://jan@127.0.0.1:{free_port()}/shop", "disable"))
    line = user_error(capsys, "--data-dir", str(folder), "sync")
    assert line.startswith("shopper: error: sync:")
