import pytest

from ingestion.chunking import Chunker
from ingestion.extraction import Section


@pytest.fixture(scope="module")
def chunker(embedder):
    return Chunker(embedder.tokenizer, chunk_tokens=64, overlap_tokens=8)


def _sentences(n: int, topic: str) -> str:
    return " ".join(f"Sentence {i} explains one more fact about {topic}." for i in range(n))


def test_chunks_respect_the_token_budget(chunker):
    chunks = chunker.chunk([Section(_sentences(80, "cells"))])
    assert len(chunks) > 3
    assert all(c.token_count <= 64 for c in chunks)
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_pages_are_tracked_across_a_page_break(chunker):
    pages = [Section(_sentences(2, f"page {n}"), ("Chapter 1",), n, n) for n in (1, 2, 3, 4)]
    chunks = chunker.chunk(pages)
    assert chunks[0].page_start == 1
    assert chunks[-1].page_end == 4
    assert any(c.page_start != c.page_end for c in chunks), "some chunk should span a break"
    assert all(c.heading_path == ("Chapter 1",) for c in chunks)


def test_a_new_heading_starts_a_new_chunk(chunker):
    sections = [Section("Short intro.", ("A",)), Section("Another short part.", ("B",))]
    chunks = chunker.chunk(sections)
    assert [c.heading_path for c in chunks] == [("A",), ("B",)]
    assert chunks[1].embedding_text().startswith("B\n")


def test_chunking_is_deterministic(chunker):
    sections = [Section(_sentences(50, "determinism"), ("X",), 1, 1)]
    assert chunker.chunk(sections) == chunker.chunk(sections)
