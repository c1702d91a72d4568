"""Team › Sync now, the automatic sync, the outbox and Submit to team, in the window on this
computer's database, against the real test server (jan is the shopper)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from shopper.domain.vocabulary import AuditStatus
from shopper.services import shops, team
from shopper.services.connect import TeamTarget
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from shopper.services.sync import SyncResult
from shopper.services.team_link import save_link
from shopper.ui.main_window import MainWindow
from shopper.ui.team.outbox import OutboxDialog
from shopper.ui.team.sync import summary
from shopper.ui.workers import pending_work, wait_for_background
from tests.conftest import JAN_PASSWORD
from tests.postgres import MANAGER, MANAGER_PASSWORD, PostgresServer, free_port
from tests.services.test_runner import answer_required

pytestmark = pytest.mark.postgres

WAIT = 30000


class Team:
    """The team database: its manager's engine, and where jan's link points."""

    def __init__(self, server: PostgresServer, jan: AppContext) -> None:
        self.name = str(jan.engine.url.database)
        self.where = f"postgresql://jan@{server.host}:{server.port}/{self.name}"
        self.manager = team.team_engine(server.url(self.name, MANAGER, MANAGER_PASSWORD))

    def assign(self) -> str:
        return shops.create_shop(
            engine=self.manager,
            data=shops.ShopInput(
                company="Northwind",
                touchpoint="phone",
                shopper="jan",
                opens=date(2020, 1, 1),
                due=date(2099, 1, 31),
                instructions="Ask about opening hours",
            ),
        ).id

    def shop_state(self, shop_id: str) -> str:
        (row,) = [s for s in shops.list_shops(engine=self.manager) if s.id == shop_id]
        return row.state


@pytest.fixture
def team_side(
    postgres_server: PostgresServer,
    as_jan: tuple[AppContext, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Team]:
    """The team database; jan's password in a ~/.pgpass (as libpq reads it)."""
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"*:*:*:jan:{JAN_PASSWORD}\n", encoding="utf-8")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    side = Team(postgres_server, as_jan[0])
    try:
        yield side
    finally:
        side.manager.dispose()


@pytest.fixture(autouse=True)
def _no_sync_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the syncs a test asks for run (the one at start has its own test)."""
    monkeypatch.setattr("shopper.ui.team.sync.FIRST_SYNC_MS", 3_600_000)


@pytest.fixture
def laptop(tmp_path: Path) -> Path:
    return tmp_path / "jan-laptop"


@contextmanager
def open_window(qtbot: QtBot, folder: Path, where: str | None) -> Iterator[MainWindow]:
    if where is not None:
        folder.mkdir(parents=True, exist_ok=True)
        save_link(folder, TeamTarget.parse(where, "disable"))
    local = AppContext.open(folder)
    window = MainWindow(local)
    qtbot.addWidget(window)
    window.show()
    try:
        yield window
    finally:
        window.close()
        assert wait_for_background(30), pending_work()
        local.close()


@pytest.fixture
def window(qtbot: QtBot, laptop: Path, team_side: Team) -> Iterator[MainWindow]:
    """Jan's window on his laptop's database, its data folder linked to the team database."""
    with open_window(qtbot, laptop, team_side.where) as opened:
        yield opened


def synced(qtbot: QtBot, window: MainWindow) -> str:
    """Wait for the sync under way (or asked) to end; the status bar's line."""
    sync = window.team_sync
    assert sync is not None
    qtbot.waitUntil(lambda: not sync.busy, timeout=WAIT)
    return window.statusBar().currentMessage()


def test_the_team_menu_has_sync_outbox_submit_link_and_the_team_database(
    window: MainWindow,
) -> None:
    texts = [a.text() for a in window.team_menu.actions() if not a.isSeparator()]
    assert texts == [
        "&Sync now",
        "S&ubmit to team",
        "&Outbox…",
        "&Link this data folder to a team database…",
        "Connect to &team database…",
        "Use this c&omputer's database",
    ]
    assert window.sync_action.shortcut().toString() == "Ctrl+Shift+S"
    assert window.sync_action.isEnabled() and window.outbox_action.isEnabled()
    assert not window.submit_action.isEnabled()  # no audit open
    assert window.connect_action not in window.file_menu.actions()


def test_sync_now_fetches_the_assigned_shop_and_the_shops_list_shows_it(
    qtbot: QtBot, window: MainWindow, team_side: Team
) -> None:
    shop_id = team_side.assign()
    window.show_shops()
    dialog = window.shops_dialog
    qtbot.waitUntil(lambda: dialog.rows is not None, timeout=WAIT)
    assert dialog.rows == []
    # The shops come from the team database: none is assigned or cancelled here.
    assert dialog.new_button is None and dialog.cancel_button is None
    assert not window.new_shop_action.isEnabled() and not window.import_shops_action.isEnabled()

    window.sync_now()
    assert window.team_sync is not None and window.team_sync.busy  # it went to a worker
    assert window.statusBar().currentMessage() == "Syncing with the team database…"
    window.sync_now()
    window.sync_now()  # pressed again while it runs: one more after it, not two
    assert [kind for kind, _ in window.team_sync._queue] == ["sync"]
    line = synced(qtbot, window)
    assert line.startswith("Synced: nothing to send, 1 shop received"), line
    qtbot.waitUntil(lambda: dialog.rows is not None and len(dialog.rows) == 1, timeout=WAIT)
    assert dialog.rows is not None
    (row,) = dialog.rows
    assert (row.id, row.state, row.company) == (shop_id, "assigned", "Northwind")
    dialog.close()


def test_a_server_that_does_not_answer_leaves_the_audit_in_the_outbox_with_why(
    qtbot: QtBot, qtmodeltester: Any, window: MainWindow, team_side: Team, laptop: Path
) -> None:
    shop_id = team_side.assign()
    window.sync_now()
    synced(qtbot, window)
    audit = shops.start_shop(engine=window.ctx.engine, shop_id=shop_id)
    runner = AuditRunner(engine=window.ctx.engine, audit_id=audit.id)
    runner.set_note(next(runner.template.items()).id, "changed here")

    # The link now names a closed port: the team database does not answer.
    save_link(laptop, TeamTarget.parse(f"postgresql://jan@127.0.0.1:{free_port()}/x", "disable"))
    window._start_team_sync()
    sync = window.team_sync
    assert sync is not None
    window.sync_now()
    assert sync.busy
    window.refresh()  # the window goes on meanwhile
    qtbot.waitUntil(lambda: not window.loading, timeout=WAIT)
    line = synced(qtbot, window)
    assert line.startswith("Sync failed at "), line
    assert sync.last is not None and sync.last.error

    window.show_outbox()
    dialog = window.outbox_dialog
    assert isinstance(dialog, OutboxDialog)
    qtbot.waitUntil(lambda: not dialog.loading, timeout=WAIT)
    qtmodeltester.check(dialog.model)
    (row,) = dialog.model.rows()
    assert (row.entry.audit_id, row.entry.shop_id, row.company) == (audit.id, shop_id, "Northwind")
    assert row.state == "Not sent"
    assert row.error == f"Not sent: {sync.last.error}"
    assert row.tried_at == sync.last.at
    assert sync.last.error in dialog.status.text()

    with qtbot.waitSignal(dialog.open_audit):
        dialog.table.activated.emit(dialog.model.index(0, 0))
    qtbot.waitUntil(lambda: window.runner_view is not None, timeout=WAIT)
    assert window.runner_view is not None and window.runner_view.runner.audit_id == audit.id


def test_submit_to_team_after_completing_hands_the_shop_in_on_the_server(
    qtbot: QtBot, window: MainWindow, team_side: Team
) -> None:
    shop_id = team_side.assign()
    window.sync_now()
    synced(qtbot, window)
    audit = shops.start_shop(engine=window.ctx.engine, shop_id=shop_id)
    answer_required(AuditRunner(engine=window.ctx.engine, audit_id=audit.id))
    assert window.open_audit(audit.id)
    view = window.runner_view
    assert view is not None
    assert not window.submit_action.isEnabled()  # not completed yet
    assert not view.header.submit_button.isVisibleTo(view)

    view.complete()  # Ctrl+Enter
    assert view.runner.audit.status == AuditStatus.COMPLETED
    assert window.submit_action.isEnabled()
    assert view.header.submit_button.isVisibleTo(view)
    assert "Submit to team" in window.statusBar().currentMessage()

    view.header.submit_button.click()
    assert not window.submit_action.isEnabled()  # once
    sync = window.team_sync
    assert sync is not None
    qtbot.waitUntil(lambda: audit.id in window._submitted, timeout=WAIT)
    line = synced(qtbot, window)  # the sync after the submit
    assert line.startswith(f"Audit {audit.id[:8]} submitted (shop {shop_id[:8]}) · Synced: ")
    assert team_side.shop_state(shop_id) == "submitted"
    (here,) = shops.list_shops(engine=window.ctx.engine)
    assert here.state == "submitted"
    assert not window.submit_action.isEnabled()
    # Opened again as handed in: no Reopen for its shopper.
    qtbot.waitUntil(lambda: window.runner_view is not None and window.runner_view is not view)
    again = window.runner_view
    assert again is not None and again.runner.handed_in == "submitted"
    assert not again.header.reopen_button.isVisibleTo(again)
    assert not again.header.submit_button.isVisibleTo(again)


def test_the_timer_syncs_by_itself(qtbot: QtBot, window: MainWindow, team_side: Team) -> None:
    sync = window.team_sync
    assert sync is not None
    assert sync.timer.isActive() and sync.timer.interval() == 5 * 60_000
    shop_id = team_side.assign()
    sync.timer.timeout.emit()
    synced(qtbot, window)
    assert [s.id for s in shops.list_shops(engine=window.ctx.engine)] == [shop_id]
    assert sync.last is not None and sync.last.error == ""


def test_a_sync_runs_by_itself_once_the_window_is_open(
    qtbot: QtBot, laptop: Path, team_side: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shopper.ui.team.sync.FIRST_SYNC_MS", 0)
    shop_id = team_side.assign()
    with open_window(qtbot, laptop, team_side.where) as window:
        sync = window.team_sync
        assert sync is not None
        qtbot.waitUntil(lambda: sync.last is not None and not sync.busy, timeout=WAIT)
        assert [s.id for s in shops.list_shops(engine=window.ctx.engine)] == [shop_id]


def test_without_a_link_there_is_no_sync_but_the_link_and_the_outbox(
    qtbot: QtBot, laptop: Path
) -> None:
    with open_window(qtbot, laptop, None) as window:
        assert window.team_sync is None
        assert not window.sync_action.isEnabled()
        assert window.link_action.isEnabled() and window.outbox_action.isEnabled()
        window.show_outbox()
        dialog = window.outbox_dialog
        qtbot.waitUntil(lambda: not dialog.loading, timeout=WAIT)
        assert dialog.model.rowCount() == 0 and not dialog.sync_button.isEnabled()
        assert "not linked" in dialog.status.text()


def test_linking_keeps_the_window_here_and_syncs_with_the_database_it_opened(
    qtbot: QtBot, laptop: Path, team_side: Team
) -> None:
    shop_id = team_side.assign()
    with open_window(qtbot, laptop, None) as window:
        window.link_team()
        dialog = window.link_dialog
        assert dialog.connect_button.text() == "&Link"
        dialog.where.setText(team_side.where)
        dialog.encryption.setCurrentIndex(dialog.encryption.findData("disable"))
        dialog.try_connect()
        qtbot.waitUntil(lambda: window.team_sync is not None, timeout=WAIT)
        line = synced(qtbot, window)
        assert line.startswith("Synced: nothing to send, 1 shop received"), line
        assert window.ctx.connection is None  # still this computer's database
        assert window.successor is None
        assert (laptop / "team.json").exists()
        assert [s.id for s in shops.list_shops(engine=window.ctx.engine)] == [shop_id]


def test_the_automatic_sync_says_a_failure_in_the_status_bar_only(
    qtbot: QtBot, laptop: Path, caplog: pytest.LogCaptureFixture
) -> None:
    closed = f"postgresql://jan@127.0.0.1:{free_port()}/x"
    with open_window(qtbot, laptop, closed) as window:
        sync = window.team_sync
        assert sync is not None
        caplog.set_level(logging.INFO, logger="shopper.ui.crash")
        sync.timer.timeout.emit()
        line = synced(qtbot, window)
        assert line.startswith("Sync failed at ") and "tried again in 5 minutes" in line
        assert not [r for r in caplog.records if "user message" in r.getMessage()]
        assert sync.timer.isActive()  # and it tries again


def test_the_password_is_asked_when_sync_now_needs_it_and_kept_in_memory_only(
    qtbot: QtBot, window: MainWindow, team_side: Team, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    shop_id = team_side.assign()
    sync = window.team_sync
    assert sync is not None
    sync.timer.timeout.emit()  # by itself: no question, one line
    line = synced(qtbot, window)
    assert "password" in line and not hasattr(sync, "password_dialog")
    assert not sync.timer.isActive()  # it waits for the user

    window.sync_now()
    qtbot.waitUntil(lambda: hasattr(sync, "password_dialog"), timeout=WAIT)
    asked = sync.password_dialog
    assert asked.isVisible() and "jan" in asked.labelText()
    asked.setTextValue(JAN_PASSWORD)
    asked.accept()
    line = synced(qtbot, window)
    qtbot.waitUntil(lambda: "Synced:" in window.statusBar().currentMessage(), timeout=WAIT)
    assert [s.id for s in shops.list_shops(engine=window.ctx.engine)] == [shop_id]
    assert sync.timer.isActive()
    window.settings.sync()
    kept = [p for p in window.ctx.data_dir.rglob("*") if p.is_file()]
    assert not [p for p in kept if JAN_PASSWORD.encode() in p.read_bytes()]


def test_the_summary_says_what_went_each_way() -> None:
    assert summary(SyncResult(pulled_shops=3)) == "Synced: nothing to send, 3 shops received"
    returned = SyncResult(pulled_shops=1, pulled_audits=1, pulled_comments=2)
    assert summary(returned) == (
        "Synced: nothing to send, 1 shop received, 1 audit received, 2 review comments received"
    )


def test_a_shopper_on_the_team_database_itself_submits_there(
    qtbot: QtBot, as_jan: tuple[AppContext, str], team_side: Team
) -> None:
    """No sync: the window works on the team database as jan; Submit to team submits his
    shop there, off the GUI thread, once its audit is completed."""
    ctx = as_jan[0]
    shop_id = team_side.assign()
    audit = shops.start_shop(engine=ctx.engine, shop_id=shop_id)
    answer_required(AuditRunner(engine=ctx.engine, audit_id=audit.id))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    try:
        opened: list[Any] = []
        window.open_audit(audit.id, then=opened.append)
        qtbot.waitUntil(lambda: bool(opened), timeout=WAIT)
        view = window.runner_view
        assert view is not None and window.team_sync is None
        assert not window.submit_action.isEnabled()
        view.complete()
        qtbot.waitUntil(lambda: view.runner.audit.status == AuditStatus.COMPLETED, timeout=WAIT)
        qtbot.waitUntil(window.submit_action.isEnabled, timeout=WAIT)
        view.header.submit_button.click()
        qtbot.waitUntil(lambda: team_side.shop_state(shop_id) == "submitted", timeout=WAIT)
        qtbot.waitUntil(lambda: "waits for its review" in window.statusBar().currentMessage())
        assert not window.submit_action.isEnabled()
        qtbot.waitUntil(
            lambda: (
                window.runner_view is not None
                and window.runner_view.runner.handed_in == "submitted"
            ),
            timeout=WAIT,
        )
        again = window.runner_view
        assert again is not None and not again.header.reopen_button.isVisibleTo(again)
    finally:
        window.close()
        assert wait_for_background(30), pending_work()
