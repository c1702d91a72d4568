"""Team › Connect to team database…, the status bar's line, and the team database reopened
at start, against the real test server."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from shopper.app import DatabaseOpener
from shopper.services.connect import TeamTarget
from shopper.services.context import AppContext
from shopper.services.team_link import save_link
from shopper.ui.main_window import MainWindow
from shopper.ui.settings import Options, Settings
from shopper.ui.team.connect import ConnectDialog
from shopper.ui.workers import pending_work, wait_for_background
from tests.postgres import MANAGER, MANAGER_PASSWORD, PostgresServer, free_port, team_copy

WAIT = 30000


@pytest.fixture
def team(
    postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[str]:
    """A team database with the login `manager`; no ~/.pgpass unless a test writes one."""
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))
    name = team_copy(postgres_server)
    yield name
    postgres_server.drop_database(name)
    postgres_server.drop_roles()


def where(server: PostgresServer, name: str) -> str:
    return f"postgresql://{MANAGER}@{server.host}:{server.port}/{name}"


def test_what_is_not_a_database_is_said_in_the_dialog_and_nothing_connects(
    qtbot: QtBot, data_dir: Path
) -> None:
    dialog = ConnectDialog(data_dir)
    qtbot.addWidget(dialog)
    dialog.where.setText("mysql://db/shop")
    dialog.try_connect()
    assert "mysql" in dialog.message.text()
    assert not dialog.connecting and dialog.ctx is None
    assert dialog.where.isEnabled()


def test_the_password_is_asked_only_when_the_server_wants_it_and_never_kept(
    qtbot: QtBot,
    data_dir: Path,
    postgres_server: PostgresServer,
    team: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = Settings(data_dir)
    dialog = ConnectDialog(data_dir)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.password.isVisible()
    dialog.where.setText(where(postgres_server, team))
    dialog.try_connect()
    qtbot.waitUntil(lambda: not dialog.connecting, timeout=WAIT)
    assert dialog.password.isVisible(), dialog.message.text()
    assert MANAGER in dialog.message.text()

    dialog.password.setText("not-the-password")
    dialog.try_connect()
    qtbot.waitUntil(lambda: not dialog.connecting, timeout=WAIT)
    assert dialog.ctx is None and dialog.message.text()
    assert "not-the-password" not in dialog.message.text()

    dialog.password.setText(MANAGER_PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT):
        dialog.try_connect()
    ctx = dialog.ctx
    assert ctx is not None
    try:
        assert ctx.connection is not None and ctx.connection.login == MANAGER
        assert dialog.password.text() == ""
        settings.sync()
        kept = "".join(p.read_text(encoding="utf-8") for p in data_dir.glob("*.ini"))
        kept += (data_dir / "team.json").read_text(encoding="utf-8")
        assert where(postgres_server, team) in kept
        for secret in (MANAGER_PASSWORD, "not-the-password"):
            assert secret not in kept
            assert not [r for r in caplog.records if secret in r.getMessage()]
    finally:
        ctx.close()


def test_the_window_moves_to_the_team_database_and_back(
    qtbot: QtBot, data_dir: Path, postgres_server: PostgresServer, team: str
) -> None:
    local = AppContext.open(data_dir)
    window = MainWindow(local)  # not qtbot's to close: the switch deletes it
    window.show()
    assert window.connection_label.text() == "This computer's database"
    assert not window.local_action.isEnabled()

    window.connect_team()
    dialog = window.connect_dialog
    dialog.where.setText(where(postgres_server, team))
    dialog.try_connect()
    qtbot.waitUntil(dialog.password.isVisible, timeout=WAIT)
    dialog.password.setText(MANAGER_PASSWORD)
    dialog.try_connect()
    qtbot.waitUntil(lambda: window.successor is not None, timeout=WAIT)
    on_team = window.successor
    assert on_team is not None
    qtbot.waitUntil(lambda: local.closed, timeout=WAIT)  # the database left is closed
    assert on_team.ctx.connection is not None
    label = on_team.connection_label.text()
    assert (
        label == f"{MANAGER} (manager) · {team} on 127.0.0.1:{postgres_server.port} · not encrypted"
    )
    assert "PostgreSQL" in on_team.connection_label.toolTip()
    assert on_team.local_action.isEnabled()
    assert on_team.settings.get(Options.TEAM_AT_START)

    on_team.use_local()
    qtbot.waitUntil(lambda: on_team.successor is not None, timeout=WAIT)
    back = on_team.successor
    assert back is not None
    qtbot.addWidget(back)
    qtbot.waitUntil(lambda: on_team.ctx.closed, timeout=WAIT)
    assert back.ctx.connection is None and back.ctx.db_path == local.db_path
    assert back.connection_label.text() == "This computer's database"
    assert not back.settings.get(Options.TEAM_AT_START)
    close(back)


def close(window: MainWindow) -> None:
    """As the app quits: the window, then its database once no load still reads it."""
    window.close()
    assert wait_for_background(30), pending_work()
    window.ctx.close()


def remember(data_dir: Path, target: str) -> None:
    save_link(data_dir, TeamTarget.parse(target))
    settings = Settings(data_dir)
    settings.set(Options.TEAM_AT_START, True)
    settings.sync()


def start_window(qtbot: QtBot, data_dir: Path) -> tuple[MainWindow, DatabaseOpener]:
    window = MainWindow(data_dir=data_dir)
    qtbot.addWidget(window)
    opener = DatabaseOpener(window, data_dir, None)
    opener.start()
    qtbot.waitUntil(lambda: window.attached, timeout=WAIT)
    return window, opener


def test_the_team_database_the_app_quit_on_opens_at_start_with_pgpass(
    qtbot: QtBot,
    data_dir: Path,
    postgres_server: PostgresServer,
    team: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"*:*:*:{MANAGER}:{MANAGER_PASSWORD}\n", encoding="utf-8")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    remember(data_dir, where(postgres_server, team))
    window, _opener = start_window(qtbot, data_dir)
    try:
        assert window.ctx.connection is not None
        assert window.ctx.connection.database == team
    finally:
        close(window)


def test_a_remembered_team_database_that_does_not_answer_leaves_this_computers_open(
    qtbot: QtBot, data_dir: Path
) -> None:
    remember(data_dir, f"postgresql://{MANAGER}@127.0.0.1:{free_port()}/gone")
    window, _opener = start_window(qtbot, data_dir)
    try:
        assert window.ctx.connection is None
        assert "team database could not be opened" in window.statusBar().currentMessage()
    finally:
        close(window)


def test_a_remembered_team_database_that_wants_a_password_falls_back_when_headless(
    qtbot: QtBot,
    data_dir: Path,
    postgres_server: PostgresServer,
    team: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SHOPPER_HEADLESS", "1")  # no dialog can be answered: never stuck
    remember(data_dir, where(postgres_server, team))
    window, _opener = start_window(qtbot, data_dir)
    try:
        assert window.ctx.connection is None
    finally:
        close(window)


def test_a_shoppers_window_offers_only_what_the_database_lets_them_do(
    qtbot: QtBot, as_jan: tuple[AppContext, str]
) -> None:
    ctx, _company_id = as_jan
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    assert "jan (shopper)" in window.connection_label.text()
    for action in (
        window.new_company_action,
        window.edit_company_action,
        window.demo_action,
        window.import_template_action,
        window.import_shops_action,
    ):
        assert not action.isEnabled(), action.text()
    assert window.new_audit_action.isEnabled()
    assert not window.welcome.demo_button.isVisibleTo(window.welcome)


def test_the_dialog_offers_the_team_database_this_folder_is_linked_to(
    qtbot: QtBot, data_dir: Path
) -> None:
    """Linked by `shopper team connect` (or an earlier connection): the same team.json."""
    save_link(data_dir, TeamTarget.parse("postgresql://jan@db.example.com/shop", "verify-full"))
    dialog = ConnectDialog(data_dir)
    qtbot.addWidget(dialog)
    assert dialog.where.text() == "postgresql://jan@db.example.com/shop"
    assert dialog.encryption.currentData() == "verify-full"
