"""The said-no log's domain: reasons, lists, days and the summary."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from shopper.domain.errors import ShopperError
from shopper.domain.said_no import (
    ActionList,
    NoEntry,
    Reason,
    email_body,
    list_of,
    parse_reason,
    summarize,
)


def entry(
    n: int, asked: str, reason: str, *, day: int = 2, theme: str = "", chosen: str = ""
) -> NoEntry:
    return NoEntry(
        id=f"e{n}",
        at=datetime(2026, 3, day, 10, n, tzinfo=UTC),
        tz="UTC",
        channel="phone",
        asked=asked,
        refused="",
        reason=reason,
        said_by="",
        theme=theme,
        action_list=chosen,
        note="",
    )


def test_reasons_are_read_as_people_write_them() -> None:
    assert parse_reason("Policy") is Reason.POLICY
    assert parse_reason(" not known ") is Reason.NOT_KNOWN
    assert parse_reason("NOT_OFFERED") is Reason.NOT_OFFERED
    with pytest.raises(ShopperError, match="not a reason"):
        parse_reason("because")


def test_the_reason_decides_the_list_unless_the_manager_chose() -> None:
    assert list_of("policy") is ActionList.POLICIES
    assert list_of("approval") is ActionList.POLICIES
    assert list_of("not-known") is ActionList.TRAINING
    assert list_of("not-offered") is ActionList.IDEAS
    assert list_of("other") is ActionList.NONE
    assert list_of("policy", "training") is ActionList.TRAINING


def test_summary_counts_days_requests_and_lists() -> None:
    entries = [
        entry(1, "Refund without receipt", "policy", day=1, theme="resolution"),
        entry(2, "refund without  receipt.", "policy", day=1, theme="resolution"),
        entry(3, "Gift wrapping", "not-offered", day=3),
        entry(4, "Change the delivery address", "not-known", day=3, chosen="ideas"),
    ]
    summary = summarize(
        company="Northwind",
        team="",
        starts=date(2026, 3, 1),
        days=30,
        today=date(2026, 3, 4),
        zone="UTC",
        entries=entries,
    )
    assert summary.day_number == 4
    assert summary.progress() == "day 4 of 30"
    assert [count for _day, count in summary.per_day] == [2, 0, 2, 0]
    assert summary.empty_days == (date(2026, 3, 2),)  # today is not over yet
    assert summary.by_reason[0] == ("policy", 2)
    top = summary.top_requests[0]
    assert (top.asked, top.count) == ("Refund without receipt", 2)
    assert [e.id for e in summary.lists[ActionList.POLICIES]] == ["e1", "e2"]
    assert [e.id for e in summary.lists[ActionList.IDEAS]] == ["e3", "e4"]
    assert summary.lists[ActionList.TRAINING] == ()
    body = email_body(summary)
    assert "Policies to revisit (2):" in body
    assert "- Refund without receipt (2x)" in body
    assert "Training gaps (0):\n- none" in body
    assert "Days with no entry (1): 2026-03-02" in body


def test_a_finished_log_says_so() -> None:
    summary = summarize(
        company="N",
        team="Desk",
        starts=date(2026, 1, 1),
        days=30,
        today=date(2026, 3, 1),
        zone="UTC",
        entries=[],
    )
    assert summary.finished
    assert len(summary.per_day) == 30
    assert summary.progress() == "finished on 2026-01-30 after 30 days"
