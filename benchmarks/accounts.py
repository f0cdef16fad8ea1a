"""Throwaway accounts for benchmarks: fresh ones, so nothing earlier is deduplicated or counted,
and deleted afterwards with everything they own."""

from __future__ import annotations

import uuid
from uuid import UUID

from ingestion.pipeline import IngestionDeps
from tutor.accounts import users

# The owner's term statistics are deleted first, as the benchmarks always have; the account's
# documents, chunks, postings and overviews go with the account.
DELETE_TERM_STATS = "DELETE FROM term_stats WHERE owner_id = %(id)s"
DELETE_USER = "DELETE FROM users WHERE id = %(id)s"


async def fresh_user(deps: IngestionDeps, prefix: str) -> UUID:
    """A new account named `prefix-<random>@example.com`."""
    async with deps.pool.connection() as conn:
        email = f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"
        user = await users.create_user(conn, email, uuid.uuid4().hex, "student")
    return user.id


async def delete_user(deps: IngestionDeps, owner_id: UUID) -> None:
    """Drop the account; its documents, chunks, overviews and term statistics go with it."""
    async with deps.pool.connection() as conn:
        await conn.execute(DELETE_TERM_STATS, {"id": owner_id})
        await conn.execute(DELETE_USER, {"id": owner_id})
