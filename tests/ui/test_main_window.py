"""The main window: first run, demo data, lists and filters, a whole audit by keyboard."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from shopper.domain.template import ItemType
from shopper.domain.vocabulary import AuditStatus
from shopper.services.audits import list_audits, load_audit
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.demo import load_demo
from shopper.services.shops import list_shops
from shopper.ui import main_window
from shopper.ui.crash import CrashHandler
from shopper.ui.main_window import PAGE_PICK, PAGE_RUNNER, PAGE_WELCOME, MainWindow
from shopper.ui.models import AuditTableModel, CompanyListModel
from shopper.ui.new_audit import NewAuditDialog
from shopper.ui.settings import Options, Settings
from shopper.ui.workers import wait_for_background
from tests.ui.helpers import Keyboard, show, show_window, wait_for_lists, when_modal

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def window(qtbot: QtBot, ctx: AppContext) -> MainWindow:
    return show_window(qtbot, MainWindow(ctx))


def test_first_run_shows_welcome_and_loads_demo(
    qtbot: QtBot, window: MainWindow, ctx: AppContext
) -> None:
    assert window.stack.currentIndex() == PAGE_WELCOME
    window.welcome.load_demo.emit()
    qtbot.waitUntil(lambda: window.audit_model.rowCount() > 0, timeout=20000)
    wait_for_lists(qtbot, window)
    assert window.stack.currentIndex() == PAGE_PICK
    assert window.company_model.rowCount() == 7  # "All companies" + 6
    assert "120 audits" in window.count_label.text()


def test_filters_and_company_selection(qtbot: QtBot, window: MainWindow, ctx: AppContext) -> None:
    load_demo(engine=ctx.engine, audits=60)
    window.refresh()
    wait_for_lists(qtbot, window)
    everything = window.audit_model.rowCount()
    assert everything == 60
    window.touchpoint_filter.setCurrentIndex(window.touchpoint_filter.findData("phone"))
    wait_for_lists(qtbot, window)
    phone_rows = window.audit_model.rowCount()
    assert 0 < phone_rows < everything
    assert all(window.audit_model.index(r, 2).data() == "Phone" for r in range(phone_rows))
    window.touchpoint_filter.setCurrentIndex(0)
    window.company_list.setCurrentIndex(window.company_model.index(1))
    wait_for_lists(qtbot, window)
    company_name = window.company_model.index(1).data().rsplit(" (", 1)[0]
    rows = window.audit_model.rowCount()
    assert 0 < rows < everything
    assert {window.audit_model.index(r, 1).data() for r in range(rows)} == {company_name}


def test_selecting_an_audit_opens_it(qtbot: QtBot, window: MainWindow, ctx: AppContext) -> None:
    load_demo(engine=ctx.engine, audits=20)
    window.refresh()
    wait_for_lists(qtbot, window)
    window.audit_table.selectRow(0)
    assert window.stack.currentIndex() == PAGE_RUNNER
    assert window.runner_view is not None
    assert window.runner_view.runner.audit_id == window.audit_model.audit_id(0)


def answer_current(keys: Keyboard, item_type: ItemType, scale_max: int) -> None:
    """Answer whatever item has the focus, as a shopper would with the keyboard."""
    if item_type is ItemType.YES_NO:
        keys.press("y")
    elif item_type is ItemType.RATING:
        keys.press(str(scale_max % 10))
    elif item_type is ItemType.SINGLE_CHOICE:
        keys.press("1")
    elif item_type is ItemType.MULTI_CHOICE:
        keys.press("1")
        keys.press(Qt.Key.Key_Return)
    elif item_type in (ItemType.NUMBER, ItemType.COUNT):
        keys.type("2")
        keys.press(Qt.Key.Key_Return)
    elif item_type is ItemType.DURATION:
        keys.type("1:30")
        keys.press(Qt.Key.Key_Return)
    elif item_type is ItemType.DATETIME:
        keys.press(Qt.Key.Key_Return)
    else:
        keys.type("Fine.")
        keys.press(Qt.Key.Key_Tab)


def test_new_phone_audit_completed_with_the_keyboard(
    qtbot: QtBot, window: MainWindow, ctx: AppContext
) -> None:
    create_company(engine=ctx.engine, data=CompanyInput(name="Żabka Polska"))
    window.refresh()
    wait_for_lists(qtbot, window)
    keys = Keyboard(qtbot)

    def fill_dialog(dialog: QWidget) -> None:
        assert isinstance(dialog, NewAuditDialog)
        dialog.touchpoint.setCurrentIndex(dialog.touchpoint.findData("phone"))
        name = dialog.shopper
        name.setFocus()
        name.selectAll()
        keys.type("Tess Ø")
        keys.press(Qt.Key.Key_Return)

    errors = when_modal(NewAuditDialog, fill_dialog)
    keys.press(Qt.Key.Key_N, CTRL)
    assert not errors, errors
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    view = window.runner_view
    assert view is not None
    assert view.runner.audit.shopper == "Tess Ø"
    assert view.runner.template.touchpoint == "phone"

    for _ in range(200):
        item = view.current
        if view.runner.value(item.id) is not None:
            break  # wrapped round to an answered item: all done
        scale_max = item.scale.max if item.scale else 5
        answer_current(keys, item.type, scale_max)
        if view.current is item:
            break  # the last item: nothing further to move to
    assert not view.runner.score.required_missing
    keys.press(Qt.Key.Key_Return, CTRL)
    detail = load_audit(engine=ctx.engine, audit_id=view.runner.audit_id)
    assert detail.audit.status == AuditStatus.COMPLETED
    assert detail.values["reached_human"] == "yes"
    assert detail.values["hold_time"] == 90.0
    assert detail.score.percent is not None
    # The list shows the finished audit with its score.
    wait_for_lists(qtbot, window)
    row = window.audit_model.row_of(view.runner.audit_id)
    assert window.audit_model.index(row, 4).data() == "Completed"
    assert window.audit_model.index(row, 5).data().endswith("%")


def test_shopper_name_is_remembered(qtbot: QtBot, ctx: AppContext) -> None:
    create_company(engine=ctx.engine, data=CompanyInput(name="Acme"))
    settings = Settings(ctx.data_dir)
    dialog = NewAuditDialog(ctx.engine, settings)
    show(qtbot, dialog)
    dialog.shopper.setText("Ana")
    dialog.accept()
    assert dialog.audit is not None
    again = NewAuditDialog(ctx.engine, Settings(ctx.data_dir))
    assert again.shopper.text() == "Ana"
    assert again.company.currentText() == "Acme"


def test_layout_persists(qtbot: QtBot, ctx: AppContext) -> None:
    win = show_window(qtbot, MainWindow(ctx))
    win.main_splitter.setSizes([300, 900])
    win.touchpoint_filter.setCurrentIndex(win.touchpoint_filter.findData("email"))
    win.close()
    settings = Settings(ctx.data_dir)
    assert not settings.get(Options.MAIN_SPLITTER).isEmpty()
    assert settings.get(Options.FILTER_TOUCHPOINT) == "email"
    again = show_window(qtbot, MainWindow(ctx))
    assert again.touchpoint_filter.currentData() == "email"
    assert again.main_splitter.sizes()[0] < again.main_splitter.sizes()[1]


def test_quit_flushes_typed_note(qtbot: QtBot, window: MainWindow, ctx: AppContext) -> None:
    load_demo(engine=ctx.engine, audits=10)
    window.refresh()
    wait_for_lists(qtbot, window)
    in_progress = list_audits(engine=ctx.engine, status=AuditStatus.IN_PROGRESS)[0]
    window.open_audit(in_progress.id)
    view = window.runner_view
    assert view is not None
    view.note.setFocus()
    Keyboard(qtbot).type("typed just before quitting")
    item_id = view.current.id
    window.close()
    saved = load_audit(engine=ctx.engine, audit_id=in_progress.id).answers[item_id]
    assert saved.note.endswith("typed just before quitting")


def at_once(
    work: Callable[[], Any], done: Callable[[Any], None], failed: Callable[[Exception], None]
) -> None:
    """Run a model's fetch at once, on this thread (the model's own contract, not threads)."""
    try:
        result = work()
    except Exception as exc:
        failed(exc)
    else:
        done(result)


def test_models_pass_qtmodeltester(qtmodeltester: object, ctx: AppContext) -> None:
    load_demo(engine=ctx.engine, audits=900)
    model = AuditTableModel(at_once)
    model.set_fetch(
        lambda order, desc, offset, limit: list_audits(
            engine=ctx.engine, order=order, descending=desc, offset=offset, limit=limit
        )
    )
    assert model.rowCount() == AuditTableModel.PAGE
    assert model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 2 * AuditTableModel.PAGE
    qtmodeltester.check(model, force_py=True)  # type: ignore[attr-defined]
    model.sort(5, Qt.SortOrder.DescendingOrder)
    scores = [model.index(r, 5).data() for r in range(5)]
    assert scores[0] >= scores[-1] or scores[0] == "100%"
    companies = CompanyListModel()
    from shopper.services.companies import list_companies

    companies.set_rows(list_companies(engine=ctx.engine))
    qtmodeltester.check(companies, force_py=True)  # type: ignore[attr-defined]


def test_unexpected_error_is_logged_not_lost(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    handler = CrashHandler(tmp_path / "shopper.log")
    with caplog.at_level(logging.CRITICAL, logger="shopper.crash"):
        try:
            raise RuntimeError("boom")
        except RuntimeError as exc:
            handler.handle(type(exc), exc, exc.__traceback__)
    assert "RuntimeError: boom" in caplog.text


def test_plain_line_edit_enter_accepts_dialog(qtbot: QtBot, ctx: AppContext) -> None:
    create_company(engine=ctx.engine, data=CompanyInput(name="Acme"))
    dialog = NewAuditDialog(ctx.engine, Settings(ctx.data_dir))
    show(qtbot, dialog)
    dialog.shopper.setFocus()
    assert isinstance(QApplication.focusWidget(), QLineEdit)
    qtbot.keyClick(dialog.shopper, Qt.Key.Key_Return)
    assert dialog.audit is not None


def test_no_two_shortcuts_collide(qtbot: QtBot, window: MainWindow, ctx: AppContext) -> None:
    """A key bound twice fires neither binding (Qt calls it ambiguous)."""
    from PySide6.QtGui import QAction, QShortcut

    load_demo(engine=ctx.engine, audits=20)
    window.refresh()
    wait_for_lists(qtbot, window)
    phone = next(r for r in list_audits(engine=ctx.engine) if r.touchpoint == "phone")
    window.open_audit(phone.id)
    seen: dict[str, str] = {}
    for action in window.findChildren(QAction):
        for sequence in action.shortcuts():
            key = sequence.toString()
            assert key not in seen, f"{key}: {action.text()} and {seen[key]}"
            seen[key] = action.text()
    for shortcut in window.findChildren(QShortcut):
        key = shortcut.key().toString()
        if key:
            assert key not in seen, f"{key}: runner shortcut and {seen[key]}"
            seen[key] = "runner shortcut"
    assert {"Ctrl+N", "Ctrl+Shift+P", "Ctrl+Alt+C", "F6"} <= set(seen)


def test_the_audit_in_progress_opens_again_at_its_item(qtbot: QtBot, ctx: AppContext) -> None:
    from tests.ui.helpers import new_audit

    audit_id = new_audit(ctx)
    first = show_window(qtbot, MainWindow(ctx))
    assert first.open_audit(audit_id)
    view = first.runner_view
    assert view is not None
    third = [item.id for item in view.runner.template.items()][2]
    view.go_to(third)
    item_id = view.current.id
    first.close()

    again = show_window(qtbot, MainWindow(ctx))
    assert again.runner_view is not None
    assert again.runner_view.runner.audit_id == audit_id
    assert again.runner_view.current.id == item_id
    assert again.stack.currentIndex() == PAGE_RUNNER
    again.close()


def test_a_completed_audit_does_not_open_at_start(qtbot: QtBot, ctx: AppContext) -> None:
    load_demo(engine=ctx.engine, audits=10)
    done = list_audits(engine=ctx.engine, status=AuditStatus.COMPLETED)[0]
    settings = Settings(ctx.data_dir)
    settings.set(Options.LAST_AUDIT, done.id)
    settings.sync()
    win = show_window(qtbot, MainWindow(ctx))
    assert win.runner_view is None


def test_open_asks_for_an_audit_by_a_prefix_of_its_id(
    qtbot: QtBot, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shopper.ui import main_window

    load_demo(engine=ctx.engine, audits=10)
    done = list_audits(engine=ctx.engine, status=AuditStatus.COMPLETED)[0]
    win = show_window(qtbot, MainWindow(ctx, open_audit=done.id[:8]))
    assert win.runner_view is not None and win.runner_view.runner.audit_id == done.id
    errors: list[str] = []
    monkeypatch.setattr(main_window, "show_error", lambda _p, text, **_k: errors.append(text))
    nowhere = show_window(qtbot, MainWindow(ctx, open_audit="zzzzzzzz"))
    assert nowhere.runner_view is None
    assert errors and "zzzzzzzz" in errors[0]


def test_gui_open_on_the_command_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import shopper.app
    from shopper.cli import main as cli_main

    asked: dict[str, object] = {}

    def fake_gui(**kwargs: object) -> int:
        asked.update(kwargs)
        return 0

    monkeypatch.setattr(shopper.app, "main", fake_gui)
    assert cli_main(["--data-dir", str(tmp_path), "gui", "--open", "a0d17000"]) == 0
    assert asked["open_audit"] == "a0d17000"
    assert cli_main(["--data-dir", str(tmp_path)]) == 0
    assert asked["open_audit"] is None


ON_A_LAPTOP = """
import json, sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from shopper.ui.collector import install
install(app)
from shopper.services.audits import list_audits
from shopper.services.context import AppContext
from shopper.services.demo import load_demo
from shopper.ui.main_window import MainWindow
ctx = AppContext.open(Path(sys.argv[1]))
load_demo(engine=ctx.engine, audits=40)
window = MainWindow(ctx)
window.show()
for _ in range(30):
    app.processEvents()
free = app.primaryScreen().availableGeometry()
seen = {"window fits": free.contains(window.frameGeometry())}
for touchpoint in ("phone", "website", "email", "store"):
    audit = next(a for a in list_audits(engine=ctx.engine) if a.touchpoint == touchpoint)
    window.open_audit(audit.id)
    for _ in range(30):
        app.processEvents()
    view = window.runner_view
    panel = view.item_panel
    editor = panel.editor.input_widget() if panel.editor else None
    parts = {"prompt": panel.prompt, "answer": editor or panel.editor, "note": panel.note}
    whole = {
        name: widget is not None and widget.isVisible()
        and widget.visibleRegion().boundingRect().size() == widget.size()
        for name, widget in parts.items()
    }
    seen[touchpoint] = {"whole": whole, "instruments": view.instruments_shown}
    view.toggle_instruments()  # F9 brings them back, one key
    seen[touchpoint]["after F9"] = view.instruments_shown
    view.toggle_instruments()
window.close()
print(json.dumps(seen))
"""


@pytest.mark.parametrize(("width", "height"), [(1024, 640), (1440, 900)])
def test_the_item_its_answer_and_its_note_fit_a_laptop_screen(
    tmp_path: Path, width: int, height: int
) -> None:
    import json
    import os
    import subprocess
    import sys

    screen = tmp_path / "screen.json"
    screen.write_text(
        json.dumps({"screens": [{"name": "s", "width": width, "height": height}]}),
        encoding="utf-8",
    )
    env = os.environ | {"QT_QPA_PLATFORM": f"offscreen:configfile={screen}"}
    done = subprocess.run(
        [sys.executable, "-c", ON_A_LAPTOP, str(tmp_path / "data")],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen.pop("window fits") is True
    low = height < 800
    for touchpoint, found in seen.items():
        if low:  # all of the item at once, the instruments one key (F9) away
            assert found["whole"] == {"prompt": True, "answer": True, "note": True}, touchpoint
        else:  # the instruments below, in view too: the item scrolls to its note
            assert found["whole"]["prompt"] and found["whole"]["answer"], touchpoint
        assert found["instruments"] is not low  # hidden on a laptop, until asked for
        assert found["after F9"] is low


def test_f1_lists_every_key_of_the_window_from_the_actions(
    qtbot: QtBot, window: MainWindow, ctx: AppContext
) -> None:
    from PySide6.QtGui import QAction, QKeySequence, QShortcut

    from shopper.ui.shortcuts_help import ShortcutsDialog

    load_demo(engine=ctx.engine, audits=20)
    window.refresh()
    wait_for_lists(qtbot, window)
    phone = next(r for r in list_audits(engine=ctx.engine) if r.touchpoint == "phone")
    window.open_audit(phone.id)
    Keyboard(qtbot).press(Qt.Key.Key_F1)
    dialog = window.findChild(ShortcutsDialog)
    assert dialog is not None and dialog.isVisible()
    listed = {(row.keys, row.what) for row in dialog.model.rows()}
    keys = {k for k, _ in listed}
    native = QKeySequence.SequenceFormat.NativeText
    for action in window.findChildren(QAction):
        for sequence in action.shortcuts():
            assert sequence.toString(native) in keys, action.text()
    for shortcut in window.findChildren(QShortcut):
        assert (shortcut.key().toString(native), shortcut.whatsThis()) in listed
        assert shortcut.whatsThis(), shortcut.key().toString()  # each says what it does
    for must in ("Y / N / A", "S", "M", "F9", "F1", "Ctrl+Shift+P", "Esc or Ctrl+W"):
        assert must in keys


def test_pane_and_column_sizes_are_kept_across_audits_and_restarts(
    qtbot: QtBot, ctx: AppContext
) -> None:
    from tests.ui.helpers import new_audit

    first_audit, second_audit = new_audit(ctx), new_audit(ctx)
    win = show_window(qtbot, MainWindow(ctx))
    assert win.open_audit(first_audit)
    view = win.runner_view
    assert view is not None
    qtbot.wait(20)  # the first fitting of the item panel
    total = sum(view.right_splitter.sizes())
    view.right_splitter.setSizes([total - 200, 200])
    view.outline.header().resizeSection(1, 131)
    win.audit_table.setColumnWidth(0, 123)
    chosen = view.right_splitter.sizes()

    assert win.open_audit(second_audit)  # another audit: the same sizes
    other = win.runner_view
    assert other is not None and other is not view
    qtbot.wait(20)
    assert other.right_splitter.sizes() == chosen
    assert other.outline.header().sectionSize(1) == 131
    win.close()

    again = show_window(qtbot, MainWindow(ctx))  # a restart: the same sizes again
    assert again.runner_view is not None
    qtbot.wait(20)
    assert again.runner_view.right_splitter.sizes() == chosen
    assert again.runner_view.outline.header().sectionSize(1) == 131
    assert again.audit_table.columnWidth(0) == 123
    again.close()


def test_long_company_names_keep_their_start_end_and_count(
    qtbot: QtBot, window: MainWindow
) -> None:
    assert window.company_list.textElideMode() == Qt.TextElideMode.ElideMiddle
    assert window.audit_table.textElideMode() == Qt.TextElideMode.ElideMiddle


# -- the lists are read off the GUI thread ------------------------------------------------


def spy_on(monkeypatch: pytest.MonkeyPatch, on_gui: list[str], calls: list[str]) -> None:
    """Record every list query, and those made on the GUI thread (there must be none)."""
    from shopper.services import audits as audit_service
    from shopper.services import companies as company_service

    def spy(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(**kwargs: Any) -> Any:
            calls.append(name)
            if threading.current_thread() is threading.main_thread():
                on_gui.append(name)
            return real(**kwargs)

        return wrapper

    for module, name in (
        (audit_service, "list_audits"),
        (audit_service, "resolve_audit_id"),
        (company_service, "list_companies"),
    ):
        monkeypatch.setattr(module, name, spy(name, getattr(module, name)))


def test_every_list_query_runs_off_the_gui_thread(
    qtbot: QtBot, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_demo(engine=ctx.engine, audits=AuditTableModel.PAGE + 50)
    in_progress = list_audits(engine=ctx.engine, status=AuditStatus.IN_PROGRESS)[0]
    settings = Settings(ctx.data_dir)
    settings.set(Options.LAST_AUDIT, in_progress.id)
    settings.sync()
    on_gui: list[str] = []
    calls: list[str] = []
    spy_on(monkeypatch, on_gui, calls)

    window = show_window(qtbot, MainWindow(ctx))  # companies, audits, the audit to reopen
    assert window.runner_view is not None
    assert window.runner_view.runner.audit_id == in_progress.id
    window.touchpoint_filter.setCurrentIndex(window.touchpoint_filter.findData("phone"))
    wait_for_lists(qtbot, window)
    window.touchpoint_filter.setCurrentIndex(0)
    window.company_list.setCurrentIndex(window.company_model.index(1))
    wait_for_lists(qtbot, window)
    window.company_list.setCurrentIndex(window.company_model.index(0))
    wait_for_lists(qtbot, window)
    window.audit_table.sortByColumn(5, Qt.SortOrder.AscendingOrder)
    wait_for_lists(qtbot, window)
    assert window.audit_model.canFetchMore()
    window.audit_model.fetchMore()  # the next page
    wait_for_lists(qtbot, window)
    assert window.audit_model.rowCount() == AuditTableModel.PAGE + 50
    window.refresh_action.trigger()  # F5
    wait_for_lists(qtbot, window)
    window.runner_view.changed.emit(in_progress.id)  # an answer saved: its row read again
    wait_for_lists(qtbot, window)
    window.open_on_start = in_progress.id[:8]
    window._reopen()  # --open with a prefix
    wait_for_lists(qtbot, window)
    assert {"list_audits", "list_companies", "resolve_audit_id"} <= set(calls)
    assert len(calls) >= 10
    assert on_gui == []


def test_scrolling_pages_in_every_audit_exactly_once(
    qtbot: QtBot, window: MainWindow, ctx: AppContext
) -> None:
    load_demo(engine=ctx.engine, audits=2 * AuditTableModel.PAGE + 30)
    window.refresh()
    wait_for_lists(qtbot, window)
    assert window.audit_model.rowCount() == AuditTableModel.PAGE
    for _ in range(20):  # the view asks for the next page itself, as the user scrolls
        window.audit_table.scrollToBottom()
        qtbot.wait(20)
        wait_for_lists(qtbot, window)
        if not window.audit_model.canFetchMore():
            break
    shown = [window.audit_model.audit_id(r) for r in range(window.audit_model.rowCount())]
    assert len(shown) == len(set(shown)) == 2 * AuditTableModel.PAGE + 30
    assert shown == [r.id for r in list_audits(engine=ctx.engine)]  # newest first, as asked


def test_a_newer_filter_wins_over_an_older_load_that_ends_late(
    qtbot: QtBot, window: MainWindow, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shopper.services import audits as audit_service

    load_demo(engine=ctx.engine, audits=40)
    window.refresh()
    wait_for_lists(qtbot, window)
    real = audit_service.list_audits
    release = threading.Event()

    def slow_for_phone(**kwargs: Any) -> list[Any]:
        if kwargs.get("touchpoint") == "phone":
            release.wait(10)  # a slow server, for this query only
        return real(**kwargs)

    monkeypatch.setattr(audit_service, "list_audits", slow_for_phone)
    try:
        window.touchpoint_filter.setCurrentIndex(window.touchpoint_filter.findData("phone"))
        window.touchpoint_filter.setCurrentIndex(window.touchpoint_filter.findData("email"))
        wait_for_lists(qtbot, window)  # the e-mail audits are in; the phone ones still come
    finally:
        release.set()
    assert wait_for_background(10)
    qtbot.wait(50)  # what the phone load brought back has reached the GUI thread, dropped
    touchpoints = {
        window.audit_model.index(r, 2).data() for r in range(window.audit_model.rowCount())
    }
    assert touchpoints == {"Email"}


def test_a_failed_read_is_one_line_the_rows_stay_and_f5_tries_again(
    qtbot: QtBot, window: MainWindow, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shopper.domain.errors import StorageError
    from shopper.services import audits as audit_service
    from shopper.services import companies as company_service
    from shopper.ui import main_window

    load_demo(engine=ctx.engine, audits=20)
    window.refresh()
    wait_for_lists(qtbot, window)
    counts = window.count_label.text()
    dialogs: list[str] = []
    monkeypatch.setattr(main_window, "show_error", lambda _p, text, **_k: dialogs.append(text))
    real = audit_service.list_audits, company_service.list_companies

    def lost(**_kwargs: Any) -> Any:
        raise StorageError("the team database is not answering\n(server closed the connection)")

    monkeypatch.setattr(audit_service, "list_audits", lost)
    monkeypatch.setattr(company_service, "list_companies", lost)
    window.activateWindow()
    Keyboard(qtbot).press(Qt.Key.Key_F5)
    wait_for_lists(qtbot, window)
    line = window.statusBar().currentMessage()
    assert "the team database is not answering" in line and "F5" in line
    assert "\n" not in line and dialogs == []
    assert window.audit_model.rowCount() == 20  # what was on screen stays
    assert window.company_model.rowCount() == 7
    assert window.count_label.text() == counts

    monkeypatch.setattr(audit_service, "list_audits", real[0])
    monkeypatch.setattr(company_service, "list_companies", real[1])
    Keyboard(qtbot).press(Qt.Key.Key_F5)  # the server is back
    wait_for_lists(qtbot, window)
    assert window.statusBar().currentMessage() == ""
    assert window.audit_model.rowCount() == 20


def test_a_slow_read_says_loading_and_keeps_the_rows_meanwhile(
    qtbot: QtBot, window: MainWindow, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shopper.services import audits as audit_service

    load_demo(engine=ctx.engine, audits=20)
    window.refresh()
    wait_for_lists(qtbot, window)
    counts = window.count_label.text()
    real = audit_service.list_audits
    release = threading.Event()

    def slow(**kwargs: Any) -> list[Any]:
        release.wait(10)
        return real(**kwargs)

    monkeypatch.setattr(audit_service, "list_audits", slow)
    try:
        window.refresh()
        assert window.count_label.text() == counts  # a quick read would show no flicker
        qtbot.waitUntil(lambda: window.count_label.text() == "Loading…", timeout=5000)
        assert window.audit_model.rowCount() == 20  # no empty list while it loads
        window.audit_table.selectRow(3)  # the window answers meanwhile
        assert window.runner_view is not None
        opened = window.runner_view.runner.audit_id
    finally:
        release.set()
    wait_for_lists(qtbot, window)
    assert window.count_label.text() == counts
    current = window.audit_table.selectionModel().currentIndex()
    assert window.audit_model.audit_id(current.row()) == opened  # its row is still selected


def test_refresh_runs_its_continuation_once_the_rows_are_in(
    qtbot: QtBot, window: MainWindow, ctx: AppContext
) -> None:
    from tests.ui.helpers import new_audit

    audit_id = new_audit(ctx)
    seen: list[int] = []
    window.refresh(on_done=lambda: seen.append(window.audit_model.row_of(audit_id)))
    assert seen == []  # refresh returns at once
    wait_for_lists(qtbot, window)
    assert seen == [0]
    assert window.count_label.text() == "1 company · 1 audit"


def test_the_window_says_it_is_opening_until_the_companies_are_in(
    qtbot: QtBot, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shopper.services import companies as company_service
    from shopper.ui.main_window import OPENING_TEXT, PICK_TEXT

    load_demo(engine=ctx.engine, audits=10)
    real = company_service.list_companies
    release = threading.Event()

    def slow(**kwargs: Any) -> Any:
        release.wait(10)
        return real(**kwargs)

    monkeypatch.setattr(company_service, "list_companies", slow)
    try:
        window = MainWindow(ctx)
        show(qtbot, window)
        qtbot.wait(50)
        assert window.stack.currentIndex() == PAGE_PICK  # not the welcome of an empty database
        assert window.pick_label.text() == OPENING_TEXT
    finally:
        release.set()
    wait_for_lists(qtbot, window)
    assert window.stack.currentIndex() == PAGE_PICK
    assert window.pick_label.text() == PICK_TEXT


def test_a_refresh_keeps_the_chosen_company_and_its_audits(
    qtbot: QtBot, window: MainWindow, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_demo(engine=ctx.engine, audits=20)
    window.refresh()
    wait_for_lists(qtbot, window)
    window.company_list.setCurrentIndex(window.company_model.index(2))
    wait_for_lists(qtbot, window)
    chosen = window.selected_company_id()
    shown = [window.audit_model.audit_id(r) for r in range(window.audit_model.rowCount())]
    assert chosen and shown
    calls: list[str] = []
    spy_on(monkeypatch, [], calls)
    window.refresh()
    wait_for_lists(qtbot, window)
    assert sorted(calls) == ["list_audits", "list_companies"]  # one query each, no second
    assert window.selected_company_id() == chosen
    assert [window.audit_model.audit_id(r) for r in range(window.audit_model.rowCount())] == shown


@pytest.fixture
def on_team(request: pytest.FixtureRequest, data_dir: Path) -> Any:
    """A manager's database on the team server (see tests/postgres.py)."""
    from tests.postgres import app_context

    with app_context("postgresql", request, data_dir) as context:
        yield context
        assert wait_for_background(30)


@pytest.mark.postgres
def test_on_a_team_database_an_audit_is_read_off_the_gui_thread_and_the_last_asked_wins(
    qtbot: QtBot, on_team: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shopper.services import runner as runner_module
    from shopper.services.audits import start_audit
    from shopper.services.templates import list_templates

    company = create_company(engine=on_team.engine, data=CompanyInput(name="Northwind"))
    phone = list_templates(engine=on_team.engine, touchpoint="phone")[0]
    first, second = (
        start_audit(engine=on_team.engine, company_id=company.id, template_id=phone.id)
        for _ in range(2)
    )
    threads: list[bool] = []
    real_init = runner_module.AuditRunner.__init__

    def spy(self: Any, **kwargs: Any) -> None:
        threads.append(threading.current_thread() is threading.main_thread())
        real_init(self, **kwargs)

    monkeypatch.setattr(runner_module.AuditRunner, "__init__", spy)
    window = show_window(qtbot, MainWindow(on_team))
    shown: list[str] = []
    assert window.open_audit(first.id, then=lambda view: shown.append(view.runner.audit_id))
    assert window.opening and window.runner_view is None
    assert window.pick_label.text() == "Opening the audit…"
    assert window.open_audit(second.id, then=lambda view: shown.append(view.runner.audit_id))
    qtbot.waitUntil(lambda: window.runner_view is not None and not window.opening, timeout=20000)
    assert wait_for_background(20)
    qtbot.wait(50)  # the first read's answer, if it came last, is dropped
    assert window.runner_view is not None and window.runner_view.runner.audit_id == second.id
    assert shown == [second.id]
    assert threads and not any(threads)
    window.close()


@pytest.mark.postgres
def test_on_a_team_database_analysis_windows_and_bundle_choices_read_nothing_on_the_gui_thread(
    qtbot: QtBot, on_team: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shopper.services.audits import start_audit
    from shopper.services.templates import list_templates
    from shopper.ui import analysis_window, data_safety

    company = create_company(engine=on_team.engine, data=CompanyInput(name="Northwind"))
    phone = list_templates(engine=on_team.engine, touchpoint="phone")[0]
    start_audit(engine=on_team.engine, company_id=company.id, template_id=phone.id)
    on_gui_thread: list[str] = []

    def spying(module: Any, name: str) -> None:
        real = getattr(module, name)

        def spy(**kwargs: Any) -> Any:
            if threading.current_thread() is threading.main_thread():
                on_gui_thread.append(name)
            return real(**kwargs)

        monkeypatch.setattr(module, name, spy)

    spying(analysis_window, "list_companies")
    spying(data_safety, "audit_ids_for")
    offered: list[list[Any]] = []

    class NoDialog:
        def __init__(self, choices: list[Any], _parent: Any) -> None:
            offered.append(choices)
            self.chosen = None

        def exec(self) -> bool:
            return False

    monkeypatch.setattr(data_safety, "ExportBundleDialog", NoDialog)
    window = show_window(qtbot, MainWindow(on_team))
    wait_for_lists(qtbot, window)
    compare = window.analysis.open_compare()
    assert compare.company_combo.findText("Northwind") >= 0
    window.data_actions.choose_export()
    qtbot.waitUntil(lambda: bool(offered), timeout=20000)
    assert [c.name for c in offered[0]] == ["all"]
    assert on_gui_thread == []
    compare.close()
    window.close()


def test_file_import_shops_assigns_a_files_shops_or_names_every_bad_row(
    qtbot: QtBot,
    window: MainWindow,
    ctx: AppContext,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    create_company(engine=ctx.engine, data=CompanyInput(name="Northwind"))
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(
        "company,touchpoint,shopper,due,instructions\n"
        "Northwind,phone,Tess,2099-01-31,Ask how to cancel\n"
        "Northwind,website,Tess,2099-02-28,\n",
        encoding="utf-8",
    )
    bad.write_text(
        "company,touchpoint,shopper,due\nNowhere,phone,Tess,2099-01-31\nNorthwind,fax,,x\n",
        encoding="utf-8",
    )
    errors: list[str] = []
    monkeypatch.setattr(main_window, "show_error", lambda _p, text, **_k: errors.append(text))
    picked: list[Path] = [bad, good]
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(picked.pop(0)), ""))
    assert window.import_shops_action in window.file_menu.actions()
    window.import_shops_action.trigger()
    qtbot.waitUntil(lambda: bool(errors))
    lines = errors[0].splitlines()
    assert lines[0] == f"{bad}: 4 problems in 2 rows; no shop was created"
    assert lines[1] == f"{bad}: line 2, column company: no company named 'Nowhere'"
    assert len(lines) == 5 and list_shops(engine=ctx.engine) == []
    window.import_shops_action.trigger()
    qtbot.waitUntil(lambda: "Assigned 2 shops" in window.statusBar().currentMessage())
    assert window.statusBar().currentMessage() == "Assigned 2 shops from good.csv"
    assert [s.instructions for s in list_shops(engine=ctx.engine)] == ["Ask how to cancel", ""]


@pytest.mark.postgres
def test_on_a_team_database_leaving_printing_or_closing_waits_for_the_saves_without_blocking(
    qtbot: QtBot,
    on_team: AppContext,
    postgres_server: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """The server stops under a save: another audit asked for keeps this one open (one line,
    never a wait on the GUI thread); once the server is back and the save is in, it opens."""
    from sqlalchemy import event

    from shopper.services.audits import start_audit
    from shopper.services.templates import list_templates
    from shopper.ui import main_window as main_window_module
    from shopper.ui.runner.saves import QueuedSaves
    from tests.services.test_team_faults import stop_at
    from tests.ui.runner.test_queued_saves import answer, yes_no_items

    waited: list[bool] = []
    real_wait = QueuedSaves.wait

    def spy(self: QueuedSaves, timeout: float = 20.0) -> bool:
        waited.append(True)
        return real_wait(self, timeout)

    monkeypatch.setattr(QueuedSaves, "wait", spy)
    company = create_company(engine=on_team.engine, data=CompanyInput(name="Northwind"))
    phone = list_templates(engine=on_team.engine, touchpoint="phone")[0]
    first, second = (
        start_audit(engine=on_team.engine, company_id=company.id, template_id=phone.id)
        for _ in range(2)
    )
    window = show_window(qtbot, MainWindow(on_team))
    wait_for_lists(qtbot, window)
    window.open_audit(first.id)
    qtbot.waitUntil(lambda: window.runner_view is not None, timeout=20000)
    view = window.runner_view
    assert view is not None and view.saves is not None
    (item,) = yes_no_items(view, 1)
    hook = stop_at(postgres_server, "INSERT INTO answer")
    event.listen(on_team.engine, "before_cursor_execute", hook)
    try:
        answer(qtbot, view, item, "yes")
        qtbot.waitUntil(lambda: view.saves is not None and view.saves.failure is not None)
        assert window.open_audit(second.id)
        assert window.runner_view is view  # it stays open: its change waits for the server
        assert "stays open" in window.statusBar().currentMessage()
        window.export_pdf()
        assert "Not printed" in window.statusBar().currentMessage()
        window.data_actions.export_to(tmp_path / "stuck.shopper", [first.id])
        assert not window.data_actions.busy and not (tmp_path / "stuck.shopper").exists()
        asked: list[bool] = []

        def keep_it() -> bool:
            asked.append(True)
            return False

        monkeypatch.setattr(main_window_module, "headless", lambda: False)
        monkeypatch.setattr(window, "_quit_unsaved", keep_it)
        window.close()
        assert asked == [True] and window.isVisible()  # "Quit anyway and lose it?" No
        monkeypatch.setattr(main_window_module, "headless", lambda: True)
    finally:
        event.remove(on_team.engine, "before_cursor_execute", hook)
        postgres_server.start()
    view.saves.retry()
    qtbot.waitUntil(view.saves_done, timeout=20000)
    assert window.open_audit(second.id)
    qtbot.waitUntil(
        lambda: window.runner_view is not None and window.runner_view.runner.audit_id == second.id,
        timeout=20000,
    )
    window.data_actions.export_to(tmp_path / "sent.shopper", [first.id])
    qtbot.waitUntil((tmp_path / "sent.shopper").exists, timeout=20000)
    qtbot.waitUntil(lambda: not window.data_actions.busy, timeout=20000)
    assert waited == []  # nothing above waited for the saves on the GUI thread
    window.close()


def test_the_start_up_glance_shows_the_lists_and_an_audit_picked_opens_once_attached(
    qtbot: QtBot, data_dir: Path
) -> None:
    """Start-up shows the lists read at a glance (before the database layer loads); they
    take clicks, the audit picked then opens once the database is attached, and attaching
    reads the same rows again without emptying the lists meanwhile."""
    from shopper.services.glance import glance_at

    seed = AppContext.open(data_dir)
    load_demo(engine=seed.engine, audits=30)
    seed.close()
    win = MainWindow(data_dir=data_dir)
    show(qtbot, win)
    shown: list[bool] = []
    win.lists_shown.connect(lambda: shown.append(True))
    seen = glance_at(data_dir, win.glance_filters())
    assert seen is not None
    win.show_glance(seen)
    assert shown == [True]
    assert win.audit_model.rowCount() == 30
    assert win.company_model.rowCount() == len(seen.companies) + 1
    assert "30 audits" in win.count_label.text()
    assert win.main_splitter.isEnabled() and not win.attached
    assert not win.stack.isEnabled()  # "New audit…" waits for the database
    picked = win.audit_model.audit_id(4)
    win.audit_table.selectRow(4)  # before the database is open: remembered
    assert win.runner_view is None
    rows_seen: list[int] = []
    win.audit_model.modelReset.connect(lambda: rows_seen.append(win.audit_model.rowCount()))
    ctx = AppContext.open(data_dir)
    try:
        win.attach(ctx, lists_first=True)
        qtbot.waitUntil(lambda: win.runner_view is not None, timeout=20000)
        assert win.runner_view is not None and win.runner_view.runner.audit_id == picked
        assert 0 not in rows_seen  # the glance's rows stayed until the engine's came
        assert shown == [True]  # once
        assert win.stack.isEnabled()
        wait_for_lists(qtbot, win)
    finally:
        win.close()
        wait_for_background(10)
        ctx.close()


def test_paint_first_paints_the_opening_pane_then_builds_the_window(
    qtbot: QtBot, data_dir: Path
) -> None:
    """Start-up (`paint_first`): the window paints at once with "Opening Shopper…", and
    its menus, lists and panes are built right after that paint, before `first_painted`;
    closed before then, it closes without saving a layout it never had."""
    from PySide6.QtWidgets import QLabel

    AppContext.open(data_dir).close()
    win = MainWindow(data_dir=data_dir, paint_first=True)
    assert not win.built and not hasattr(win, "audit_model")
    texts = [label.text() for label in win.findChildren(QLabel)]
    assert any("Opening Shopper…" in text for text in texts)
    built_when_told: list[bool] = []
    win.first_painted.connect(lambda: built_when_told.append(win.built))
    show(qtbot, win)
    qtbot.waitUntil(lambda: bool(built_when_told), timeout=10000)
    assert built_when_told == [True]
    assert win.stack.currentIndex() == PAGE_PICK and not win.attached
    assert win.menuBar().actions()  # File, View, Team, Help until the database is in
    win.close()

    early = MainWindow(data_dir=data_dir, paint_first=True)
    early.show()
    early.close()  # before its first paint was over: it closes, building nothing
    assert not early.built and not early.isVisible()


def test_the_window_module_leaves_qts_enums_for_after_the_first_paint() -> None:
    """Importing the main window makes none of the `Qt` namespace's hundred enums (30-40 ms
    before the first paint): `shopper.ui.lazy_qt` binds them on first use."""
    import subprocess
    import sys

    script = (
        "import PySide6.QtCore as core, enum, sys\n"
        "made = []\n"
        "call = enum.EnumType.__call__\n"
        "def spy(cls, *a, **k):\n"
        "    if len(a) > 1 and isinstance(a[0], str): made.append(a[0])\n"
        "    return call(cls, *a, **k)\n"
        "enum.EnumType.__call__ = spy\n"
        "import shopper.app, shopper.ui.main_window\n"
        "print(len(made), 'ItemDataRole' in made)\n"
        "from shopper.ui.lazy_qt import Qt\n"
        "print(Qt.ItemDataRole.UserRole is core.Qt.ItemDataRole.UserRole)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    first, second = done.stdout.split("\n")[:2]
    assert first.split()[1] == "False"  # Qt.ItemDataRole not made by the import
    assert second == "True"
