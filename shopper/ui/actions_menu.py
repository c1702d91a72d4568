"""The Actions menu of the main window: the action plan and the themes view ("Do they chime?").

Both windows are imported when first opened, not at start-up; they stay beside the main
window, and an action's audit opens in the main window's runner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow

from shopper.ui.menu_windows import MenuWindows

if TYPE_CHECKING:
    from shopper.ui.actions_window import ActionsWindow
    from shopper.ui.chime_window import ChimeWindow
    from shopper.ui.host import AuditHost


class ActionsMenu(MenuWindows):
    """Adds the Actions menu (before Help) and keeps the windows it opens."""

    def __init__(self, window: QMainWindow, host: AuditHost) -> None:
        super().__init__(window, host)
        self.plan_action = QAction("Action &plan…", window)
        self.plan_action.setStatusTip(
            "Every action, fixed (verified by an audit), still failing, open or overdue"
        )
        self.plan_action.triggered.connect(self._plan_chosen)
        self.chime_action = QAction("Do they &chime?…", window)
        self.chime_action.setStatusTip(
            "A company's themes: the audits beside complaints, feedback and the said-no log"
        )
        self.chime_action.triggered.connect(self._chime_chosen)
        self.item_action = QAction("Create action on this &item…", window)
        self.item_action.setStatusTip(
            "An action on the open audit's current item; the next audit of it verifies it"
        )
        self.item_action.triggered.connect(self.create_on_item)
        bar = window.menuBar()
        menu = bar.addMenu("Act&ions")
        menu.addAction(self.plan_action)
        menu.addAction(self.chime_action)
        menu.addSeparator()
        menu.addAction(self.item_action)
        help_action = next((a for a in bar.actions() if a.text() == "&Help"), None)
        if help_action is not None:
            bar.removeAction(menu.menuAction())
            bar.insertMenu(help_action, menu)

    # `triggered` passes `checked`: not a company id.
    def _plan_chosen(self) -> None:
        self.open_plan()

    def _chime_chosen(self) -> None:
        self.open_chime()

    def create_on_item(self) -> Any:
        """The Create action dialog for the runner's current item (of a stored audit)."""
        from shopper.services.actions import ActionInput
        from shopper.ui.action_dialog import ActionDialog

        view = self.host.runner_view
        if view is None:
            self.window.statusBar().showMessage("Open an audit first, at the item to act on", 5000)
            return None
        runner, item = view.runner, view.current
        company = runner.company
        draft = ActionInput(company=company.id, title="", audit=runner.audit_id, item=item.id)
        self.dialog = ActionDialog(
            self.host.engine,
            draft,
            about=f"Item: {item.prompt} ({company.name}). The next audit of this touchpoint"
            " verifies it.",
            companies=[(company.id, company.name)],
            parent=self.window,
        )
        self.dialog.open()
        return self.dialog

    def _opened(self, widget: Any) -> None:
        widget.open_audit.connect(self.host.show_audit_at)

    def open_plan(self, company_id: str | None = None) -> ActionsWindow:
        from shopper.ui.actions_window import ActionsWindow

        window: ActionsWindow = self._keep(
            ActionsWindow(
                self.host.engine,
                company_id=self.host.selected_company_id() if company_id is None else company_id,
                parent=self.window,
                companies=self.host.companies(),
            )
        )
        return window

    def open_chime(self, company_id: str | None = None) -> ChimeWindow:
        from shopper.ui.chime_window import ChimeWindow

        window: ChimeWindow = self._keep(
            ChimeWindow(
                self.host.engine,
                company_id=self.host.selected_company_id() if company_id is None else company_id,
                parent=self.window,
                companies=self.host.companies(),
            )
        )
        return window
