"""A company saved from its dialog: at once on this computer's database, off the GUI thread
on a team database (the dialog closes once it is saved)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from shopper.services.companies import list_companies
from shopper.services.context import AppContext
from shopper.ui import company_dialog as dialog_module
from shopper.ui.company_dialog import CompanyDialog
from shopper.ui.workers import wait_for_background
from tests.postgres import DATABASES, app_context


@pytest.fixture(params=DATABASES)
def context(request: pytest.FixtureRequest, data_dir: Path) -> Any:
    with app_context(request.param, request, data_dir) as ctx:
        yield ctx
        assert wait_for_background(30)


def test_a_new_company_is_saved_and_only_a_team_database_saves_it_in_the_background(
    qtbot: QtBot, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[bool] = []
    real = dialog_module.create_company

    def spy(**kwargs: Any) -> Any:
        threads.append(threading.current_thread() is threading.main_thread())
        return real(**kwargs)

    monkeypatch.setattr(dialog_module, "create_company", spy)
    dialog = CompanyDialog(context.engine)
    qtbot.addWidget(dialog)
    dialog.name.setText("Northwind 'Outfitters'; --")
    with qtbot.waitSignal(dialog.accepted, timeout=20000):
        dialog.accept()
    assert dialog.saved is not None
    assert [c.name for c in list_companies(engine=context.engine)] == ["Northwind 'Outfitters'; --"]
    on_team = context.engine.dialect.name == "postgresql"
    assert threads == [not on_team]


def test_a_refused_save_says_why_and_the_dialog_stays_open(
    qtbot: QtBot, context: AppContext
) -> None:
    dialog = CompanyDialog(context.engine)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.name.setText("")  # a company needs a name
    dialog.accept()
    qtbot.waitUntil(lambda: not dialog.saving, timeout=20000)
    assert dialog.saved is None and dialog.isVisible() and dialog.buttons.isEnabled()


def test_editing_keeps_the_notes_and_saves_whether_own_shops_are_allowed(
    qtbot: QtBot, data_dir: Path
) -> None:
    from shopper.services.companies import CompanyInput, create_company, get_company

    ctx = AppContext.open(data_dir)
    try:
        made = create_company(
            engine=ctx.engine, data=CompanyInput(name="Northwind", notes="From a bundle")
        )
        dialog = CompanyDialog(ctx.engine, company=made)
        qtbot.addWidget(dialog)
        assert not dialog.allow_unassigned.isChecked()
        dialog.allow_unassigned.setChecked(True)
        with qtbot.waitSignal(dialog.accepted, timeout=20000):
            dialog.accept()
        saved = get_company(engine=ctx.engine, company_id=made.id)
        assert (saved.notes, saved.allow_unassigned) == ("From a bundle", True)
        again = CompanyDialog(ctx.engine, company=saved)
        qtbot.addWidget(again)
        assert again.allow_unassigned.isChecked()
    finally:
        ctx.close()
