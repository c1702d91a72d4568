"""Connecting to a team database the way PostgreSQL's own tools do.

What a user gives is what psql takes: a URL (`postgresql://alice@db.example.com/shop`) or
the name of a service in `pg_service.conf` (libpq reads PGSERVICEFILE, ~/.pg_service.conf
and the system file). The password comes from `~/.pgpass` (PGPASSFILE), which libpq reads
itself, or from the user when the server asks for one; it is handed to the driver for
each new connection and never put in a URL, a setting or a log line. `sslmode` is libpq's,
so `verify-full` checks the server's certificate as psql would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import URL, Engine, event, make_url
from sqlalchemy.exc import ArgumentError

from shopper.domain.errors import ShopperError, StorageError
from shopper.domain.vocabulary import SSL_MODES

SERVICE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")
SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


class PasswordNeededError(StorageError):
    """The server asks for a password and none was given (nor found in ~/.pgpass)."""

    def __init__(self, login: str) -> None:
        who = f"{login}'s" if login else "a"
        super().__init__(f"the team database asks for {who} password")
        self.login = login


@dataclass(frozen=True)
class TeamTarget:
    """Where a team database is: what the user typed, and the sslmode they chose."""

    text: str
    sslmode: str = ""

    @classmethod
    def parse(cls, text: str, sslmode: str = "") -> TeamTarget:
        """Check what the user typed.

        Raises:
            ShopperError: one line naming what is wrong.
        """
        text = text.strip()
        if sslmode not in SSL_MODES:
            raise ShopperError(f"unknown sslmode {sslmode!r}: use one of {', '.join(SSL_MODES)}")
        if not text:
            raise ShopperError("give the team database's URL or a service name")
        if "://" in text:
            try:
                url = make_url(text)
            except ArgumentError:
                raise ShopperError(f"not a PostgreSQL URL: {text!r}") from None
            if url.drivername not in SCHEMES:
                raise ShopperError(
                    f"not a PostgreSQL URL: it starts with {url.drivername}:// "
                    "instead of postgresql://"
                )
            if url.password is not None:
                raise ShopperError(
                    "leave the password out of the URL: Shopper asks for it, or libpq reads "
                    "it from ~/.pgpass"
                )
        elif not SERVICE_NAME.fullmatch(text):
            raise ShopperError(
                f"{text!r} is neither a URL (postgresql://…) nor a service name from "
                "pg_service.conf"
            )
        return cls(text, sslmode)

    @property
    def is_service(self) -> bool:
        return "://" not in self.text

    def url(self) -> str:
        """The SQLAlchemy URL (psycopg driver), with the sslmode chosen."""
        if self.is_service:
            url = URL.create("postgresql+psycopg", query={"service": self.text})
        else:
            url = make_url(self.text).set(drivername="postgresql+psycopg")
        if self.sslmode:
            url = url.update_query_dict({"sslmode": self.sslmode})
        return url.render_as_string(hide_password=False)


def shown_url(url: str) -> str:
    """A URL as it may be shown or logged: any password in it masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(a database URL)"


def give_password(engine: Engine, password: str | None) -> None:
    """Hand the password to the driver for every new connection of this engine (not the URL,
    which is shown in messages; not the environment, which child programs inherit)."""
    if not password:
        return

    def with_password(_dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
        cparams["password"] = password

    event.listen(engine, "do_connect", with_password)


def password_needed(exc: BaseException) -> PasswordNeededError | None:
    """The error to raise when a connection failed only for want of a password, else None.

    libpq says so itself (PQconnectionNeedsPassword): no wording is parsed."""
    pgconn = getattr(getattr(exc, "orig", exc), "pgconn", None)
    if pgconn is None or not getattr(pgconn, "needs_password", False):
        return None
    login = getattr(pgconn, "user", b"") or b""
    return PasswordNeededError(login.decode() if isinstance(login, bytes) else str(login))


@dataclass(frozen=True)
class ConnectionFacts:
    """What the status bar says about a team connection."""

    host: str
    port: str
    database: str
    login: str
    encrypted: bool
    server_version: str
    role: str = ""
    """manager or shopper on a team database (set up by `team init`); "" otherwise (its
    owner, or a PostgreSQL database that is not a team's)."""
    full_name: str = ""

    @property
    def is_field(self) -> bool:
        """A shopper's login: their audits are theirs, the rest is read only."""
        return self.role == "shopper"

    @property
    def shopper(self) -> str:
        """How the login's audits name their shopper: the full name with the login."""
        return f"{self.full_name} ({self.login})" if self.full_name else self.login

    @property
    def server(self) -> str:
        host = self.host if not self.host.startswith("/") else "this computer (socket)"
        return f"{host}:{self.port}" if self.port and not self.host.startswith("/") else host

    def status_line(self) -> str:
        lock = "encrypted (TLS)" if self.encrypted else "not encrypted"
        return (
            f"Team database {self.database} on {self.server} · signed in as {self.login} · {lock}"
        )


def connection_facts(engine: Engine) -> ConnectionFacts:
    """The server, database, login and encryption of the engine's connections."""
    from shopper.store.team import find_user, is_team_database

    with engine.connect() as conn:
        raw: Any = conn.connection.dbapi_connection
        info = raw.info
        version = info.server_version
        user = find_user(conn, str(info.user)) if is_team_database(conn) else None
        return ConnectionFacts(
            host=str(info.host),
            port=str(info.port),
            database=str(info.dbname),
            login=str(info.user),
            encrypted=bool(raw.pgconn.ssl_in_use),
            server_version=f"{version // 10000}.{version % 10000}",
            role=user.role if user is not None else "",
            full_name=user.name if user is not None else "",
        )
