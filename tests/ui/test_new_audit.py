"""New audit: on a team database the shopper is the login, with its full name, not typed."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from shopper.services.audits import load_audit
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.ui import new_audit as new_audit_module
from shopper.ui.new_audit import NewAuditDialog, load_choices
from shopper.ui.settings import Settings


def test_a_shoppers_audit_is_their_login_and_they_cannot_add_companies(
    qtbot: QtBot, as_jan: tuple[AppContext, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx, company_id = as_jan
    assert ctx.connection is not None and ctx.connection.is_field
    threads: list[bool] = []
    real_start = new_audit_module.start_audit

    def spy(**kwargs: Any) -> Any:
        threads.append(threading.current_thread() is threading.main_thread())
        return real_start(**kwargs)

    monkeypatch.setattr(new_audit_module, "start_audit", spy)
    dialog = NewAuditDialog(
        ctx.engine,
        Settings(ctx.data_dir),
        None,
        company_id,
        team=ctx.connection,
        choices=load_choices(ctx.engine),
    )
    qtbot.addWidget(dialog)
    assert dialog.shopper.text() == "Jan Kowalski (jan)"
    assert dialog.shopper.isReadOnly()
    new_company = next(b for b in dialog.findChildren(QPushButton) if "company" in b.text())
    assert not new_company.isEnabled()
    with qtbot.waitSignal(dialog.accepted, timeout=20000):
        dialog.accept()  # off the GUI thread: it closes once the audit is in
    assert dialog.audit is not None
    assert threads == [False]
    assert load_audit(engine=ctx.engine, audit_id=dialog.audit.id).audit.shopper == "jan"


def test_on_this_computers_database_the_shopper_is_typed(qtbot: QtBot, ctx: AppContext) -> None:
    company = create_company(engine=ctx.engine, data=CompanyInput(name="Northwind"))
    dialog = NewAuditDialog(ctx.engine, Settings(ctx.data_dir), None, company.id)
    qtbot.addWidget(dialog)
    assert not dialog.shopper.isReadOnly()
    dialog.shopper.setText("Anna")
    dialog.accept()
    assert dialog.audit is not None
    assert load_audit(engine=ctx.engine, audit_id=dialog.audit.id).audit.shopper == "Anna"
    assert dialog.own_shop.isHidden()  # not linked to a team: no shop of one's own


def test_a_linked_computer_starts_a_shop_of_my_own_where_the_company_allows_it(
    qtbot: QtBot, ctx: AppContext
) -> None:
    from shopper.services.shops import list_shops

    closed = create_company(engine=ctx.engine, data=CompanyInput(name="Closed Ltd"))
    opened = create_company(
        engine=ctx.engine, data=CompanyInput(name="Open Ltd", allow_unassigned=True)
    )
    dialog = NewAuditDialog(ctx.engine, Settings(ctx.data_dir), None, closed.id, linked=True)
    qtbot.addWidget(dialog)
    assert not dialog.own_shop.isHidden()
    assert not dialog.own_shop.isEnabled() and not dialog.own_shop.isChecked()
    dialog.company.setCurrentIndex(dialog.company.findData(opened.id))
    assert dialog.own_shop.isEnabled() and dialog.own_shop.isChecked()
    dialog.shopper.setText("jan")
    dialog.accept()
    assert dialog.audit is not None
    [shop] = list_shops(engine=ctx.engine)
    assert (shop.audit_id, shop.shopper, shop.created_by, shop.company) == (
        dialog.audit.id,
        "jan",
        "jan",
        "Open Ltd",
    )
