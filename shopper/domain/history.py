"""An audit's history as one list: what happened to it, to its shop and to its answers.

Built from four records the store keeps: the audit's events (completed, reopened, follow-up),
its shop's events (assigned, started, submitted, returned, reviewed, cancelled), the changes to
its answers after it was first completed (the shopper's own after a return or a reopen, and the
reviewer's corrections) and the reviewer's comments. Each entry says who, when, what, and for
an answer the old and the new value as shown, oldest first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from shopper.domain.shops import ShopState


class HistoryKind(StrEnum):
    ANSWER = "answer"
    """The shopper changed an answer or its note after the audit was first completed."""
    CORRECTION = "correction"
    """A reviewer corrected an answer or its note."""
    COMMENT = "comment"
    """A reviewer's comment, on an item or on the whole audit."""
    SHOP = "shop"
    """The shop moved from one state to another."""
    AUDIT = "audit"
    """The audit was completed, reopened or its follow-up finished."""


CHANGE_KINDS = {"shopper": HistoryKind.ANSWER, "review": HistoryKind.CORRECTION}
"""`answer_change.kind` -> its kind here."""

SHOP_WORDS = {
    None: "Shop assigned",
    ShopState.IN_PROGRESS.value: "Shop started",
    ShopState.SUBMITTED.value: "Submitted for review",
    ShopState.RETURNED.value: "Returned to the shopper",
    ShopState.REVIEWED.value: "Accepted (reviewed)",
    ShopState.CANCELLED.value: "Shop cancelled",
}
"""What a shop event says, by the state it moved to (None: created)."""

AUDIT_WORDS = {
    "created": "Audit started",
    "completed": "Audit completed",
    "awaiting_follow_up": "Completed, awaiting follow-up",
    "reopened": "Audit reopened",
    "follow_up_answered": "Follow-up answered",
    "follow_up_lapsed": "Follow-up lapsed",
}
"""What an audit event says, by its kind; another kind is shown as it is stored."""


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    tz: str
    who: str
    kind: HistoryKind
    what: str
    """One line: "Answer changed", "Returned to the shopper", the comment's text..."""
    item_id: str | None = None
    old: str = ""
    """For an answer: the value before, as shown (with its note, when that changed)."""
    new: str = ""
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(timespec="seconds"),
            "tz": self.tz,
            "who": self.who,
            "kind": self.kind.value,
            "what": self.what,
            "item_id": self.item_id,
            "old": self.old,
            "new": self.new,
            "detail": self.detail,
        }


def audit_entry(kind: str, at: datetime, tz: str, who: str, detail: str) -> HistoryEntry:
    what = AUDIT_WORDS.get(kind, kind.replace("_", " ").capitalize())
    return HistoryEntry(at, tz, who, HistoryKind.AUDIT, what, detail=detail)


RETURNED_BY = "returned by "
"""How the audit event of a review's return begins (then the reviewer's login)."""


def who_did(kind: str, detail: str, shopper: str) -> str:
    """Who made an audit event (the store keeps no author for them): the reviewer for the
    reopening of a return, else the audit's shopper."""
    if kind == "reopened" and detail.startswith(RETURNED_BY):
        return detail.removeprefix(RETURNED_BY)
    return shopper


def shop_entry(
    to_state: str, from_state: str | None, *, at: datetime, tz: str, who: str, detail: str
) -> HistoryEntry:
    key = None if from_state is None else to_state
    what = SHOP_WORDS.get(key, to_state.replace("_", " ").capitalize())
    return HistoryEntry(at, tz, who, HistoryKind.SHOP, what, detail=detail)


def change_entry(
    *,
    kind: str,
    at: datetime,
    tz: str,
    who: str,
    item_id: str,
    old_value: str,
    new_value: str,
    old_note: str,
    new_note: str,
) -> HistoryEntry:
    """An answer's change; the values are as shown ("" when blank)."""
    history_kind = CHANGE_KINDS.get(kind, HistoryKind.ANSWER)
    value_changed = old_value != new_value
    note_changed = old_note != new_note
    if value_changed and note_changed:
        what = "Answer and note changed"
    elif note_changed:
        what = "Note changed"
    else:
        what = "Answer changed"
    if history_kind is HistoryKind.CORRECTION:
        what = what.replace("changed", "corrected by the reviewer")
    old, new = old_value, new_value
    if note_changed and not value_changed:
        old, new = old_note, new_note
    elif note_changed:
        old, new = _with_note(old_value, old_note), _with_note(new_value, new_note)
    return HistoryEntry(at, tz, who, history_kind, what, item_id=item_id, old=old, new=new)


def comment_entry(
    *, at: datetime, tz: str, who: str, item_id: str | None, body: str, verdict: str
) -> HistoryEntry:
    return HistoryEntry(at, tz, who, HistoryKind.COMMENT, body, item_id=item_id, detail=verdict)


def ordered(entries: Iterable[HistoryEntry]) -> list[HistoryEntry]:
    """Oldest first; at the same moment a state change before the comments and changes."""
    rank = {HistoryKind.SHOP: 0, HistoryKind.AUDIT: 1, HistoryKind.COMMENT: 2}
    # Moves made at one moment (assigned and started together) in the order of the workflow.
    steps = {what: index for index, what in enumerate(SHOP_WORDS.values())}
    return sorted(entries, key=lambda e: (e.at, rank.get(e.kind, 3), steps.get(e.what, 0)))


def of_item(entries: Iterable[HistoryEntry], item_id: str) -> list[HistoryEntry]:
    return [e for e in entries if e.item_id == item_id]


def _with_note(value: str, note: str) -> str:
    return f"{value} — note: {note}" if note else value
