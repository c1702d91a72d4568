"""The words of the domain: audit states, moments, answer sources, touchpoints, themes.

Each closed set of words is a `StrEnum` (stored and compared as its plain text) with a
label for people; touchpoints and themes are open sets (a template may name its own), so
they are mappings with a fallback label.
"""

from __future__ import annotations

import functools
from enum import StrEnum
from typing import Self


class Words(StrEnum):
    """A closed set of words with labels: `label`, and `label_of` for any stored text."""

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def of(cls, value: object) -> Self | None:
        """The member for a stored text, or None when it is not one of these words."""
        if not isinstance(value, str):
            return None
        try:
            return cls(value)
        except ValueError:
            return None

    @classmethod
    def label_of(cls, value: str) -> str:
        """The label of a stored text; the text itself when it is not one of these words."""
        member = cls.of(value)
        return member.label if member is not None else value

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return _values(cls)  # a bundle's import asks for every row it reads


@functools.cache
def _values(words: type[Words]) -> tuple[str, ...]:
    return tuple(member.value for member in words)


class AuditStatus(Words):
    IN_PROGRESS = "in_progress"
    AWAITING_FOLLOW_UP = "awaiting_follow_up"
    """Completed on the day but for items answered after a wait (see domain.follow_up)."""
    COMPLETED = "completed"

    @property
    def finished_on_the_day(self) -> bool:
        """Completed, or completed but for a follow-up: it has a completion time."""
        return self is not AuditStatus.IN_PROGRESS


class MomentKind(Words):
    """A moment the shopper logs with one key: unexpectedly good, bad, or friction."""

    GOOD = "good"
    BAD = "bad"
    FRICTION = "friction"


class AnswerSource(Words):
    """Who gave an answer: the shopper, or an instrument's measurement."""

    SHOPPER = "shopper"
    INSTRUMENT = "instrument"
    WINDOW_PASSED = "window_passed"
    """A follow-up item's window passed unanswered: it took the template's `otherwise`."""


_LABELS: dict[Words, str] = {
    AuditStatus.IN_PROGRESS: "In progress",
    AuditStatus.AWAITING_FOLLOW_UP: "Awaiting follow-up",
    AuditStatus.COMPLETED: "Completed",
    MomentKind.GOOD: "Good moment",
    MomentKind.BAD: "Bad moment",
    MomentKind.FRICTION: "Friction point",
    AnswerSource.SHOPPER: "Shopper",
    AnswerSource.INSTRUMENT: "Instrument",
    AnswerSource.WINDOW_PASSED: "No answer in time",
}

DEFAULT_HOURS: dict[str, list[str]] = {
    day: ["09:00", "17:00"] for day in ("mon", "tue", "wed", "thu", "fri")
}
"""A company's opening hours until they are set: Monday to Friday, 09:00-17:00."""

TOUCHPOINTS: dict[str, str] = {
    "website": "Website",
    "phone": "Phone",
    "email": "Email",
    "chat": "Live chat",
    "store": "Store visit",
    "delivery": "Order & delivery",
    "survey": "Satisfaction survey",
    "other": "Other",
}

KNOWN_THEMES: dict[str, str] = {
    "contactability": "Contactability",
    "speed": "Speed",
    "clarity": "Clarity",
    "empathy": "Empathy",
    "knowledge": "Knowledge",
    "resolution": "Resolution",
    "follow-up": "Follow-up",
    "brand": "Brand",
    "personal": "Personal touch",
    "product": "Product",
    "effort": "Customer effort",
    "bias": "Survey bias",
}


def theme_label(theme: str) -> str:
    return KNOWN_THEMES.get(theme, theme.replace("-", " ").capitalize())


def touchpoint_label(kind: str) -> str:
    return TOUCHPOINTS.get(kind, kind.capitalize())


SSL_MODES: dict[str, str] = {
    "": "As the URL or service says (else: encrypted if the server offers it)",
    "require": "Always encrypted",
    "verify-full": "Always encrypted, and the server's certificate checked",
    "disable": "Never encrypted (a server on this computer)",
}
"""The `sslmode` values offered, with what each means to a user; "" leaves libpq's default."""
