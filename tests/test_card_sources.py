"""Stale cards: a note whose document is deleted, or re-ingested without its quote, is flagged;
one whose quote is still there points at the chunk that now holds it. Through the real API and
the real worker."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from ingestion import chunk_store, documents, queue
from tests.conftest import ingest, register, wait_terminal
from tutor.resources import open_pool, open_redis
from tutor.settings import Settings
from tutor.study.card_sources import ChunkText, SourcedNote, holding_chunk, quote_sha256

KEPT = "Mitochondria produce most of the cell's supply of adenosine triphosphate."
CHANGED = "Ribosomes read messenger RNA and assemble amino acids into proteins."
EDITED = "Ribosomes read messenger RNA and link amino acids into chains of protein."
VERSION_1 = f"# Cell biology\n\n{KEPT} The nucleus holds the genome.\n\n{CHANGED}\n".encode()
VERSION_2 = f"# Cell biology\n\n{KEPT} The nucleus holds the genome.\n\n{EDITED}\n".encode()

words = st.lists(st.text("abcdefghij", min_size=1, max_size=8), min_size=1, max_size=12)
spacing = st.lists(st.sampled_from([" ", "  ", "\n", "\t ", " \n "]), min_size=12, max_size=12)


@given(words, spacing)
def test_a_quote_is_found_however_the_new_text_breaks_its_lines(
    parts: list[str], gaps: list[str]
) -> None:
    quote = " ".join(parts)
    reflowed = "".join(word + gap for word, gap in zip(parts, gaps, strict=False))
    note = SourcedNote(UUID(int=1), quote, quote_sha256(quote), None)
    chunks = [ChunkText(1, "intro only", 1, 1), ChunkText(2, f"before {reflowed} after", 2, 3)]
    found = holding_chunk(note, chunks)
    assert found is not None and found.id == 2
    assert quote_sha256(reflowed) == quote_sha256(quote)


def test_a_quote_missing_or_not_matching_its_hash_is_not_found() -> None:
    chunks = [ChunkText(1, f"{KEPT} More text.", 1, 1)]
    assert holding_chunk(SourcedNote(UUID(int=1), CHANGED, None, None), chunks) is None
    tampered = SourcedNote(UUID(int=2), KEPT, quote_sha256(CHANGED), None)
    assert holding_chunk(tampered, chunks) is None


def chunk_of(client: TestClient, headers: dict[str, str], text: str) -> int:
    hits = client.get("/api/v1/search", headers=headers, params={"q": text}).json()["items"]
    return int(
        next(h for h in hits if " ".join(text.split()) in " ".join(h["text"].split()))["chunk_id"]
    )


def sourced_note(
    client: TestClient, headers: dict[str, str], deck: str, quote: str, chunk_id: int
) -> dict[str, Any]:
    body = {
        "kind": "basic",
        "front": f"What does this say? {quote[:20]}",
        "back": "It says so.",
        "source": {"chunk_id": chunk_id, "quote": quote},
    }
    response = client.post(f"/api/v1/decks/{deck}/notes", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def note(client: TestClient, headers: dict[str, str], note_id: str) -> dict[str, Any]:
    return dict(client.get(f"/api/v1/notes/{note_id}", headers=headers).json())


def reingest(settings: Settings, document_id: str, content: bytes) -> None:
    """A new version of the document's file through the pipeline again: its chunks dropped, the
    document queued, the worker told (what a replace-the-file upload will do)."""

    async def run() -> None:
        pool = await open_pool(settings, max_size=1)
        async with pool, pool.connection() as conn:
            await conn.execute(
                "UPDATE document_files SET content = %(content)s WHERE document_id = %(id)s",
                {"content": content, "id": UUID(document_id)},
            )
            await chunk_store.drop_chunks_from(conn, UUID(document_id), 0)
            await documents.requeue_document(conn, UUID(document_id), None)
        redis = open_redis(settings)
        try:
            await queue.enqueue(redis, UUID(document_id))
        finally:
            await redis.aclose()

    asyncio.run(run())


def test_reingested_document_repoints_found_quotes_and_flags_changed_ones(
    client: TestClient, settings: Settings
) -> None:
    headers = register(client)
    document = ingest(client, headers, "cells.md", VERSION_1)
    deck = client.post("/api/v1/decks", headers=headers, json={"name": "Cells"}).json()["id"]
    kept = sourced_note(client, headers, deck, KEPT, chunk_of(client, headers, KEPT))
    changed = sourced_note(client, headers, deck, CHANGED, chunk_of(client, headers, CHANGED))
    assert kept["stale_reason"] is None and kept["chunk_id"] is not None

    reingest(settings, document["id"], VERSION_2)
    assert wait_terminal(client, headers, document["id"])["status"] == "ready"

    after_kept, after_changed = (
        note(client, headers, kept["id"]),
        note(client, headers, changed["id"]),
    )
    assert after_kept["stale_reason"] is None
    assert after_kept["chunk_id"] == chunk_of(client, headers, KEPT) != kept["chunk_id"]
    assert after_changed["stale_reason"] == "quote_changed"
    assert after_changed["stale_at"] is not None
    cards = client.get(f"/api/v1/decks/{deck}/notes", headers=headers).json()["items"]
    assert {n["id"]: n["stale_reason"] for n in cards} == {
        kept["id"]: None,
        changed["id"]: "quote_changed",
    }


def test_deleting_the_document_flags_its_cards(client: TestClient) -> None:
    headers = register(client)
    document = ingest(client, headers, "cells-2.md", VERSION_1 + b"\nA second copy.\n")
    deck = client.post("/api/v1/decks", headers=headers, json={"name": "Cells"}).json()["id"]
    made = sourced_note(client, headers, deck, KEPT, chunk_of(client, headers, KEPT))
    deleted = client.delete(f"/api/v1/documents/{document['id']}", headers=headers)
    assert deleted.status_code == 204
    flagged = note(client, headers, made["id"])
    assert flagged["stale_reason"] == "document_deleted"
    assert flagged["quote"] == KEPT and flagged["filename"] == "cells-2.md"
