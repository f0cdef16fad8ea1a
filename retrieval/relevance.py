"""How close chunks are to a query in embedding space: a calibrated "is this covered?" signal.

Fused (RRF) scores rank well but say nothing absolute; cosine similarity does, so the tutor
decides "the notes don't cover this" on it.
"""

from __future__ import annotations

from uuid import UUID

import numpy as np
from psycopg import AsyncConnection

SIMILARITIES = """
SELECT id, (1 - (embedding <=> %(embedding)s))::float8
FROM chunks
WHERE owner_id = %(owner_id)s AND id = ANY(%(chunk_ids)s)
"""


async def similarities(
    conn: AsyncConnection, owner_id: UUID, chunk_ids: list[int], embedding: np.ndarray
) -> dict[int, float]:
    """Cosine similarity of each of the owner's chunks to the query embedding."""
    if not chunk_ids:
        return {}
    cur = await conn.execute(
        SIMILARITIES, {"owner_id": owner_id, "chunk_ids": chunk_ids, "embedding": embedding}
    )
    return {row[0]: row[1] for row in await cur.fetchall()}
