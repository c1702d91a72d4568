"""The team database's server stops (`pg_ctl stop -m immediate`) in the middle of a manager's
save: one clear line, nothing half-written, and the same save succeeds once it is back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from shopper.domain.errors import StorageError
from shopper.domain.template import ItemType
from shopper.services.audits import list_audits, load_audit, start_audit
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.services.templates import list_templates
from tests.postgres import PostgresServer, app_context

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
        if statement.startswith("INSERT INTO answer"):
            postgres_server.stop("immediate")  # the transaction is open, the answer not sent

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
    assert any(s.startswith("INSERT INTO answer") for s in statements)
    assert item.id not in runner.values  # memory is as the database: unchanged

    # The server is back: nothing of the cut save is there, and the same save goes through.
    assert item.id not in load_audit(engine=manager.engine, audit_id=audit.id).answers
    assert list_audits(engine=manager.engine)[0].answered == before.answered
    runner.set_answer(item.id, item.pass_answer)
    saved = load_audit(engine=manager.engine, audit_id=audit.id)
    assert saved.values[item.id] == item.pass_answer
    assert list_audits(engine=manager.engine)[0].answered == before.answered + 1
