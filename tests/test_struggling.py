"""The struggling-student rule and the trend column, by hand and as properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tutor.classes.struggling import GradedResult, Verdict, assess, trend, window_average

NOW = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)


def days_ago(days: float, score: float) -> GradedResult:
    return GradedResult(graded_at=NOW - timedelta(days=days), score=score)


def test_a_student_doing_fine_is_not_struggling():
    results = [days_ago(3, 0.8), days_ago(10, 0.7)]
    verdict = assess(results, missing=1, mastery_then=0.5, mastery_now=0.55, now=NOW)
    assert (verdict.struggling, verdict.reasons) == (False, ())
    assert verdict.average == pytest.approx(0.75)


def test_every_rule_adds_its_reason():
    # Average (0.5 + 0.4) / 2 = 0.45 < 0.60; 2 missing; mastery 0.8 -> 0.6 fell by 0.2.
    results = [days_ago(1, 0.5), days_ago(29, 0.4)]
    verdict = assess(results, missing=2, mastery_then=0.8, mastery_now=0.6, now=NOW)
    assert verdict.struggling
    assert verdict.reasons == ("low_average", "missing_work", "mastery_falling")
    assert verdict.average == pytest.approx(0.45)


def test_the_average_counts_only_the_last_30_days():
    # 0.2 from 31 days ago and one from tomorrow are out; exactly 30 days ago is in:
    # (0.9 + 0.6) / 2 = 0.75.
    results = [days_ago(31, 0.2), days_ago(30, 0.9), days_ago(0, 0.6), days_ago(-1, 0.0)]
    assert window_average(results, NOW) == pytest.approx(0.75)
    verdict = assess(results, missing=0, mastery_then=None, mastery_now=None, now=NOW)
    assert not verdict.struggling


def test_no_results_in_the_window_is_not_a_low_average():
    verdict = assess([days_ago(45, 0.1)], missing=0, mastery_then=None, mastery_now=None, now=NOW)
    assert (verdict.struggling, verdict.average) == (False, None)


def test_thresholds_hold_at_their_exact_values_despite_floats():
    # 0.3, 0.4, 0.6, 0.8, 0.9 average 0.6 (sum() / 5 gives 0.5999999999999999), not low;
    # 0.70 -> 0.60 is a fall of 0.10 (in floats 0.09999999999999998), which counts; one missing
    # assignment is not missing work.
    at_threshold = [days_ago(k, score) for k, score in enumerate((0.3, 0.4, 0.6, 0.8, 0.9))]
    assert window_average(at_threshold, NOW) == 0.6
    verdict = assess(at_threshold, missing=1, mastery_then=0.7, mastery_now=0.6, now=NOW)
    assert verdict.reasons == ("mastery_falling",)
    below = assess([days_ago(1, 0.59)], missing=0, mastery_then=0.7, mastery_now=0.61, now=NOW)
    assert below.reasons == ("low_average",)
    a_hair_below = [days_ago(1, 0.6 - 1e-12)]
    assert not assess(a_hair_below, missing=0, mastery_then=None, mastery_now=None, now=NOW).reasons


@pytest.mark.parametrize(("then", "now"), [(None, 0.1), (0.9, None), (None, None)])
def test_mastery_needs_both_readings(then, now):
    verdict = assess([], missing=0, mastery_then=then, mastery_now=now, now=NOW)
    assert verdict == Verdict(struggling=False, reasons=(), average=None)


def test_negative_missing_is_refused():
    with pytest.raises(ValueError):
        assess([], missing=-1, mastery_then=None, mastery_now=None, now=NOW)


def test_trend_is_the_least_squares_slope():
    # x = 0 1 2 3, mean 1.5; y = 0.5 0.7 0.6 0.9, mean 0.675.
    # Sum (x - 1.5)(y - 0.675) = (-1.5)(-0.175) + (-0.5)(0.025) + (0.5)(-0.075) + (1.5)(0.225)
    #   = 0.2625 - 0.0125 - 0.0375 + 0.3375 = 0.55; Sum (x - 1.5)^2 = 5; slope 0.11.
    assert trend([0.5, 0.7, 0.6, 0.9]) == pytest.approx(0.11)
    assert trend([0.9, 0.5]) == pytest.approx(-0.4)
    assert trend([0.7, 0.7, 0.7]) == pytest.approx(0.0)


def test_trend_needs_two_scores():
    assert trend([]) is None
    assert trend([0.8]) is None


unit = st.floats(min_value=0.0, max_value=1.0)
results = st.lists(st.builds(days_ago, st.floats(min_value=-5, max_value=60), unit), max_size=20)
readings = st.none() | unit
missing = st.integers(min_value=0, max_value=10)


@given(results, missing, readings, readings)
def test_struggling_exactly_when_there_is_a_reason(graded, absent, then, now):
    verdict = assess(graded, missing=absent, mastery_then=then, mastery_now=now, now=NOW)
    assert verdict.struggling == bool(verdict.reasons)
    assert len(set(verdict.reasons)) == len(verdict.reasons)


@given(results, missing, readings, readings)
def test_another_missing_assignment_never_clears_a_reason(graded, absent, then, now):
    before = assess(graded, missing=absent, mastery_then=then, mastery_now=now, now=NOW)
    after = assess(graded, missing=absent + 1, mastery_then=then, mastery_now=now, now=NOW)
    assert set(before.reasons) <= set(after.reasons)
    assert after.struggling or not before.struggling


@given(results, missing, readings, readings)
def test_results_older_than_the_window_change_nothing(graded, absent, then, now):
    old = [days_ago(31, 0.0), days_ago(400, 0.0)]
    assert assess(graded, missing=absent, mastery_then=then, mastery_now=now, now=NOW) == assess(
        graded + old, missing=absent, mastery_then=then, mastery_now=now, now=NOW
    )


@given(
    st.floats(min_value=-0.2, max_value=0.2),
    st.floats(min_value=0.0, max_value=0.5),
    st.integers(min_value=2, max_value=30),
)
def test_trend_recovers_the_slope_of_a_line(slope, start, n):
    assert trend([start + slope * i for i in range(n)]) == pytest.approx(slope, abs=1e-9)
