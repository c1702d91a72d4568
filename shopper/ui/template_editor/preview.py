"""Try it: the template being edited, in the real audit runner, where nothing is saved.

The runner works on a throwaway database made for the purpose (off the GUI thread) and
deleted when the window closes; the real database never sees the answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from shopper.domain.errors import ShopperError
from shopper.ui.style import STYLE_SHEET
from shopper.ui.workers import Operation, run_quietly

if TYPE_CHECKING:
    from shopper.domain.template import Template
    from shopper.services.runner import AuditRunner
    from shopper.services.template_edits import Preview
    from shopper.ui.runner.view import AuditRunnerView

PREPARING = "Preparing a trial audit…"
BANNER = "Trying it out: answers here are not saved anywhere. Ctrl+W closes the window."


_open: set[PreviewWindow] = set()
"""Every trial window not deleted yet: a closed one may still wait for its database."""


class PreviewWindow(QWidget):
    """A window of its own with the runner on a trial audit of `template`."""

    def __init__(self, template: Template) -> None:
        # No parent: the window outlives its editor until the trial database it is making
        # is there to delete (closed before, it hides and waits; see `closeEvent`).
        super().__init__(None, Qt.WindowType.Window)
        self.setStyleSheet(STYLE_SHEET)
        self.setWindowTitle(f"Try it: {template.title}")
        self.template = template
        self.preview: Preview | None = None
        self.view: AuditRunnerView | None = None
        self._closed = False
        self._pending = True
        _open.add(self)
        self.banner = QLabel(BANNER)
        self.banner.setObjectName("shopInstructions")
        self.banner.setWordWrap(True)
        self.status = QLabel(PREPARING)
        self.status.setObjectName("placeholder")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.layout_ = QVBoxLayout(self)
        self.layout_.addWidget(self.banner)
        self.layout_.addWidget(self.status, 1)
        close = QAction(self)
        close.setShortcut(QKeySequence("Ctrl+W"))  # Esc is the runner's own key
        close.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        close.triggered.connect(self.close)
        self.addAction(close)
        self.resize(1100, 720)
        self._operation: Operation = run_quietly(
            self, self._prepare, on_done=self._ready, on_error=self._failed
        )

    def _prepare(self) -> tuple[Preview, AuditRunner]:
        from shopper.services.runner import AuditRunner
        from shopper.services.template_edits import open_preview

        preview = open_preview(template=self.template)
        try:
            return preview, AuditRunner(engine=preview.engine, audit_id=preview.audit_id)
        except BaseException:
            preview.close()
            raise

    def _ready(self, result: Any) -> None:
        from shopper.ui.runner.view import AuditRunnerView

        self._pending = False
        preview, runner = result
        if self._closed:  # closed while it was being prepared
            preview.close()
            self._release()
            return
        self.preview = preview
        self.view = AuditRunnerView(runner, preview.folder, queued=False)
        self.status.hide()
        self.layout_.addWidget(self.view, 1)
        self.view.setFocus()

    def _failed(self, exc: Exception) -> None:
        self._pending = False
        if self._closed:
            self._release()
            return
        text = str(exc) if isinstance(exc, ShopperError) else f"Cannot try it: {exc}"
        self.status.setText(text)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._closed = True
        if self.view is not None:
            self.view.close()
            self.view.deleteLater()
            self.view = None
        if self.preview is not None:
            self.preview.close()
            self.preview = None
        super().closeEvent(event)
        if not self._pending:
            self._release()

    def _release(self) -> None:
        _open.discard(self)
        self.deleteLater()
