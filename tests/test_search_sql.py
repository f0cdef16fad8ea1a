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
