"""Demo actions: a handful per demo company, made from its own audits, so the action plan shows
every state a new user will meet.

For each company (the first `MAX_COMPANIES`), from the failed items of its completed audits:
one action made after a failure that a later audit passed (fixed, verified by that audit),
one after a failure that the newest audit failed again (still failing, reopened), one on the
newest failure with no audit since (open, due in a few weeks), and one on the company's most
failing theme, in progress and past its due day. Made with the times they would have had,
so the later audits verify them exactly as they would a real plan.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine

from shopper.domain.actions import ActionSource, ActionStatus
from shopper.domain.compare import RANK
from shopper.domain.scoring import Outcome
from shopper.domain.themes import theme_title
from shopper.services.analysis import scored_audits
from shopper.services.shops import actor_of
from shopper.store import actions as store
from shopper.store import team as team_store
from shopper.store.analysis import Scope
from shopper.store.engine import session_scope
from shopper.store.tables import PlanAction

MAX_COMPANIES = 6
MAX_AUDITS = 400
"""Audits looked at per company: a big demo gets its actions from its oldest ones."""
OWNERS = ("Olivia Grant", "Jan Kowalski", "Sam Lee", "Maria Rossi")


@dataclass(frozen=True)
class _Seen:
    audit_id: str
    started_at: datetime
    failed: bool
    prompt: str
    theme: str


def add_demo_actions(*, engine: Engine, company_ids: Sequence[str]) -> int:
    """Add the demo actions of these companies in one transaction; returns how many.

    The rows are written directly (not through `create_action`, which reads each action
    back with its verification): the items are the audits' own, so there is nothing to check.
    """
    chosen = list(company_ids[:MAX_COMPANIES])
    stories = _stories(engine, chosen)
    records: list[PlanAction] = []
    with session_scope(engine) as session:
        conn = session.connection()
        team = conn.dialect.name == "postgresql" and team_store.is_team_database(conn)
        who = actor_of(conn).who
        for number, company_id in enumerate(chosen):
            if company_id in stories:
                records += _company_actions(stories[company_id], company_id, number, who)
        for record in records:
            if team:  # an owner there is a team login; the demo's names are not
                record.owner = ""
            store.add_action(session=session, action=record)
    return len(records)


@dataclass
class _Story:
    history: dict[tuple[str, str], list[_Seen]]
    zones: dict[str, str]
    themes: Counter[str]
    newest: datetime
    audits: int = 0


def _stories(engine: Engine, companies: Sequence[str]) -> dict[str, _Story]:
    """Per company, each item's outcomes audit after audit, over its oldest `MAX_AUDITS`
    completed audits: a scan of that company's audits that stops there (a scan of every
    audit, for the few companies given, took most of a big demo's time)."""
    found: dict[str, _Story] = {}
    for company_id in dict.fromkeys(companies):
        for audit in scored_audits(engine=engine, scope=Scope(company_id=company_id)):
            meta = audit.meta
            story = found.setdefault(company_id, _Story({}, {}, Counter(), meta.started_at))
            story.audits += 1
            story.zones[meta.id] = meta.started_tz
            story.newest = meta.started_at
            for item in audit.template.items():
                outcome = audit.score.items[item.id].outcome
                if outcome not in RANK:
                    continue
                failed = outcome is Outcome.FAIL
                story.themes[item.theme] += failed
                story.history.setdefault((meta.touchpoint, item.id), []).append(
                    _Seen(meta.id, meta.started_at, failed, item.prompt, item.theme)
                )
            if story.audits >= MAX_AUDITS:
                break
    return found


def _company_actions(story: _Story, company_id: str, number: int, who: str) -> list[PlanAction]:
    owner = OWNERS[number % len(OWNERS)]
    used: set[tuple[str, str]] = set()
    made: list[PlanAction] = []
    wanted = (
        ("fixed", "Retrain the team on {prompt}", ActionStatus.DONE, 7),
        ("failing", "Fix the process behind {prompt}", ActionStatus.IN_PROGRESS, 2),
        ("open", "Look into {prompt}", ActionStatus.OPEN, 0),
    )
    for kind, title, status, after in wanted:
        found = _pick(story.history, used, kind)
        if found is None:
            continue
        key, seen = found
        used.add(key)
        at = seen.started_at + timedelta(days=1)
        due = (story.newest if kind == "open" else at) + timedelta(days=30)
        made.append(
            PlanAction(
                company_id=company_id,
                title=title.format(prompt=_short(seen.prompt)),
                detail="From the demo: made the day after the audit that failed it.",
                theme=seen.theme,
                source=ActionSource.ITEM,
                audit_id=seen.audit_id,
                item_id=key[1],
                touchpoint=key[0],
                owner=owner,
                due=due.date(),
                status=status,
                status_at=at + timedelta(days=after),
                done_at=at + timedelta(days=after) if status is ActionStatus.DONE else None,
                created_by=who,
                created_at=at,
                created_tz=story.zones[seen.audit_id],
                updated_at=at + timedelta(days=after),
            )
        )
    worst = next((t for t, n in story.themes.most_common() if n and t), None)
    if worst is not None:
        at = story.newest - timedelta(days=40)
        made.append(
            PlanAction(
                company_id=company_id,
                title=f"Review how we handle {theme_title(worst).lower()} across every channel",
                theme=worst,
                source=ActionSource.THEME,
                owner=OWNERS[(number + 1) % len(OWNERS)],
                due=(story.newest - timedelta(days=5)).date(),
                status=ActionStatus.IN_PROGRESS,
                status_at=at + timedelta(days=1),
                created_by=who,
                created_at=at,
                created_tz="UTC",
                updated_at=at + timedelta(days=1),
            )
        )
    return made


def _pick(
    history: dict[tuple[str, str], list[_Seen]], used: set[tuple[str, str]], kind: str
) -> tuple[tuple[str, str], _Seen] | None:
    """An item whose story fits `kind`, and the failing audit the action follows."""
    for key in sorted(history):
        if key in used:
            continue
        seen = history[key]
        last = seen[-1]
        earlier = [s for s in seen[:-1] if s.failed]
        if kind == "fixed" and not last.failed and earlier:
            return key, earlier[-1]
        if kind == "failing" and last.failed and earlier:
            return key, earlier[-1]
        if kind == "open" and last.failed and not earlier:
            return key, last
    return None


def _short(prompt: str) -> str:
    text = prompt.rstrip("?").strip()
    text = text[:1].lower() + text[1:]
    return f"“{text[:80]}”"
