"""Capping review intervals before an exam, and predicting recall on the exam day.

FSRS-6's forgetting curve: a card reviewed `t` days ago with stability `S` is recalled with
probability R(t) = (1 + F * t / S) ** -d, where d is the decay (the last FSRS parameter) and
F = 0.9 ** (-1 / d) - 1, so that R(S) = 0.9. Solving R(w) = r gives the card's *window* for a
target retention r: w(S, r) = S / F * (r ** (-1 / d) - 1), the longest gap after a review
during which recall stays at least r.

The rule, applied after every review while the exam is still ahead (E is the start of the exam
day in the student's zone, `now` the review, D the due date FSRS chose, S the new stability):

1. D before E: keep D. The card comes back before the exam and the rule runs again then.
2. D on or after E, and E - w(S, r) after `now`: due at E - w(S, r), the latest review that
   still leaves R(exam) >= r. Stability only grows when a card is recalled, so a pass then
   keeps the target; a lapse goes through relearning and meets this rule again.
3. D on or after E, the exam already inside the window (R(exam) >= r without another review),
   and the eve of the exam still ahead: due on the eve (the start of the day before the exam),
   one last look so that every card is seen again before the exam.
4. Otherwise (the review happens on the eve or the exam day and R(exam) >= r already): keep D;
   this review was the last look.

So a capped due is never later than FSRS's own, never before `now`, and whenever a card's
next review falls after the exam, its predicted retrievability on the exam day is at least r.
"""

from __future__ import annotations

from datetime import datetime, timedelta

DAY = timedelta(days=1)


def factor(decay: float) -> float:
    """F in R(t) = (1 + F t / S) ** -d, chosen so that R(S) = 0.9."""
    return float(0.9 ** (-1 / decay) - 1)


def retrievability(elapsed_days: float, stability: float, decay: float) -> float:
    """FSRS-6's predicted probability of recall `elapsed_days` after a review."""
    return float((1 + factor(decay) * max(0.0, elapsed_days) / stability) ** -decay)


def window_days(stability: float, retention: float, decay: float) -> float:
    """How many days after a review recall stays at least `retention`."""
    return float(stability / factor(decay) * (retention ** (-1 / decay) - 1))


def capped_due(
    *,
    now: datetime,
    due: datetime,
    stability: float,
    retention: float,
    decay: float,
    exam_start: datetime,
    eve_start: datetime,
) -> datetime:
    """The due date under the exam rule of this module's docstring."""
    if now >= exam_start or due < exam_start:
        return due
    # Clamped so that a very stable card cannot overflow the calendar; past `now` it is moot.
    window = min(window_days(stability, retention, decay), (exam_start - now) / DAY + 1)
    latest = exam_start - timedelta(days=window)
    if latest > now:
        return latest
    if now < eve_start:
        return eve_start
    return due
