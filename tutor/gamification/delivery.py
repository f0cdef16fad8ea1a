"""Delivering an outbox after its transaction committed: fresh leaderboard scores for the
students whose XP changed, cached display names dropped for those who renamed, and the live
events to each student's socket (Redis pub/sub).

All of it is one Redis round trip, the boards' writes first, so a client that re-reads a board
on an event sees the score the event announced. All of it is advisory: the notifications are
persisted and the boards are rebuilt from the ledger, so a Redis or database hiccup here is
logged and the request still succeeds.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import psycopg
from psycopg import AsyncConnection
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError

from ingestion.events import channel
from tutor.gamification import leaderboards
from tutor.outbox import Outbox

log = logging.getLogger(__name__)


async def deliver(box: Outbox, conn: AsyncConnection, redis: Redis, zone: ZoneInfo) -> None:
    """Send what `box` collected; `conn` is the connection whose transaction committed it (the
    boards' totals are read on it). Never raises for Redis or database faults."""
    try:
        async with redis.pipeline(transaction=False) as pipe:
            if box.xp_changed:
                await _queue_scores(box, conn, pipe, zone)
            leaderboards.forget_names(pipe, box.names_changed)
            for user_id, event in box.events:
                pipe.publish(channel(user_id), event.to_json())
            results = await pipe.execute(raise_on_error=False)
    except (RedisError, OSError) as exc:
        log.warning("outbox not sent (%s); notifications replay, boards rebuild", exc)
        return
    for result in results:
        if isinstance(result, Exception):
            log.warning("outbox command failed: %s", result)


async def _queue_scores(box: Outbox, conn: AsyncConnection, pipe: Pipeline, zone: ZoneInfo) -> None:
    """The boards' writes for the students whose XP changed, unless their totals can't be
    read (then the boards catch up on their next rebuild)."""
    try:
        now = datetime.now(UTC)
        await leaderboards.queue_refresh(conn, pipe, sorted(box.xp_changed), zone, now)
    except psycopg.Error as exc:
        log.warning("leaderboard refresh skipped (%s); boards catch up on rebuild", exc)
        try:
            await conn.rollback()  # the failed read leaves the connection clean for the pool
        except psycopg.Error:
            pass  # a broken connection: the pool discards it
