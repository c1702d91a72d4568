"""Keyword rules: parsing with line numbers, whole-word and wildcard matching, phrases."""

from __future__ import annotations

import pytest

from shopper.domain.theme_rules import RulesError, common_phrases, parse_rules, tag_text
from shopper.domain.vocabulary import KNOWN_THEMES
from shopper.resources import RESOURCES_DIR


def test_whole_words_any_case_and_wildcards() -> None:
    rules = parse_rules("speed: wait*, on hold\n# a comment\n\nclarity: unclear\nspeed: slow")
    assert [r.theme for r in rules] == ["speed", "clarity"]
    assert tag_text("We WAITED for ages", rules) == ["speed"]
    assert tag_text("put on   hold, and the bill was unclear", rules) == ["speed", "clarity"]
    assert tag_text("a swaiting game; slowly", rules) == []  # whole words only
    assert tag_text("so slow", rules) == ["speed"]


@pytest.mark.parametrize(
    ("text", "line"),
    [("speed slow", 1), ("# c\nspeed:", 2), (": slow", 1), ("speed: *", 1)],
)
def test_a_bad_line_is_named(text: str, line: int) -> None:
    with pytest.raises(RulesError, match=f"rules line {line}:"):
        parse_rules(text)


def test_the_starter_set_covers_the_built_in_themes() -> None:
    rules = parse_rules((RESOURCES_DIR / "theme_rules.txt").read_text(encoding="utf-8"))
    covered = {rule.theme for rule in rules}
    assert set(KNOWN_THEMES) - {"bias"} <= covered
    assert tag_text("I was on hold for an hour and nobody called back", rules) == [
        "speed",
        "follow-up",
    ]


def test_common_phrases_count_each_text_once() -> None:
    texts = ["on hold forever, on hold again", "kept on hold for ages", "long hold music"]
    assert common_phrases(texts) == [("on hold", 2)]  # only phrases more than one text shares
    assert common_phrases(["some text", "another"]) == [("another", 1), ("some", 1), ("text", 1)]
