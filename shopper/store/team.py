"""The team database's security, in PostgreSQL itself: group roles, grants, row-level security
policies and the functions that make state changes with rules.

Everything here is SQL run by the database's owner (`team init`, `team add-user`...), on
PostgreSQL only. Python checks elsewhere are for friendly messages; these are the guard, since
any user can open psql with their password.

- `shopper_manager` reads and writes everything in Shopper's tables.
- `shopper_field` (a shopper) reads companies, templates and business hours, and only the
  audits whose `shopper` is their login, with the rows that hang off them; writes only to
  those audits while they are in progress; never deletes; cannot UPDATE an audit's
  `shopper`, `status` or completion (column grants): completing goes through
  `shopper_complete_audit`, a SECURITY DEFINER function with a fixed search_path.
- An audit awaiting follow-up stays open to its shopper for the follow-up only (as
  `shopper.domain.follow_up` says): answers, and evidence on them, of the items its template
  version lists in `template_follow_up` (checked by `shopper_follow_up_open`, SECURITY
  DEFINER), the e-mail tracker's "follow-up received", and the audit's score and position (a
  trigger refuses any other change); it is completed with `shopper_finish_follow_up`.
- `template_follow_up` holds those items per template version, worked out from the template
  by the app when it stores a version and by `team init` for every version it finds; written
  by whoever may write templates. A version missing from it opens nothing (fails closed).
- An audit's `shopper` is a PostgreSQL login: a trigger fills a blank one with `current_user`
  when a shopper inserts it (a manager's imports keep theirs).
- Evidence bytes live in `evidence_blob` (sha256, bytes, media type, size), written once:
  a manager reads them all; a shopper reads bytes an audit of theirs cites *and* that they
  hold (`evidence_blob_holder`): bytes they sent themselves (sending the bytes proves having
  them, whoever sent them first), or that a manager sent first for an audit of theirs. So
  citing another shopper's photo's hash in one's own audit reads nothing. A shopper adds
  bytes only for their own open audit's evidence; nobody updates or deletes them but the
  owner; a CHECK makes the key the bytes' own sha256.
- Shops (`shop`, `shop_event`): a manager writes them; a shopper reads their own with their
  events and moves them only through `shopper_move_shop` (SECURITY DEFINER), which allows
  the shopper's moves of `shopper.domain.shops.MOVES` on their own shop and records each.
- Review (`review_comment`, `answer_change`): a manager writes them; a shopper reads those of
  their own audits and adds to an audit's answer history only changes in their own name to
  their own audit in progress, never changing or removing one.
- A shopper may start a shop of their own only for a company whose `allow_unassigned` a
  manager set, through `shopper_own_shop` (SECURITY DEFINER): the shop is assigned to them,
  recorded as their event, and goes on like any other.
- Schedules (`schedule`, recurring shops): managers read and write them; a shopper has no
  right on the table at all (a mystery shopper must not see who shops a company next).
- The said-no log and the keyword rules (`said_no_campaign`, `said_no_entry`, `theme_rules`):
  managers only. Imported complaints, feedback and leaving reasons (`feedback_entry`):
  managers read and write them; a shopper reads only the entries whose `shared` a manager
  set (`shopper feedback share --company NAME [--kind K]`), never writes one.
- Actions (`plan_action`, the action plan): managers read and write them; a shopper reads
  only those a manager shared with shoppers (`shared`) and those they own (`owner` is their
  login), and writes none: an action plan is a manager's, and its owner reports progress to
  them, not in the database.
- Full names live in `team_user` (login, full name): it travels with the audits in a
  pg_dump (roles do not) and keeps the name of a login that was removed.

Applying it drops and recreates our policies, functions and triggers and re-grants in one
transaction, so running it again leaves the database as it was.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, inspect
from sqlmodel import SQLModel

from shopper.domain.errors import ShopperError, StorageError
from shopper.domain.shops import MOVES, ShopRole

MANAGER_GROUP = "shopper_manager"
FIELD_GROUP = "shopper_field"
GROUPS = {"manager": MANAGER_GROUP, "shopper": FIELD_GROUP}
TEAM_USER_TABLE = "team_user"
FOLLOW_UP_TABLE = "template_follow_up"
"""Per template version, the items an audit awaiting follow-up may still change."""

REFERENCE_TABLES = ("company", "template_version", FOLLOW_UP_TABLE)
"""Everyone in the team reads them; only managers write them."""
AUDIT_CHILD_TABLES = ("answer", "moment", "instrument_event", "evidence", "audit_event")
"""Rows that hang off an audit (`audit_id`): visible and writable as their audit is."""
AUDIT_LOCKED_COLUMNS = ("id", "shopper", "status", "completed_at", "completed_tz")
"""Audit columns a shopper may not UPDATE directly."""
SHOP_TABLES = ("shop", "shop_event")
"""Assignments and their history: a shopper reads their own; only managers write them."""
BLOB_TABLE = "evidence_blob"
"""Evidence bytes by sha256: written once; see the module doc for who reads them."""
HOLDER_TABLE = "evidence_blob_holder"
"""(sha256, login): the shoppers who may read those bytes when an audit of theirs cites them,
written only by the trigger on `evidence_blob` (see `_secure_blobs`)."""
REVIEW_TABLE = "review_comment"
"""A reviewing manager's comments: a shopper reads those on their own audits; managers write."""
CHANGE_TABLE = "answer_change"
"""The history of answers after an audit was first completed: append-only for a shopper, who
adds only changes in their own name to their own audit in progress."""
SCHEDULE_TABLE = "schedule"
"""Recurring shops: managers only; a shopper may neither read nor write them."""
SAID_NO_TABLES = ("said_no_campaign", "said_no_entry", "theme_rules")
"""The said-no log and the keyword rules: managers only, as schedules."""
FEEDBACK_TABLE = "feedback_entry"
"""Imported complaints, feedback and leaving reasons: managers read and write them; a shopper
reads only the entries a manager shared (`shared`, set by `shopper feedback share`)."""
ACTION_TABLE = "plan_action"
"""The action plan: managers write it; a shopper reads the shared actions and their own."""
OUTBOX_TABLE = "sync_outbox"
"""A machine's own record of what it pushed (see `shopper.services.sync`): empty on a team
database, where managers may read it and nobody writes it."""
MAX_BLOB_BYTES = 50 * 1024 * 1024
"""The largest evidence file (as `shopper.services.evidence.MAX_EVIDENCE_BYTES`)."""
SECURED_TABLES = frozenset(
    {
        *REFERENCE_TABLES,
        "audit",
        *AUDIT_CHILD_TABLES,
        *SHOP_TABLES,
        BLOB_TABLE,
        HOLDER_TABLE,
        REVIEW_TABLE,
        CHANGE_TABLE,
        SCHEDULE_TABLE,
        *SAID_NO_TABLES,
        FEEDBACK_TABLE,
        ACTION_TABLE,
        OUTBOX_TABLE,
        TEAM_USER_TABLE,
        "alembic_version",
    }
)
"""Every table `team init` secures: a table outside this set must not exist (a test checks)."""

LOGIN_PATTERN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
IN_PROGRESS = "in_progress"
AWAITING = "awaiting_follow_up"
FINISHED_STATES = ("completed", AWAITING)
FOLLOW_UP_EVENTS = ("follow_up_answered", "follow_up_lapsed")
COMPLETE_SIGNATURE = "shopper_complete_audit(text, timestamptz, text, text, text, text)"
FINISH_SIGNATURE = "shopper_finish_follow_up(text, timestamptz, text, text, text)"
FOLLOW_UP_OPEN_SIGNATURE = "shopper_follow_up_open(text, text)"
MOVE_SHOP_SIGNATURE = "shopper_move_shop(text, text, timestamptz, text, text, text, text)"
OWN_SHOP_SIGNATURE = "shopper_own_shop(text, text, text, text, date, date, timestamptz, text, text)"
OWN_SHOP_DETAIL = "started by the shopper, not assigned"
"""The detail of the event of a shop a shopper started on their own."""
AWAITING_AUDIT_COLUMNS = (
    "score_percent",
    "verdict",
    "passed",
    "critical_failures",
    "answered",
    "visible",
    "updated_at",
    "current_item",
    "version",
)
"""What a shopper's follow-up may change on their audit awaiting it: its score and position."""

if TYPE_CHECKING:
    from psycopg import sql
else:

    class _Sql:
        """psycopg's `sql`, imported when first used: on SQLite (this computer's database)
        the driver of the team database is never imported."""

        def __getattr__(self, name: str) -> Any:
            from psycopg import sql as loaded

            return getattr(loaded, name)

    sql = _Sql()


class TeamError(ShopperError):
    """A team command cannot do what was asked (a bad login, an unknown user...)."""


class ServerRefusalError(StorageError):
    """The server refused a statement (no permission, a role in use): its first line."""

    @property
    def connection_lost(self) -> bool:
        """Not a refusal at all: the connection to the server was lost."""
        import psycopg

        return isinstance(self.__cause__, psycopg.OperationalError)


@dataclass(frozen=True)
class TeamUser:
    login: str
    role: str
    """manager or shopper."""
    name: str


def check_login(login: str) -> str:
    """A login name we create: lower-case letters, digits and `_`, not a reserved name.

    Raises:
        TeamError: naming what is wrong.
    """
    if not LOGIN_PATTERN.fullmatch(login):
        raise TeamError(
            f"login {login!r}: use 1 to 63 lower-case letters, digits and _, "
            "starting with a letter or _"
        )
    if login.startswith("pg_") or login in GROUPS.values() or login == "public":
        raise TeamError(f"login {login!r}: that name is reserved")
    return login


def group_of(role: str) -> str:
    try:
        return GROUPS[role]
    except KeyError:
        raise TeamError(f"role {role!r}: use manager or shopper") from None


SCRAM_ITERATIONS = 4096


def scram_verifier(password: str, *, salt: bytes | None = None) -> str:
    """PostgreSQL's SCRAM-SHA-256 verifier of a password, made here so the password itself
    never reaches the server (nor its statement log). Printable ASCII only: for it,
    PostgreSQL's SASLprep normalisation changes nothing."""
    salt = os.urandom(16) if salt is None else salt
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("ascii"), salt, SCRAM_ITERATIONS)
    client_key = hmac.digest(salted, b"Client Key", "sha256")
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.digest(salted, b"Server Key", "sha256")

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    return f"SCRAM-SHA-256${SCRAM_ITERATIONS}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def _run(conn: Connection, statement: sql.Composable | str, params: Any = None) -> Any:
    """Run a psycopg-composed statement on the connection SQLAlchemy holds."""
    import psycopg

    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None
    except psycopg.Error as exc:
        lines = str(exc).strip().splitlines()
        raise ServerRefusalError(lines[0] if lines else type(exc).__name__) from exc
    finally:
        cursor.close()


def _ident(*names: str) -> sql.Identifier:
    return sql.Identifier(*names)


def _roles(*groups: str) -> sql.Composable:
    return sql.SQL(", ").join(_ident(g) for g in groups)


@dataclass(frozen=True)
class DatabaseFacts:
    database: str
    schema: str | None
    tables: frozenset[str]
    """Tables and views in the schema."""


def database_facts(conn: Connection) -> DatabaseFacts:
    database, schema = _run(conn, "SELECT current_database(), current_schema()")[0]
    found = inspect(conn)
    return DatabaseFacts(
        database, schema, frozenset(found.get_table_names()) | frozenset(found.get_view_names())
    )


def expected_tables() -> frozenset[str]:
    """The tables a team database holds: Shopper's, Alembic's and team_user."""
    return frozenset(t.name for t in SQLModel.metadata.sorted_tables) | {
        "alembic_version",
        TEAM_USER_TABLE,
        FOLLOW_UP_TABLE,
        HOLDER_TABLE,
    }


def is_team_database(conn: Connection) -> bool:
    return inspect(conn).has_table(TEAM_USER_TABLE)


def ensure_groups(conn: Connection) -> list[str]:
    """Create the NOLOGIN group roles that are missing; returns the ones it created."""
    made = []
    for group in (MANAGER_GROUP, FIELD_GROUP):
        found = _run(conn, "SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", (group,))
        if not found:
            _run(conn, sql.SQL("CREATE ROLE {} NOLOGIN").format(_ident(group)))
            made.append(group)
        elif found[0][0]:
            raise TeamError(f"the role {group} exists and can log in; it must be a group")
    return made


def create_team_user_table(conn: Connection, schema: str) -> None:
    _run(
        conn,
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {}.{} ("
            " login text PRIMARY KEY,"
            " full_name text NOT NULL DEFAULT '',"
            " added_at timestamptz NOT NULL DEFAULT now(),"
            " removed_at timestamptz)"
        ).format(_ident(schema), _ident(TEAM_USER_TABLE)),
    )


def create_follow_up_table(conn: Connection, schema: str) -> None:
    _run(
        conn,
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {0}.{1} ("
            " template_id varchar(36) NOT NULL,"
            " template_version integer NOT NULL,"
            " item_id varchar(64) NOT NULL,"
            " PRIMARY KEY (template_id, template_version, item_id),"
            " FOREIGN KEY (template_id, template_version)"
            "  REFERENCES {0}.template_version (template_id, version) ON DELETE CASCADE)"
        ).format(_ident(schema), _ident(FOLLOW_UP_TABLE)),
    )


def create_blob_holder_table(conn: Connection, schema: str) -> None:
    """`evidence_blob_holder` (see `_blob_holders`); when it is first made, each shopper holds
    the bytes their audits cite then (the rule of the team databases made before it)."""
    s, q = _quoted(schema), sql.SQL
    holder = q("{}.{}").format(_ident(schema), _ident(HOLDER_TABLE))
    new = not _run(conn, "SELECT to_regclass(%s)", (f"{s}.{_quoted(HOLDER_TABLE)}",))[0][0]
    _run(
        conn,
        q(
            "CREATE TABLE IF NOT EXISTS {} (sha256 varchar(64) NOT NULL, login text NOT NULL,"
            " PRIMARY KEY (sha256, login))"
        ).format(holder),
    )
    if new:
        _run(
            conn,
            q(
                "INSERT INTO {} (sha256, login) SELECT DISTINCT e.sha256, a.shopper"
                " FROM " + s + ".evidence e JOIN " + s + ".audit a ON a.id = e.audit_id"
                " WHERE a.shopper <> '' ON CONFLICT DO NOTHING"
            ).format(holder),
        )


def has_follow_up_table(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql" and inspect(conn).has_table(FOLLOW_UP_TABLE)


def record_follow_up_items(
    conn: Connection, *, template_id: str, version: int, items: Iterable[str]
) -> None:
    """Note the items of a template version its audits awaiting follow-up may change."""
    for item_id in sorted(items):
        _run(
            conn,
            sql.SQL(
                "INSERT INTO {} (template_id, template_version, item_id) VALUES (%s, %s, %s)"
                " ON CONFLICT DO NOTHING"
            ).format(_ident(FOLLOW_UP_TABLE)),
            (template_id, version, item_id),
        )


def template_sources(conn: Connection) -> list[tuple[str, int, str]]:
    """(template id, version, source) of every stored template version."""
    rows = _run(conn, "SELECT template_id, version, source FROM template_version")
    return [(str(t), int(v), str(src)) for t, v, src in rows]


def apply_security(conn: Connection, *, schema: str, database: str) -> None:
    """Grants, row-level security, functions and triggers, from scratch (see the module doc).

    Runs inside the caller's transaction, as the owner of the tables.
    """
    s = _ident(schema)
    both = _roles(MANAGER_GROUP, FIELD_GROUP)
    manager, field = _ident(MANAGER_GROUP), _ident(FIELD_GROUP)
    q = sql.SQL

    # Nobody else in the cluster connects, or creates objects in the schema.
    _run(conn, q("REVOKE CONNECT, TEMPORARY ON DATABASE {} FROM PUBLIC").format(_ident(database)))
    _run(conn, q("GRANT CONNECT ON DATABASE {} TO {}").format(_ident(database), both))
    _run(conn, q("REVOKE CREATE ON SCHEMA {} FROM PUBLIC").format(s))
    _run(conn, q("REVOKE ALL ON SCHEMA {} FROM {}").format(s, both))
    _run(conn, q("GRANT USAGE ON SCHEMA {} TO {}").format(s, both))
    # Before PostgreSQL 15 everyone may create in `public`, and only its owner (a superuser
    # there) can take that back: the REVOKE above is then a warning, not an error.
    for group in (FIELD_GROUP, MANAGER_GROUP):
        if _run(conn, "SELECT has_schema_privilege(%s, %s, 'CREATE')", (group, schema))[0][0]:
            raise TeamError(
                f"team init: every role may create objects in schema {schema}, and only its "
                "owner can change that; as a superuser run `ALTER SCHEMA "
                f"{_quoted(schema)} OWNER TO {_quoted(_current_user(conn))}`, then team init again"
            )

    for secured in sorted(SECURED_TABLES):
        t = q("{}.{}").format(s, _ident(secured))
        _run(conn, q("REVOKE ALL ON {} FROM PUBLIC, {}").format(t, both))
        _run(conn, q("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(t))
        for (existing,) in _run(
            conn,
            "SELECT policyname FROM pg_policies WHERE schemaname = %s AND tablename = %s",
            (schema, secured),
        ):
            _run(conn, q("DROP POLICY {} ON {}").format(_ident(existing), t))

    def table(name: str) -> sql.Composable:
        return q("{}.{}").format(s, _ident(name))

    _follow_up_open_function(conn, schema)  # the policies below call it

    def policy(name: str, on: str, rule: str, roles: sql.Composable, body: str) -> None:
        _run(
            conn,
            q("CREATE POLICY {} ON {} FOR " + rule + " TO {} " + body).format(
                _ident(name), table(on), roles
            ),
        )

    _run(conn, q("GRANT SELECT ON {} TO {}").format(table("alembic_version"), both))
    policy("team_reads", "alembic_version", "SELECT", both, "USING (true)")

    for name in REFERENCE_TABLES:
        _run(conn, q("GRANT SELECT ON {} TO {}").format(table(name), field))
        _run(
            conn, q("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}").format(table(name), manager)
        )
        policy("field_reads", name, "SELECT", field, "USING (true)")
        policy("manager_all", name, "ALL", manager, "USING (true) WITH CHECK (true)")

    # The audit: a shopper's own (shopper = their login); writable while in progress.
    own = "shopper = current_user"
    writable = f"{own} AND status = '{IN_PROGRESS}'"
    # Awaiting follow-up, its score and position change with the follow-up's answers; the
    # trigger shopper_audit_follow_up_guard refuses any other change.
    updatable = f"{own} AND status IN ('{IN_PROGRESS}', '{AWAITING}')"
    audit_columns = [
        row[0]
        for row in _run(
            conn,
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
            " AND NOT attisdropped ORDER BY attnum",
            (f"{_quoted(schema)}.audit",),
        )
    ]
    open_columns = [c for c in audit_columns if c not in AUDIT_LOCKED_COLUMNS]
    _run(conn, q("GRANT SELECT, INSERT ON {} TO {}").format(table("audit"), field))
    _run(
        conn,
        q("GRANT UPDATE ({}) ON {} TO {}").format(
            q(", ").join(_ident(c) for c in open_columns), table("audit"), field
        ),
    )
    _run(
        conn, q("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}").format(table("audit"), manager)
    )
    policy("manager_all", "audit", "ALL", manager, "USING (true) WITH CHECK (true)")
    policy("field_reads_own", "audit", "SELECT", field, f"USING ({own})")
    policy(
        "field_starts_own",
        "audit",
        "INSERT",
        field,
        f"WITH CHECK ({writable} AND completed_at IS NULL)",
    )
    policy(
        "field_writes_own",
        "audit",
        "UPDATE",
        field,
        f"USING ({updatable}) WITH CHECK ({updatable})",
    )

    # Rows hanging off an audit follow it. The subquery on audit is itself under audit's policies.
    for name in AUDIT_CHILD_TABLES:
        of_audit = f"SELECT 1 FROM {_quoted(schema)}.audit a WHERE a.id = {_quoted(name)}.audit_id"
        readable = f"EXISTS ({of_audit} AND a.{own})"
        open_audit = f"EXISTS ({of_audit} AND a.{own} AND a.status = '{IN_PROGRESS}')"
        follow_up = _follow_up_write(schema, name, f"EXISTS ({of_audit} AND a.{own}")
        if follow_up:
            open_audit = f"({open_audit} OR ({follow_up}))"
        _run(conn, q("GRANT SELECT, INSERT, UPDATE ON {} TO {}").format(table(name), field))
        _run(
            conn, q("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}").format(table(name), manager)
        )
        policy("manager_all", name, "ALL", manager, "USING (true) WITH CHECK (true)")
        policy("field_reads_own", name, "SELECT", field, f"USING ({readable})")
        policy("field_adds_own", name, "INSERT", field, f"WITH CHECK ({open_audit})")
        policy(
            "field_writes_own",
            name,
            "UPDATE",
            field,
            f"USING ({open_audit}) WITH CHECK ({open_audit})",
        )

    _secure_blobs(conn, schema)
    _secure_shops(conn, schema)
    _secure_review(conn, schema)
    # Schedules: managers only; nothing is granted to a shopper, who is refused outright.
    _run(
        conn,
        q("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}").format(
            table(SCHEDULE_TABLE), manager
        ),
    )
    policy("manager_all", SCHEDULE_TABLE, "ALL", manager, "USING (true) WITH CHECK (true)")
    # The said-no log, the rules and feedback: managers'; a shopper reads shared feedback only.
    for name in (*SAID_NO_TABLES, FEEDBACK_TABLE):
        _run(
            conn, q("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}").format(table(name), manager)
        )
        policy("manager_all", name, "ALL", manager, "USING (true) WITH CHECK (true)")
    _run(conn, q("GRANT SELECT ON {} TO {}").format(table(FEEDBACK_TABLE), field))
    policy("field_reads_shared", FEEDBACK_TABLE, "SELECT", field, "USING (shared)")
    # The action plan: a shopper reads what a manager shared, and the actions they own.
    _run(conn, q("GRANT SELECT ON {} TO {}").format(table(ACTION_TABLE), field))
    _run(
        conn,
        q("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}").format(table(ACTION_TABLE), manager),
    )
    policy("manager_all", ACTION_TABLE, "ALL", manager, "USING (true) WITH CHECK (true)")
    policy(
        "field_reads_shared",
        ACTION_TABLE,
        "SELECT",
        field,
        "USING (shared OR owner = current_user)",
    )
    # A machine's own sync record: empty here; managers may read it, as every other table.
    _run(conn, q("GRANT SELECT ON {} TO {}").format(table(OUTBOX_TABLE), manager))
    policy("manager_reads", OUTBOX_TABLE, "SELECT", manager, "USING (true)")

    _run(conn, q("GRANT SELECT ON {} TO {}").format(table(TEAM_USER_TABLE), both))
    policy("manager_reads", TEAM_USER_TABLE, "SELECT", manager, "USING (true)")
    policy("field_reads_self", TEAM_USER_TABLE, "SELECT", field, "USING (login = current_user)")

    _functions(conn, schema)


def _secure_review(conn: Connection, schema: str) -> None:
    """Review comments and answer history: a manager reads and writes them all; a shopper
    reads those of their own audits, writes no comment, and adds to the history only changes
    in their own name to their own audit in progress (never changes or removes one)."""
    s, q = _quoted(schema), sql.SQL
    manager, field = _ident(MANAGER_GROUP), _ident(FIELD_GROUP)
    for name in (REVIEW_TABLE, CHANGE_TABLE):
        target = q("{}.{}").format(_ident(schema), _ident(name))
        of_audit = f"SELECT 1 FROM {s}.audit a WHERE a.id = {_quoted(name)}.audit_id"
        own = f"EXISTS ({of_audit} AND a.shopper = current_user)"
        rules = [
            ("manager_all", "ALL", manager, "USING (true) WITH CHECK (true)"),
            ("field_reads_own", "SELECT", field, f"USING ({own})"),
        ]
        field_rights = "SELECT"
        if name == CHANGE_TABLE:
            field_rights = "SELECT, INSERT"
            open_audit = (
                f"who = current_user AND kind = 'shopper' AND EXISTS ({of_audit}"
                f" AND a.shopper = current_user AND a.status = '{IN_PROGRESS}')"
            )
            rules.append(("field_adds_own", "INSERT", field, f"WITH CHECK ({open_audit})"))
        _run(conn, q("GRANT " + field_rights + " ON {} TO {}").format(target, field))
        _run(conn, q("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}").format(target, manager))
        for policy, rule, roles, body in rules:
            _run(
                conn,
                q("CREATE POLICY {} ON {} FOR " + rule + " TO {} " + body).format(
                    _ident(policy), target, roles
                ),
            )


def _follow_up_write(schema: str, table: str, own_audit: str) -> str | None:
    """What a shopper may still write to a table for their audit awaiting follow-up (the
    rows of the items `template_follow_up` lists), as a policy condition; None for nothing.
    `own_audit` is "EXISTS (<their audit of this row>", closed here."""
    row = _quoted(table)
    item_open = f"{_quoted(schema)}.shopper_follow_up_open({row}.audit_id, {row}.item_id)"
    if table == "answer":
        return item_open
    if table == "evidence":
        return f"{row}.item_id IS NOT NULL AND {item_open}"
    if table == "instrument_event":
        # The e-mail tracker's "follow-up received" (and its correction).
        return (
            f"{row}.instrument = 'email' AND {row}.kind = 'follow_up'"
            f" AND {own_audit} AND a.status = '{AWAITING}')"
        )
    return None


def _secure_blobs(conn: Connection, schema: str) -> None:
    """Evidence bytes: written once, never changed or deleted but by the owner; a shopper
    reads the bytes their own audits cite and adds bytes their own open audit cites; the
    database checks that the key is the bytes' sha256, so no one can put other bytes under
    another's photo's hash."""
    s, q = _quoted(schema), sql.SQL
    blob = q("{}.{}").format(_ident(schema), _ident(BLOB_TABLE))
    both = _roles(MANAGER_GROUP, FIELD_GROUP)
    manager, field = _ident(MANAGER_GROUP), _ident(FIELD_GROUP)
    _run(conn, q("GRANT SELECT, INSERT ON {} TO {}").format(blob, both))
    _blob_holders(conn, schema)
    cited = (
        f"SELECT 1 FROM {s}.evidence e JOIN {s}.audit a ON a.id = e.audit_id"
        f" WHERE e.sha256 = {_quoted(BLOB_TABLE)}.sha256 AND a.shopper = current_user"
    )
    for name, rule, roles, body in (
        ("manager_reads", "SELECT", manager, "USING (true)"),
        ("manager_adds", "INSERT", manager, "WITH CHECK (true)"),
        (
            "field_reads_cited",
            "SELECT",
            field,
            f"USING (EXISTS ({cited}) AND {s}.shopper_holds_blob(sha256))",
        ),
        (
            "field_adds_cited",
            "INSERT",
            field,
            f"WITH CHECK (EXISTS ({cited} AND (a.status = '{IN_PROGRESS}' OR (e.item_id IS NOT"
            f" NULL AND {s}.shopper_follow_up_open(e.audit_id, e.item_id)))))",
        ),
    ):
        _run(
            conn,
            q("CREATE POLICY {} ON {} FOR " + rule + " TO {} " + body).format(
                _ident(name), blob, roles
            ),
        )
    # Added once: adding it again would hash every stored file to validate it.
    if not _run(
        conn,
        "SELECT 1 FROM pg_constraint WHERE conrelid = %s::regclass AND conname = %s",
        (f"{s}.{_quoted(BLOB_TABLE)}", "evidence_blob_content"),
    ):
        _run(
            conn,
            q(
                "ALTER TABLE {} ADD CONSTRAINT evidence_blob_content CHECK ("
                " sha256 = encode(sha256(data), 'hex') AND size = octet_length(data)"
                " AND size <= " + str(MAX_BLOB_BYTES) + ")"
            ).format(blob),
        )
    # Photos and recordings are compressed already: store them out of line, uncompressed.
    _run(conn, q("ALTER TABLE {} ALTER COLUMN data SET STORAGE EXTERNAL").format(blob))


def _blob_holders(conn: Connection, schema: str) -> None:
    """`evidence_blob_holder` and the trigger that fills it. Every row proposed for
    `evidence_blob` passes the trigger, also one that finds the bytes there already (BEFORE
    INSERT runs before ON CONFLICT looks): a shopper who sends bytes matching their hash holds
    them; bytes a manager sends first are held by the shoppers of the audits citing them then
    (a manager's imports and corrections). When the table is first made, each shopper holds
    the bytes their audits cite (the rule before it): see `create_blob_holder_table`."""
    s, q = _quoted(schema), sql.SQL
    holder = q("{}.{}").format(_ident(schema), _ident(HOLDER_TABLE))
    # A manager reads every table, this one too; nobody writes it but the trigger.
    _run(conn, q("GRANT SELECT ON {} TO {}").format(holder, _ident(MANAGER_GROUP)))
    _run(
        conn,
        q("CREATE POLICY manager_reads ON {} FOR SELECT TO {} USING (true)").format(
            holder, _ident(MANAGER_GROUP)
        ),
    )
    # Asked by the read policy. VOLATILE, so it sees what the trigger below wrote in the same
    # statement (an INSERT's new row is checked against the read policy too).
    _run(
        conn,
        q(
            "CREATE OR REPLACE FUNCTION {}.shopper_holds_blob(p_sha256 text) RETURNS boolean"
            " LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$"
            " SELECT EXISTS (SELECT 1 FROM " + s + "." + _quoted(HOLDER_TABLE) + " h"
            "  WHERE h.sha256 = p_sha256 AND h.login = session_user) $f$"
        ).format(_ident(schema)),
    )
    # SECURITY DEFINER: it writes the table nobody else may; the caller is session_user. It
    # does not hash the bytes: bytes that are not their key's fail the table's CHECK in the
    # same statement, which takes what the trigger wrote back with it.
    _run(
        conn,
        q(
            "CREATE OR REPLACE FUNCTION {}.shopper_blob_holder() RETURNS trigger"
            " LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$"
            " BEGIN"
            "  IF pg_has_role(session_user, " + _quoted_literal(FIELD_GROUP) + ", 'MEMBER') THEN"
            "   INSERT INTO " + s + "." + _quoted(HOLDER_TABLE) + " (sha256, login)"
            "    VALUES (NEW.sha256, session_user) ON CONFLICT DO NOTHING;"
            "  ELSIF NOT EXISTS (SELECT 1 FROM " + s + "." + _quoted(BLOB_TABLE) + " b"
            "    WHERE b.sha256 = NEW.sha256) THEN"
            "   INSERT INTO " + s + "." + _quoted(HOLDER_TABLE) + " (sha256, login)"
            "    SELECT DISTINCT NEW.sha256, a.shopper FROM " + s + ".evidence e"
            "    JOIN " + s + ".audit a ON a.id = e.audit_id"
            "    WHERE e.sha256 = NEW.sha256 AND a.shopper <> '' ON CONFLICT DO NOTHING;"
            "  END IF;"
            "  RETURN NEW;"
            " END $f$"
        ).format(_ident(schema)),
    )
    _run(
        conn,
        q("DROP TRIGGER IF EXISTS shopper_blob_holder ON {}").format(
            q("{}.{}").format(_ident(schema), _ident(BLOB_TABLE))
        ),
    )
    _run(
        conn,
        q(
            "CREATE TRIGGER shopper_blob_holder BEFORE INSERT ON {}.{}"
            " FOR EACH ROW EXECUTE FUNCTION {}.shopper_blob_holder()"
        ).format(_ident(schema), _ident(BLOB_TABLE), _ident(schema)),
    )


def _secure_shops(conn: Connection, schema: str) -> None:
    """Shops: a manager reads and writes them all; a shopper reads their own (and their
    events) and moves them only through `shopper_move_shop`, as `shopper.domain.shops` lets
    a shopper move their own shop: no INSERT, UPDATE or DELETE is granted to them."""
    s, q = _quoted(schema), sql.SQL
    manager, field = _ident(MANAGER_GROUP), _ident(FIELD_GROUP)
    own_event = (
        f"EXISTS (SELECT 1 FROM {s}.shop p"
        " WHERE p.id = shop_event.shop_id AND p.shopper = current_user)"
    )
    for name, own in (("shop", "shopper = current_user"), ("shop_event", own_event)):
        target = q("{}.{}").format(_ident(schema), _ident(name))
        _run(conn, q("GRANT SELECT ON {} TO {}").format(target, field))
        _run(conn, q("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}").format(target, manager))
        for policy, rule, roles, body in (
            ("manager_all", "ALL", manager, "USING (true) WITH CHECK (true)"),
            ("field_reads_own", "SELECT", field, f"USING ({own})"),
        ):
            _run(
                conn,
                q("CREATE POLICY {} ON {} FOR " + rule + " TO {} " + body).format(
                    _ident(policy), target, roles
                ),
            )
    moves = [m for m in MOVES if m.role is ShopRole.SHOPPER]
    targets = ", ".join(sorted({f"'{m.target.value}'" for m in moves}))
    allowed = " OR ".join(
        f"(found_state = '{m.source.value}' AND p_to = '{m.target.value}')" for m in moves
    )
    # SECURITY DEFINER: current_user is the owner here, the caller is session_user.
    body = f"""
    DECLARE
      found_state text;
      found_audit text;
    BEGIN
      IF p_to IS NULL OR p_to NOT IN ({targets}) THEN
        RAISE EXCEPTION 'a shopper moves a shop to in_progress or submitted, not %', p_to
          USING ERRCODE = '22023';
      END IF;
      SELECT state, audit_id INTO found_state, found_audit FROM {s}.shop
        WHERE id = p_shop AND shopper = session_user FOR UPDATE;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'no shop % of %', p_shop, session_user USING ERRCODE = '42501';
      END IF;
      IF NOT ({allowed}) THEN
        RAISE EXCEPTION 'shop % is %: it cannot become %', p_shop, found_state, p_to
          USING ERRCODE = '42501';
      END IF;
      -- Handed in complete: a shop's audit in progress cannot be submitted, so a shop under
      -- review or reviewed has its audit closed to its shopper.
      IF p_to = 'submitted' AND NOT EXISTS (SELECT 1 FROM {s}.audit
          WHERE id = coalesce(p_audit, found_audit) AND status = 'completed') THEN
        RAISE EXCEPTION 'shop %: complete its audit before submitting it', p_shop
          USING ERRCODE = '42501';
      END IF;
      IF p_audit IS NOT NULL THEN
        IF NOT EXISTS (SELECT 1 FROM {s}.audit WHERE id = p_audit AND shopper = session_user)
        THEN
          RAISE EXCEPTION 'no audit % of %', p_audit, session_user USING ERRCODE = '42501';
        END IF;
        IF found_audit IS NOT NULL AND found_audit <> p_audit THEN
          RAISE EXCEPTION 'shop % is done in audit %', p_shop, found_audit
            USING ERRCODE = '42501';
        END IF;
      END IF;
      UPDATE {s}.shop SET state = p_to, audit_id = coalesce(p_audit, audit_id),
        updated_at = p_at, version = version + 1 WHERE id = p_shop;
      INSERT INTO {s}.shop_event (id, shop_id, at, tz, who, from_state, to_state, detail)
        VALUES (coalesce(p_event_id, pg_catalog.gen_random_uuid()::text), p_shop, p_at, p_tz,
                session_user, found_state, p_to, coalesce(p_detail, ''));
    END
    """
    _run(
        conn,
        q(
            "CREATE OR REPLACE FUNCTION {}.shopper_move_shop("
            "p_shop text, p_to text, p_at timestamptz, p_tz text, p_audit text DEFAULT NULL,"
            " p_detail text DEFAULT '', p_event_id text DEFAULT NULL)"
            " RETURNS void LANGUAGE plpgsql SECURITY DEFINER"
            " SET search_path = pg_catalog, pg_temp AS {}"
        ).format(_ident(schema), sql.Literal(body)),
    )
    function = q("{}." + MOVE_SHOP_SIGNATURE).format(_ident(schema))
    _run(conn, q("REVOKE ALL ON FUNCTION {} FROM PUBLIC").format(function))
    _run(conn, q("GRANT EXECUTE ON FUNCTION {} TO {}").format(function, field))
    _own_shop_function(conn, schema)


def _own_shop_function(conn: Connection, schema: str) -> None:
    """`shopper_own_shop(...)`: a shopper's shop of their own (an audit nobody assigned), for
    a company whose `allow_unassigned` a manager set; assigned to the caller, recorded as
    their event. Made again with the same id and content it changes nothing."""
    s, q = _quoted(schema), sql.SQL
    body = f"""
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM {s}.company WHERE id = p_company AND allow_unassigned) THEN
        RAISE EXCEPTION 'company % takes no shops a shopper starts on their own', p_company
          USING ERRCODE = '42501';
      END IF;
      IF EXISTS (SELECT 1 FROM {s}.shop WHERE id = p_shop) THEN
        IF EXISTS (SELECT 1 FROM {s}.shop WHERE id = p_shop AND shopper = session_user
                   AND company_id = p_company AND created_by = session_user) THEN
          RETURN;
        END IF;
        RAISE EXCEPTION 'shop % exists already', p_shop USING ERRCODE = '42501';
      END IF;
      IF NOT EXISTS (SELECT 1 FROM {s}.template_version WHERE template_id = p_template
                     AND touchpoint = p_touchpoint) THEN
        RAISE EXCEPTION 'no template % for %', p_template, p_touchpoint USING ERRCODE = '22023';
      END IF;
      INSERT INTO {s}.shop (id, company_id, touchpoint, template_id, shopper, opens, due,
                            instructions, state, audit_id, created_by, created_at, updated_at,
                            version)
        VALUES (p_shop, p_company, p_touchpoint, p_template, session_user, p_opens, p_due, '',
                'assigned', NULL, session_user, p_at, p_at, 1);
      INSERT INTO {s}.shop_event (id, shop_id, at, tz, who, from_state, to_state, detail)
        VALUES (coalesce(p_event_id, pg_catalog.gen_random_uuid()::text), p_shop, p_at, p_tz,
                session_user, NULL, 'assigned', {_quoted_literal(OWN_SHOP_DETAIL)});
    END
    """
    _run(
        conn,
        q(
            "CREATE OR REPLACE FUNCTION {}.shopper_own_shop("
            "p_shop text, p_company text, p_touchpoint text, p_template text, p_opens date,"
            " p_due date, p_at timestamptz, p_tz text, p_event_id text DEFAULT NULL)"
            " RETURNS void LANGUAGE plpgsql SECURITY DEFINER"
            " SET search_path = pg_catalog, pg_temp AS {}"
        ).format(_ident(schema), sql.Literal(body)),
    )
    function = q("{}." + OWN_SHOP_SIGNATURE).format(_ident(schema))
    _run(conn, q("REVOKE ALL ON FUNCTION {} FROM PUBLIC").format(function))
    _run(conn, q("GRANT EXECUTE ON FUNCTION {} TO {}").format(function, _ident(FIELD_GROUP)))


def own_shop_as_shopper(conn: Connection, shop: Any, event: Any) -> None:
    """Make the caller's shop of their own (the row `shop`, its first event `event`) on the
    team database, through the function the database owns."""
    _run(
        conn,
        "SELECT shopper_own_shop(%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            shop["id"],
            shop["company_id"],
            shop["touchpoint"],
            shop["template_id"],
            shop["opens"],
            shop["due"],
            event["at"] if event else shop["created_at"],
            event["tz"] if event else "UTC",
            event["id"] if event else None,
        ),
    )


def move_shop_as_shopper(
    conn: Connection,
    *,
    shop_id: str,
    target: str,
    at: Any,
    tz: str,
    audit_id: str | None,
    detail: str,
    event_id: str,
) -> None:
    """Start or submit the caller's own shop through the function the database owns."""
    _run(
        conn,
        "SELECT shopper_move_shop(%s, %s, %s, %s, %s, %s, %s)",
        (shop_id, target, at, tz, audit_id, detail, event_id),
    )


def _follow_up_open_function(conn: Connection, schema: str) -> None:
    """`shopper_follow_up_open(audit, item)`: whether the session's login may still change
    that item of that audit: their own audit, awaiting follow-up, and an item its template
    version lists in template_follow_up. SECURITY DEFINER, so the answer does not depend on
    what the caller may read; it tells nothing about audits that are not the caller's."""
    s = _quoted(schema)
    body = f"""
    SELECT EXISTS (
      SELECT 1 FROM {s}.audit a
        JOIN {s}.{_quoted(FOLLOW_UP_TABLE)} f
          ON f.template_id = a.template_id AND f.template_version = a.template_version
      WHERE a.id = p_audit AND a.shopper = session_user AND a.status = '{AWAITING}'
        AND f.item_id = p_item)
    """
    _run(
        conn,
        sql.SQL(
            "CREATE OR REPLACE FUNCTION {}.shopper_follow_up_open(p_audit text, p_item text)"
            " RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER"
            " SET search_path = pg_catalog, pg_temp AS {}"
        ).format(_ident(schema), sql.Literal(body)),
    )
    name = sql.SQL("{}." + FOLLOW_UP_OPEN_SIGNATURE).format(_ident(schema))
    _run(conn, sql.SQL("REVOKE ALL ON FUNCTION {} FROM PUBLIC").format(name))
    _run(conn, sql.SQL("GRANT EXECUTE ON FUNCTION {} TO {}").format(name, _ident(FIELD_GROUP)))


def _own_audit_locked(schema: str, status: str, wanted: str) -> str:
    """PL/pgSQL that locks audit `p_audit` if it is the caller's own (`session_user`) and in
    `status`, and raises otherwise: where every function a shopper calls on an audit starts."""
    return f"""
      SELECT status INTO found_status FROM {schema}.audit
        WHERE id = p_audit AND shopper = session_user FOR UPDATE;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'no audit % of %', p_audit, session_user USING ERRCODE = '42501';
      END IF;
      IF found_status <> '{status}' THEN
        RAISE EXCEPTION 'audit % is %, not {wanted}', p_audit, found_status
          USING ERRCODE = '42501';
      END IF;"""


def _functions(conn: Connection, schema: str) -> None:
    s = _quoted(schema)
    q = sql.SQL
    # A shopper's audit with a blank shopper is theirs (psql, or an app that sends ''); a
    # manager's (an imported bundle, an audit not yet assigned) keeps what it says.
    _run(
        conn,
        q(
            "CREATE OR REPLACE FUNCTION {}.shopper_audit_owner() RETURNS trigger"
            " LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $f$"
            " BEGIN"
            "  IF coalesce(NEW.shopper, '') = '' THEN"
            "   NEW.shopper := CASE WHEN EXISTS (SELECT 1 FROM pg_auth_members m"
            "     JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member"
            "     WHERE g.rolname = "
            + _quoted_literal(FIELD_GROUP)
            + " AND r.rolname = current_user)"
            "    THEN current_user ELSE '' END;"
            "  END IF;"
            "  RETURN NEW;"
            " END $f$"
        ).format(_ident(schema)),
    )
    _run(conn, q("DROP TRIGGER IF EXISTS shopper_audit_owner ON {}.audit").format(_ident(schema)))
    _run(
        conn,
        q(
            "CREATE TRIGGER shopper_audit_owner BEFORE INSERT ON {}.audit"
            " FOR EACH ROW EXECUTE FUNCTION {}.shopper_audit_owner()"
        ).format(_ident(schema), _ident(schema)),
    )
    # Completing: only the audit's own shopper (the session's login), only from in progress.
    # SECURITY DEFINER: runs as the owner, so current_user is the owner here; the caller is
    # session_user. The search_path is fixed and every name qualified.
    body = f"""
    DECLARE
      found_status text;
    BEGIN
      IF p_status NOT IN ({", ".join(f"'{x}'" for x in FINISHED_STATES)}) THEN
        RAISE EXCEPTION 'an audit finishes as completed or awaiting_follow_up, not %', p_status
          USING ERRCODE = '22023';
      END IF;
{_own_audit_locked(s, IN_PROGRESS, "in progress")}
      UPDATE {s}.audit SET status = p_status, completed_at = p_at, completed_tz = p_tz,
        updated_at = p_at WHERE id = p_audit;
      INSERT INTO {s}.audit_event (id, audit_id, kind, at, tz, detail)
        VALUES (coalesce(p_event_id, pg_catalog.gen_random_uuid()::text), p_audit,
                CASE p_status WHEN 'completed' THEN 'completed' ELSE p_status END,
                p_at, p_tz, coalesce(p_detail, ''));
    END
    """
    _run(
        conn,
        q(
            "CREATE OR REPLACE FUNCTION {}.shopper_complete_audit("
            "p_audit text, p_at timestamptz, p_tz text, p_status text DEFAULT 'completed',"
            " p_detail text DEFAULT '', p_event_id text DEFAULT NULL)"
            " RETURNS void LANGUAGE plpgsql SECURITY DEFINER"
            " SET search_path = pg_catalog, pg_temp AS {}"
        ).format(_ident(schema), sql.Literal(body)),
    )
    # Awaiting follow-up -> completed, keeping the day's completion time: only the audit's
    # own shopper, with the event that says how the follow-up ended.
    finish = f"""
    DECLARE
      found_status text;
    BEGIN
      IF p_event NOT IN ({", ".join(f"'{x}'" for x in FOLLOW_UP_EVENTS)}) THEN
        RAISE EXCEPTION 'a follow-up ends as follow_up_answered or follow_up_lapsed, not %',
          p_event USING ERRCODE = '22023';
      END IF;
{_own_audit_locked(s, AWAITING, "awaiting follow-up")}
      UPDATE {s}.audit SET status = 'completed', updated_at = p_at WHERE id = p_audit;
      INSERT INTO {s}.audit_event (id, audit_id, kind, at, tz, detail)
        VALUES (coalesce(p_event_id, pg_catalog.gen_random_uuid()::text), p_audit, p_event,
                p_at, p_tz, '');
    END
    """
    _run(
        conn,
        q(
            "CREATE OR REPLACE FUNCTION {}.shopper_finish_follow_up("
            "p_audit text, p_at timestamptz, p_tz text, p_event text DEFAULT 'follow_up_answered',"
            " p_event_id text DEFAULT NULL)"
            " RETURNS void LANGUAGE plpgsql SECURITY DEFINER"
            " SET search_path = pg_catalog, pg_temp AS {}"
        ).format(_ident(schema), sql.Literal(finish)),
    )
    # A shopper's UPDATE of their audit awaiting follow-up may change its score and position
    # only (the policy lets the UPDATE through; this says what it may change). Everything
    # else, columns added later included, stays as it is.
    kept = "ARRAY[" + ", ".join(f"'{c}'" for c in AWAITING_AUDIT_COLUMNS) + "]"
    guard = f"""
    BEGIN
      IF OLD.status = '{AWAITING}'
         AND pg_catalog.pg_has_role(current_user, {_quoted_literal(FIELD_GROUP)}, 'MEMBER')
         AND NOT pg_catalog.pg_has_role(current_user, {_quoted_literal(MANAGER_GROUP)}, 'MEMBER')
         AND (pg_catalog.to_jsonb(NEW) OPERATOR(pg_catalog.-) {kept}::text[])
             IS DISTINCT FROM (pg_catalog.to_jsonb(OLD) OPERATOR(pg_catalog.-) {kept}::text[])
      THEN
        RAISE EXCEPTION 'audit % awaits follow-up: only the follow-up can change', OLD.id
          USING ERRCODE = '42501';
      END IF;
      RETURN NEW;
    END
    """
    _run(
        conn,
        q(
            "CREATE OR REPLACE FUNCTION {}.shopper_audit_follow_up_guard() RETURNS trigger"
            " LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS {}"
        ).format(_ident(schema), sql.Literal(guard)),
    )
    _run(
        conn,
        q("DROP TRIGGER IF EXISTS shopper_audit_follow_up_guard ON {}.audit").format(
            _ident(schema)
        ),
    )
    _run(
        conn,
        q(
            "CREATE TRIGGER shopper_audit_follow_up_guard BEFORE UPDATE ON {}.audit"
            # Only for an audit awaiting follow-up: saving an answer in progress pays nothing.
            " FOR EACH ROW WHEN (OLD.status = " + _quoted_literal(AWAITING) + ")"
            " EXECUTE FUNCTION {}.shopper_audit_follow_up_guard()"
        ).format(_ident(schema), _ident(schema)),
    )
    _run(
        conn,
        q("REVOKE ALL ON FUNCTION {}.shopper_audit_follow_up_guard() FROM PUBLIC").format(
            _ident(schema)
        ),
    )
    for function in (COMPLETE_SIGNATURE, FINISH_SIGNATURE):
        name = q("{}." + function).format(_ident(schema))
        _run(conn, q("REVOKE ALL ON FUNCTION {} FROM PUBLIC").format(name))
        _run(conn, q("GRANT EXECUTE ON FUNCTION {} TO {}").format(name, _ident(FIELD_GROUP)))
    _run(
        conn,
        q("REVOKE ALL ON FUNCTION {}.shopper_audit_owner() FROM PUBLIC").format(_ident(schema)),
    )


def completes_through_the_database(conn: Connection) -> bool:
    """Whether this login is a shopper on a team database, who may not set an audit's status
    and completes through `shopper_complete_audit`."""
    if conn.dialect.name != "postgresql":
        return False
    return bool(
        _run(
            conn,
            "SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid"
            " JOIN pg_roles r ON r.oid = m.member"
            " WHERE g.rolname = %s AND r.rolname = current_user",
            (FIELD_GROUP,),
        )
    )


def finish_follow_up_as_shopper(
    conn: Connection, *, audit_id: str, at: Any, tz: str, event: str, event_id: str
) -> None:
    """Complete the caller's own audit awaiting follow-up through the database's function."""
    _run(
        conn,
        "SELECT shopper_finish_follow_up(%s, %s, %s, %s, %s)",
        (audit_id, at, tz, event, event_id),
    )


def complete_as_shopper(
    conn: Connection,
    *,
    audit_id: str,
    status: str,
    at: Any,
    tz: str,
    detail: str,
    event_id: str,
) -> None:
    """Finish the caller's own audit through the function the database owns."""
    _run(
        conn,
        "SELECT shopper_complete_audit(%s, %s, %s, %s, %s, %s)",
        (audit_id, at, tz, status, detail, event_id),
    )


def _current_user(conn: Connection) -> str:
    return str(_run(conn, "SELECT current_user")[0][0])


def _quoted_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quoted(name: str) -> str:
    """An identifier quoted for SQL text built here (the schema name comes from the server)."""
    return '"' + name.replace('"', '""') + '"'


# Users: login roles in one of the two groups, with their full name in team_user.


def find_user(conn: Connection, login: str) -> TeamUser | None:
    found = list_users(conn, logins=(login,))
    return found[0] if found else None


def list_users(conn: Connection, *, logins: Iterable[str] | None = None) -> list[TeamUser]:
    """The logins in the team's groups, by login, with their full names."""
    rows = _run(conn, sql.SQL("SELECT login, full_name FROM {}").format(_ident(TEAM_USER_TABLE)))
    names = {login: name for login, name in rows}
    wanted = set(logins) if logins is not None else None
    rows = _run(
        conn,
        "SELECT r.rolname, g.rolname FROM pg_roles r"
        " JOIN pg_auth_members m ON m.member = r.oid JOIN pg_roles g ON g.oid = m.roleid"
        " WHERE g.rolname IN (%s, %s) AND r.rolcanlogin ORDER BY r.rolname, g.rolname",
        (MANAGER_GROUP, FIELD_GROUP),
    )
    users = []
    for login, group in rows:
        if wanted is not None and login not in wanted:
            continue
        role = "manager" if group == MANAGER_GROUP else "shopper"
        users.append(TeamUser(login, role, names.get(login, "")))
    return users


def role_exists(conn: Connection, login: str) -> bool:
    return bool(_run(conn, "SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)))


def create_login(conn: Connection, *, login: str, role: str, verifier: str, name: str) -> None:
    """A login role in the group of `role`, with a SCRAM verifier (never the password itself)."""
    _run(
        conn,
        sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE {}").format(
            _ident(login), sql.Literal(verifier), _ident(group_of(role))
        ),
    )
    _run(
        conn,
        sql.SQL(
            "INSERT INTO {} (login, full_name) VALUES (%s, %s) ON CONFLICT (login)"
            " DO UPDATE SET full_name = EXCLUDED.full_name, removed_at = NULL"
        ).format(_ident(TEAM_USER_TABLE)),
        (login, name),
    )


def change_group(conn: Connection, *, login: str, role: str) -> None:
    new = group_of(role)
    for group in (MANAGER_GROUP, FIELD_GROUP):
        if group != new:
            _run(conn, sql.SQL("REVOKE {} FROM {}").format(_ident(group), _ident(login)))
    _run(conn, sql.SQL("GRANT {} TO {}").format(_ident(new), _ident(login)))


def drop_login(conn: Connection, *, login: str) -> None:
    """Drop the login; its audits and its row in team_user (the full name) stay."""
    _run(conn, sql.SQL("DROP ROLE {}").format(_ident(login)))
    _run(
        conn,
        sql.SQL("UPDATE {} SET removed_at = now() WHERE login = %s").format(
            _ident(TEAM_USER_TABLE)
        ),
        (login,),
    )


def login_groups(conn: Connection) -> tuple[str, frozenset[str]]:
    """The connected login (`current_user`) and the team roles ("manager", "shopper") its
    groups give it: none for the owner or a login outside the team."""
    rows = _run(
        conn,
        "SELECT current_user, pg_has_role(current_user, %s, 'MEMBER'),"
        " pg_has_role(current_user, %s, 'MEMBER')",
        (MANAGER_GROUP, FIELD_GROUP),
    )
    login, manager, field = rows[0]
    roles = {role for role, held in (("manager", manager), ("shopper", field)) if held}
    return str(login), frozenset(roles)
