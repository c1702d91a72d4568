"""Masking personal data in a report that is shared beyond the team.

E-mail addresses, phone numbers and the names the user lists (staff names,
usually) are replaced by a bracketed label in every user text of a report.
Dates and times look like digit runs too, so the phone rule leaves them alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

EMAIL_MASK = "[e-mail]"
PHONE_MASK = "[phone]"
NAME_MASK = "[name]"

_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
# A run of digits with the usual separators, maybe after "+" or a bracketed area code.
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d \t().\-/]{4,}\d(?!\w)")
_DATE_LIKE = re.compile(
    r"\d{4}[-./]\d{1,2}[-./]\d{1,2}"  # 2026-11-23
    r"|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}"  # 23.11.2026, 11/23/26
    r"|\d{1,2}:\d{2}(?::\d{2})?"  # 14:03, 14:03:07
)
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 15  # E.164


def _mask_phone(match: re.Match[str]) -> str:
    found = match.group(0)
    digits = sum(ch.isdigit() for ch in found)
    if not MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS:
        return found
    if _DATE_LIKE.search(found):
        return found
    return PHONE_MASK


@dataclass(frozen=True)
class Redactor:
    """Masks e-mail addresses, phone numbers and the given names; off by default.

    Args:
        enabled: whether anything is masked at all.
        names: names to mask wherever they stand as whole words, any case;
            inner whitespace matches any whitespace.
    """

    enabled: bool = False
    names: tuple[str, ...] = ()
    _names_re: re.Pattern[str] | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        words = sorted(
            {" ".join(n.split()) for n in self.names if n.strip()}, key=len, reverse=True
        )
        if words:
            alternatives = "|".join(r"\s+".join(map(re.escape, w.split())) for w in words)
            pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
            object.__setattr__(self, "_names_re", pattern)

    @classmethod
    def for_names(cls, names: Iterable[str], *, enabled: bool = True) -> Redactor:
        return cls(enabled=enabled, names=tuple(names))

    def __call__(self, text: str) -> str:
        if not self.enabled or not text:
            return text
        text = _EMAIL.sub(EMAIL_MASK, text)
        text = _PHONE.sub(_mask_phone, text)
        if self._names_re is not None:
            text = self._names_re.sub(NAME_MASK, text)
        return text


NO_REDACTION = Redactor()


def parse_names(text: str) -> tuple[str, ...]:
    """Names from a comma- or line-separated list, blanks dropped, order kept."""
    found = [" ".join(part.split()) for part in re.split(r"[,\n;]", text)]
    return tuple(dict.fromkeys(name for name in found if name))
