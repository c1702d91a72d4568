"""Export PDF from the main window: a dialog, the work off the GUI thread, the file opened."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QDialog, QMenu, QWidget
from pytestqt.qtbot import QtBot

from shopper.services.context import AppContext
from shopper.ui import report_export
from shopper.ui.main_window import MainWindow
from shopper.ui.report_export import ExportChoice, ExportDialog, ReportExporter
from shopper.ui.settings import Options, Settings
from tests.report.helpers import Pdf
from tests.ui.helpers import new_audit, show, when_modal


@pytest.fixture
def window(qtbot: QtBot, ctx: AppContext) -> MainWindow:
    win = MainWindow(ctx)
    show(qtbot, win)
    return win


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Files the export would have opened in the system viewer."""
    paths: list[Path] = []
    monkeypatch.setattr(report_export, "open_file", paths.append)
    return paths


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    messages: list[str] = []
    monkeypatch.setattr(
        report_export, "show_error", lambda _parent, message, **_kw: messages.append(message)
    )
    return messages


def test_the_action_needs_an_open_audit(window: MainWindow, ctx: AppContext) -> None:
    assert not window.export_pdf_action.isEnabled()
    window.open_audit(new_audit(ctx))
    assert window.export_pdf_action.isEnabled()
    file_menu = window.menuBar().actions()[0].menu()
    assert isinstance(file_menu, QMenu)
    assert window.export_pdf_action in file_menu.actions()


def test_export_writes_off_the_gui_thread_and_opens_the_pdf(
    qtbot: QtBot,
    window: MainWindow,
    tmp_path: Path,
    opened: list[Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctx = window.ctx
    window.open_audit(new_audit(ctx))
    threads: list[threading.Thread] = []
    real = report_export.make_audit_report

    def spy(**kwargs: Any) -> Any:
        threads.append(threading.current_thread())
        return real(**kwargs)

    monkeypatch.setattr(report_export, "make_audit_report", spy)
    target = tmp_path / "from the app"

    def fill(dialog: QWidget) -> None:
        assert isinstance(dialog, ExportDialog)
        assert dialog.path_edit.text().endswith(".pdf")
        assert "Acme Ltd" in dialog.path_edit.text()
        dialog.path_edit.setText(str(target))
        dialog.page_size.setCurrentIndex(dialog.page_size.findData("letter"))
        dialog.accept()

    problems = when_modal(ExportDialog, fill)
    window.export_pdf_action.trigger()
    assert problems == []
    qtbot.waitUntil(lambda: bool(opened), timeout=20000)
    written = target.with_name("from the app.pdf")
    assert opened == [written]
    assert threads and threads[0] is not threading.main_thread()
    pdf = Pdf.of(written.read_bytes())
    assert "Acme Ltd" in pdf.text
    assert round(float(pdf.reader.pages[0].mediabox.width)) == 612
    settings = Settings(ctx.data_dir)
    assert settings.get(Options.REPORT_PAGE_SIZE) == "letter"
    assert settings.get(Options.REPORT_FOLDER) == str(tmp_path)
    assert "Wrote" in window.statusBar().currentMessage()


def test_a_failure_is_one_plain_message(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, opened: list[Path], errors: list[str]
) -> None:
    exporter = ReportExporter(window, window.ctx, window.settings)
    exporter.start(new_audit(window.ctx), ExportChoice(tmp_path / "gone" / "r.pdf"))
    qtbot.waitUntil(lambda: bool(errors), timeout=20000)
    assert len(errors) == 1
    assert "does not exist" in errors[0]
    assert "\n" not in errors[0]
    assert opened == []


def test_the_dialog_refuses_a_missing_folder_and_keeps_choices(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    settings = Settings(ctx.data_dir)
    dialog = ExportDialog(settings, tmp_path / "nowhere" / "r.pdf")
    qtbot.addWidget(dialog)
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "does not exist" in dialog.error.text()
    dialog.path_edit.setText(str(tmp_path / "r.PDF"))
    dialog.redact.setChecked(True)
    dialog.names.setText("Ewa Nowak, Jan")
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.choice() == ExportChoice(tmp_path / "r.PDF", "a4", True, ("Ewa Nowak", "Jan"))
    again = ExportDialog(settings, tmp_path / "r.pdf")
    qtbot.addWidget(again)
    assert again.redact.isChecked()
    assert again.names.text() == "Ewa Nowak, Jan"


def test_suggested_file_names_are_safe() -> None:
    when = datetime(2026, 11, 23, tzinfo=UTC)
    name = report_export.suggested_file_name('A/B: "C"*<D>|?\x00 Łąka ', when)
    assert name == "Audit - A B C D Łąka - 2026-11-23.pdf"
    assert report_export.suggested_file_name("...", when) == "Audit - audit - 2026-11-23.pdf"
