"""The team's workflow end to end, as three people run it: a manager's `shopper --db URL` and
two shoppers' `shopper --data-dir DIR`, each its own process with its own password in its own
environment, on a real server that is stopped while the shoppers work offline.

A manager assigns a shop to jan and one to ewa; each syncs it into their own SQLite; the server
stops; both do their audits offline, a photo each; the server is back; both sync and submit;
the manager returns jan's with a comment on an item; jan syncs, sees it, changes that answer
and submits again; the manager accepts both. Then the history says who did what and when, the
photos' bytes are on the server, and each laptop holds only its own shop.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from shopper.domain.template import ItemType, Template
from shopper.services import team
from shopper.services.companies import CompanyInput, create_company
from shopper.services.templates import get_template
from tests.data_helpers import png
from tests.postgres import (
    MANAGER,
    MANAGER_PASSWORD,
    OWNER,
    OWNER_PASSWORD,
    PostgresServer,
    team_copy,
)
from tests.services.test_builtin_templates import perfect_answer, worst_answer

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent
PASSWORDS = {"jan": "jan-password-e2e", "ewa": "ewa-password-e2e"}


@dataclass
class Person:
    """One person's `shopper`: their arguments before the command and their environment."""

    login: str
    args: list[str]
    env: dict[str, str]
    folder: Path

    def run(self, *command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "shopper", *self.args, *command],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=120,
            check=False,
        )

    def ok(self, *command: str) -> str:
        done = self.run(*command)
        assert done.returncode == 0, f"{self.login} {command}: {done.stderr}"
        assert "Traceback" not in done.stderr
        return done.stdout

    def json(self, *command: str) -> Any:
        return json.loads(self.ok(*command, "--json"))

    def refused(self, *command: str) -> str:
        """Exit 2 with one line on stderr: that line."""
        done = self.run(*command)
        assert done.returncode == 2, f"{self.login} {command}: {done.stdout}{done.stderr}"
        lines = done.stderr.splitlines()
        assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
        return lines[0]


@dataclass
class Office:
    server: PostgresServer
    dbname: str
    manager: Person
    jan: Person
    ewa: Person

    def as_owner(self, query: str, params: Any = ()) -> list[Any]:
        """Plain SQL as the database's owner, who sees every row."""
        with closing(self.server.connect(self.dbname, OWNER, OWNER_PASSWORD)) as conn:
            return conn.execute(query, params).fetchall()

    def as_manager(self, query: str, params: Any = ()) -> list[Any]:
        with closing(self.server.connect(self.dbname, MANAGER, MANAGER_PASSWORD)) as conn:
            return conn.execute(query, params).fetchall()


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "SHOPPER_DB"))}
    env.pop("SHOPPER_DATA_DIR", None)
    return {**env, **extra}


@pytest.fixture
def office(postgres_server: PostgresServer, tmp_path: Path) -> Iterator[Office]:
    name = team_copy(postgres_server)
    owner = team.team_engine(postgres_server.url(name, OWNER, OWNER_PASSWORD))
    try:
        for login, password in PASSWORDS.items():
            team.add_user(engine=owner, login=login, role="shopper", password=password)
        create_company(engine=owner, data=CompanyInput(name="Northwind"))
    finally:
        owner.dispose()
    where = f"{postgres_server.host}:{postgres_server.port}/{name}"
    # jan's password is in his own pgpass file; ewa's in PGPASSWORD; the manager's too.
    pgpass = tmp_path / "jan.pgpass"
    pgpass.write_text(f"*:*:*:jan:{PASSWORDS['jan']}\n", encoding="utf-8")
    pgpass.chmod(0o600)
    manager_dir = tmp_path / "manager"
    manager = Person(
        MANAGER,
        ["--data-dir", str(manager_dir), "--db", f"postgresql://{MANAGER}@{where}"],
        clean_env(PGPASSWORD=MANAGER_PASSWORD, PGSSLMODE="disable"),
        manager_dir,
    )
    jan = Person(
        "jan",
        ["--data-dir", str(tmp_path / "jan-laptop")],
        clean_env(PGPASSFILE=str(pgpass)),
        tmp_path / "jan-laptop",
    )
    ewa = Person(
        "ewa",
        ["--data-dir", str(tmp_path / "ewa-laptop")],
        clean_env(PGPASSWORD=PASSWORDS["ewa"]),
        tmp_path / "ewa-laptop",
    )
    for shopper in (jan, ewa):
        shopper.ok(
            "team", "connect", f"postgresql://{shopper.login}@{where}", "--sslmode", "disable"
        )
    try:
        yield Office(postgres_server, name, manager, jan, ewa)
    finally:
        postgres_server.drop_database(name)
        postgres_server.drop_roles()


def local_rows(person: Person, query: str) -> list[tuple[Any, ...]]:
    """Plain SQL on a shopper's own SQLite file."""
    with closing(sqlite3.connect(person.folder / "shopper.db")) as conn:
        return conn.execute(query).fetchall()


def answer_required(person: Person, audit_id: str, template: Template) -> None:
    """Answer every required item in one `audits answer` (a process start costs seconds)."""
    person.ok(
        "audits",
        "answer",
        audit_id,
        *(f"{i.id}={json.dumps(perfect_answer(i))}" for i in template.items() if i.required),
    )


def iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_assign_sync_offline_return_resubmit_and_accept_across_three_processes(
    office: Office, tmp_path: Path
) -> None:
    manager, jan, ewa = office.manager, office.jan, office.ewa
    for shopper in (jan, ewa):
        out = manager.ok(
            "assign",
            "--company",
            "Northwind",
            "--touchpoint",
            "phone",
            "--shopper",
            shopper.login,
            "--from",
            "2020-01-01",
            "--due",
            "2099-01-31",
            "--instructions",
            f"Ask how to cancel; {shopper.login} is moving abroad.",
        )
        assert out.startswith("Assigned shop ")
    shop_of = {s["shopper"]: s for s in manager.json("shops", "list")}
    assert set(shop_of) == {"jan", "ewa"}
    template = phone_template(office, str(shop_of["jan"]["template_id"]))

    # Each syncs their own shop into their own SQLite.
    for shopper in (jan, ewa):
        first = shopper.json("sync")
        assert (first["pulled"]["shops"], first["pushed"]) == (1, [])
        assert local_rows(shopper, "SELECT id, state FROM shop") == [
            (shop_of[shopper.login]["id"], "assigned")
        ]

    # The server stops: both do their audits offline, with a photo each.
    office.server.stop("fast")
    try:
        assert jan.refused("sync").startswith("shopper: error: sync:")
        audit_of: dict[str, str] = {}
        photo_of: dict[str, bytes] = {}
        yes_no = next(i for i in template.items() if i.type is ItemType.YES_NO and i.required)
        for n, shopper in enumerate((jan, ewa)):
            started = shopper.json("shops", "start", str(shop_of[shopper.login]["id"])[:8])
            audit_id = audit_of[shopper.login] = started["audit_id"]
            answer_required(shopper, audit_id, template)
            photo_of[shopper.login] = png(40 + n, (16, 12))
            path = tmp_path / f"{shopper.login}-desk.png"
            path.write_bytes(photo_of[shopper.login])
            shopper.ok("audits", "attach", audit_id, str(path), "--item", yes_no.id)
            assert "is completed" in shopper.ok("audits", "complete", audit_id)
        (waiting,) = jan.json("outbox")
        assert (waiting["audit_id"], waiting["state"]) == (audit_of["jan"], "waiting")
    finally:
        office.server.start()

    # The server is back: both sync and submit.
    for shopper in (jan, ewa):
        audit_id = audit_of[shopper.login]
        pushed = shopper.json("sync")
        assert [p["audit_id"] for p in pushed["pushed"]] == [audit_id]
        assert pushed["refused"] == pushed["failed"] == pushed["conflicts"] == []
        assert f"Audit {audit_id[:8]} submitted" in shopper.ok("submit", audit_id[:8])
    queue = manager.json("review", "list")
    assert sorted(r["audit_id"] for r in queue) == sorted(audit_of.values())

    # The manager returns jan's with a comment on an item.
    jan_audit = audit_of["jan"]
    comment = "Was the greeting really this good? Check the recording."
    out = manager.ok("review", "return", jan_audit[:8], "--item", f"{yes_no.id}={comment}")
    assert "Returned" in out and "jan" in out
    assert office.as_owner("SELECT state FROM shop WHERE id = %s", (shop_of["jan"]["id"],)) == [
        ("returned",)
    ]

    # Jan syncs, sees the comment beside the item, changes the answer and submits again.
    back = jan.json("sync")
    assert (back["pulled"]["audits"], back["pulled"]["comments"]) == (1, 1)
    shown = jan.json("audits", "show", jan_audit)
    assert shown["status"] == "in_progress"
    assert (shown["template"]["id"], shown["template"]["version"]) == (
        template.id,
        template.version,
    )
    assert [(c["item_id"], c["body"], c["author"]) for c in shown["comments"]] == [
        (yes_no.id, comment, MANAGER)
    ]
    changed = worst_answer(yes_no)
    jan.ok("audits", "answer", jan_audit, f"{yes_no.id}={json.dumps(changed)}")
    jan.ok("audits", "complete", jan_audit)
    assert "sent and submitted" in jan.ok("submit", jan_audit)

    # The manager accepts both.
    for shopper in (jan, ewa):
        assert "Accepted" in manager.ok(
            "review", "accept", audit_of[shopper.login], "--comment", "Thanks"
        )
    for shopper in (jan, ewa):
        assert shopper.json("sync")["pushed"] == []

    # The history, as the manager's CLI shows it: each change with who and when.
    entries = manager.json("audits", "history", jan_audit)
    by_what = {(e["kind"], e["what"], e["who"]) for e in entries}
    for expected in (
        ("shop", "Shop started", "jan"),
        ("shop", "Submitted for review", "jan"),
        ("shop", "Returned to the shopper", MANAGER),
        ("shop", "Accepted (reviewed)", MANAGER),
        ("comment", comment, MANAGER),
    ):
        assert expected in by_what, (expected, entries)
    (change,) = [e for e in entries if e["kind"] == "answer" and e["item_id"] == yes_no.id]
    assert change["who"] == "jan"
    assert change["what"] == "Answer changed"
    assert change["old"] != change["new"]
    returned = next(e for e in entries if e["what"] == "Returned to the shopper")
    accepted = next(e for e in entries if e["what"] == "Accepted (reviewed)")
    assert iso(returned["at"]) <= iso(change["at"]) <= iso(accepted["at"])
    # Ewa's audit was never returned: no answer of hers changed.
    assert office.as_owner(
        "SELECT count(*) FROM answer_change WHERE audit_id = %s", (audit_of["ewa"],)
    ) == [(0,)]
    assert office.as_owner("SELECT state, count(*) FROM shop GROUP BY state") == [("reviewed", 2)]

    # On the server, in plain SQL: jan's answer as he changed it, the change in his name.
    assert office.as_manager(
        "SELECT value FROM answer WHERE audit_id = %s AND item_id = %s", (jan_audit, yes_no.id)
    ) == [(json.dumps(changed),)]
    assert office.as_owner(
        "SELECT who, kind FROM answer_change WHERE audit_id = %s AND item_id = %s",
        (jan_audit, yes_no.id),
    ) == [("jan", "shopper")]
    assert office.as_owner(
        "SELECT who, to_state FROM shop_event WHERE shop_id = %s AND from_state IS NOT NULL"
        " ORDER BY at, to_state",
        (shop_of["jan"]["id"],),
    ) == [
        ("jan", "in_progress"),
        ("jan", "submitted"),
        (MANAGER, "returned"),
        ("jan", "in_progress"),
        ("jan", "submitted"),
        (MANAGER, "reviewed"),
    ]
    assert office.as_owner("SELECT id, count(*) FROM audit GROUP BY id ORDER BY id") == sorted(
        (a, 1) for a in audit_of.values()
    )
    # The photos' bytes are on the server, each cited by its own audit.
    for login, audit_id in audit_of.items():
        found = office.as_manager(
            "SELECT b.sha256, b.data FROM evidence e JOIN evidence_blob b ON b.sha256 = e.sha256"
            " WHERE e.audit_id = %s",
            (audit_id,),
        )
        assert [(sha, bytes(data)) for sha, data in found] == [
            (hashlib.sha256(photo_of[login]).hexdigest(), photo_of[login])
        ]

    # Each laptop holds only its own shop, its own audit and comments on it.
    for shopper in (jan, ewa):
        mine = shop_of[shopper.login]["id"]
        assert local_rows(shopper, "SELECT id, shopper, state FROM shop") == [
            (mine, shopper.login, "reviewed")
        ]
        assert local_rows(shopper, "SELECT DISTINCT shop_id FROM shop_event") == [(mine,)]
        assert local_rows(shopper, "SELECT id, shopper FROM audit") == [
            (audit_of[shopper.login], shopper.login)
        ]
        commented = {r[0] for r in local_rows(shopper, "SELECT audit_id FROM review_comment")}
        assert commented == {audit_of[shopper.login]}
        # The link the folder keeps names the database, never the password.
        link = (shopper.folder / "team.json").read_text(encoding="utf-8")
        assert shopper.login in link and PASSWORDS[shopper.login] not in link


def phone_template(office: Office, template_id: str) -> Template:
    """The checklist the shops are done on (the template's latest version), read as the
    manager: the test's own help to pick answers, the same checklist everywhere."""
    ((version,),) = office.as_manager(
        "SELECT max(version) FROM template_version WHERE template_id = %s", (template_id,)
    )
    engine = team.team_engine(office.server.url(office.dbname, MANAGER, MANAGER_PASSWORD))
    try:
        return get_template(engine=engine, template_id=template_id, version=int(version))
    finally:
        engine.dispose()
