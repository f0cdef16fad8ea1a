"""Recurrence rules: the next instance of a repeating task, by day and by local wall time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tutor.errors import InvalidInput
from tutor.study.recurrence import (
    WEEKDAY_NAMES,
    Recurrence,
    at_wall_time,
    next_due_at,
    next_due_date,
)

ZONES = [
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "America/Santiago",  # DST changes at midnight: some local midnights do not exist
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "Asia/Kolkata",
    "Pacific/Chatham",
]
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))
wall_times = st.times()
zones = st.sampled_from(ZONES).map(ZoneInfo)
weekday_sets = st.sets(st.integers(1, 7), min_size=1).map(lambda s: tuple(sorted(s)))
rules = st.one_of(
    st.just(Recurrence("daily")),
    weekday_sets.map(lambda days: Recurrence("weekly", 1, days)),
    st.integers(1, 365).map(lambda n: Recurrence("every_n_days", n)),
)
late_by = st.integers(-30, 400).map(lambda n: timedelta(days=n))


def exists(day: date, wall: time, zone: ZoneInfo) -> bool:
    """Whether `wall` is a time the clocks in `zone` show on `day` (not skipped by DST)."""
    local = at_wall_time(day, wall, zone).astimezone(zone)
    return (local.date(), local.time()) == (day, wall.replace(tzinfo=None, fold=0))


@given(rules, days, late_by)
def test_the_next_day_is_after_the_due_and_not_before_the_completion(rule, due, late):
    done_on = due + late
    following = next_due_date(rule, due, done_on)
    assert following > due
    assert following >= done_on


@given(weekday_sets, days, late_by)
def test_weekly_lands_on_a_chosen_weekday_within_a_week(weekdays, due, late):
    rule = Recurrence("weekly", 1, weekdays)
    following = next_due_date(rule, due, due + late)
    assert following.isoweekday() in weekdays
    # The first chosen weekday: none is skipped.
    start = max(due + timedelta(days=1), due + late)
    assert (following - start).days < 7
    assert all(
        (start + timedelta(days=d)).isoweekday() not in weekdays
        for d in range((following - start).days)
    )


@given(st.integers(1, 365), days, st.integers(-30, 0))
def test_every_n_days_done_on_time_is_exactly_n_days_later(n, due, early):
    assert next_due_date(Recurrence("every_n_days", n), due, due + timedelta(days=early)) == (
        due + timedelta(days=n)
    )


@given(st.integers(1, 365), days, late_by)
def test_every_n_days_keeps_its_rhythm_when_done_late(n, due, late):
    following = next_due_date(Recurrence("every_n_days", n), due, due + late)
    assert (following - due).days % n == 0
    assert following - timedelta(days=n) < max(due + timedelta(days=1), due + late)


@given(rules, days, wall_times, zones, st.integers(-3 * 24 * 60, 400 * 24 * 60))
def test_a_timed_task_comes_back_after_its_due_and_its_completion(rule, day, wall, zone, late):
    due_at = at_wall_time(day, wall, zone)
    completed_at = due_at + timedelta(minutes=late)
    following = next_due_at(rule, due_at, completed_at, zone)
    assert following > due_at
    assert following > completed_at
    assert following.utcoffset() == timedelta(0)


@given(rules, days, wall_times, zones, st.integers(-3 * 24 * 60, 400 * 24 * 60))
def test_a_timed_task_keeps_its_local_wall_time(rule, day, wall, zone, late):
    wall = wall.replace(fold=0)
    due_at = at_wall_time(day, wall, zone)
    following = next_due_at(rule, due_at, due_at + timedelta(minutes=late), zone)
    if not exists(day, wall, zone):
        return  # the due itself was moved off a skipped time; its instant is what counts
    local = following.astimezone(zone)
    if local.time() == wall:
        return
    # A DST change skipped that wall time on the occurrence's day: pushed forward by the change.
    occurrence_day = local.date() if local.time() > wall else local.date() - timedelta(days=1)
    assert not exists(occurrence_day, wall, zone)
    pushed = local.replace(tzinfo=None) - datetime.combine(occurrence_day, wall)
    assert timedelta(0) < pushed <= timedelta(hours=1)


@given(rules, days, wall_times, zones)
def test_the_timed_rule_follows_the_day_rule(rule, day, wall, zone):
    due_at = at_wall_time(day, wall.replace(fold=0), zone)
    local_day = due_at.astimezone(zone).date()
    expected_day = next_due_date(rule, local_day, local_day)
    assert next_due_at(rule, due_at, due_at, zone).astimezone(zone).date() >= expected_day


def test_nine_o_clock_stays_nine_o_clock_across_the_spring_change_in_paris():
    paris = ZoneInfo("Europe/Paris")
    due_at = datetime(2026, 3, 28, 8, 0, tzinfo=UTC)  # Saturday 09:00 CET
    following = next_due_at(Recurrence("daily"), due_at, due_at, paris)
    assert following == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # Sunday 09:00 CEST
    assert following.astimezone(paris).time() == time(9, 0)


def test_a_skipped_wall_time_moves_forward_by_the_change():
    new_york = ZoneInfo("America/New_York")
    due_at = at_wall_time(date(2026, 3, 7), time(2, 30), new_york)
    following = next_due_at(Recurrence("daily"), due_at, due_at, new_york)
    assert following.astimezone(new_york).replace(tzinfo=None) == datetime(2026, 3, 8, 3, 30)
    # Only the instant is stored, so the series carries on from the moved time.
    after = next_due_at(Recurrence("daily"), following, following, new_york)
    assert after.astimezone(new_york).replace(tzinfo=None) == datetime(2026, 3, 9, 3, 30)


def test_done_late_today_means_due_today_and_done_today_means_tomorrow():
    daily = Recurrence("daily")
    today = date(2026, 12, 2)
    assert next_due_date(daily, today - timedelta(days=3), today) == today
    assert next_due_date(daily, today, today) == today + timedelta(days=1)
    # A timed task: today's occurrence still ahead is the next; one already passed is not.
    utc = ZoneInfo("UTC")
    due = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    morning = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    noon = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    assert next_due_at(daily, due, morning, utc) == datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    assert next_due_at(daily, due, noon, utc) == datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def test_weekly_from_names():
    rule = Recurrence.weekly("wed", "mon", "wed")
    assert rule.weekdays == (1, 3) and rule.weekday_names == ["mon", "wed"]
    wednesday = date(2026, 12, 2)
    assert next_due_date(rule, wednesday, wednesday) == date(2026, 12, 7)


@pytest.mark.parametrize(
    "build",
    [
        lambda: Recurrence.weekly("someday"),
        lambda: Recurrence("weekly"),
        lambda: Recurrence("weekly", 1, (0,)),
        lambda: Recurrence("weekly", 1, (8,)),
        lambda: Recurrence("daily", 1, (1,)),
        lambda: Recurrence("daily", 2),
        lambda: Recurrence("every_n_days", 0),
        lambda: Recurrence("every_n_days", 366),
        lambda: Recurrence("hourly"),  # type: ignore[arg-type]
    ],
)
def test_invalid_rules_are_refused(build):
    with pytest.raises(InvalidInput):
        build()


def test_weekday_names_are_iso_ordered():
    monday = date(2026, 11, 30)
    for offset, name in enumerate(WEEKDAY_NAMES):
        assert (monday + timedelta(days=offset)).isoweekday() == WEEKDAY_NAMES.index(name) + 1
