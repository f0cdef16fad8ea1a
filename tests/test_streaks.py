"""Streaks over local days, and local days across time zones and DST."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from tutor.study.streaks import local_day, runs, streak

TODAY = date(2026, 3, 29)
days_near_today = st.sets(
    st.integers(min_value=-60, max_value=0).map(lambda k: TODAY + timedelta(days=k)), max_size=40
)


def test_a_streak_counts_consecutive_days_up_to_today():
    days = [TODAY - timedelta(days=k) for k in range(5)]
    assert streak(days, TODAY) == streak(days, TODAY).__class__(5, 5, True)


def test_a_streak_survives_until_today_ends_but_not_a_whole_missed_day():
    days = [TODAY - timedelta(days=k) for k in range(1, 4)]
    assert (streak(days, TODAY).current, streak(days, TODAY).studied_today) == (3, False)
    assert streak(days, TODAY + timedelta(days=1)).current == 0
    assert streak(days, TODAY + timedelta(days=1)).longest == 3


@given(days_near_today)
def test_current_never_exceeds_longest(days):
    result = streak(days, TODAY)
    assert 0 <= result.current <= result.longest <= len(days)
    assert result.studied_today == (TODAY in days)


@given(days_near_today)
def test_studying_today_never_lowers_the_streak(days):
    before, after = streak(days, TODAY), streak(days | {TODAY}, TODAY)
    assert after.current >= before.current and after.current >= 1
    assert after.longest >= before.longest


@given(days_near_today, st.integers(min_value=2, max_value=30))
def test_a_gap_of_a_whole_day_resets_the_current_streak(days, gap):
    later = max(days, default=TODAY) + timedelta(days=gap)
    assert streak(days, later).current == 0


@given(days_near_today)
def test_runs_partition_the_days(days):
    found = runs(days)
    covered = {first + timedelta(days=k) for first, length in found for k in range(length)}
    assert covered == set(days)
    for (a, la), (b, _) in zip(found, found[1:], strict=False):
        assert a + timedelta(days=la) < b, "runs are maximal: separated by at least one day"


def test_late_evening_counts_on_the_local_day_not_the_utc_one():
    tokyo, new_york = ZoneInfo("Asia/Tokyo"), ZoneInfo("America/New_York")
    instant = datetime(2026, 6, 1, 14, 30, tzinfo=UTC)  # 23:30 in Tokyo, 10:30 in New York
    assert local_day(instant, tokyo) == date(2026, 6, 1)
    assert local_day(instant + timedelta(hours=1), tokyo) == date(2026, 6, 2)
    assert local_day(datetime(2026, 6, 2, 3, 30, tzinfo=UTC), new_york) == date(2026, 6, 1)


@given(st.floats(min_value=0.0, max_value=0.999))
def test_dst_days_are_one_local_day_each(fraction):
    # Europe/Paris springs forward on 2026-03-29 (a 23-hour day), falls back on 2026-10-25 (25).
    paris = ZoneInfo("Europe/Paris")
    for change, hours in ((date(2026, 3, 29), 23), (date(2026, 10, 25), 25)):
        start = datetime.combine(change, datetime.min.time(), paris).astimezone(UTC)
        assert local_day(start + timedelta(hours=hours * fraction), paris) == change
        assert local_day(start + timedelta(hours=hours), paris) == change + timedelta(days=1)


@given(st.integers(min_value=0, max_value=3))
def test_studying_every_local_day_through_dst_keeps_the_streak(offset):
    paris = ZoneInfo("Europe/Paris")
    first = date(2026, 3, 26) + timedelta(days=offset)
    # One review every local day at 00:30, spanning the spring-forward night.
    instants = [
        datetime.combine(first + timedelta(days=k), datetime.min.time(), paris)
        + timedelta(minutes=30)
        for k in range(6)
    ]
    days = {local_day(i.astimezone(UTC), paris) for i in instants}
    assert streak(days, first + timedelta(days=5)).current == 6
