"""Helpers for driving the GUI with the keyboard in tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from shopper.services.audits import start_audit
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.templates import import_template_file, list_templates

if TYPE_CHECKING:
    from shopper.ui.main_window import MainWindow

LISTS_TIMEOUT_MS = 20000


class Keyboard:
    """Sends keys to whatever widget has the focus, and counts them."""

    def __init__(self, qtbot: QtBot) -> None:
        self.qtbot = qtbot
        self.presses = 0

    def focus(self) -> QWidget:
        widget = QApplication.focusWidget()
        assert widget is not None, "no widget has the keyboard focus"
        return widget

    def press(
        self,
        key: str | Qt.Key,
        modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
    ) -> None:
        self.presses += 1
        self.qtbot.keyClick(self.focus(), key, modifier)

    def type(self, text: str) -> None:
        """Type text: one press per character, any script (QTest only knows Latin-1 keys)."""
        for char in text:
            if char.isascii():
                self.press(char)
                continue
            self.presses += 1
            widget = self.focus()
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                event = QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char)
                QApplication.sendEvent(widget, event)


def show(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow, timeout=2000)


def wait_for_lists(qtbot: QtBot, window: MainWindow) -> None:
    """Wait until the window has read its lists (and the audit to reopen) off the GUI thread.

    The window reads them in the background: after `refresh()`, a filter change or its
    start, the rows arrive a moment later, as they do for a user.
    """
    qtbot.waitUntil(lambda: not window.loading, timeout=LISTS_TIMEOUT_MS)


def show_window(qtbot: QtBot, window: MainWindow) -> MainWindow:
    """Show a main window and wait for its lists."""
    show(qtbot, window)
    wait_for_lists(qtbot, window)
    return window


YES_NO_TEMPLATE = """\
format: 1
id: 0d6c3c1e-6f2e-4f51-9a43-1f0a2b3c4d5e
version: 1
title: Keyboard test
touchpoint: phone
sections:
  - id: basics
    title: Basics
    items:
{items}
  - id: more
    title: More
    items:
      - id: rating
        prompt: How was it?
        type: rating
        required: true
      - id: remark
        prompt: Anything else?
        type: text
"""


def yes_no_template(tmp_path: Path, count: int = 8) -> Path:
    items = "\n".join(
        f"      - {{id: q{n}, prompt: 'Question {n}?', type: yes_no, required: true}}"
        for n in range(1, count + 1)
    )
    path = tmp_path / "keyboard.yaml"
    path.write_text(YES_NO_TEMPLATE.format(items=items), encoding="utf-8")
    return path


def new_audit(
    ctx: AppContext, *, template_path: Path | None = None, touchpoint: str = "phone"
) -> str:
    company = create_company(engine=ctx.engine, data=CompanyInput(name="Acme Ltd"))
    if template_path is not None:
        template_id = import_template_file(engine=ctx.engine, path=template_path).id
    else:
        builtin = [t for t in list_templates(engine=ctx.engine, touchpoint=touchpoint) if t.builtin]
        template_id = builtin[0].id
    audit = start_audit(
        engine=ctx.engine, company_id=company.id, template_id=template_id, shopper="Tess"
    )
    return audit.id


def when_modal(
    dialog_type: type[QWidget], action: Callable[[QWidget], None]
) -> list[BaseException]:
    """Run `action` on the modal dialog of this type once it is up; close it if that fails.

    A dialog run with exec() blocks the test, so the test schedules its part first.
    Returns the list that collects what `action` raised, for the test to check.
    """

    def attempt(tries: int = 100) -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, dialog_type) and dialog.isVisible():
            dialog.activateWindow()
            for _ in range(50):
                if dialog.isActiveWindow():
                    break
                QTest.qWait(20)
            try:
                action(dialog)
            except BaseException as exc:
                errors.append(exc)
            finally:
                if dialog.isVisible():
                    dialog.close()  # never leave the test hanging on a modal dialog
            return
        if tries:
            QTimer.singleShot(20, lambda: attempt(tries - 1))

    errors: list[BaseException] = []
    QTimer.singleShot(0, attempt)
    return errors
