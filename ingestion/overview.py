"""A document's overview: a short extractive summary and its key concepts, made after ingestion.

Built from what ingestion already stored (chunk texts, their embeddings, their full-text
lexemes and the owner's term counts), with no chat model and no new embeddings, so it costs a
few queries and some arithmetic: a small fraction of ingesting the document (measured in
benchmarks/overview.py). The pipeline makes it before marking a document ready and stores it
in the same transaction; a failure is logged and leaves the document ready without one
(`try_build_overview`, `save_quietly`). The worker makes missing ones when it starts.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from uuid import UUID

import numpy as np
from numpy.typing import NDArray
from pgvector import Vector
from psycopg import AsyncConnection
from psycopg import Error as DatabaseError
from psycopg.rows import class_row
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from ingestion.concepts import (
    Concept,
    TermCount,
    key_concepts,
    least_occurrences,
    surface_forms,
    term_weights,
    vocabulary,
    without_generic,
    words,
)
from ingestion.summary import Passage, SummarySentence, summarize
from tutor.errors import DocumentNotFound, OverviewNotReady

log = logging.getLogger(__name__)

CONCEPTS = 10
# Sentences are rated by the document's strongest terms only: this many.
SENTENCE_TERMS = 30
# Never let an overview hold up the document it describes for longer than this.
TIMEOUT_S = 60.0

# Chunks are found through their document, checked to be the owner's: the index on
# (document_id, ordinal) then serves every plan, where a filter on the chunks' own owner_id
# tempted the planner, with statistics not yet updated after a big ingestion, into reading all
# of the owner's chunks.
PASSAGES = """
SELECT c.ordinal, c.text, c.page_start, c.page_end, c.embedding
FROM documents d JOIN chunks c ON c.document_id = d.id
WHERE d.id = %(document_id)s AND d.owner_id = %(owner_id)s
ORDER BY c.ordinal
"""
# The document's lexemes from its chunks' tsvectors, which its postings were made from;
# `occurrences` counts the text's positions (weight A), not the heading repeated on each chunk.
# term_stats holds the owner's chunk count per lexeme, this document's included; it is read
# one primary-key probe per lexeme, as a join it was planned as a scan of all the owner's terms
# (16 ms instead of 1 for a one-page document after a 100-page one).
TERMS = """
SELECT here.lexeme, here.occurrences, here.chunks,
       greatest(coalesce((SELECT s.df FROM term_stats s
                          WHERE s.owner_id = %(owner_id)s AND s.lexeme = here.lexeme), 0)
                - here.chunks, 0) AS elsewhere
FROM (
    SELECT t.lexeme, sum(cardinality(array_positions(t.weights, 'A')))::int AS occurrences,
           count(*)::int AS chunks
    FROM documents d JOIN chunks c ON c.document_id = d.id, unnest(c.tsv) t
    WHERE d.id = %(document_id)s AND d.owner_id = %(owner_id)s
    GROUP BY t.lexeme
    HAVING sum(cardinality(array_positions(t.weights, 'A'))) >= 2
) here
"""
# Under the empty lexeme, term_stats counts the owner's chunks.
OWNER_CHUNKS = """
SELECT coalesce(max(df), 0) FROM term_stats WHERE owner_id = %(owner_id)s AND lexeme = ''
"""
# The lexeme of each word whose lexeme is a candidate (in the english configuration, as the
# chunks' tsvectors have it; other words need none), or NULL where the word is a stop word in
# another language PostgreSQL ships a list for: notes in German must not make "und" a key
# concept. That test is in the select list, so that only the joined words are looked up.
STEMS = """
SELECT w.word,
       CASE WHEN ts_lexize('german_stem', w.word) = '{}' OR ts_lexize('french_stem', w.word) = '{}'
              OR ts_lexize('spanish_stem', w.word) = '{}'
              OR ts_lexize('italian_stem', w.word) = '{}'
              OR ts_lexize('portuguese_stem', w.word) = '{}'
              OR ts_lexize('dutch_stem', w.word) = '{}' THEN NULL
            ELSE w.lexeme END
FROM (
    SELECT word, (ts_lexize('english_stem', word))[1] AS lexeme
    FROM unnest(%(words)s::text[]) AS word
) w
JOIN unnest(%(lexemes)s::text[]) AS candidate (lexeme) USING (lexeme)
"""
SAVE = """
INSERT INTO document_overviews (document_id, owner_id, summary, concepts, computed_ms)
VALUES (%(document_id)s, %(owner_id)s, %(summary)s, %(concepts)s, %(computed_ms)s)
ON CONFLICT (document_id) DO UPDATE
SET summary = excluded.summary, concepts = excluded.concepts,
    computed_ms = excluded.computed_ms, created_at = now()
"""
# The document decides between "no such document" and "not ready yet".
LOAD = """
SELECT d.id, o.summary, o.concepts, o.computed_ms, o.created_at
FROM documents d
LEFT JOIN document_overviews o ON o.document_id = d.id AND o.owner_id = %(owner_id)s
WHERE d.id = %(document_id)s AND d.owner_id = %(owner_id)s
"""
MISSING = """
SELECT d.id, d.owner_id FROM documents d
WHERE d.status = 'ready'
  AND NOT EXISTS (SELECT 1 FROM document_overviews o WHERE o.document_id = d.id)
ORDER BY d.ready_at
"""


@dataclass
class Overview:
    """A document's summary sentences and key concepts, and what they took to compute."""

    document_id: UUID
    summary: list[SummarySentence]
    concepts: list[Concept]
    computed_ms: float
    created_at: datetime | None = None


@dataclass
class _Row:
    ordinal: int
    text: str
    page_start: int | None
    page_end: int | None
    embedding: Vector


async def build_overview(conn: AsyncConnection, owner_id: UUID, document_id: UUID) -> Overview:
    """Read the document's chunks and terms and compute its overview (nothing is stored)."""
    started = time.perf_counter()
    rows, terms, owner_chunks = await _read(conn, owner_id, document_id)
    weights = term_weights(terms, len(rows), max(0, owner_chunks - len(rows)))
    passages = [Passage(r.ordinal, r.text, r.page_start, r.page_end) for r in rows]
    stems = await _stems(conn, vocabulary(p.text for p in passages), weights.keys())
    embeddings = np.array([r.embedding.to_numpy() for r in rows], dtype=np.float32)
    summary, concepts = await asyncio.to_thread(_compute, passages, embeddings, weights, stems)
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    return Overview(document_id, summary, concepts, elapsed)


async def _read(
    conn: AsyncConnection, owner_id: UUID, document_id: UUID
) -> tuple[list[_Row], list[TermCount], int]:
    """The chunks, their terms and the owner's chunk count, in one round trip (a pipeline):
    for a one-page document the round trips were a good part of the time."""
    params = {"document_id": document_id, "owner_id": owner_id}
    # Binary: 384 floats a chunk arrive as bytes for numpy, not as text to parse.
    chunks = conn.cursor(row_factory=class_row(_Row), binary=True)
    terms = conn.cursor(row_factory=class_row(TermCount))
    owner = conn.cursor()
    async with conn.pipeline():
        await chunks.execute(PASSAGES, params)
        await terms.execute(TERMS, params)
        await owner.execute(OWNER_CHUNKS, params)
    row = await owner.fetchone()
    return await chunks.fetchall(), await terms.fetchall(), int(row[0]) if row else 0


def _compute(
    passages: Sequence[Passage],
    embeddings: NDArray[np.float32],
    weights: Mapping[str, float],
    stems: Mapping[str, str],
) -> tuple[list[SummarySentence], list[Concept]]:
    """The pure part, in a thread: concepts first, since their weights rate the sentences."""
    forms = surface_forms((p.text for p in passages), stems)
    specific = without_generic(weights, forms)
    concepts = key_concepts(forms, specific, CONCEPTS, least_occurrences(len(passages)))
    strongest = sorted(specific.items(), key=lambda item: -item[1])[:SENTENCE_TERMS]
    top = strongest[0][1] if strongest else 1.0
    rating = {lexeme: weight / top for lexeme, weight in strongest}

    def term_score(sentence: str) -> float:
        found = words(sentence)
        lexemes = {stems.get(word.lower()) for word in found}
        total = sum(rating.get(lexeme, 0.0) for lexeme in lexemes if lexeme)
        return total / math.sqrt(len(found) or 1)

    return summarize(passages, embeddings, term_score), concepts


async def _stems(
    conn: AsyncConnection, vocabulary: Iterable[str], lexemes: Iterable[str]
) -> dict[str, str]:
    """The lexeme of each word whose lexeme is a candidate (see STEMS), in one round trip."""
    params = {"words": sorted(vocabulary), "lexemes": list(lexemes)}
    cur = await conn.execute(STEMS, params)
    return {word: lexeme for word, lexeme in await cur.fetchall() if lexeme is not None}


async def save_overview(conn: AsyncConnection, owner_id: UUID, overview: Overview) -> None:
    """Store the overview, replacing an earlier one of the same document."""
    params = {
        "document_id": overview.document_id,
        "owner_id": owner_id,
        "summary": Jsonb([asdict(s) for s in overview.summary]),
        "concepts": Jsonb([asdict(c) for c in overview.concepts]),
        "computed_ms": overview.computed_ms,
    }
    await conn.execute(SAVE, params)


async def try_build_overview(
    pool: AsyncConnectionPool, owner_id: UUID, document_id: UUID
) -> Overview | None:
    """The document's overview, or None (logged) if it could not be made.

    An overview is a convenience: whatever goes wrong making one (a bug on an odd document, a
    timeout) must not fail the document itself, which is why this catches everything, and
    logs it with its traceback.
    """
    try:
        async with asyncio.timeout(TIMEOUT_S), pool.connection() as conn:
            overview = await build_overview(conn, owner_id, document_id)
    except Exception:
        log.exception("no overview for document %s", document_id)
        return None
    log.info(
        "overview of %s: %d sentences, %d concepts in %.1f ms",
        document_id,
        len(overview.summary),
        len(overview.concepts),
        overview.computed_ms,
    )
    return overview


async def save_quietly(conn: AsyncConnection, owner_id: UUID, overview: Overview) -> bool:
    """Store the overview within the caller's transaction, under a savepoint: if that fails
    (the document was deleted meanwhile), log it and leave the caller's work standing."""
    try:
        async with conn.transaction():
            await save_overview(conn, owner_id, overview)
    except DatabaseError:
        log.exception("overview of document %s not stored", overview.document_id)
        return False
    return True


async def refresh_overview(
    pool: AsyncConnectionPool, owner_id: UUID, document_id: UUID
) -> Overview | None:
    """Make and store the document's overview; None (logged) if either failed."""
    overview = await try_build_overview(pool, owner_id, document_id)
    if overview is None:
        return None
    async with pool.connection() as conn:
        return overview if await save_quietly(conn, owner_id, overview) else None


async def refresh_missing_overviews(pool: AsyncConnectionPool) -> int:
    """Make the overviews ready documents lack (those ingested before overviews existed, or
    whose overview failed); returns how many were made."""
    async with pool.connection() as conn:
        missing = await (await conn.execute(MISSING)).fetchall()
    made = 0
    for document_id, owner_id in missing:
        made += await refresh_overview(pool, owner_id, document_id) is not None
    return made


async def get_overview(conn: AsyncConnection, owner_id: UUID, document_id: UUID) -> Overview:
    """The owner's document's overview; DocumentNotFound for anyone else's document,
    OverviewNotReady while it has none."""
    params = {"document_id": document_id, "owner_id": owner_id}
    row = await (await conn.execute(LOAD, params)).fetchone()
    if row is None:
        raise DocumentNotFound()
    found_id, summary, concepts, computed_ms, created_at = row
    if summary is None:
        raise OverviewNotReady()
    return Overview(
        found_id,
        [SummarySentence(**s) for s in summary],
        [Concept(**c) for c in concepts],
        computed_ms,
        created_at,
    )
