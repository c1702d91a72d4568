"""`shopper backup / restore / check / export / import` from the command line."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from shopper.services.backups import list_backups
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
from tests.data_helpers import FIXTURES, damage, new_counts_audit, png, scalar, snapshot
from tests.postgres import MANAGER, MANAGER_PASSWORD, PostgresServer, team_copy
from tests.test_cli import ok, user_error


@pytest.fixture
def filled(data_dir: Path, tmp_path: Path) -> str:
    """A data folder (the default one, via SHOPPER_DATA_DIR) with one answered audit."""
    ctx = AppContext.open(data_dir)
    try:
        audit_id = new_counts_audit(ctx, tmp_path, company="Cli Ltd")
        runner = AuditRunner(engine=ctx.engine, audit_id=audit_id)
        runner.set_answer("c1", 4)
        runner.attach(data_dir=data_dir, data=png(5), filename="x.png", item_id="c1")
    finally:
        ctx.close()
    return audit_id


def test_backup_into_the_backups_folder_and_to_a_file(
    capsys: pytest.CaptureFixture[str], data_dir: Path, filled: str, tmp_path: Path
) -> None:
    out = ok(capsys, "backup")
    backups = list_backups(data_dir / "backups")
    assert len(backups) == 1
    assert backups[0].reason == "manual"
    assert str(backups[0].path) in out
    target = tmp_path / "mine.db"
    assert str(target) in ok(capsys, "backup", "-o", str(target))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert scalar(target, "SELECT count(*) FROM audit") == 1
    line = user_error(capsys, "backup", "-o", str(tmp_path / "nowhere" / "x.db"))
    assert "does not exist" in line


def test_check_passes_then_names_what_is_damaged(
    capsys: pytest.CaptureFixture[str], data_dir: Path, filled: str
) -> None:
    out = ok(capsys, "check")
    assert ": ok (integrity_check), 1 audit\n" in out
    assert "Evidence files: 1 ok, 0 missing, 0 damaged" in out
    for stored in (data_dir / "evidence").rglob("*.png"):
        stored.write_bytes(b"altered")
    line = user_error(capsys, "check")
    assert "1 evidence files are damaged" in line


def test_check_of_a_damaged_database_exits_2_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> None:
    ctx = AppContext.open(data_dir)
    for n in range(12):
        new_counts_audit(ctx, tmp_path, company=f"Company {n} " + "z" * 150)
    ctx.close()
    damage(data_dir / "shopper.db")
    before = snapshot(data_dir)
    line = user_error(capsys, "check")
    assert "the database is damaged" in line
    line = user_error(capsys, "audits", "list")
    assert "shopper.db is damaged" in line
    assert "restore a backup" in line
    after = snapshot(data_dir)
    after.pop("shopper.log", None)
    before.pop("shopper.log", None)
    assert after == before


def test_restore_replaces_the_database_and_keeps_the_old_one(
    capsys: pytest.CaptureFixture[str], data_dir: Path, filled: str, tmp_path: Path
) -> None:
    good = tmp_path / "good.db"
    ok(capsys, "backup", "-o", str(good))
    ctx = AppContext.open(data_dir)
    AuditRunner(engine=ctx.engine, audit_id=filled).set_answer("c1", 9)
    ctx.close()
    out = ok(capsys, "restore", str(good))
    assert "Restored" in out
    assert "before-restore" in out
    assert scalar(data_dir / "shopper.db", "SELECT value FROM answer WHERE item_id='c1'") == "4"


def test_restore_over_a_damaged_database_and_refusing_bad_backups(
    capsys: pytest.CaptureFixture[str], data_dir: Path, filled: str, tmp_path: Path
) -> None:
    good = tmp_path / "good.db"
    ok(capsys, "backup", "-o", str(good))
    junk = tmp_path / "junk.db"
    junk.write_text("nothing useful", encoding="utf-8")
    assert "not a usable backup" in user_error(capsys, "restore", str(junk))
    assert "no such file" in user_error(capsys, "restore", str(tmp_path / "gone.db"))
    damage(data_dir / "shopper.db", page=2)
    damaged = (data_dir / "shopper.db").read_bytes()
    out = ok(capsys, "restore", str(good))
    assert "set-aside-" in out
    kept = next((data_dir / "backups").glob("set-aside-*.db"))
    assert kept.read_bytes() == damaged
    assert "ok (integrity_check)" in ok(capsys, "check")


HOLD_OPEN = """
import sys
from pathlib import Path
from shopper.services.context import AppContext
from shopper.services.runner import AuditRunner
ctx = AppContext.open(Path(sys.argv[1]))
print("open", flush=True)
sys.stdin.readline()
AuditRunner(engine=ctx.engine, audit_id=sys.argv[2]).set_answer("c1", 7)
print("saved", flush=True)
"""


def test_a_restore_refused_because_the_app_is_open_changes_nothing(
    capsys: pytest.CaptureFixture[str], data_dir: Path, filled: str, tmp_path: Path
) -> None:
    good = tmp_path / "good.db"
    ok(capsys, "backup", "-o", str(good))
    app = subprocess.Popen(
        [sys.executable, "-c", HOLD_OPEN, str(data_dir), filled],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert app.stdout is not None and app.stdout.readline().strip() == "open"
        before = {k: v for k, v in snapshot(data_dir).items() if k != "shopper.log"}
        line = user_error(capsys, "restore", str(good))
        assert "already open in another Shopper" in line
        after = {k: v for k, v in snapshot(data_dir).items() if k != "shopper.log"}
        assert after == before
        assert not list((data_dir / "backups").glob("set-aside-*"))
        # The app goes on saving into the database it has open, which is still the one here.
        assert app.stdin is not None
        app.stdin.write("\n")
        app.stdin.flush()
        assert app.stdout.readline().strip() == "saved"
    finally:
        app.kill()
        app.wait()
    assert scalar(data_dir / "shopper.db", "SELECT value FROM answer WHERE item_id='c1'") == "7"


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (
            "CREATE TRIGGER wipe AFTER UPDATE ON answer BEGIN DELETE FROM answer; END",
            "trigger 'wipe'",
        ),
        ("CREATE VIEW peek AS SELECT * FROM company", "view 'peek'"),
        ("CREATE TABLE stash (x TEXT)", "table 'stash'"),
        ("CREATE INDEX ix_sneaky ON answer (note)", "index 'ix_sneaky'"),
    ],
)
def test_a_backup_with_objects_we_never_create_is_refused_by_name(
    capsys: pytest.CaptureFixture[str],
    data_dir: Path,
    filled: str,
    tmp_path: Path,
    extra: str,
    named: str,
) -> None:
    hostile = tmp_path / "hostile.db"
    ok(capsys, "backup", "-o", str(hostile))
    with closing(sqlite3.connect(hostile)) as connection:
        connection.execute(extra)
        connection.commit()
    before = {k: v for k, v in snapshot(data_dir).items() if k != "shopper.log"}
    line = user_error(capsys, "restore", str(hostile))
    assert named in line and "hostile.db" in line
    assert {k: v for k, v in snapshot(data_dir).items() if k != "shopper.log"} == before

    # Nor does a database with one open: the first edit could run it.
    (data_dir / "shopper.db").unlink()
    for side in ("-wal", "-shm"):
        Path(f"{data_dir / 'shopper.db'}{side}").unlink(missing_ok=True)
    hostile.rename(data_dir / "shopper.db")
    opened = (data_dir / "shopper.db").read_bytes()
    line = user_error(capsys, "audits", "list")
    assert named in line
    assert (data_dir / "shopper.db").read_bytes() == opened


def test_a_legacy_backup_is_upgraded_when_restored(
    capsys: pytest.CaptureFixture[str], data_dir: Path, filled: str
) -> None:
    fixture = sorted(FIXTURES.glob("*.db"))[0]
    ok(capsys, "restore", str(fixture))
    assert scalar(data_dir / "shopper.db", "SELECT count(*) FROM audit") == 40
    assert scalar(data_dir / "shopper.db", "SELECT version_num FROM alembic_version")


def test_export_and_import_round_trip(
    capsys: pytest.CaptureFixture[str], data_dir: Path, filled: str, tmp_path: Path
) -> None:
    bundle = tmp_path / "out.shopper"
    out = ok(capsys, "export", filled[:8], "-o", str(bundle))
    assert "Exported 1 audit of 1 company with 1 evidence file to" in out
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o600
    ok(capsys, "export", "--company", "Cli Ltd", "-o", str(tmp_path / "company.shopper"))
    ok(capsys, "export", "--all", "-o", str(tmp_path / "all.shopper"))
    other = tmp_path / "other"
    out = ok(capsys, "--data-dir", str(other), "import", str(bundle))
    assert "1 added, 0 updated, 0 unchanged" in out
    assert "A backup from just before the import" in out
    out = ok(capsys, "--data-dir", str(other), "import", str(tmp_path / "all.shopper"))
    assert "0 added, 0 updated, 1 unchanged" in out


def test_export_and_import_mistakes_are_one_line(
    capsys: pytest.CaptureFixture[str], data_dir: Path, filled: str, tmp_path: Path
) -> None:
    out = str(tmp_path / "x.shopper")
    assert "one of them" in user_error(capsys, "export", "-o", out)
    assert "one of them" in user_error(capsys, "export", filled, "--all", "-o", out)
    assert "no company named" in user_error(capsys, "export", "--company", "Nope", "-o", out)
    assert "no audit" in user_error(capsys, "export", "ffffffff", "-o", out)
    line = user_error(capsys, "import", str(FIXTURES / "bundles" / "dotdot-name.shopper"))
    assert "unsafe member name" in line
    assert "cannot read the file" in user_error(capsys, "import", str(tmp_path / "none.shopper"))


def test_team_database_is_refused_by_the_file_commands(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    url = "postgresql://shopper@localhost/shopper"
    # `check` is not one of them: on a team database it checks the evidence bytes there.
    for command in (["restore", "x.db"], ["repair"]):
        line = user_error(capsys, "--db", url, *command)
        assert "local SQLite database only" in line


def test_backup_of_a_team_database_gives_the_pg_dump_line_without_the_password(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    url = "postgresql+psycopg://jan:s3cret@db.example:5433/shop team?sslmode=require"
    line = user_error(capsys, "--db", url, "backup")
    assert "s3cret" not in line
    assert (
        "`pg_dump --format=custom --file=shopper.dump "
        "'postgresql://jan@db.example:5433/shop team?sslmode=require'`"
    ) in line


# -- `shopper check` on a team database: the evidence bytes it keeps --------------------------


def run_check(capsys: pytest.CaptureFixture[str], url: str) -> tuple[int, str, str]:
    """`shopper --db URL check`: (exit code, stdout, stderr)."""
    from shopper.cli import main

    try:
        code = main(["--db", url, "check"])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_check_of_a_team_database_checks_its_evidence_bytes(
    capsys: pytest.CaptureFixture[str],
    postgres_server: PostgresServer,
    tmp_path: Path,
    data_dir: Path,
) -> None:
    from shopper.services.audits import start_audit
    from shopper.services.companies import CompanyInput, create_company
    from shopper.services.templates import list_templates

    name = team_copy(postgres_server)
    url = postgres_server.url(name, MANAGER, MANAGER_PASSWORD)
    try:
        ctx = AppContext.open(tmp_path / "boss", url)
        try:
            company = create_company(engine=ctx.engine, data=CompanyInput(name="Northwind")).id
            template = list_templates(engine=ctx.engine, touchpoint="phone")[0].id
            audit = start_audit(engine=ctx.engine, company_id=company, template_id=template)
            runner = AuditRunner(engine=ctx.engine, audit_id=audit.id)
            photos = [
                runner.attach(data_dir=ctx.data_dir, data=png(n), filename=f"{n}.png")
                for n in range(1, 5)
            ]
        finally:
            ctx.close()
        header = f"Database {name} on 127.0.0.1 (team): 1 audit"
        code, out, err = run_check(capsys, url)
        assert (code, err) == (0, "")
        assert out.splitlines() == [header, "Evidence in the database: 4 ok, 0 missing, 0 damaged"]

        gone, forged, resized = sorted(p.sha256 for p in photos)[:3]
        with postgres_server.admin(name) as conn:  # what only a superuser could do
            conn.execute("ALTER TABLE evidence_blob DROP CONSTRAINT evidence_blob_content")
            conn.execute("DELETE FROM evidence_blob WHERE sha256 = %s", (gone,))
            conn.execute("UPDATE evidence_blob SET data = 'forged' WHERE sha256 = %s", (forged,))
            conn.execute("UPDATE evidence SET size = size + 1 WHERE sha256 = %s", (resized,))
        code, out, err = run_check(capsys, url)
        assert code == 2
        assert out.splitlines() == [
            header,
            "Evidence in the database: 1 ok, 1 missing, 1 damaged, 1 of another size than recorded",
        ]
        assert err.splitlines() == [
            f"shopper check: 1 evidence file without bytes in the team database "
            f"({gone[:12]}); 1 evidence file whose stored bytes are not theirs (another sha256 "
            f"or size) ({forged[:12]}); 1 evidence file recorded with another size than their "
            f"stored bytes ({resized[:12]}); run `shopper team upload-evidence` where they were "
            "attached, or import a bundle that carries them"
        ]
    finally:
        postgres_server.drop_database(name)


def test_check_of_a_team_database_that_cannot_be_checked_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str],
    postgres_server: PostgresServer,
    pg_database: str,
    data_dir: Path,
) -> None:
    from shopper.store.engine import create_db_engine
    from shopper.store.schema import BASELINE, migrate

    url = postgres_server.url(pg_database)
    engine = create_db_engine(url)
    try:
        migrate(engine, to=BASELINE)  # as an app before evidence bytes lived in the database
    finally:
        engine.dispose()
    code, out, err = run_check(capsys, url)
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1
    assert "keeps no evidence bytes" in err and "run `shopper team init` first" in err
    gone = url.replace(pg_database, f"no_such_{pg_database}")
    code, out, err = run_check(capsys, gone)
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1
    assert err.startswith("shopper: error: cannot check ") and "no_such_" in err
