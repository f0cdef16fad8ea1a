"""Notifications: the events a student must not miss, kept with read state.

Each is written in the transaction that caused it and sent live after the commit (`outbox`);
a client that reconnects with the id of the last event it saw is replayed the ones after it.
Event ids are time-ordered (UUIDv7, `tutor.events`), so "after" is defined even when the last
event seen was a live-only one (a progress tick): the notifications created after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from tutor import outbox
from tutor.database import Keyset
from tutor.events import Event, event_time

INSERT = """
INSERT INTO notifications (id, user_id, type, data, created_at)
VALUES (%(id)s, %(user_id)s, %(type)s, %(data)s, %(at)s)
"""


async def notify(conn: AsyncConnection, user_id: UUID, event: Event) -> None:
    """Persist `event` for `user_id` and send it live once the transaction commits."""
    event_id = UUID(event.id)
    params = {
        "id": event_id,
        "user_id": user_id,
        "type": event.type,
        "data": Jsonb(event.data),
        # The time its id says, so that "after the last event seen" is the ids' own order.
        "at": event_time(event_id) or event.at,
    }
    await conn.execute(INSERT, params)
    outbox.send_after_commit(user_id, event)


INSERT_MANY = """
INSERT INTO notifications (id, user_id, type, data, created_at)
SELECT n.id, n.user_id, %(type)s, %(data)s, n.at
FROM unnest(%(ids)s::uuid[], %(users)s::uuid[], %(ats)s::timestamptz[]) n (id, user_id, at)
"""


async def notify_all(
    conn: AsyncConnection, user_ids: list[UUID], type_: str, data: dict[str, Any]
) -> None:
    """`notify` for many users in one statement: the same event, each with an id of its own."""
    if not user_ids:
        return
    events = [Event.of(type_, **data) for _ in user_ids]
    ids = [UUID(event.id) for event in events]
    ats = [event_time(event_id) or event.at for event_id, event in zip(ids, events, strict=True)]
    params = {"ids": ids, "users": user_ids, "ats": ats, "type": type_, "data": Jsonb(data)}
    await conn.execute(INSERT_MANY, params)
    for user_id, event in zip(user_ids, events, strict=True):
        outbox.send_after_commit(user_id, event)


@dataclass(frozen=True, slots=True)
class Notification:
    """One persisted event and whether the student has read it."""

    seq: int
    id: UUID
    type: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None

    def event(self) -> Event:
        """The envelope it was sent in."""
        return Event(self.type, self.data, str(self.id), self.created_at)


COLUMNS = "seq, id, type, data, created_at, read_at"
PAGE = f"""
SELECT {COLUMNS} FROM notifications
WHERE user_id = %(user_id)s
  AND (%(after_at)s::timestamptz IS NULL OR (created_at, id) < (%(after_at)s, %(after_id)s))
  AND (NOT %(unread)s OR read_at IS NULL)
ORDER BY created_at DESC, id DESC
LIMIT %(limit)s
"""


async def page(
    conn: AsyncConnection, user_id: UUID, after: Keyset | None, limit: int, unread_only: bool
) -> list[Notification]:
    """Newest first, strictly after the keyset `after` (created_at, id)."""
    cur = conn.cursor(row_factory=class_row(Notification))
    after_at, after_id = after or (None, None)
    params = {
        "user_id": user_id,
        "after_at": after_at,
        "after_id": after_id,
        "limit": limit,
        "unread": unread_only,
    }
    await cur.execute(PAGE, params)
    return await cur.fetchall()


UNREAD_COUNT = """
SELECT count(*) FROM notifications WHERE user_id = %(user_id)s AND read_at IS NULL
"""


async def unread_count(conn: AsyncConnection, user_id: UUID) -> int:
    """How many are unread."""
    cur = await conn.execute(UNREAD_COUNT, {"user_id": user_id})
    row = await cur.fetchone()
    return int(row[0]) if row else 0


MARK_READ = """
UPDATE notifications SET read_at = now()
WHERE user_id = %(user_id)s AND read_at IS NULL
  AND (%(all)s OR id = ANY(%(ids)s))
"""


async def mark_read(conn: AsyncConnection, user_id: UUID, ids: list[UUID], everything: bool) -> int:
    """Mark the given notifications (or all) read; returns how many changed."""
    params = {"user_id": user_id, "ids": ids, "all": everything}
    cur = await conn.execute(MARK_READ, params)
    return cur.rowcount


# The last event seen is a notification of this user: everything after it by seq. Otherwise its
# id's timestamp (UUIDv7) bounds it. Capped: a client months behind reads the list instead.
MISSED = f"""
WITH seen AS (
    SELECT seq FROM notifications WHERE user_id = %(user_id)s AND id = %(last)s
)
SELECT {COLUMNS} FROM notifications
WHERE user_id = %(user_id)s
  AND CASE WHEN EXISTS (SELECT 1 FROM seen) THEN seq > (SELECT seq FROM seen)
           ELSE created_at > %(last_at)s END
ORDER BY seq
LIMIT %(limit)s
"""
REPLAY_LIMIT = 200


async def missed_since(
    conn: AsyncConnection, user_id: UUID, last_id: UUID, last_at: datetime
) -> list[Notification]:
    """The notifications after the event `last_id` (sent at `last_at`), oldest first."""
    cur = conn.cursor(row_factory=class_row(Notification))
    params = {"user_id": user_id, "last": last_id, "last_at": last_at, "limit": REPLAY_LIMIT}
    await cur.execute(MISSED, params)
    return await cur.fetchall()
