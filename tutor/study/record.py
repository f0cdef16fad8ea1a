"""The learning record: one append-only ledger of what a student did, written by every study
module in the same transaction as the thing it records.

Each event has a kind and a source key (the review id, attempt id, task id...), unique per user:
a retried request or a replayed job writes the same key again and nothing changes. Streaks,
minutes per day and mastery are all read from here, so they cannot disagree with each other.
"""

from __future__ import annotations

from uuid import UUID

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from tutor.gamification import awards
from tutor.study.study_days import QUALIFYING_KINDS, recount_day, refresh_day
from tutor.study.study_event import EventKind, StudyEvent

__all__ = ["EventKind", "StudyEvent", "record", "retract"]

# The event and its local day's row lock (`study_days.LOCK_DAY`) in one round trip; no row
# back when the event was already recorded.
INSERT_EVENT = """
WITH inserted AS (
    INSERT INTO study_events
        (user_id, kind, source_key, occurred_at, duration_s, document_id, detail)
    VALUES (%(user_id)s, %(kind)s, %(source_key)s, %(occurred_at)s, %(duration_s)s,
            %(document_id)s, %(detail)s)
    ON CONFLICT (user_id, kind, source_key) DO NOTHING
    RETURNING user_id, occurred_at
)
INSERT INTO study_days (user_id, day, events, seconds)
SELECT u.id, (i.occurred_at AT TIME ZONE u.timezone)::date, 0, 0
FROM inserted i JOIN users u ON u.id = i.user_id
ON CONFLICT (user_id, day) DO UPDATE SET events = study_days.events
RETURNING day
"""


async def record(conn: AsyncConnection, event: StudyEvent) -> bool:
    """Append `event` and award the XP it earns; False when its (kind, source key) was already
    recorded."""
    params = {
        "user_id": event.user_id,
        "kind": event.kind,
        "source_key": event.source_key,
        "occurred_at": event.occurred_at,
        "duration_s": event.duration_s,
        "document_id": event.document_id,
        "detail": Jsonb(event.detail),
    }
    cur = await conn.execute(INSERT_EVENT, params)
    row = await cur.fetchone()
    if row is None:
        return False
    if event.kind in QUALIFYING_KINDS:
        # The award pass recounts the day in the statement that starts it (one round trip less
        # on every review).
        await awards.on_recorded(conn, event, row[0])
    else:  # asking the tutor earns nothing, but its time counts
        await recount_day(conn, event.user_id, row[0])
    return True


DELETE_EVENT = """
DELETE FROM study_events
WHERE user_id = %(user_id)s AND kind = %(kind)s AND source_key = %(source_key)s
RETURNING occurred_at
"""


async def retract(conn: AsyncConnection, user_id: UUID, kind: EventKind, source_key: str) -> None:
    """Remove an event whose cause was undone (an undone review). The only deletion the ledger
    allows: an undo means the thing did not happen."""
    params = {"user_id": user_id, "kind": kind, "source_key": source_key}
    cur = await conn.execute(DELETE_EVENT, params)
    row = await cur.fetchone()
    if row is not None:
        await refresh_day(conn, user_id, row[0])
        await awards.on_retracted(conn, user_id, kind, source_key)
