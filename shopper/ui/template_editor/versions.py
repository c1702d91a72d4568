"""A template's stored versions, and what changed between two of them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from shopper.domain.errors import ShopperError
from shopper.domain.wording import count_of
from shopper.ui.workers import Operation, on_a_server, run_soon

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from shopper.services.template_edits import VersionInfo

NO_CHANGES = "No item changed between these versions."


class VersionsDialog(QDialog):
    """Versions newest first; pick two (From, To) to list the changes of their items."""

    def __init__(self, engine: Engine, template_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle("Checklist versions")
        self.engine = engine
        self.template_id = template_id
        self.versions: list[VersionInfo] = []
        self._operation: Operation | None = None
        self.version_list = QListWidget()
        self.version_list.setMinimumHeight(self.fontMetrics().height() * 6)
        self.old_box, self.new_box = QComboBox(), QComboBox()
        pick = QHBoxLayout()
        for text, box in (("&From version", self.old_box), ("&to version", self.new_box)):
            label = QLabel(text)
            label.setBuddy(box)
            pick.addWidget(label)
            pick.addWidget(box)
        pick.addStretch(1)
        self.changes = QListWidget()
        self.changes.setWordWrap(True)
        self.changes.setMinimumHeight(self.fontMetrics().height() * 10)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        heading = QLabel("Versions")
        heading.setObjectName("heading")
        layout.addWidget(heading)
        layout.addWidget(self.version_list)
        layout.addLayout(pick)
        heading = QLabel("What changed")
        heading.setObjectName("heading")
        layout.addWidget(heading)
        layout.addWidget(self.changes, 1)
        layout.addWidget(buttons)
        self.old_box.activated.connect(lambda _n: self.compare())
        self.new_box.activated.connect(lambda _n: self.compare())
        self.resize(720, 560)
        self._load()

    def _load(self) -> None:
        from shopper.services.template_edits import template_versions

        engine, template_id = self.engine, self.template_id
        self._operation = run_soon(
            self,
            lambda: template_versions(engine=engine, template_id=template_id),
            in_background=on_a_server(engine),
            on_done=self._loaded,
            on_error=self._failed,
        )

    def _loaded(self, versions: list[VersionInfo]) -> None:
        self.versions = versions
        self.version_list.clear()
        for info in reversed(versions):
            when = info.added_at.astimezone().strftime("%Y-%m-%d %H:%M")
            used = count_of(info.audits, "audit") if info.audits else "no audits"
            self.version_list.addItem(f"Version {info.version} · {when} · {info.title} · {used}")
        for box in (self.old_box, self.new_box):
            box.clear()
            for info in versions:
                box.addItem(str(info.version), info.version)
        if len(versions) >= 2:
            self.old_box.setCurrentIndex(len(versions) - 2)
        self.new_box.setCurrentIndex(len(versions) - 1)
        self.compare()

    def compare(self) -> None:
        from shopper.services.template_edits import version_changes

        old, new = self.old_box.currentData(), self.new_box.currentData()
        if old is None or new is None:
            return
        if old == new:
            self._show_changes(None)
            return
        engine, template_id = self.engine, self.template_id
        self._operation = run_soon(
            self,
            lambda: version_changes(engine=engine, template_id=template_id, old=old, new=new),
            in_background=on_a_server(engine),
            on_done=self._show_changes,
            on_error=self._failed,
        )

    def _show_changes(self, changes: Any) -> None:
        self.changes.clear()
        if changes is None:
            self.changes.addItem("Pick two different versions to see what changed.")
            return
        if not changes:
            self.changes.addItem(NO_CHANGES)
        for change in changes:
            self.changes.addItem(change.text)

    def change_lines(self) -> list[str]:
        return [self.changes.item(n).text() for n in range(self.changes.count())]

    def _failed(self, exc: Exception) -> None:
        self.changes.clear()
        self.changes.addItem(str(exc) if isinstance(exc, ShopperError) else f"Cannot read: {exc}")
