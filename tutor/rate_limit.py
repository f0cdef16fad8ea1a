"""Per-user request rate limits, counted in Redis so every API process shares them."""

from __future__ import annotations

import logging
import time
import uuid
from uuid import UUID

from redis.asyncio import Redis
from redis.exceptions import RedisError

from tutor.errors import RateLimited

log = logging.getLogger(__name__)
WINDOW_S = 60.0


async def check_rate(redis: Redis, scope: str, user_id: UUID, per_minute: int) -> None:
    """Count one request; raises RateLimited past `per_minute` in the last 60 seconds.

    A sliding window (a sorted set of request times), so a burst cannot straddle two fixed
    minutes. Fails open: with Redis down the tutor keeps answering (the caps on concurrent
    generations still hold), because refusing every student is worse than a missed limit.
    """
    key = f"rate:{scope}:{user_id}"
    now = time.time()
    try:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, 0, now - WINDOW_S)
            pipe.zadd(key, {uuid.uuid4().hex: now})
            pipe.zcard(key)
            pipe.zrange(key, 0, 0, withscores=True)
            pipe.expire(key, int(WINDOW_S) + 1)
            _, _, count, oldest, _ = await pipe.execute()
    except (RedisError, OSError) as exc:
        log.warning("rate limit not checked, Redis unavailable: %s", exc)
        return
    if int(count) > per_minute:
        retry_after = max(1, int(WINDOW_S - (now - oldest[0][1])))
        raise RateLimited(f"At most {per_minute} requests a minute; try again in {retry_after} s.")
