"""The main window's Template menu: New, Copy of a built-in, Edit.

Light on purpose (the main window installs it once the database is open): the editor and
its dialogs are imported when an action is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QWidget

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from shopper.ui.host import AuditHost
    from shopper.ui.template_editor.window import TemplateEditor


class TemplateActions(QObject):
    """Adds the Template menu to a main window and keeps the editors it opens."""

    def __init__(self, window: QMainWindow, host: AuditHost) -> None:
        super().__init__(window)
        self.window = window
        self.host = host
        self.editors: list[TemplateEditor] = []
        self.picker: QWidget | None = None
        self._operation: Any = None
        bar = window.menuBar()
        menu = bar.addMenu("Te&mplate")
        self.new_action = self._add(menu, "&New checklist…", self.new_template)
        self.copy_action = self._add(menu, "&Copy of a built-in…", self.copy_builtin)
        self.edit_action = self._add(menu, "&Edit checklist…", self.edit_template)
        facts = host.ctx.connection
        if facts is not None and facts.is_field:  # the team database refuses it to shoppers
            for action in (self.new_action, self.copy_action, self.edit_action):
                action.setEnabled(False)
                action.setStatusTip("On the team database, a manager does this.")
        help_action = next((a for a in bar.actions() if a.text() == "&Help"), None)
        if help_action is not None:  # Help stays last
            bar.removeAction(menu.menuAction())
            bar.insertMenu(help_action, menu)

    @property
    def engine(self) -> Engine:
        return self.host.engine  # read each time: a restore gives the window a new one

    def _add(self, menu: Any, text: str, slot: Any) -> QAction:
        action = QAction(text, self.window)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def new_template(self) -> TemplateEditor:
        from shopper.services.template_edits import new_template_data

        return self.open_editor(new_template_data(), stored=False)

    def copy_builtin(self) -> None:
        self._pick(builtin=True)

    def edit_template(self) -> None:
        self._pick(builtin=False)

    def _pick(self, *, builtin: bool) -> None:
        from shopper.ui.template_editor.picker import TemplatePicker

        picker = TemplatePicker(self.engine, builtin=builtin, parent=self.window)
        picker.picked.connect(lambda template_id: self.open_stored(template_id, copy=builtin))
        self.picker = picker
        picker.show()

    def open_stored(self, template_id: str, *, copy: bool) -> None:
        """Open a stored template (its newest version) in an editor, or a copy of it."""
        from shopper.services.template_edits import copy_data, editable_data
        from shopper.ui.crash import show_error
        from shopper.ui.workers import on_a_server, run_soon

        read = copy_data if copy else editable_data
        engine = self.engine
        self._operation = run_soon(
            self.window,
            lambda: read(engine=engine, template_id=template_id),
            in_background=on_a_server(engine),
            on_done=lambda data: self._read(data, stored=not copy),
            on_error=lambda exc: show_error(self.window, str(exc), title="Checklist not opened"),
        )

    def _read(self, data: dict[str, Any], *, stored: bool) -> None:
        self.open_editor(data, stored=stored)

    def open_editor(self, data: dict[str, Any], *, stored: bool) -> TemplateEditor:
        from shopper.ui.template_editor.window import TemplateEditor

        editor = TemplateEditor(self.engine, data, stored=stored)
        refresh = getattr(self.window, "refresh", None)
        if callable(refresh):
            editor.saved.connect(lambda _t: refresh())
        editor.destroyed.connect(lambda *_a: self._forget(editor))
        self.editors.append(editor)
        editor.show()
        editor.activateWindow()
        return editor

    def _forget(self, editor: TemplateEditor) -> None:
        if editor in self.editors:
            self.editors.remove(editor)
