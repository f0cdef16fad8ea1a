"""The learning record summed per local day: qualifying events and study seconds.

Kept up to date by `record`/`retract` (each recomputes its day from the events, so it is always
exactly what the events say) and rebuilt when the student changes time zone. Streaks, the goal
and the activity calendar read this instead of every event: a dashboard over two years of
history reads about 730 rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import class_row

# The kinds that make a day count: asking the tutor alone does not (asking is not studying, and
# it would make streaks trivially farmable). Kept here, where the rollup counts them.
QUALIFYING_KINDS = ("review", "practice_answer", "task_done", "focus_session")


@dataclass(frozen=True, slots=True)
class DayActivity:
    """One local day: how many things were done and for how long."""

    day: date
    events: int
    seconds: int


# Taking the day's row lock first means a concurrent writer of the same day waits, and its
# recount (a later statement, so a fresh snapshot) sees this transaction's event once committed.
LOCK_DAY = """
INSERT INTO study_days (user_id, day, events, seconds)
SELECT u.id, (%(at)s::timestamptz AT TIME ZONE u.timezone)::date, 0, 0
FROM users u WHERE u.id = %(user_id)s
ON CONFLICT (user_id, day) DO UPDATE SET events = study_days.events
RETURNING day
"""

# Seconds are the length of the union of the spans the events cover before they happened
# (range_agg merges overlaps), so a review during a focus session counts once.
RECOUNT_DAY = """
WITH bounds AS (
    SELECT (%(day)s::date::timestamp AT TIME ZONE u.timezone) AS starts,
           ((%(day)s::date + 1)::timestamp AT TIME ZONE u.timezone) AS ends
    FROM users u WHERE u.id = %(user_id)s
), total AS (
    SELECT count(*) FILTER (WHERE e.kind = ANY(%(kinds)s)) AS events,
           range_agg(tstzrange(e.occurred_at - make_interval(secs => coalesce(e.duration_s, 0)),
                               e.occurred_at, '[]')) AS covered
    FROM bounds b JOIN study_events e
      ON e.user_id = %(user_id)s AND e.occurred_at >= b.starts AND e.occurred_at < b.ends
)
UPDATE study_days
SET events = t.events,
    seconds = coalesce((SELECT extract(epoch FROM sum(upper(r) - lower(r)))
                        FROM unnest(t.covered) r), 0)::int
FROM total t
WHERE study_days.user_id = %(user_id)s AND study_days.day = %(day)s
RETURNING study_days.day, study_days.events, study_days.seconds
"""

DELETE_DAYS = "DELETE FROM study_days WHERE user_id = %(user_id)s"
REBUILD_DAYS = """
INSERT INTO study_days (user_id, day, events, seconds)
SELECT %(user_id)s, day, events,
       coalesce((SELECT extract(epoch FROM sum(upper(r) - lower(r))) FROM unnest(covered) r),
                0)::int
FROM (SELECT (e.occurred_at AT TIME ZONE u.timezone)::date AS day,
             count(*) FILTER (WHERE e.kind = ANY(%(kinds)s)) AS events,
             range_agg(tstzrange(e.occurred_at - make_interval(secs => coalesce(e.duration_s, 0)),
                                 e.occurred_at, '[]')) AS covered
      FROM study_events e JOIN users u ON u.id = e.user_id
      WHERE e.user_id = %(user_id)s
      GROUP BY 1) d
"""

DAYS = """
SELECT day, events, seconds FROM study_days
WHERE user_id = %(user_id)s AND (events > 0 OR seconds > 0)
ORDER BY day
"""


async def refresh_day(conn: AsyncConnection, user_id: UUID, at: datetime) -> None:
    """Recount the student's local day that holds `at` from its events."""
    cur = await conn.execute(LOCK_DAY, {"user_id": user_id, "at": at})
    row = await cur.fetchone()
    if row is None:  # no such user: nothing to count
        return
    await recount_day(conn, user_id, row[0])


async def recount_day(conn: AsyncConnection, user_id: UUID, day: date) -> DayActivity:
    """Recount a local day whose row the transaction has locked (`LOCK_DAY`); the new counts."""
    params = {"user_id": user_id, "day": day, "kinds": list(QUALIFYING_KINDS)}
    cur = conn.cursor(row_factory=class_row(DayActivity))
    await cur.execute(RECOUNT_DAY, params)
    found = await cur.fetchone()
    assert found is not None  # the row is locked, so it is there
    return found


async def rebuild(conn: AsyncConnection, user_id: UUID) -> None:
    """Recount every day, in the student's current time zone (after it changed)."""
    await conn.execute(DELETE_DAYS, {"user_id": user_id})
    await conn.execute(REBUILD_DAYS, {"user_id": user_id, "kinds": list(QUALIFYING_KINDS)})


async def study_days(conn: AsyncConnection, user_id: UUID) -> list[DayActivity]:
    """Every local day with any study, oldest first."""
    cur = conn.cursor(row_factory=class_row(DayActivity))
    await cur.execute(DAYS, {"user_id": user_id})
    return await cur.fetchall()
