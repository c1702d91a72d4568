"""Counts in words, right in the singular and the plural: "1 level", "2 levels"."""

from __future__ import annotations

import unicodedata

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


_SINGULAR = {many: one for one, many in _IRREGULAR.items()}


def singular_of(noun: str) -> str:
    """The singular of a plural noun as templates write units ("levels", "business hours").

    A noun that is not a plural ("staff", "kg") comes back as it is.
    """
    head, _, last = noun.rpartition(" ")
    prefix = f"{head} " if head else ""
    if last in _SINGULAR:
        return prefix + _SINGULAR[last]
    if last.endswith("ies") and len(last) > 3:
        return f"{prefix}{last[:-3]}y"
    if last.endswith(("ches", "shes", "sses", "xes")):
        return f"{prefix}{last[:-2]}"
    if last.endswith("s") and not last.endswith(("ss", "us", "is")) and len(last) > 2:
        return f"{prefix}{last[:-1]}"
    return noun


def with_unit(number: str, value: float, unit: str) -> str:
    """A number and a template's unit, in the singular for one: "1 transfer", "3 transfers"."""
    if not unit:
        return number
    return f"{number} {singular_of(unit) if value == 1 else unit}"


def display_width(text: str) -> int:
    """Columns a terminal gives `text`: wide (CJK) characters take two, combining marks none."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def column(text: str, width: int) -> str:
    """`text` in a column `width` terminal cells wide: padded, or cut with "…" if longer."""
    if display_width(text) > width:
        kept = []
        used = 0
        for char in text:
            cells = display_width(char)
            if used + cells > width - 1:
                break
            kept.append(char)
            used += cells
        text = "".join(kept) + "…"
    return text + " " * (width - display_width(text))
