"""Counts in words, right in the singular and the plural: "1 level", "2 levels"."""

from __future__ import annotations

_IRREGULAR = {
    "company": "companies",
    "entry": "entries",
    "reply": "replies",
    "person": "people",
    "child": "children",
}


def plural_of(noun: str) -> str:
    """The plural of an English noun as the app uses them ("item", "company", "match")."""
    head, _, last = noun.rpartition(" ")
    prefix = f"{head} " if head else ""
    if last in _IRREGULAR:
        return prefix + _IRREGULAR[last]
    if last.endswith(("s", "x", "ch", "sh")):
        return f"{prefix}{last}es"
    if last.endswith("y") and len(last) > 1 and last[-2] not in "aeiou":
        return f"{prefix}{last[:-1]}ies"
    return f"{prefix}{last}s"


def count_of(count: float, noun: str, many: str | None = None) -> str:
    """ "1 level", "2 levels", "0 transfers", "1,204 audits"; `many` when irregular."""
    shown = f"{count:,}" if isinstance(count, int) else f"{count:,g}"
    if count == 1:
        return f"{shown} {noun}"
    return f"{shown} {many or plural_of(noun)}"
