"""Item analysis of one assignment, by classical test theory.

Pure statistics over a response matrix: per student, per item, right or not (an unanswered item
counts as wrong) and, for a multiple-choice item, the option chosen. A student's total is the
number of items right, unweighted.

- facility: the share of students who got the item right.
- discrimination: facility in the upper group minus facility in the lower group, each group
  `group_size(n)` students (27% of the class, half rounded up, at least 1). Students are ranked
  by total, highest first; among equal totals the one earlier in the input ranks higher. The
  upper group is the first `group_size(n)` of that ranking and the lower group the last, so the
  groups never overlap and the same input always gives the same groups.
- point-biserial: Pearson's correlation between the item's 0/1 and the student's total *without
  that item* (the corrected variant), so an item is not credited for correlating with itself.
- distractor counts: how many students chose each option (unanswered ones are not counted).

With fewer than 2 students, discrimination and point-biserial are None; with none, facility is
None too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

# Flags are strict: an item exactly at a threshold is not flagged.
TOO_HARD_BELOW = 0.2
TOO_EASY_ABOVE = 0.95
LOW_DISCRIMINATION_BELOW = 0.1
# Kelley's 27%, in percent so group sizes round half up in integers: 27% of 150 students is
# 40.5, taken as 41, where float `round` (half to even) would give 40.
GROUP_PERCENT = 27

Flag = Literal["too_hard", "too_easy", "low_discrimination"]


@dataclass(frozen=True, slots=True)
class Response:
    """One student's answers, per item: right or not, and the option chosen (None if not MC)."""

    correct: tuple[bool, ...]
    chosen: tuple[int | None, ...]


@dataclass(frozen=True, slots=True)
class ItemStats:
    """One item's statistics; `distractor_counts` has one count per option (empty if not MC)."""

    item: int
    facility: float | None
    discrimination: float | None
    point_biserial: float | None
    distractor_counts: tuple[int, ...]
    flags: tuple[Flag, ...]


def analyse_items(responses: Sequence[Response], options: Sequence[int]) -> list[ItemStats]:
    """Every item's statistics; `options[i]` is item i's number of options (0 if not MC)."""
    _check(responses, options)
    totals = [sum(response.correct) for response in responses]
    groups = upper_and_lower(totals)
    return [
        _item_stats(item, n_options, responses, totals, groups)
        for item, n_options in enumerate(options)
    ]


def group_size(n_students: int) -> int:
    """How many students each of the upper and lower groups holds."""
    return max(1, (GROUP_PERCENT * n_students + 50) // 100)


def upper_and_lower(totals: Sequence[int]) -> tuple[list[int], list[int]] | None:
    """Indices of the upper and lower groups by total (ties: earlier ranks higher); None below 2."""
    if len(totals) < 2:
        return None
    ranking = sorted(range(len(totals)), key=lambda student: (-totals[student], student))
    size = group_size(len(totals))
    return ranking[:size], ranking[-size:]


def score_histogram(scores: Sequence[float], bins: int = 10) -> list[int]:
    """Counts of scores in `bins` equal bins over [0, 1]; the last is closed, so 1.0 counts in it.

    Scores are rounded to 9 decimals before binning, so a share of points such as 29/100 lands
    in the bin its exact value does despite float error (29/100 * 100 is 28.999999999999996).
    """
    if bins < 1:
        raise ValueError(f"bins must be at least 1, got {bins}")
    counts = [0] * bins
    for score in scores:
        if not 0.0 <= score <= 1.0:
            raise ValueError(f"score {score} is outside [0, 1]")
        counts[min(math.floor(round(score * bins, 9)), bins - 1)] += 1
    return counts


def _item_stats(
    item: int,
    n_options: int,
    responses: Sequence[Response],
    totals: Sequence[int],
    groups: tuple[list[int], list[int]] | None,
) -> ItemStats:
    right = [int(response.correct[item]) for response in responses]
    facility = sum(right) / len(right) if right else None
    discrimination = None
    if groups is not None:
        upper, lower = groups
        # One division, so 1/10 is exactly the float 0.1 the threshold compares against.
        discrimination = (sum(right[s] for s in upper) - sum(right[s] for s in lower)) / len(upper)
    rest = [total - x for total, x in zip(totals, right, strict=True)]
    counts = [0] * n_options
    for response in responses:
        option = response.chosen[item]
        if option is not None:
            counts[option] += 1
    return ItemStats(
        item=item,
        facility=facility,
        discrimination=discrimination,
        point_biserial=_correlation(right, rest),
        distractor_counts=tuple(counts),
        flags=_flags(facility, discrimination),
    )


def _correlation(xs: Sequence[int], ys: Sequence[int]) -> float | None:
    """Pearson's r of two integer series; None when either has no variance."""
    n = len(xs)
    sum_x, sum_y = sum(xs), sum(ys)
    # In integers, so zero variance is detected exactly rather than as a float near 0.
    covariance = n * sum(x * y for x, y in zip(xs, ys, strict=True)) - sum_x * sum_y
    variance_x = n * sum(x * x for x in xs) - sum_x * sum_x
    variance_y = n * sum(y * y for y in ys) - sum_y * sum_y
    if variance_x == 0 or variance_y == 0:
        return None
    r = covariance / (math.sqrt(variance_x) * math.sqrt(variance_y))
    return max(-1.0, min(1.0, r))


def _flags(facility: float | None, discrimination: float | None) -> tuple[Flag, ...]:
    flags: list[Flag] = []
    if facility is not None and facility < TOO_HARD_BELOW:
        flags.append("too_hard")
    if facility is not None and facility > TOO_EASY_ABOVE:
        flags.append("too_easy")
    if discrimination is not None and discrimination < LOW_DISCRIMINATION_BELOW:
        flags.append("low_discrimination")
    return tuple(flags)


def _check(responses: Sequence[Response], options: Sequence[int]) -> None:
    if any(n_options < 0 for n_options in options):
        raise ValueError("an item cannot have a negative number of options")
    for student, response in enumerate(responses):
        if not len(response.correct) == len(response.chosen) == len(options):
            raise ValueError(f"student {student} does not answer all {len(options)} items")
        for item, option in enumerate(response.chosen):
            if option is not None and not 0 <= option < options[item]:
                raise ValueError(f"student {student} chose option {option} of item {item}")
