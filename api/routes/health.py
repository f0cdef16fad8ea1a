"""Liveness and readiness, public for load balancers and orchestrators.

Each dependency gets `CHECK_TIMEOUT_S` to answer, all at once: a stopped PostgreSQL or Redis
makes readiness 503 within about a second instead of a 500 once the pool gives up (30 s).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from psycopg import Error as DatabaseError
from redis.exceptions import RedisError

from api.deps import StateDep
from api.state import AppState

router = APIRouter(prefix="/health", tags=["health"])
CHECK_TIMEOUT_S = 1.0


@router.get("")
async def health(state: StateDep) -> JSONResponse:
    """200 when PostgreSQL answers; Redis being down degrades but does not fail uploads."""
    checks = await _checks(state)
    status = 200 if checks["database"] == "ok" else 503
    return JSONResponse(
        {"status": "ok" if status == 200 else "unavailable", "checks": checks}, status
    )


@router.get("/live")
async def live() -> dict[str, str]:
    """200 while the process serves requests at all; restart it when this fails."""
    return {"status": "ok"}


@router.get("/ready")
async def ready(state: StateDep) -> JSONResponse:
    """200 when PostgreSQL and Redis both answer; 503 naming the one that does not."""
    checks = await _checks(state)
    ok = all(result == "ok" for result in checks.values())
    body = {"status": "ok" if ok else "unavailable", "checks": checks}
    return JSONResponse(body, 200 if ok else 503)


async def _checks(state: AppState) -> dict[str, str]:
    database, redis = await asyncio.gather(_check(_database(state)), _check(_redis(state)))
    return {"database": database, "redis": redis}


async def _check(probe: Awaitable[object]) -> str:
    try:
        await asyncio.wait_for(probe, CHECK_TIMEOUT_S)
    except (TimeoutError, DatabaseError, RedisError, OSError):
        return "unavailable"
    return "ok"


async def _database(state: AppState) -> None:
    async with state.pool.connection() as conn:
        await conn.execute("SELECT 1")


async def _redis(state: AppState) -> None:
    await state.redis.ping()
