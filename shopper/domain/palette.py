"""The colours that carry meaning, the same in the app and in the reports.

Plain (red, green, blue) triples of 0-255: the app turns them into `QColor`, the reports
into reportlab colours.
"""

from __future__ import annotations

import itertools

RGB = tuple[int, int, int]

HEAT_STOPS: tuple[tuple[float, RGB], ...] = (
    (0.0, (0xEF, 0x9A, 0x9A)),
    (60.0, (0xFF, 0xE0, 0x82)),
    (80.0, (0xA5, 0xD6, 0xA7)),
)
"""Red at 0 %, amber at 60 %, green from 80 %: the default pass/fail bands."""


def heat_rgb(percent: float | None) -> RGB | None:
    """A score's colour on the heat scale, blending between the stops; None for no score."""
    if percent is None:
        return None
    if percent >= HEAT_STOPS[-1][0]:
        return HEAT_STOPS[-1][1]
    for (low, low_rgb), (high, high_rgb) in itertools.pairwise(HEAT_STOPS):
        if percent <= high:
            share = max(0.0, (percent - low) / (high - low))
            red, green, blue = (
                round(a + share * (b - a)) for a, b in zip(low_rgb, high_rgb, strict=True)
            )
            return red, green, blue
    return HEAT_STOPS[0][1]
