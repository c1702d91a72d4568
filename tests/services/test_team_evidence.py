"""Evidence on a team database: the bytes live in the database, so a manager's machine (or a
new folder) reads the photos a shopper attached on theirs, and each shopper only their own."""

from __future__ import annotations

import hashlib
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from shopper.services import team
from shopper.services.audits import start_audit
from shopper.services.bundles import export_bundle, import_bundle
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.evidence import (
    MAX_EVIDENCE_BYTES,
    EvidenceStore,
    EvidenceUpload,
    evidence_path,
    upload_missing_evidence,
)
from shopper.services.reports import make_audit_report
from shopper.services.runner import AuditRunner
from shopper.services.templates import list_templates
from shopper.store.tables import Evidence
from shopper.store.team import MAX_BLOB_BYTES
from tests.postgres import (
    MANAGER,
    MANAGER_PASSWORD,
    OWNER,
    OWNER_PASSWORD,
    PostgresServer,
    team_copy,
)
from tests.report.helpers import Pdf
from tests.report.images import photo
from tests.ui.helpers import new_audit

pytestmark = pytest.mark.postgres


@dataclass
class Team:
    server: PostgresServer
    dbname: str
    folder: Path
    company: str
    template: str
    opened: list[AppContext]

    def open(self, login: str, password: str, folder: str | None = None) -> AppContext:
        url = self.server.url(self.dbname, login, password)
        ctx = AppContext.open(self.folder / (folder or login), url)
        self.opened.append(ctx)
        return ctx

    def owner_sql(self, query: str, params: Any = ()) -> list[Any]:
        with self.server.connect(self.dbname, OWNER, OWNER_PASSWORD) as conn:
            return conn.execute(query, params).fetchall()


@pytest.fixture
def team_db(postgres_server: PostgresServer, tmp_path: Path) -> Iterator[Team]:
    dbname = team_copy(postgres_server)
    owner = team.team_engine(postgres_server.url(dbname, OWNER, OWNER_PASSWORD))
    try:
        for login in ("jan", "ewa"):
            team.add_user(engine=owner, login=login, role="shopper", password=f"pw-{login}-secret")
    finally:
        owner.dispose()
    opened: list[AppContext] = []
    try:
        manager = AppContext.open(
            tmp_path / "setup", postgres_server.url(dbname, MANAGER, MANAGER_PASSWORD)
        )
        opened.append(manager)
        company = create_company(engine=manager.engine, data=CompanyInput(name="Northwind")).id
        template = list_templates(engine=manager.engine, touchpoint="phone")[0].id
        yield Team(postgres_server, dbname, tmp_path, company, template, opened)
    finally:
        for ctx in opened:
            ctx.close()
        postgres_server.drop_database(dbname)
        with postgres_server.admin() as conn:
            for login in ("jan", "ewa"):
                conn.execute(f"DROP ROLE IF EXISTS {login}")


def attach_photo(t: Team, ctx: AppContext, data: bytes, name: str = "desk.jpg") -> Evidence:
    audit = start_audit(engine=ctx.engine, company_id=t.company, template_id=t.template)
    runner = AuditRunner(engine=ctx.engine, audit_id=audit.id)
    item = next(iter(runner.template.items())).id
    return runner.attach(
        data_dir=ctx.data_dir, data=data, filename=name, item_id=item, caption="The desk"
    )


def test_a_shoppers_photo_round_trips_through_the_database(team_db: Team, tmp_path: Path) -> None:
    jan = team_db.open("jan", "pw-jan-secret")
    data = photo(tmp_path / "desk.jpg", (640, 480)).read_bytes()
    record = attach_photo(team_db, jan, data)
    assert team_db.owner_sql(
        "SELECT media_type, size, data FROM evidence_blob WHERE sha256 = %s", (record.sha256,)
    ) == [("image/jpeg", len(data), data)]
    # Jan's other machine (a new data folder) reads it from the database, as jan.
    other = team_db.open("jan", "pw-jan-secret", folder="jan-laptop")
    store = EvidenceStore.for_engine(other.engine, other.data_dir)
    assert store.in_database
    assert store.read(record.sha256, record.extension) == data
    assert store.intact(record.sha256, record.extension)
    # A damaged copy in the folder is fetched again.
    evidence_path(other.data_dir, record.sha256, record.extension).write_bytes(b"changed")
    assert store.intact(record.sha256, record.extension)
    assert store.read(record.sha256, record.extension) == data


def test_another_shopper_cannot_read_the_photo(team_db: Team, tmp_path: Path) -> None:
    jan = team_db.open("jan", "pw-jan-secret")
    record = attach_photo(team_db, jan, photo(tmp_path / "desk.jpg").read_bytes())
    ewa = team_db.open("ewa", "pw-ewa-secret")
    store = EvidenceStore.for_engine(ewa.engine, ewa.data_dir)
    assert not store.intact(record.sha256, record.extension)
    with pytest.raises(OSError):
        store.read(record.sha256, record.extension)
    assert not store.path(record.sha256, record.extension).exists()


def test_the_database_limits_evidence_as_the_app_does() -> None:
    assert MAX_BLOB_BYTES == MAX_EVIDENCE_BYTES


def test_a_managers_report_shows_the_shoppers_photo(team_db: Team, tmp_path: Path) -> None:
    jan = team_db.open("jan", "pw-jan-secret")
    data = photo(tmp_path / "desk.jpg", (640, 480)).read_bytes()
    record = attach_photo(team_db, jan, data)
    boss = team_db.open(MANAGER, MANAGER_PASSWORD, folder="boss")
    assert not evidence_path(boss.data_dir, record.sha256, record.extension).exists()
    out = tmp_path / "report.pdf"
    make_audit_report(
        engine=boss.engine, audit_id=record.audit_id, out_path=out, data_dir=boss.data_dir
    )
    pdf = Pdf.of(out.read_bytes())
    assert pdf.image_count() == 1
    assert "The desk" in pdf.text
    # And the manager's bundle carries the photo's bytes.
    bundle = tmp_path / "audits.shopper"
    export_bundle(
        engine=boss.engine, data_dir=boss.data_dir, path=bundle, audit_ids=[record.audit_id]
    )
    with zipfile.ZipFile(bundle) as archive:
        assert archive.read(f"evidence/{record.sha256}") == data


def test_the_same_bytes_attached_twice_store_one_row(team_db: Team, tmp_path: Path) -> None:
    data = photo(tmp_path / "same.jpg").read_bytes()
    jan, ewa = team_db.open("jan", "pw-jan-secret"), team_db.open("ewa", "pw-ewa-secret")
    first = attach_photo(team_db, jan, data)
    again = attach_photo(team_db, jan, data, "again.jpg")
    # Ewa cannot see jan's row; her insert of the same bytes changes nothing and succeeds.
    hers = attach_photo(team_db, ewa, data, "mine.jpg")
    assert first.sha256 == again.sha256 == hers.sha256 == hashlib.sha256(data).hexdigest()
    assert team_db.owner_sql("SELECT count(*) FROM evidence_blob") == [(1,)]
    ewa_store = EvidenceStore.for_engine(ewa.engine, team_db.folder / "ewa-new")
    assert ewa_store.read(hers.sha256, hers.extension) == data


def test_concurrent_inserts_of_the_same_bytes_both_succeed(team_db: Team) -> None:
    """Two shoppers' transactions insert the same new bytes at once: the second waits for the
    first, then does nothing; neither fails."""
    data = b"\xff\xd8\xff the same photo, twice at once"
    digest = hashlib.sha256(data).hexdigest()
    insert = (
        "INSERT INTO evidence_blob (sha256, media_type, size, data)"
        " VALUES (%s, 'image/jpeg', %s, %s) ON CONFLICT (sha256) DO NOTHING"
    )
    conns: dict[str, psycopg.Connection[Any]] = {}
    for login in ("jan", "ewa"):
        conn = team_db.server.connect(team_db.dbname, login, f"pw-{login}-secret")
        conns[login] = conn
        audit = f"audit-{login}"
        owner_insert_audit(team_db, audit, login)
        conn.execute(
            "INSERT INTO evidence (id, audit_id, sha256, kind, extension, filename, size,"
            " caption, added_at, added_tz) VALUES (%s, %s, %s, 'image', 'jpg', 'a.jpg', %s,"
            " '', now(), 'UTC')",
            (f"e-{login}", audit, digest, len(data)),
        )
    errors: list[BaseException] = []
    try:
        assert conns["jan"].execute(insert, (digest, len(data), data)).rowcount == 1

        def second() -> None:
            try:
                conns["ewa"].execute(insert, (digest, len(data), data))
                conns["ewa"].commit()
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)

        waiting = threading.Thread(target=second)
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive()  # blocked on jan's uncommitted row
        conns["jan"].commit()
        waiting.join(10)
        assert not waiting.is_alive() and errors == []
    finally:
        for conn in conns.values():
            conn.close()
    assert team_db.owner_sql("SELECT count(*) FROM evidence_blob WHERE sha256 = %s", (digest,)) == [
        (1,)
    ]


def owner_insert_audit(t: Team, audit_id: str, shopper: str) -> None:
    with t.server.connect(t.dbname, OWNER, OWNER_PASSWORD) as conn:
        version, touchpoint = conn.execute(
            "SELECT version, touchpoint FROM template_version WHERE template_id = %s"
            " ORDER BY version DESC LIMIT 1",
            (t.template,),
        ).fetchall()[0]
        conn.execute(
            "INSERT INTO audit (id, company_id, touchpoint, template_id, template_version,"
            " shopper, status, started_at, started_tz, updated_at, verdict, critical_failures,"
            " answered, visible) VALUES (%s, %s, %s, %s, %s, %s, 'in_progress', now(), 'UTC',"
            " now(), '', 0, 0, 0)",
            (audit_id, t.company, touchpoint, t.template, version, shopper),
        )


def test_a_bundle_imported_by_a_manager_puts_its_photos_in_the_database(
    team_db: Team, tmp_path: Path
) -> None:
    """A shopper working on SQLite sends a bundle; the manager imports it into the team
    database, and any machine of the team reads its photo from there."""
    local = AppContext.open(tmp_path / "offline")
    team_db.opened.append(local)
    audit_id = new_audit(local)
    data = photo(tmp_path / "shop.jpg", (320, 240)).read_bytes()
    record = AuditRunner(engine=local.engine, audit_id=audit_id).attach(
        data_dir=local.data_dir, data=data, filename="shop.jpg"
    )
    assert EvidenceStore.for_engine(local.engine, local.data_dir).in_database is False
    bundle = tmp_path / "offline.shopper"
    export_bundle(engine=local.engine, data_dir=local.data_dir, path=bundle, audit_ids=[audit_id])
    boss = team_db.open(MANAGER, MANAGER_PASSWORD, folder="boss")
    import_bundle(engine=boss.engine, data_dir=boss.data_dir, path=bundle)
    assert team_db.owner_sql(
        "SELECT size FROM evidence_blob WHERE sha256 = %s", (record.sha256,)
    ) == [(len(data),)]
    fresh = team_db.open(MANAGER, MANAGER_PASSWORD, folder="boss-laptop")
    store = EvidenceStore.for_engine(fresh.engine, fresh.data_dir)
    assert store.read(record.sha256, record.extension) == data


def test_evidence_attached_before_its_bytes_lived_in_the_database_is_uploaded(
    team_db: Team, tmp_path: Path
) -> None:
    """An app before schema revision 0002 kept evidence bytes only as files in the data folder
    of the machine that attached them: team init (or `team upload-evidence`) on that machine
    sends them, so every other machine reads them."""
    jan = team_db.open("jan", "pw-jan-secret")
    data = photo(tmp_path / "desk.jpg", (320, 240)).read_bytes()
    record = attach_photo(team_db, jan, data)
    with team_db.server.admin(team_db.dbname) as conn:
        conn.execute("DELETE FROM evidence_blob")  # the row, and the bytes only in jan's folder
    laptop = team_db.open(MANAGER, MANAGER_PASSWORD, folder="manager-laptop")
    assert not EvidenceStore.for_engine(laptop.engine, laptop.data_dir).intact(
        record.sha256, record.extension
    )
    # Where the file is not (or is not intact), nothing is sent, and it says what is missing.
    damaged = tmp_path / "damaged"
    target = evidence_path(damaged, record.sha256, record.extension)
    target.parent.mkdir(parents=True)
    target.write_bytes(data[:-1] + b"\x00")
    for folder in (laptop.data_dir, damaged):
        found = upload_missing_evidence(engine=laptop.engine, data_dir=folder)
        assert found == EvidenceUpload(0, (record.sha256,))
    assert team_db.owner_sql("SELECT count(*) FROM evidence_blob") == [(0,)]

    owner = team.team_engine(team_db.server.url(team_db.dbname, OWNER, OWNER_PASSWORD))
    try:
        result = team.init_team(engine=owner, data_dir=jan.data_dir)
        assert result.evidence == EvidenceUpload(1, ())
        assert team.init_team(engine=owner, data_dir=jan.data_dir).evidence == EvidenceUpload(0, ())
    finally:
        owner.dispose()
    store = EvidenceStore.for_engine(laptop.engine, laptop.data_dir)
    assert store.read(record.sha256, record.extension) == data


def test_a_bundle_brings_the_bytes_of_evidence_its_audit_had_without_them(
    team_db: Team, tmp_path: Path
) -> None:
    """The manager's audit is in the team database already, as the bundle has it, but its
    photo's bytes are not (attached before they lived there): importing the bundle that
    carries them puts them in, though no audit changes."""
    local = AppContext.open(tmp_path / "offline")
    team_db.opened.append(local)
    audit_id = new_audit(local)
    data = photo(tmp_path / "shop.jpg", (320, 240)).read_bytes()
    record = AuditRunner(engine=local.engine, audit_id=audit_id).attach(
        data_dir=local.data_dir, data=data, filename="shop.jpg"
    )
    bundle = tmp_path / "offline.shopper"
    export_bundle(engine=local.engine, data_dir=local.data_dir, path=bundle, audit_ids=[audit_id])
    boss = team_db.open(MANAGER, MANAGER_PASSWORD, folder="boss")
    import_bundle(engine=boss.engine, data_dir=boss.data_dir, path=bundle)
    with team_db.server.admin(team_db.dbname) as conn:
        conn.execute("DELETE FROM evidence_blob")
    again = import_bundle(engine=boss.engine, data_dir=tmp_path / "boss-laptop", path=bundle)
    assert not again.added and not again.updated
    assert team_db.owner_sql(
        "SELECT size FROM evidence_blob WHERE sha256 = %s", (record.sha256,)
    ) == [(len(data),)]
    # And once they are there, the same bundle changes nothing.
    assert not import_bundle(engine=boss.engine, data_dir=boss.data_dir, path=bundle).changed


def test_a_photo_a_manager_sends_first_is_read_by_the_audits_shopper(
    team_db: Team, tmp_path: Path
) -> None:
    """A manager attaches a photo to jan's audit (a correction): jan holds those bytes."""
    owner_insert_audit(team_db, "jan-audit", "jan")
    boss = team_db.open(MANAGER, MANAGER_PASSWORD, folder="boss")
    runner = AuditRunner(engine=boss.engine, audit_id="jan-audit")
    data = photo(tmp_path / "boss.jpg", (200, 150)).read_bytes()
    record = runner.attach(data_dir=boss.data_dir, data=data, filename="boss.jpg")
    jan = team_db.open("jan", "pw-jan-secret", folder="jan-new")
    assert (
        EvidenceStore.for_engine(jan.engine, jan.data_dir).read(record.sha256, record.extension)
        == data
    )
    ewa = team_db.open("ewa", "pw-ewa-secret")
    assert not EvidenceStore.for_engine(ewa.engine, ewa.data_dir).intact(
        record.sha256, record.extension
    )


def test_team_init_on_an_older_team_database_keeps_each_shoppers_photos(
    team_db: Team, tmp_path: Path
) -> None:
    """A team database made before bytes had holders: `team init` (the upgrade) gives each
    shopper the bytes their audits cite then, and from then on only sending them does."""
    jan = team_db.open("jan", "pw-jan-secret")
    record = attach_photo(team_db, jan, photo(tmp_path / "desk.jpg").read_bytes())
    with team_db.server.connect(team_db.dbname, OWNER, OWNER_PASSWORD) as conn:
        conn.execute("DROP TRIGGER shopper_blob_holder ON evidence_blob")
        conn.execute("DROP POLICY field_reads_cited ON evidence_blob")
        conn.execute("DROP TABLE evidence_blob_holder")
    owner = team.team_engine(team_db.server.url(team_db.dbname, OWNER, OWNER_PASSWORD))
    try:
        team.init_team(engine=owner)
    finally:
        owner.dispose()
    assert team_db.owner_sql("SELECT sha256, login FROM evidence_blob_holder") == [
        (record.sha256, "jan")
    ]
    other = team_db.open("jan", "pw-jan-secret", folder="jan-laptop")
    assert EvidenceStore.for_engine(other.engine, other.data_dir).intact(
        record.sha256, record.extension
    )
