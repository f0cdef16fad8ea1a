"""How sure a ratio of two p95s is: a block bootstrap over stretches of time.

A load benchmark's latencies are not independent: a burst of sign-ins or a checkpoint slows
every request for seconds. So the samples are resampled by stretch (30 s of requests, kept
whole), not one by one, and the ratio of the two sides' p95 is computed for each resample; the
middle 95% of those ratios is the interval printed beside the measured one.
"""

from __future__ import annotations

import random

from benchmarks.timing import percentile


def ratio_interval(
    top: list[list[float]],
    bottom: list[list[float]],
    *,
    p: float = 95,
    rounds: int = 2000,
    seed: int = 0,
) -> tuple[float, float]:
    """The 2.5th and 97.5th percentiles of percentile(top) / percentile(bottom) over `rounds`
    resamples, each side's stretches drawn with replacement as many times as it has them."""
    draw = random.Random(seed)
    ratios = []
    for _ in range(rounds):
        up = [v for block in draw.choices(top, k=len(top)) for v in block]
        down = [v for block in draw.choices(bottom, k=len(bottom)) for v in block]
        if up and down:
            ratios.append(percentile(up, p) / percentile(down, p))
    return percentile(ratios, 2.5), percentile(ratios, 97.5)
