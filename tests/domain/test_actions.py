"""The verdict of an action from the later audits that scored its item."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from shopper.domain.actions import (
    ActionError,
    ActionStatus,
    Check,
    State,
    is_overdue,
    parse_status,
    verdict,
)

MADE = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def check(days: int, passed: bool, audit: str = "") -> Check:
    return Check(audit or f"audit-{days:03d}-0000", MADE + timedelta(days=days), "UTC", passed)


def test_no_audit_since_leaves_the_status_as_set() -> None:
    result = verdict(ActionStatus.IN_PROGRESS, MADE, [])
    assert result.state is State.IN_PROGRESS and result.check is None
    assert verdict(ActionStatus.DONE, MADE, []).describe("Ana") == "done, awaiting the next audit"
    assert verdict(ActionStatus.DONE, MADE, [], on_item=False).describe("Ana") == "done"


def test_a_passing_audit_fixes_it_whatever_the_status() -> None:
    result = verdict(ActionStatus.OPEN, MADE, [check(3, False), check(9, True, "abcdef0123")])
    assert result.state is State.FIXED
    assert result.describe("Ana") == "fixed, verified by audit abcdef01 on 2026-03-10"


def test_failing_again_reopens_it_and_names_the_owner() -> None:
    result = verdict(ActionStatus.DONE, MADE, [check(9, False, "0badf00d99"), check(3, True)])
    assert result.state is State.STILL_FAILING
    assert result.describe("Ana") == (
        "still failing in audit 0badf00d on 2026-03-10; reopened, owner Ana"
    )


def test_a_status_set_after_the_failing_audit_stands_until_the_next() -> None:
    later = MADE + timedelta(days=10)
    assert verdict(ActionStatus.DONE, later, [check(9, False)]).state is State.DONE
    assert verdict(ActionStatus.DONE, later, [check(9, False), check(12, False)]).state is (
        State.STILL_FAILING
    )


def test_wont_do_stands_unless_an_audit_passes() -> None:
    assert verdict(ActionStatus.WONT_DO, MADE, [check(2, False)]).state is State.WONT_DO
    assert verdict(ActionStatus.WONT_DO, MADE, [check(2, True)]).state is State.FIXED


def test_overdue_only_while_open() -> None:
    today = date(2026, 4, 1)
    assert is_overdue(State.OPEN, date(2026, 3, 31), today)
    assert is_overdue(State.STILL_FAILING, date(2026, 3, 31), today)
    assert not is_overdue(State.OPEN, today, today)
    assert not is_overdue(State.FIXED, date(2026, 3, 1), today)
    assert not is_overdue(State.DONE, date(2026, 3, 1), today)
    assert not is_overdue(State.OPEN, None, today)


def test_status_as_typed() -> None:
    assert parse_status("In progress") is ActionStatus.IN_PROGRESS
    assert parse_status("won't do") is ActionStatus.WONT_DO
    with pytest.raises(ActionError) as err:
        parse_status("finished")
    assert err.value.field == "status"
