"""The Template menu: New, Copy of a built-in, Edit; a shopper on the team database has none."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from shopper.services.context import AppContext
from shopper.services.templates import list_templates
from shopper.ui.template_editor.menu import TemplateActions
from shopper.ui.template_editor.picker import TemplatePicker


@dataclass
class Host:
    ctx: AppContext

    @property
    def engine(self) -> Engine:
        return self.ctx.engine


def window_with_menu(qtbot: QtBot, ctx: AppContext) -> tuple[QMainWindow, TemplateActions]:
    window = QMainWindow()
    qtbot.addWidget(window)
    window.menuBar().addMenu("&Help")
    return window, TemplateActions(window, Host(ctx))  # type: ignore[arg-type]


def test_the_menu_copies_a_built_in_and_edits_ones_own(qtbot: QtBot, ctx: AppContext) -> None:
    window, actions = window_with_menu(qtbot, ctx)
    assert [a.text() for a in window.menuBar().actions()] == ["Te&mplate", "&Help"]
    actions.copy_builtin()
    picker = actions.picker
    assert isinstance(picker, TemplatePicker)
    builtin = {i.id: i for i in list_templates(engine=ctx.engine) if i.builtin}
    assert picker.list.count() == len(builtin)
    picker.accept()  # the first one
    qtbot.waitUntil(lambda: bool(actions.editors), timeout=5000)
    editor = actions.editors[-1]
    qtbot.addWidget(editor)
    assert editor.model.doc["id"] not in builtin and not editor.stored
    assert str(editor.model.doc["title"]).startswith("Copy of ")
    assert not editor.versions_action.isEnabled()
    editor.save()
    assert editor.stored and editor.versions_action.isEnabled()
    # Edit lists the user's own templates only: the copy.
    actions.edit_template()
    picker = actions.picker
    assert isinstance(picker, TemplatePicker)
    assert picker.list.count() == 1
    assert picker.list.item(0).text().startswith("Copy of ")


def test_a_shopper_on_the_team_database_has_the_menu_greyed_out(
    qtbot: QtBot, as_jan: tuple[AppContext, str]
) -> None:
    _window, actions = window_with_menu(qtbot, as_jan[0])
    for action in (actions.new_action, actions.copy_action, actions.edit_action):
        assert not action.isEnabled()
        assert action.statusTip() == "On the team database, a manager does this."
