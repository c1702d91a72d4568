"""The test PostgreSQL server itself: it runs, on loopback, with passwords over TCP."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.postgres import NOT_INSTALLED, PostgresServer, find_bin_dir, unavailable


def test_the_server_answers_on_loopback_with_a_quick_cluster(
    postgres_server: PostgresServer, pg_database: str
) -> None:
    with postgres_server.admin(pg_database) as conn:
        version = conn.execute("SHOW server_version_num").fetchone()
        fsync = conn.execute("SHOW fsync").fetchone()
        listen = conn.execute("SHOW listen_addresses").fetchone()
    assert version is not None and int(version[0]) >= 130000
    assert fsync == ("off",)
    assert listen == ("127.0.0.1",)
    assert postgres_server.socket_dir.is_relative_to(postgres_server.root)
    if os.geteuid() == 0:
        assert postgres_server.data_dir.stat().st_uid != 0  # run by the postgres OS user


def test_a_login_needs_its_password_over_tcp(
    postgres_server: PostgresServer, pg_database: str
) -> None:
    with postgres_server.admin(pg_database) as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier("tcp_user"), sql.Literal("right horse")
            )
        )
    with postgres_server.connect(pg_database, "tcp_user", "right horse") as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("tcp_user",)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        postgres_server.connect(pg_database, "tcp_user", "wrong")


def test_the_binaries_are_found() -> None:
    # This machine and CI have Debian's server (`make test` installs it); elsewhere: a skip.
    if find_bin_dir() is None:
        unavailable(NOT_INSTALLED)
    bin_dir = find_bin_dir()
    assert bin_dir is not None and (bin_dir / "initdb").exists()


@pytest.mark.parametrize("ci", ["true", "TRUE", "1", "yes"])
def test_without_a_server_ci_fails(monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="no PostgreSQL server for the tests: gone"):
        unavailable("gone")


@pytest.mark.parametrize("ci", [None, "", "0", "false", "no"])
def test_without_a_server_a_laptop_skips(monkeypatch: pytest.MonkeyPatch, ci: str | None) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="no PostgreSQL server for the tests: gone"):
        unavailable("gone")


ENSURE = Path(__file__).resolve().parents[1] / "tools" / "ensure-postgres"


def _ensure(
    tmp_path: Path, *, uid: int, server: bool = False
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run tools/ensure-postgres where neither the server (unless `server`) nor openssl is
    installed, as user `uid` (a fake `id` says so, so these run as any user, in CI and
    elsewhere), with an apt-get that logs."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "apt.log"
    fake = bin_dir / "apt-get"
    fake.write_text(f'#!/bin/sh\necho "$@" >> {log}\n', encoding="utf-8")
    fake.chmod(0o755)
    fake_id = bin_dir / "id"
    fake_id.write_text(f"#!/bin/sh\necho {uid}\n", encoding="utf-8")
    fake_id.chmod(0o755)
    lib = tmp_path / "lib"
    if server:
        initdb = lib / "15" / "bin" / "initdb"
        initdb.parent.mkdir(parents=True)
        initdb.write_text("#!/bin/sh\n", encoding="utf-8")
        initdb.chmod(0o755)
    env = {"PATH": str(bin_dir), "PG_LIB_DIR": str(lib)}
    done = subprocess.run(
        ["/bin/sh", str(ENSURE)], env=env, capture_output=True, text=True, check=False
    )
    return done, log


def test_make_test_installs_debians_server_when_missing_as_root(tmp_path: Path) -> None:
    done, log = _ensure(tmp_path, uid=0)
    assert done.returncode == 0, done.stderr
    assert log.read_text(encoding="utf-8").splitlines() == [
        "update -qq",
        "install -y -qq --no-install-recommends postgresql openssl",
    ]


def test_with_the_server_but_no_openssl_it_installs_openssl_only(tmp_path: Path) -> None:
    """openssl makes the certificate of the test server that has TLS on."""
    done, log = _ensure(tmp_path, uid=0, server=True)
    assert done.returncode == 0, done.stderr
    assert log.read_text(encoding="utf-8").splitlines() == [
        "update -qq",
        "install -y -qq --no-install-recommends openssl",
    ]


def test_without_root_it_only_says_the_tests_will_skip(tmp_path: Path) -> None:
    done, log = _ensure(tmp_path, uid=1000)
    assert done.returncode == 0
    assert not log.exists()  # nothing installed
    assert done.stderr.splitlines() == [
        "not installed: postgresql openssl; the tests that need them will skip (Debian: "
        "apt-get install postgresql openssl)"
    ]


def test_with_the_server_installed_it_does_nothing() -> None:
    if find_bin_dir() is None:
        unavailable(NOT_INSTALLED)
    done = subprocess.run(["/bin/sh", str(ENSURE)], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_ci_runs_the_suite_with_ci_true_so_nothing_here_can_skip() -> None:
    """`.ci/run` is what CI runs: it sets CI=true itself before `make test`, so there a
    missing server fails the PostgreSQL tests instead of skipping them."""
    lines = [
        line.strip()
        for line in (ENSURE.parents[1] / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    ]
    assert lines.index("export CI=true") < lines.index("make test")
