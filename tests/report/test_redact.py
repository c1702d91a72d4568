"""Redaction: e-mail addresses, phone numbers and listed names are masked; dates are not."""

from __future__ import annotations

import pytest

from shopper.report.redact import (
    EMAIL_MASK,
    NAME_MASK,
    NO_REDACTION,
    PHONE_MASK,
    Redactor,
    parse_names,
)

ON = Redactor(enabled=True)


@pytest.mark.parametrize(
    "text",
    ["anna.kowalska@example.com", "a+tag@sub.example.co.uk", "łukasz@przykład.pl"],
)
def test_emails_are_masked(text: str) -> None:
    assert ON(f"write to {text}, please") == f"write to {EMAIL_MASK}, please"


@pytest.mark.parametrize(
    "text",
    ["+48 22 123 45 67", "(555) 123-4567", "555-123-4567", "0800 123 456", "+1.555.123.4567"],
)
def test_phone_numbers_are_masked(text: str) -> None:
    assert ON(f"call {text} now") == f"call {PHONE_MASK} now"


@pytest.mark.parametrize(
    "text",
    ["on 2026-11-23 at 14:03", "23.11.2026", "11/23/26 14:03:07", "rated 4 of 5", "order 12345"],
)
def test_dates_times_and_short_numbers_stay(text: str) -> None:
    assert ON(text) == text


def test_names_are_masked_whole_and_in_any_case() -> None:
    redact = Redactor.for_names(["Anna Kowalska", "Piotr", "  "])
    text = "ANNA   kowalska met piotr; Piotrek and Annabelle did not."
    assert redact(text) == f"{NAME_MASK} met {NAME_MASK}; Piotrek and Annabelle did not."


def test_names_with_regex_characters_are_literal() -> None:
    redact = Redactor.for_names(["J. (Joe) Smith"])
    assert (
        redact("said J. (Joe) Smith, not J  Joe  Smith") == f"said {NAME_MASK}, not J  Joe  Smith"
    )


def test_off_by_default() -> None:
    text = "anna@example.com +48 22 123 45 67"
    assert NO_REDACTION(text) == text
    assert Redactor(enabled=False, names=("anna",))(text) == text


def test_parse_names() -> None:
    assert parse_names(" Anna  Kowalska, Piotr\nPiotr;;Ewa ") == ("Anna Kowalska", "Piotr", "Ewa")
    assert parse_names("") == ()
