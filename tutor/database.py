"""The migration runner and the keyset every list query pages by (pools: `tutor.resources`)."""

from __future__ import annotations

import logging
from datetime import datetime
from importlib import resources
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection

log = logging.getLogger(__name__)

MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""
# Any fixed 64-bit number: serialises concurrent runners (API and worker starting together).
MIGRATION_LOCK_ID = 7_410_231_986


def migration_files() -> list[tuple[str, str]]:
    """(version, sql) for each numbered migration, in order."""
    folder = resources.files("tutor") / "migrations"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [(f.name.removesuffix(".sql"), f.read_text()) for f in files]


async def migrate(url: str) -> list[str]:
    """Apply the migrations not yet recorded; returns the versions applied."""
    applied: list[str] = []
    async with await AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_ID,))
        try:
            await conn.execute(MIGRATIONS_TABLE)
            cur = await conn.execute("SELECT version FROM schema_migrations")
            done = {row[0] for row in await cur.fetchall()}
            for version, sql in migration_files():
                if version in done:
                    continue
                async with conn.transaction():
                    await conn.execute(sql.encode())
                    await conn.execute(
                        "INSERT INTO schema_migrations (version) VALUES (%s)", (version,)
                    )
                log.info("applied migration %s", version)
                applied.append(version)
        finally:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_ID,))
    return applied


# A list row's place in its order: (timestamp, id), newest first.
Keyset = tuple[datetime, UUID]


def after_params(after: Keyset | None) -> dict[str, Any]:
    """The `%(after_ts)s` / `%(after_id)s` parameters of a keyset list query (None: first page)."""
    after_ts, after_id = after or (None, None)
    return {"after_ts": after_ts, "after_id": after_id}


__all__ = ["Keyset", "after_params", "migrate"]
