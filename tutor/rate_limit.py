"""Request rate limits, counted in Redis so every API process shares them.

A subject found over its limit is remembered in this process for up to `RECHECK_S`: its next
requests are refused here, with no Redis round trip, and counted into Redis with the next
check. A storm of refused requests then costs each API process one Redis check a second, and
`api/early_refusal.py` turns them away before routing. Refused requests count in the window
as before, so a client that keeps hammering stays refused.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from cachetools import TTLCache
from redis.asyncio import Redis
from redis.exceptions import RedisError

from tutor.errors import RateLimited, SignInUnavailable

log = logging.getLogger(__name__)
WINDOW_S = 60.0
# How long a refusal stands without asking Redis again: other processes' requests and the
# window's sliding change the answer, so not long.
RECHECK_S = 1.0
# Subjects remembered as refused at once; past it the oldest are forgotten (and checked again).
MAX_REFUSED = 10_000


@dataclass
class Refusal:
    """A subject over its limit: until when it is refused unasked, and its refusals since."""

    per_minute: int
    recheck_at: float
    free_at: float  # when the window was expected to have room, for Retry-After
    # Not yet counted in Redis; the newest per_minute + 1 decide every later window.
    attempts: deque[float]


def limit_message(per_minute: int, retry_after: int) -> str:
    """The client's explanation of a 429."""
    return f"At most {per_minute} requests a minute; try again in {retry_after} s."


class RateLimiter:
    """Sliding-window limits in Redis, with this process's memory of who is over them."""

    def __init__(self, redis: Redis, clock: Callable[[], float] = time.time) -> None:
        self.redis = redis
        self.clock = clock
        self._refused: TTLCache[str, Refusal] = TTLCache(MAX_REFUSED, WINDOW_S, timer=clock)

    def refusal(self, scope: str, subject: UUID | str) -> RateLimited | None:
        """The refusal of a request by a subject known here to be over its limit (the request
        counted, to reach Redis with the next check), or None when it must be checked."""
        refused = self._refused.get(f"{scope}:{subject}")
        now = self.clock()
        if refused is None or now >= refused.recheck_at:
            return None
        refused.attempts.append(now)
        retry_after = max(1, math.ceil(refused.free_at - now))
        return RateLimited(limit_message(refused.per_minute, retry_after), retry_after)

    async def check(
        self, scope: str, subject: UUID | str, per_minute: int, *, fail_closed: bool = False
    ) -> None:
        """Count one request of `subject` (a user id, an IP, an email digest) in `scope`; raises
        RateLimited, with the seconds until a slot frees, past `per_minute` in the last 60 s.

        A sliding window (a sorted set of request times), so a burst cannot straddle two fixed
        minutes. With Redis down it fails open (the tutor and uploads keep answering: refusing
        every student is worse than a missed limit) unless `fail_closed`, for sign-in, where an
        uncounted window would let password guesses through: then it raises SignInUnavailable.
        """
        refused = self.refusal(scope, subject)
        if refused is not None:
            raise refused
        key = f"{scope}:{subject}"
        now = self.clock()
        attempts = self._take_attempts(key, now)
        try:
            count, oldest = await self._count(f"rate:{key}", attempts)
        except (RedisError, OSError) as exc:
            log.warning("rate limit %s not checked, Redis unavailable: %s", scope, exc)
            if fail_closed:
                raise SignInUnavailable() from exc
            return
        if count <= per_minute:
            self._refused.pop(key, None)
            return
        retry_after = max(1, int(WINDOW_S - (now - oldest)) + 1)
        recheck_at, free_at = now + min(RECHECK_S, retry_after), now + retry_after
        # Attempts refused here while Redis answered still count; stored anew, the entry stays
        # a whole window more.
        meanwhile = self._refused.get(key)
        since = deque(meanwhile.attempts if meanwhile else (), maxlen=per_minute + 1)
        self._refused[key] = Refusal(per_minute, recheck_at, free_at, since)
        raise RateLimited(limit_message(per_minute, retry_after), retry_after)

    def _take_attempts(self, key: str, now: float) -> list[float]:
        """The attempts to count now: this one and those refused here since the last check.
        A known refusal stands while Redis answers, so a burst rechecks once, not all at once."""
        refused = self._refused.get(key)
        if refused is None:
            return [now]
        refused.recheck_at = now + RECHECK_S
        attempts = [at for at in refused.attempts if at > now - WINDOW_S]
        refused.attempts.clear()
        return [*attempts, now]

    async def _count(self, key: str, attempts: list[float]) -> tuple[int, float]:
        """Add the attempts to the window; its size and its oldest time."""
        now = attempts[-1]
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, 0, now - WINDOW_S)
            pipe.zadd(key, {uuid.uuid4().hex: at for at in attempts})
            pipe.zcard(key)
            pipe.zrange(key, 0, 0, withscores=True)
            pipe.expire(key, int(WINDOW_S) + 1)
            _, _, count, oldest, _ = await pipe.execute()
        return int(count), float(oldest[0][1])
