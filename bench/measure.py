"""The measuring kit of `make bench`: a figure, paired timings, medians and ratios."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Figure:
    name: str
    ours_ms: float
    floor_ms: float | None
    target: str
    met: bool
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return self.ours_ms / self.floor_ms if self.floor_ms else None


def timed(work: Callable[[], object], runs: int, warmup: int = 1) -> list[float]:
    """Milliseconds of each run after `warmup` unmeasured runs."""
    for _ in range(warmup):
        work()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return times


def paired(
    ours: Callable[[], object], floor: Callable[[], object], runs: int, warmup: int = 1
) -> tuple[list[float], list[float]]:
    """Time ours and the floor alternately, so a busy moment on the machine hits both."""
    for _ in range(warmup):
        ours()
        floor()
    ours_ms: list[float] = []
    floor_ms: list[float] = []
    for _ in range(runs):
        for work, times in ((ours, ours_ms), (floor, floor_ms)):
            start = time.perf_counter()
            work()
            times.append((time.perf_counter() - start) * 1000)
    return ours_ms, floor_ms


def median(values: list[float]) -> float:
    return statistics.median(values)


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def ratio_figure(name: str, ours: float, floor: float, limit: float, extra: str = "") -> Figure:
    met = ours / floor <= limit
    return Figure(name, ours, floor, f"ratio <= {limit:g}{extra}", met)
