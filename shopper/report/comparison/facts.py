"""What the comparison report prints, as plain data."""

from __future__ import annotations

from dataclasses import dataclass

from shopper.domain.compare import Comparison
from shopper.domain.template import DEFAULT_BANDS, Band, touchpoint_label


@dataclass(frozen=True)
class ComparisonFacts:
    """What the comparison report prints.

    Attributes:
        comparison: the audits lined up (`shopper.domain.compare.compare`).
        companies: the company of each audit, in the comparison's column order.
        touchpoints: the touchpoint of each audit, in the same order.
        available: how many audits matched, when only the newest were compared.
        bands: the score bands drawn on the trend chart (the newest template's).
    """

    comparison: Comparison
    companies: tuple[str, ...]
    touchpoints: tuple[str, ...]
    available: int | None = None
    bands: tuple[Band, ...] = DEFAULT_BANDS

    def __post_init__(self) -> None:
        count = len(self.comparison.audits)
        if len(self.companies) != count or len(self.touchpoints) != count:
            raise ValueError("one company and one touchpoint per audit compared")

    @property
    def company(self) -> str:
        """The company's name, or "3 companies" (plain text, not redacted)."""
        names = list(dict.fromkeys(self.companies))
        return names[0] if len(names) == 1 else f"{len(names)} companies"

    @property
    def touchpoint(self) -> str:
        kinds = list(dict.fromkeys(self.touchpoints))
        return touchpoint_label(kinds[0]) if len(kinds) == 1 else f"{len(kinds)} touchpoints"
