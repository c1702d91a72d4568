"""The action plan: add actions from a failed item, a bad moment or a theme, list them with
what the later audits say, and change their status.

Verification runs when actions are read (`list_actions`, the plan's PDF, the window), not
when an audit is completed: audits reach a database by the runner, by bundle import, by sync
and from the demo, and a re-opened and corrected audit changes its outcome; reading from the
audits as they are makes every path count and nothing to keep in step. The rule itself is in
`shopper.domain.actions`. One scan per company and touchpoint that has actions on items,
from the oldest such action on, keeps it a single pass over the audits that matter.

On a team database only a manager adds or changes actions; an owner there is a team login.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from shopper.domain.actions import (
    MAX_TITLE,
    ActionError,
    ActionSource,
    ActionStatus,
    Check,
    State,
    Verdict,
    is_overdue,
    parse_status,
    verdict,
)
from shopper.domain.clock import in_zone, local_zone_name, now_utc
from shopper.domain.compare import RANK
from shopper.domain.errors import NotFoundError
from shopper.domain.scoring import Outcome
from shopper.domain.shops import ShopRole
from shopper.domain.themes import theme_title
from shopper.services.analysis import TemplateCache, scored_audits
from shopper.services.chime import PROVIDERS, Provider, theme_since
from shopper.services.shops import actor_of
from shopper.store import actions as store
from shopper.store import repo
from shopper.store import team as team_store
from shopper.store.analysis import Scope
from shopper.store.engine import session_scope
from shopper.store.tables import Company, PlanAction

MAX_OWNER = 200
MAX_THEME = 64


@dataclass(frozen=True)
class ActionInput:
    """An action as a manager asks for it; checked by `create_action` before it is stored."""

    company: str
    """The company's id, unique id prefix or exact name."""
    title: str
    audit: str | None = None
    """With `item`: the audit (id or prefix) whose failed item it is about."""
    item: str | None = None
    moment: str | None = None
    """A bad moment or friction point of `audit` (its id or a unique prefix)."""
    theme: str | None = None
    """For an action on a theme alone; an item's or moment's own theme otherwise."""
    owner: str = ""
    due: date | None = None
    detail: str = ""
    shared: bool = False


@dataclass(frozen=True)
class ActionRow:
    id: str
    company_id: str
    company: str
    title: str
    detail: str
    theme: str
    source: str
    audit_id: str | None
    item_id: str | None
    item_prompt: str
    moment_id: str | None
    touchpoint: str
    owner: str
    due: date | None
    status: ActionStatus
    status_at: datetime
    done_at: datetime | None
    shared: bool
    created_by: str
    created_at: datetime
    created_tz: str
    verdict: Verdict
    checks: tuple[Check, ...]
    """The later audits that scored its item, oldest first."""
    overdue: bool

    @property
    def state(self) -> State:
        return self.verdict.state

    @property
    def theme_title(self) -> str:
        return theme_title(self.theme)

    @property
    def made_on(self) -> date:
        return in_zone(self.created_at, self.created_tz).date()

    @property
    def describe(self) -> str:
        """The plan's line on where it stands: "fixed, verified by audit X on DAY"."""
        return self.verdict.describe(self.owner)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "company_id": self.company_id,
            "company": self.company,
            "title": self.title,
            "detail": self.detail,
            "theme": self.theme,
            "source": self.source,
            "audit_id": self.audit_id,
            "item_id": self.item_id,
            "item_prompt": self.item_prompt,
            "moment_id": self.moment_id,
            "touchpoint": self.touchpoint,
            "owner": self.owner,
            "due": self.due.isoformat() if self.due else None,
            "status": self.status.value,
            "state": self.state.value,
            "verdict": self.describe,
            "overdue": self.overdue,
            "shared": self.shared,
            "checks": [
                {
                    "audit_id": c.audit_id,
                    "started_at": c.started_at.isoformat(),
                    "day": c.day.isoformat(),
                    "passed": c.passed,
                }
                for c in self.checks
            ],
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "status_at": self.status_at.isoformat(),
            "done_at": self.done_at.isoformat() if self.done_at else None,
        }


def create_action(
    *, engine: Engine, data: ActionInput, at: datetime | None = None, zone: str | None = None
) -> ActionRow:
    """Store one action after checking every field.

    Raises:
        ActionError: naming the field at fault; nothing was stored.
        NotFoundError: the company, audit, item or moment does not exist.
    """
    moment_at = at or now_utc()
    title = data.title.strip()
    if not title:
        raise ActionError("title", "say what to change")
    if len(title) > MAX_TITLE:
        raise ActionError("title", f"too long (limit {MAX_TITLE} characters)")
    owner = data.owner.strip()
    if len(owner) > MAX_OWNER:
        raise ActionError("owner", f"too long (limit {MAX_OWNER} characters)")
    theme = (data.theme or "").strip()
    if len(theme) > MAX_THEME:
        raise ActionError("theme", f"too long (limit {MAX_THEME} characters)")
    if data.item and data.moment:
        raise ActionError("item", "give an item or a moment, not both")
    if (data.item or data.moment) and not data.audit:
        raise ActionError("audit", "an item or a moment needs the audit it is in")
    if data.audit and not (data.item or data.moment):
        raise ActionError("item", "name the audit's item (or moment) the action is about")
    if not data.audit and not theme:
        raise ActionError("theme", "give an audit and item, or a theme")
    link = _link(engine, data) if data.audit else None
    with session_scope(engine) as session:
        who = _manager(session, "add actions")
        company = repo.find_company(session=session, name_or_id=data.company)
        if link is not None and link.company_id != company.id:
            raise ActionError("audit", f"audit {link.audit_id[:8]} is not one of {company.name}'s")
        if owner:
            _check_owner(session, owner)
        record = PlanAction(
            company_id=company.id,
            title=title,
            detail=data.detail,
            theme=theme or (link.theme if link else ""),
            source=link.source if link else ActionSource.THEME,
            audit_id=link.audit_id if link else None,
            item_id=link.item_id if link else None,
            moment_id=link.moment_id if link else None,
            touchpoint=link.touchpoint if link else "",
            owner=owner,
            due=data.due,
            status=ActionStatus.OPEN,
            status_at=moment_at,
            shared=data.shared,
            created_by=who,
            created_at=moment_at,
            created_tz=zone or local_zone_name(),
            updated_at=moment_at,
        )
        store.add_action(session=session, action=record)
        action_id = record.id
    return get_action(engine=engine, action_id=action_id)


@dataclass(frozen=True)
class _Link:
    company_id: str
    audit_id: str
    touchpoint: str
    source: ActionSource
    item_id: str | None
    moment_id: str | None
    theme: str


def _link(engine: Engine, data: ActionInput) -> _Link:
    """Where an action made from an audit points: its audit, item or moment, and theme."""
    from shopper.services.templates import get_template

    assert data.audit
    with session_scope(engine) as session:
        audit = repo.get_audit(
            session=session, audit_id=repo.resolve_audit_id(session=session, prefix=data.audit)
        )
        moments = repo.list_moments(session=session, audit_id=audit.id) if data.moment else []
    template = get_template(
        engine=engine, template_id=audit.template_id, version=audit.template_version
    )
    item_id = data.item
    moment_id = None
    source = ActionSource.ITEM
    if data.moment:
        needle = data.moment.strip().lower()
        matching = [m for m in moments if m.id.startswith(needle)] if needle else []
        if len(matching) != 1:
            raise ActionError("moment", f"no single moment {data.moment!r} in that audit")
        moment_id, source = matching[0].id, ActionSource.MOMENT
        item_id = matching[0].item_id
        if item_id is not None and not template.has_item(item_id):
            item_id = None
    elif item_id is not None and not template.has_item(item_id):
        raise ActionError("item", f"the audit's checklist has no item {item_id!r}")
    return _Link(
        company_id=audit.company_id,
        audit_id=audit.id,
        touchpoint=audit.touchpoint,
        source=source,
        item_id=item_id,
        moment_id=moment_id,
        theme=template.item(item_id).theme if item_id is not None else "",
    )


def _manager(session: Session, doing: str) -> str:
    actor = actor_of(session.connection())
    if ShopRole.MANAGER not in actor.roles:
        raise ActionError("login", f"only a manager may {doing}")
    return actor.who


def _check_owner(session: Session, owner: str) -> None:
    """On a team database an owner is one of the team's logins."""
    conn = session.connection()
    if conn.dialect.name != "postgresql" or not team_store.is_team_database(conn):
        return
    if not team_store.list_users(conn, logins=[owner]):
        raise ActionError("owner", f"{owner!r} is not a login of this team")


def set_status(
    *, engine: Engine, action_id: str, status: str | ActionStatus, at: datetime | None = None
) -> ActionRow:
    """Change an action's status; "done" records when, for the theme's figures since."""
    new = status if isinstance(status, ActionStatus) else parse_status(status)
    moment_at = at or now_utc()
    with session_scope(engine) as session:
        _manager(session, "change actions")
        record = store.get_action(session=session, action_id=action_id)
        values: dict[str, Any] = {"status": new.value, "status_at": moment_at}
        values["updated_at"] = moment_at
        if new is ActionStatus.DONE and record.status != ActionStatus.DONE:
            values["done_at"] = moment_at
        elif new is not ActionStatus.DONE:
            values["done_at"] = None
        store.update_action(session=session, action_id=action_id, values=values)
    return get_action(engine=engine, action_id=action_id)


def resolve_action_id(*, engine: Engine, prefix: str) -> str:
    with session_scope(engine) as session:
        return store.resolve_action_id(session=session, prefix=prefix)


def get_action(*, engine: Engine, action_id: str, today: date | None = None) -> ActionRow:
    with session_scope(engine) as session:
        record = store.get_action(session=session, action_id=action_id)
        company = repo.get_company(session=session, company_id=record.company_id)
    return _rows(engine, [(record, company)], today)[0]


def list_actions(
    *,
    engine: Engine,
    company_id: str | None = None,
    owner: str | None = None,
    state: State | None = None,
    overdue: bool = False,
    today: date | None = None,
) -> list[ActionRow]:
    """Actions with their verdict, by company then oldest first; each filter narrows.

    `state` is what the plan shows (fixed, still failing...), `overdue` keeps the actions past
    their due day that are not closed; `today` defaults to each company's own today.
    """
    with session_scope(engine) as session:
        pairs = store.list_actions(session=session, company_id=company_id)
    if owner is not None:
        pairs = [(a, c) for a, c in pairs if a.owner == owner]
    rows = _rows(engine, pairs, today)
    if state is not None:
        rows = [r for r in rows if r.state is state]
    if overdue:
        rows = [r for r in rows if r.overdue]
    return rows


def parse_state(text: str) -> State:
    """A plan state as typed: a status, or fixed / still_failing."""
    key = text.strip().lower().replace(" ", "_").replace("-", "_").replace("'", "")
    try:
        return State(key)
    except ValueError:
        choices = ", ".join(s.value for s in State)
        raise ActionError("status", f"{text!r} is not one of {choices}") from None


def _rows(
    engine: Engine, pairs: list[tuple[PlanAction, Company]], today: date | None
) -> list[ActionRow]:
    checks = _checks(engine, [a for a, _c in pairs])
    prompts = _prompts(engine, [a for a, _c in pairs])
    rows = []
    for action, company in pairs:
        found = checks.get(action.id, [])
        status = ActionStatus(action.status)
        result = verdict(status, action.status_at, found, on_item=action.item_id is not None)
        day = today or in_zone(now_utc(), company.timezone).date()
        rows.append(
            ActionRow(
                id=action.id,
                company_id=company.id,
                company=company.name,
                title=action.title,
                detail=action.detail,
                theme=action.theme,
                source=action.source,
                audit_id=action.audit_id,
                item_id=action.item_id,
                item_prompt=prompts.get(action.id, ""),
                moment_id=action.moment_id,
                touchpoint=action.touchpoint,
                owner=action.owner,
                due=action.due,
                status=status,
                status_at=action.status_at,
                done_at=action.done_at,
                shared=action.shared,
                created_by=action.created_by,
                created_at=action.created_at,
                created_tz=action.created_tz,
                verdict=result,
                checks=tuple(sorted(found, key=lambda c: (c.started_at, c.audit_id))),
                overdue=is_overdue(result.state, action.due, day),
            )
        )
    return rows


def _checks(engine: Engine, actions: list[PlanAction]) -> dict[str, list[Check]]:
    """Per action on an item, the completed audits of its company and touchpoint started
    after it was made that scored the item: one scan per company and touchpoint."""
    groups: dict[tuple[str, str], list[PlanAction]] = defaultdict(list)
    for action in actions:
        if action.item_id is not None and action.touchpoint:
            groups[(action.company_id, action.touchpoint)].append(action)
    found: dict[str, list[Check]] = defaultdict(list)
    cache = TemplateCache(engine)
    for (company_id, touchpoint), group in groups.items():
        since = min(a.created_at for a in group)
        scope = Scope(company_id=company_id, touchpoint=touchpoint, since=since)
        for audit in scored_audits(engine=engine, scope=scope, templates=cache):
            for action in group:
                if audit.meta.id == action.audit_id or audit.meta.started_at < action.created_at:
                    continue
                assert action.item_id is not None
                result = audit.score.items.get(action.item_id)
                if result is None or result.outcome not in RANK:
                    continue  # not in this version of the checklist, N/A or hidden
                found[action.id].append(
                    Check(
                        audit_id=audit.meta.id,
                        started_at=audit.meta.started_at,
                        started_tz=audit.meta.started_tz,
                        passed=result.outcome is not Outcome.FAIL,
                        shopper=audit.meta.shopper,
                    )
                )
    return found


def _prompts(engine: Engine, actions: list[PlanAction]) -> dict[str, str]:
    """The wording of each action's item, as its source audit's checklist has it."""
    from shopper.services.templates import get_template

    wanted = [a for a in actions if a.item_id is not None and a.audit_id is not None]
    if not wanted:
        return {}
    versions: dict[str, tuple[str, int]] = {}
    with session_scope(engine) as session:
        for action in wanted:
            assert action.audit_id is not None
            try:
                audit = repo.get_audit(session=session, audit_id=action.audit_id)
            except NotFoundError:
                continue  # the action came without its audit
            versions[action.id] = (audit.template_id, audit.template_version)
    prompts = {}
    for action in wanted:
        if action.id not in versions:
            continue
        template = get_template(
            engine=engine, template_id=versions[action.id][0], version=versions[action.id][1]
        )
        if action.item_id is not None and template.has_item(action.item_id):
            prompts[action.id] = template.item(action.item_id).prompt
    return prompts


def theme_evidence(
    *, engine: Engine, row: ActionRow, providers: Sequence[Provider] = PROVIDERS
) -> str:
    """For an action on a theme: the theme's figures since the action was done (or made,
    while it is not), in one line."""
    since = row.done_at or row.created_at
    label = "done" if row.done_at else "made"
    found = theme_since(
        engine=engine, company_id=row.company_id, theme=row.theme, since=since, providers=providers
    )
    day = row.done_at.date().isoformat() if row.done_at else row.made_on.isoformat()
    if found is None:
        return f"Since it was {label} ({day}): no audit or other source has anything on it."
    a, o = found.audits, found.other
    parts = [f"audits: {a.failed} failed of {a.scored} scored, {a.moments} bad moments"]
    if o.complaints:
        parts.append(f"{o.complaints} complaints")
    if o.mean_score is not None and o.score_scale:
        parts.append(f"feedback {o.mean_score:.1f} of {o.score_scale:g}")
    if o.said_no:
        parts.append(f"{o.said_no} said no")
    if o.leaving:
        parts.append(f"{o.leaving} leaving")
    return f"Since it was {label} ({day}): {'; '.join(parts)} — {found.agreement.label}."
