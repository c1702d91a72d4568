"""Shop states: the rules as data, property-tested over random paths of attempted moves."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopper.domain.shops import (
    MOVES,
    NOT_SUBMITTED,
    ShopRole,
    ShopState,
    can_move,
    is_overdue,
    move_problem,
    window_problem,
)

S, R = ShopState, ShopRole
EXPECTED = {
    (S.ASSIGNED, S.IN_PROGRESS, R.SHOPPER),
    (S.RETURNED, S.IN_PROGRESS, R.SHOPPER),
    (S.IN_PROGRESS, S.SUBMITTED, R.SHOPPER),
    (S.SUBMITTED, S.REVIEWED, R.MANAGER),
    (S.SUBMITTED, S.RETURNED, R.MANAGER),
    (S.ASSIGNED, S.CANCELLED, R.MANAGER),
    (S.IN_PROGRESS, S.CANCELLED, R.MANAGER),
    (S.SUBMITTED, S.CANCELLED, R.MANAGER),
    (S.RETURNED, S.CANCELLED, R.MANAGER),
}
"""The workflow of issue 15, written out once more by hand."""

ROLE_SETS = st.sampled_from([{R.MANAGER}, {R.SHOPPER}, {R.MANAGER, R.SHOPPER}])
ATTEMPTS = st.lists(
    st.tuples(st.sampled_from(list(S)), ROLE_SETS, st.booleans()), min_size=1, max_size=40
)


def test_the_table_is_the_workflow() -> None:
    assert {(m.source, m.target, m.role) for m in MOVES} == EXPECTED


@given(ATTEMPTS)
def test_no_path_reaches_a_state_the_rules_forbid(
    attempts: list[tuple[ShopState, set[ShopRole], bool]],
) -> None:
    state = S.ASSIGNED
    for target, roles, own in attempts:
        problem = move_problem(state, target, roles=roles, own=own)
        allowed = {(s, t) for s, t, r in EXPECTED if r in roles and (own or r is R.MANAGER)}
        if problem is None:
            assert (state, target) in allowed
            state = target
        else:
            assert (state, target) not in allowed
            assert problem and "\n" not in problem
    assert state in set(S)


@given(st.sampled_from([S.REVIEWED, S.CANCELLED]), st.sampled_from(list(S)), ROLE_SETS)
def test_reviewed_and_cancelled_are_final(
    final: ShopState, target: ShopState, roles: set[ShopRole]
) -> None:
    problem = move_problem(final, target, roles=roles)
    assert problem is not None
    assert not can_move(final, target, roles=roles)


@given(st.sampled_from(list(S)), ROLE_SETS)
def test_a_manager_alone_cancels_before_review(state: ShopState, roles: set[ShopRole]) -> None:
    allowed = can_move(state, S.CANCELLED, roles=roles, own=False)
    assert allowed == (R.MANAGER in roles and not state.final)


def test_messages_say_why() -> None:
    assert move_problem("assigned", "cancelled", roles={R.SHOPPER}) == (
        "only a manager may cancel a shop"
    )
    assert move_problem("assigned", "in_progress", roles={R.SHOPPER}, own=False) == (
        "only the shop's own shopper may start it"
    )
    assert move_problem("assigned", "reviewed", roles={R.MANAGER}) == (
        "a shop that is assigned cannot become reviewed"
    )
    assert move_problem("reviewed", "returned", roles={R.MANAGER}) == (
        "the shop is reviewed: nothing can change it any more"
    )
    assert move_problem("submitted", "submitted", roles={R.SHOPPER}) == (
        "the shop is submitted already"
    )
    assert move_problem("gone", "submitted", roles={R.SHOPPER}) == "unknown shop state 'gone'"


@pytest.mark.parametrize(
    ("now", "zone", "overdue"),
    [
        # Due 1 June: 13:00 UTC that day is 2 June 01:00 in Auckland, still 1 June in UTC.
        (datetime(2025, 6, 1, 13, 0, tzinfo=UTC), "Pacific/Auckland", True),
        (datetime(2025, 6, 1, 13, 0, tzinfo=UTC), "UTC", False),
        (datetime(2025, 6, 2, 3, 0, tzinfo=UTC), "America/New_York", False),
        (datetime(2025, 6, 2, 5, 0, tzinfo=UTC), "America/New_York", True),
    ],
)
def test_overdue_is_the_due_day_passed_in_the_company_zone(
    now: datetime, zone: str, overdue: bool
) -> None:
    assert is_overdue("assigned", date(2025, 6, 1), now=now, zone=zone) is overdue


@given(st.sampled_from(list(S)))
def test_only_work_not_handed_in_is_overdue(state: ShopState) -> None:
    late = datetime(2030, 1, 1, tzinfo=UTC)
    assert is_overdue(state, date(2025, 1, 1), now=late, zone="UTC") == (state in NOT_SUBMITTED)


def test_the_window_opens_before_it_is_due() -> None:
    assert window_problem(date(2025, 6, 1), date(2025, 6, 1)) is None
    assert window_problem(date(2025, 6, 2), date(2025, 6, 1)) == (
        "the shop opens on 2025-06-02, after its due day 2025-06-01"
    )
