"""Focus sessions timed by the server: start, heartbeats while the page is open, stop.

The client's clock is never trusted, and neither is its memory: only the time up to the last
heartbeat plus a short grace counts, so a timer left running in a closed tab stops counting when
its heartbeats stop, not hours later. A stopped session becomes a `focus_session` event in the
learning record, which is where study minutes are read from.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import class_row

from tutor.study.errors import FocusSessionNotFound
from tutor.study.record import StudyEvent, record

# The page sends a heartbeat every minute while it is visible; two missed ones end the session.
HEARTBEAT_INTERVAL = timedelta(seconds=60)
IDLE_GRACE = timedelta(minutes=2)
# No single sitting counts more than this, heartbeats or not.
MAX_SESSION = timedelta(hours=4)


@dataclass(frozen=True, slots=True)
class FocusSession:
    """A focus timer; `counted_s` is set once it is stopped."""

    id: UUID
    started_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None
    counted_s: int | None


def counted_seconds(started: datetime, last_seen: datetime, stopped: datetime) -> int:
    """The seconds a session counts: until it stopped or its heartbeats did (plus the grace),
    whichever came first, and never more than MAX_SESSION."""
    end = min(stopped, last_seen + IDLE_GRACE, started + MAX_SESSION)
    return max(0, int((end - started).total_seconds()))


COLUMNS = "id, started_at, last_seen_at, ended_at, counted_s"
OPEN_SESSION = f"""
SELECT {COLUMNS} FROM focus_sessions WHERE user_id = %(user_id)s AND ended_at IS NULL
FOR UPDATE
"""
INSERT_SESSION = f"""
INSERT INTO focus_sessions (id, user_id, started_at, last_seen_at)
VALUES (%(id)s, %(user_id)s, %(now)s, %(now)s)
ON CONFLICT (user_id) WHERE ended_at IS NULL DO NOTHING
RETURNING {COLUMNS}
"""
TOUCH_SESSION = f"""
UPDATE focus_sessions SET last_seen_at = greatest(last_seen_at, %(now)s)
WHERE user_id = %(user_id)s AND ended_at IS NULL
RETURNING {COLUMNS}
"""
END_SESSION = f"""
UPDATE focus_sessions SET ended_at = %(ended_at)s, counted_s = %(counted_s)s
WHERE id = %(id)s
RETURNING {COLUMNS}
"""


async def current_session(conn: AsyncConnection, user_id: UUID) -> FocusSession | None:
    """The running session, if any (locked until the caller's transaction ends)."""
    cur = conn.cursor(row_factory=class_row(FocusSession))
    await cur.execute(OPEN_SESSION, {"user_id": user_id})
    return await cur.fetchone()


async def start_session(conn: AsyncConnection, user_id: UUID, now: datetime) -> FocusSession:
    """Start a session; starting while one runs returns it (a double click starts one), unless
    it went quiet, which is stopped first."""
    running = await current_session(conn, user_id)
    if running is not None and now - running.last_seen_at <= IDLE_GRACE:
        return running
    if running is not None:
        await _end(conn, user_id, running, now)
    cur = conn.cursor(row_factory=class_row(FocusSession))
    await cur.execute(INSERT_SESSION, {"id": uuid.uuid4(), "user_id": user_id, "now": now})
    started = await cur.fetchone()
    if started is None:  # a concurrent start won the race: its session is the one
        started = await current_session(conn, user_id)
    assert started is not None
    return started


async def heartbeat(conn: AsyncConnection, user_id: UUID, now: datetime) -> FocusSession:
    """Mark the running session alive; raises FocusSessionNotFound when none runs."""
    cur = conn.cursor(row_factory=class_row(FocusSession))
    await cur.execute(TOUCH_SESSION, {"user_id": user_id, "now": now})
    touched = await cur.fetchone()
    if touched is None:
        raise FocusSessionNotFound()
    return touched


async def stop_session(conn: AsyncConnection, user_id: UUID, now: datetime) -> FocusSession:
    """Stop the running session and record its counted time; raises FocusSessionNotFound."""
    running = await current_session(conn, user_id)
    if running is None:
        raise FocusSessionNotFound()
    return await _end(conn, user_id, running, now)


async def _end(
    conn: AsyncConnection, user_id: UUID, session: FocusSession, now: datetime
) -> FocusSession:
    counted = counted_seconds(session.started_at, session.last_seen_at, now)
    ended_at = session.started_at + timedelta(seconds=counted)
    cur = conn.cursor(row_factory=class_row(FocusSession))
    await cur.execute(END_SESSION, {"id": session.id, "ended_at": ended_at, "counted_s": counted})
    ended = await cur.fetchone()
    assert ended is not None
    if counted > 0:
        event = StudyEvent(user_id, "focus_session", str(session.id), ended_at, counted)
        await record(conn, event)
    return ended
