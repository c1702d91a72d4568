"""`shopper team ...` on a real PostgreSQL server: output, exit codes, one-line errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.postgres import PostgresServer
from tests.test_cli import ok, user_error

pytestmark = pytest.mark.postgres


@pytest.fixture
def url(team_db: tuple[str, str], data_dir: Path) -> str:
    return team_db[1]


def test_init_then_users_end_to_end(
    capsys: pytest.CaptureFixture[str],
    postgres_server: PostgresServer,
    team_db: tuple[str, str],
    url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = ok(capsys, "--db", url, "team", "init")
    assert out.startswith(f"Team database {team_db[0]}: schema created; created shopper_manager")
    out = ok(capsys, "--db", url, "team", "init")
    assert "schema checked; row-level security and grants in place" in out
    assert "created shopper" not in out

    out = ok(capsys, "--db", url, "team", "add-user", "maria", "--role", "manager", "--name", "M N")
    first, second = out.splitlines()
    assert first == "Added maria as manager"
    assert second.startswith("Password for maria (shown once, not stored): ")
    password = second.rsplit(" ", 1)[1]
    with postgres_server.connect(team_db[0], "maria", password) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("maria",)

    monkeypatch.setattr(sys, "stdin", io.StringIO("chosen password 1\n"))
    out = ok(
        capsys, "--db", url, "team", "add-user", "jan", "--role", "shopper", "--password-stdin"
    )
    assert out == "Added jan as shopper\n"  # a password given on stdin is never printed
    with postgres_server.connect(team_db[0], "jan", "chosen password 1") as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("jan",)

    assert json.loads(ok(capsys, "--db", url, "team", "users", "--json")) == [
        {"login": "jan", "role": "shopper", "name": ""},
        {"login": "maria", "role": "manager", "name": "M N"},
    ]
    assert ok(capsys, "--db", url, "team", "set-role", "jan", "manager") == "jan is now a manager\n"
    assert ok(capsys, "--db", url, "team", "users").splitlines() == [
        "jan    manager",
        "maria  manager   M N",
    ]
    out = ok(capsys, "--db", url, "team", "remove-user", "jan")
    assert out == "Removed jan; their audits stay, attributed to them\n"
    assert ok(capsys, "--db", url, "team", "users").splitlines() == ["maria  manager   M N"]


def test_mistakes_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str],
    postgres_server: PostgresServer,
    team_db: tuple[str, str],
    url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    assert "run `shopper team init`" in user_error(capsys, "--db", url, "team", "users")
    ok(capsys, "--db", url, "team", "init")
    line = user_error(
        capsys, "--db", url, "team", "add-user", "x'; DROP TABLE audit; --", "--role", "shopper"
    )
    assert "lower-case letters" in line
    assert "invalid choice" in user_error(
        capsys, "--db", url, "team", "add-user", "ewa", "--role", "boss"
    )
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert "held no password" in user_error(
        capsys, "--db", url, "team", "add-user", "ewa", "--role", "shopper", "--password-stdin"
    )
    assert "no team user 'ewa'" in user_error(capsys, "--db", url, "team", "remove-user", "ewa")
    sqlite = f"sqlite:///{tmp_path / 'x.db'}"
    assert "not SQLite" in user_error(capsys, "--db", sqlite, "team", "init")
    with postgres_server.admin(team_db[0]) as conn:
        conn.execute("SET ROLE team_owner")
        conn.execute("CREATE TABLE invoices (id int)")
    assert "holds table 'invoices' that Shopper does not create" in user_error(
        capsys, "--db", url, "team", "init"
    )
    gone = url.replace(f":{postgres_server.port}/", f":{postgres_server.port}/no_such_db_")
    assert user_error(capsys, "--db", gone, "team", "users").startswith(
        "shopper: error: team users: "
    )


def test_init_upgrades_a_database_at_an_older_revision(
    capsys: pytest.CaptureFixture[str],
    postgres_server: PostgresServer,
    team_db: tuple[str, str],
    url: str,
) -> None:
    """A database an older Shopper made (at the baseline, stamped): team init upgrades it,
    then secures the tables the upgrade added."""
    from shopper.services.team import team_engine
    from shopper.store.schema import BASELINE, head_revision, migrate

    engine = team_engine(url)
    try:
        migrate(engine, to=BASELINE)
    finally:
        engine.dispose()
    assert head_revision() != BASELINE
    out = ok(capsys, "--db", url, "team", "init")
    assert f"schema upgraded from revision {BASELINE}" in out
    with postgres_server.admin(team_db[0]) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (head_revision(),)
        ]
        assert conn.execute(
            "SELECT relrowsecurity FROM pg_class WHERE relname = 'evidence_blob'"
        ).fetchone() == (True,)
    assert "schema checked" in ok(capsys, "--db", url, "team", "init")


def test_upload_evidence_sends_the_files_the_database_has_no_bytes_for(
    capsys: pytest.CaptureFixture[str],
    postgres_server: PostgresServer,
    team_db: tuple[str, str],
    url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from shopper.services.audits import start_audit
    from shopper.services.companies import CompanyInput, create_company
    from shopper.services.context import AppContext
    from shopper.services.runner import AuditRunner
    from shopper.services.templates import list_templates
    from tests.report.images import photo

    ok(capsys, "--db", url, "team", "init")
    monkeypatch.setattr(sys, "stdin", io.StringIO("boss-password-1\n"))
    ok(capsys, "--db", url, "team", "add-user", "boss", "--role", "manager", "--password-stdin")
    manager_url = postgres_server.url(team_db[0], "boss", "boss-password-1")
    folder = tmp_path / "boss"
    ctx = AppContext.open(folder, manager_url)
    try:
        company = create_company(engine=ctx.engine, data=CompanyInput(name="Northwind")).id
        template = list_templates(engine=ctx.engine, touchpoint="phone")[0].id
        audit = start_audit(engine=ctx.engine, company_id=company, template_id=template)
        runner = AuditRunner(engine=ctx.engine, audit_id=audit.id)
        data = photo(tmp_path / "desk.jpg", (64, 48)).read_bytes()
        runner.attach(data_dir=folder, data=data, filename="desk.jpg")
    finally:
        ctx.close()
    with postgres_server.admin(team_db[0]) as conn:
        conn.execute("DELETE FROM evidence_blob")  # as before the bytes lived in the database

    elsewhere = tmp_path / "elsewhere"
    out = ok(capsys, "--db", manager_url, "--data-dir", str(elsewhere), "team", "upload-evidence")
    assert out.splitlines() == [
        f"Uploaded 0 evidence files from {elsewhere} into the team database",
        f"1 evidence file still without bytes in the team database and not in {elsewhere}: "
        "run `shopper team upload-evidence` with the data folder of the machine that "
        "attached them",
    ]
    out = ok(capsys, "--db", manager_url, "--data-dir", str(folder), "team", "upload-evidence")
    assert out == f"Uploaded 1 evidence file from {folder} into the team database\n"
    with postgres_server.admin(team_db[0]) as conn:
        assert conn.execute("SELECT size FROM evidence_blob").fetchall() == [(len(data),)]
    # team init says nothing about evidence when there is nothing to send.
    out = ok(capsys, "--db", url, "--data-dir", str(elsewhere), "team", "init")
    assert "evidence" not in out.lower()


def test_init_on_a_foreign_database_exits_2_in_a_real_process(
    postgres_server: PostgresServer, team_db: tuple[str, str], url: str
) -> None:
    with postgres_server.admin(team_db[0]) as conn:
        conn.execute("SET ROLE team_owner")
        conn.execute("CREATE VIEW someone_elses AS SELECT 1 AS one")
    done = subprocess.run(
        [sys.executable, "-m", "shopper", "--db", url, "team", "init"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"shopper: error: the database {team_db[0]} holds table 'someone_elses' that Shopper "
        "does not create; team init needs an empty database or a Shopper one"
    ]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_password_stdin_on_a_terminal_is_asked_without_echo(
    capsys: pytest.CaptureFixture[str],
    postgres_server: PostgresServer,
    team_db: tuple[str, str],
    url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import getpass

    asked: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        asked.append(prompt)
        return "typed unseen 1"

    ok(capsys, "--db", url, "team", "init")
    monkeypatch.setattr(sys, "stdin", _Terminal(""))
    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    out = ok(
        capsys, "--db", url, "team", "add-user", "ewa", "--role", "shopper", "--password-stdin"
    )
    assert out == "Added ewa as shopper\n"
    assert asked == ["Password for ewa: "]
    with postgres_server.connect(team_db[0], "ewa", "typed unseen 1") as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("ewa",)


def test_connect_links_the_data_folder_and_disconnect_forgets_it(
    capsys: pytest.CaptureFixture[str],
    postgres_server: PostgresServer,
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.postgres import MANAGER, MANAGER_PASSWORD, team_copy

    name = team_copy(postgres_server)
    where = f"postgresql://{MANAGER}@{postgres_server.host}:{postgres_server.port}/{name}"
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no terminal to ask at
    refused = user_error(capsys, "--data-dir", str(data_dir), "team", "connect", where)
    assert "password" in refused and "pgpass" in refused
    assert not (data_dir / "team.json").exists()
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"*:*:*:{MANAGER}:{MANAGER_PASSWORD}\n", encoding="utf-8")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    out = ok(capsys, "--data-dir", str(data_dir), "team", "connect", where, "--sslmode", "disable")
    assert f"signed in as {MANAGER}" in out and "not encrypted" in out
    kept = (data_dir / "team.json").read_text(encoding="utf-8")
    assert where in kept and MANAGER_PASSWORD not in kept and '"disable"' in kept
    assert "no longer linked" in ok(capsys, "--data-dir", str(data_dir), "team", "disconnect")
    assert not (data_dir / "team.json").exists()
    postgres_server.drop_database(name)
