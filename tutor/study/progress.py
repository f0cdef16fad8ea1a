"""The progress dashboard: streak, today's minutes against the goal, the last year of activity,
due cards, today's tasks and mastery per document, all read from the learning record (through
its per-day rollup, `tutor.study.study_days`). Days are the student's local days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from psycopg import AsyncConnection

from tutor.gamification import game_profile
from tutor.gamification.streak_freezes import current_streak, frozen_days
from tutor.study.due_queue import Window, window_at
from tutor.study.mastery import DocumentMastery, mastery_by_document, user_decay
from tutor.study.profile import Profile, get_profile
from tutor.study.streaks import Streak
from tutor.study.study_days import DayActivity, study_days

HEATMAP_DAYS = 365


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Everything the progress page shows."""

    profile: Profile
    today: date
    streak: Streak
    today_seconds: int
    days: list[DayActivity]
    due_cards: int
    tasks_due_today: int
    tasks_overdue: int
    mastery: list[DocumentMastery]

    @property
    def goal_met(self) -> bool:
        return self.today_seconds >= self.profile.daily_goal_minutes * 60


DUE_CARDS = """
SELECT count(*)::int FROM cards
WHERE user_id = %(user_id)s AND state <> 'new' AND due_at < %(end_of_today)s
"""


async def due_cards_today(conn: AsyncConnection, profile: Profile, day: Window) -> int:
    """Cards in learning or review that fall due before the local day ends."""
    params = {"user_id": profile.user_id, "end_of_today": day.day_end}
    cur = await conn.execute(DUE_CARDS, params)
    row = await cur.fetchone()
    return int(row[0]) if row else 0


TASK_COUNTS = """
SELECT count(*) FILTER (WHERE coalesce(due_date = %(today)s,
                                       due_at >= %(start)s AND due_at < %(end)s))::int,
       count(*) FILTER (WHERE coalesce(due_date < %(today)s, due_at < %(now)s))::int
FROM tasks WHERE user_id = %(user_id)s AND status = 'open'
"""


async def task_counts(
    conn: AsyncConnection, profile: Profile, today: date, day: Window
) -> tuple[int, int]:
    """(open tasks due today, open tasks overdue) in the student's local calendar."""
    params = {
        "user_id": profile.user_id,
        "today": today,
        "now": day.now,
        "start": day.day_start,
        "end": day.day_end,
    }
    cur = await conn.execute(TASK_COUNTS, params)
    row = await cur.fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


async def dashboard(conn: AsyncConnection, user_id: UUID, now: datetime) -> Dashboard:
    """The progress dashboard for `user_id` at `now`."""
    profile = await get_profile(conn, user_id)
    today = profile.today(now)
    window = window_at(now, profile.zone)
    history = await study_days(conn, user_id)
    first_shown = today - timedelta(days=HEATMAP_DAYS - 1)
    today_seconds = next((d.seconds for d in reversed(history) if d.day == today), 0)
    due_today, overdue = await task_counts(conn, profile, today, window)
    active = {d.day for d in history if d.events > 0}
    held = (await game_profile.get(conn, user_id)).streak_freezes
    return Dashboard(
        profile=profile,
        today=today,
        streak=current_streak(active, await frozen_days(conn, user_id), held, today),
        today_seconds=today_seconds,
        days=[d for d in history if first_shown <= d.day <= today],
        due_cards=await due_cards_today(conn, profile, window),
        tasks_due_today=due_today,
        tasks_overdue=overdue,
        mastery=await mastery_by_document(conn, user_id, now, await user_decay(conn, user_id)),
    )
