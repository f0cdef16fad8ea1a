"""The hybrid SQL computes exactly the reciprocal rank fusion of the dense and fts rankings."""

import pytest

from retrieval.fusion import rrf_fuse
from tests.conftest import ingest, register

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


def test_term_statistics_follow_ingestion_and_deletion(client, settings):
    import psycopg

    headers = register(client)
    kept = ingest(client, headers, "keep.txt", b"Enzymes lower activation energy of reactions.")
    gone = ingest(client, headers, "gone.txt", b"Enzymes are proteins; zymogens are inactive.")
    assert client.delete(f"/api/v1/documents/{gone['id']}", headers=headers).status_code == 204
    with psycopg.connect(settings.database_url) as conn:
        owner = conn.execute("SELECT owner_id FROM documents WHERE id = %s", (kept["id"],))
        owner_id = owner.fetchone()[0]
        stats = dict(conn.execute(
            "SELECT lexeme, df FROM term_stats WHERE owner_id = %s AND df > 0", (owner_id,)
        ).fetchall())  # fmt: skip
        actual = dict(conn.execute(
            "SELECT t.lexeme, count(*) FROM chunks c, unnest(c.tsv) t WHERE c.owner_id = %s "
            "GROUP BY t.lexeme", (owner_id,),
        ).fetchall())  # fmt: skip
    chunks = stats.pop("")
    assert stats == actual
    assert chunks == kept["chunks_total"]
    assert "zymogen" not in stats
