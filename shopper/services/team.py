"""Setting up a team database on PostgreSQL and managing its users.

Run by whoever owns the database (a role that owns it and may create roles). The rules
themselves are in the database (see `shopper.store.team`); this module orders the steps and
turns the server's refusals into one-line messages.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DatabaseError

from shopper.domain.errors import StorageError
from shopper.services.evidence import EvidenceUpload, upload_missing_evidence
from shopper.store import team as store
from shopper.store.engine import create_db_engine
from shopper.store.schema import describe_foreign, prepare_schema
from shopper.store.team import ServerRefusalError, TeamError, TeamUser

log = logging.getLogger(__name__)

PASSWORD_BYTES = 18
"""A generated password: 24 URL-safe characters (144 random bits)."""
NAME_LIMIT = 200


@dataclass(frozen=True)
class InitResult:
    database: str
    created_schema: bool
    upgraded_from: str | None
    created_groups: list[str]
    templates_added: int
    evidence: EvidenceUpload | None = None
    """The evidence bytes sent from the data folder (see `upload_missing_evidence`)."""


def team_engine(url: str | None) -> Engine:
    """The engine of a team database URL.

    Raises:
        TeamError: no URL, or not PostgreSQL.
    """
    if not url:
        raise TeamError("team commands need the team database: --db postgresql://HOST/DB")
    if url.startswith("sqlite"):
        raise TeamError("team commands work on a PostgreSQL database, not SQLite")
    try:
        engine = create_db_engine(url)
    except Exception as exc:  # a malformed URL or an unknown driver
        raise TeamError(f"the database URL is not usable: {exc}") from exc
    if engine.dialect.name != "postgresql":
        engine.dispose()
        raise TeamError("team commands work on a PostgreSQL database")
    return engine


@contextmanager
def _refusals(doing: str) -> Iterator[None]:
    """The server's errors (no permission, cannot connect) as one line naming what failed."""
    try:
        yield
    except DatabaseError as exc:
        reason = str(exc.orig or exc).strip().splitlines()
        raise StorageError(f"{doing}: {reason[0] if reason else type(exc).__name__}") from exc
    except ServerRefusalError as exc:
        raise StorageError(f"{doing}: {exc}") from exc


def init_team(*, engine: Engine, data_dir: Path | None = None) -> InitResult:
    """Create or upgrade the schema, then the groups, grants and policies; idempotent.

    With `data_dir`, the bytes of evidence the database has none for (attached before they
    lived in it) are sent from that folder, where the app that attached them kept them.

    Raises:
        TeamError: the database holds tables Shopper does not create.
        StorageError: the server refused (not the owner, cannot create roles, unreachable).
    """
    from shopper.services.templates import record_every_follow_up, sync_builtin_templates

    with _refusals("team init"), engine.connect() as conn:
        facts = store.database_facts(conn)
    schema, database, found = facts.schema, facts.database, facts.tables
    if schema is None:
        raise TeamError("team init: the connection has no schema to work in (search_path)")
    foreign = sorted(found - store.expected_tables())
    if foreign:
        raise TeamError(
            f"the database {database} "
            f"{describe_foreign([f'table {name!r}' for name in foreign])}; "
            "team init needs an empty database or a Shopper one"
        )
    created = not (found - {"alembic_version"})
    with _refusals("team init"):
        upgraded = prepare_schema(engine)
        with engine.begin() as conn:
            groups = store.ensure_groups(conn)
            store.create_team_user_table(conn, schema)
            store.create_follow_up_table(conn, schema)
            store.create_blob_holder_table(conn, schema)
            store.apply_security(conn, schema=schema, database=database)
        added = sync_builtin_templates(engine=engine)
        record_every_follow_up(engine=engine)
    evidence = upload_missing_evidence(engine=engine, data_dir=data_dir) if data_dir else None
    log.info("team init on %s: schema %s", database, "created" if created else "kept")
    return InitResult(database, created, upgraded, groups, added, evidence)


def new_password() -> str:
    return secrets.token_urlsafe(PASSWORD_BYTES)


def check_password(password: str) -> str:
    """Raises TeamError unless it is 8 or more printable ASCII characters."""
    if len(password) < 8:
        raise TeamError("password: use at least 8 characters")
    if not all(" " <= ch <= "~" for ch in password):
        raise TeamError("password: use printable ASCII characters only")
    return password


def add_user(
    *, engine: Engine, login: str, role: str, name: str = "", password: str | None = None
) -> str | None:
    """Create a login in the role's group; returns the generated password if none was given.

    The password goes to the server only as a SCRAM verifier; it is never logged or stored.

    Raises:
        TeamError: a bad login, role, name or password, or the login exists.
        StorageError: the server refused (the caller may not create roles).
    """
    store.check_login(login)
    store.group_of(role)
    name = " ".join(name.split())
    if len(name) > NAME_LIMIT:
        raise TeamError(f"full name: too long (limit {NAME_LIMIT} characters)")
    generated = None
    if password is None:
        password = generated = new_password()
    check_password(password)
    verifier = store.scram_verifier(password)
    with _refusals(f"team add-user {login}"), engine.begin() as conn:
        _require_team(conn)
        if store.role_exists(conn, login):
            raise TeamError(f"login {login} exists already")
        store.create_login(conn, login=login, role=role, verifier=verifier, name=name)
    log.info("team: added %s as %s", login, role)
    return generated


def list_users(*, engine: Engine) -> list[TeamUser]:
    with _refusals("team users"), engine.connect() as conn:
        _require_team(conn)
        return store.list_users(conn)


def set_role(*, engine: Engine, login: str, role: str) -> TeamUser:
    store.group_of(role)
    with _refusals(f"team set-role {login}"), engine.begin() as conn:
        _require_user(conn, login)
        store.change_group(conn, login=login, role=role)
        user = store.find_user(conn, login)
    assert user is not None
    log.info("team: %s is now %s", login, role)
    return user


def remove_user(*, engine: Engine, login: str) -> TeamUser:
    """Drop the login; its audits stay, attributed to it (and its full name stays)."""
    with _refusals(f"team remove-user {login}"), engine.begin() as conn:
        user = _require_user(conn, login)
        store.drop_login(conn, login=login)
    log.info("team: removed %s", login)
    return user


def _require_team(conn: Connection) -> None:
    if not store.is_team_database(conn):
        raise TeamError("this database is not a team database yet: run `shopper team init`")


def _require_user(conn: Connection, login: str) -> TeamUser:
    _require_team(conn)
    user = store.find_user(conn, login)
    if user is None:
        raise TeamError(f"no team user {login!r}")
    return user
