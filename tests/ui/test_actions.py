"""The action plan window, Create action (from a finding, a theme) and the themes view."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, QItemSelectionModel, Qt
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from shopper.domain.actions import ActionStatus, State
from shopper.services import actions as service
from shopper.services.context import AppContext
from shopper.services.findings import FindingKind
from shopper.ui.action_dialog import ActionDialog
from shopper.ui.actions_window import ActionsWindow
from shopper.ui.chime_window import ChimeWindow
from shopper.ui.findings import FindingsWindow
from shopper.ui.rows_model import RowsModel
from tests.services.analysis_data import T0, History, build_history
from tests.ui.helpers import show
from tests.ui.test_labels import problems

LOAD = 15000


@pytest.fixture
def history(ctx: AppContext, tmp_path: Path) -> History:
    found = build_history(ctx, tmp_path)
    service.create_action(
        engine=ctx.engine,
        data=service.ActionInput(
            company="Acme Stores",
            title="Dust the shelves",
            audit=found.audits["A2"],
            item="clean",
            owner="Ola",
        ),
        at=T0 + timedelta(days=31),
    )
    service.create_action(
        engine=ctx.engine,
        data=service.ActionInput(
            company="Other Shop", title="Faster tills", theme="speed", owner="Tom"
        ),
        at=T0 + timedelta(days=31),
    )
    return found


def select(table: QTableView, model: RowsModel[Any], number: int) -> None:
    flags = QItemSelectionModel.SelectionFlag
    table.selectionModel().select(model.index(number, 0), flags.ClearAndSelect | flags.Rows)


def open_plan(qtbot: QtBot, ctx: AppContext) -> ActionsWindow:
    window = ActionsWindow(ctx.engine)
    show(qtbot, window)
    qtbot.waitUntil(lambda: not window.loading, timeout=LOAD)
    return window


def test_the_plan_shows_the_verified_action_and_filters(
    qtbot: QtBot, qtmodeltester: object, ctx: AppContext, history: History
) -> None:
    window = open_plan(qtbot, ctx)
    qtmodeltester.check(window.model, force_py=True)  # type: ignore[attr-defined]
    shown = {r.title: r for r in window.model.rows()}
    assert set(shown) == {"Dust the shelves", "Faster tills"}
    assert shown["Dust the shelves"].describe == (
        f"fixed, verified by audit {history.audits['A3'][:8]} on 2025-05-02"
    )
    assert "1 fixed and verified by an audit" in window.summary.text()
    window.owner_combo.setCurrentIndex(window.owner_combo.findData("Tom"))
    assert [r.title for r in window.model.rows()] == ["Faster tills"]
    window.owner_combo.setCurrentIndex(0)
    window.status_combo.setCurrentIndex(window.status_combo.findData(State.FIXED.value))
    assert [r.title for r in window.model.rows()] == ["Dust the shelves"]
    window.status_combo.setCurrentIndex(0)
    window.overdue_check.setChecked(True)
    assert window.model.rows() == []
    assert "No actions here" in window.summary.text()
    assert problems(window) == []


def test_a_status_set_in_the_window_is_stored(
    qtbot: QtBot, ctx: AppContext, history: History
) -> None:
    window = open_plan(qtbot, ctx)
    number = next(i for i, r in enumerate(window.model.rows()) if r.title == "Faster tills")
    select(window.table, window.model, number)
    assert window.status_buttons[ActionStatus.DONE].isEnabled()
    assert window.details.text().startswith("Faster tills — open\nSince it was made (")
    window.status_buttons[ActionStatus.DONE].click()
    qtbot.waitUntil(lambda: window._busy is None and not window.loading, timeout=LOAD)
    [row] = [r for r in service.list_actions(engine=ctx.engine) if r.title == "Faster tills"]
    assert row.status is ActionStatus.DONE


def test_the_plan_exports_its_pdf_and_table(
    qtbot: QtBot, ctx: AppContext, history: History, tmp_path: Path
) -> None:
    window = open_plan(qtbot, ctx)
    window.export_table(tmp_path / "actions.csv")
    qtbot.waitUntil(lambda: window._busy is None, timeout=LOAD)
    assert window.summary.text() == f"Wrote 2 actions to {tmp_path / 'actions.csv'}."
    assert not window.pdf_button.isEnabled()  # all companies: choose one first
    window.company_combo.setCurrentIndex(window.company_combo.findData(history.company_id))
    qtbot.waitUntil(lambda: not window.loading, timeout=LOAD)
    assert window.pdf_button.isEnabled()
    window.export_pdf(tmp_path / "plan.pdf")
    qtbot.waitUntil(lambda: window._busy is None, timeout=LOAD)
    assert (tmp_path / "plan.pdf").read_bytes().startswith(b"%PDF-")
    assert window.summary.text().startswith(f"Wrote {tmp_path / 'plan.pdf'} (")


def test_create_action_from_a_failed_item_in_the_findings(
    qtbot: QtBot, ctx: AppContext, history: History
) -> None:
    findings = FindingsWindow(ctx.engine, company_id=history.company_id)
    show(qtbot, findings)
    findings.from_edit.setDate(QDate(2025, 1, 1))  # the history is of 2025
    findings.reload()
    qtbot.waitUntil(lambda: not findings.loading, timeout=LOAD)
    # The empathy theme: greet failed in A3, and a bad moment.
    themes = findings.theme_model.rows()
    select(findings.theme_table, findings.theme_model, [t.theme for t in themes].index("empathy"))
    rows = findings.finding_model.rows()
    failed = [i for i, f in enumerate(rows) if f.kind is FindingKind.FAILED_ITEM]
    select(findings.finding_table, findings.finding_model, failed[0])
    dialog = findings.create_action()
    assert isinstance(dialog, ActionDialog)
    assert (dialog.draft.audit, dialog.draft.item) == (history.audits["A3"], "greet")
    assert not dialog.company_combo.isEnabled()
    dialog.save()  # no title: named in the dialog, which stays
    assert dialog.error_label.isVisible() and "Title" in dialog.error_label.text()
    assert dialog.isVisible()
    dialog.title_edit.setText("Greet everyone")
    dialog.owner_edit.setText("Ola")
    with qtbot.waitSignal(dialog.created, timeout=LOAD):
        dialog.save()
    [made] = [r for r in service.list_actions(engine=ctx.engine) if r.title == "Greet everyone"]
    assert (made.item_id, made.theme, made.owner, made.company_id) == (
        "greet",
        "empathy",
        "Ola",
        history.company_id,
    )
    assert made.due is not None

    # A bad moment makes an action on its moment.
    moments = [i for i, f in enumerate(rows) if f.kind is FindingKind.BAD_MOMENT]
    select(findings.finding_table, findings.finding_model, moments[0])
    dialog = findings.create_action()
    assert dialog.draft.moment is not None and dialog.draft.item is None


def test_the_themes_view_and_an_action_on_a_theme(
    qtbot: QtBot, qtmodeltester: object, ctx: AppContext, history: History
) -> None:
    window = ChimeWindow(ctx.engine, company_id=history.company_id)
    show(qtbot, window)
    qtbot.waitUntil(lambda: not window.loading, timeout=LOAD)
    qtmodeltester.check(window.model, force_py=True)  # type: ignore[attr-defined]
    assert {r.theme for r in window.model.rows()} == {"brand", "empathy", "speed", ""}
    assert window.summary.text().startswith(
        "Acme Stores: 3 completed audits beside the said-no log and imported complaints"
    )
    assert not window.action_button.isEnabled()
    number = [r.theme for r in window.model.rows()].index("speed")
    select(window.table, window.model, number)
    dialog = window.create_action()
    assert dialog is not None and dialog.theme_edit.text() == "speed"
    dialog.title_edit.setText("Faster service")
    with qtbot.waitSignal(dialog.created, timeout=LOAD):
        dialog.save()
    made = [r for r in service.list_actions(engine=ctx.engine) if r.title == "Faster service"]
    assert [(r.theme, r.source, r.company_id) for r in made] == [
        ("speed", "theme", history.company_id)
    ]
    assert problems(window) == []


def test_the_actions_menu_and_an_action_on_the_runners_item(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    from shopper.ui.main_window import MainWindow
    from tests.ui.helpers import new_audit, show_window, yes_no_template

    audit_id = new_audit(ctx, template_path=yes_no_template(tmp_path))
    window = show_window(qtbot, MainWindow(ctx))
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus.index("Act&ions") == menus.index("&Analyse") + 1  # from findings to fixes
    assert window.actions_menu.create_on_item() is None  # no audit open
    assert window.open_audit(audit_id)
    dialog = window.actions_menu.create_on_item()
    assert isinstance(dialog, ActionDialog)
    assert (dialog.draft.audit, dialog.draft.item) == (audit_id, "q1")
    dialog.title_edit.setText("Answer on the first ring")
    with qtbot.waitSignal(dialog.created, timeout=LOAD):
        dialog.save()
    [row] = service.list_actions(engine=ctx.engine)
    assert (row.audit_id, row.item_id, row.touchpoint) == (audit_id, "q1", "phone")
    plan = window.actions_menu.open_plan()
    qtbot.addWidget(plan)
    qtbot.waitUntil(lambda: not plan.loading, timeout=LOAD)
    assert [r.title for r in plan.model.rows()] == ["Answer on the first ring"]
    chime = window.actions_menu.open_chime()
    qtbot.addWidget(chime)
    qtbot.waitUntil(lambda: not chime.loading, timeout=LOAD)


def test_typed_text_shows_as_typed(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    from shopper.services.companies import CompanyInput, create_company

    create_company(engine=ctx.engine, data=CompanyInput(name="<b>Bold</b> & Co"))
    service.create_action(
        engine=ctx.engine,
        data=service.ActionInput(
            company="<b>Bold</b> & Co", title="<i>x</i>", theme="speed", detail="<a href='x'>y</a>"
        ),
    )
    window = open_plan(qtbot, ctx)
    select(window.table, window.model, 0)
    assert window.details.text().startswith("<i>x</i> — open\n<a href='x'>y</a>")
    assert window.details.textFormat() == Qt.TextFormat.PlainText
    chime = ChimeWindow(ctx.engine)
    show(qtbot, chime)
    qtbot.waitUntil(lambda: not chime.loading, timeout=LOAD)
    assert chime.summary.textFormat() == Qt.TextFormat.PlainText
    assert chime.summary.text().startswith("<b>Bold</b> & Co: 0 completed audits")
