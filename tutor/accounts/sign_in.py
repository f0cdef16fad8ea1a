"""Signing in: the password checked with no database connection held, the outcome audited.

A pooled connection held across an argon2 check (about a second) is one the rest of the API
cannot use: ten sign-ins at once would take every connection of the pool, and health checks
and pages would wait behind them. So the hash is read in one short transaction and the outcome
recorded in another, with the check between them.
"""

from __future__ import annotations

from dataclasses import replace

from psycopg_pool import AsyncConnectionPool

from tutor.accounts import audit, users
from tutor.accounts.hashing import PasswordHashing
from tutor.errors import InvalidCredentials


async def sign_in(
    pool: AsyncConnectionPool,
    hashing: PasswordHashing,
    email: str,
    password: str,
    origin: audit.Origin,
) -> users.User:
    """The user with this email and password, the sign-in audited either way; raises
    InvalidCredentials otherwise (an unknown email costs the same check as a wrong password)."""
    async with pool.connection() as conn:
        found = await users.credentials(conn, email)
    matches = await hashing.verify(found[1] if found else None, password, origin.ip)
    async with pool.connection() as conn:
        if found is None or not matches:
            await audit.record(conn, audit.SIGN_IN_FAILED, origin, email=email)
        else:
            user = found[0]
            who = replace(origin, actor_id=user.id)
            await audit.record(conn, audit.SIGN_IN, who, subject_id=user.id)
    if found is None or not matches:
        raise InvalidCredentials()
    return found[0]
