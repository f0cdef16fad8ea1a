import pytest

from ingestion.chunking import Chunker, RunTokens
from ingestion.detection import FileType
from ingestion.extraction import ExtractionReport, ExtractOptions, Section, iter_sections
from tests.conftest import shared_file


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


def test_every_chunk_lies_on_the_pages_it_names(embedder):
    # Overlapping chunks across page breaks: the pages a chunk cites must hold its text.
    chunker = Chunker(embedder.tokenizer, chunk_tokens=64, overlap_tokens=30)
    pages = [Section(_sentences(12, f"topic {n}"), ("Ch",), n, n) for n in range(1, 7)]
    by_page = {section.page_start: section.text for section in pages}
    chunks = chunker.chunk(pages)
    assert len(chunks) > 6
    for chunk in chunks:
        assert chunk.page_start is not None and chunk.page_end is not None
        span = "\n".join(by_page[p] for p in range(chunk.page_start, chunk.page_end + 1))
        assert chunk.text in span, (chunk.ordinal, chunk.page_start, chunk.page_end)


def test_token_counts_match_tokenising_each_piece(embedder):
    text = "Naïve café owners\u00a0tokenize 3.14-sized pieces; déjà vu!\nNext line\x1fglued here."
    tokens = RunTokens(embedder.tokenizer, text)

    def direct(piece: str) -> int:
        return len(embedder.tokenizer(piece, add_special_tokens=False)["input_ids"])

    # Whole words, a word cut in two (counted on its own), and text around the control char.
    pieces = [
        "Naïve café ",
        "owners\u00a0tokenize ",
        "3.14-sized pieces; ",
        "tokenize 3.1",
        "okenize",
        "Next line\x1fglued",
        "line\x1fglu",
        "déjà vu!\n",
    ]
    for piece in pieces:
        assert tokens.count(piece) == direct(piece), piece


def test_chunks_carry_the_token_ids_of_their_embedding_text(embedder):
    # The encoder takes these instead of tokenising the text again, so they must be exact:
    # a real document, headings and page breaks included.
    data = shared_file("documents/educational/R-intro.pdf").read_bytes()
    sections = iter_sections(data, FileType.PDF, ExtractOptions(), ExtractionReport())
    chunks = Chunker(embedder.tokenizer, 200, 30).chunk(sections)
    assert len(chunks) > 400 and any(c.heading_path for c in chunks)
    texts = [c.embedding_text() for c in chunks]
    expected = embedder.tokenizer(texts, add_special_tokens=False)["input_ids"]
    assert [c.embedding_ids for c in chunks] == [tuple(ids) for ids in expected]
    assert all(c.token_count <= 200 for c in chunks)
