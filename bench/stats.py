"""Timing of consultations, one by one, and the figures derived from the samples.

Every consultation is timed on its own with ``time.perf_counter_ns`` (so that the median and the p99
describe single consultations, not batch averages). Before a series: a full collection, so that garbage
left by the previous series is not collected (and charged) during this one, and a warm-up pass over the
whole workload, so that caches, lazily built objects and the CPU's branch predictors are settled.
"""

from __future__ import annotations

import gc
import math
import time
from dataclasses import dataclass


def percentile(values, p: float):
    """Nearest-rank percentile of ``values`` (p in 0..100): the smallest value with at least p% at or below it.

    Nearest rank returns a value that was measured (never an interpolation between two), so a p99 of
    a short series is its worst sample or close to it, as it should be.
    """
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of an empty series")
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values) -> float:
    """The middle value (the mean of the two middle ones for an even count)."""
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        raise ValueError("median of an empty series")
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


@dataclass(frozen=True)
class Series:
    """The samples (ns) of one timed series."""

    name: str
    samples: tuple[int, ...]

    @property
    def count(self) -> int:
        return len(self.samples)

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile in ms (p in 0..100)."""
        return percentile(self.samples, p) / 1e6

    @property
    def median_ms(self) -> float:
        return median(self.samples) / 1e6

    @property
    def p99_ms(self) -> float:
        return self.percentile(99)

    @property
    def per_second(self) -> float:
        """Consultations per second, from the time spent inside consultations."""
        return self.count / (sum(self.samples) / 1e9)


def measure(name: str, consult, workload, rounds: int, warmup: int = 1) -> Series:
    """Time ``consult(item)`` for every item of ``workload``, ``rounds`` times, after ``warmup`` passes."""
    for _ in range(warmup):
        for item in workload:
            consult(item)
    gc.collect()
    clock = time.perf_counter_ns
    samples = []
    append = samples.append
    for _ in range(rounds):
        for item in workload:
            start = clock()
            consult(item)
            append(clock() - start)
    return Series(name, tuple(samples))


def once_ms(fn) -> tuple[float, object]:
    """Time one call of ``fn`` (a one-off such as building an engine); returns (ms, result)."""
    gc.collect()
    start = time.perf_counter_ns()
    result = fn()
    return (time.perf_counter_ns() - start) / 1e6, result


def measure_interleaved(entries, rounds: int, blocks: int = 1, warmup: int = 1) -> dict[str, Series]:
    """Time several implementations in turn, ``blocks`` times each, and pool their samples.

    ``entries`` are (name, consult, workload). Alternating in blocks spreads slow spells of the machine
    (another process, frequency changes) over every implementation instead of charging one of them.
    """
    for _, consult, workload in entries:
        for _ in range(warmup):
            for item in workload:
                consult(item)
    per_block = max(1, math.ceil(rounds / max(1, blocks)))
    pooled: dict[str, list] = {name: [] for name, _, _ in entries}
    for _ in range(max(1, blocks)):
        for name, consult, workload in entries:
            pooled[name].extend(measure(name, consult, workload, per_block, warmup=0).samples)
    return {name: Series(name, tuple(samples)) for name, samples in pooled.items()}
