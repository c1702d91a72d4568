"""Data safety in the GUI: restore from a list, import with a summary, drag and drop,
automatic backups, and unsaved text kept on screen when the disk is full."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QPlainTextEdit
from pytestqt.qtbot import QtBot

from shopper.services.audits import load_audit
from shopper.services.backups import list_backups, make_backup
from shopper.services.bundles import export_bundle
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.store.integrity import DamagedDatabaseError
from shopper.ui import backups_dialog, data_safety
from shopper.ui.backups_dialog import BackupListModel, RestoreDialog
from shopper.ui.bundle_dialogs import ExportBundleDialog, ImportSummaryDialog, SummaryModel
from shopper.ui.main_window import MainWindow
from tests.data_helpers import FIXTURES, damage, new_counts_audit, snapshot
from tests.ui.helpers import Keyboard, show_window, wait_for_lists, when_modal

CORPUS = FIXTURES / "bundles"


@pytest.fixture
def window(qtbot: QtBot, ctx: AppContext) -> MainWindow:
    return show_window(qtbot, MainWindow(ctx))


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Messages the data actions show (dialogs are not shown in tests)."""
    shown: list[str] = []
    monkeypatch.setattr(
        data_safety, "show_error", lambda _parent, message, **_kw: shown.append(message)
    )
    return shown


def wait_idle(qtbot: QtBot, window: MainWindow) -> None:
    """Wait for the data action, then for the lists it reloads (off the GUI thread)."""
    qtbot.waitUntil(lambda: not window.data_actions.busy, timeout=20000)
    wait_for_lists(qtbot, window)


def stored(ctx: AppContext, audit_id: str) -> dict[str, Any]:
    return load_audit(engine=ctx.engine, audit_id=audit_id).values


# -- the File menu ------------------------------------------------------------------------


def test_file_menu_has_the_data_actions_before_quit(window: MainWindow) -> None:
    texts = [a.text() for a in window.file_menu.actions() if not a.isSeparator()]
    for text in ("Im&port bundle…", "E&xport bundle…", "&Back up now", "&Restore backup…"):
        assert text in texts
        assert texts.index(text) < texts.index("&Quit")
    assert window.acceptDrops()


# -- restoring ----------------------------------------------------------------------------


def test_backup_list_model_and_dialog(
    qtbot: QtBot, qtmodeltester: Any, ctx: AppContext, tmp_path: Path
) -> None:
    new_counts_audit(ctx, tmp_path)
    for reason in ("auto", "before-import", "manual"):
        make_backup(engine=ctx.engine, backups_dir=ctx.backups_dir, reason=reason)
    backups = list_backups(ctx.backups_dir)
    model = BackupListModel(backups)
    qtmodeltester.check(model)
    assert model.rowCount() == 3
    assert model.index(0, 1).data() == "Made by hand"
    assert model.index(1, 1).data() == "Before import"
    assert model.index(0, 2).data().endswith("KiB")
    dialog = RestoreDialog(backups, problem="the database is damaged")
    qtbot.addWidget(dialog)
    dialog.select(1)
    dialog.restore_button.click()
    assert dialog.chosen == backups[1].path
    empty = RestoreDialog([])
    qtbot.addWidget(empty)
    assert not empty.restore_button.isEnabled()


def test_restore_from_the_list_reopens_on_the_restored_database(
    qtbot: QtBot, window: MainWindow, ctx: AppContext, tmp_path: Path
) -> None:
    audit_id = new_counts_audit(ctx, tmp_path)
    AuditRunner(engine=ctx.engine, audit_id=audit_id).set_answer("c1", 1)
    good = make_backup(engine=ctx.engine, backups_dir=ctx.backups_dir, reason="manual")
    window.refresh()
    wait_for_lists(qtbot, window)
    assert window.open_audit(audit_id)
    assert window.runner_view is not None
    window.runner_view.runner.set_answer("c1", 2)

    def pick_the_backup(dialog: Any) -> None:
        assert isinstance(dialog, RestoreDialog)
        dialog.select(0)
        dialog.restore_button.click()
        assert dialog.chosen == good.path

    problems = when_modal(RestoreDialog, pick_the_backup)
    window.data_actions.choose_restore()
    assert problems == []
    wait_idle(qtbot, window)
    assert window.runner_view is not None
    assert window.runner_view.runner.value("c1") == 1  # the open audit was read afresh
    assert stored(ctx, audit_id)["c1"] == 1
    reasons = [b.reason for b in list_backups(ctx.backups_dir)]
    assert "before-restore" in reasons
    assert "Restored" in window.statusBar().currentMessage()
    # The app goes on working on the restored file.
    window.runner_view.runner.set_answer("c2", 5)
    assert stored(ctx, audit_id)["c2"] == 5


# -- importing ----------------------------------------------------------------------------


@pytest.fixture
def bundle(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A bundle of one answered audit, made on another shopper's machine."""
    other = AppContext.open(tmp_path / "other")
    try:
        audit_id = new_counts_audit(other, tmp_path, company="Bundled Ltd")
        AuditRunner(engine=other.engine, audit_id=audit_id).set_answer("c3", 30)
        path = tmp_path / "day.shopper"
        export_bundle(engine=other.engine, data_dir=other.data_dir, path=path, audit_ids=[audit_id])
    finally:
        other.close()
    yield path, audit_id


def test_import_shows_a_summary_and_refreshes_the_lists(
    qtbot: QtBot, qtmodeltester: Any, window: MainWindow, ctx: AppContext, bundle: Any
) -> None:
    path, audit_id = bundle
    window.data_actions.import_files([path])
    wait_idle(qtbot, window)
    dialog = window.data_actions.summary_dialog
    assert isinstance(dialog, ImportSummaryDialog)
    qtbot.addWidget(dialog)
    assert "1 added, 0 updated, 0 unchanged" in dialog.headline.text()
    assert "before the import" in dialog.details.text()
    qtmodeltester.check(dialog.model)
    assert dialog.model.index(0, 0).data() == "Added"
    assert dialog.model.index(0, 1).data() == "Bundled Ltd"
    assert window.audit_model.row_of(audit_id) >= 0
    assert "1 company · 1 audit" in window.count_label.text()
    dialog.close()
    # Again: unchanged, said so.
    window.data_actions.import_files([path])
    wait_idle(qtbot, window)
    again = window.data_actions.summary_dialog
    assert again is not None
    qtbot.addWidget(again)
    assert "0 added, 0 updated, 1 unchanged" in again.headline.text()


def test_summary_names_updated_and_kept_audits(qapp: QApplication, qtmodeltester: Any) -> None:
    from datetime import UTC, datetime

    from shopper.services.bundles import AuditLine, ImportSummary

    line = AuditLine("a" * 36, "Acme", "phone", datetime(2025, 5, 1, tzinfo=UTC))
    summary = ImportSummary("x.shopper", updated=[line], kept=[line], unchanged=[line])
    model = SummaryModel([])
    qtmodeltester.check(model)
    dialog = ImportSummaryDialog([summary])
    try:
        assert "1 kept because the copy here is newer" in dialog.headline.text()
        labels = [dialog.model.index(r, 0).data() for r in range(dialog.model.rowCount())]
        assert labels == [
            "Updated: the bundle's edit is newer",
            "Kept: the edit here is newer",
            "Unchanged",
        ]
    finally:
        dialog.deleteLater()


def _drag_events(paths: list[Path], mime: QMimeData) -> tuple[QDragEnterEvent, QDropEvent]:
    """Events carrying `mime` (which the caller keeps alive: events do not own it)."""
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(
        QPoint(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    drop = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    return enter, drop


def test_dropping_a_bundle_on_the_window_imports_it(
    qtbot: QtBot, window: MainWindow, ctx: AppContext, bundle: Any, tmp_path: Path
) -> None:
    path, audit_id = bundle
    other_file = tmp_path / "notes.txt"
    other_file.write_text("not a bundle", encoding="utf-8")
    mime = QMimeData()
    enter, _drop = _drag_events([other_file], mime)
    QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()
    mime = QMimeData()
    enter, drop = _drag_events([path], mime)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(window, drop)
    assert drop.isAccepted()
    wait_idle(qtbot, window)
    assert stored(ctx, audit_id) == {"c3": 30}
    assert window.data_actions.summary_dialog is not None
    qtbot.addWidget(window.data_actions.summary_dialog)


def test_a_hostile_bundle_is_refused_with_its_message_and_changes_nothing(
    qtbot: QtBot, window: MainWindow, ctx: AppContext, errors: list[str]
) -> None:
    before = snapshot(ctx.data_dir)
    window.data_actions.import_files([CORPUS / "overlapping-entries.shopper"])
    wait_idle(qtbot, window)
    assert len(errors) == 1
    assert "overlap" in errors[0]
    assert window.data_actions.summary_dialog is None
    assert snapshot(ctx.data_dir) == before


# -- exporting ----------------------------------------------------------------------------


def test_export_offers_the_open_audit_the_company_and_everything(
    qtbot: QtBot, window: MainWindow, ctx: AppContext, tmp_path: Path
) -> None:
    first = new_counts_audit(ctx, tmp_path, company="Alpha")
    new_counts_audit(ctx, tmp_path, company="Beta")
    window.refresh()
    wait_for_lists(qtbot, window)
    window.company_list.setCurrentIndex(window.company_model.index(1))
    assert window.open_audit(first)
    choices = window.data_actions.export_choices()
    assert [len(c.audit_ids) for c in choices] == [1, 1, 2]
    assert choices[0].label.startswith("The open audit (Alpha")
    assert choices[1].label == "Every audit of Alpha (1)"
    dialog = ExportBundleDialog(choices)
    qtbot.addWidget(dialog)
    assert dialog.chosen == choices[0]
    target = tmp_path / "alpha.shopper"
    window.data_actions.export_to(target, choices[2].audit_ids)
    wait_idle(qtbot, window)
    assert target.is_file()
    assert "Exported 2 audits" in window.statusBar().currentMessage()


# -- automatic backups ----------------------------------------------------------------------


def test_automatic_backup_runs_off_the_gui_thread_when_due(
    qtbot: QtBot, window: MainWindow, ctx: AppContext, tmp_path: Path
) -> None:
    assert window.data_actions.timer.isActive()
    assert window.data_actions.timer.interval() == data_safety.UPKEEP_MS
    new_counts_audit(ctx, tmp_path)
    window.data_actions.upkeep()
    qtbot.waitUntil(lambda: not window.data_actions.backing_up, timeout=10000)
    backups = list_backups(ctx.backups_dir)
    assert [b.reason for b in backups] == ["auto"]
    assert "Backed up automatically" in window.statusBar().currentMessage()
    window.data_actions.upkeep()  # not due again for 30 minutes
    qtbot.waitUntil(lambda: not window.data_actions.backing_up, timeout=10000)
    assert len(list_backups(ctx.backups_dir)) == 1


# -- a full disk ----------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_a_full_disk_keeps_the_unsaved_text_on_screen(
    qtbot: QtBot, window: MainWindow, ctx: AppContext, tmp_path: Path
) -> None:
    """A real full disk: this process may write no file past 1 KiB while the note is saved."""
    import resource

    audit_id = new_counts_audit(ctx, tmp_path)
    window.refresh()
    wait_for_lists(qtbot, window)
    assert window.open_audit(audit_id)
    view = window.runner_view
    assert view is not None
    view.go_to("remark")
    editor = view.editor.input_widget() if view.editor else None
    assert isinstance(editor, QPlainTextEdit)
    editor.setFocus()
    Keyboard(qtbot).type("Precious words, typed once")
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1024, hard))
    try:
        saved = view.flush()
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)
    assert saved is False
    assert view.saved_label.text() == "Not saved!"
    assert "could not save" in view.saved_label.toolTip()
    assert editor.toPlainText() == "Precious words, typed once"
    assert "remark" not in stored(ctx, audit_id)
    assert view.flush() is True  # room again: the same text is saved
    assert stored(ctx, audit_id)["remark"] == "Precious words, typed once"


# -- a damaged database at start-up ---------------------------------------------------------


def test_a_damaged_database_at_start_offers_the_backups(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "data"
    ctx = AppContext.open(folder)
    for n in range(12):
        audit_id = new_counts_audit(ctx, tmp_path, company=f"Company {n} " + "w" * 150)
    make_backup(engine=ctx.engine, backups_dir=ctx.backups_dir, reason="auto")
    ctx.close()
    damage(folder / "shopper.db")
    damaged = (folder / "shopper.db").read_bytes()
    with pytest.raises(DamagedDatabaseError) as info:
        AppContext.open(folder)
    told: list[str] = []
    monkeypatch.setattr(
        backups_dialog.QMessageBox, "information", lambda _p, _t, text: told.append(text)
    )

    def restore_the_newest(dialog: Any) -> None:
        assert isinstance(dialog, RestoreDialog)
        assert dialog.model.rowCount() == 1
        dialog.restore_button.click()

    problems = when_modal(RestoreDialog, restore_the_newest)
    restored = backups_dialog.offer_restore_at_start(folder, None, info.value)
    assert problems == []
    assert restored is not None
    try:
        assert load_audit(engine=restored.engine, audit_id=audit_id).company.name.startswith(
            "Company 11"
        )
    finally:
        restored.close()
    kept = next((folder / "backups").glob("set-aside-*.db"))
    assert kept.read_bytes() == damaged
    assert "kept, unchanged" in told[0]


# -- damage the quick check misses -----------------------------------------------------------


def test_damage_found_in_the_background_stops_writing_and_the_repair_mends_it(
    qtbot: QtBot, data_dir: Path, tmp_path: Path
) -> None:
    from shopper.services.runner import AuditRunner
    from shopper.store.engine import writing_stopped
    from tests.data_helpers import integrity
    from tests.services.test_upkeep import damage_an_index

    ctx = AppContext.open(data_dir)
    for n in range(30):
        new_counts_audit(ctx, tmp_path, company=f"company number {n:02}")
    ctx.close()
    damage_an_index(data_dir / "shopper.db")
    ctx = AppContext.open(data_dir)  # the quick check on open passes
    try:
        window = show_window(qtbot, MainWindow(ctx))
        actions = window.data_actions
        assert actions.check_due  # never checked in full
        actions.upkeep()
        qtbot.waitUntil(lambda: actions.damage_dialog is not None, timeout=20000)
        assert writing_stopped(ctx.engine)
        assert actions.damage_label.isVisible()
        dialog = actions.damage_dialog
        assert dialog is not None and dialog.isVisible()
        assert "indexes are damaged" in dialog.text()
        labels = [b.text() for b in dialog.buttons()]
        assert "Rebuild the indexes" in labels and "Restore a backup…" in labels
        rebuild = next(b for b in dialog.buttons() if b.text() == "Rebuild the indexes")
        rebuild.click()
        wait_idle(qtbot, window)
        assert not writing_stopped(ctx.engine)
        assert not actions.damage_label.isVisible()
        assert integrity(data_dir / "shopper.db") == ["ok"]
        assert "Indexes rebuilt" in window.statusBar().currentMessage()
        audit_id = new_counts_audit(ctx, tmp_path)
        AuditRunner(engine=ctx.engine, audit_id=audit_id).set_answer("c1", 1)
        window.close()
    finally:
        ctx.close()
