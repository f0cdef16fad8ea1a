"""Where a card came from, and whether that passage still says it after its document changes.

A note keeps its source as a snapshot: the document, the chunk, the pages and the quote (with
the SHA-256 of its whitespace-normalised text). Deleting the document flags the note through
a trigger (migration 012). When a document finishes ingesting again, each note sourced from it
looks for its quote in the new chunks: found, the note points at the chunk that now holds it;
gone, the note is flagged `quote_changed` so the student can check the card.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import class_row


def normalised(text: str) -> str:
    """The text with every run of whitespace made one space, as quotes are compared."""
    return " ".join(text.split())


def quote_sha256(quote: str) -> str:
    """The hash a quote is recognised by, blind to line breaks and spacing."""
    return hashlib.sha256(normalised(quote).encode()).hexdigest()


@dataclass
class SourcedNote:
    """A note's source as stored, for the check against new chunks."""

    id: UUID
    quote: str
    quote_sha256: str | None
    stale_reason: str | None


@dataclass
class ChunkText:
    """A chunk of the re-ingested document."""

    id: int
    text: str
    page_start: int | None
    page_end: int | None


@dataclass
class SourceCheck:
    """What a document's new chunks did to the notes sourced from it."""

    repointed: int = 0
    stale: int = 0


NOTES_OF_DOCUMENT = """
SELECT id, quote, quote_sha256, stale_reason FROM card_notes
WHERE document_id = %(document_id)s AND quote IS NOT NULL
FOR UPDATE
"""
CHUNKS_OF_DOCUMENT = """
SELECT id, text, page_start, page_end FROM chunks
WHERE document_id = %(document_id)s ORDER BY ordinal
"""
REPOINT = """
UPDATE card_notes SET chunk_id = %(chunk_id)s, page_start = %(page_start)s,
       page_end = %(page_end)s, stale_reason = NULL, stale_at = NULL, updated_at = now()
WHERE id = %(id)s
"""
FLAG_CHANGED = """
UPDATE card_notes SET stale_reason = 'quote_changed', stale_at = now(), updated_at = now()
WHERE id = %(id)s AND stale_reason IS DISTINCT FROM 'quote_changed'
"""


def matches_hash(quote: str, sha256: str | None) -> bool:
    """Whether the quote is the text its hash was taken of (as written, or normalised)."""
    raw = hashlib.sha256(quote.encode()).hexdigest()
    return sha256 is None or sha256 in (raw, quote_sha256(quote))


def holding_chunk(note: SourcedNote, chunks: list[ChunkText]) -> ChunkText | None:
    """The first chunk whose text holds the note's quote; None when no chunk does, or when the
    quote no longer matches the hash it was saved with."""
    wanted = normalised(note.quote)
    if not wanted or not matches_hash(note.quote, note.quote_sha256):
        return None
    return next((c for c in chunks if wanted in normalised(c.text)), None)


async def recheck_document(conn: AsyncConnection, document_id: UUID) -> SourceCheck:
    """Re-point or flag every note sourced from the document against its current chunks."""
    notes = conn.cursor(row_factory=class_row(SourcedNote))
    await notes.execute(NOTES_OF_DOCUMENT, {"document_id": document_id})
    sourced = await notes.fetchall()
    if not sourced:
        return SourceCheck()
    chunks = conn.cursor(row_factory=class_row(ChunkText))
    await chunks.execute(CHUNKS_OF_DOCUMENT, {"document_id": document_id})
    texts = await chunks.fetchall()
    check = SourceCheck()
    for note in sourced:
        found = holding_chunk(note, texts)
        if found is None:
            await conn.execute(FLAG_CHANGED, {"id": note.id})
            check.stale += 1
            continue
        where = {"chunk_id": found.id, "page_start": found.page_start, "page_end": found.page_end}
        await conn.execute(REPOINT, {"id": note.id, **where})
        check.repointed += 1
    return check
