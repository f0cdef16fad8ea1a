"""The lists a student plans from, and the task stats, all in the student's own time zone.

- today: open tasks due today or earlier (overdue included);
- overdue: open all-day tasks whose day is over (due date < local today), open timed tasks whose
  instant passed (due_at < now);
- upcoming: open tasks due in the next 7 local days, tomorrow to a week from today;
- open: every open task, undated ones last;
- done: finished tasks, the most recently finished first.

Open lists go by due (an all-day task counts as due at its local midnight, so it leads its
day), then id; each page continues after the cursor's (due, id).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from psycopg import AsyncConnection
from psycopg.rows import class_row

from tutor.database import Keyset, after_params
from tutor.study.recurrence import at_wall_time
from tutor.study.tasks import TASK_COLUMNS, Moment, Task

View = Literal["today", "overdue", "upcoming", "open", "done"]
VIEWS: tuple[View, ...] = ("today", "overdue", "upcoming", "open", "done")
UPCOMING_DAYS = 7
# Where undated tasks sort in an open list: after every real due.
NO_DUE = datetime(9999, 12, 31, tzinfo=UTC)


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The instant `day` begins in `zone` (a midnight that DST skips: the first instant after)."""
    return at_wall_time(day, time(0), zone)


def window(at: Moment) -> dict[str, Any]:
    """The local days and their first instants every view and stat compares dues with."""
    tomorrow, horizon = at.today + timedelta(days=1), at.today + timedelta(days=UPCOMING_DAYS)
    return {
        "now": at.now,
        "today": at.today,
        "tomorrow": tomorrow,
        "tomorrow_start": day_start(tomorrow, at.zone),
        "horizon": horizon,
        "horizon_end": day_start(horizon + timedelta(days=1), at.zone),
        "tz": at.zone.key,
    }


def _open_list(condition: str) -> str:
    return f"""
SELECT * FROM (
    SELECT {TASK_COLUMNS},
        coalesce(t.due_at, t.due_date::timestamp AT TIME ZONE %(tz)s, %(no_due)s) AS sort_key
    FROM tasks t
    WHERE t.user_id = %(user_id)s AND t.status = 'open' AND {condition}
) listed
WHERE (sort_key, id) > (coalesce(%(after_ts)s::timestamptz, '-infinity'),
                        coalesce(%(after_id)s::uuid, '00000000-0000-0000-0000-000000000000'))
ORDER BY sort_key, id
LIMIT %(limit)s
"""


OPEN_LISTS: dict[View, str] = {
    "today": _open_list("(t.due_date <= %(today)s OR t.due_at < %(tomorrow_start)s)"),
    "overdue": _open_list("(t.due_date < %(today)s OR t.due_at < %(now)s)"),
    "upcoming": _open_list(
        "(t.due_date BETWEEN %(tomorrow)s AND %(horizon)s"
        " OR (t.due_at >= %(tomorrow_start)s AND t.due_at < %(horizon_end)s))"
    ),
    "open": _open_list("true"),
}
DONE_LIST = f"""
SELECT {TASK_COLUMNS}, t.completed_at AS sort_key FROM tasks t
WHERE t.user_id = %(user_id)s AND t.status = 'done'
  AND (t.completed_at, t.id) < (
      coalesce(%(after_ts)s::timestamptz, 'infinity'),
      coalesce(%(after_id)s::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'))
ORDER BY t.completed_at DESC, t.id DESC
LIMIT %(limit)s
"""


async def list_tasks(
    conn: AsyncConnection,
    user_id: UUID,
    view: View,
    at: Moment,
    *,
    limit: int,
    after: Keyset | None = None,
) -> list[Task]:
    """A page of the user's tasks in `view`, after the (sort_key, id) `after`."""
    query = DONE_LIST if view == "done" else OPEN_LISTS[view]
    params = {
        "user_id": user_id,
        "limit": limit,
        "no_due": NO_DUE,
        **window(at),
        **after_params(after),
    }
    cur = conn.cursor(row_factory=class_row(Task))
    await cur.execute(query, params)
    return await cur.fetchall()


@dataclass(frozen=True, slots=True)
class TaskStats:
    """Counts over all of a user's tasks, and this local week's (Monday to Sunday) record."""

    total: int
    done: int
    open: int
    overdue: int
    done_this_week: int
    open_due_this_week: int

    @property
    def completion_rate(self) -> float | None:
        """Done this week / (done this week + open and due this week); None when both are 0."""
        planned = self.done_this_week + self.open_due_this_week
        return self.done_this_week / planned if planned else None


TASK_STATS = """
SELECT count(*) AS total,
    count(*) FILTER (WHERE status = 'done') AS done,
    count(*) FILTER (WHERE status = 'open') AS open,
    count(*) FILTER (WHERE status = 'open' AND (due_date < %(today)s OR due_at < %(now)s))
        AS overdue,
    count(*) FILTER (WHERE status = 'done' AND completed_at >= %(week_start)s
                     AND completed_at < %(next_week_start)s) AS done_this_week,
    count(*) FILTER (WHERE status = 'open'
                     AND (due_date BETWEEN %(monday)s AND %(sunday)s
                          OR (due_at >= %(week_start)s AND due_at < %(next_week_start)s)))
        AS open_due_this_week
FROM tasks WHERE user_id = %(user_id)s
"""


async def task_stats(conn: AsyncConnection, user_id: UUID, at: Moment) -> TaskStats:
    """The user's task counts at `at`."""
    monday = at.today - timedelta(days=at.today.weekday())
    params = {
        "user_id": user_id,
        "now": at.now,
        "today": at.today,
        "monday": monday,
        "sunday": monday + timedelta(days=6),
        "week_start": day_start(monday, at.zone),
        "next_week_start": day_start(monday + timedelta(days=7), at.zone),
    }
    cur = conn.cursor(row_factory=class_row(TaskStats))
    await cur.execute(TASK_STATS, params)
    stats = await cur.fetchone()
    assert stats is not None  # an aggregate always returns its row
    return stats
