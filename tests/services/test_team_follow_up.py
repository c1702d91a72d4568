"""A shopper's follow-up on a team database: their audit awaiting it stays open, as their own
login, for the follow-up only, as on SQLite (see tests/services/test_follow_up.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from psycopg import errors
from sqlalchemy import Engine, text
from sqlmodel import col, select

from shopper.domain.errors import AuditStateError
from shopper.domain.follow_up import follow_up_items
from shopper.domain.instruments import EmailStep, Instrument
from shopper.domain.template_loader import parse_template_text
from shopper.domain.vocabulary import AnswerSource, AuditStatus
from shopper.services import team
from shopper.services.audits import load_audit, start_audit
from shopper.services.bundles import export_bundle, import_into
from shopper.services.companies import CompanyInput, create_company
from shopper.services.context import AppContext
from shopper.services.evidence import EvidenceStore
from shopper.services.follow_up import settle_follow_ups
from shopper.services.runner import AuditRunner
from shopper.services.templates import import_template_file, sync_builtin_templates
from shopper.store.engine import open_database, session_scope
from shopper.store.tables import AuditEvent
from tests.data_helpers import FOLLOW_UP_TEMPLATE
from tests.postgres import PostgresServer

pytestmark = pytest.mark.postgres

ZONE = "Europe/Warsaw"
FRIDAY = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
DUE = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)  # five working days later, 17:00 in Warsaw
SHOPPER, SHOPPER_PASSWORD = "ana", "ana-password-1"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@dataclass
class Team:
    server: PostgresServer
    dbname: str
    manager: AppContext
    shopper: AppContext
    audit_id: str
    clock: Clock

    def runner(self) -> AuditRunner:
        return AuditRunner(
            engine=self.shopper.engine, audit_id=self.audit_id, zone=ZONE, clock=self.clock
        )

    def events(self) -> list[str]:
        with session_scope(self.manager.engine) as session:
            rows = session.exec(
                select(AuditEvent)
                .where(col(AuditEvent.audit_id) == self.audit_id)
                .order_by(col(AuditEvent.at))
            )
            return [e.kind for e in rows]


@pytest.fixture
def setup(
    postgres_server: PostgresServer, team_db: tuple[str, str], tmp_path: Path
) -> Iterator[Team]:
    """A manager's template and company; the shopper `ana` (her own login) has answered her
    audit on the day and completed it to await the follow-up."""
    name, owner_url = team_db
    engine = team.team_engine(owner_url)
    try:
        team.init_team(engine=engine)
        team.add_user(engine=engine, login=SHOPPER, role="shopper", password=SHOPPER_PASSWORD)
        team.add_user(engine=engine, login="boss", role="manager", password="boss-password")
    finally:
        engine.dispose()
    manager = AppContext.open(tmp_path / "boss", postgres_server.url(name, "boss", "boss-password"))
    try:
        path = tmp_path / "follow.yaml"
        path.write_text(FOLLOW_UP_TEMPLATE, encoding="utf-8")
        template = import_template_file(engine=manager.engine, path=path)
        company = create_company(
            engine=manager.engine, data=CompanyInput(name="Blue Harbor Bank", timezone=ZONE)
        )
        shopper = AppContext.open(
            tmp_path / "ana", postgres_server.url(name, SHOPPER, SHOPPER_PASSWORD)
        )
        try:
            audit = start_audit(
                engine=shopper.engine,
                company_id=company.id,
                template_id=template.id,
                zone=ZONE,
                at=FRIDAY - timedelta(hours=1),
            )
            found = Team(postgres_server, name, manager, shopper, audit.id, Clock(FRIDAY))
            runner = found.runner()
            runner.set_answer("greeted", "yes")
            runner.set_answer("solved", "no")
            runner.complete(wait=True)
            yield found
        finally:
            shopper.close()
    finally:
        manager.close()


def png() -> bytes:
    out = BytesIO()
    Image.new("RGB", (6, 4), (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


def test_the_shopper_answers_the_follow_up_as_their_own_login(setup: Team) -> None:
    runner = setup.runner()  # as when the app opens the audit again
    assert runner.awaiting and runner.audit.shopper == SHOPPER
    day = load_audit(engine=setup.manager.engine, audit_id=setup.audit_id).audit.completed_at

    runner.set_answer("follow_up", "yes")
    runner.set_note("follow_up", "They called back")
    runner.set_answer("how", "A call on Tuesday")
    photo = runner.attach(
        data_dir=setup.shopper.data_dir, data=png(), filename="call.png", item_id="follow_up"
    )
    runner.add_step(Instrument.EMAIL, EmailStep.FOLLOW_UP)
    with pytest.raises(AuditStateError):
        runner.set_answer("solved", "yes")  # the rest stays as it was on the day
    assert runner.awaiting
    runner.complete()
    assert runner.read_only

    stored = load_audit(engine=setup.manager.engine, audit_id=setup.audit_id)
    assert stored.audit.status == AuditStatus.COMPLETED
    assert stored.audit.completed_at == day  # the day it was done
    assert stored.answers["follow_up"].value == "yes"
    assert stored.answers["follow_up"].note == "They called back"
    assert stored.answers["how"].value == "A call on Tuesday"
    assert stored.answers["solved"].value == "no"
    assert stored.audit.answered == 4
    assert stored.score.percent == pytest.approx(200 / 3)
    assert [e.id for e in stored.evidence] == [photo.id]
    # The photo's bytes are in the team database: the manager's machine reads them.
    store = EvidenceStore.for_engine(setup.manager.engine, setup.manager.data_dir)
    data = store.read(photo.sha256, photo.extension)
    assert hashlib.sha256(data).hexdigest() == photo.sha256
    assert setup.events()[-2:] == ["awaiting_follow_up", "follow_up_answered"]


def test_a_lapsed_follow_up_settles_as_the_shopper(setup: Team) -> None:
    assert settle_follow_ups(engine=setup.shopper.engine, now=DUE - timedelta(minutes=1)) == []
    assert settle_follow_ups(engine=setup.shopper.engine, now=DUE) == [setup.audit_id]
    stored = load_audit(engine=setup.manager.engine, audit_id=setup.audit_id)
    assert stored.audit.status == AuditStatus.COMPLETED
    assert stored.answers["follow_up"].value == "no"
    assert stored.answers["follow_up"].source == AnswerSource.WINDOW_PASSED
    assert stored.score.percent == pytest.approx(100 / 3)
    assert setup.events()[-1] == "follow_up_lapsed"


def test_the_database_refuses_the_rest_even_past_the_app(setup: Team) -> None:
    """psql as the shopper: the day's answers of the awaiting audit stay as they were."""
    with setup.server.connect(setup.dbname, SHOPPER, SHOPPER_PASSWORD) as conn:
        for query in (
            "INSERT INTO answer (audit_id, item_id, value, note, answered_at, answered_tz,"
            " source) VALUES (%s, 'solved', '\"yes\"', '', now(), 'UTC', 'shopper')"
            " ON CONFLICT (audit_id, item_id) DO UPDATE SET value = EXCLUDED.value",
            "UPDATE audit SET started_at = now() WHERE id = %s",
            "SELECT shopper_complete_audit(%s, now(), 'UTC')",
        ):
            with pytest.raises(errors.InsufficientPrivilege), conn.transaction():
                conn.execute(query, (setup.audit_id,))
        changed = conn.execute(
            "UPDATE answer SET value = '\"yes\"' WHERE audit_id = %s AND item_id = 'solved'",
            (setup.audit_id,),
        )
        assert changed.rowcount == 0
        conn.rollback()
    stored = load_audit(engine=setup.manager.engine, audit_id=setup.audit_id)
    assert stored.answers["solved"].value == "no"
    assert stored.audit.status == AuditStatus.AWAITING_FOLLOW_UP


def test_another_shopper_cannot_answer_it(setup: Team) -> None:
    engine = team.team_engine(setup.server.url(setup.dbname))  # the superuser adds a login
    try:
        team.add_user(engine=engine, login="bo", role="shopper", password="bo-password")
    finally:
        engine.dispose()
    with (
        setup.server.connect(setup.dbname, "bo", "bo-password") as conn,
        pytest.raises(errors.InsufficientPrivilege),
    ):
        conn.execute(
            "INSERT INTO answer (audit_id, item_id, value, note, answered_at, answered_tz,"
            " source) VALUES (%s, 'follow_up', '\"no\"', '', now(), 'UTC', 'shopper')",
            (setup.audit_id,),
        )


def noted(engine: Engine) -> set[tuple[str, int, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT template_id, template_version, item_id FROM template_follow_up")
        )
        return {(str(t), int(v), str(i)) for t, v, i in rows}


def expected_notes(engine: Engine) -> set[tuple[str, int, str]]:
    """What the templates themselves say: every follow-up item of every stored version."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT template_id, version, source FROM template_version"))
        return {
            (str(t), int(v), item)
            for t, v, source in rows
            for item in follow_up_items(parse_template_text(source))
        }


def test_team_init_notes_the_follow_up_of_templates_stored_before_it(
    team_db: tuple[str, str],
) -> None:
    """A database the app used before it became a team one: its templates are noted too."""
    open_database(team_db[1]).dispose()
    engine = team.team_engine(team_db[1])
    try:
        sync_builtin_templates(engine=engine)
        team.init_team(engine=engine)
        assert noted(engine) == expected_notes(engine)
        assert any(item == "follow_up" for _t, _v, item in noted(engine))
    finally:
        engine.dispose()


def test_a_template_from_a_bundle_is_noted(setup: Team, tmp_path: Path) -> None:
    """The follow-up template arrives in a bundle from a shopper's SQLite database."""
    local = AppContext.open(tmp_path / "local")
    try:
        text_ = FOLLOW_UP_TEMPLATE.replace(
            "0b6f7a52-3f55-4d8e-9a71-3c1e5e0c9d11", "0b6f7a52-3f55-4d8e-9a71-3c1e5e0c9d12"
        )
        path = tmp_path / "other.yaml"
        path.write_text(text_, encoding="utf-8")
        template = import_template_file(engine=local.engine, path=path)
        company = create_company(engine=local.engine, data=CompanyInput(name="Elsewhere"))
        audit = start_audit(engine=local.engine, company_id=company.id, template_id=template.id)
        bundle = tmp_path / "one.shopper"
        export_bundle(
            engine=local.engine, data_dir=local.data_dir, path=bundle, audit_ids=[audit.id]
        )
    finally:
        local.close()
    import_into(setup.manager, bundle)
    assert (template.id, template.version, "follow_up") in noted(setup.manager.engine)
    assert noted(setup.manager.engine) == expected_notes(setup.manager.engine)
