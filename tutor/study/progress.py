"""The progress dashboard: streak, today's minutes against the goal, the last year of activity,
due cards, today's tasks and mastery per document, all read from the learning record.

Study time of a day is the length of the *union* of the intervals its events cover (a review
covers its duration before it was submitted, a focus session its counted time), so reviewing
during a focus session is not counted twice. Days are the student's local days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import class_row

from tutor.study.mastery import DocumentMastery, mastery_by_document, user_decay
from tutor.study.profile import Profile, get_profile
from tutor.study.record import QUALIFYING_KINDS
from tutor.study.streaks import Streak, streak

HEATMAP_DAYS = 365


@dataclass(frozen=True, slots=True)
class DayActivity:
    """One local day: how many things were done and for how long."""

    day: date
    events: int
    seconds: int


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


STUDY_DAYS = """
SELECT DISTINCT (occurred_at AT TIME ZONE %(tz)s)::date AS day
FROM study_events
WHERE user_id = %(user_id)s AND kind = ANY(%(kinds)s)
"""

# Spans per local day, merged with range_agg so that overlapping spans count once.
DAILY_ACTIVITY = """
WITH spans AS (
    SELECT (occurred_at AT TIME ZONE %(tz)s)::date AS day, kind,
           tstzrange(occurred_at - make_interval(secs => coalesce(duration_s, 0)), occurred_at,
                     '[]') AS span
    FROM study_events
    WHERE user_id = %(user_id)s AND occurred_at >= %(since)s
), days AS (
    SELECT day, count(*) FILTER (WHERE kind = ANY(%(kinds)s)) AS events,
           range_agg(span) AS covered
    FROM spans GROUP BY day
)
SELECT day, events::int,
       coalesce((SELECT extract(epoch FROM sum(upper(r) - lower(r))) FROM unnest(covered) r),
                0)::int AS seconds
FROM days ORDER BY day
"""

DUE_CARDS = """
SELECT count(*)::int FROM cards
WHERE user_id = %(user_id)s AND state <> 'new' AND due_at < %(end_of_today)s
"""


async def study_days(conn: AsyncConnection, profile: Profile) -> list[date]:
    """Every local day with a qualifying study event."""
    params = {"user_id": profile.user_id, "tz": profile.timezone, "kinds": list(QUALIFYING_KINDS)}
    cur = await conn.execute(STUDY_DAYS, params)
    return [row[0] for row in await cur.fetchall()]


async def daily_activity(
    conn: AsyncConnection, profile: Profile, since_day: date
) -> list[DayActivity]:
    """Per local day from `since_day`: qualifying events and study seconds (days with none are
    left out)."""
    since = datetime.combine(since_day, time.min, profile.zone)
    params = {
        "user_id": profile.user_id,
        "tz": profile.timezone,
        "since": since,
        "kinds": list(QUALIFYING_KINDS),
    }
    cur = conn.cursor(row_factory=class_row(DayActivity))
    await cur.execute(DAILY_ACTIVITY, params)
    return await cur.fetchall()


def end_of_day(day: date, profile: Profile) -> datetime:
    """The instant the student's local `day` ends (the next local midnight, DST included)."""
    return datetime.combine(day + timedelta(days=1), time.min, profile.zone)


async def due_cards_today(conn: AsyncConnection, profile: Profile, today: date) -> int:
    """Cards in learning or review that fall due before the local day ends."""
    params = {"user_id": profile.user_id, "end_of_today": end_of_day(today, profile)}
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
    conn: AsyncConnection, profile: Profile, today: date, now: datetime
) -> tuple[int, int]:
    """(open tasks due today, open tasks overdue) in the student's local calendar."""
    params = {
        "user_id": profile.user_id,
        "today": today,
        "now": now,
        "start": datetime.combine(today, time.min, profile.zone),
        "end": end_of_day(today, profile),
    }
    cur = await conn.execute(TASK_COUNTS, params)
    row = await cur.fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


async def dashboard(conn: AsyncConnection, user_id: UUID, now: datetime) -> Dashboard:
    """The progress dashboard for `user_id` at `now`."""
    profile = await get_profile(conn, user_id)
    today = profile.today(now)
    days = await daily_activity(conn, profile, today - timedelta(days=HEATMAP_DAYS - 1))
    today_seconds = next((d.seconds for d in days if d.day == today), 0)
    due_today, overdue = await task_counts(conn, profile, today, now)
    return Dashboard(
        profile=profile,
        today=today,
        streak=streak(await study_days(conn, profile), today),
        today_seconds=today_seconds,
        days=days,
        due_cards=await due_cards_today(conn, profile, today),
        tasks_due_today=due_today,
        tasks_overdue=overdue,
        mastery=await mastery_by_document(conn, user_id, now, await user_decay(conn, user_id)),
    )
