"""Single-use websocket tickets, so that access tokens never travel in URLs.

A browser cannot set headers on a websocket, and servers log URLs. So the page trades its
bearer token for a ticket (`POST /api/v1/ws-ticket`) and connects with `?ticket=`: a random
string that lives in Redis for a few seconds and is deleted as it is read (GETDEL), so one
that reaches a log is already spent or about to expire.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from uuid import UUID

from redis.asyncio import Redis
from redis.exceptions import RedisError

from tutor.accounts.auth import TokenClaims
from tutor.errors import RealtimeUnavailable

PREFIX = "ws-ticket:"


def ticket_key(ticket: str) -> str:
    """The Redis key of a ticket: a digest, so what Redis shows (KEYS, MONITOR) opens nothing."""
    return PREFIX + hashlib.sha256(ticket.encode()).hexdigest()


async def issue_ticket(redis: Redis, claims: TokenClaims, ttl_s: int) -> str:
    """A new ticket for the bearer of `claims`, valid once within `ttl_s` seconds."""
    ticket = secrets.token_urlsafe(32)
    value = json.dumps(
        {"user_id": str(claims.user_id), "role": claims.role, "version": claims.version}
    )
    try:
        # NX: even a repeated random string could never hand one user's ticket to another.
        stored = await redis.set(ticket_key(ticket), value, ex=ttl_s, nx=True)
    except (RedisError, OSError) as exc:
        raise RealtimeUnavailable() from exc
    if not stored:
        raise RealtimeUnavailable()
    return ticket


async def redeem_ticket(redis: Redis, ticket: str) -> TokenClaims | None:
    """The claims a ticket was issued for, once; None when unknown, expired or already used.

    Raises RedisError or OSError when Redis cannot be asked: that is not a bad ticket.
    """
    raw = await redis.getdel(ticket_key(ticket))
    if raw is None:
        return None
    stored = json.loads(raw)
    return TokenClaims(
        user_id=UUID(stored["user_id"]), role=str(stored["role"]), version=stored.get("version", 0)
    )
