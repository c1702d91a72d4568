"""Pick a stored checklist: a built-in one to copy, or one of your own to edit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.errors import ShopperError
from shopper.domain.template import touchpoint_label
from shopper.domain.wording import count_of
from shopper.ui.workers import Operation, on_a_server, run_soon

if TYPE_CHECKING:
    from sqlalchemy import Engine

NONE_OF_YOUR_OWN = (
    "No checklists of your own yet: make one with Template › New checklist or "
    "Template › Copy of a built-in."
)


class TemplatePicker(QDialog):
    """The latest version of each built-in (or each user) template; Enter picks one."""

    picked = Signal(str)
    """The id of the template picked."""

    def __init__(self, engine: Engine, *, builtin: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle("Copy a built-in checklist" if builtin else "Edit a checklist")
        self.engine = engine
        self.builtin = builtin
        self._operation: Operation | None = None
        self.hint = QLabel(
            "The copy gets an id of its own; the built-in one stays as it is."
            if builtin
            else "Saving a changed checklist stores its next version; audits keep theirs."
        )
        self.hint.setWordWrap(True)
        self.list = QListWidget()
        self.list.itemActivated.connect(lambda _i: self.accept())
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.buttons)
        self.resize(560, 420)
        self._load()

    def _load(self) -> None:
        from shopper.services.templates import list_templates

        engine = self.engine
        self._operation = run_soon(
            self,
            lambda: list_templates(engine=engine),
            in_background=on_a_server(engine),
            on_done=self._loaded,
            on_error=self._failed,
        )

    def _loaded(self, infos: list[Any]) -> None:
        self.list.clear()
        for info in infos:
            if info.builtin != self.builtin:
                continue
            text = (
                f"{info.title} · {touchpoint_label(info.touchpoint)} · version {info.version}"
                f" · {count_of(info.items, 'item')}"
            )
            row = QListWidgetItem(text)
            row.setData(Qt.ItemDataRole.UserRole, info.id)
            self.list.addItem(row)
        if self.list.count():
            self.list.setCurrentRow(0)
        else:
            self.list.addItem(NONE_OF_YOUR_OWN)
            self.list.item(0).setFlags(Qt.ItemFlag.NoItemFlags)
        self.list.setFocus()

    def _failed(self, exc: Exception) -> None:
        self.list.clear()
        self.list.addItem(str(exc) if isinstance(exc, ShopperError) else f"Cannot read: {exc}")

    def accept(self) -> None:
        row = self.list.currentItem()
        template_id = row.data(Qt.ItemDataRole.UserRole) if row is not None else None
        if not template_id:
            return
        super().accept()
        self.picked.emit(template_id)
