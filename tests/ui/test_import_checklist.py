"""File › Import checklist…: YAML templates and XLSForm workbooks."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from shopper.services.context import AppContext
from shopper.services.templates import list_templates
from shopper.ui import main_window
from shopper.ui.main_window import MainWindow
from shopper.ui.workers import wait_for_background
from tests.ui.helpers import show_window

SAMPLES = Path(__file__).parents[1] / "fixtures" / "xlsform"


@pytest.fixture
def window(qtbot: QtBot, ctx: AppContext) -> MainWindow:
    return show_window(qtbot, MainWindow(ctx))


def titles(ctx: AppContext) -> set[str]:
    return {t.title for t in list_templates(engine=ctx.engine)}


def pick(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(path), ""))


def test_an_xlsform_workbook_imports(
    qtbot: QtBot, window: MainWindow, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    pick(monkeypatch, SAMPLES / "text_and_integer.xlsx")
    assert window.import_template_action.text() == "&Import checklist…"
    window.import_template_action.trigger()
    qtbot.waitUntil(lambda: "Imported" in window.statusBar().currentMessage(), timeout=20000)
    assert window.statusBar().currentMessage() == "Imported “text_and_integer” v1 (2 items)"
    assert "text_and_integer" in titles(ctx)


def test_unsupported_rows_are_listed_and_the_rest_imported_only_if_asked(
    qtbot: QtBot, window: MainWindow, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    pick(monkeypatch, SAMPLES / "group.xlsx")
    asked: list[str] = []
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]

    def question(_parent: object, _title: str, text: str, *_a: object) -> object:
        asked.append(text)
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", question)
    window.import_template_action.trigger()
    qtbot.waitUntil(lambda: bool(asked), timeout=20000)
    assert wait_for_background(20)
    assert "• survey row 4, column type: a 'phone number' question cannot be held" in asked[0]
    assert "group" not in titles(ctx)  # "No": nothing stored
    window.import_template_action.trigger()
    qtbot.waitUntil(lambda: "Imported" in window.statusBar().currentMessage(), timeout=20000)
    assert window.statusBar().currentMessage() == (
        "Imported “group” v1 (2 items); 1 part of the workbook left out"
    )
    assert "group" in titles(ctx)


def test_a_broken_workbook_shows_pyxforms_message(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    errors: list[str] = []
    monkeypatch.setattr(main_window, "show_error", lambda _p, text, **_k: errors.append(text))
    pick(monkeypatch, SAMPLES / "unknown_question_type.xls")
    window.import_template_action.trigger()
    qtbot.waitUntil(lambda: bool(errors), timeout=20000)
    assert errors[0].startswith("unknown_question_type.xls: pyxform: Invalid headers")
    assert "\n" not in errors[0]
