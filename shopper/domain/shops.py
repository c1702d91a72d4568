"""Shops (assignments): their states, who may move a shop from one state to another, overdue.

A manager assigns a shop to a shopper; the shopper starts it and submits it; the manager
reviews it or returns it, and a returned shop is started and submitted again. A manager may
cancel a shop at any time before it is reviewed. Reviewed and cancelled are final.

The rules are data (`MOVES`), read by `move_problem`, by the services and, as SQL, by the team
database's function `shopper_move_shop` (see `shopper.store.team`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Self

from shopper.domain.clock import in_zone


class _Words(StrEnum):
    @classmethod
    def of(cls, value: object) -> Self | None:
        """The member for a stored text, or None when it is not one of these words."""
        try:
            return cls(value) if isinstance(value, str) else None
        except ValueError:
            return None

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(member.value for member in cls)


class ShopState(_Words):
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    REVIEWED = "reviewed"
    CANCELLED = "cancelled"

    @property
    def final(self) -> bool:
        return self in (ShopState.REVIEWED, ShopState.CANCELLED)


class ShopRole(_Words):
    MANAGER = "manager"
    SHOPPER = "shopper"


@dataclass(frozen=True)
class Move:
    """A move the rules allow: from a state to another, by a role; `own` when a shopper may
    make it only on a shop assigned to them."""

    source: ShopState
    target: ShopState
    role: ShopRole
    verb: str
    own: bool = False


S, R = ShopState, ShopRole
MOVES: tuple[Move, ...] = (
    Move(S.ASSIGNED, S.IN_PROGRESS, R.SHOPPER, "start", own=True),
    Move(S.RETURNED, S.IN_PROGRESS, R.SHOPPER, "start", own=True),
    Move(S.IN_PROGRESS, S.SUBMITTED, R.SHOPPER, "submit", own=True),
    Move(S.SUBMITTED, S.REVIEWED, R.MANAGER, "accept"),
    Move(S.SUBMITTED, S.RETURNED, R.MANAGER, "return"),
    *(
        Move(source, S.CANCELLED, R.MANAGER, "cancel")
        for source in (S.ASSIGNED, S.IN_PROGRESS, S.SUBMITTED, S.RETURNED)
    ),
)
"""Every move the rules allow; anything else is refused."""

NOT_SUBMITTED = frozenset({S.ASSIGNED, S.IN_PROGRESS, S.RETURNED})
"""States of a shop whose work is still to be handed in (overdue once its due day passed)."""

_LABELS = {
    S.ASSIGNED: "assigned",
    S.IN_PROGRESS: "in progress",
    S.SUBMITTED: "submitted",
    S.RETURNED: "returned",
    S.REVIEWED: "reviewed",
    S.CANCELLED: "cancelled",
}


def state_label(state: str) -> str:
    found = ShopState.of(state)
    return _LABELS[found] if found is not None else state


def find_move(source: ShopState, target: ShopState) -> list[Move]:
    return [m for m in MOVES if m.source is source and m.target is target]


def move_problem(
    source: str, target: str, *, roles: Iterable[ShopRole], own: bool = True
) -> str | None:
    """Why a person with these roles may not move a shop from `source` to `target`, in one
    sentence; None when the rules allow it. `own`: the shop is assigned to that person.

    A local (SQLite) database is one person's, who holds both roles and owns every shop.
    """
    current, wanted = ShopState.of(source), ShopState.of(target)
    if current is None:
        return f"unknown shop state {source!r}"
    if wanted is None:
        return f"unknown shop state {target!r}; use one of {', '.join(ShopState.values())}"
    if current.final:
        return f"the shop is {state_label(current)}: nothing can change it any more"
    if current is wanted:
        return f"the shop is {state_label(current)} already"
    moves = find_move(current, wanted)
    if not moves:
        return f"a shop that is {state_label(current)} cannot become {state_label(wanted)}"
    held = set(roles)
    for move in moves:
        if move.role in held and (own or not move.own):
            return None
    move = moves[0]
    if move.role in held:
        return f"only the shop's own shopper may {move.verb} it"
    return f"only a {move.role.value} may {move.verb} a shop"


def can_move(source: str, target: str, *, roles: Iterable[ShopRole], own: bool = True) -> bool:
    return move_problem(source, target, roles=roles, own=own) is None


def is_overdue(state: str, due: date, *, now: datetime, zone: str) -> bool:
    """A shop not yet submitted whose due day has passed in the company's time zone."""
    found = ShopState.of(state)
    return found in NOT_SUBMITTED and in_zone(now, zone).date() > due


def window_problem(opens: date, due: date) -> str | None:
    if opens > due:
        return f"the shop opens on {opens.isoformat()}, after its due day {due.isoformat()}"
    return None
