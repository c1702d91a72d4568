"""Setting up a team database and its users, on a real PostgreSQL server (tests/postgres.py)."""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from shopper.domain.clock import now_utc
from shopper.domain.errors import StorageError
from shopper.services import team
from shopper.store.engine import open_database
from shopper.store.schema import head_revision
from shopper.store.team import (
    FIELD_GROUP,
    MANAGER_GROUP,
    SECURED_TABLES,
    TeamError,
    TeamUser,
    check_login,
    scram_verifier,
)
from tests.postgres import OWNER, OWNER_PASSWORD, PostgresServer

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(team_db: tuple[str, str]) -> Iterator[Engine]:
    made = team.team_engine(team_db[1])
    yield made
    made.dispose()


def catalog(server: PostgresServer, dbname: str) -> dict[str, Any]:
    """What `team init` decides, read from the catalogs: roles, grants, policies, functions,
    triggers, row-level security, and the rows of every table."""
    queries = {
        "groups": "SELECT rolname, rolcanlogin, rolcreaterole, rolsuper FROM pg_roles"
        " WHERE rolname LIKE 'shopper\\_%' ORDER BY 1",
        "rls": "SELECT relname, relrowsecurity, relforcerowsecurity, relacl::text FROM pg_class"
        " WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY 1",
        "columns": "SELECT table_name, column_name, grantee, privilege_type"
        " FROM information_schema.column_privileges WHERE table_schema = 'public'"
        " ORDER BY 1, 2, 3, 4",
        "policies": "SELECT tablename, policyname, permissive, roles::text, cmd, qual, with_check"
        " FROM pg_policies ORDER BY 1, 2",
        "functions": "SELECT proname, prosecdef, proconfig::text, prosrc, proacl::text"
        " FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY 1",
        "triggers": "SELECT tgname, tgrelid::regclass::text, tgenabled FROM pg_trigger"
        " WHERE NOT tgisinternal ORDER BY 1",
        "database": "SELECT datacl::text FROM pg_database WHERE datname = current_database()",
        "schema": "SELECT nspacl::text FROM pg_namespace WHERE nspname = 'public'",
        "rows": "SELECT (SELECT count(*) FROM template_version), (SELECT count(*) FROM company),"
        " (SELECT version_num FROM alembic_version)",
    }
    with server.admin(dbname) as conn:
        return {key: conn.execute(query).fetchall() for key, query in queries.items()}


def test_init_makes_the_schema_the_groups_and_row_level_security_on_every_table(
    postgres_server: PostgresServer, team_db: tuple[str, str], engine: Engine
) -> None:
    result = team.init_team(engine=engine)
    assert result.created_schema and result.upgraded_from is None
    assert result.created_groups == [MANAGER_GROUP, FIELD_GROUP]
    assert result.templates_added > 0  # shoppers cannot add the built-in templates themselves
    found = catalog(postgres_server, team_db[0])
    assert [row[:4] for row in found["groups"]] == [
        (FIELD_GROUP, False, False, False),
        (MANAGER_GROUP, False, False, False),
    ]
    tables = {row[0]: row[1] for row in found["rls"]}
    # Every table there is secured: a migration that adds one must add it to the policies too.
    assert set(tables) == SECURED_TABLES
    assert all(tables.values())
    assert {(row[0], row[1]) for row in found["policies"]} >= {
        ("audit", "field_reads_own"),
        ("audit", "manager_all"),
        ("answer", "field_adds_own"),
    }
    functions = {row[0]: row for row in found["functions"]}
    complete = functions["shopper_complete_audit"]
    assert complete[1] is True  # SECURITY DEFINER
    assert complete[2] == '{"search_path=pg_catalog, pg_temp"}'


def test_init_again_changes_nothing(
    postgres_server: PostgresServer, team_db: tuple[str, str], engine: Engine
) -> None:
    team.init_team(engine=engine)
    team.add_user(engine=engine, login="jan", role="shopper", password="password-jan")
    before = catalog(postgres_server, team_db[0])
    again = team.init_team(engine=engine)
    assert not again.created_schema and again.created_groups == [] and again.templates_added == 0
    assert catalog(postgres_server, team_db[0]) == before
    assert [u.login for u in team.list_users(engine=engine)] == ["jan"]


def test_init_takes_a_shopper_database_made_by_the_app_and_keeps_its_data(
    postgres_server: PostgresServer, team_db: tuple[str, str], engine: Engine
) -> None:
    open_database(team_db[1]).dispose()  # `shopper --db URL demo` before any team init
    with postgres_server.admin(team_db[0]) as conn:
        conn.execute("SET ROLE team_owner")
        conn.execute(
            "INSERT INTO company (id, name, sector, timezone, business_hours, holidays,"
            " notes, created_at, updated_at) VALUES ('c1', 'Kept', '', 'UTC', '{}', '[]',"
            " '', now(), now())"
        )
    result = team.init_team(engine=engine)
    assert not result.created_schema
    with postgres_server.admin(team_db[0]) as conn:
        assert conn.execute("SELECT name FROM company").fetchall() == [("Kept",)]
        assert conn.execute(
            "SELECT relrowsecurity FROM pg_class WHERE relname = 'company'"
        ).fetchone() == (True,)


def test_init_refuses_a_database_with_tables_it_did_not_create(
    postgres_server: PostgresServer, team_db: tuple[str, str], engine: Engine
) -> None:
    with postgres_server.admin(team_db[0]) as conn:
        conn.execute("SET ROLE team_owner")
        conn.execute("CREATE TABLE invoices (id int)")
    with pytest.raises(TeamError, match="holds table 'invoices' that Shopper does not create"):
        team.init_team(engine=engine)
    with postgres_server.admin(team_db[0]) as conn:
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
        groups = conn.execute(
            "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'shopper\\_%'"
        ).fetchone()
    assert tables == [("invoices",)]
    assert groups == (0,)


def test_init_by_an_owner_who_may_not_create_roles_is_refused_in_one_line(
    postgres_server: PostgresServer, team_db: tuple[str, str], engine: Engine
) -> None:
    with postgres_server.admin() as conn:
        conn.execute("ALTER ROLE team_owner NOCREATEROLE")
    with pytest.raises(StorageError, match=r"^team init: permission denied to create role"):
        team.init_team(engine=engine)


def test_a_sqlite_url_or_none_is_refused() -> None:
    with pytest.raises(TeamError, match="PostgreSQL database, not SQLite"):
        team.team_engine("sqlite:////tmp/x.db")
    with pytest.raises(TeamError, match="need the team database"):
        team.team_engine(None)


def test_added_users_log_in_with_their_password_in_their_group(
    postgres_server: PostgresServer,
    team_db: tuple[str, str],
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    team.init_team(engine=engine)
    generated = team.add_user(engine=engine, login="maria", role="manager", name="Maria  Nowak")
    chosen = team.add_user(
        engine=engine, login="jan", role="shopper", name="Jan", password='it\'s a "secret"'
    )
    assert generated is not None and len(generated) >= 20 and chosen is None
    for login, password, group in (
        ("maria", generated, MANAGER_GROUP),
        ("jan", 'it\'s a "secret"', FIELD_GROUP),
    ):
        with postgres_server.connect(team_db[0], login, password) as conn:
            assert conn.execute("SELECT pg_has_role(%s, 'MEMBER')", (group,)).fetchone() == (True,)
    assert team.list_users(engine=engine) == [
        TeamUser("jan", "shopper", "Jan"),
        TeamUser("maria", "manager", "Maria Nowak"),
    ]
    # Neither password is in any log record, nor stored by the server in clear.
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert generated not in logged and "secret" not in logged
    with postgres_server.admin() as conn:
        stored = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = 'jan'").fetchone()
    assert stored is not None and stored[0].startswith("SCRAM-SHA-256$4096:")


def test_users_mistakes_are_refused(engine: Engine) -> None:
    team.init_team(engine=engine)
    team.add_user(engine=engine, login="jan", role="shopper", password="password-jan")
    with pytest.raises(TeamError, match="login jan exists already"):
        team.add_user(engine=engine, login="jan", role="manager")
    with pytest.raises(TeamError, match="use manager or shopper"):
        team.add_user(engine=engine, login="ewa", role="owner")
    with pytest.raises(TeamError, match="at least 8"):
        team.add_user(engine=engine, login="ewa", role="shopper", password="short")
    with pytest.raises(TeamError, match="printable ASCII"):
        team.add_user(engine=engine, login="ewa", role="shopper", password="zażółć gęślą")
    with pytest.raises(TeamError, match="no team user 'ewa'"):
        team.set_role(engine=engine, login="ewa", role="manager")
    with pytest.raises(TeamError, match="no team user 'team_owner'"):
        team.remove_user(engine=engine, login="team_owner")  # a login, but not the team's


@pytest.mark.parametrize(
    "login",
    ['x"; DROP TABLE audit; --', "Jan", "1jan", "pg_monitor", "shopper_field", "", "a" * 64],
)
def test_logins_are_checked(login: str) -> None:
    with pytest.raises(TeamError, match="login"):
        check_login(login)


def test_a_users_role_changes_and_removal_keeps_their_audits_and_name(
    postgres_server: PostgresServer, team_db: tuple[str, str], engine: Engine
) -> None:
    team.init_team(engine=engine)
    team.add_user(engine=engine, login="jan", role="shopper", name="Jan K", password="password-j")
    assert team.set_role(engine=engine, login="jan", role="manager") == TeamUser(
        "jan", "manager", "Jan K"
    )
    assert team.set_role(engine=engine, login="jan", role="shopper").role == "shopper"
    with postgres_server.connect(team_db[0], "jan", "password-j") as conn:
        template = conn.execute("SELECT template_id, version FROM template_version").fetchone()
        company = conn.execute("SELECT id FROM company").fetchone()
    assert template is not None and company is None  # templates only: add a company
    with postgres_server.admin(team_db[0]) as conn:
        conn.execute("SET ROLE team_owner")
        conn.execute(
            "INSERT INTO company (id, name, sector, timezone, business_hours, holidays, notes,"
            " created_at, updated_at) VALUES ('c1', 'Shop', '', 'UTC', '{}', '[]', '', now(),"
            " now())"
        )
        tv = conn.execute(
            "SELECT template_id, version, touchpoint FROM template_version"
        ).fetchone()
        assert tv is not None
        conn.execute(
            "INSERT INTO audit (id, company_id, touchpoint, template_id, template_version,"
            " shopper, status, started_at, started_tz, updated_at, critical_failures, answered,"
            " visible, verdict) VALUES ('a1', 'c1', %s, %s, %s, 'jan', 'completed', now(), 'UTC',"
            " now(), 0, 0, 0, '')",
            (tv[2], tv[0], tv[1]),
        )
    removed = team.remove_user(engine=engine, login="jan")
    assert removed == TeamUser("jan", "shopper", "Jan K")
    assert team.list_users(engine=engine) == []
    with postgres_server.admin(team_db[0]) as conn:
        assert conn.execute("SELECT shopper FROM audit").fetchall() == [("jan",)]
        assert conn.execute(
            "SELECT full_name, removed_at IS NOT NULL FROM team_user"
        ).fetchall() == [("Jan K", True)]
        assert conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'jan'").fetchone() is None


def test_the_scram_verifier_is_postgresqls_own(postgres_server: PostgresServer) -> None:
    # The server accepts a login whose verifier we made, with the password it came from.
    salt = bytes(range(16))
    verifier = scram_verifier("pencil-sharpener", salt=salt)
    assert verifier.startswith("SCRAM-SHA-256$4096:AAECAwQFBgcICQoLDA0ODw==$")
    name = postgres_server.create_database()
    try:
        with postgres_server.admin() as conn:
            conn.execute(
                sql.SQL("CREATE ROLE scram_check LOGIN PASSWORD {}").format(sql.Literal(verifier))
            )
        with postgres_server.connect(name, "scram_check", "pencil-sharpener") as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        with pytest.raises(psycopg.OperationalError):
            postgres_server.connect(name, "scram_check", "pencil")
    finally:
        postgres_server.drop_database(name)
        postgres_server.drop_roles()


def test_init_stamps_and_secures_a_database_made_before_migrations(
    postgres_server: PostgresServer, team_db: tuple[str, str], engine: Engine
) -> None:
    open_database(team_db[1]).dispose()
    with postgres_server.admin(team_db[0]) as conn:
        conn.execute("SET ROLE team_owner")
        conn.execute("DROP TABLE alembic_version")  # as Shopper 0.1.0 left its databases
        # which 0.1.0 did not have
        conn.execute(
            "DROP TABLE evidence_blob, shop_event, shop, schedule, sync_outbox, review_comment,"
            " answer_change, said_no_entry, said_no_campaign, feedback_entry, theme_rules,"
            " plan_action"
        )
        conn.execute("ALTER TABLE audit DROP COLUMN version")
        conn.execute("ALTER TABLE company DROP COLUMN allow_unassigned")
    result = team.init_team(engine=engine)
    assert result.upgraded_from == "0001"
    with postgres_server.admin(team_db[0]) as conn:
        found = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        assert found == [(head_revision(),)]


def test_a_pg_dump_restores_with_its_policies_and_names(
    postgres_server: PostgresServer, team_db: tuple[str, str], engine: Engine, tmp_path: Path
) -> None:
    """The backup and restore of docs/team.md: pg_dump, pg_restore, team init."""
    team.init_team(engine=engine)
    team.add_user(engine=engine, login="jan", role="shopper", name="Jan K", password="password-j")
    dump = tmp_path / "shopper.dump"
    env = {**os.environ, "PGPASSWORD": OWNER_PASSWORD}  # the test owner's; never a user's
    owner_conninfo = f"host=127.0.0.1 port={postgres_server.port} user={OWNER}"
    subprocess.run(
        [
            str(postgres_server.bin_dir / "pg_dump"),
            "--format=custom",
            f"--file={dump}",
            f"{owner_conninfo} dbname={team_db[0]}",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    restored = postgres_server.create_database(owner=OWNER)
    try:
        subprocess.run(
            [
                str(postgres_server.bin_dir / "pg_restore"),
                f"--dbname={owner_conninfo} dbname={restored}",
                str(dump),
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        restored_engine = team.team_engine(team_db[1].rsplit("/", 1)[0] + "/" + restored)
        try:
            again = team.init_team(engine=restored_engine)
            assert not again.created_schema and again.templates_added == 0
            assert team.list_users(engine=restored_engine) == [TeamUser("jan", "shopper", "Jan K")]
        finally:
            restored_engine.dispose()
        with postgres_server.connect(restored, "jan", "password-j") as conn:
            assert conn.execute("SELECT count(*) FROM audit").fetchone() == (0,)
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("DELETE FROM template_version")
        assert (
            catalog(postgres_server, restored)["policies"]
            == catalog(postgres_server, team_db[0])["policies"]
        )
    finally:
        postgres_server.drop_database(restored)


def test_the_app_as_each_login_sees_what_the_database_lets_it(
    postgres_server: PostgresServer, team_db: tuple[str, str], engine: Engine, tmp_path: Path
) -> None:
    """Through Shopper's own services: a manager starts audits for two shoppers; each shopper's
    app lists only their own, starts one of its own, and saves answers to it."""
    from shopper.domain.errors import AuditStateError
    from shopper.services.audits import list_audits, load_audit, start_audit
    from shopper.services.companies import CompanyInput, create_company
    from shopper.services.context import AppContext
    from shopper.services.runner import AuditRunner
    from shopper.services.templates import list_templates
    from shopper.store import repo
    from tests.services.test_runner import answer_required

    team.init_team(engine=engine)
    for login, role in (("maria", "manager"), ("jan", "shopper"), ("ewa", "shopper")):
        team.add_user(engine=engine, login=login, role=role, password=f"password-{login}")

    def app(login: str) -> AppContext:
        url = postgres_server.url(team_db[0], login, f"password-{login}")
        return AppContext.open(tmp_path / login, url)

    manager = app("maria")
    try:
        company = create_company(engine=manager.engine, data=CompanyInput(name="Northwind"))
        phone = list_templates(engine=manager.engine, touchpoint="phone")[0]
        started = {
            shopper: start_audit(
                engine=manager.engine, company_id=company.id, template_id=phone.id, shopper=shopper
            ).id
            for shopper in ("jan", "ewa", "ewa")
        }
    finally:
        manager.close()
    jan = app("jan")
    try:
        assert [row.shopper for row in list_audits(engine=jan.engine)] == ["jan"]
        mine = start_audit(
            engine=jan.engine, company_id=company.id, template_id=phone.id, shopper=""
        )
        runner = AuditRunner(engine=jan.engine, audit_id=mine.id)
        first = next(runner.template.items())
        runner.set_note(first.id, "Kept waiting; '; DROP TABLE audit; --")
        shoppers = sorted(row.shopper for row in list_audits(engine=jan.engine))
        assert shoppers == ["jan", "jan"]  # a blank shopper is the login that started it
        # Completing: the shopper may not set the status; the database's function does it.
        answer_required(runner)
        runner.complete()
        done = load_audit(engine=jan.engine, audit_id=mine.id)
        assert done.audit.status == "completed" and done.audit.completed_at is not None
        assert [e.kind for e in done.events] == ["created", "completed"]
        with pytest.raises(AuditStateError):
            runner.set_note(first.id, "too late")
        # Past the app's checks, the database refuses the save's one statement whole: on the
        # shopper's completed audit, and on another shopper's.
        for audit_id in (mine.id, started["ewa"]):
            with pytest.raises(DBAPIError, match="row-level security"):
                repo.save_answer_with_audit(
                    engine=jan.engine,
                    audit_id=audit_id,
                    item_id=first.id,
                    value=None,
                    note="too late",
                    at=now_utc(),
                    tz="UTC",
                    source="shopper",
                    audit_values={"answered": 0, "current_item": first.id},
                )
        done_again = load_audit(engine=jan.engine, audit_id=mine.id)
        assert done_again.answers[first.id].note == "Kept waiting; '; DROP TABLE audit; --"
        assert done_again.audit.answered == done.audit.answered
    finally:
        jan.close()
    ewa = app("ewa")
    try:
        assert [row.shopper for row in list_audits(engine=ewa.engine)] == ["ewa", "ewa"]
    finally:
        ewa.close()


def test_init_refuses_a_schema_where_everyone_may_create_as_before_postgresql_15(
    postgres_server: PostgresServer, team_db: tuple[str, str], engine: Engine
) -> None:
    with postgres_server.admin(team_db[0]) as conn:
        # PostgreSQL 13 and 14: `public` belongs to the superuser and PUBLIC may create in it.
        conn.execute(
            sql.SQL("ALTER SCHEMA public OWNER TO {}").format(
                sql.Identifier(postgres_server.superuser)
            )
        )
        conn.execute("GRANT CREATE ON SCHEMA public TO PUBLIC")
    with pytest.raises(TeamError, match='run `ALTER SCHEMA "public" OWNER TO "team_owner"`'):
        team.init_team(engine=engine)
    with postgres_server.admin(team_db[0]) as conn:
        conn.execute("ALTER SCHEMA public OWNER TO team_owner")  # as docs/team.md says
    team.init_team(engine=engine)
    with postgres_server.admin(team_db[0]) as conn:
        assert conn.execute(
            "SELECT has_schema_privilege('shopper_field', 'public', 'CREATE')"
        ).fetchone() == (False,)
