"""Timing async calls and summing them up, the same way in every benchmark."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable


async def timed(calls: int, call: Callable[[], Awaitable[object]], warmup: int = 10) -> list[float]:
    """Milliseconds of each of `calls` calls, after `warmup` untimed ones."""
    for _ in range(warmup):
        await call()
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p50_p95(samples: list[float]) -> tuple[float, float]:
    """The median and the 95th percentile (nearest rank, the higher one) of the samples."""
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0..100) by the nearest rank of the sorted values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]
