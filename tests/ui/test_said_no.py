"""Customers menu: the said-no entry dialog (keyboard only), the said-no window (day N,
reminder, lists, moving an entry, the e-mail), the import mapping dialog (worker thread,
bad rows named) and the feedback-by-theme window."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from shopper.domain.clock import now_utc
from shopper.domain.said_no import ActionList
from shopper.services import feedback, said_no
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.ui.feedback_window import FeedbackWindow
from shopper.ui.import_dialog import ImportDialog
from shopper.ui.main_window import MainWindow
from shopper.ui.said_no_entry import SaidNoEntryDialog
from shopper.ui.said_no_window import SaidNoWindow
from tests.ui.helpers import show, show_window


@pytest.fixture
def company(ctx: AppContext) -> list[tuple[str, str]]:
    row = create_company(engine=ctx.engine, data=CompanyInput(name="Northwind"))
    return [(row.id, row.name)]


def test_an_entry_with_the_keyboard_only(
    qtbot: QtBot, ctx: AppContext, company: list[tuple[str, str]]
) -> None:
    said_no.start_campaign(engine=ctx.engine, company="Northwind")
    dialog = SaidNoEntryDialog(ctx.engine, company, company_id=company[0][0])
    show(qtbot, dialog)
    noted: list[object] = []
    dialog.noted.connect(noted.append)
    qtbot.keyClicks(dialog.asked, "Gift wrapping")
    qtbot.keyClick(dialog.asked, Qt.Key.Key_Tab)  # to the reason
    qtbot.keyClicks(dialog.reason, "A")  # first letter: "A product or service we don't offer"
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(noted))
    assert dialog.asked.text() == ""  # cleared for the next
    assert "Product or service ideas" in dialog.status.text()
    [entry] = said_no.summary(engine=ctx.engine, company="Northwind").entries
    assert (entry.asked, entry.reason) == ("Gift wrapping", "not-offered")
    qtbot.keyClick(dialog.asked, Qt.Key.Key_Return)  # nothing asked: said in the dialog
    qtbot.waitUntil(lambda: "asked" in dialog.status.text())
    assert len(said_no.summary(engine=ctx.engine, company="Northwind").entries) == 1


def test_the_window_shows_days_reminder_lists_and_moves(
    qtbot: QtBot, ctx: AppContext, company: list[tuple[str, str]]
) -> None:
    today = now_utc()
    said_no.start_campaign(
        engine=ctx.engine, company="Northwind", starts=(today - timedelta(days=3)).date()
    )
    said_no.add_entry(
        engine=ctx.engine,
        company="Northwind",
        data=said_no.SaidNoInput("Cash refund", "policy", at=today - timedelta(days=3)),
    )
    window = SaidNoWindow(ctx.engine, company, company_id=company[0][0])
    show(qtbot, window)
    qtbot.waitUntil(lambda: window.summary is not None)
    assert window.progress.text().startswith("Day 4 of 30 · 1 entry")
    assert "Reminder: nobody noted a said-no on 2 day(s)" in window.reminder.text()
    assert window.day_model.rowCount() == 4
    assert window.list_models[ActionList.POLICIES].rowCount() == 1
    window.tabs.setCurrentIndex(0)
    window.list_views[ActionList.POLICIES].selectRow(0)
    window.move_to.setCurrentIndex(window.move_to.findData("training"))
    with qtbot.waitSignal(window.loaded):
        window.move_button.click()
    assert window.list_models[ActionList.POLICIES].rowCount() == 0
    assert window.list_models[ActionList.TRAINING].rowCount() == 1
    body = window.copy_email()
    assert QGuiApplication.clipboard().text() == body
    assert "Training gaps (1):\n- Cash refund" in body


def test_the_window_offers_to_start_a_log(
    qtbot: QtBot, ctx: AppContext, company: list[tuple[str, str]]
) -> None:
    window = SaidNoWindow(ctx.engine, company, company_id=company[0][0])
    show(qtbot, window)
    assert window.start_button.isVisible()
    assert not window.note_button.isEnabled()
    with qtbot.waitSignal(window.loaded):
        window.start_button.click()
    assert window.progress.text().startswith("Day 1 of 30")
    assert window.note_button.isEnabled()


def test_import_dialog_maps_columns_and_names_bad_rows(
    qtbot: QtBot, ctx: AppContext, company: list[tuple[str, str]], tmp_path: Path
) -> None:
    said_no.start_campaign(engine=ctx.engine, company="Northwind")
    sheet = tmp_path / "log.csv"
    sheet.write_text(
        "Day,Request,Code\n2026-03-02,Soup,policy\n2026-03-03,Bread,nonsense\n", encoding="utf-8"
    )
    dialog = ImportDialog(ctx.engine, sheet, company, kind="said-no", company_id=company[0][0])
    with qtbot.waitSignal(dialog.previewed):
        show(qtbot, dialog)
    assert dialog.preview.columnCount() == 3
    assert dialog.mapping() == {"asked": "Request"}  # "Day" and "Code" are not guessed
    dialog.field_boxes["at"].setCurrentIndex(dialog.field_boxes["at"].findData("Day"))
    dialog.field_boxes["reason"].setCurrentIndex(dialog.field_boxes["reason"].findData("Code"))
    with qtbot.waitSignal(dialog.finished_import) as blocker:
        dialog.import_button.click()
    assert isinstance(blocker.args[0], Exception)
    assert "line 3, column Code: 'nonsense' is not a reason" in dialog.problems.toPlainText()
    assert said_no.summary(engine=ctx.engine, company="Northwind").entries == ()
    dialog.valid_only.setChecked(True)
    with qtbot.waitSignal(dialog.finished_import) as blocker:
        dialog.import_button.click()
    assert blocker.args[0].imported == 1
    assert (tmp_path / "log-rejected.csv").exists()
    assert "1 rejected" in dialog.status.text()


def test_feedback_window_and_rules(
    qtbot: QtBot, ctx: AppContext, company: list[tuple[str, str]], tmp_path: Path
) -> None:
    sheet = tmp_path / "desk.csv"
    sheet.write_text("date,text\n2026-02-01,Rude agent\n2026-02-02,Slow reply\n", encoding="utf-8")
    feedback.import_feedback(engine=ctx.engine, path=sheet, company="Northwind", kind="complaint")
    window = FeedbackWindow(ctx.engine, company, company_id=company[0][0])
    show(qtbot, window)
    qtbot.waitUntil(lambda: window.model.rowCount() > 0)
    themes = {window.model.index(r, 0).data() for r in range(window.model.rowCount())}
    assert themes == {"Empathy", "Speed"}
    assert "2026-02: 1 complaint," in window.detail.text()
    assert window.item_model.rowCount() == 1  # the selected theme's entries
    window.item_view.selectRow(0)
    with qtbot.waitSignal(window.loaded):
        window.tag_selected("clarity")
    themes = {window.model.index(r, 0).data() for r in range(window.model.rowCount())}
    assert "Clarity" in themes
    dialog = window.edit_rules()
    qtbot.waitUntil(lambda: "speed:" in dialog.editor.toPlainText())
    dialog.editor.setPlainText("manners: rude\n")
    with qtbot.waitSignal(window.loaded):
        dialog.save()
    themes = {window.model.index(r, 0).data() for r in range(window.model.rowCount())}
    assert themes == {"Manners", "Clarity"}  # the entry tagged by hand keeps its tag


def test_the_customers_menu_opens_the_windows(
    qtbot: QtBot,
    ctx: AppContext,
    company: list[tuple[str, str]],
    qtmodeltester: object,
    tmp_path: Path,
) -> None:
    window = show_window(qtbot, MainWindow(ctx))
    menus = [a.text() for a in window.menuBar().actions()]
    assert "C&ustomers" in menus
    assert menus[menus.index("C&ustomers") + 1] == "&Analyse"
    log = window.said_no.open_log()
    assert log.isWindow()  # its own window, never a pane drawn over the main window
    qtbot.waitUntil(lambda: log.progress.text() != "")
    qtmodeltester.check(log.day_model)  # type: ignore[attr-defined]
    assert isinstance(window.said_no.note(), SaidNoEntryDialog)
    themes = window.said_no.open_feedback()
    assert themes.isWindow()
    qtbot.waitUntil(lambda: "No complaints" in themes.detail.text())
    for widget in list(window.said_no.windows):
        widget.close()
    said_no.start_campaign(engine=ctx.engine, company="Northwind")
    said_no.add_entry(
        engine=ctx.engine, company="Northwind", data=said_no.SaidNoInput("Soup", "other")
    )
    target = tmp_path / "said-no.csv"
    window.said_no.export("said-no", target)
    qtbot.waitUntil(lambda: window.said_no.last_export is not None)
    assert window.said_no.last_export == 1
    assert "Soup" in target.read_text(encoding="utf-8-sig")


def test_typed_text_in_the_said_no_windows_shows_as_typed(
    qtbot: QtBot, ctx: AppContext, company: list[tuple[str, str]]
) -> None:
    """What staff type is never read as rich text: "<b>&</b>" shows as those characters."""
    from PySide6.QtCore import Qt

    from shopper.ui.said_no_window import SaidNoWindow

    said_no.start_campaign(engine=ctx.engine, company="Northwind")
    dialog = SaidNoEntryDialog(ctx.engine, company)
    qtbot.addWidget(dialog)
    assert dialog.status.textFormat() == Qt.TextFormat.PlainText
    log = SaidNoWindow(ctx.engine, company)
    qtbot.addWidget(log)
    for label in (log.progress, log.reminder, log.counts, log.message):
        assert label.textFormat() == Qt.TextFormat.PlainText
