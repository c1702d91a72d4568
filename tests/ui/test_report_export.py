"""Export PDF from the main window: a dialog, the work off the GUI thread, the file opened."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMenu, QWidget
from pytestqt.qtbot import QtBot

from shopper.services.context import AppContext
from shopper.ui import report_export
from shopper.ui.compare.view import CompareWindow
from shopper.ui.findings import FindingsWindow
from shopper.ui.journey import JourneyWindow
from shopper.ui.main_window import MainWindow
from shopper.ui.report_export import ExportChoice, ExportDialog, ReportExporter
from shopper.ui.settings import Options, Settings
from tests.report.helpers import Pdf
from tests.services.analysis_data import History, build_history
from tests.ui.helpers import new_audit, show, show_window, when_modal


@pytest.fixture
def window(qtbot: QtBot, ctx: AppContext) -> MainWindow:
    return show_window(qtbot, MainWindow(ctx))


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


# -- the compare and journey windows ----------------------------------------------------------

LOAD_TIMEOUT = 15000


@pytest.fixture
def history(ctx: AppContext, tmp_path: Path) -> History:
    """Acme Stores' three completed store visits (tests/services/analysis_data.py)."""
    return build_history(ctx, tmp_path)


@pytest.fixture
def acme(ctx: AppContext, history: History) -> tuple[AppContext, History]:
    return ctx, history


def _spy(monkeypatch: pytest.MonkeyPatch, name: str) -> list[threading.Thread]:
    """Record the thread the report service runs in."""
    threads: list[threading.Thread] = []
    real = getattr(report_export, name)

    def spy(**kwargs: Any) -> Any:
        threads.append(threading.current_thread())
        return real(**kwargs)

    monkeypatch.setattr(report_export, name, spy)
    return threads


def _save_as(target: Path, *, title: str) -> list[BaseException]:
    def fill(dialog: QWidget) -> None:
        assert isinstance(dialog, ExportDialog)
        assert dialog.windowTitle() == title
        dialog.path_edit.setText(str(target))
        dialog.accept()

    return when_modal(ExportDialog, fill)


def test_compare_window_exports_the_comparison(
    qtbot: QtBot,
    acme: tuple[AppContext, History],
    tmp_path: Path,
    opened: list[Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctx, history = acme
    threads = _spy(monkeypatch, "make_comparison_report")
    settings = Settings(ctx.data_dir)
    window = CompareWindow(
        ctx.engine, company_id=history.company_id, touchpoint="store", settings=settings
    )
    with qtbot.waitSignal(window.loaded, timeout=LOAD_TIMEOUT):
        show(qtbot, window)
    assert window.export_button.isEnabled()
    assert window.exporter.settings is settings
    suggested = window.exporter.suggested_path(
        "Acme Stores", datetime.now(UTC), kind="Comparison", detail="Store visit"
    )
    assert suggested.name.startswith("Comparison - Acme Stores - Store visit - ")
    target = tmp_path / "compare.pdf"
    problems = _save_as(target, title="Export comparison PDF")
    qtbot.mouseClick(window.export_button, Qt.MouseButton.LeftButton)
    assert problems == []
    qtbot.waitUntil(lambda: bool(opened), timeout=20000)
    assert opened == [target]
    assert threads and threads[0] is not threading.main_thread()
    text = " ".join(Pdf.of(target.read_bytes()).text.split())
    assert "AUDIT COMPARISON" in text and "Acme Stores" in text and "3 audits" in text
    assert settings.get(Options.REPORT_FOLDER) == str(tmp_path)
    # Fewer than two audits: nothing to export.
    with qtbot.waitSignal(window.loaded, timeout=LOAD_TIMEOUT):
        window.touchpoint_combo.setCurrentIndex(window.touchpoint_combo.findData("phone"))
    assert not window.export_button.isEnabled()


def test_journey_window_exports_the_journey(
    qtbot: QtBot,
    acme: tuple[AppContext, History],
    tmp_path: Path,
    opened: list[Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctx, history = acme
    threads = _spy(monkeypatch, "make_journey_report")
    window = JourneyWindow(ctx.engine, company_id=history.company_id)
    with qtbot.waitSignal(window.loaded, timeout=LOAD_TIMEOUT):
        show(qtbot, window)
    assert window.exporter.settings is None  # a window on its own keeps no choices
    if window.journey is not None and window.journey.audits:
        pytest.fail("the history is older than the default period")
    assert not window.export_button.isEnabled()
    with qtbot.waitSignal(window.loaded, timeout=LOAD_TIMEOUT):
        window.period_combo.setCurrentIndex(window.period_combo.findData(0))  # all time
    assert window.export_button.isEnabled()
    target = tmp_path / "journey.pdf"
    problems = _save_as(target, title="Export journey PDF")
    qtbot.mouseClick(window.export_button, Qt.MouseButton.LeftButton)
    assert problems == []
    qtbot.waitUntil(lambda: bool(opened), timeout=20000)
    assert opened == [target]
    assert threads and threads[0] is not threading.main_thread()
    text = " ".join(Pdf.of(target.read_bytes()).text.split())
    assert "COMPANY JOURNEY" in text and "Acme Stores" in text and "Door stuck" in text


def test_findings_window_exports_pdf_and_csv(
    qtbot: QtBot,
    acme: tuple[AppContext, History],
    tmp_path: Path,
    opened: list[Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctx, history = acme
    threads = _spy(monkeypatch, "make_findings_report")
    window = FindingsWindow(ctx.engine, company_id=history.company_id)
    with qtbot.waitSignal(window.loaded, timeout=LOAD_TIMEOUT):
        show(qtbot, window)
    # The history is older than the default year: nothing in view, nothing to export.
    assert not window.export_button.isEnabled() and not window.csv_button.isEnabled()
    window.from_edit.setDate(window.from_edit.minimumDate())
    with qtbot.waitSignal(window.loaded, timeout=LOAD_TIMEOUT):
        window.reload()
    assert window.report is not None and window.report.total > 0
    assert window.export_button.isEnabled() and window.csv_button.isEnabled()

    target = tmp_path / "findings.pdf"
    problems = _save_as(target, title="Export findings PDF")
    qtbot.mouseClick(window.export_button, Qt.MouseButton.LeftButton)
    assert problems == []
    qtbot.waitUntil(lambda: bool(opened), timeout=20000)
    assert opened == [target]
    assert threads and threads[0] is not threading.main_thread()
    text = " ".join(Pdf.of(target.read_bytes()).text.split())
    assert "FINDINGS BY THEME" in text and "Acme Stores" in text and "Dusty shelves" in text

    sheet = tmp_path / "findings.csv"
    window.write_csv(sheet)
    qtbot.waitUntil(lambda: "written to" in window.title_label.text(), timeout=20000)
    lines = sheet.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == window.report.total + 1
    assert f"{window.report.total} findings written to" in window.title_label.text()


def _loaded(window: CompareWindow | JourneyWindow) -> bool:
    return not window.loading


def test_manager_windows_use_the_main_windows_settings(
    qtbot: QtBot, window: MainWindow, history: History
) -> None:
    compare = window.analysis.open_compare(history.company_id, "store")
    journey = window.analysis.open_journey(history.company_id)
    for opened_window in (compare, journey):
        qtbot.waitUntil(partial(_loaded, opened_window), timeout=LOAD_TIMEOUT)
        assert opened_window.exporter.settings is window.settings
        opened_window.close()


def test_a_failed_comparison_export_is_one_message(
    qtbot: QtBot, ctx: AppContext, history: History, tmp_path: Path, errors: list[str]
) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    exporter = ReportExporter(parent, ctx.engine, None)
    exporter.start_comparison(
        ExportChoice(tmp_path / "x.pdf"),
        company_id=history.other_company_id,
        touchpoint="store",
        last=50,
    )
    qtbot.waitUntil(lambda: bool(errors), timeout=20000)
    assert errors == [
        "The PDF was not written. Other Shop has only one completed audit at Store visit in "
        "this period; a comparison needs at least 2"
    ]
    assert not (tmp_path / "x.pdf").exists()
