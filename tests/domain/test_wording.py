"""Counts in words."""

from __future__ import annotations

import pytest

from shopper.domain.wording import count_of, plural_of, singular_of, with_unit


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


@pytest.mark.parametrize(
    ("many", "one"),
    [
        ("levels", "level"),
        ("business hours", "business hour"),
        ("replies", "reply"),
        ("people", "person"),
        ("staff", "staff"),
        ("matches", "match"),
        ("kg", "kg"),
        ("status", "status"),
    ],
)
def test_units_in_the_singular(many: str, one: str) -> None:
    assert singular_of(many) == one
    assert with_unit("1", 1, many) == f"1 {one}"
    assert with_unit("2", 2, many) == f"2 {many}"


def test_a_count_answer_of_one_reads_in_the_singular() -> None:
    from shopper.domain.answers import format_answer
    from shopper.domain.template import Item, ItemType

    item = Item(id="t", prompt="How many transfers?", type=ItemType.COUNT, unit="transfers")
    assert format_answer(item, 1) == "1 transfer"
    assert format_answer(item, 0) == "0 transfers"


@pytest.mark.parametrize(
    ("text", "width", "shown"),
    [
        ("Acme", 6, "Acme  "),
        ("桜ホーム", 10, "桜ホーム  "),  # four wide characters take eight cells
        ("Sakura Home 桜ホーム", 15, "Sakura Home 桜…"),  # cut inside: never half a character
        ("Ηλιος Τηλεπικοινωνίες", 8, "Ηλιος Τ…"),
        ("e\u0301te\u0301", 4, "e\u0301te\u0301 "),  # combining accents take no cell
    ],
)
def test_text_in_a_terminal_column(text: str, width: int, shown: str) -> None:
    from shopper.domain.wording import column, display_width

    assert column(text, width) == shown
    assert display_width(column(text, width)) == width
