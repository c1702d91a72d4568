"""A real PostgreSQL server for the tests: one per test process, on loopback, thrown away after.

The server binaries are Debian's (`/usr/lib/postgresql/<version>/bin`) or the first `pg_ctl`
on the PATH; `make test` installs Debian's `postgresql` package when they are missing and it
runs as root. As root the cluster is made and run by the `postgres` OS user (PostgreSQL refuses
to run as root); otherwise by the current user.

Local (unix socket) connections are trusted: the tests' own superuser comes in that way, with
no password anywhere. TCP connections on 127.0.0.1 need a SCRAM password, as on a real server,
so the logins the tests create connect with the password they were given.

When no server can be had, tests that need one skip with one reason line; with CI=true they
fail instead, so CI never passes by skipping them.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import URL

SERVER_SETTINGS = {
    # A throwaway cluster: flushing to the disk buys nothing here and slows every commit. The
    # WAL still reaches the OS at each commit (synchronous_commit stays on), so a server that
    # is killed (`pg_ctl stop -m immediate`, the fault tests) keeps what it acknowledged.
    "fsync": "off",
    "full_page_writes": "off",
    "max_connections": "60",
    "shared_buffers": "32MB",
}


NOT_INSTALLED = "PostgreSQL's server is not installed (Debian: apt-get install postgresql)"


class ServerUnavailableError(Exception):
    """No PostgreSQL server can be started here (not installed, or it would not start)."""


def find_bin_dir() -> Path | None:
    """The folder of the newest PostgreSQL server binaries, or None if there are none."""
    env = os.environ.get("SHOPPER_PG_BIN")
    if env:
        return Path(env) if (Path(env) / "pg_ctl").exists() else None
    found = []
    for folder in Path("/usr/lib/postgresql").glob("*/bin"):
        version = folder.parent.name
        if (folder / "pg_ctl").exists() and version.isdigit():
            found.append((int(version), folder))
    if found:
        return max(found)[1]
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class PostgresServer:
    """A running test cluster. `superuser` connects over the socket with no password."""

    root: Path
    bin_dir: Path
    port: int
    superuser: str
    run_as: str | None
    host: str = "127.0.0.1"
    _databases: list[str] = field(default_factory=list)
    template: str | None = None
    """A team database made once by `team init` and copied for each app test (see
    `team_copy`); while it exists, the roles it depends on are kept."""

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    def admin(self, dbname: str = "postgres", **kwargs: Any) -> psycopg.Connection[Any]:
        """A superuser connection over the unix socket, in autocommit."""
        return psycopg.connect(
            host=str(self.socket_dir),
            port=self.port,
            user=self.superuser,
            dbname=dbname,
            autocommit=True,
            **kwargs,
        )

    def connect(self, dbname: str, user: str, password: str) -> psycopg.Connection[Any]:
        """A login's own connection over TCP with its password, as a user would make it."""
        return psycopg.connect(
            host=self.host, port=self.port, user=user, password=password, dbname=dbname
        )

    def url(self, dbname: str, user: str | None = None, password: str | None = None) -> str:
        """A SQLAlchemy URL: over TCP for a login with a password, else the superuser's socket."""
        if user is None:
            return URL.create(
                "postgresql+psycopg",
                username=self.superuser,
                database=dbname,
                query={"host": str(self.socket_dir), "port": str(self.port)},
            ).render_as_string(hide_password=False)
        return URL.create(
            "postgresql+psycopg",
            username=user,
            password=password,
            host=self.host,
            port=self.port,
            database=dbname,
        ).render_as_string(hide_password=False)

    def create_database(self, owner: str | None = None) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        with self.admin() as conn:
            query = sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(
                sql.Identifier(name)
            )
            if owner is not None:
                query = query + sql.SQL(" OWNER {}").format(sql.Identifier(owner))
            conn.execute(query)
        self._databases.append(name)
        return name

    def drop_database(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def drop_roles(self) -> None:
        """Drop every role the tests made (roles belong to the cluster, not to a database),
        but those the template team database needs while it exists."""
        keep = set(TEMPLATE_ROLES) if self.template else set()
        with self.admin() as conn:
            rows = conn.execute(
                "SELECT rolname FROM pg_roles WHERE rolname !~ '^pg_' AND rolname <> current_user"
            ).fetchall()
            for (name,) in rows:
                if name not in keep:
                    conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))

    def forget_template(self) -> None:
        """Drop the template team database and its roles: the cluster is as new."""
        if self.template is not None:
            self.drop_database(self.template)
            self.template = None
            self.drop_roles()

    def pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return _run(
            [str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), *args], self.run_as, check
        )

    def start(self) -> None:
        self.pg_ctl("-l", str(self.root / "server.log"), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("-m", mode, "-w", "stop", check=False)


def _run(command: list[str], user: str | None, check: bool) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(
            command, user=user, capture_output=True, text=True, timeout=120, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise ServerUnavailableError(f"{Path(command[0]).name} could not run: {exc}") from exc
    if check and done.returncode != 0:
        reason = (done.stderr or done.stdout).strip().splitlines()
        raise ServerUnavailableError(
            f"{Path(command[0]).name} failed: {reason[-1] if reason else done.returncode}"
        )
    return done


def start_server() -> PostgresServer:
    """initdb a cluster in a temporary folder and start it on a free loopback port.

    Raises:
        ServerUnavailableError: no binaries, no `postgres` user to run them as root, or it failed.
    """
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise ServerUnavailableError(NOT_INSTALLED)
    run_as = None
    superuser = _current_user()
    if os.geteuid() == 0:
        import pwd

        try:
            account = pwd.getpwnam("postgres")
        except KeyError as exc:
            raise ServerUnavailableError("running as root and there is no `postgres` user") from exc
        run_as, superuser = "postgres", "postgres"
    root = Path(tempfile.mkdtemp(prefix="shopper-pg-"))
    try:
        (root / "socket").mkdir()
        if run_as is not None:
            for path in (root, root / "socket"):
                os.chown(path, account.pw_uid, account.pw_gid)
        _run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(root / "data"),
                "-U",
                superuser,
                "-E",
                "UTF8",
                "--locale=C",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--no-sync",
                "--no-instructions",
            ],
            run_as,
            True,
        )
        for attempt in range(5):
            port = free_port()
            settings = {
                **SERVER_SETTINGS,
                "port": str(port),
                "listen_addresses": "'127.0.0.1'",
                "unix_socket_directories": f"'{root / 'socket'}'",
            }
            with (root / "data" / "postgresql.auto.conf").open("w") as conf:
                conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
            server = PostgresServer(root, bin_dir, port, superuser, run_as)
            try:
                server.start()
                _watch(server)
                return server
            except ServerUnavailableError:
                if attempt == 4:
                    raise
                server.stop("immediate")
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    raise AssertionError("unreachable")


# Stops the server and removes its folder once the test process is gone, however it went: a
# worker that crashes (a segfault in Qt, say) never runs its teardown or atexit.
_WATCHDOG = """
import os, shutil, subprocess, sys, time
pid, pg_ctl, data, root, user = sys.argv[1:6]
while True:
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        break
    time.sleep(0.5)
if os.path.exists(os.path.join(data, "postmaster.pid")):
    subprocess.run([pg_ctl, "-D", data, "-m", "immediate", "stop"], user=user or None,
                   capture_output=True, check=False)
shutil.rmtree(root, ignore_errors=True)
"""


def _watch(server: PostgresServer) -> None:
    subprocess.Popen(
        [
            sys.executable,
            "-c",
            _WATCHDOG,
            str(os.getpid()),
            str(server.bin_dir / "pg_ctl"),
            str(server.data_dir),
            str(server.root),
            server.run_as or "",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _current_user() -> str:
    import getpass

    return getpass.getuser()


def in_ci() -> bool:
    """Whether this is a CI run: `CI` set to anything but empty, 0, false or no (runners say
    "true", some "1"), where nothing that needs the server or the display may skip."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(reason: str) -> NoReturn:
    """Skip on a laptop without PostgreSQL; fail in CI, where the tests must run."""
    message = f"no PostgreSQL server for the tests: {reason}"
    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


_shared: dict[str, PostgresServer | ServerUnavailableError] = {}


def shared_server() -> PostgresServer:
    """This process's server, started at the first call; a failure to start is kept, so it is
    tried once.

    Raises:
        ServerUnavailableError: it could not be started.
    """
    if "server" not in _shared:
        try:
            _shared["server"] = start_server()
            atexit.register(stop_shared_server)
        except ServerUnavailableError as exc:
            _shared["server"] = exc
    found = _shared["server"]
    if isinstance(found, ServerUnavailableError):
        raise found
    return found


def stop_shared_server() -> None:
    found = _shared.pop("server", None)
    if isinstance(found, PostgresServer):
        found.stop("fast")
        shutil.rmtree(found.root, ignore_errors=True)


OWNER = "team_owner"
OWNER_PASSWORD = "owner-password-for-tests"


def make_owned_database(server: PostgresServer) -> tuple[str, str]:
    """A new database owned by a non-superuser that may create roles, as docs/team.md sets it
    up, in a cluster with no team roles yet: (its name, the owner's URL over TCP)."""
    server.forget_template()
    with server.admin() as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (OWNER,)).fetchone()
        if not exists:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN CREATEROLE PASSWORD {}").format(
                    sql.Identifier(OWNER), sql.Literal(OWNER_PASSWORD)
                )
            )
    name = server.create_database(owner=OWNER)
    return name, server.url(name, OWNER, OWNER_PASSWORD)


MANAGER = "manager"
MANAGER_PASSWORD = "manager-password-for-tests"
TEMPLATE_ROLES = (OWNER, "shopper_manager", "shopper_field", MANAGER)


def team_copy(server: PostgresServer) -> str:
    """A new team database with a manager login, copied from one made by `team init` once
    (making one per test would cost more than the test)."""
    from shopper.services import team

    if server.template is None:
        name, owner_url = make_owned_database(server)
        engine = team.team_engine(owner_url)
        try:
            team.init_team(engine=engine)
            team.add_user(engine=engine, login=MANAGER, role="manager", password=MANAGER_PASSWORD)
        finally:
            engine.dispose()
        server.template = name
    copy = f"t_{uuid.uuid4().hex[:12]}"
    with server.admin() as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER {}").format(
                sql.Identifier(copy), sql.Identifier(server.template), sql.Identifier(OWNER)
            )
        )
        # A database's own privileges are not copied with it: put back what team init set.
        conn.execute(
            sql.SQL(
                "REVOKE CONNECT, TEMPORARY ON DATABASE {0} FROM PUBLIC;"
                " GRANT CONNECT ON DATABASE {0} TO shopper_manager, shopper_field"
            ).format(sql.Identifier(copy))
        )
    return copy


DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
"""Parameters of a fixture whose tests run on both databases (see `app_context`)."""


@contextlib.contextmanager
def app_context(kind: str, request: pytest.FixtureRequest, folder: Path) -> Iterator[Any]:
    """An open AppContext on SQLite in `folder`, or on a new team database on the test server,
    set up by `team init` and used as a manager (as a manager's app would use it)."""
    from shopper.services.context import AppContext

    if kind == "sqlite":
        ctx = AppContext.open(folder)
        try:
            yield ctx
        finally:
            ctx.close()
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = team_copy(server)
    try:
        ctx = AppContext.open(folder, server.url(name, MANAGER, MANAGER_PASSWORD))
        try:
            yield ctx
        finally:
            ctx.close()
    finally:
        server.drop_database(name)
        server.drop_roles()
