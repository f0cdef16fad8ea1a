"""What one user stores (documents and their bytes) against what they may store."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import class_row

from tutor.errors import QuotaExceeded


@dataclass(frozen=True)
class Usage:
    """The owner's documents and the bytes of their files."""

    documents: int
    used_bytes: int


USAGE = """
SELECT count(*)::int AS documents, coalesce(sum(size_bytes), 0)::bigint AS used_bytes
FROM documents WHERE owner_id = %(owner_id)s
"""

# Uploads of one user take turns on their account row, so two at once cannot both squeeze
# under the quota; other users' uploads do not wait.
LOCK_OWNER = "SELECT 1 FROM users WHERE id = %(owner_id)s FOR UPDATE"


async def usage(conn: AsyncConnection, owner_id: UUID) -> Usage:
    """How many documents and bytes the owner stores now."""
    cur = conn.cursor(row_factory=class_row(Usage))
    await cur.execute(USAGE, {"owner_id": owner_id})
    found = await cur.fetchone()
    return found if found is not None else Usage(0, 0)


async def check_room(
    conn: AsyncConnection,
    owner_id: UUID,
    size_bytes: int,
    *,
    max_documents: int,
    max_bytes: int | None,
) -> None:
    """Raise QuotaExceeded unless one more document of `size_bytes` fits; call it in the
    transaction that stores the document (it holds the owner's row until then)."""
    await conn.execute(LOCK_OWNER, {"owner_id": owner_id})
    now = await usage(conn, owner_id)
    if now.documents >= max_documents:
        raise QuotaExceeded(
            f"You have {now.documents:,} documents; the limit is {max_documents:,}. "
            "Delete some to upload more."
        )
    if max_bytes is not None and now.used_bytes + size_bytes > max_bytes:
        raise QuotaExceeded(
            f"This file ({human_bytes(size_bytes)}) does not fit: you use "
            f"{human_bytes(now.used_bytes)} of {human_bytes(max_bytes)}. "
            "Delete some documents to upload more."
        )


def human_bytes(count: int) -> str:
    """A size as people read it: 1.5 MB, 120 KB, 1 GB (powers of 1024, as the limits are)."""
    value = float(count)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            break
        value /= 1024
    if unit == "bytes":
        return f"{count:,} bytes"
    return f"{value:.1f} {unit}".replace(".0 ", " ")
