"""The team database's server stops (`pg_ctl stop -m immediate`) in the middle of a manager's
save, of an import of a bundle and of a PDF report: one clear line, nothing half-written, and
the same action succeeds once it is back.

The server is stopped at a known statement (a `before_cursor_execute` hook), never by timing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, event, inspect, text

from shopper.domain.errors import StorageError
from shopper.domain.template import ItemType
from shopper.services.audits import list_audits, load_audit, start_audit
from shopper.services.bundles import export_bundle
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.services.templates import list_templates
from tests.data_helpers import new_counts_audit
from tests.postgres import PostgresServer, app_context
from tests.test_cli import ok, user_error

pytestmark = pytest.mark.postgres


@pytest.fixture
def manager(request: pytest.FixtureRequest, data_dir: Path) -> Iterator[AppContext]:
    with app_context("postgresql", request, data_dir) as context:
        yield context


def test_a_save_cut_by_the_server_stopping_is_one_line_and_retried_whole(
    postgres_server: PostgresServer, manager: AppContext
) -> None:
    company = create_company(engine=manager.engine, data=CompanyInput(name="Northwind"))
    phone = list_templates(engine=manager.engine, touchpoint="phone")[0]
    audit = start_audit(engine=manager.engine, company_id=company.id, template_id=phone.id)
    runner = AuditRunner(engine=manager.engine, audit_id=audit.id)
    item = next(i for i in runner.template.items() if i.type is ItemType.YES_NO)
    before = list_audits(engine=manager.engine)[0]

    statements: list[str] = []

    def stop_mid_save(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)
        if "INSERT INTO answer" in statement:  # the save's one statement, about to be sent
            postgres_server.stop("immediate")

    event.listen(manager.engine, "before_cursor_execute", stop_mid_save)
    try:
        with pytest.raises(StorageError) as info:
            runner.set_answer(item.id, item.pass_answer)
    finally:
        event.remove(manager.engine, "before_cursor_execute", stop_mid_save)
        postgres_server.start()
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("could not save: the connection to the database server was lost")
    assert any("INSERT INTO answer" in s for s in statements)
    assert item.id not in runner.values  # memory is as the database: unchanged

    # The server is back: nothing of the cut save is there, and the same save goes through.
    assert item.id not in load_audit(engine=manager.engine, audit_id=audit.id).answers
    assert list_audits(engine=manager.engine)[0].answered == before.answered
    runner.set_answer(item.id, item.pass_answer)
    saved = load_audit(engine=manager.engine, audit_id=audit.id)
    assert saved.values[item.id] == item.pass_answer
    assert list_audits(engine=manager.engine)[0].answered == before.answered + 1


def counts(engine: Engine) -> dict[str, int]:
    """The number of rows in every table (a manager reads them all)."""
    with engine.connect() as conn:
        return {
            table: int(conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one())
            for table in sorted(inspect(conn).get_table_names())
        }


def stop_at(server: PostgresServer, starts: str) -> Callable[..., None]:
    """A `before_cursor_execute` hook that stops the server at the first statement that starts
    with `starts`, or holds it in a `WITH` (a saved answer is `WITH saved_answer AS (INSERT
    INTO answer …) UPDATE audit …`); the statement is then sent to a server that is gone."""

    def hook(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        text = statement.lstrip()
        held = text.startswith("WITH ") and f"({starts}" in text.replace("( ", "(")
        if (text.startswith(starts) or held) and not hook.fired:  # type: ignore[attr-defined]
            hook.fired = True  # type: ignore[attr-defined]
            server.stop("immediate")

    hook.fired = False  # type: ignore[attr-defined]
    return hook


def test_an_import_cut_by_the_server_stopping_is_one_line_and_leaves_nothing(
    capsys: pytest.CaptureFixture[str],
    postgres_server: PostgresServer,
    manager: AppContext,
    tmp_path: Path,
) -> None:
    ctx = AppContext.open(tmp_path / "shopper")  # the shopper's machine, on SQLite
    ids = []
    for name in ("Acme", "Łąka"):
        audit_id = new_counts_audit(ctx, tmp_path, company=name)
        runner = AuditRunner(engine=ctx.engine, audit_id=audit_id)
        runner.set_answer("c1", 3)
        runner.set_note("c2", "two rings — „za długo”")
        ids.append(audit_id)
    bundle = tmp_path / "day.shopper"
    export_bundle(engine=ctx.engine, data_dir=ctx.data_dir, path=bundle, audit_ids=ids)
    ctx.close()
    url = manager.engine.url.render_as_string(hide_password=False)
    before = counts(manager.engine)

    # The merge's transaction has written the companies, the template and the audits when the
    # server goes, just before their answers.
    hook = stop_at(postgres_server, "INSERT INTO answer")
    event.listen(Engine, "before_cursor_execute", hook)
    try:
        line = user_error(capsys, "--db", url, "import", str(bundle))
    finally:
        event.remove(Engine, "before_cursor_execute", hook)
        postgres_server.start()
    assert hook.fired  # type: ignore[attr-defined]
    assert line.startswith(
        "shopper: error: could not save the import: the connection to the database server was lost"
    ), line

    assert counts(manager.engine) == before  # nothing half-written
    ok(capsys, "--db", url, "import", str(bundle))
    after = counts(manager.engine)
    assert after["audit"] == before["audit"] + 2
    assert after["answer"] > before["answer"]
    assert {row.id for row in list_audits(engine=manager.engine)} >= set(ids)


def test_a_report_cut_by_the_server_stopping_is_one_line_and_writes_no_file(
    capsys: pytest.CaptureFixture[str],
    postgres_server: PostgresServer,
    manager: AppContext,
) -> None:
    company = create_company(engine=manager.engine, data=CompanyInput(name="Northwind"))
    phone = list_templates(engine=manager.engine, touchpoint="phone")[0]
    audit = start_audit(engine=manager.engine, company_id=company.id, template_id=phone.id)
    runner = AuditRunner(engine=manager.engine, audit_id=audit.id)
    item = next(i for i in runner.template.items() if i.type is ItemType.YES_NO)
    runner.set_answer(item.id, item.pass_answer)
    runner.set_note(item.id, "Łódź — answered at once")
    url = manager.engine.url.render_as_string(hide_password=False)
    folder = manager.data_dir.parent / "reports"
    folder.mkdir()
    pdf = folder / "audit.pdf"

    # The report has found the audit and is reading its answers when the server goes.
    hook = stop_at(postgres_server, "SELECT answer.")
    event.listen(Engine, "before_cursor_execute", hook)
    try:
        line = user_error(capsys, "--db", url, "report", audit.id[:8], "-o", str(pdf))
    finally:
        event.remove(Engine, "before_cursor_execute", hook)
        postgres_server.start()
    assert hook.fired  # type: ignore[attr-defined]
    assert line.startswith(
        "shopper: error: could not read the database: the connection to the database server "
        "was lost"
    ), line
    assert list(folder.iterdir()) == []  # no PDF, no temporary file beside it

    ok(capsys, "--db", url, "report", audit.id[:8], "-o", str(pdf))
    text_of_pdf = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Northwind" in text_of_pdf
