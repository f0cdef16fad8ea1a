"""The rate limiter's memory of refused subjects, against the real Redis: refusals it already
knows cost no round trip, yet every one of them still counts in the shared window."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

import pytest
from redis.asyncio import Redis

from tutor.errors import RateLimited
from tutor.rate_limit import RECHECK_S, WINDOW_S, RateLimiter
from tutor.resources import redis_url


class Clock:
    """Time that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def with_limiter(settings, test: Callable[[RateLimiter, Redis, Clock, str], Awaitable[None]]):
    async def run() -> None:
        clock = Clock()
        async with Redis.from_url(redis_url(settings)) as redis:
            await test(RateLimiter(redis, clock), redis, clock, f"client-{uuid.uuid4().hex}")

    asyncio.run(run())


async def refused(check: Awaitable[None]) -> RateLimited:
    with pytest.raises(RateLimited) as caught:
        await check
    return caught.value


def test_refusals_it_knows_skip_redis_and_are_counted_with_the_next_check(settings):
    async def test(limiter: RateLimiter, redis: Redis, clock: Clock, who: str) -> None:
        window = f"rate:login-ip:{who}"
        for _ in range(3):
            await limiter.check("login-ip", who, 3)
            clock.now += 0.01
        first = await refused(limiter.check("login-ip", who, 3))
        assert first.retry_after_s >= 1 and "At most 3 requests a minute" in first.message
        assert await redis.zcard(window) == 4
        for _ in range(5):
            clock.now += 0.01
            assert limiter.refusal("login-ip", who) is not None
            await refused(limiter.check("login-ip", who, 3))
        assert await redis.zcard(window) == 4  # ten refusals, not one of them asked Redis
        clock.now += RECHECK_S
        await refused(limiter.check("login-ip", who, 3))
        # The newest per_minute + 1 refusals made here (4 of 10) and this one.
        assert await redis.zcard(window) == 4 + 4 + 1

    with_limiter(settings, test)


def test_a_burst_at_the_recheck_asks_redis_once(settings):
    async def test(limiter: RateLimiter, redis: Redis, clock: Clock, who: str) -> None:
        window = f"rate:search-ip:{who}"
        await limiter.check("search-ip", who, 2)
        await limiter.check("search-ip", who, 2)
        await refused(limiter.check("search-ip", who, 2))
        assert await redis.zcard(window) == 3
        clock.now += RECHECK_S
        outcomes = await asyncio.gather(
            *(limiter.check("search-ip", who, 2) for _ in range(10)), return_exceptions=True
        )
        assert all(isinstance(o, RateLimited) for o in outcomes)
        assert await redis.zcard(window) == 4  # one check reached Redis; nine waited on it
        clock.now += RECHECK_S
        await refused(limiter.check("search-ip", who, 2))
        assert await redis.zcard(window) == 4 + 3 + 1  # the nine, trimmed to per_minute + 1

    with_limiter(settings, test)


def test_a_subject_is_let_in_again_once_its_window_has_room(settings):
    async def test(limiter: RateLimiter, redis: Redis, clock: Clock, who: str) -> None:
        await limiter.check("upload-ip", who, 1)
        await refused(limiter.check("upload-ip", who, 1))
        clock.now += WINDOW_S + 1
        await limiter.check("upload-ip", who, 1)
        assert limiter.refusal("upload-ip", who) is None
        assert await redis.zcard(f"rate:upload-ip:{who}") == 1  # the old minute has left
        # Another subject, another scope: nothing of this one's refusal.
        assert limiter.refusal("upload-ip", f"{who}-other") is None
        assert limiter.refusal("search-ip", who) is None

    with_limiter(settings, test)
