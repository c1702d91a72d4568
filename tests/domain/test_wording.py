"""Counts in words."""

from __future__ import annotations

import pytest

from shopper.domain.wording import count_of, plural_of


@pytest.mark.parametrize(
    ("noun", "many"),
    [
        ("level", "levels"),
        ("transfer", "transfers"),
        ("click", "clicks"),
        ("company", "companies"),
        ("friction point", "friction points"),
        ("match", "matches"),
        ("day", "days"),
        ("entry", "entries"),
        ("good moment", "good moments"),
    ],
)
def test_plurals(noun: str, many: str) -> None:
    assert plural_of(noun) == many


def test_counts() -> None:
    assert count_of(1, "level") == "1 level"
    assert count_of(0, "transfer") == "0 transfers"
    assert count_of(2, "page") == "2 pages"
    assert count_of(1204, "audit") == "1,204 audits"
    assert count_of(1, "point") == "1 point"
    assert count_of(0.5, "point") == "0.5 points"
    assert count_of(3, "person", "people") == "3 people"
