"""The exam rule: never later than FSRS's due, never before now, and a card whose next review
falls after the exam keeps its predicted recall on the exam day at least the target."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fsrs import Card, Scheduler, State
from hypothesis import given
from hypothesis import strategies as st

from tutor.study.exam_cap import capped_due, retrievability, window_days

NOW = datetime(2026, 12, 2, 15, 30, tzinfo=UTC)
stability = st.floats(0.01, 36500)
retention = st.floats(0.80, 0.97)
decay = st.floats(0.1, 0.8)
hours = st.floats(0.01, 24 * 400)


def days(delta: timedelta) -> float:
    return delta / timedelta(days=1)


@given(stability, retention, decay)
def test_the_window_is_where_recall_meets_the_target(s, r, d):
    w = window_days(s, r, d)
    assert abs(retrievability(w, s, d) - r) < 1e-9


@given(st.integers(0, 400), st.floats(0.1, 1000), retention)
def test_the_curve_is_fsrs_own(elapsed, s, r):
    scheduler = Scheduler(desired_retention=r)
    card = Card(state=State.Review, stability=s, difficulty=5, last_review=NOW)
    at = NOW + timedelta(days=elapsed)
    d = scheduler.parameters[20]
    assert abs(scheduler.get_card_retrievability(card, at) - retrievability(elapsed, s, d)) < 1e-9


@given(hours, hours, st.integers(1, 400), stability, retention, decay)
def test_capping(due_in, exam_offset, exam_days, s, r, d):
    due = NOW + timedelta(hours=due_in)
    exam_start = NOW + timedelta(days=exam_days, hours=exam_offset % 24)
    eve = exam_start - timedelta(days=1)
    capped = capped_due(
        now=NOW, due=due, stability=s, retention=r, decay=d, exam_start=exam_start, eve_start=eve
    )
    assert NOW < capped <= due
    if due < exam_start:
        assert capped == due
    if capped >= exam_start:
        # This review is the last before the exam: recall on the exam day meets the target.
        assert NOW >= eve
        assert retrievability(days(exam_start - NOW), s, d) >= r - 1e-9
    elif due >= exam_start:
        # Pulled before the exam, never so early that a review then would miss the target.
        assert retrievability(days(exam_start - capped), s, d) >= r - 1e-6


@given(hours, stability, retention, decay)
def test_after_the_exam_nothing_changes(due_in, s, r, d):
    due = NOW + timedelta(hours=due_in)
    exam_start = NOW - timedelta(hours=1)
    kwargs = {"stability": s, "retention": r, "decay": d}
    capped = capped_due(
        now=NOW, due=due, exam_start=exam_start, eve_start=exam_start - timedelta(days=1), **kwargs
    )
    assert capped == due
