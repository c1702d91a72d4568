"""The runner shows a checklist in the shopper's language (View › Checklist language…)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QInputDialog, QMenu, QRadioButton
from pytestqt.qtbot import QtBot

from shopper.services.audits import start_audit
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.services.templates import import_template_file
from shopper.ui.main_window import MainWindow
from shopper.ui.runner.view import AuditRunnerView
from shopper.ui.settings import Options, Settings
from tests.domain.multilingual import write_multilingual
from tests.ui.helpers import show, show_window


def open_view(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> AuditRunnerView:
    template = import_template_file(engine=ctx.engine, path=write_multilingual(tmp_path))
    company = create_company(engine=ctx.engine, data=CompanyInput(name="Northwind"))
    audit = start_audit(engine=ctx.engine, company_id=company.id, template_id=template.id)
    view = AuditRunnerView(AuditRunner(engine=ctx.engine, audit_id=audit.id), ctx.data_dir)
    show(qtbot, view)
    return view


@pytest.mark.parametrize(
    ("language", "prompt", "help_text", "smile"),
    [
        ("fr", "Vous a-t-on salué ?", "Dans la minute après votre entrée.", "Avec un sourire"),
        ("", "Were you greeted?", "Within a minute of coming in.", "With a smile"),
        ("de", "Were you greeted?", "Within a minute of coming in.", "With a smile"),
    ],
)
def test_the_runner_shows_the_shoppers_language(
    qtbot: QtBot,
    ctx: AppContext,
    tmp_path: Path,
    language: str,
    prompt: str,
    help_text: str,
    smile: str,
) -> None:
    Settings(ctx.data_dir).set(Options.CHECKLIST_LANGUAGE, language)
    view = open_view(qtbot, ctx, tmp_path)
    panel = view.item_panel
    panel.show_item(view.template.item("greeted"))
    assert (panel.prompt.text(), panel.help.text()) == (prompt, help_text)
    panel.show_item(view.template.item("how"))
    assert panel.editor is not None
    labels = [b.text() for b in panel.editor.findChildren(QRadioButton)]
    assert labels[0] == f"1.  {smile}"
    # Only the words change: answers are stored by key, in the template as it is.
    assert view.runner.template.item("how").options[0].label == "With a smile"


def test_view_checklist_language_sets_the_setting(
    qtbot: QtBot, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = show_window(qtbot, MainWindow(ctx))
    monkeypatch.setattr(QInputDialog, "getText", lambda *_a, **_k: ("  French (fr) ", True))
    view_menu = next(m for m in window.menuBar().findChildren(QMenu) if m.title() == "&View")
    assert window.language_action in view_menu.actions()
    window.language_action.trigger()
    assert Settings(ctx.data_dir).get(Options.CHECKLIST_LANGUAGE) == "French (fr)"
    window.close()
