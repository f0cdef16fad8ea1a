"""Due-soon reminders: a worker cron job, every minute, tells students on their events socket
about open tasks coming due, once per task.

A timed task is due soon within `TUTOR_TASK_REMINDER_MINUTES` (60) before its instant; an all-day
task from 08:00 local on its day (when a student starts planning it) until the day ends. A task
already past due when it is created is not "due soon" and gets no reminder.

Claiming and marking are one statement (`UPDATE ... RETURNING` over rows locked with SKIP LOCKED),
so two workers, or a slow run overlapping the next, never remind twice. The event is sent after
the claim commits: a reminder lost to a Redis hiccup is not sent again (at most once, like any
other advisory event on that socket). Changing a task's due clears its mark.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import class_row

from ingestion.events import publish
from tutor.events import Event

log = logging.getLogger(__name__)

MORNING = time(8, 0)
# Claimed per statement; a run keeps claiming until none are left.
BATCH = 500


@dataclass(frozen=True, slots=True)
class Reminder:
    """A task to remind its owner of."""

    task_id: UUID
    user_id: UUID
    title: str
    due_date: date | None
    due_at: datetime | None
    priority: str

    def event(self) -> Event:
        """The `task.due_soon` event for the owner's events socket."""
        return Event.of(
            "task.due_soon",
            task_id=str(self.task_id),
            title=self.title,
            due_date=self.due_date.isoformat() if self.due_date else None,
            due_at=self.due_at.astimezone(UTC).isoformat() if self.due_at else None,
            priority=self.priority,
        )


# An all-day task's local day is within a day of the UTC date (offsets are under 15 hours):
# that bound lets the partial index on due_date narrow the scan.
CLAIM_REMINDERS = """
WITH due AS (
    SELECT t.id FROM tasks t JOIN users u ON u.id = t.user_id
    WHERE t.status = 'open' AND t.reminded_at IS NULL
      AND ((t.due_at > %(now)s AND t.due_at <= %(now)s + %(window)s)
        OR (t.due_date BETWEEN %(utc_day)s::date - 1 AND %(utc_day)s::date + 1
            AND t.due_date = (%(now)s AT TIME ZONE u.timezone)::date
            AND (%(now)s AT TIME ZONE u.timezone)::time >= %(morning)s))
    LIMIT %(batch)s
    FOR UPDATE OF t SKIP LOCKED
)
UPDATE tasks t SET reminded_at = %(now)s FROM due WHERE t.id = due.id
RETURNING t.id AS task_id, t.user_id, t.title, t.due_date, t.due_at, t.priority
"""


async def claim_reminders(
    conn: AsyncConnection, now: datetime, window: timedelta, batch: int = BATCH
) -> list[Reminder]:
    """Mark up to `batch` tasks due soon at `now` as reminded, and return them."""
    params = {
        "now": now,
        "window": window,
        "utc_day": now.astimezone(UTC).date(),
        "morning": MORNING,
        "batch": batch,
    }
    cur = conn.cursor(row_factory=class_row(Reminder))
    await cur.execute(CLAIM_REMINDERS, params)
    return await cur.fetchall()


async def send_task_reminders(ctx: dict[str, Any]) -> int:
    """The cron job: claim the tasks due soon, then tell each owner; returns how many."""
    deps, settings = ctx["deps"], ctx["settings"]
    window = timedelta(minutes=settings.task_reminder_minutes)
    sent = 0
    while True:
        async with deps.pool.connection() as conn:  # commits the claim before anything is sent
            claimed = await claim_reminders(conn, datetime.now(UTC), window)
        for reminder in claimed:
            await publish(deps.redis, reminder.user_id, reminder.event())
        sent += len(claimed)
        if len(claimed) < BATCH:
            break
    if sent:
        log.info("sent %d task reminders", sent)
    return sent
