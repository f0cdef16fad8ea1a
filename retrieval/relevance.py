"""How close chunks are to a query in embedding space: a calibrated "is this covered?" signal.

Fused (RRF) scores rank well but say nothing absolute; cosine similarity does, so the tutor
decides "the notes don't cover this" on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import numpy as np
from psycopg import AsyncConnection

from retrieval.scopes import Scope, merged
from retrieval.search import SearchHit, SearchParams, search_chunks

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


# The question's lexemes with their IDF in the owner's notes, and which of the given chunks
# hold them. A lexeme the notes never use gets the IDF of a term seen once (it is as rare as
# can be), so a question about something absent counts that absence against every chunk.
LEXICAL_MATCHES = """
WITH question AS (
    SELECT DISTINCT lexeme FROM unnest(tsvector_to_array(to_tsvector('english', %(query)s))) lexeme
),
total AS (
    SELECT coalesce(max(df), 0) AS chunks
    FROM term_stats WHERE owner_id = %(owner_id)s AND lexeme = ''
),
weighted AS (
    SELECT q.lexeme, ln(1 + (t.chunks - s.df + 0.5::float8) / (s.df + 0.5::float8)) AS idf
    FROM question q CROSS JOIN total t
    CROSS JOIN LATERAL (
        SELECT coalesce(max(df), 1) AS df FROM term_stats
        WHERE owner_id = %(owner_id)s AND lexeme = q.lexeme
    ) s
)
SELECT p.chunk_id, sum(w.idf) AS matched, (SELECT sum(idf) FROM weighted) AS asked
FROM weighted w
JOIN postings p ON p.owner_id = %(owner_id)s AND p.lexeme = w.lexeme
WHERE p.chunk_id = ANY(%(chunk_ids)s)
GROUP BY p.chunk_id
"""


async def lexical_coverage(
    conn: AsyncConnection, owner_id: UUID, query: str, chunk_ids: list[int]
) -> dict[int, float]:
    """The share of the question's IDF mass that each chunk contains (0 to 1).

    Dense similarity misses what a small embedding model does not know: "What does RuBisCO
    do?" is far from the passage about RuBisCO in MiniLM's space, while the one rare term of the
    question matches it exactly. A chunk holding most of the question's rare terms is evidence
    that the notes speak of it; chunks without any are left out (0).
    """
    if not chunk_ids:
        return {}
    cur = await conn.execute(
        LEXICAL_MATCHES, {"owner_id": owner_id, "query": query, "chunk_ids": chunk_ids}
    )
    return {chunk_id: matched / asked for chunk_id, matched, asked in await cur.fetchall() if asked}


@dataclass(frozen=True)
class Evidence:
    """The hits for a question with both kinds of evidence that they bear on it."""

    hits: list[SearchHit]
    similarity: dict[int, float]  # chunk id → cosine similarity to the question
    lexical: dict[int, float]  # chunk id → share of the question's rare-term mass it holds


async def search_with_evidence(
    conn: AsyncConnection,
    scopes: Sequence[Scope],
    query: str,
    embedding: np.ndarray,
    *,
    k: int,
    params: SearchParams,
) -> Evidence:
    """Hybrid search for `query` across the reader's scopes (`retrieval.scopes`), with each
    hit's similarity and rare-term coverage: what the tutor's relevance gate decides on (the
    tutor and the gate's benchmark both call this). Coverage is weighed by each scope owner's
    own term statistics, as their search is."""
    found: list[list[SearchHit]] = []
    similarity: dict[int, float] = {}
    lexical: dict[int, float] = {}
    for scope in scopes:
        hits = await search_chunks(
            conn,
            scope.owner_id,
            query,
            embedding,
            k=k,
            document_ids=scope.document_ids,
            params=params,
        )
        chunk_ids = [h.chunk_id for h in hits]
        similarity |= await similarities(conn, scope.owner_id, chunk_ids, embedding)
        lexical |= await lexical_coverage(conn, scope.owner_id, query, chunk_ids)
        found.append(scope.label(hits))
    return Evidence(merged(found, k), similarity, lexical)
