"""Request rate limits, counted in Redis so every API process shares them."""

from __future__ import annotations

import logging
import time
import uuid
from uuid import UUID

from redis.asyncio import Redis
from redis.exceptions import RedisError

from tutor.errors import RateLimited, SignInUnavailable

log = logging.getLogger(__name__)
WINDOW_S = 60.0


async def check_rate(
    redis: Redis,
    scope: str,
    subject: UUID | str,
    per_minute: int,
    *,
    fail_closed: bool = False,
) -> None:
    """Count one request of `subject` (a user id, an IP, an email digest) in `scope`; raises
    RateLimited, with the seconds until a slot frees, past `per_minute` in the last 60 seconds.

    A sliding window (a sorted set of request times), so a burst cannot straddle two fixed
    minutes. With Redis down it fails open (the tutor and uploads keep answering: refusing every
    student is worse than a missed limit) unless `fail_closed`, for sign-in, where an uncounted
    window would let password guesses through: then it raises SignInUnavailable.
    """
    key = f"rate:{scope}:{subject}"
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
        log.warning("rate limit %s not checked, Redis unavailable: %s", scope, exc)
        if fail_closed:
            raise SignInUnavailable() from exc
        return
    if int(count) > per_minute:
        retry_after = max(1, int(WINDOW_S - (now - oldest[0][1])) + 1)
        raise RateLimited(
            f"At most {per_minute} requests a minute; try again in {retry_after} s.", retry_after
        )
