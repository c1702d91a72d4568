"""Migrations: new databases, the committed fixtures, newer databases, failed migrations."""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData, create_engine, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from shopper.domain.errors import StorageError
from shopper.services import team
from shopper.services.audits import load_audit
from shopper.services.backups import list_backups
from shopper.services.context import AppContext
from shopper.store import repo
from shopper.store.engine import create_db_engine, open_database, sqlite_url
from shopper.store.schema import (
    BASELINE,
    MIGRATIONS_DIR,
    MigrationError,
    NewerDatabaseError,
    current_revision,
    head_revision,
    migrate,
    prepare_schema,
)
from shopper.store.tables import Shop, ShopEvent
from shopper.store.team import FOLLOW_UP_TABLE, HOLDER_TABLE, TEAM_USER_TABLE
from tests.data_helpers import FIXTURES, count_rows, integrity, snapshot

FIXTURE_DBS = sorted(FIXTURES.glob("*.db"))
AFFECTED = "3.40.1"


def schema_dump(path: Path) -> list[tuple[str, ...]]:
    with closing(sqlite3.connect(path)) as connection:
        return [
            tuple(row)
            for row in connection.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name"
            )
        ]


def differences(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def migrations_copy(tmp_path: Path, extra: str, name: str = "r9999_extra.py") -> Path:
    location = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, location, ignore=shutil.ignore_patterns("__pycache__"))
    # Chained onto whatever revision is newest, so a new migration needs no change here.
    extra = extra.replace("{HEAD}", head_revision())
    (location / "versions" / name).write_text(extra, encoding="utf-8")
    return location


def legacy_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copyfile(FIXTURE_DBS[0], folder / "shopper.db")
    return folder / "shopper.db"


def test_there_is_a_fixture_per_released_schema() -> None:
    assert FIXTURE_DBS, "commit a database made by the current schema under tests/fixtures"
    for path in FIXTURE_DBS:
        assert path.with_suffix(".json").is_file(), f"{path.name} needs its expected counts"


def test_new_database_gets_the_tables_and_the_newest_revision(tmp_path: Path) -> None:
    engine = open_database(sqlite_url(tmp_path / "new.db"))
    try:
        assert current_revision(engine) == head_revision()
        assert differences(engine) == []
    finally:
        engine.dispose()


@pytest.mark.parametrize("fixture", FIXTURE_DBS, ids=lambda p: p.name)
def test_every_fixture_upgrades_to_head_with_its_content(tmp_path: Path, fixture: Path) -> None:
    expected = json.loads(fixture.with_suffix(".json").read_text(encoding="utf-8"))
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copyfile(fixture, folder / "shopper.db")
    ctx = AppContext.open(folder)
    try:
        assert current_revision(ctx.engine) == head_revision()
        assert differences(ctx.engine) == []
        with ctx.engine.connect() as conn:
            for table, count in expected["counts"].items():
                if table == "template_version":
                    # Built-in templates newer than the fixture are added on opening.
                    found = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                    assert found >= count
                    continue
                found = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                assert found == count, table
            ids = [r[0] for r in conn.execute(text("SELECT id FROM audit ORDER BY id"))]
            assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        assert ids == expected["audit_ids"]
        for audit_id in ids:
            detail = load_audit(engine=ctx.engine, audit_id=audit_id)
            assert detail.score.answered == detail.audit.answered
    finally:
        ctx.close()
    assert integrity(folder / "shopper.db") == ["ok"]
    backups = list_backups(folder / "backups")
    assert [b.reason for b in backups] == [f"before-migration-{BASELINE}"]
    # The backup is the database as it was before the upgrade.
    assert count_rows(backups[0].path, "audit") == expected["counts"]["audit"]
    with closing(sqlite3.connect(backups[0].path)) as connection:
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    assert "alembic_version" not in tables


def fixture_revision(fixture: Path) -> str:
    """The schema revision a fixture was made at (the baseline when it predates migrations)."""
    with closing(sqlite3.connect(fixture)) as connection:
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
        if "alembic_version" not in tables:
            return BASELINE
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(row[0])


def copy_rows(source_db: Path, target: Engine) -> None:
    """Every row of a SQLite database into a PostgreSQL one at the same revision, parents
    first; SQLite's times (naive, UTC) become aware."""
    source = create_engine(sqlite_url(source_db))
    try:
        found, wanted = MetaData(), MetaData()
        found.reflect(source)
        wanted.reflect(target)
        with source.connect() as read, target.begin() as write:
            for table in wanted.sorted_tables:
                if table.name == "alembic_version":
                    continue
                columns = [c.name for c in found.tables[table.name].columns]
                assert sorted(columns) == sorted(c.name for c in table.columns), table.name
                rows = [
                    {k: _aware(v) for k, v in row.items()}
                    for row in read.execute(select(found.tables[table.name])).mappings()
                ]
                if rows:
                    write.execute(insert(table), rows)
    finally:
        source.dispose()


def _aware(value: object) -> object:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@pytest.mark.postgres
@pytest.mark.parametrize("fixture", FIXTURE_DBS, ids=lambda p: p.name)
def test_every_fixture_upgrades_to_head_on_postgresql(
    tmp_path: Path, fixture: Path, team_db: tuple[str, str]
) -> None:
    """The fixture's rows in a PostgreSQL database at its revision; `team init` upgrades it
    to the newest with the same content, and the app opens it."""
    expected = json.loads(fixture.with_suffix(".json").read_text(encoding="utf-8"))
    revision = fixture_revision(fixture)
    copy = tmp_path / fixture.name
    shutil.copyfile(fixture, copy)  # read through SQLAlchemy, which may write its journal
    engine = team.team_engine(team_db[1])
    try:
        migrate(engine, to=revision)
        assert current_revision(engine) == revision
        copy_rows(copy, engine)
        result = team.init_team(engine=engine, data_dir=tmp_path / "owner")
        assert result.upgraded_from == (None if revision == head_revision() else revision)
        # The fixture's evidence files were never committed: init finds no bytes to send.
        cited = {r[0] for r in _rows(copy, "SELECT sha256 FROM evidence")}
        assert result.evidence is not None and result.evidence.uploaded == 0
        assert set(result.evidence.missing) == cited
        assert not result.created_schema
        assert current_revision(engine) == head_revision()
        assert [d for d in differences(engine) if not _team_table(d)] == []
    finally:
        engine.dispose()
    ctx = AppContext.open(tmp_path / "data", team_db[1])
    try:
        assert current_revision(ctx.engine) == head_revision()
        with ctx.engine.connect() as conn:
            for table, count in expected["counts"].items():
                found = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                if table == "template_version":
                    assert found >= count  # built-in templates newer than the fixture
                else:
                    assert found == count, table
            ids = [r[0] for r in conn.execute(text("SELECT id FROM audit ORDER BY id"))]
        assert ids == expected["audit_ids"]
        for audit_id in ids:
            detail = load_audit(engine=ctx.engine, audit_id=audit_id)
            assert detail.score.answered == detail.audit.answered
    finally:
        ctx.close()


def _rows(db: Path, query: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(db)) as connection:
        return [tuple(row) for row in connection.execute(query)]


def _team_table(difference: object) -> bool:
    # team init's own tables, outside the tables' metadata (see shopper.store.team).
    return (
        isinstance(difference, tuple)
        and difference[0] == "remove_table"
        and difference[1].name in (TEAM_USER_TABLE, FOLLOW_UP_TABLE, HOLDER_TABLE)
    )


def test_migrations_from_nothing_give_exactly_the_tables(tmp_path: Path) -> None:
    """Catches a column, table or index added to tables.py without a migration."""
    engine = create_db_engine(sqlite_url(tmp_path / "migrated.db"), sqlite_version=AFFECTED)
    try:
        migrate(engine)
        assert current_revision(engine) == head_revision()
        assert differences(engine) == []
    finally:
        engine.dispose()


def test_database_of_a_newer_shopper_is_refused_unchanged(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    AppContext.open(folder).close()
    db = folder / "shopper.db"
    with closing(sqlite3.connect(db)) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'f00dcafe9999'")
        connection.commit()
    before = snapshot(folder)
    with pytest.raises(NewerDatabaseError, match=r"newer version of Shopper.*f00dcafe9999"):
        AppContext.open(folder)
    assert snapshot(folder) == before


def test_not_a_shopper_database_is_refused_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    with closing(sqlite3.connect(db)) as connection:
        connection.execute("CREATE TABLE recipes (name TEXT)")
        connection.commit()
    before = db.read_bytes()
    with pytest.raises(StorageError, match="not a Shopper database"):
        open_database(sqlite_url(db))
    assert db.read_bytes() == before


FAILING = """
import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{HEAD}"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("scratch", sa.Column("id", sa.Integer, primary_key=True))
    with op.batch_alter_table("audit") as batch:
        batch.add_column(sa.Column("flag", sa.Integer, nullable=True))
    op.execute("UPDATE audit SET shopper = 'overwritten'")
    raise RuntimeError("deliberate failure half-way")


def downgrade():
    pass
"""


def test_failed_migration_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    db = legacy_copy(tmp_path)
    engine = open_database(sqlite_url(db))  # upgraded to the newest revision
    engine.dispose()
    before_schema = schema_dump(db)
    shoppers_before = _shoppers(db)
    location = migrations_copy(tmp_path, FAILING)
    engine = create_db_engine(sqlite_url(db), sqlite_version=AFFECTED)  # one connection
    calls: list[str] = []
    try:
        with pytest.raises(MigrationError, match=r"deliberate failure half-way.*left as it was"):
            prepare_schema(engine, backup=lambda _e, rev: calls.append(rev), location=location)
        assert calls == [head_revision()]  # the backup came first
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    finally:
        engine.dispose()
    assert schema_dump(db) == before_schema
    assert _shoppers(db) == shoppers_before
    assert integrity(db) == ["ok"]


def _shoppers(db: Path) -> list[str]:
    with closing(sqlite3.connect(db)) as connection:
        return [r[0] for r in connection.execute("SELECT shopper FROM audit ORDER BY id")]


ORPHANS = """
from alembic import op

revision = "9999"
down_revision = "{HEAD}"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "INSERT INTO answer (audit_id, item_id, value, note, answered_at, answered_tz, source) "
        "VALUES ('no-such-audit', 'x', NULL, '', '2025-01-01 00:00:00', 'UTC', 'shopper')"
    )


def downgrade():
    pass
"""


def test_migration_that_breaks_foreign_keys_is_undone(tmp_path: Path) -> None:
    db = legacy_copy(tmp_path)
    open_database(sqlite_url(db)).dispose()
    answers = count_rows(db, "answer")
    engine = create_db_engine(sqlite_url(db))
    try:
        with pytest.raises(MigrationError, match="pointing at missing rows"):
            prepare_schema(engine, location=migrations_copy(tmp_path, ORPHANS))
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
    assert count_rows(db, "answer") == answers


GOOD = """
import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{HEAD}"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("company") as batch:
        batch.add_column(sa.Column("website", sa.String(200), nullable=False, server_default=""))


def downgrade():
    pass
"""


def test_a_real_upgrade_keeps_every_row_with_foreign_keys_off(tmp_path: Path) -> None:
    """Batch mode copies the company table, which audits point at: only safe with FKs off."""
    db = legacy_copy(tmp_path)
    open_database(sqlite_url(db)).dispose()
    counts = {t: count_rows(db, t) for t in ("company", "audit", "answer", "evidence")}
    engine = create_db_engine(sqlite_url(db), sqlite_version=AFFECTED)
    calls: list[str] = []
    try:
        before = prepare_schema(
            engine,
            backup=lambda _e, rev: calls.append(rev),
            location=migrations_copy(tmp_path, GOOD),
        )
        assert before == head_revision()
        assert calls == [head_revision()]
        assert current_revision(engine) == "9999"
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
            assert conn.execute(text("SELECT count(*) FROM company WHERE website = ''")).scalar()
    finally:
        engine.dispose()
    assert {t: count_rows(db, t) for t in counts} == counts
    assert integrity(db) == ["ok"]


def test_revision_0003_adds_shops_to_a_database_at_0002(tmp_path: Path) -> None:
    """A database at 0002 with rows gets the empty shop tables; a shop and its event then
    go in and come back as written (days as days, times aware)."""
    engine = create_db_engine(sqlite_url(tmp_path / "old.db"), sqlite_version=AFFECTED)
    try:
        migrate(engine, to="0002")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO company (id, name, sector, timezone, business_hours, holidays,"
                    " notes, created_at, updated_at) VALUES ('c1', 'Kept', '', 'UTC', '{}',"
                    " '[]', '', '2025-01-01 00:00:00', '2025-01-01 00:00:00')"
                )
            )
        migrate(engine)
        assert current_revision(engine) == head_revision()
        assert differences(engine) == []
        with Session(engine) as session:
            assert repo.list_shops(session=session) == []
            shop = Shop(
                company_id="c1",
                touchpoint="phone",
                template_id="t1",
                shopper="jan",
                opens=date(2025, 6, 1),
                due=date(2025, 6, 7),
                instructions="Say you are moving abroad",
            )
            repo.add_shop(session=session, shop=shop)
            repo.add_shop_event(
                session=session,
                event=ShopEvent(shop_id=shop.id, who="maria", to_state="assigned"),
            )
            session.commit()
            shop_id = shop.id
        with Session(engine) as session:
            [(found, company)] = repo.list_shops(session=session)
            assert (found.id, company.name, found.due, found.state) == (
                shop_id,
                "Kept",
                date(2025, 6, 7),
                "assigned",
            )
            assert found.created_at.tzinfo is not None and found.version == 1
            [event] = repo.list_shop_events(session=session, shop_id=shop_id)
            assert (event.who, event.from_state, event.to_state) == ("maria", None, "assigned")
    finally:
        engine.dispose()


def test_revision_0004_gives_audits_a_version_and_an_empty_outbox(tmp_path: Path) -> None:
    """A database at 0003 with an audit: the audit is at version 1, the outbox is empty, and
    a change through the repository adds one to the version (moving through items does not)."""
    engine = create_db_engine(sqlite_url(tmp_path / "old.db"), sqlite_version=AFFECTED)
    try:
        migrate(engine, to="0003")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO company (id, name, sector, timezone, business_hours, holidays,"
                    " notes, created_at, updated_at) VALUES ('c1', 'Kept', '', 'UTC', '{}',"
                    " '[]', '', '2025-01-01 00:00:00', '2025-01-01 00:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO template_version (template_id, version, title, touchpoint,"
                    " source, sha256, builtin, added_at) VALUES ('t1', 1, 'T', 'phone', '', '',"
                    " 0, '2025-01-01 00:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO audit (id, company_id, touchpoint, template_id,"
                    " template_version, shopper, status, started_at, started_tz, updated_at,"
                    " verdict, critical_failures, answered, visible) VALUES ('a1', 'c1',"
                    " 'phone', 't1', 1, 'jan', 'in_progress', '2025-01-01 00:00:00', 'UTC',"
                    " '2025-01-01 00:00:00', '', 0, 0, 0)"
                )
            )
        migrate(engine)
        assert current_revision(engine) == head_revision()
        assert differences(engine) == []
        with Session(engine) as session:
            assert repo.get_audit(session=session, audit_id="a1").version == 1
            assert (
                session.connection().execute(text("SELECT count(*) FROM sync_outbox")).scalar() == 0
            )
            repo.update_audit(session=session, audit_id="a1", values={"current_item": "q1"})
            repo.update_audit(session=session, audit_id="a1", values={"answered": 1})
            session.commit()
        with Session(engine) as session:
            assert repo.get_audit(session=session, audit_id="a1").version == 2
    finally:
        engine.dispose()


def test_revision_0006_keeps_shops_and_adds_empty_schedules(tmp_path: Path) -> None:
    """A database at 0005 with a shop: the shop stays, made by no schedule; schedules are
    empty; one schedule cannot make two shops opening the same day."""
    engine = create_db_engine(sqlite_url(tmp_path / "old.db"), sqlite_version=AFFECTED)
    try:
        migrate(engine, to="0005")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO company (id, name, sector, timezone, business_hours, holidays,"
                    " notes, created_at, updated_at) VALUES ('c1', 'Kept', '', 'UTC', '{}',"
                    " '[]', '', '2025-01-01 00:00:00', '2025-01-01 00:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO shop (id, company_id, touchpoint, template_id, shopper, opens,"
                    " due, instructions, state, created_by, created_at, updated_at, version)"
                    " VALUES ('s1', 'c1', 'phone', 't1', 'jan', '2025-06-01', '2025-06-07', '',"
                    " 'assigned', 'maria', '2025-01-01 00:00:00', '2025-01-01 00:00:00', 1)"
                )
            )
        migrate(engine)
        assert current_revision(engine) == head_revision()
        assert differences(engine) == []
        with Session(engine) as session:
            [(shop, _company)] = repo.list_shops(session=session)
            assert (shop.id, shop.shopper, shop.schedule_id) == ("s1", "jan", None)
            assert session.connection().execute(text("SELECT count(*) FROM schedule")).scalar() == 0
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO schedule (id, company_id, touchpoint, recurrence, starts,"
                    " window_days, shoppers, instructions, ahead_days, active, created_by,"
                    " created_at, updated_at) VALUES ('p1', 'c1', 'phone', 'every week',"
                    " '2025-06-02', 7, '[]', '', 14, 1, '', '2025-01-01 00:00:00',"
                    " '2025-01-01 00:00:00')"
                )
            )
            conn.execute(text("UPDATE shop SET schedule_id = 'p1'"))
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO shop (id, company_id, touchpoint, template_id, shopper, opens,"
                    " due, instructions, state, created_by, created_at, updated_at, version,"
                    " schedule_id) VALUES ('s2', 'c1', 'phone', 't1', 'ewa', '2025-06-01',"
                    " '2025-06-07', '', 'assigned', '', '2025-01-01 00:00:00',"
                    " '2025-01-01 00:00:00', 1, 'p1')"
                )
            )
    finally:
        engine.dispose()


# -- the revisions, read without Alembic ------------------------------------------------------


def test_the_revisions_read_off_the_scripts_are_alembics(tmp_path: Path) -> None:
    from alembic.script import ScriptDirectory

    from shopper.store.schema import alembic_config, known_revisions

    script = ScriptDirectory.from_config(alembic_config())
    assert head_revision() == script.get_current_head()
    assert known_revisions() == {rev.revision for rev in script.walk_revisions()}
    engine = create_db_engine(sqlite_url(tmp_path / "new.db"))
    try:
        prepare_schema(engine)
        with engine.connect() as conn:
            alembics = MigrationContext.configure(conn).get_current_revision()
        assert current_revision(engine) == alembics == head_revision()
    finally:
        engine.dispose()


def test_a_second_head_is_refused_not_guessed(tmp_path: Path) -> None:
    location = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, location)
    (location / "versions" / "r9999_side.py").write_text(
        'revision = "9999"\ndown_revision = "0001"\n', encoding="utf-8"
    )
    with pytest.raises(AssertionError, match="one head"):
        head_revision(location)
