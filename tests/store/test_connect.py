"""Connecting to a team database as psql would: URL or service, ~/.pgpass or a password
asked for, sslmode, and what the status bar says. Against the real test server."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from psycopg import sql

from shopper.domain.errors import ShopperError, StorageError
from shopper.services.context import AppContext
from shopper.store.connect import PasswordNeededError, TeamTarget, shown_url
from tests.postgres import (
    MANAGER,
    MANAGER_PASSWORD,
    PostgresServer,
    start_server,
    team_copy,
    unavailable,
)

# -- what the user types ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sslmode", "url"),
    [
        (
            "postgresql://alice@db.example.com/shop",
            "",
            "postgresql+psycopg://alice@db.example.com/shop",
        ),
        ("postgres://db:6543/shop", "require", "postgresql+psycopg://db:6543/shop?sslmode=require"),
        ("  team  ", "", "postgresql+psycopg://?service=team"),
        (
            "shop.prod-1",
            "verify-full",
            "postgresql+psycopg://?service=shop.prod-1&sslmode=verify-full",
        ),
    ],
)
def test_a_url_or_a_service_name_becomes_a_psycopg_url(text: str, sslmode: str, url: str) -> None:
    assert TeamTarget.parse(text, sslmode).url() == url


@pytest.mark.parametrize(
    ("text", "sslmode", "named"),
    [
        ("", "", "URL or a service name"),
        ("mysql://db/shop", "", "mysql"),
        ("postgresql://alice:secret@db/shop", "", "password out of the URL"),
        ("team database", "", "'team database'"),
        ("team", "maybe", "'maybe'"),
    ],
)
def test_what_cannot_be_a_team_database_is_named_in_one_line(
    text: str, sslmode: str, named: str
) -> None:
    with pytest.raises(ShopperError) as info:
        TeamTarget.parse(text, sslmode)
    message = str(info.value)
    assert named in message and "\n" not in message
    assert "secret" not in message


def test_a_password_in_a_url_is_masked_when_shown() -> None:
    assert "secret" not in shown_url("postgresql+psycopg://alice:secret@db/shop")
    assert "alice" in shown_url("postgresql+psycopg://alice:secret@db/shop")


# -- against the server ----------------------------------------------------------------


@pytest.fixture
def team(postgres_server: PostgresServer) -> Iterator[str]:
    """A team database with the login `manager` (password MANAGER_PASSWORD)."""
    name = team_copy(postgres_server)
    yield name
    postgres_server.drop_database(name)
    postgres_server.drop_roles()


def url_of(server: PostgresServer, name: str) -> str:
    return TeamTarget.parse(f"postgresql://{MANAGER}@{server.host}:{server.port}/{name}").url()


def test_without_a_password_the_server_asks_for_the_logins(
    postgres_server: PostgresServer, team: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))
    with pytest.raises(PasswordNeededError) as info:
        AppContext.open(tmp_path / "data", url_of(postgres_server, team))
    assert info.value.login == MANAGER


def test_the_password_given_opens_it_and_the_facts_say_who_where_and_how(
    postgres_server: PostgresServer, team: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))
    ctx = AppContext.open(
        tmp_path / "data", url_of(postgres_server, team), password=MANAGER_PASSWORD
    )
    try:
        facts = ctx.connection
        assert facts is not None
        assert (facts.login, facts.database, facts.encrypted) == (MANAGER, team, False)
        assert facts.server == f"127.0.0.1:{postgres_server.port}"
        line = facts.status_line()
        assert MANAGER in line and team in line and "not encrypted" in line
        assert MANAGER_PASSWORD not in ctx.db_url
    finally:
        ctx.close()


def test_a_wrong_password_is_one_line_that_never_repeats_it(
    postgres_server: PostgresServer, team: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))
    with pytest.raises(StorageError) as info:
        AppContext.open(tmp_path / "data", url_of(postgres_server, team), password="wrong-guess-42")
    assert not isinstance(info.value, PasswordNeededError)
    message = str(info.value)
    assert "\n" not in message and "wrong-guess-42" not in message


def test_a_password_written_in_a_cli_url_never_reaches_the_message(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    url = (
        f"postgresql+psycopg://nobody:hunter2-secret@{postgres_server.host}:"
        f"{postgres_server.port}/none"
    )
    with pytest.raises(StorageError) as info:
        AppContext.open(tmp_path / "data", url)
    assert "hunter2-secret" not in str(info.value)


def test_pgpass_gives_the_password_as_it_does_to_psql(
    postgres_server: PostgresServer, team: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(
        f"{postgres_server.host}:{postgres_server.port}:{team}:{MANAGER}:{MANAGER_PASSWORD}\n",
        encoding="utf-8",
    )
    pgpass.chmod(0o600)  # libpq ignores a file others can read
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    ctx = AppContext.open(tmp_path / "data", url_of(postgres_server, team))
    try:
        assert ctx.connection is not None and ctx.connection.login == MANAGER
    finally:
        ctx.close()


def test_a_service_name_from_pg_service_conf_is_enough(
    postgres_server: PostgresServer, team: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = tmp_path / "pg_service.conf"
    services.write_text(
        f"[shop]\nhost={postgres_server.host}\nport={postgres_server.port}\n"
        f"dbname={team}\nuser={MANAGER}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))
    target = TeamTarget.parse("shop", "disable")
    ctx = AppContext.open(tmp_path / "data", target.url(), password=MANAGER_PASSWORD)
    try:
        assert ctx.connection is not None
        assert (ctx.connection.database, ctx.connection.login) == (team, MANAGER)
    finally:
        ctx.close()


def test_sslmode_require_against_a_server_without_tls_is_refused_in_one_line(
    postgres_server: PostgresServer, team: str, tmp_path: Path
) -> None:
    with postgres_server.admin() as conn:
        assert conn.execute(sql.SQL("SHOW ssl")).fetchone() == ("off",)
    url = TeamTarget.parse(
        f"postgresql://{MANAGER}@{postgres_server.host}:{postgres_server.port}/{team}", "require"
    ).url()
    with pytest.raises(StorageError) as info:
        AppContext.open(tmp_path / "data", url, password=MANAGER_PASSWORD)
    assert "\n" not in str(info.value)


# -- encryption, against a server of its own with TLS on --------------------------------

TLS_LOGIN, TLS_PASSWORD = "alice", "alice-password-for-tests"


def make_certificate(folder: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key."""
    cert, key = folder / f"{name}.crt", folder / f"{name}.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return cert, key


@dataclass(frozen=True)
class TlsServer:
    server: PostgresServer
    database: str
    certificate: Path
    stranger: Path
    """A certificate that did not sign the server's."""


@pytest.fixture(scope="module")
def tls_server(
    postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TlsServer]:
    """A server of its own with TLS on (started once for this module)."""
    if shutil.which("openssl") is None:
        unavailable("openssl is needed to make the test server's certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = make_certificate(folder, "server")
    stranger, _ = make_certificate(folder, "stranger")
    server = start_server()
    try:
        for source, target in ((cert, "server.crt"), (key, "server.key")):
            shutil.copyfile(source, server.data_dir / target)
            (server.data_dir / target).chmod(0o600)
            if server.run_as is not None:
                shutil.chown(server.data_dir / target, server.run_as, server.run_as)
        with server.admin() as conn:
            conn.execute("ALTER SYSTEM SET ssl = on")
            conn.execute("SELECT pg_reload_conf()")
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(TLS_LOGIN), sql.Literal(TLS_PASSWORD)
                )
            )
        name = server.create_database(owner=TLS_LOGIN)
        yield TlsServer(server, name, cert, stranger)
    finally:
        server.stop("fast")
        shutil.rmtree(server.root, ignore_errors=True)


def open_as_alice(tls: TlsServer, sslmode: str, data_dir: Path) -> AppContext:
    where = f"postgresql://{TLS_LOGIN}@127.0.0.1:{tls.server.port}/{tls.database}"
    target = TeamTarget.parse(where, sslmode)
    return AppContext.open(data_dir, target.url(), password=TLS_PASSWORD)


@pytest.mark.parametrize(
    ("sslmode", "encrypted"), [("", True), ("require", True), ("disable", False)]
)
def test_the_facts_say_whether_the_connection_is_encrypted(
    tls_server: TlsServer, tmp_path: Path, sslmode: str, encrypted: bool
) -> None:
    ctx = open_as_alice(tls_server, sslmode, tmp_path / "data")
    try:
        assert ctx.connection is not None
        assert ctx.connection.encrypted is encrypted
        assert ("not encrypted" not in ctx.connection.status_line()) is encrypted
    finally:
        ctx.close()


def test_verify_full_checks_the_servers_certificate(
    tls_server: TlsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGSSLROOTCERT", str(tls_server.certificate))
    ctx = open_as_alice(tls_server, "verify-full", tmp_path / "data")
    try:
        assert ctx.connection is not None and ctx.connection.encrypted
    finally:
        ctx.close()
    monkeypatch.setenv("PGSSLROOTCERT", str(tls_server.stranger))
    with pytest.raises(StorageError) as info:
        open_as_alice(tls_server, "verify-full", tmp_path / "data")
    assert "\n" not in str(info.value) and TLS_PASSWORD not in str(info.value)
