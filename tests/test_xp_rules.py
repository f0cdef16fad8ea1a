"""The pure rules of gamification, property-tested: levels, caps, quiz runs, streak freezes
and leaderboard periods."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from tutor.gamification.badges import CATALOGUE, longest_run_at
from tutor.gamification.levels import TITLES, level_of, standing, title_of, xp_for_level
from tutor.gamification.periods import window
from tutor.gamification.rules import DAILY_XP_CAP, RULES, capped_amount, set_completed_xp
from tutor.gamification.streak_freezes import current_streak, days_to_cover, missed_days
from tutor.study.streaks import streak

ZONES = ["UTC", "Pacific/Auckland", "America/New_York", "Europe/Paris", "Asia/Kolkata"]
xps = st.integers(min_value=0, max_value=10**9)


@given(xps, xps)
def test_level_is_monotone_in_xp(a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert level_of(low) <= level_of(high)


@given(st.integers(min_value=1, max_value=5000))
def test_level_thresholds_follow_the_formula(level: int) -> None:
    start = xp_for_level(level)
    assert level_of(start) == level
    assert level_of(start - 1) == level - 1 or level == 1
    assert level_of(start) == math.floor(math.sqrt(start / 100)) + 1


@given(xps)
def test_standing_progress_is_within_the_level(xp: int) -> None:
    s = standing(xp)
    assert s.level_xp <= xp < s.next_level_xp and 0 <= s.progress < 1


def test_titles_change_at_the_documented_levels() -> None:
    assert [title_of(level) for level, _ in TITLES] == [title for _, title in TITLES]
    assert title_of(4) == "Novice Odyssey Seeker" and title_of(49) == "Epic Knowledge Champion"
    assert title_of(500) == "Legendary Spark Master"


@given(
    st.sampled_from(sorted(RULES)),
    st.integers(min_value=0, max_value=2000),
    st.integers(min_value=0, max_value=2000),
    st.integers(min_value=0, max_value=2000),
)
def test_caps_are_never_exceeded(name: str, amount: int, rule_today: int, capped_today: int):
    rule = RULES[name]  # type: ignore[index]
    given_now = capped_amount(rule, amount, rule_today, capped_today)
    assert 0 <= given_now <= amount
    if rule.capped:
        assert capped_today + given_now <= max(DAILY_XP_CAP, capped_today)
    if rule.daily_cap is not None:
        assert rule_today + given_now <= max(rule.daily_cap, rule_today)


@given(st.integers(min_value=1, max_value=50), st.data())
def test_set_xp_grows_with_the_score(questions: int, data: st.DataObject) -> None:
    a = data.draw(st.integers(min_value=0, max_value=questions))
    b = data.draw(st.integers(min_value=a, max_value=questions))
    assert set_completed_xp(a, questions) <= set_completed_xp(b, questions)


@given(st.lists(st.floats(min_value=0, max_value=1)), st.floats(min_value=0, max_value=1))
def test_longest_run_is_a_run_of_qualifying_scores(scores: list[float], at: float) -> None:
    run = longest_run_at(scores, at)
    assert 0 <= run <= len(scores)
    if run:
        assert any(
            all(s >= at - 1e-9 for s in scores[i : i + run]) for i in range(len(scores) - run + 1)
        )
    assert not any(
        all(s >= at - 1e-9 for s in scores[i : i + run + 1])
        for i in range(len(scores) - run)
    )  # fmt: skip


def test_the_catalogue_has_fifteen_distinct_badges_of_every_kind() -> None:
    assert len(CATALOGUE) >= 15 and len({b.key for b in CATALOGUE}) == len(CATALOGUE)
    kinds = {b.criterion.kind for b in CATALOGUE}
    assert kinds == {
        "sets_completed",
        "quiz_streak",
        "documents_mastered",
        "learning_streak",
        "cards_mastered",
        "tasks_on_time",
    }


day_sets = st.sets(st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 3, 1)), max_size=40)


@given(day_sets, st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 3, 5)))
def test_missed_days_lie_strictly_between_the_last_study_day_and_today(active, today) -> None:
    missed = missed_days(active, today)
    before = [d for d in active if d < today]
    assert all(d not in active and d < today for d in missed)
    if before:
        assert len(missed) == (today - max(before)).days - 1
    else:
        assert missed == []


@given(day_sets, st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 3, 5)),
       st.integers(min_value=0, max_value=2))  # fmt: skip
def test_freezes_cover_all_missed_days_or_none(active, today, held) -> None:
    covered = days_to_cover(active, today, held)
    assert covered in ([], missed_days(active, today))
    assert len(covered) <= held


@given(day_sets, day_sets, st.integers(min_value=0, max_value=2),
       st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 3, 5)))  # fmt: skip
def test_freezes_never_shorten_a_streak(active, frozen, held, today) -> None:
    plain = streak(active, today)
    with_freezes = current_streak(active, frozen, held, today)
    assert with_freezes.current >= plain.current
    assert current_streak(active, set(), 0, today) == plain


def test_a_held_freeze_keeps_yesterdays_gap_alive() -> None:
    today = date(2026, 3, 10)
    active = {today - timedelta(days=i) for i in range(2, 6)}  # 4 days, then yesterday missed
    assert streak(active, today).current == 0
    assert current_streak(active, set(), 1, today).current == 4
    assert current_streak(active, set(), 0, today).current == 0


@given(st.sampled_from(["day", "week", "month"]), st.sampled_from(ZONES),
       st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31),
                    timezones=st.just(UTC)))  # fmt: skip
def test_a_period_window_holds_its_instant_and_abuts_the_next(period, zone_name, now) -> None:
    zone = ZoneInfo(zone_name)
    span = window(period, now, zone)  # type: ignore[arg-type]
    assert span.end is not None and span.start <= now < span.end
    following = window(period, span.end, zone)  # type: ignore[arg-type]
    assert following.start == span.end and following.key != span.key
    local = span.start.astimezone(zone)
    assert (local.hour, local.minute) == (0, 0)
    if period == "week":
        assert local.weekday() == 0
    if period == "month":
        assert local.day == 1
