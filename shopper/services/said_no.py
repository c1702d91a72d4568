"""The "said no" log (seed 002): start a company's log, note a refusal, move an entry to
another list, and the summary (`shopper.domain.said_no.summarize`).

A company's entries go to its newest log (the one started last); a log runs `days` days
from its first day, counted in the company's time zone. Entries noted outside those days are
kept (a late spreadsheet row is still evidence) and counted in the summary, not per day.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlmodel import Session

from shopper.domain import said_no as domain
from shopper.domain.clock import as_utc, in_zone, now_utc
from shopper.domain.errors import ShopperError
from shopper.domain.vocabulary import KNOWN_THEMES
from shopper.services import tabular
from shopper.services.shops import actor_of
from shopper.store import repo
from shopper.store import said_no as store
from shopper.store.engine import session_scope
from shopper.store.tables import Company, SaidNoCampaign, SaidNoEntry

if TYPE_CHECKING:
    from shopper.services.reports import ReportResult

MAX_TEXT = 4000
MAX_SHORT = 200
MAX_THEME = 64
MAX_CHANNEL = 40


class SaidNoInputError(ShopperError):
    """An entry is not valid: `field` names what is wrong (asked, reason, channel, theme,
    said_by, refused, note, at, list)."""

    def __init__(self, field: str, why: str) -> None:
        self.field = field
        self.why = why
        super().__init__(f"{field}: {why}")


class NoCampaignError(ShopperError):
    """The company has no said-no log to write to."""


@dataclass(frozen=True)
class SaidNoInput:
    asked: str
    reason: str
    """A `Reason` value, or a word `parse_reason` understands."""
    channel: str = ""
    at: datetime | None = None
    """None: now."""
    tz: str | None = None
    """The zone it was noted in; None: the company's."""
    refused: str = ""
    said_by: str = ""
    theme: str = ""
    note: str = ""


@dataclass(frozen=True)
class CampaignRow:
    id: str
    company_id: str
    company: str
    team: str
    starts: date
    days: int
    kept_by: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "company_id": self.company_id,
            "company": self.company,
            "team": self.team,
            "starts": self.starts.isoformat(),
            "days": self.days,
            "kept_by": self.kept_by,
        }


def manager(session: Session, doing: str) -> str:
    """The login, when it may work on the said-no log and feedback (a manager, or anyone on
    their own database); the team database's policies are the guard, this the message.

    Raises:
        ShopperError: a shopper of a team database.
    """
    from shopper.domain.shops import ShopRole

    actor = actor_of(session.connection())
    if ShopRole.MANAGER not in actor.roles:
        raise ShopperError(f"only a manager may {doing} on the team database")
    return actor.who


def start_campaign(
    *,
    engine: Engine,
    company: str,
    days: int = domain.DEFAULT_DAYS,
    team: str = "",
    kept_by: str = "",
    starts: date | None = None,
    at: datetime | None = None,
) -> CampaignRow:
    """Start a company's said-no log (today in its zone, unless `starts` says otherwise)."""
    domain.check_days(days)
    moment = at or now_utc()
    with session_scope(engine) as session:
        who = manager(session, "start a said-no log")
        found = repo.find_company(session=session, name_or_id=company)
        record = SaidNoCampaign(
            company_id=found.id,
            team=_short("team", team),
            starts=starts or in_zone(moment, found.timezone).date(),
            days=days,
            kept_by=_short("kept_by", kept_by),
            created_by=who,
            created_at=moment,
        )
        store.add_campaign(session=session, campaign=record)
        return _campaign_row(record, found)


def current_campaign(*, engine: Engine, company: str) -> CampaignRow | None:
    with session_scope(engine) as session:
        found = repo.find_company(session=session, name_or_id=company)
        record = store.latest_campaign(session=session, company_id=found.id)
        return _campaign_row(record, found) if record is not None else None


def _campaign_row(record: SaidNoCampaign, company: Company) -> CampaignRow:
    return CampaignRow(
        id=record.id,
        company_id=company.id,
        company=company.name,
        team=record.team,
        starts=record.starts,
        days=record.days,
        kept_by=record.kept_by,
    )


def add_entry(*, engine: Engine, company: str, data: SaidNoInput) -> domain.NoEntry:
    """Note one refusal in the company's newest log.

    Raises:
        SaidNoInputError: naming the field at fault; nothing was stored.
        NoCampaignError: the company has no log yet.
    """
    return add_entries(engine=engine, company=company, entries=[data])[0]


def add_entries(
    *, engine: Engine, company: str, entries: Sequence[SaidNoInput]
) -> list[domain.NoEntry]:
    """Note refusals in the company's newest log, all or (when one is wrong) none."""
    moment = now_utc()
    with session_scope(engine) as session:
        found, campaign = _company_campaign(session, company)
        who = actor_of(session.connection()).who
        records = [
            checked_entry(data, campaign.id, found.timezone, moment, who) for data in entries
        ]
        store.add_entries(session=session, entries=records)
        return [_entry(record) for record in records]


def _company_campaign(session: Session, company: str) -> tuple[Company, SaidNoCampaign]:
    manager(session, "see or change the said-no log")
    found = repo.find_company(session=session, name_or_id=company)
    campaign = store.latest_campaign(session=session, company_id=found.id)
    if campaign is None:
        raise NoCampaignError(
            f"{found.name} has no said-no log; start one first (shopper said-no start)"
        )
    return found, campaign


def checked_entry(
    data: SaidNoInput, campaign_id: str, zone: str, moment: datetime, who: str
) -> SaidNoEntry:
    """The row to store for an entry, after checking every field.

    Raises:
        SaidNoInputError: naming the first field at fault.
    """
    asked = data.asked.strip()
    if not asked:
        raise SaidNoInputError("asked", "say what the customer asked for")
    try:
        reason = domain.parse_reason(data.reason)
    except ShopperError as exc:
        raise SaidNoInputError("reason", str(exc)) from None
    at = data.at or moment
    if at.tzinfo is None:
        raise SaidNoInputError("at", "give the time with its zone")
    return SaidNoEntry(
        campaign_id=campaign_id,
        at=at,
        tz=data.tz or zone,
        channel=_short("channel", data.channel.strip().casefold(), MAX_CHANNEL),
        asked=_long("asked", asked),
        refused=_long("refused", data.refused.strip()),
        reason=reason.value,
        said_by=_short("said_by", data.said_by.strip()),
        theme=theme_tag(data.theme),
        note=_long("note", data.note.strip()),
        created_by=who,
        created_at=moment,
    )


def theme_tag(text: str) -> str:
    """A theme as typed ("Follow up", "speed") as its tag ("follow-up", "speed")."""
    tag = "-".join(text.strip().casefold().split())
    if len(tag) > MAX_THEME:
        raise SaidNoInputError("theme", f"too long (limit {MAX_THEME} characters)")
    by_label = {label.casefold(): key for key, label in KNOWN_THEMES.items()}
    return by_label.get(text.strip().casefold(), tag)


def _short(field: str, text: str, limit: int = MAX_SHORT) -> str:
    if len(text) > limit:
        raise SaidNoInputError(field, f"too long (limit {limit} characters)")
    return text


def _long(field: str, text: str) -> str:
    if len(text) > MAX_TEXT:
        raise SaidNoInputError(field, f"too long (limit {MAX_TEXT} characters)")
    return text


def _entry(record: SaidNoEntry) -> domain.NoEntry:
    return domain.NoEntry(
        id=record.id,
        at=record.at,
        tz=record.tz,
        channel=record.channel,
        asked=record.asked,
        refused=record.refused,
        reason=record.reason,
        said_by=record.said_by,
        theme=record.theme,
        action_list=record.action_list,
        note=record.note,
    )


def summary(*, engine: Engine, company: str, today: date | None = None) -> domain.Summary:
    """The summary of the company's newest log, as of `today` (default: today in its zone).

    Raises:
        NoCampaignError: the company has no log.
    """
    with session_scope(engine) as session:
        found, campaign = _company_campaign(session, company)
        entries = store.list_entries(session=session, campaign_ids=[campaign.id])
        return domain.summarize(
            company=found.name,
            team=campaign.team,
            starts=campaign.starts,
            days=campaign.days,
            today=today or in_zone(now_utc(), found.timezone).date(),
            zone=found.timezone,
            entries=[_entry(record) for record in entries],
        )


def move_entry(*, engine: Engine, entry: str, to: str) -> domain.NoEntry:
    """Put an entry on another list ("policies", "training", "ideas", "none"), or back on
    the one its reason decides ("reason").

    Raises:
        SaidNoInputError: `to` is not a list.
        NotFoundError: no such entry.
    """
    if to == "reason":
        chosen = ""
    else:
        try:
            chosen = domain.ActionList(to).value
        except ValueError:
            names = ", ".join([*domain.ActionList.__members__.values(), "reason"])
            raise SaidNoInputError("list", f"{to!r} is not a list; use one of {names}") from None
    with session_scope(engine) as session:
        manager(session, "move a said-no entry")
        entry_id = store.resolve_entry_id(session=session, prefix=entry)
        store.update_entry(session=session, entry_id=entry_id, values={"action_list": chosen})
        session.expire_all()
        return _entry(store.get_entry(session=session, entry_id=entry_id))


def retag_entry(*, engine: Engine, entry: str, theme: str) -> domain.NoEntry:
    tag = theme_tag(theme)
    with session_scope(engine) as session:
        manager(session, "tag a said-no entry")
        entry_id = store.resolve_entry_id(session=session, prefix=entry)
        store.update_entry(session=session, entry_id=entry_id, values={"theme": tag})
        session.expire_all()
        return _entry(store.get_entry(session=session, entry_id=entry_id))


def said_no_by_theme(
    session: Session, company_id: str, since: datetime | None = None
) -> dict[str, int]:
    """Entries of every said-no log of the company per theme tag (untagged under ""); with
    `since`, only those from that moment on."""
    campaigns = store.list_campaigns(session=session, company_id=company_id)
    entries = store.list_entries(session=session, campaign_ids=[c.id for c in campaigns])
    if since is not None:
        entries = [e for e in entries if as_utc(e.at) >= since]
    return dict(Counter(entry.theme for entry in entries))


def company_timezone(*, engine: Engine, company: str) -> str:
    with session_scope(engine) as session:
        return repo.find_company(session=session, name_or_id=company).timezone


# -- importing a spreadsheet --------------------------------------------------------------

IMPORT_FIELDS = (
    tabular.FieldSpec("at", True, ("date", "when", "time", "date and time"), "when it happened"),
    tabular.FieldSpec(
        "asked",
        True,
        ("request", "customer asked", "asked for", "what they asked"),
        "what the customer asked for",
    ),
    tabular.FieldSpec("reason", True, ("why", "reason code"), f"one of: {domain.reason_words()}"),
    tabular.FieldSpec(
        "refused",
        False,
        ("said no to", "we said no", "answer", "what we said"),
        "what we said no to, and why",
    ),
    tabular.FieldSpec("channel", False, ("via", "medium"), "phone, e-mail, chat..."),
    tabular.FieldSpec("said_by", False, ("said by", "staff", "who", "agent"), "who said it"),
    tabular.FieldSpec("theme", False, ("topic",), "a theme tag"),
    tabular.FieldSpec("note", False, ("notes", "comment", "comments"), ""),
)


def import_said_no(
    *,
    engine: Engine,
    path: Path,
    company: str,
    mapping: Mapping[str, str] | None = None,
    valid_only: bool = False,
    rejects: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> tabular.ImportResult:
    """Import a said-no spreadsheet into the company's newest log: every row, or none when
    one is wrong, unless `valid_only` (the rejected rows are then written to `rejects`).

    Raises:
        TableError: the file cannot be read, or the mapping does not fit it (one line).
        RowsError: rows are wrong (each named) and nothing was imported.
        NoCampaignError: the company has no log.
    """
    moment = now_utc()
    with session_scope(engine) as session:
        found, campaign = _company_campaign(session, company)
        who = actor_of(session.connection()).who

    def convert(
        row: tabular.Row, columns: Mapping[str, str]
    ) -> SaidNoEntry | list[tabular.RowProblem]:
        at_text = row.get(columns, "at")
        try:
            at = tabular.parse_moment(at_text, found.timezone) if at_text else None
        except ValueError:
            return [
                tabular.RowProblem(
                    row.line, columns["at"], f"{at_text[:40]!r} is not a date like 2026-03-02 10:15"
                )
            ]
        if at is None:
            return [tabular.RowProblem(row.line, columns["at"], "empty; say when it happened")]
        data = SaidNoInput(
            asked=row.get(columns, "asked"),
            reason=row.get(columns, "reason"),
            refused=row.get(columns, "refused"),
            channel=row.get(columns, "channel"),
            at=at,
            said_by=row.get(columns, "said_by"),
            theme=row.get(columns, "theme"),
            note=row.get(columns, "note"),
        )
        try:
            return checked_entry(data, campaign.id, found.timezone, moment, who)
        except SaidNoInputError as exc:
            return [tabular.RowProblem(row.line, columns.get(exc.field, exc.field), exc.why)]

    checked = tabular.check_rows(path, IMPORT_FIELDS, mapping or {}, convert, progress)
    written = tabular.settle(path, checked, valid_only=valid_only, rejects=rejects)
    with session_scope(engine) as session:
        store.add_entries(session=session, entries=checked.rows)
    return tabular.ImportResult(
        imported=len(checked.rows),
        rejected=len(checked.bad_rows),
        rejects_file=written,
        problems=tuple(checked.problems),
    )


# -- the summary as a PDF -----------------------------------------------------------------


def make_report(
    *,
    engine: Engine,
    company: str,
    out_path: Path,
    page_size: str = "a4",
    redact: bool = False,
    redact_names: Sequence[str] = (),
    today: date | None = None,
) -> ReportResult:
    """Write the PDF of the company's newest said-no log (see `shopper.report.said_no`).

    Raises:
        NoCampaignError: the company has no log.
        ReportError: unknown page size, or the file cannot be written.
    """
    from shopper import __version__
    from shopper.report.document import page_size_for
    from shopper.report.said_no import build_said_no_report
    from shopper.services.reports import ReportResult, redactor_for, write_atomically

    page_size_for(page_size)
    facts = summary(engine=engine, company=company, today=today)
    redactor = redactor_for(redact, redact_names)
    pages = write_atomically(
        out_path,
        lambda out: build_said_no_report(
            out, facts, page_size=page_size, redactor=redactor, creator=f"Shopper {__version__}"
        ),
    )
    return ReportResult(path=out_path, pages=pages)
