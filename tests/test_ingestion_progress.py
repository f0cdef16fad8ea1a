"""Document ingestion progress as clients see it, and upload filename cleaning (no I/O)."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from ingestion.documents import Document
from ingestion.uploads import clean_filename
from tutor.errors import InvalidInput


def _document(
    status="processing",
    pages_total=None,
    pages_done=0,
    chunks_total=None,
    chunks_done=0,
    chunks_seen=0,
) -> Document:
    now = datetime.now(UTC)
    return Document(
        uuid4(),
        uuid4(),
        "f.pdf",
        None,
        "0" * 64,
        1,
        status,
        pages_total,
        pages_done,
        chunks_total,
        chunks_done,
        chunks_seen,
        False,
        None,
        None,
        now,
        now,
        None,
    )


def test_ready_is_complete():
    assert _document(status="ready").progress == 1.0


def test_parsing_counts_for_a_fifth():
    assert _document(pages_total=10, pages_done=10, chunks_total=50).progress == pytest.approx(0.2)


def test_total_is_extrapolated_while_parsing_and_embedding_overlap():
    # Half the pages gave 40 chunks, so about 80 in all; 20 are embedded.
    doc = _document(pages_total=10, pages_done=5, chunks_seen=40, chunks_done=20)
    assert doc.progress == pytest.approx(0.2 * 0.5 + 0.8 * 20 / 80)


def test_documents_without_pages_use_chunks_only():
    assert _document(chunks_total=10, chunks_done=5).progress == pytest.approx(0.5)


def test_filenames_lose_paths_and_control_characters():
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename("C:\\notes\\week1.pdf") == "week1.pdf"
    assert clean_filename("a\x00b\n.txt") == "ab.txt"
    with pytest.raises(InvalidInput):
        clean_filename("  ")
