"""Who may do what on a team database, checked as each role with plain SQL through psycopg.

Nothing here goes through Shopper's own code once the database is set up: each case connects as
a login, as anyone with a password and psql could, and tries. The cases are the rows of the
table "Who may do what" in docs/team.md; the test reads that table, so the document and the
policy cannot drift apart.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import errors

from shopper.domain.follow_up import follow_up_items
from shopper.domain.template_loader import parse_template_text
from shopper.services import team
from shopper.store.team import (
    AUDIT_CHILD_TABLES,
    CHANGE_TABLE,
    FOLLOW_UP_TABLE,
    REVIEW_TABLE,
    SCHEDULE_TABLE,
    SHOP_TABLES,
)
from tests.postgres import OWNER, OWNER_PASSWORD, PostgresServer, make_owned_database

pytestmark = pytest.mark.postgres

DOC = Path(__file__).resolve().parents[2] / "docs" / "team.md"
RESULTS = {"allowed", "refused", "own rows only", "stored as data", "shared rows only"}
PASSWORDS = {"alice": "alice-password", "bob": "bob-password", "mia": "mia-password"}
ROLE_LOGIN = {"shopper": "alice", "manager": "mia"}
HOSTILE = ['it\'s "quoted"', "'; DROP TABLE audit; --", "x" * 1_000_000]


@dataclass(frozen=True)
class Case:
    name: str
    who: str
    does: str
    result: str


def documented_cases(path: Path = DOC) -> list[Case]:
    """The rows of the table under "## Who may do what" in docs/team.md."""
    text = path.read_text(encoding="utf-8")
    section = text.split("## Who may do what", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert header == ["Case", "Who", "Does", "Result"], header
    cases = []
    for row in rows[2:]:
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        assert len(cells) == 4, row
        cases.append(Case(cells[0].strip("`"), cells[1], cells[2], cells[3]))
    return cases


# The database every case runs against: alice and bob are shoppers, mia a manager, and
# nobody a login in neither group. Each case runs in transactions that are rolled back.


@dataclass
class Team:
    server: PostgresServer
    dbname: str
    owner: psycopg.Connection[Any]
    conns: dict[str, psycopg.Connection[Any]]
    template: tuple[str, int, str]
    counts: dict[str, int]
    later: str
    """An item the awaiting audits' template answers later (`later`)."""
    not_later: str
    """An item of that template that is not part of the follow-up."""

    def connect(self, login: str) -> psycopg.Connection[Any]:
        return self.conns[login]

    def as_owner(self, query: str, params: Any = ()) -> list[Any]:
        rows = self.owner.execute(query, params).fetchall()
        self.owner.rollback()
        return rows


def insert_audit(
    conn: psycopg.Connection[Any],
    audit_id: str,
    shopper: str,
    template: tuple[str, int, str],
    status: str = "in_progress",
) -> Any:
    done = status != "in_progress"
    return conn.execute(
        "INSERT INTO audit (id, company_id, touchpoint, template_id, template_version, shopper,"
        " status, started_at, started_tz, completed_at, completed_tz, updated_at, verdict,"
        " critical_failures, answered, visible)"
        " VALUES (%s, 'c1', %s, %s, %s, %s, %s, now(), 'UTC', CASE WHEN %s THEN now() END,"
        " CASE WHEN %s THEN 'UTC' END, now(), '', 0, 0, 0)",
        (audit_id, template[2], template[0], template[1], shopper, status, done, done),
    )


def insert_answer(conn: psycopg.Connection[Any], audit_id: str, item: str, note: str = "") -> Any:
    return conn.execute(
        "INSERT INTO answer (audit_id, item_id, value, note, answered_at, answered_tz, source)"
        " VALUES (%s, %s, 'true', %s, now(), 'UTC', 'shopper')",
        (audit_id, item, note),
    )


def insert_children(conn: psycopg.Connection[Any], audit_id: str) -> None:
    insert_answer(conn, audit_id, "q1")
    conn.execute(
        "INSERT INTO moment (id, audit_id, kind, at, tz, note, updated_at)"
        " VALUES (%s, %s, 'good', now(), 'UTC', '', now())",
        (f"m-{audit_id}", audit_id),
    )
    conn.execute(
        "INSERT INTO instrument_event (id, audit_id, instrument, kind, at, tz, data, updated_at)"
        " VALUES (%s, %s, 'phone', 'step', now(), 'UTC', '{}', now())",
        (f"i-{audit_id}", audit_id),
    )
    conn.execute(
        "INSERT INTO evidence (id, audit_id, sha256, kind, extension, filename, size, caption,"
        " added_at, added_tz) VALUES (%s, %s, %s, 'image', 'jpg', 'a.jpg', 3, '', now(), 'UTC')",
        (f"e-{audit_id}", audit_id, "0" * 64),
    )
    conn.execute(
        "INSERT INTO audit_event (id, audit_id, kind, at, tz, detail)"
        " VALUES (%s, %s, 'created', now(), 'UTC', '')",
        (f"v-{audit_id}", audit_id),
    )


def insert_shop(
    conn: psycopg.Connection[Any],
    shop_id: str,
    shopper: str,
    template: tuple[str, int, str],
    state: str = "assigned",
) -> Any:
    """A shop of company c1 with the event that made it."""
    conn.execute(
        "INSERT INTO shop (id, company_id, touchpoint, template_id, shopper, opens, due,"
        " instructions, state, created_by, created_at, updated_at, version)"
        " VALUES (%s, 'c1', %s, %s, %s, '2025-06-01', '2025-06-07', 'Ask how to cancel', %s,"
        " 'mia', now(), now(), 1)",
        (shop_id, template[2], template[0], shopper, state),
    )
    return conn.execute(
        "INSERT INTO shop_event (id, shop_id, at, tz, who, from_state, to_state, detail)"
        " VALUES (%s, %s, now(), 'UTC', 'mia', NULL, %s, '')",
        (f"ev-{shop_id}", shop_id, state),
    )


SHOPS = (
    ("s-a-new", "alice", "assigned"),
    ("s-a-ret", "alice", "returned"),
    ("s-b-new", "bob", "assigned"),
    ("s-a-sub", "alice", "submitted"),
    ("s-a-rev", "alice", "reviewed"),
)
SHOP_AUDITS = {"s-a-sub": "a-done", "s-a-rev": "a-rev"}
"""The audits the submitted and the reviewed shop are done in (both completed)."""
ALICE_AUDITS = {"a-open", "a-done", "a-wait", "a-rev"}


def insert_comment(
    conn: psycopg.Connection[Any], comment_id: str, audit_id: str, author: str, verdict: str = ""
) -> Any:
    return conn.execute(*_comment(comment_id, audit_id, author, verdict))


def _comment(comment_id: str, audit_id: str, author: str, verdict: str = "") -> tuple[str, Any]:
    return (
        "INSERT INTO review_comment (id, audit_id, item_id, author, at, tz, body, verdict)"
        " VALUES (%s, %s, 'q1', %s, now(), 'UTC', 'Was it really polite?', %s)",
        (comment_id, audit_id, author, verdict),
    )


def _change(change_id: str, audit_id: str, who: str, kind: str = "shopper") -> tuple[str, Any]:
    return (
        "INSERT INTO answer_change (id, audit_id, item_id, at, tz, who, kind, old_value,"
        " new_value, old_note, new_note) VALUES (%s, %s, 'q1', now(), 'UTC', %s, %s, 'true',"
        " 'false', '', 'changed my mind')",
        (change_id, audit_id, who, kind),
    )


def photo_of(audit_id: str) -> tuple[bytes, str]:
    """The bytes of an audit's photo in the setup, and their sha256."""
    data = f"the photo of {audit_id}".encode()
    return data, hashlib.sha256(data).hexdigest()


def insert_photo(conn: psycopg.Connection[Any], audit_id: str, data: bytes, tag: str) -> str:
    """An evidence row of the audit citing the bytes, then the bytes (written once)."""
    digest = hashlib.sha256(data).hexdigest()
    conn.execute(
        "INSERT INTO evidence (id, audit_id, sha256, kind, extension, filename, size, caption,"
        " added_at, added_tz) VALUES (%s, %s, %s, 'image', 'jpg', 'p.jpg', %s, '', now(), 'UTC')",
        (f"{tag}-{audit_id}", audit_id, digest, len(data)),
    )
    insert_blob(conn, digest, data)
    return digest


def insert_blob(conn: psycopg.Connection[Any], digest: str, data: bytes) -> Any:
    return conn.execute(
        "INSERT INTO evidence_blob (sha256, media_type, size, data)"
        " VALUES (%s, 'image/jpeg', %s, %s) ON CONFLICT (sha256) DO NOTHING",
        (digest, len(data), data),
    )


@pytest.fixture(scope="module")
def team_setup(postgres_server: PostgresServer) -> Iterator[Team]:
    dbname, url = make_owned_database(postgres_server)
    engine = team.team_engine(url)
    conns: dict[str, psycopg.Connection[Any]] = {}
    try:
        team.init_team(engine=engine)
        team.add_user(engine=engine, login="alice", role="shopper", password=PASSWORDS["alice"])
        team.add_user(engine=engine, login="bob", role="shopper", password=PASSWORDS["bob"])
        team.add_user(engine=engine, login="mia", role="manager", password=PASSWORDS["mia"])
        owner = postgres_server.connect(dbname, OWNER, OWNER_PASSWORD)
        owner.execute(
            "INSERT INTO company (id, name, sector, timezone, business_hours, holidays, notes,"
            " created_at, updated_at) VALUES ('c1', 'Shop', '', 'UTC',"
            " '{\"mon\": [\"09:00\", \"17:00\"]}', '[]', '', now(), now())"
        )
        row = owner.execute(
            "SELECT template_id, version, touchpoint FROM template_version LIMIT 1"
        ).fetchone()
        assert row is not None
        template = (str(row[0]), int(row[1]), str(row[2]))
        follow_up, later, not_later = follow_up_template(owner)
        for audit_id, shopper, status in (
            ("a-open", "alice", "in_progress"),
            ("a-done", "alice", "completed"),
            ("a-wait", "alice", "awaiting_follow_up"),
            ("a-rev", "alice", "completed"),
            ("b-open", "bob", "in_progress"),
            ("b-done", "bob", "completed"),
            ("b-wait", "bob", "awaiting_follow_up"),
        ):
            used = follow_up if status == "awaiting_follow_up" else template
            insert_audit(owner, audit_id, shopper, used, status)
            insert_children(owner, audit_id)
            insert_photo(owner, audit_id, photo_of(audit_id)[0], "p")
        for shop_id, shopper, state in SHOPS:
            insert_shop(owner, shop_id, shopper, template, state)
        owner.execute(*_schedule_insert("sch-1", template))
        owner.execute(*_campaign_insert("snc-1"))
        owner.execute(*_said_no_insert("sne-1", "snc-1"))
        owner.execute("INSERT INTO theme_rules VALUES ('rules', 'speed: slow', 'mia', now())")
        owner.execute(*_feedback_insert("fb-shared", True))
        owner.execute(*_feedback_insert("fb-private", False))
        for action_id, owned_by, shared in ACTIONS:
            owner.execute(*_action_insert(action_id, owned_by, shared))
        for shop_id, audit_id in SHOP_AUDITS.items():
            owner.execute("UPDATE shop SET audit_id = %s WHERE id = %s", (audit_id, shop_id))
        # A review of each of a-done and b-done: a comment and a change of an answer.
        for audit_id, shopper in (("a-done", "alice"), ("b-done", "bob")):
            insert_comment(owner, f"rc-{audit_id}", audit_id, "mia", "returned")
            owner.execute(*_change(f"ac-{audit_id}", audit_id, shopper))
        owner.commit()
        counts = {}
        for table in (
            "company",
            "template_version",
            FOLLOW_UP_TABLE,
            "audit",
            *AUDIT_CHILD_TABLES,
            "evidence_blob",
            *SHOP_TABLES,
            SCHEDULE_TABLE,
            "plan_action",
            REVIEW_TABLE,
            CHANGE_TABLE,
            "team_user",
            "said_no_campaign",
            "said_no_entry",
            "theme_rules",
            "feedback_entry",
        ):
            found = owner.execute(f"SELECT count(*) FROM {table}").fetchone()
            assert found is not None
            counts[table] = int(found[0])
        owner.rollback()
        with postgres_server.admin() as admin:
            admin.execute("CREATE ROLE nobody LOGIN PASSWORD 'nobody-password'")
        for login, password in PASSWORDS.items():
            conns[login] = postgres_server.connect(dbname, login, password)
        yield Team(postgres_server, dbname, owner, conns, template, counts, later, not_later)
    finally:
        for conn in conns.values():
            conn.close()
        engine.dispose()
        postgres_server.drop_database(dbname)
        postgres_server.drop_roles()


def follow_up_template(owner: psycopg.Connection[Any]) -> tuple[tuple[str, int, str], str, str]:
    """A built-in template with an item answered later: (its key, that item, an item that is
    not part of the follow-up), read off the template itself, not off what team init noted."""
    rows = owner.execute("SELECT template_id, version, touchpoint, source FROM template_version")
    for template_id, version, touchpoint, source in rows.fetchall():
        parsed = parse_template_text(source)
        later = [item.id for item in parsed.items() if item.later is not None]
        if later:
            others = [i.id for i in parsed.items() if i.id not in follow_up_items(parsed)]
            return (str(template_id), int(version), str(touchpoint)), later[0], others[0]
    raise AssertionError("no built-in template has an item answered later")


def refused(conn: psycopg.Connection[Any], query: str, params: Any = ()) -> bool:
    """Whether the statement is refused: an error, or an UPDATE/DELETE that changes no row
    (row-level security hides the rows). Runs in a savepoint, so the case goes on."""
    assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
    try:
        with conn.transaction():
            cursor = conn.execute(query, params)
            if query.lstrip().split()[0].upper() in ("UPDATE", "DELETE"):
                return cursor.rowcount == 0
            return False
    except (errors.InsufficientPrivilege, errors.InvalidParameterValue):
        return True


def verdict(*refusals: bool) -> str:
    """refused when every attempt was refused, allowed when none was; a mix is a failure."""
    if all(refusals):
        return "refused"
    if not any(refusals):
        return "allowed"
    return f"mixed {refusals}"


def visible_audits(conn: psycopg.Connection[Any], table: str) -> set[str]:
    column = "id" if table == "audit" else "audit_id"
    return {row[0] for row in conn.execute(f"SELECT {column} FROM {table}").fetchall()}


# One function per case; each returns the result as docs/team.md words it.


def read_reference(t: Team, c: psycopg.Connection[Any]) -> str:
    companies = c.execute("SELECT id, business_hours, holidays FROM company").fetchall()
    templates = c.execute("SELECT count(*), min(length(source)) FROM template_version").fetchone()
    assert templates is not None
    full = (
        len(companies) == t.counts["company"]
        and '"mon"' in companies[0][1]
        and templates[0] == t.counts["template_version"]
        and templates[1] > 0
    )
    return "allowed" if full else "refused"


def read_own_rows(t: Team, c: psycopg.Connection[Any]) -> str:
    for table in ("audit", *AUDIT_CHILD_TABLES):
        if visible_audits(c, table) != ALICE_AUDITS:
            return f"{table}: {sorted(visible_audits(c, table))}"
    blobs = {row[0] for row in c.execute("SELECT sha256 FROM evidence_blob").fetchall()}
    if blobs != {photo_of(a)[1] for a in ALICE_AUDITS}:
        return f"evidence_blob: {len(blobs)} rows"
    logins = {row[0] for row in c.execute("SELECT login FROM team_user").fetchall()}
    return "own rows only" if logins == {"alice"} else f"team_user: {logins}"


def read_everything(t: Team, c: psycopg.Connection[Any]) -> str:
    for table, count in t.counts.items():
        found = c.execute(f"SELECT count(*) FROM {table}").fetchone()
        if found is None or found[0] != count:
            return f"{table}: {found} of {count}"
    return "allowed"


def start_own_audit(t: Team, c: psycopg.Connection[Any]) -> str:
    if refused(c, "SELECT 1"):  # a sanity check of the helper
        return "broken"
    if refused(c, *_audit_insert("a-new", "", t.template)):
        return "refused"
    row = c.execute("SELECT shopper FROM audit WHERE id = 'a-new'").fetchone()
    return "allowed" if row == ("alice",) else f"shopper {row}"


def _audit_insert(audit_id: str, shopper: str, template: tuple[str, int, str]) -> tuple[str, Any]:
    return (
        "INSERT INTO audit (id, company_id, touchpoint, template_id, template_version, shopper,"
        " status, started_at, started_tz, updated_at, verdict, critical_failures, answered,"
        " visible) VALUES (%s, 'c1', %s, %s, %s, %s, 'in_progress', now(), 'UTC', now(), '',"
        " 0, 0, 0)",
        (audit_id, template[2], template[0], template[1], shopper),
    )


def start_audit_for_other(t: Team, c: psycopg.Connection[Any]) -> str:
    return verdict(refused(c, *_audit_insert("a-bob", "bob", t.template)))


def start_completed_audit(t: Team, c: psycopg.Connection[Any]) -> str:
    query, params = _audit_insert("a-fake", "alice", t.template)
    return verdict(refused(c, query.replace("'in_progress'", "'completed'"), params))


def update_own_open_audit(t: Team, c: psycopg.Connection[Any]) -> str:
    return verdict(
        refused(
            c,
            "UPDATE audit SET current_item = 'q2', score_percent = 80, updated_at = now()"
            " WHERE id = 'a-open'",
        )
    )


def answer_own_open_audit(t: Team, c: psycopg.Connection[Any]) -> str:
    return verdict(
        refused(c, *_answer("a-open", "q9")),
        refused(c, "UPDATE answer SET note = 'changed' WHERE audit_id = 'a-open'"),
        refused(
            c,
            "INSERT INTO answer (audit_id, item_id, value, note, answered_at, answered_tz, source)"
            " VALUES ('a-open', 'q1', 'false', '', now(), 'UTC', 'shopper')"
            " ON CONFLICT (audit_id, item_id) DO UPDATE SET value = EXCLUDED.value",
        ),
        refused(c, "UPDATE moment SET note = 'n' WHERE audit_id = 'a-open'"),
        refused(
            c,
            "INSERT INTO instrument_event (id, audit_id, instrument, kind, at, tz, data,"
            " updated_at) VALUES ('i-new', 'a-open', 'phone', 'step', now(), 'UTC', '{}', now())",
        ),
    )


def _answer(audit_id: str, item: str, note: str = "") -> tuple[str, Any]:
    return (
        "INSERT INTO answer (audit_id, item_id, value, note, answered_at, answered_tz, source)"
        " VALUES (%s, %s, 'true', %s, now(), 'UTC', 'shopper')",
        (audit_id, item, note),
    )


def update_other_audit(t: Team, c: psycopg.Connection[Any]) -> str:
    return verdict(
        refused(c, "UPDATE audit SET current_item = 'x' WHERE id = 'b-open'"),
        refused(c, "UPDATE answer SET note = 'x' WHERE audit_id = 'b-open'"),
        refused(c, "UPDATE moment SET note = 'x' WHERE audit_id = 'b-open'"),
    )


def answer_other_audit(t: Team, c: psycopg.Connection[Any]) -> str:
    return verdict(refused(c, *_answer("b-open", "q9")))


def update_completed_audit(t: Team, c: psycopg.Connection[Any]) -> str:
    return verdict(refused(c, "UPDATE audit SET current_item = 'x' WHERE id = 'a-done'"))


def answer_completed_audit(t: Team, c: psycopg.Connection[Any]) -> str:
    return verdict(
        refused(c, *_answer("a-done", "q9")),
        refused(c, "UPDATE answer SET note = 'late' WHERE audit_id = 'a-done'"),
        refused(c, "UPDATE evidence SET caption = 'late' WHERE audit_id = 'a-done'"),
    )


def change_status(t: Team, c: psycopg.Connection[Any]) -> str:
    return verdict(
        refused(c, "UPDATE audit SET status = 'completed' WHERE id = 'a-open'"),
        refused(c, "UPDATE audit SET completed_at = now() WHERE id = 'a-open'"),
        refused(c, "UPDATE audit SET status = 'in_progress' WHERE id = 'a-done'"),
    )


def change_shopper(t: Team, c: psycopg.Connection[Any]) -> str:
    return verdict(
        refused(c, "UPDATE audit SET shopper = 'bob' WHERE id = 'a-open'"),
        refused(c, "UPDATE audit SET shopper = 'alice' WHERE id = 'b-open'"),
    )


def delete_own_audit(t: Team, c: psycopg.Connection[Any]) -> str:
    return verdict(
        refused(c, "DELETE FROM audit WHERE id = 'a-open'"),
        refused(c, "DELETE FROM answer WHERE audit_id = 'a-open'"),
        refused(c, "DELETE FROM audit_event WHERE audit_id = 'a-open'"),
    )


def delete_other_audit(t: Team, c: psycopg.Connection[Any]) -> str:
    return verdict(refused(c, "DELETE FROM audit WHERE id = 'b-open'"))


def complete_own_audit(t: Team, c: psycopg.Connection[Any]) -> str:
    if refused(c, "SELECT shopper_complete_audit('a-open', now(), 'Europe/Warsaw')"):
        return "refused"
    row = c.execute("SELECT status, completed_tz FROM audit WHERE id = 'a-open'").fetchone()
    events = c.execute(
        "SELECT count(*) FROM audit_event WHERE audit_id = 'a-open' AND kind = 'completed'"
    ).fetchone()
    # Once completed, the audit is closed to the shopper, and completing it again is refused.
    closed = refused(c, "UPDATE audit SET current_item = 'x' WHERE id = 'a-open'")
    again = refused(c, "SELECT shopper_complete_audit('a-open', now(), 'UTC')")
    ok = row == ("completed", "Europe/Warsaw") and events == (1,) and closed and again
    return "allowed" if ok else f"{row} {events} {closed} {again}"


def complete_other_audit(t: Team, c: psycopg.Connection[Any]) -> str:
    return verdict(
        refused(c, "SELECT shopper_complete_audit('b-open', now(), 'UTC')"),
        # Nor can the function be made to set any other status on one's own audit.
        refused(c, "SELECT shopper_complete_audit('a-open', now(), 'UTC', 'in_progress')"),
    )


def _item_photo(audit_id: str, item_id: str | None, data: bytes) -> list[tuple[str, Any]]:
    """The statements that attach bytes to an item (None: to the audit) of an audit."""
    digest = hashlib.sha256(data).hexdigest()
    return [
        (
            "INSERT INTO evidence (id, audit_id, item_id, sha256, kind, extension, filename,"
            " size, caption, added_at, added_tz) VALUES (%s, %s, %s, %s, 'image', 'jpg',"
            " 'f.jpg', %s, '', now(), 'UTC')",
            (f"f-{digest[:8]}", audit_id, item_id, digest, len(data)),
        ),
        _blob(digest, data),
    ]


def _upsert_answer(audit_id: str, item: str, value: str) -> tuple[str, Any]:
    return (
        "INSERT INTO answer (audit_id, item_id, value, note, answered_at, answered_tz, source)"
        " VALUES (%s, %s, %s, '', now(), 'UTC', 'shopper')"
        " ON CONFLICT (audit_id, item_id) DO UPDATE SET value = EXCLUDED.value",
        (audit_id, item, value),
    )


def _all_refused(c: psycopg.Connection[Any], statements: list[tuple[str, Any]]) -> bool:
    """Whether the statements, run together in one savepoint, are refused."""
    try:
        with c.transaction():
            for query, params in statements:
                c.execute(query, params)
    except errors.InsufficientPrivilege:
        return True
    return False


def answer_own_awaiting_later(t: Team, c: psycopg.Connection[Any]) -> str:
    """What the app writes for a follow-up: the answer (saved, changed, noted), a photo on
    that item, the e-mail tracker's "follow-up received", and the audit's new score."""
    item = t.later
    return verdict(
        refused(c, *_upsert_answer("a-wait", item, '"yes"')),
        refused(c, *_upsert_answer("a-wait", item, '"no"')),
        refused(
            c,
            "UPDATE answer SET note = 'they called' WHERE audit_id = 'a-wait' AND item_id = %s",
            (item,),
        ),
        _all_refused(c, _item_photo("a-wait", item, b"a photo of the follow-up")),
        refused(
            c,
            "INSERT INTO instrument_event (id, audit_id, instrument, kind, at, tz, data,"
            " updated_at) VALUES ('i-fu', 'a-wait', 'email', 'follow_up', now(), 'UTC', '{}',"
            " now())",
        ),
        refused(
            c,
            "UPDATE audit SET score_percent = 50, answered = 4, current_item = %s,"
            " updated_at = now() WHERE id = 'a-wait'",
            (item,),
        ),
    )


def answer_own_awaiting_other(t: Team, c: psycopg.Connection[Any]) -> str:
    """Everything else of the awaiting audit stays as it was on the day."""
    return verdict(
        refused(c, *_upsert_answer("a-wait", t.not_later, '"yes"')),
        refused(c, "UPDATE answer SET note = 'x' WHERE audit_id = 'a-wait' AND item_id = 'q1'"),
        refused(  # moving an answer onto the later item
            c, "UPDATE answer SET item_id = %s WHERE audit_id = 'a-wait'", (t.later,)
        ),
        _all_refused(c, _item_photo("a-wait", t.not_later, b"a photo of another item")),
        _all_refused(c, _item_photo("a-wait", None, b"a photo of the whole audit")),
        refused(
            c,
            "INSERT INTO moment (id, audit_id, kind, at, tz, note, updated_at)"
            " VALUES ('m-late', 'a-wait', 'bad', now(), 'UTC', '', now())",
        ),
        refused(
            c,
            "INSERT INTO instrument_event (id, audit_id, instrument, kind, at, tz, data,"
            " updated_at) VALUES ('i-late', 'a-wait', 'phone', 'call_start', now(), 'UTC',"
            " '{}', now())",
        ),
        refused(c, "UPDATE audit SET started_at = now() - interval '1 day' WHERE id = 'a-wait'"),
        refused(c, "UPDATE audit SET company_id = 'c1', touchpoint = 'x' WHERE id = 'a-wait'"),
        refused(c, "SELECT shopper_complete_audit('a-wait', now(), 'UTC')"),
    )


def answer_other_awaiting(t: Team, c: psycopg.Connection[Any]) -> str:
    return verdict(
        refused(c, *_upsert_answer("b-wait", t.later, '"yes"')),
        refused(c, "UPDATE answer SET note = 'x' WHERE audit_id = 'b-wait'"),
        _all_refused(c, _item_photo("b-wait", t.later, b"a photo for bob")),
        refused(c, "UPDATE audit SET score_percent = 0 WHERE id = 'b-wait'"),
        refused(c, "SELECT shopper_finish_follow_up('b-wait', now(), 'UTC')"),
        # The database's own check says no for an audit that is not hers.
        c.execute("SELECT shopper_follow_up_open('b-wait', %s)", (t.later,)).fetchone() == (False,),
    )


def finish_own_follow_up(t: Team, c: psycopg.Connection[Any]) -> str:
    """Completed from awaiting follow-up, keeping the day's completion; then closed to her,
    and neither it nor an audit in progress can be finished that way again."""
    day = c.execute("SELECT completed_at FROM audit WHERE id = 'a-wait'").fetchone()
    if refused(c, "SELECT shopper_finish_follow_up('a-wait', now(), 'UTC', 'follow_up_lapsed')"):
        return "refused"
    row = c.execute("SELECT status, completed_at FROM audit WHERE id = 'a-wait'").fetchone()
    events = c.execute(
        "SELECT count(*) FROM audit_event WHERE audit_id = 'a-wait' AND kind = 'follow_up_lapsed'"
    ).fetchone()
    closed = refused(c, *_upsert_answer("a-wait", t.later, '"yes"'))
    again = refused(c, "SELECT shopper_finish_follow_up('a-wait', now(), 'UTC')")
    open_one = refused(c, "SELECT shopper_finish_follow_up('a-open', now(), 'UTC')")
    ok = day is not None and row == ("completed", day[0]) and events == (1,)
    ok = ok and closed and again and open_one
    return "allowed" if ok else f"{row} {events} {closed} {again} {open_one}"


_NEW_TEMPLATE_VERSION = (
    "INSERT INTO template_version (template_id, version, title, touchpoint, source, sha256,"
    " builtin, added_at) SELECT template_id, version + 1000, 'Edited', touchpoint, source,"
    " sha256, false, now() FROM template_version WHERE template_id = %s AND version = %s"
)
"""A new version of the template the shops use: what saving an edited template stores."""


def write_reference(t: Team, c: psycopg.Connection[Any]) -> str:
    return verdict(
        refused(
            c,
            "INSERT INTO company (id, name, sector, timezone, business_hours, holidays, notes,"
            " created_at, updated_at) VALUES ('c2', 'Mine', '', 'UTC', '{}', '[]', '', now(),"
            " now())",
        ),
        refused(c, "UPDATE company SET business_hours = '{}'"),
        refused(c, "UPDATE template_version SET title = 'changed'"),
        refused(c, "DELETE FROM template_version"),
        refused(c, _NEW_TEMPLATE_VERSION, (t.template[0], t.template[1])),
        # Nor may a shopper make more of a template answerable later.
        refused(
            c,
            f"INSERT INTO {FOLLOW_UP_TABLE} (template_id, template_version, item_id)"
            " SELECT template_id, template_version, %s FROM audit WHERE id = 'a-wait'",
            (t.not_later,),
        ),
    )


def create_role(t: Team, c: psycopg.Connection[Any]) -> str:
    return verdict(
        refused(c, "CREATE ROLE intruder LOGIN PASSWORD 'x'"),
        refused(c, "GRANT shopper_manager TO CURRENT_USER"),
        refused(c, "ALTER ROLE CURRENT_USER CREATEROLE"),
    )


def read_pg_authid(t: Team, c: psycopg.Connection[Any]) -> str:
    return verdict(refused(c, "SELECT rolpassword FROM pg_authid"))


def create_table(t: Team, c: psycopg.Connection[Any]) -> str:
    return verdict(
        refused(c, "CREATE TABLE public.mine (id int)"),
        refused(c, "CREATE FUNCTION public.mine() RETURNS int LANGUAGE sql AS 'SELECT 1'"),
    )


def hostile_text(t: Team, c: psycopg.Connection[Any]) -> str:
    for number, text in enumerate(HOSTILE):
        insert_answer(c, "a-open", f"h{number}", text)
        c.execute("UPDATE moment SET note = %s WHERE audit_id = 'a-open'", (text,))
        row = c.execute(
            "SELECT note FROM answer WHERE audit_id = 'a-open' AND item_id = %s", (f"h{number}",)
        ).fetchone()
        moment = c.execute("SELECT note FROM moment WHERE audit_id = 'a-open'").fetchone()
        if row != (text,) or moment != (text,):
            return f"changed: {number}"
    tables = c.execute("SELECT count(*) FROM audit").fetchone()
    return "stored as data" if tables == (len(ALICE_AUDITS),) else f"audits: {tables}"


def nul_byte(t: Team, c: psycopg.Connection[Any]) -> str:
    try:
        with c.transaction():
            insert_answer(c, "a-open", "nul", "before\x00after")
    except psycopg.DataError:
        gone = c.execute("SELECT count(*) FROM answer WHERE item_id = 'nul'").fetchone()
        return "refused" if gone == (0,) else "half-written"
    return "allowed"


def read_other_photo(t: Team, c: psycopg.Connection[Any]) -> str:
    """Bob's photo bytes, asked for by their hash (which alice should not even know)."""
    found = [
        c.execute("SELECT data FROM evidence_blob WHERE sha256 = %s", (photo_of(a)[1],)).fetchall()
        for a in ("b-open", "b-done")
    ]
    return "refused" if found == [[], []] else "allowed"


def cite_other_photo(t: Team, c: psycopg.Connection[Any]) -> str:
    """Bob's photo's hash cited by an evidence row of her own open audit, then the bytes asked
    for: she never sent them, and no manager sent them for an audit of hers."""
    digest = photo_of("b-open")[1]
    c.execute(
        "INSERT INTO evidence (id, audit_id, sha256, kind, extension, filename, size, caption,"
        " added_at, added_tz) VALUES ('cite', 'a-open', %s, 'image', 'jpg', 'b.jpg', 1, '',"
        " now(), 'UTC')",
        (digest,),
    )
    found = c.execute("SELECT data FROM evidence_blob WHERE sha256 = %s", (digest,)).fetchall()
    return "refused" if found == [] else "allowed"


def send_known_bytes(t: Team, c: psycopg.Connection[Any]) -> str:
    """The same bytes as bob's photo, cited by her own open audit and sent by her (stored
    already, so nothing is written): she has them, so she reads them back."""
    data, digest = photo_of("b-open")
    insert_photo(c, "a-open", data, "same")
    found = c.execute("SELECT data FROM evidence_blob WHERE sha256 = %s", (digest,)).fetchall()
    return "allowed" if found == [(data,)] else f"refused: {found}"


def store_own_photo(t: Team, c: psycopg.Connection[Any]) -> str:
    """A new photo on her open audit, stored twice (written once) and read back; the photo her
    open audit had already, stored again: nothing happens, no error."""
    data = b"\xff\xd8\xff a new photo of a-open"
    if refused(c, "SELECT 1"):
        return "broken"
    try:
        with c.transaction():
            digest = insert_photo(c, "a-open", data, "n")
            again = insert_blob(c, digest, data).rowcount
            existing = insert_blob(c, photo_of("a-open")[1], photo_of("a-open")[0]).rowcount
            row = c.execute("SELECT data, size FROM evidence_blob WHERE sha256 = %s", (digest,))
            found = row.fetchone()
    except errors.InsufficientPrivilege as exc:
        return f"refused: {exc}"
    ok = found == (data, len(data)) and again == 0 and existing == 0
    return "allowed" if ok else f"{found} {again} {existing}"


def store_uncited_bytes(t: Team, c: psycopg.Connection[Any]) -> str:
    """Bytes no evidence row of her open audits cites: none at all, only her completed audit,
    only bob's audit; and other bytes under the hash of a photo (bob's, or a new one)."""
    loose = b"bytes nobody cites"
    done = b"a late photo of a-done"
    t.owner.execute(  # an evidence row on her completed audit, slipped in by the owner
        "INSERT INTO evidence (id, audit_id, sha256, kind, extension, filename, size, caption,"
        " added_at, added_tz) VALUES ('late', 'a-done', %s, 'image', 'jpg', 'l.jpg', 1, '',"
        " now(), 'UTC')",
        (hashlib.sha256(done).hexdigest(),),
    )
    t.owner.commit()
    try:
        refusals = [
            refused(c, *_blob(hashlib.sha256(loose).hexdigest(), loose)),
            refused(c, *_blob(hashlib.sha256(done).hexdigest(), done)),
        ]
        # Cited by her open audit, but the bytes are not the hash's.
        c.execute(
            "INSERT INTO evidence (id, audit_id, sha256, kind, extension, filename, size,"
            " caption, added_at, added_tz) VALUES ('x', 'a-open', %s, 'image', 'jpg', 'x.jpg',"
            " 1, '', now(), 'UTC'), ('y', 'a-open', %s, 'image', 'jpg', 'y.jpg', 1, '', now(),"
            " 'UTC')",
            (photo_of("b-open")[1], "1" * 64),
        )
        for digest in (photo_of("b-open")[1], "1" * 64):
            try:
                with c.transaction():
                    insert_blob(c, digest, b"forged bytes")
                refusals.append(False)
            except (errors.CheckViolation, errors.InsufficientPrivilege):
                # The CHECK refuses the bytes, or the read policy the row they would make.
                refusals.append(True)
    finally:
        t.owner.execute("DELETE FROM evidence WHERE id = 'late'")
        t.owner.commit()
    return verdict(*refusals)


def _blob(digest: str, data: bytes) -> tuple[str, Any]:
    return (
        "INSERT INTO evidence_blob (sha256, media_type, size, data)"
        " VALUES (%s, 'image/jpeg', %s, %s) ON CONFLICT (sha256) DO NOTHING",
        (digest, len(data), data),
    )


def change_photo(t: Team, c: psycopg.Connection[Any]) -> str:
    """Stored bytes changed or deleted: one's own photo, another's, all of them."""
    own = photo_of("a-open")[1]
    return verdict(
        refused(c, "UPDATE evidence_blob SET data = 'x' WHERE sha256 = %s", (own,)),
        refused(c, "DELETE FROM evidence_blob WHERE sha256 = %s", (own,)),
        refused(c, "DELETE FROM evidence_blob WHERE sha256 = %s", (photo_of("b-open")[1],)),
        refused(c, "DELETE FROM evidence_blob"),
    )


def manager_writes(t: Team, c: psycopg.Connection[Any]) -> str:
    return verdict(
        refused(
            c, "UPDATE audit SET status = 'in_progress', completed_at = NULL WHERE id = 'b-done'"
        ),
        refused(c, "UPDATE audit SET shopper = 'alice' WHERE id = 'b-open'"),
        refused(
            c,
            "INSERT INTO company (id, name, sector, timezone, business_hours, holidays, notes,"
            " created_at, updated_at) VALUES ('c3', 'New', '', 'UTC', '{}', '[]', '', now(),"
            " now())",
        ),
        refused(c, "DELETE FROM answer WHERE audit_id = 'a-done'"),
        refused(c, _NEW_TEMPLATE_VERSION, (t.template[0], t.template[1])),
    )


def read_own_shops(t: Team, c: psycopg.Connection[Any]) -> str:
    shops = {row[0] for row in c.execute("SELECT id FROM shop").fetchall()}
    events = {row[0] for row in c.execute("SELECT shop_id FROM shop_event").fetchall()}
    own = {"s-a-new", "s-a-ret", "s-a-sub", "s-a-rev"}
    return "own rows only" if shops == own and events == own else f"{shops} {events}"


def _move(shop_id: str, target: str, audit_id: str | None = None) -> tuple[str, Any]:
    return (
        "SELECT shopper_move_shop(%s, %s, now(), 'Europe/Warsaw', %s)",
        (shop_id, target, audit_id),
    )


def create_cancel_reassign_shop(t: Team, c: psycopg.Connection[Any]) -> str:
    insert = (
        "INSERT INTO shop (id, company_id, touchpoint, template_id, shopper, opens, due,"
        " instructions, state, created_by, created_at, updated_at, version)"
        " VALUES ('s-mine', 'c1', %s, %s, 'alice', '2025-06-01', '2025-06-07', '', 'assigned',"
        " 'alice', now(), now(), 1)"
    )
    return verdict(
        refused(c, insert, (t.template[2], t.template[0])),
        refused(c, "UPDATE shop SET state = 'cancelled' WHERE id = 's-a-new'"),
        refused(c, *_move("s-a-new", "cancelled")),
        refused(c, "UPDATE shop SET shopper = 'bob' WHERE id = 's-a-new'"),
        refused(c, "UPDATE shop SET shopper = 'alice' WHERE id = 's-b-new'"),
        refused(c, "DELETE FROM shop WHERE id = 's-a-new'"),
        refused(c, "DELETE FROM shop_event WHERE shop_id = 's-a-new'"),
    )


def change_shop_state(t: Team, c: psycopg.Connection[Any]) -> str:
    return verdict(
        refused(c, "UPDATE shop SET state = 'in_progress' WHERE id = 's-a-new'"),
        refused(c, "UPDATE shop SET state = 'submitted' WHERE id = 's-a-ret'"),
        refused(c, "UPDATE shop SET audit_id = 'a-open' WHERE id = 's-a-new'"),
        refused(
            c,
            "INSERT INTO shop_event (id, shop_id, at, tz, who, from_state, to_state, detail)"
            " VALUES ('ev-x', 's-a-new', now(), 'UTC', 'alice', 'assigned', 'submitted', '')",
        ),
    )


def move_own_shop(t: Team, c: psycopg.Connection[Any]) -> str:
    if refused(c, *_move("s-a-new", "in_progress", "a-open")):
        return "refused"
    # Submitted only once its audit is completed.
    early = refused(c, *_move("s-a-new", "submitted"))
    if not early or refused(c, "SELECT shopper_complete_audit('a-open', now(), 'UTC')"):
        return f"submitted while in progress: {not early}"
    if refused(c, *_move("s-a-new", "submitted")):
        return "refused"
    row = c.execute("SELECT state, audit_id, version FROM shop WHERE id = 's-a-new'").fetchone()
    events = c.execute(
        "SELECT who, from_state, to_state, tz FROM shop_event WHERE shop_id = 's-a-new'"
        " AND from_state IS NOT NULL ORDER BY at, to_state"
    ).fetchall()
    expected = [
        ("alice", "assigned", "in_progress", "Europe/Warsaw"),
        ("alice", "in_progress", "submitted", "Europe/Warsaw"),
    ]
    # A returned shop starts again too; a submitted one cannot be submitted again.
    again = refused(c, *_move("s-a-new", "submitted"))
    restarted = not refused(c, *_move("s-a-ret", "in_progress"))
    ok = row == ("submitted", "a-open", 3) and events == expected and again and restarted
    return "allowed" if ok else f"{row} {events} {again} {restarted}"


def move_other_shop(t: Team, c: psycopg.Connection[Any]) -> str:
    return verdict(
        refused(c, *_move("s-b-new", "in_progress")),
        refused(c, *_move("s-a-new", "submitted")),  # not started
        refused(c, *_move("s-a-new", "reviewed")),
        refused(c, *_move("s-a-new", "in_progress", "b-open")),  # another's audit
    )


def manager_shops(t: Team, c: psycopg.Connection[Any]) -> str:
    insert = (
        "INSERT INTO shop (id, company_id, touchpoint, template_id, shopper, opens, due,"
        " instructions, state, created_by, created_at, updated_at, version)"
        " VALUES ('s-new', 'c1', %s, %s, 'bob', '2025-06-01', '2025-06-07', '', 'assigned',"
        " 'mia', now(), now(), 1)"
    )
    return verdict(
        refused(c, insert, (t.template[2], t.template[0])),
        refused(c, "UPDATE shop SET shopper = 'alice', version = 2 WHERE id = 's-new'"),
        refused(c, "UPDATE shop SET state = 'cancelled' WHERE id = 's-b-new'"),
        refused(
            c,
            "INSERT INTO shop_event (id, shop_id, at, tz, who, from_state, to_state, detail)"
            " VALUES ('ev-c', 's-b-new', now(), 'UTC', 'mia', 'assigned', 'cancelled', '')",
        ),
    )


def accept_own_audit(t: Team, c: psycopg.Connection[Any]) -> str:
    """Her submitted shop marked reviewed, by the function or by UPDATE; a review comment
    written by her, on her submitted audit or her open one, or one of mia's changed."""
    return verdict(
        refused(c, *_move("s-a-sub", "reviewed")),
        refused(c, "UPDATE shop SET state = 'reviewed' WHERE id = 's-a-sub'"),
        refused(c, *_comment("rc-mine", "a-done", "alice", "reviewed")),
        refused(c, *_comment("rc-mia", "a-done", "mia", "reviewed")),
        refused(c, *_comment("rc-open", "a-open", "alice")),
        refused(c, "UPDATE review_comment SET verdict = 'reviewed' WHERE audit_id = 'a-done'"),
        refused(c, "DELETE FROM review_comment WHERE audit_id = 'a-done'"),
    )


def change_reviewed_audit(t: Team, c: psycopg.Connection[Any]) -> str:
    """Her reviewed audit (a-rev, of s-a-rev): an answer changed or added, a photo's caption,
    its history added to, the audit reopened (by UPDATE, by moving the shop back)."""
    return verdict(
        refused(c, "UPDATE answer SET value = 'false' WHERE audit_id = 'a-rev'"),
        refused(c, *_answer("a-rev", "q9")),
        refused(c, "UPDATE evidence SET caption = 'late' WHERE audit_id = 'a-rev'"),
        refused(c, *_change("ac-rev", "a-rev", "alice")),
        refused(
            c,
            "UPDATE audit SET status = 'in_progress', completed_at = NULL, completed_tz = NULL"
            " WHERE id = 'a-rev'",
        ),
        refused(c, *_move("s-a-rev", "in_progress", "a-rev")),
        refused(c, *_move("s-a-rev", "returned")),
        refused(c, *_move("s-a-rev", "submitted")),
    )


def read_own_comments(t: Team, c: psycopg.Connection[Any]) -> str:
    comments = {row[0] for row in c.execute("SELECT audit_id FROM review_comment").fetchall()}
    changes = {row[0] for row in c.execute("SELECT audit_id FROM answer_change").fetchall()}
    ok = comments == {"a-done"} and changes == {"a-done"}
    return "own rows only" if ok else f"{comments} {changes}"


def rewrite_history(t: Team, c: psycopg.Connection[Any]) -> str:
    """Her own history row changed or deleted; a row added in bob's or mia's name, as a
    reviewer's correction in her own name, to bob's open audit, or to her completed, awaiting
    or reviewed audit."""
    return verdict(
        refused(c, *_change("ac-self-review", "a-open", "alice", "review")),
        refused(c, "UPDATE answer_change SET new_value = 'true' WHERE audit_id = 'a-done'"),
        refused(c, "DELETE FROM answer_change WHERE audit_id = 'a-done'"),
        refused(c, "DELETE FROM answer_change"),
        refused(c, *_change("ac-bob", "a-open", "bob")),
        refused(c, *_change("ac-mia", "a-open", "mia", "review")),
        refused(c, *_change("ac-other", "b-open", "alice")),
        refused(c, *_change("ac-done", "a-done", "alice")),
        refused(c, *_change("ac-wait", "a-wait", "alice")),
        refused(c, *_change("ac-rev", "a-rev", "alice")),
    )


def add_own_history(t: Team, c: psycopg.Connection[Any]) -> str:
    """A change in her name to her open audit, added twice as sync adds it (once), read back."""
    if refused(c, *_change("ac-open", "a-open", "alice")):
        return "refused"
    query, params = _change("ac-open", "a-open", "alice")
    again = c.execute(query + " ON CONFLICT (id) DO NOTHING", params).rowcount
    row = c.execute("SELECT who, new_note FROM answer_change WHERE id = 'ac-open'").fetchone()
    return "allowed" if row == ("alice", "changed my mind") and again == 0 else f"{row} {again}"


def manager_reviews(t: Team, c: psycopg.Connection[Any]) -> str:
    return verdict(
        refused(c, *_comment("rc-new", "b-done", "mia", "reviewed")),
        refused(c, "UPDATE review_comment SET body = 'Thanks' WHERE id = 'rc-new'"),
        refused(c, "DELETE FROM review_comment WHERE id = 'rc-b-done'"),
        refused(c, *_change("ac-new", "b-done", "mia", "review")),
        refused(c, "UPDATE answer_change SET new_note = 'n' WHERE id = 'ac-new'"),
        refused(c, "DELETE FROM answer_change WHERE id = 'ac-b-done'"),
    )


def outsider_connects(t: Team, c: psycopg.Connection[Any] | None) -> str:
    try:
        t.server.connect(t.dbname, "nobody", "nobody-password").close()
    except psycopg.OperationalError as exc:
        return "refused" if "permission denied" in str(exc) else str(exc)
    return "allowed"


def _schedule_insert(schedule_id: str, template: tuple[str, int, str]) -> tuple[str, Any]:
    """A schedule of company c1: every 4 weeks, alice then bob."""
    return (
        "INSERT INTO schedule (id, company_id, touchpoint, template_id, recurrence, starts,"
        " window_days, shoppers, open_limit, instructions, ahead_days, active, last_planned,"
        " created_by, created_at, updated_at) VALUES (%s, 'c1', %s, NULL, 'every 4 weeks',"
        " '2025-06-02', 7, '[\"alice\", \"bob\"]', 2, '', 14, true, NULL, 'mia', now(), now())",
        (schedule_id, template[2]),
    )


def read_write_schedules(t: Team, c: psycopg.Connection[Any]) -> str:
    """A shopper must not learn who shops a company next: no right on schedules at all."""
    return verdict(
        refused(c, "SELECT count(*) FROM schedule"),
        refused(c, "SELECT shoppers FROM schedule WHERE id = 'sch-1'"),
        refused(c, *_schedule_insert("sch-alice", t.template)),
        refused(c, "UPDATE schedule SET shoppers = '[\"alice\"]' WHERE id = 'sch-1'"),
        refused(c, "UPDATE schedule SET active = false"),
        refused(c, "DELETE FROM schedule"),
    )


ACTIONS = (("act-alice", "alice", False), ("act-shared", "mia", True), ("act-bob", "bob", False))
"""The action plan of company c1: one owned by alice, one shared with shoppers, one bob's."""


def _action_insert(action_id: str, owner: str, shared: bool) -> tuple[str, Any]:
    return (
        "INSERT INTO plan_action (id, company_id, title, detail, theme, source, touchpoint,"
        " owner, status, status_at, shared, created_by, created_at, created_tz, updated_at)"
        " VALUES (%s, 'c1', 'Fix it', '', 'speed', 'theme', '', %s, 'open', now(), %s,"
        " 'mia', now(), 'UTC', now())",
        (action_id, owner, shared),
    )


def read_write_actions(t: Team, c: psycopg.Connection[Any]) -> str:
    """A shopper reads the actions shared with shoppers and their own; writes none."""
    seen = {row[0] for row in c.execute("SELECT id FROM plan_action").fetchall()}
    if seen != {"act-alice", "act-shared"}:
        return f"read {sorted(seen)}"
    writes = verdict(
        refused(c, *_action_insert("act-new", "alice", True)),
        refused(c, "UPDATE plan_action SET status = 'done' WHERE id = 'act-alice'"),
        refused(c, "UPDATE plan_action SET shared = true WHERE id = 'act-bob'"),
        refused(c, "DELETE FROM plan_action WHERE id = 'act-alice'"),
    )
    return "own rows only" if writes == "refused" else f"writes: {writes}"


def manager_actions(t: Team, c: psycopg.Connection[Any]) -> str:
    seen = {row[0] for row in c.execute("SELECT id FROM plan_action").fetchall()}
    if seen != {a[0] for a in ACTIONS}:
        return f"read {sorted(seen)}"
    return verdict(
        refused(c, *_action_insert("act-new", "bob", False)),
        refused(c, "UPDATE plan_action SET status = 'done', shared = true WHERE id = 'act-bob'"),
        refused(c, "DELETE FROM plan_action WHERE id = 'act-new'"),
    )


def manager_schedules(t: Team, c: psycopg.Connection[Any]) -> str:
    read = c.execute("SELECT shoppers FROM schedule WHERE id = 'sch-1'").fetchall()
    if read != [('["alice", "bob"]',)]:
        return f"read {read}"
    return verdict(
        refused(c, *_schedule_insert("sch-2", t.template)),
        refused(c, "UPDATE schedule SET active = false WHERE id = 'sch-2'"),
        refused(c, "UPDATE shop SET schedule_id = 'sch-2' WHERE id = 's-b-new'"),
        refused(c, "UPDATE shop SET schedule_id = NULL WHERE id = 's-b-new'"),
        refused(c, "DELETE FROM schedule WHERE id = 'sch-2'"),
    )


def _campaign_insert(campaign_id: str) -> tuple[str, Any]:
    return (
        "INSERT INTO said_no_campaign (id, company_id, team, starts, days, kept_by, created_by,"
        " created_at) VALUES (%s, 'c1', '', '2025-06-02', 30, '', 'mia', now())",
        (campaign_id,),
    )


def _said_no_insert(entry_id: str, campaign_id: str) -> tuple[str, Any]:
    return (
        "INSERT INTO said_no_entry (id, campaign_id, at, tz, channel, asked, refused, reason,"
        " said_by, theme, action_list, note, created_by, created_at) VALUES (%s, %s, now(),"
        " 'UTC', 'phone', 'A refund', '', 'policy', '', '', '', '', 'mia', now())",
        (entry_id, campaign_id),
    )


def _feedback_insert(entry_id: str, shared: bool) -> tuple[str, Any]:
    return (
        "INSERT INTO feedback_entry (id, company_id, kind, at, channel, text, category, score,"
        " score_scale, themes, tagged_by_hand, source, shared, created_by, created_at) VALUES"
        " (%s, 'c1', 'complaint', now(), '', 'Slow', '', NULL, NULL, '[\"speed\"]', false,"
        " 'desk.csv', %s, 'mia', now())",
        (entry_id, shared),
    )


def read_write_said_no(t: Team, c: psycopg.Connection[Any]) -> str:
    """The said-no log, the rules and feedback not shared are the managers' alone."""
    return verdict(
        refused(c, "SELECT count(*) FROM said_no_campaign"),
        refused(c, "SELECT asked FROM said_no_entry"),
        refused(c, "SELECT text FROM theme_rules"),
        c.execute("SELECT 1 FROM feedback_entry WHERE id = 'fb-private'").fetchall() == [],
        refused(c, *_campaign_insert("snc-alice")),
        refused(c, *_said_no_insert("sne-alice", "snc-1")),
        refused(c, "UPDATE said_no_entry SET action_list = 'training'"),
        refused(c, "UPDATE theme_rules SET text = ''"),
        refused(c, *_feedback_insert("fb-alice", True)),
        refused(c, "UPDATE feedback_entry SET shared = true WHERE id = 'fb-private'"),
        refused(c, "UPDATE feedback_entry SET themes = '[]' WHERE id = 'fb-shared'"),
        refused(c, "DELETE FROM feedback_entry"),
    )


def read_shared_feedback(t: Team, c: psycopg.Connection[Any]) -> str:
    found = [row[0] for row in c.execute("SELECT id FROM feedback_entry").fetchall()]
    return "shared rows only" if found == ["fb-shared"] else f"read {found}"


def manager_said_no(t: Team, c: psycopg.Connection[Any]) -> str:
    read = c.execute("SELECT count(*) FROM feedback_entry").fetchall()
    if read != [(2,)]:
        return f"read {read}"
    return verdict(
        refused(c, *_campaign_insert("snc-2")),
        refused(c, *_said_no_insert("sne-2", "snc-2")),
        refused(c, "UPDATE said_no_entry SET action_list = 'training' WHERE id = 'sne-2'"),
        refused(c, "UPDATE theme_rules SET text = 'speed: wait*'"),
        refused(c, *_feedback_insert("fb-2", False)),
        refused(c, "UPDATE feedback_entry SET shared = true WHERE id = 'fb-2'"),
        refused(c, "DELETE FROM feedback_entry WHERE id = 'fb-2'"),
    )


CHECKS: dict[str, Callable[[Team, Any], str]] = {
    "read-reference": read_reference,
    "read-own-rows": read_own_rows,
    "start-own-audit": start_own_audit,
    "start-audit-for-other": start_audit_for_other,
    "start-completed-audit": start_completed_audit,
    "update-own-open-audit": update_own_open_audit,
    "answer-own-open-audit": answer_own_open_audit,
    "update-other-audit": update_other_audit,
    "answer-other-audit": answer_other_audit,
    "update-completed-audit": update_completed_audit,
    "answer-completed-audit": answer_completed_audit,
    "change-status": change_status,
    "change-shopper": change_shopper,
    "delete-own-audit": delete_own_audit,
    "delete-other-audit": delete_other_audit,
    "complete-own-audit": complete_own_audit,
    "complete-other-audit": complete_other_audit,
    "answer-own-awaiting-later": answer_own_awaiting_later,
    "answer-own-awaiting-other": answer_own_awaiting_other,
    "answer-other-awaiting": answer_other_awaiting,
    "finish-own-follow-up": finish_own_follow_up,
    "write-reference": write_reference,
    "create-role": create_role,
    "read-pg-authid": read_pg_authid,
    "create-table": create_table,
    "hostile-text": hostile_text,
    "nul-byte": nul_byte,
    "read-other-photo": read_other_photo,
    "cite-other-photo": cite_other_photo,
    "send-known-bytes": send_known_bytes,
    "store-own-photo": store_own_photo,
    "store-uncited-bytes": store_uncited_bytes,
    "change-photo": change_photo,
    "read-everything": read_everything,
    "manager-writes": manager_writes,
    "manager-change-photo": change_photo,
    "manager-create-role": create_role,
    "manager-read-pg-authid": read_pg_authid,
    "outsider-connects": outsider_connects,
    "read-own-shops": read_own_shops,
    "create-cancel-reassign-shop": create_cancel_reassign_shop,
    "change-shop-state": change_shop_state,
    "move-own-shop": move_own_shop,
    "move-other-shop": move_other_shop,
    "manager-shops": manager_shops,
    "read-write-schedules": read_write_schedules,
    "manager-schedules": manager_schedules,
    "read-write-actions": read_write_actions,
    "manager-actions": manager_actions,
    "accept-own-audit": accept_own_audit,
    "change-reviewed-audit": change_reviewed_audit,
    "read-own-comments": read_own_comments,
    "rewrite-history": rewrite_history,
    "add-own-history": add_own_history,
    "manager-reviews": manager_reviews,
    "read-write-said-no": read_write_said_no,
    "read-shared-feedback": read_shared_feedback,
    "manager-said-no": manager_said_no,
}


def test_the_document_and_the_checks_name_the_same_cases() -> None:
    cases = documented_cases()
    names = [case.name for case in cases]
    assert len(names) == len(set(names)), "a case is listed twice"
    assert set(names) == set(CHECKS)
    assert {case.result for case in cases} <= RESULTS
    assert {case.who for case in cases} <= {*ROLE_LOGIN, "a login in neither group"}


@pytest.mark.parametrize("case", documented_cases(), ids=lambda case: case.name)
def test_who_may_do_what(team_setup: Team, case: Case) -> None:
    conn = team_setup.conns.get(ROLE_LOGIN.get(case.who, ""))
    for each in team_setup.conns.values():
        each.execute("SELECT 1")  # a transaction is open: `refused` works in savepoints of it
    try:
        found = CHECKS[case.name](team_setup, conn)
    finally:
        for each in team_setup.conns.values():
            each.rollback()
    assert found == case.result, f"{case.who} {case.does}"
    # Nothing any case did outlives it.
    assert team_setup.as_owner("SELECT count(*) FROM audit") == [(team_setup.counts["audit"],)]


def test_a_changed_document_is_caught(tmp_path: Path) -> None:
    doc = tmp_path / "team.md"
    doc.write_text(
        DOC.read_text(encoding="utf-8").replace(
            "| `delete-own-audit` | shopper | deletes their own audit, or one of its answers "
            "| refused |",
            "| `delete-own-audit` | shopper | deletes their own audit, or one of its answers "
            "| allowed |",
        ),
        encoding="utf-8",
    )
    changed = {case.name: case.result for case in documented_cases(doc)}
    assert changed["delete-own-audit"] == "allowed"  # and test_who_may_do_what would fail
    assert re.search(r"\| `delete-own-audit` \|.*\| refused \|", DOC.read_text(encoding="utf-8"))


def test_a_shopper_cannot_submit_an_audit_in_progress_nor_change_a_reviewed_one(
    team_setup: Team,
) -> None:
    """Alice, in psql, starts a shop with her audit in progress and tries to submit it
    without completing the audit (the app completes first; the database insists too), so a
    shop under review or reviewed never has an audit open to its shopper. Once completed it
    is submitted and accepted, and "reviewed is final": she may not change it."""
    t, alice, mia = team_setup, team_setup.conns["alice"], team_setup.conns["mia"]
    insert_audit(t.owner, "a-x", "alice", t.template)
    insert_shop(t.owner, "s-a-x", "alice", t.template)
    t.owner.commit()
    try:
        alice.execute(*_move("s-a-x", "in_progress", "a-x"))
        alice.commit()
        alice.execute("SELECT 1")
        assert refused(alice, *_move("s-a-x", "submitted")), "submitted an audit in progress"
        alice.rollback()
        t.owner.execute(
            "UPDATE audit SET status = 'completed', completed_at = now() WHERE id = 'a-x'"
        )
        t.owner.commit()
        alice.execute(*_move("s-a-x", "submitted"))
        alice.commit()
        mia.execute("UPDATE shop SET state = 'reviewed', version = version + 1 WHERE id = 's-a-x'")
        mia.commit()
        alice.execute("SELECT 1")
        changed = not refused(alice, *_answer("a-x", "q1", "changed after it was accepted"))
        alice.rollback()
        assert not changed, "a shopper changed the audit of their reviewed shop"
    finally:
        for each in t.conns.values():
            each.rollback()
        for query in (
            "DELETE FROM shop_event WHERE shop_id = 's-a-x'",
            "DELETE FROM shop WHERE id = 's-a-x'",
            "DELETE FROM answer WHERE audit_id = 'a-x'",
            "DELETE FROM audit WHERE id = 'a-x'",
        ):
            t.owner.execute(query)
        t.owner.commit()
