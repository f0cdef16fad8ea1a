"""Liveness and dependency health, public for load balancers."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from redis.exceptions import RedisError

from api.deps import StateDep

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(state: StateDep) -> JSONResponse:
    """200 when PostgreSQL answers; Redis being down degrades but does not fail uploads."""
    checks: dict[str, str] = {}
    async with state.pool.connection() as conn:
        await conn.execute("SELECT 1")
        checks["database"] = "ok"
    try:
        await state.redis.ping()
        checks["redis"] = "ok"
    except (RedisError, OSError):
        checks["redis"] = "unavailable"
    return JSONResponse({"status": "ok", "checks": checks})
