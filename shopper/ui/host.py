"""What the main window offers the action sets that plug into it (Analyse, data safety).

`AnalysisActions` and `DataActions` add menus and work to a main window without knowing
its class: they get the window as a plain `QMainWindow` (menus, status bar, parent of
their dialogs) and this narrow interface for the rest, which `MainWindow` implements.
So the window depends on them, never they on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QMenu
    from sqlalchemy import Engine

    from shopper.services.context import AppContext
    from shopper.services.records import CompanyRow
    from shopper.ui.runner.view import AuditRunnerView


class AuditHost(Protocol):
    """The open database, the selection and the open audit of a main window."""

    ctx: AppContext
    file_menu: QMenu
    quit_action: QAction

    @property
    def engine(self) -> Engine: ...

    @property
    def runner_view(self) -> AuditRunnerView | None: ...

    def companies(self) -> list[CompanyRow]:
        """The companies the window lists, as last read (never a query)."""
        ...

    def selected_company_id(self) -> str:
        """The company chosen in the list; "" for all companies."""
        ...

    def selected_touchpoint(self) -> str:
        """The touchpoint in the filter, else the open audit's; "" for none."""
        ...

    def selected_filter_touchpoint(self) -> str:
        """The touchpoint in the filter only; "" for any."""
        ...

    def selected_status(self) -> str:
        """The status in the filter; "" for any."""
        ...

    def open_audit(self, audit_id: str) -> bool:
        """Open an audit in the runner where it was left; False if it could not be."""
        ...

    def show_audit_at(self, audit_id: str, item_id: str) -> None:
        """Open an audit at an item and bring the window forward."""
        ...

    def close_audit(self) -> None:
        """Close the open audit (it is gone, or the database under it was replaced)."""
        ...

    def adopt_engine(self, engine: Engine) -> None:
        """Work on a fresh engine (a restore's): windows holding the old one close."""
        ...

    def refresh(self) -> None:
        """Reload the lists from the database."""
        ...
