"""Search SQL: hybrid is exactly RRF of dense and fts; its term index follows the chunks."""

import asyncio
import math
from functools import partial
from uuid import UUID, uuid4

import numpy as np
import psycopg
import pytest
from pgvector.psycopg import register_vector_async

from ingestion.chunk_store import copy_chunks, drop_chunks_from
from ingestion.chunking import Chunk
from ingestion.documents import delete_document
from retrieval.fusion import rrf_fuse
from retrieval.search import SearchHit, SearchMode, SearchParams, search_chunks
from tests.conftest import ingest, register
from tutor.accounts import users

NOTES = [
    b"Mitochondria produce ATP through cellular respiration.",
    b"The Krebs cycle runs in the mitochondrial matrix.",
    b"Chloroplasts capture light energy for photosynthesis.",
    b"ATP synthase is a molecular motor in the inner membrane.",
    b"Ribosomes translate messenger RNA into proteins.",
    b"Glycolysis splits glucose into pyruvate in the cytoplasm.",
]


def test_hybrid_equals_rrf_of_dense_and_fts(client):
    headers = register(client)
    for i, note in enumerate(NOTES):
        ingest(client, headers, f"n{i}.txt", note)
    query = "how do mitochondria make ATP"

    def ranking(mode: str) -> list[dict]:
        params = {"q": query, "mode": mode, "k": 50}
        return client.get("/api/v1/search", params=params, headers=headers).json()["items"]

    dense, fts, hybrid = ranking("dense"), ranking("fts"), ranking("hybrid")
    assert len(dense) == len(NOTES)
    assert 0 < len(fts) < len(NOTES), "fts matches only chunks sharing a term"
    expected = rrf_fuse([[h["chunk_id"] for h in dense], [h["chunk_id"] for h in fts]])
    assert [h["chunk_id"] for h in hybrid] == [key for key, _ in expected]
    assert [h["score"] for h in hybrid] == pytest.approx([score for _, score in expected])


def test_search_scopes_to_a_list_of_documents(client, settings, embedder):
    headers = register(client)
    documents = [ingest(client, headers, f"n{i}.txt", note)["id"] for i, note in enumerate(NOTES)]
    user_id = UUID(client.get("/api/v1/me", headers=headers).json()["id"])
    query = "mitochondria ATP energy"
    embedding = embedder.embed([query])[0]

    async def scoped(scope: list[UUID] | None, mode: SearchMode) -> list[SearchHit]:
        async with await psycopg.AsyncConnection.connect(settings.database_url) as conn:
            await register_vector_async(conn)
            return await search_chunks(
                conn, user_id, query, embedding, k=4, mode=mode, document_ids=scope
            )

    everything = asyncio.run(scoped(None, SearchMode.HYBRID))
    assert len(everything) == 4
    for scope in ([UUID(documents[0])], [UUID(d) for d in documents[2:5]]):
        for mode in SearchMode:
            hits = asyncio.run(scoped(scope, mode))
            assert {h.document_id for h in hits} <= set(scope), mode
            if mode is not SearchMode.FTS:  # dense ranks every chunk in scope
                assert len(hits) == min(4, len(scope))


TERM_STATS = "SELECT lexeme, df FROM term_stats WHERE owner_id = %s AND df > 0"
TERMS_RECOUNTED = """
SELECT t.lexeme, count(*) FROM chunks c, unnest(c.tsv) t WHERE c.owner_id = %s GROUP BY t.lexeme
"""
POSTINGS = "SELECT lexeme, chunk_id, tf, weight FROM postings WHERE owner_id = %s"
POSTINGS_RECOUNTED = """
SELECT t.lexeme, c.id, cardinality(t.positions) FROM chunks c, unnest(c.tsv) t WHERE c.owner_id = %s
"""


def index_matches_chunks(conn, owner_id) -> int:
    """Assert term_stats and postings equal a recount from the owner's chunks; returns n."""
    stats = dict(conn.execute(TERM_STATS, (owner_id,)).fetchall())
    chunks = stats.pop("", 0)
    assert stats == dict(conn.execute(TERMS_RECOUNTED, (owner_id,)).fetchall())
    postings = conn.execute(POSTINGS, (owner_id,)).fetchall()
    expected = conn.execute(POSTINGS_RECOUNTED, (owner_id,)).fetchall()
    assert sorted(p[:3] for p in postings) == sorted(expected)
    # BM25 tf saturation with k1 = 1.2
    assert [w for *_, w in postings] == pytest.approx(
        [tf * 2.2 / (tf + 1.2) for *_, tf, _ in postings]
    )
    assert len({chunk_id for _, chunk_id, _, _ in postings}) == chunks
    return chunks


def test_term_statistics_and_postings_follow_ingestion_and_deletion(client, settings):
    headers = register(client)
    kept = ingest(client, headers, "keep.txt", b"Enzymes lower activation energy of reactions.")
    gone = ingest(client, headers, "gone.txt", b"Enzymes are proteins; zymogens are inactive.")
    assert client.delete(f"/api/v1/documents/{gone['id']}", headers=headers).status_code == 204
    with psycopg.connect(settings.database_url) as conn:
        owner = conn.execute("SELECT owner_id FROM documents WHERE id = %s", (kept["id"],))
        owner_id = owner.fetchone()[0]
        assert index_matches_chunks(conn, owner_id) == kept["chunks_total"]
        lexemes = {row[0] for row in conn.execute(POSTINGS, (owner_id,)).fetchall()}
    assert "enzym" in lexemes
    assert "zymogen" not in lexemes


def _chunks(texts: list[str]) -> list[Chunk]:
    return [
        Chunk(i, text, ("Notes",), None, None, len(text.split())) for i, text in enumerate(texts)
    ]


async def _store(conn, owner_id: UUID, name: str, texts: list[str]) -> UUID:
    """A ready document holding `texts` as chunks, written the way the pipeline writes them."""
    document_id = uuid4()
    await conn.execute(
        "INSERT INTO documents (id, owner_id, filename, sha256, size_bytes, status) "
        "VALUES (%s, %s, %s, %s, 0, 'ready')",
        (document_id, owner_id, name, document_id.hex),
    )
    vectors = np.ones((len(texts), 384), dtype=np.float32)
    await copy_chunks(conn, document_id, owner_id, _chunks(texts), vectors)
    return document_id


def test_postings_follow_resume_failure_and_delete(settings):
    """The cleanup paths: resume after a crash, a failed document, a document's delete and a
    user's."""
    texts = ["Ribosomes translate RNA.", "Ribosomes read codons.", "Codons pair with anticodons."]

    async def scenario() -> None:
        async with await psycopg.AsyncConnection.connect(settings.database_url) as conn:
            await register_vector_async(conn)
            user = await users.create_user(conn, f"{uuid4().hex}@example.com", "pw", "student")
            resumed = await _store(conn, user.id, "resumed.txt", texts)
            failed = await _store(conn, user.id, "failed.txt", texts[:2])
            deleted = await _store(conn, user.id, "deleted.txt", texts[1:])
            await conn.commit()
            steps = [
                lambda: drop_chunks_from(conn, resumed, 1),  # a retried job's resume point
                lambda: drop_chunks_from(conn, failed, 0),  # a document that ended failed
                lambda: delete_document(conn, user.id, deleted),
            ]
            expected_chunks = [5, 3, 1]
            for step, chunks in zip(steps, expected_chunks, strict=True):
                await step()
                await conn.commit()
                with psycopg.connect(settings.database_url) as check:
                    assert index_matches_chunks(check, user.id) == chunks
            # A deleted user takes their postings along (a trigger, not a foreign key).
            await conn.execute("DELETE FROM users WHERE id = %s", (user.id,))
            await conn.commit()
            left = await conn.execute(POSTINGS, (user.id,))
            assert await left.fetchall() == []

    asyncio.run(scenario())


def test_common_terms_rescore_but_do_not_seed_candidates(settings):
    """Past the seed budget a common term adds to rare-term chunks' scores but brings in none."""
    texts = ["zymurgy yeast"] + ["zymurgy"] * 12 + ["yeast bread flour oven"] * 25
    query = "zymurgy yeast bread flour oven"

    def idf(df: int) -> float:
        return math.log(1 + (len(texts) - df + 0.5) / (df + 0.5))

    async def scenario() -> tuple[list[SearchHit], list[SearchHit]]:
        async with await psycopg.AsyncConnection.connect(settings.database_url) as conn:
            await register_vector_async(conn)
            user = await users.create_user(conn, f"{uuid4().hex}@example.com", "pw", "student")
            await _store(conn, user.id, "baking.txt", texts)
            search = partial(search_chunks, conn, user.id, query, None, k=10, mode=SearchMode.FTS)
            seeded = await search(params=SearchParams(candidates=10, seed_postings=5))
            every_term = await search(params=SearchParams(candidates=10))
            return seeded, every_term

    seeded, every_term = asyncio.run(scenario())
    # Every term seeding: the chunks with the three common terms outscore the rare-term chunks.
    assert {hit.text for hit in every_term} == {"yeast bread flour oven"}
    # Only "zymurgy" seeding: its chunks alone are candidates, "yeast" still counts for them.
    assert [hit.text for hit in seeded] == ["zymurgy yeast"] + ["zymurgy"] * 9
    assert seeded[0].score == pytest.approx(idf(13) + idf(26))
    assert seeded[1].score == pytest.approx(idf(13))
