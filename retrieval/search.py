"""Owner-scoped search over chunks: dense (HNSW cosine), full-text, or both fused by RRF.

Every statement filters by owner inside its own SQL, so no other user's chunk can ever be
ranked, let alone returned.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import UUID

import numpy as np
from psycopg import AsyncConnection
from psycopg.rows import class_row

from ingestion.embedding import Embedder
from retrieval.fusion import DEFAULT_RRF_K


class SearchMode(StrEnum):
    """Which retriever ranks the chunks."""

    HYBRID = "hybrid"
    DENSE = "dense"
    FTS = "fts"


@dataclass
class SearchHit:
    """One matching chunk with where it came from."""

    chunk_id: int
    document_id: UUID
    filename: str
    page_start: int | None
    page_end: int | None
    heading_path: list[str]
    text: str
    score: float
    # Set on a class's shared material (`retrieval.scopes`); None on the reader's own notes.
    class_id: UUID | None = None
    class_name: str | None = None


@dataclass(frozen=True)
class SearchParams:
    """Tuning knobs; rrf_k and the equal weights were chosen on SciFact train."""

    candidates: int = 60
    rrf_k: int = DEFAULT_RRF_K
    dense_weight: float = 1.0
    fts_weight: float = 1.0
    # Postings full-text ranking may read (sum of the kept terms' document frequencies).
    # BM25's k1 = 1.2 lives in the postings' weight column (migration 003).
    max_postings: int = 5000
    # Of those, the rarest terms' postings up to this many (or `candidates`, if more) seed the
    # candidate chunks; chosen on SciFact train, where 1000 matched seeding from every term.
    seed_postings: int = 1000


SCOPE = """c.owner_id = %(owner_id)s
      AND (%(document_ids)s::uuid[] IS NULL OR c.document_id = ANY(%(document_ids)s::uuid[]))"""

# pgvector's iterative scan may return rows slightly out of order; the outer ORDER BY fixes it.
DENSE_CANDIDATES = f"""
dense AS (
    SELECT id, row_number() OVER (ORDER BY distance, id) AS rank
    FROM (
        SELECT c.id, c.embedding <=> %(embedding)s AS distance FROM chunks c
        WHERE {SCOPE}
        ORDER BY c.embedding <=> %(embedding)s
        LIMIT %(candidates)s
    ) nearest
)"""

# BM25 over Postgres full-text lexemes, with OR semantics (any query term may match), read from
# the owner's postings (migration 003), one index-only range scan per query term. IDF comes from
# the owner's term_stats; length normalisation is left out (b = 0) because chunks are all about
# one size, so each posting carries its own tf weight. Postgres' own ts_rank has no IDF: on
# SciFact train it scored nDCG@10 0.43 where this scores 0.69.
# Cost grows with the postings read, so (1) the commonest terms are dropped until the kept
# terms' postings fit max_postings (the rarest term is always kept), and (2) only chunks holding
# one of the rarest kept terms, the "seed" terms, become candidates: the other kept terms add
# their share to those chunks' scores but bring in no chunks of their own. A chunk matching
# only common terms rarely outranks one matching a rare term, and grouping every posting by
# chunk was most of the cost. Within chosen documents every kept term seeds: the rare ones may
# well be missing there.
# The IDF arithmetic is float8 on purpose: numeric here cost more than reading the postings.
FTS_CANDIDATES = """
kept AS MATERIALIZED (
    SELECT lexeme, idf,
           postings <= %(seed_postings)s OR postings - df < %(candidates)s
           OR %(document_ids)s::uuid[] IS NOT NULL AS seeds
    FROM (
        SELECT s.lexeme, s.df,
               ln(1 + (n.df - s.df + 0.5::float8) / (s.df + 0.5::float8)) AS idf,
               sum(s.df) OVER rarer AS postings, row_number() OVER rarer AS rarity
        FROM term_stats s, term_stats n  -- n: the owner's chunk count, under the empty lexeme
        WHERE s.owner_id = %(owner_id)s AND s.df > 0
          AND s.lexeme = ANY (tsvector_to_array(to_tsvector('english', %(query)s)))
          AND n.owner_id = %(owner_id)s AND n.lexeme = ''
        WINDOW rarer AS (ORDER BY s.df, s.lexeme)
    ) ranked
    WHERE rarity = 1 OR postings <= %(max_postings)s
),
seeded AS MATERIALIZED (
    SELECT p.chunk_id, sum(kept.idf * p.weight) AS score
    FROM kept JOIN postings p ON p.owner_id = %(owner_id)s AND p.lexeme = kept.lexeme
    WHERE kept.seeds AND (%(document_ids)s::uuid[] IS NULL OR p.chunk_id IN (
        SELECT c.id FROM chunks c
        WHERE c.owner_id = %(owner_id)s AND c.document_id = ANY(%(document_ids)s::uuid[])
    ))
    GROUP BY p.chunk_id
),
rescored AS (
    SELECT p.chunk_id, sum(kept.idf * p.weight) AS score
    FROM kept JOIN postings p ON p.owner_id = %(owner_id)s AND p.lexeme = kept.lexeme
    WHERE NOT kept.seeds AND p.chunk_id IN (SELECT chunk_id FROM seeded)
    GROUP BY p.chunk_id
),
fts AS (
    SELECT id, score, row_number() OVER (ORDER BY score DESC, id) AS rank
    FROM (
        SELECT s.chunk_id AS id, s.score + coalesce(r.score, 0) AS score
        FROM seeded s LEFT JOIN rescored r ON r.chunk_id = s.chunk_id
        ORDER BY score DESC, id  -- BM25 with b = 0 ties often; keep the cut deterministic
        LIMIT %(candidates)s
    ) matched
)"""

HIT_COLUMNS = """
c.id AS chunk_id, c.document_id, d.filename, c.page_start, c.page_end, c.heading_path, c.text
"""

HYBRID_SEARCH = f"""
WITH {DENSE_CANDIDATES}, {FTS_CANDIDATES},
fused AS (
    SELECT coalesce(dense.id, fts.id) AS id,
           coalesce(%(dense_weight)s / (%(rrf_k)s + dense.rank), 0)
           + coalesce(%(fts_weight)s / (%(rrf_k)s + fts.rank), 0) AS score
    FROM dense FULL OUTER JOIN fts ON dense.id = fts.id
    ORDER BY score DESC, id
    LIMIT %(k)s
)
SELECT {HIT_COLUMNS}, fused.score::float8 AS score
FROM fused JOIN chunks c ON c.id = fused.id JOIN documents d ON d.id = c.document_id
WHERE c.owner_id = %(owner_id)s  -- postings carry the owner too; hits check the chunk's own
ORDER BY fused.score DESC, c.id
"""

DENSE_SEARCH = f"""
WITH {DENSE_CANDIDATES}
SELECT {HIT_COLUMNS}, (1 - (c.embedding <=> %(embedding)s))::float8 AS score
FROM dense JOIN chunks c ON c.id = dense.id JOIN documents d ON d.id = c.document_id
WHERE dense.rank <= %(k)s
ORDER BY dense.rank
"""

FTS_SEARCH = f"""
WITH {FTS_CANDIDATES}
SELECT {HIT_COLUMNS}, fts.score::float8 AS score
FROM fts JOIN chunks c ON c.id = fts.id JOIN documents d ON d.id = c.document_id
WHERE fts.rank <= %(k)s AND c.owner_id = %(owner_id)s  -- as in HYBRID_SEARCH
ORDER BY fts.rank
"""

STATEMENTS = {
    SearchMode.HYBRID: HYBRID_SEARCH,
    SearchMode.DENSE: DENSE_SEARCH,
    SearchMode.FTS: FTS_SEARCH,
}


async def embed_query(embedder: Embedder, query: str) -> np.ndarray:
    """The query's embedding, computed off the event loop."""
    vectors = await asyncio.to_thread(embedder.embed, [query])
    return np.asarray(vectors[0])


def _values(
    owner_id: UUID,
    query: str,
    embedding: np.ndarray | None,
    k: int,
    mode: SearchMode,
    document_ids: Sequence[UUID] | None,
    params: SearchParams | None,
) -> dict[str, Any]:
    p = params or SearchParams()
    if mode is not SearchMode.FTS and embedding is None:
        raise ValueError(f"{mode} search needs the query embedding")
    return {
        "owner_id": owner_id,
        "query": query,
        "embedding": embedding,
        "k": k,
        "document_ids": list(document_ids) if document_ids else None,
        "candidates": max(k, p.candidates),
        "rrf_k": p.rrf_k,
        "dense_weight": p.dense_weight,
        "fts_weight": p.fts_weight,
        "max_postings": p.max_postings,
        "seed_postings": p.seed_postings,
    }


async def search_chunks(
    conn: AsyncConnection,
    owner_id: UUID,
    query: str,
    embedding: np.ndarray | None,
    *,
    k: int = 10,
    mode: SearchMode = SearchMode.HYBRID,
    document_ids: Sequence[UUID] | None = None,
    params: SearchParams | None = None,
) -> list[SearchHit]:
    """The owner's `k` best chunks for the query under the chosen mode, in one statement."""
    values = _values(owner_id, query, embedding, k, mode, document_ids, params)
    cur = conn.cursor(row_factory=class_row(SearchHit))
    await cur.execute(STATEMENTS[mode], values)
    return await cur.fetchall()
