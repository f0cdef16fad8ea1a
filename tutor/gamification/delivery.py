"""Delivering an outbox after its transaction committed: the live events to each student's
socket (Redis pub/sub), fresh leaderboard scores for the students whose XP changed, and cached
display names dropped for those who renamed.

Both are advisory: the notifications are persisted and the boards are rebuilt from the ledger,
so a Redis or database hiccup here is logged and the request still succeeds.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import psycopg
from psycopg_pool import AsyncConnectionPool
from redis.asyncio import Redis
from redis.exceptions import RedisError

from ingestion.events import publish
from tutor.gamification import leaderboards
from tutor.outbox import Outbox

log = logging.getLogger(__name__)


async def deliver(box: Outbox, pool: AsyncConnectionPool, redis: Redis, zone: ZoneInfo) -> None:
    """Send what `box` collected; never raises for Redis or database faults."""
    for user_id, event in box.events:
        await publish(redis, user_id, event)
    try:
        await leaderboards.forget_names(redis, box.names_changed)
    except (RedisError, OSError) as exc:
        log.warning("cached display names kept (%s); they expire on their own", exc)
    if not box.xp_changed:
        return
    now = datetime.now(UTC)
    try:
        async with pool.connection() as conn:
            for user_id in box.xp_changed:
                await leaderboards.refresh_user(conn, redis, user_id, zone, now)
    except (RedisError, OSError, psycopg.Error) as exc:
        log.warning("leaderboard refresh skipped (%s); boards catch up on rebuild", exc)
