"""The class dashboard's "struggling student" rule, and the per-student trend column.

Pure: the caller reads a student's graded results, missing work and mastery, and passes `now`.
A student is struggling when any rule fires, and each rule that fires adds its reason code:

- "low_average": the average score over the last 30 days (`now - 30 days <= graded_at <= now`)
  is below 0.60; needs at least one graded result in that window.
- "missing_work": 2 or more assignments are missing (past due, not submitted, not excused).
- "mastery_falling": mastery fell by 0.10 or more over 30 days; needs both readings.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

WINDOW = timedelta(days=30)
LOW_AVERAGE_BELOW = 0.60
MISSING_AT_LEAST = 2
MASTERY_FALL_AT_LEAST = 0.10
# Scores and mastery are floats (0.70 - 0.60 is 0.09999999999999998): a value this close to a
# threshold counts as at it.
TOLERANCE = 1e-9

Reason = Literal["low_average", "missing_work", "mastery_falling"]


@dataclass(frozen=True, slots=True)
class GradedResult:
    """One submitted assignment's score (0..1) and when it was graded."""

    graded_at: datetime
    score: float


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether the student is struggling, why (reason codes), and the window's average score."""

    struggling: bool
    reasons: tuple[Reason, ...]
    average: float | None


def assess(
    results: Iterable[GradedResult],
    *,
    missing: int,
    mastery_then: float | None,
    mastery_now: float | None,
    now: datetime,
) -> Verdict:
    """Apply the struggling rules; `mastery_then` is the mastery 30 days before `now`."""
    average = window_average(results, now)
    return assess_average(
        average, missing=missing, mastery_then=mastery_then, mastery_now=mastery_now
    )


def assess_average(
    average: float | None,
    *,
    missing: int,
    mastery_then: float | None,
    mastery_now: float | None,
) -> Verdict:
    """`assess` for a caller that has the window's average already (None: no result in it)."""
    if missing < 0:
        raise ValueError(f"missing must not be negative, got {missing}")
    reasons: list[Reason] = []
    if average is not None and average < LOW_AVERAGE_BELOW - TOLERANCE:
        reasons.append("low_average")
    if missing >= MISSING_AT_LEAST:
        reasons.append("missing_work")
    if mastery_then is not None and mastery_now is not None:
        if mastery_then - mastery_now >= MASTERY_FALL_AT_LEAST - TOLERANCE:
            reasons.append("mastery_falling")
    return Verdict(struggling=bool(reasons), reasons=tuple(reasons), average=average)


def window_average(results: Iterable[GradedResult], now: datetime) -> float | None:
    """Mean score of results graded in the 30 days up to `now`, ends included; None if none."""
    return mean_of([r.score for r in results if now - WINDOW <= r.graded_at <= now])


def mean_of(scores: Sequence[float]) -> float | None:
    """The mean score, None for none."""
    # fmean sums without intermediate rounding: 0.3, 0.4, 0.6, 0.8, 0.9 average 0.6, where
    # sum() / 5 gives 0.5999999999999999.
    return statistics.fmean(scores) if scores else None


def trend(scores: Sequence[float]) -> float | None:
    """Least-squares slope of score against assignment order (per assignment); None below 2."""
    n = len(scores)
    if n < 2:
        return None
    middle = (n - 1) / 2
    mean = math.fsum(scores) / n
    covariance = math.fsum((i - middle) * (score - mean) for i, score in enumerate(scores))
    return covariance / (n * (n * n - 1) / 12)  # the sum of (i - middle)^2 over 0..n-1
