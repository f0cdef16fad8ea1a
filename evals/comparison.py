"""Comparing two runs item for item: per-metric means, delta and a paired bootstrap CI."""

from __future__ import annotations

import random
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from evals.records import EvalItem

BOOTSTRAP_SAMPLES = 2000
CONFIDENCE = 0.95


@dataclass(frozen=True)
class MetricDelta:
    """One metric over the items both runs scored."""

    metric: str
    a: float
    b: float
    delta: float
    low: float
    high: float
    items: int

    @property
    def significant(self) -> bool:
        """The interval excludes zero."""
        return self.low > 0 or self.high < 0


def paired_bootstrap(
    differences: Sequence[float], samples: int = BOOTSTRAP_SAMPLES, seed: int = 7
) -> tuple[float, float]:
    """Percentile CI of the mean of paired differences (resampling items with replacement)."""
    if not differences:
        return (0.0, 0.0)
    rng = random.Random(seed)
    n = len(differences)
    means = sorted(sum(rng.choices(differences, k=n)) / n for _ in range(samples))
    tail = (1 - CONFIDENCE) / 2
    return means[int(tail * samples)], means[min(samples - 1, int((1 - tail) * samples))]


def numeric_metrics(items: Sequence[EvalItem]) -> list[str]:
    """Metric names that hold numbers (bools count) in at least one item."""
    names: dict[str, None] = {}
    for item in items:
        for key, value in item.metrics.items():
            if isinstance(value, int | float) and value is not None:
                names[key] = None
    return list(names)


def compare(a: Sequence[EvalItem], b: Sequence[EvalItem]) -> list[MetricDelta]:
    """Each numeric metric over the items both runs scored, B minus A."""
    by_id: Mapping[str, EvalItem] = {item.item_id: item for item in b}
    pairs = [(item, by_id[item.item_id]) for item in a if item.item_id in by_id]
    rows = []
    for metric in numeric_metrics(a):
        values = [
            (float(x.metrics[metric]), float(y.metrics[metric]))
            for x, y in pairs
            if _number(x.metrics.get(metric)) and _number(y.metrics.get(metric))
        ]
        if not values:
            continue
        differences = [y - x for x, y in values]
        low, high = paired_bootstrap(differences)
        rows.append(
            MetricDelta(
                metric,
                statistics.fmean(x for x, _ in values),
                statistics.fmean(y for _, y in values),
                statistics.fmean(differences),
                low,
                high,
                len(values),
            )
        )
    return rows


def _number(value: object) -> bool:
    return isinstance(value, int | float)
