"""Keyword rules that tag free text (complaints, feedback, leaving reasons) with themes, and
the phrases such texts share.

The rules are text a manager edits (`resources/theme_rules.txt` is the starter set): one
theme per line, `THEME: phrase, phrase, ...`; a phrase matches whole words in any case, and a
final `*` any ending. Pure Python.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shopper.domain.errors import ShopperError

MAX_RULES_TEXT = 200_000
MAX_PHRASE = 100


class RulesError(ShopperError):
    """The rules text is not valid; the message names the line."""


@dataclass(frozen=True)
class Rule:
    theme: str
    phrases: tuple[str, ...]
    pattern: re.Pattern[str]


def _phrase_pattern(phrase: str) -> str:
    words = phrase.casefold().split()
    parts = []
    for n, word in enumerate(words):
        wild = n == len(words) - 1 and word.endswith("*")
        core = re.escape(word.rstrip("*"))
        parts.append(core + (r"\w*" if wild else ""))
    return r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)"


def parse_rules(text: str) -> list[Rule]:
    """The rules of a text, one per theme (lines of the same theme joined), in order.

    Raises:
        RulesError: naming the line at fault.
    """
    if len(text) > MAX_RULES_TEXT:
        raise RulesError(f"the rules are too long (limit {MAX_RULES_TEXT} characters)")
    phrases: dict[str, list[str]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        theme, sep, rest = line.partition(":")
        tag = "-".join(theme.strip().casefold().split())
        if not sep or not tag:
            raise RulesError(f"rules line {number}: write THEME: phrase, phrase, ...")
        if len(tag) > 64:
            raise RulesError(f"rules line {number}: the theme is too long (limit 64 characters)")
        words = [" ".join(p.split()) for p in rest.split(",")]
        words = [w for w in words if w]
        if not words:
            raise RulesError(f"rules line {number}: {tag} has no phrases after the colon")
        for word in words:
            if len(word) > MAX_PHRASE or word.strip("*") == "":
                raise RulesError(f"rules line {number}: {word[:40]!r} is not a phrase")
        known = phrases.setdefault(tag, [])
        known += [w for w in words if w.casefold() not in {k.casefold() for k in known}]
    return [
        Rule(tag, tuple(words), re.compile("|".join(_phrase_pattern(w) for w in words)))
        for tag, words in phrases.items()
    ]


def tag_text(text: str, rules: Sequence[Rule]) -> list[str]:
    """The themes whose phrases occur in `text`, in the rules' order."""
    folded = text.casefold()
    return [rule.theme for rule in rules if rule.pattern.search(folded)]


_CLAUSE = re.compile(r"[.,;:!?()\[\]\"“”«»/\n]+")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "him",
        "his",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "she",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "they",
        "this",
        "to",
        "too",
        "us",
        "was",
        "we",
        "were",
        "what",
        "when",
        "which",
        "who",
        "will",
        "with",
        "would",
        "you",
        "your",
        "very",
        "just",
        "all",
        "am",
        "any",
        "after",
        "again",
        "also",
        "because",
        "get",
        "got",
        "one",
        "out",
        "up",
    ]
)

_NO_START = STOP_WORDS - {"on", "no", "not", "too", "very", "after", "out", "up", "again"}
"""Words a phrase may start with ("on hold", "no answer"), but not end with."""


def common_phrases(texts: Iterable[str], top: int = 5) -> list[tuple[str, int]]:
    """The two- and three-word phrases most texts share (each text counted once per
    phrase), those ending in a stop word (or starting with most of them) left out; single
    words when no phrase repeats."""
    counts: Counter[str] = Counter()
    singles: Counter[str] = Counter()
    for text in texts:
        seen: set[str] = set()
        words: list[str] = []
        for clause in _CLAUSE.split(text):  # a phrase never runs across punctuation
            clause_words = [w.casefold() for w in _WORD.findall(clause)]
            words += clause_words
            for size in (2, 3):
                for k in range(len(clause_words) - size + 1):
                    gram = clause_words[k : k + size]
                    if gram[0] in _NO_START or gram[-1] in STOP_WORDS:
                        continue
                    seen.add(" ".join(gram))
        counts.update(seen)
        singles.update({w for w in words if w not in STOP_WORDS and len(w) > 2})
    repeated = [(p, n) for p, n in counts.most_common() if n > 1]
    chosen = sorted(repeated, key=lambda pn: (-pn[1], -len(pn[0]), pn[0]))[:top]
    if chosen:
        return chosen
    return sorted(singles.items(), key=lambda pn: (-pn[1], pn[0]))[:top]
