"""Writing chunks: binary COPY, resumable after a crash."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import numpy as np
from numpy.typing import NDArray
from psycopg import AsyncConnection

from ingestion.chunking import Chunk

COPY_CHUNKS = """
COPY chunks (document_id, owner_id, ordinal, page_start, page_end, heading_path, heading, text,
             token_count, embedding)
FROM STDIN WITH (FORMAT BINARY)
"""
COPY_TYPES = ["uuid", "uuid", "int4", "int4", "int4", "text[]", "text", "text", "int4", "vector"]

STORED_COUNT = "SELECT count(*) FROM chunks WHERE document_id = %(id)s"
# Batches commit whole, so stored ordinals are always 0..n-1; anything else is discarded.
DROP_BEYOND = "DELETE FROM chunks WHERE document_id = %(id)s AND ordinal >= %(n)s"

# Lexemes in sorted order, so concurrent writers for one owner lock rows in the same order.
COUNT_TERMS = """
INSERT INTO term_stats (owner_id, lexeme, df)
SELECT owner_id, lexeme, n FROM (
    SELECT c.owner_id, t.lexeme, count(*) AS n
    FROM chunks c, unnest(c.tsv) t
    WHERE c.document_id = %(id)s AND c.ordinal >= %(first)s AND c.ordinal < %(end)s
    GROUP BY c.owner_id, t.lexeme
    UNION ALL
    SELECT owner_id, '', count(*) FROM chunks
    WHERE document_id = %(id)s AND ordinal >= %(first)s AND ordinal < %(end)s
    GROUP BY owner_id
) counted
ORDER BY lexeme
ON CONFLICT (owner_id, lexeme) DO UPDATE SET df = term_stats.df + excluded.df
"""
# Postings of the chunks just written; the weight column follows from tf (see migration 003).
ADD_POSTINGS = """
INSERT INTO postings (owner_id, lexeme, chunk_id, tf)
SELECT c.owner_id, t.lexeme, c.id, cardinality(t.positions)
FROM chunks c, unnest(c.tsv) t
WHERE c.document_id = %(id)s AND c.ordinal >= %(first)s AND c.ordinal < %(end)s
"""
# Found through the chunks' own lexemes, so each row is one primary-key probe.
DROP_POSTINGS = """
DELETE FROM postings p
USING chunks c, unnest(c.tsv) t
WHERE c.document_id = %(id)s AND c.ordinal >= %(n)s
  AND p.owner_id = c.owner_id AND p.lexeme = t.lexeme AND p.chunk_id = c.id
"""
UNCOUNT_TERMS = """
UPDATE term_stats s SET df = s.df - gone.n
FROM (
    SELECT c.owner_id, t.lexeme, count(*) AS n
    FROM chunks c, unnest(c.tsv) t
    WHERE c.document_id = %(id)s AND c.ordinal >= %(n)s
    GROUP BY c.owner_id, t.lexeme
    UNION ALL
    SELECT owner_id, '', count(*) FROM chunks
    WHERE document_id = %(id)s AND ordinal >= %(n)s
    GROUP BY owner_id
) gone
WHERE s.owner_id = gone.owner_id AND s.lexeme = gone.lexeme
"""


async def stored_chunk_count(conn: AsyncConnection, document_id: UUID) -> int:
    """How many chunks of the document are already stored (the resume point)."""
    cur = await conn.execute(STORED_COUNT, {"id": document_id})
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def drop_chunks_from(conn: AsyncConnection, document_id: UUID, ordinal: int) -> None:
    """Delete chunks numbered `ordinal` and above, their postings and their term counts."""
    await conn.execute(UNCOUNT_TERMS, {"id": document_id, "n": ordinal})
    await conn.execute(DROP_POSTINGS, {"id": document_id, "n": ordinal})
    await conn.execute(DROP_BEYOND, {"id": document_id, "n": ordinal})


async def copy_chunks(
    conn: AsyncConnection,
    document_id: UUID,
    owner_id: UUID,
    chunks: Sequence[Chunk],
    embeddings: NDArray[np.float32],
) -> None:
    """Append chunks with their embeddings in one COPY, then count and post their terms."""
    if not chunks:
        return
    cur = conn.cursor()
    async with cur.copy(COPY_CHUNKS) as copy:
        copy.set_types(COPY_TYPES)
        for chunk, vector in zip(chunks, embeddings, strict=True):
            await copy.write_row(
                (
                    document_id,
                    owner_id,
                    chunk.ordinal,
                    chunk.page_start,
                    chunk.page_end,
                    list(chunk.heading_path),
                    chunk.heading,
                    chunk.text.replace("\x00", ""),
                    chunk.token_count,
                    vector,
                )
            )
    written = {"id": document_id, "first": chunks[0].ordinal, "end": chunks[-1].ordinal + 1}
    await conn.execute(COUNT_TERMS, written)
    await conn.execute(ADD_POSTINGS, written)
