"""Audits awaiting follow-up: what waits, until when, and settling those whose time is up.

An audit completed on the day but for its `later` items ("did they follow up within 5
working days?") is listed here with each waiting item's due moment. Once every window
of an audit has passed, `settle_follow_ups` answers what still waits with the
template's `otherwise` (for a yes/no item, the failing answer) and completes it, so its
score is final and it counts in comparisons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from shopper.domain.clock import as_utc, now_utc
from shopper.domain.vocabulary import AuditStatus
from shopper.services.audits import list_audits
from shopper.services.runner import AuditRunner


@dataclass(frozen=True)
class WaitingItem:
    item_id: str
    prompt: str
    due: datetime
    """When its window closes (UTC)."""


@dataclass(frozen=True)
class WaitingAudit:
    """An audit awaiting follow-up, with what waits in it."""

    audit_id: str
    company_name: str
    touchpoint: str
    template_title: str
    shopper: str
    started_at: datetime
    started_tz: str
    completed_at: datetime
    items: tuple[WaitingItem, ...]

    @property
    def due(self) -> datetime:
        """The first window to close."""
        return min(item.due for item in self.items)


def waiting_audits(*, engine: Engine) -> list[WaitingAudit]:
    """Every audit awaiting follow-up with its waiting items, the first due first.

    An audit whose follow-up is answered but not yet completed lists no items and
    comes first (nothing to wait for: complete it).
    """
    found: list[WaitingAudit] = []
    for row in list_audits(engine=engine, status=AuditStatus.AWAITING_FOLLOW_UP):
        runner = AuditRunner(engine=engine, audit_id=row.id)
        items = tuple(
            WaitingItem(item_id, runner.template.item(item_id).prompt, due)
            for item_id, due in runner.waiting().items()
        )
        found.append(
            WaitingAudit(
                audit_id=row.id,
                company_name=row.company_name,
                touchpoint=row.touchpoint,
                template_title=row.template_title,
                shopper=row.shopper_name,
                started_at=row.started_at,
                started_tz=row.started_tz,
                completed_at=as_utc(row.completed_at or row.started_at),
                items=items,
            )
        )
    return sorted(found, key=lambda a: (bool(a.items), a.due if a.items else a.completed_at))


def settle_follow_ups(*, engine: Engine, now: datetime | None = None) -> list[str]:
    """Complete every audit awaiting follow-up whose windows have all passed; returns
    their ids. Each audit is settled in its own transactions, so a failure leaves the
    others settled and this one as it was."""
    moment = as_utc(now) if now is not None else now_utc()
    settled = []
    for row in list_audits(engine=engine, status=AuditStatus.AWAITING_FOLLOW_UP):
        runner = AuditRunner(engine=engine, audit_id=row.id)
        runner.settle(moment)
        if not runner.awaiting:
            settled.append(row.id)
    return settled
