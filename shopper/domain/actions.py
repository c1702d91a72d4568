"""Actions of an action plan, and their verification by the next audits.

An action made from a checklist item is checked by every completed audit of the same company
and touchpoint started after the action was made, that scored the item. The newest check
decides:

- it passed (a pass or a partial: anything but a fail, the findings' rule) -> **fixed**,
  "verified by audit X on DAY", whatever status the owner gave it;
- it failed -> **still failing**: the action is reopened and its owner shown, unless the
  owner set its status after that audit (then the status stands until the next audit);
- no check yet -> the status as set (open, in progress, done, won't do).

"Won't do" stands unless an audit passes the item. The verdict is worked out when the actions
are read, never stored: audits come by bundle, by sync or from a re-opened audit as well as
from the runner, and each of them counts the moment it is in the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from shopper.domain.clock import in_zone
from shopper.domain.errors import ShopperError


class ActionStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    WONT_DO = "wont_do"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    ActionStatus.OPEN: "open",
    ActionStatus.IN_PROGRESS: "in progress",
    ActionStatus.DONE: "done",
    ActionStatus.WONT_DO: "won't do",
}


class ActionSource(StrEnum):
    ITEM = "item"
    MOMENT = "moment"
    THEME = "theme"


class State(StrEnum):
    """What the plan shows for an action: its status, or what the audits said."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    WONT_DO = "wont_do"
    FIXED = "fixed"
    STILL_FAILING = "still_failing"

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]

    @property
    def closed(self) -> bool:
        return self in (State.FIXED, State.WONT_DO)


_STATE_LABELS = {
    State.OPEN: "open",
    State.IN_PROGRESS: "in progress",
    State.DONE: "done",
    State.WONT_DO: "won't do",
    State.FIXED: "fixed",
    State.STILL_FAILING: "still failing",
}

MAX_TITLE = 500


class ActionError(ShopperError):
    """An action to add or change is not valid: `field` names what is wrong."""

    def __init__(self, field: str, why: str) -> None:
        self.field = field
        self.why = why
        super().__init__(f"{field}: {why}")


def parse_status(text: str) -> ActionStatus:
    """A status as a user types it: open, in_progress (or "in progress"), done, wont_do."""
    key = text.strip().lower().replace(" ", "_").replace("-", "_").replace("'", "")
    try:
        return ActionStatus(key)
    except ValueError:
        choices = ", ".join(s.value for s in ActionStatus)
        raise ActionError("status", f"{text!r} is not one of {choices}") from None


@dataclass(frozen=True)
class Check:
    """One later audit that scored the action's item."""

    audit_id: str
    started_at: datetime
    started_tz: str
    passed: bool
    shopper: str = ""

    @property
    def day(self) -> date:
        return in_zone(self.started_at, self.started_tz).date()


@dataclass(frozen=True)
class Verdict:
    state: State
    check: Check | None
    """The audit that decided it; None when the status as set stands."""
    awaiting: bool = False
    """Done on a checklist item, and no audit has checked it since."""

    def describe(self, owner: str) -> str:
        """One line for the plan: "fixed, verified by audit 1a2b3c4d on 2026-03-02"."""
        if self.check is not None and self.state is State.FIXED:
            return f"fixed, verified by audit {self.check.audit_id[:8]} on {self.check.day}"
        if self.check is not None and self.state is State.STILL_FAILING:
            who = owner or "no owner"
            return (
                f"still failing in audit {self.check.audit_id[:8]} on {self.check.day};"
                f" reopened, owner {who}"
            )
        if self.awaiting:
            return "done, awaiting the next audit"
        return self.state.label


def verdict(
    status: ActionStatus, status_at: datetime, checks: list[Check], *, on_item: bool = True
) -> Verdict:
    """What the plan shows for an action with this status and these later audits (any order);
    `on_item`: the action names a checklist item (a theme's action has no checks)."""
    latest = max(checks, key=lambda c: (c.started_at, c.audit_id)) if checks else None
    if latest is not None and latest.passed:
        return Verdict(State.FIXED, latest)
    if latest is not None and status is not ActionStatus.WONT_DO and latest.started_at >= status_at:
        return Verdict(State.STILL_FAILING, latest)
    return Verdict(State(status.value), None, awaiting=on_item and status is ActionStatus.DONE)


def is_overdue(state: State, due: date | None, today: date) -> bool:
    """Past its due day and not closed (fixed or won't do) nor done awaiting an audit."""
    late = (State.OPEN, State.IN_PROGRESS, State.STILL_FAILING)
    return due is not None and due < today and state in late
