"""The audit report's "Review trail": every move, comment and change, exactly as typed."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from shopper.domain.history import (
    audit_entry,
    change_entry,
    comment_entry,
    ordered,
    shop_entry,
)
from shopper.report.redact import EMAIL_MASK, Redactor
from tests.report.helpers import STARTED, Pdf, facts, render, squeeze

HOSTILE = "Say who answered — <b>name</b> & 'role' ; \\ %s {0} مرحبا"


def trail() -> list:
    hour = timedelta(hours=1)
    return ordered(
        [
            shop_entry("assigned", None, at=STARTED, tz="UTC", who="maria", detail=""),
            audit_entry("completed", STARTED + hour, "Europe/Warsaw", "jan", ""),
            shop_entry(
                "submitted", "in_progress", at=STARTED + hour, tz="UTC", who="jan", detail=""
            ),
            shop_entry(
                "returned", "submitted", at=STARTED + 2 * hour, tz="UTC", who="maria", detail=""
            ),
            comment_entry(
                at=STARTED + 2 * hour,
                tz="UTC",
                who="maria",
                item_id="menu",
                body=HOSTILE,
                verdict="returned",
            ),
            change_entry(
                kind="shopper",
                at=STARTED + 3 * hour,
                tz="UTC",
                who="jan",
                item_id="menu",
                old_value="Yes",
                new_value="No",
                old_note="",
                new_note="",
            ),
            change_entry(
                kind="review",
                at=STARTED + 4 * hour,
                tz="UTC",
                who="maria",
                item_id="wait",
                old_value="3",
                new_value="5",
                old_note="",
                new_note="write to ewa@example.com",
            ),
            shop_entry(
                "reviewed", "submitted", at=STARTED + 5 * hour, tz="UTC", who="maria", detail=""
            ),
        ]
    )


def test_the_trail_prints_every_entry_as_typed() -> None:
    pdf = Pdf.of(render(dataclasses.replace(facts(), history=trail())))
    text = squeeze(pdf.body_text())
    assert squeeze("Review trail") in text
    for words in (
        "Shop assigned",
        "Submitted for review",
        "Returned to the shopper",
        "Answer changed",
        "Yes → No",
        "corrected by the reviewer",
        "Accepted (reviewed)",
        "comment, with the return",
    ):
        assert squeeze(words) in text
    assert squeeze(HOSTILE) in text
    assert text.index(squeeze("Returned to the shopper")) < text.index(squeeze("Yes → No"))


def test_the_trail_is_redacted_like_every_user_text() -> None:
    pdf = Pdf.of(render(dataclasses.replace(facts(), history=trail()), redactor=Redactor(True)))
    text = squeeze(pdf.body_text())
    assert "ewa@example.com" not in text
    assert squeeze(EMAIL_MASK) in text


def test_no_trail_for_an_audit_without_shop_review_or_change() -> None:
    plain = [
        audit_entry("created", STARTED, "UTC", "jan", ""),
        audit_entry("completed", STARTED + timedelta(hours=1), "UTC", "jan", ""),
    ]
    assert squeeze("Review trail") not in squeeze(Pdf.of(render(facts())).body_text())
    with_events = Pdf.of(render(dataclasses.replace(facts(), history=plain)))
    assert squeeze("Review trail") not in squeeze(with_events.body_text())
