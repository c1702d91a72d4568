"""Database tables (sqlmodel). Portable across SQLite and PostgreSQL.

Every moment is an aware UTC datetime (`UTCDateTime`) with, where a person
took it, the IANA zone it was taken in beside it.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    Text,
    TypeDecorator,
    false,
)
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel

from shopper.domain.clock import as_utc
from shopper.domain.shops import ShopState
from shopper.domain.vocabulary import DEFAULT_HOURS, AnswerSource, AuditStatus

to_json = json.JSONEncoder(ensure_ascii=False).encode
"""The text a JSON column keeps: what `json.dumps(value, ensure_ascii=False)` makes, without
making an encoder on every call (most of what dumping a short value costs; an import and a
save dump thousands)."""


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and hands them back aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


_CANONICAL = re.compile(
    # Hours to 23: a midnight written as 24:00 is another day's text (read otherwise).
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{6})?\+00:00"
)


def stored_utc_text(text: str) -> str | None:
    """What a `UTCDateTime` column stores on SQLite of the time written as `text`, when that
    is canonical UTC text (`2025-06-01T09:30:00+00:00`, or with six digits of microseconds,
    as `datetime.isoformat` writes a UTC time); None for any other text.

    Made from the text's own characters (formatting a datetime costs more than parsing it,
    and an import writes tens of thousands): the caller has parsed `text` to a datetime,
    so it is a real date and time, and this is the column's text of that same time.
    """
    if _CANONICAL.fullmatch(text) is None:
        return None
    return f"{text[:10]} {text[11:19]}{text[19:26] if len(text) == 32 else '.000000'}"


def as_aware(value: Any) -> datetime | None:
    """A time read past the column type (an aggregate, a raw join) as an aware UTC datetime:
    SQLite hands those back naive, as text or as a datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return as_utc(value)


def new_id() -> str:
    return str(uuid.uuid4())


def _now() -> datetime:
    return datetime.now(UTC)


class Company(SQLModel, table=True):
    __tablename__ = "company"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(index=True, max_length=200)
    sector: str = Field(default="", max_length=200)
    timezone: str = Field(default="UTC", max_length=64)
    business_hours: str = Field(default=json.dumps(DEFAULT_HOURS), sa_type=Text)
    """JSON: weekday ("mon".."sun") -> ["HH:MM", "HH:MM"]; a missing day is closed."""
    holidays: str = Field(default="[]", sa_type=Text)
    """JSON list of ISO dates the company is closed."""
    notes: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    allow_unassigned: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    """Whether a team's shopper may start a shop of their own for it (see
    `shopper.services.shops.start_own_shop`)."""

    def hours(self) -> dict[str, list[str]]:
        value: Any = json.loads(self.business_hours or "{}")
        return value if isinstance(value, dict) else {}

    def holiday_list(self) -> list[str]:
        value: Any = json.loads(self.holidays or "[]")
        return [str(v) for v in value] if isinstance(value, list) else []


class TemplateVersion(SQLModel, table=True):
    """One exact version of a checklist template, kept forever for the audits run on it."""

    __tablename__ = "template_version"

    template_id: str = Field(primary_key=True, max_length=36)
    version: int = Field(primary_key=True)
    title: str = Field(max_length=200)
    touchpoint: str = Field(index=True, max_length=32)
    source: str = Field(sa_type=Text)
    sha256: str = Field(max_length=64)
    builtin: bool = False
    added_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)


class Audit(SQLModel, table=True):
    __tablename__ = "audit"
    __table_args__ = (
        ForeignKeyConstraint(
            ["template_id", "template_version"],
            ["template_version.template_id", "template_version.version"],
        ),
        Index("ix_audit_company_touchpoint_started", "company_id", "touchpoint", "started_at"),
        Index("ix_audit_started", "started_at"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    company_id: str = Field(foreign_key="company.id", max_length=36)
    touchpoint: str = Field(max_length=32)
    template_id: str = Field(max_length=36)
    template_version: int
    shopper: str = Field(default="", max_length=200)
    status: str = Field(default=AuditStatus.IN_PROGRESS.value, index=True, max_length=20)
    started_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    started_tz: str = Field(default="UTC", max_length=64)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_tz: str | None = Field(default=None, max_length=64)
    updated_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    current_item: str | None = Field(default=None, max_length=64)
    # Summary kept in step with the answers, so lists never load answers.
    score_percent: float | None = None
    verdict: str = Field(default="", max_length=40)
    passed: bool | None = None
    critical_failures: int = 0
    answered: int = 0
    visible: int = 0
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    """Counts the changes of the audit: every save adds one; a push sets the team database's
    to the one pushed (see `shopper.services.sync`)."""


class Answer(SQLModel, table=True):
    __tablename__ = "answer"

    audit_id: str = Field(foreign_key="audit.id", primary_key=True, max_length=36)
    item_id: str = Field(primary_key=True, max_length=64)
    value: str | None = Field(default=None, sa_type=Text)
    """The stored answer as JSON (see shopper.domain.answers), or NULL when cleared."""
    note: str = Field(default="", sa_type=Text)
    answered_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    answered_tz: str = Field(default="UTC", max_length=64)
    source: str = Field(
        default=AnswerSource.SHOPPER.value,
        max_length=20,
        sa_column_kwargs={"server_default": AnswerSource.SHOPPER.value},
    )
    """Who gave the value: the shopper, or an instrument that measured it."""

    def decoded(self) -> Any:
        return None if self.value is None else json.loads(self.value)


class AuditEvent(SQLModel, table=True):
    """Things that happened to an audit as a whole: created, completed, reopened."""

    __tablename__ = "audit_event"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    audit_id: str = Field(foreign_key="audit.id", index=True, max_length=36)
    kind: str = Field(max_length=20)
    at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    tz: str = Field(default="UTC", max_length=64)
    detail: str = Field(default="", sa_type=Text)


class InstrumentEvent(SQLModel, table=True):
    """One timestamped step of an instrument: a phone-tree step, a page on a path, an e-mail."""

    __tablename__ = "instrument_event"
    __table_args__ = (Index("ix_instrument_event_audit", "audit_id", "instrument", "at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    audit_id: str = Field(foreign_key="audit.id", max_length=36)
    instrument: str = Field(max_length=20)
    kind: str = Field(max_length=20)
    at: datetime = Field(sa_type=UTCDateTime)
    tz: str = Field(default="UTC", max_length=64)
    data: str = Field(default="{}", sa_type=Text)
    """JSON details of the step (prompt heard, key pressed, URL, channel...)."""
    updated_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)

    def decoded(self) -> dict[str, Any]:
        value: Any = json.loads(self.data or "{}")
        return value if isinstance(value, dict) else {}


class Moment(SQLModel, table=True):
    """Something the shopper did not expect, good or bad, or a friction point."""

    __tablename__ = "moment"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    audit_id: str = Field(foreign_key="audit.id", index=True, max_length=36)
    kind: str = Field(max_length=20)
    at: datetime = Field(sa_type=UTCDateTime)
    tz: str = Field(default="UTC", max_length=64)
    note: str = Field(default="", sa_type=Text)
    item_id: str | None = Field(default=None, max_length=64)
    updated_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)


class Evidence(SQLModel, table=True):
    """A file attached to an item or a moment, stored once by its content hash."""

    __tablename__ = "evidence"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    audit_id: str = Field(foreign_key="audit.id", index=True, max_length=36)
    item_id: str | None = Field(default=None, max_length=64)
    moment_id: str | None = Field(default=None, foreign_key="moment.id", max_length=36)
    sha256: str = Field(index=True, max_length=64)
    kind: str = Field(max_length=20)
    """image, audio, email or pdf."""
    extension: str = Field(max_length=10)
    filename: str = Field(default="", max_length=255)
    size: int = 0
    caption: str = Field(default="", sa_type=Text)
    added_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    added_tz: str = Field(default="UTC", max_length=64)


class EvidenceBlob(SQLModel, table=True):
    """The bytes of an evidence file on a team database, once per content hash.

    SQLite has the table too (one schema, one set of migrations) but leaves it empty: there the
    bytes stay in the data folder (see `shopper.services.evidence.EvidenceStore`).
    """

    __tablename__ = "evidence_blob"

    sha256: str = Field(primary_key=True, max_length=64)
    media_type: str = Field(max_length=100)
    size: int = Field(sa_type=BigInteger)
    data: bytes = Field(sa_type=LargeBinary)


class Shop(SQLModel, table=True):
    """An assignment: a shopper is to audit a company's touchpoint within a window of days.

    Its state follows `shopper.domain.shops`; `version` grows with every change, so a stale
    write can be told from a fresh one.
    """

    __tablename__ = "shop"
    __table_args__ = (
        Index("ix_shop_shopper_state", "shopper", "state"),
        Index("ix_shop_due", "due"),
        Index("ux_shop_audit_id", "audit_id", unique=True),  # an audit is done for one shop
        # A schedule makes one shop a day at most (the guard behind `Schedule.last_planned`).
        Index("ux_shop_schedule_opens", "schedule_id", "opens", unique=True),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    company_id: str = Field(foreign_key="company.id", max_length=36)
    touchpoint: str = Field(max_length=32)
    template_id: str = Field(max_length=36)
    shopper: str = Field(max_length=200)
    """The shopper's login on a team database; any name on a local one."""
    opens: date
    due: date
    instructions: str = Field(default="", sa_type=Text)
    state: str = Field(default=ShopState.ASSIGNED.value, max_length=20)
    audit_id: str | None = Field(default=None, foreign_key="audit.id", max_length=36)
    """The audit done for the shop, once it was started."""
    created_by: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    version: int = 1
    schedule_id: str | None = Field(default=None, foreign_key="schedule.id", max_length=36)
    """The schedule that made the shop; None for a shop assigned by hand."""


class Schedule(SQLModel, table=True):
    """Recurring shops of a company's touchpoint (see `shopper.domain.schedule`).

    A run (`shopper.services.schedules.run_schedules`) makes the shops falling within
    `ahead_days`, rotating among `shoppers`; `last_planned` is the last occurrence a run dealt
    with, so no occurrence is planned twice. Who shops next follows from the company's shops.
    """

    __tablename__ = "schedule"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    company_id: str = Field(foreign_key="company.id", index=True, max_length=36)
    touchpoint: str = Field(max_length=32)
    template_id: str | None = Field(default=None, max_length=36)
    """None: each shop gets the touchpoint's newest template when it is made."""
    recurrence: str = Field(max_length=200)
    """As the manager typed it ("every 4 weeks"); parsed by `Recurrence.parse`."""
    starts: date
    """The first day a shop may fall on; every N days or weeks count from it."""
    window_days: int = 7
    shoppers: str = Field(default="[]", sa_type=Text)
    """JSON list of logins, in rotation order."""
    open_limit: int | None = None
    """The most open shops a shopper may have for a new one to be given them; None: no limit."""
    instructions: str = Field(default="", sa_type=Text)
    ahead_days: int = 14
    """How far ahead of its day a shop is made."""
    active: bool = True
    last_planned: date | None = None
    created_by: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)

    def shopper_list(self) -> list[str]:
        value: Any = json.loads(self.shoppers or "[]")
        return [str(v) for v in value] if isinstance(value, list) else []


class ShopEvent(SQLModel, table=True):
    """One change of a shop: who made it and when; from_state is NULL when it was created."""

    __tablename__ = "shop_event"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    shop_id: str = Field(foreign_key="shop.id", index=True, max_length=36)
    at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    tz: str = Field(default="UTC", max_length=64)
    who: str = Field(default="", max_length=200)
    from_state: str | None = Field(default=None, max_length=20)
    to_state: str = Field(max_length=20)
    detail: str = Field(default="", sa_type=Text)


class SyncOutbox(SQLModel, table=True):
    """The local side of sync, per audit: the version the team database last took from this
    machine, when a push was last tried and why it failed; for a conflict copy, the audit it
    was copied from. Empty on a team database (see `shopper.services.sync`)."""

    __tablename__ = "sync_outbox"

    audit_id: str = Field(foreign_key="audit.id", primary_key=True, max_length=36)
    pushed_version: int | None = None
    """The audit's version the team database holds from this machine; None: never pushed."""
    sending_version: int | None = None
    """The version a push was sending when last tried: the team database may have taken it
    (killed between its commit and ours)."""
    sending_updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """That version's `updated_at`: with the version, it tells the audit as this machine sent
    it from one a manager's changes brought to the same version number."""
    tried_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str = Field(default="", sa_type=Text)
    """Why the last push failed; empty when it went, or was not tried."""
    conflict_of: str | None = Field(default=None, max_length=36)
    """For a conflict copy: the audit whose push the team database refused."""
    conflict_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ReviewComment(SQLModel, table=True):
    """What a reviewing manager wrote on a submitted audit: on one item, or (item_id NULL) on
    the audit as a whole; `verdict` is the move it came with (returned, reviewed) or empty."""

    __tablename__ = "review_comment"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    audit_id: str = Field(foreign_key="audit.id", index=True, max_length=36)
    item_id: str | None = Field(default=None, max_length=64)
    author: str = Field(max_length=200)
    at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    tz: str = Field(default="UTC", max_length=64)
    body: str = Field(sa_type=Text)
    verdict: str = Field(default="", max_length=20)


class AnswerChange(SQLModel, table=True):
    """One change to an answer after its audit was first completed: who, when, the old and
    the new value (JSON, as `Answer.value`) and note; `kind` is `shopper` or `review` (a
    reviewer's correction)."""

    __tablename__ = "answer_change"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    audit_id: str = Field(foreign_key="audit.id", index=True, max_length=36)
    item_id: str = Field(max_length=64)
    at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    tz: str = Field(default="UTC", max_length=64)
    who: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    old_value: str | None = Field(default=None, sa_type=Text)
    new_value: str | None = Field(default=None, sa_type=Text)
    old_note: str = Field(default="", sa_type=Text)
    new_note: str = Field(default="", sa_type=Text)


class SaidNoCampaign(SQLModel, table=True):
    """A "said no" log (seed 002): for `days` days from `starts` (in the company's zone), the
    staff named in `kept_by` note every request they refused; `team` narrows it to a team or
    department of the company (empty: the whole company)."""

    __tablename__ = "said_no_campaign"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    company_id: str = Field(foreign_key="company.id", index=True, max_length=36)
    team: str = Field(default="", max_length=200)
    starts: date
    days: int = 30
    kept_by: str = Field(default="", max_length=200)
    created_by: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)


class SaidNoEntry(SQLModel, table=True):
    """One time a customer was told no: what they asked for, what was refused and why, the
    reason (`shopper.domain.said_no.Reason`), who said it (empty: anonymous) and a theme tag.
    `action_list` is the manager's choice of list ("policies", "training", "ideas", "none");
    empty: the list the reason decides."""

    __tablename__ = "said_no_entry"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    campaign_id: str = Field(foreign_key="said_no_campaign.id", index=True, max_length=36)
    at: datetime = Field(sa_type=UTCDateTime)
    tz: str = Field(default="UTC", max_length=64)
    channel: str = Field(default="", max_length=40)
    asked: str = Field(sa_type=Text)
    refused: str = Field(default="", sa_type=Text)
    """What we said no to, and why, in the staff's words."""
    reason: str = Field(max_length=20)
    said_by: str = Field(default="", max_length=200)
    theme: str = Field(default="", max_length=64)
    action_list: str = Field(default="", max_length=20)
    note: str = Field(default="", sa_type=Text)
    created_by: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)


class FeedbackEntry(SQLModel, table=True):
    """A complaint, a piece of feedback or a leaving reason, as imported from a help desk, a
    survey tool or a cancellation form (seed 001). `themes` is a JSON list of theme tags, from
    the keyword rules unless `tagged_by_hand`; `score` over `score_scale` (the highest score
    the source gives) when the source had one."""

    __tablename__ = "feedback_entry"
    __table_args__ = (Index("ix_feedback_entry_company_kind_at", "company_id", "kind", "at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    company_id: str = Field(foreign_key="company.id", max_length=36)
    kind: str = Field(max_length=20)
    at: datetime = Field(sa_type=UTCDateTime)
    channel: str = Field(default="", max_length=40)
    text: str = Field(sa_type=Text)
    category: str = Field(default="", max_length=200)
    score: float | None = None
    score_scale: float | None = None
    themes: str = Field(default="[]", sa_type=Text)
    tagged_by_hand: bool = False
    source: str = Field(default="", max_length=300)
    """The file it came from."""
    shared: bool = False
    """On a team database: whether the team's shoppers may read it (managers always can)."""
    created_by: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)

    def theme_list(self) -> list[str]:
        value: Any = json.loads(self.themes or "[]")
        return [str(v) for v in value] if isinstance(value, list) else []


class ThemeRules(SQLModel, table=True):
    """The keyword rules that tag feedback with themes, as the manager edited them (the text
    format of `resources/theme_rules.txt`); no row: the starter set."""

    __tablename__ = "theme_rules"

    id: str = Field(default="rules", primary_key=True, max_length=36)
    text: str = Field(sa_type=Text)
    updated_by: str = Field(default="", max_length=200)
    updated_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)


class PlanAction(SQLModel, table=True):
    """One action of a company's action plan: what to change, who does it, by when.

    It comes from a failed item (`audit_id`, `item_id`, `touchpoint`), a bad moment or friction
    point (`moment_id` too), or a theme alone. An action on an item is verified by the audits of
    the same company and touchpoint started after it was made (`shopper.domain.actions`); that
    verdict is worked out on reading, never stored, so audits arriving later by bundle or sync
    count like any other. `owner` is a name, or a team login on a team database.
    """

    __tablename__ = "plan_action"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    company_id: str = Field(foreign_key="company.id", index=True, max_length=36)
    title: str = Field(sa_type=Text)
    detail: str = Field(default="", sa_type=Text)
    theme: str = Field(default="", max_length=64)
    source: str = Field(default="theme", max_length=20)
    """What it was made from: item, moment, theme (and, later, said_no or complaint)."""
    audit_id: str | None = Field(default=None, max_length=36)
    """The audit it was made from; no foreign key: a bundle may carry the action alone."""
    item_id: str | None = Field(default=None, max_length=64)
    moment_id: str | None = Field(default=None, max_length=36)
    touchpoint: str = Field(default="", max_length=32)
    owner: str = Field(default="", max_length=200)
    due: date | None = None
    status: str = Field(default="open", max_length=20)
    status_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    """When the status was last set: an audit after it may reopen a done action."""
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    shared: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    """On a team database: whether shoppers may read it (they always read their own)."""
    created_by: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    created_tz: str = Field(default="UTC", max_length=64)
    updated_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
