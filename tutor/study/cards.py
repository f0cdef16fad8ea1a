"""Notes and the cards they make: one for a basic note, two for a reversed one (front to back and
back to front), one per deletion number for a cloze note.

A note may carry its source: the passage of the student's own documents it came from, kept as a
snapshot (filename, pages, quote and the quote's SHA-256) so that a changed or deleted document
flags the note instead of silently changing it. Editing a note adds and removes cards to match
its new text; the cards that stay keep their review history.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, cast
from uuid import UUID, uuid4

from psycopg import AsyncConnection
from psycopg.rows import class_row

from tutor.database import Keyset, after_params
from tutor.study import cloze
from tutor.study.errors import (
    CardNotFound,
    ClozeWithoutDeletions,
    DeckNotFound,
    NoteNotFound,
    SourceNotFound,
)
from tutor.study.scheduling import CardState, Memory

NoteKind = Literal["basic", "reversed", "cloze"]


@dataclass(frozen=True, slots=True)
class Source:
    """Where a note comes from; a chunk id fills in its document, filename and pages."""

    document_id: UUID | None = None
    chunk_id: int | None = None
    filename: str | None = None
    page_start: int | None = None
    page_end: int | None = None
    quote: str | None = None


@dataclass
class Note:
    """What the student wrote (or accepted), with its source and why it may be stale."""

    id: UUID
    deck_id: UUID
    kind: str
    front: str
    back: str
    document_id: UUID | None
    chunk_id: int | None
    filename: str | None
    page_start: int | None
    page_end: int | None
    quote: str | None
    quote_sha256: str | None
    stale_reason: str | None
    stale_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass
class Card:
    """One schedulable card with its note's text: what a review shows."""

    id: UUID
    note_id: UUID
    deck_id: UUID
    ordinal: int
    state: str
    step: int | None
    stability: float | None
    difficulty: float | None
    due_at: datetime
    last_review_at: datetime | None
    reps: int
    lapses: int
    kind: str
    front: str
    back: str
    document_id: UUID | None
    filename: str | None
    page_start: int | None
    page_end: int | None
    quote: str | None
    stale_reason: str | None

    @property
    def memory(self) -> Memory:
        """Its scheduling state."""
        return Memory(
            cast(CardState, self.state),
            self.step,
            self.stability,
            self.difficulty,
            self.due_at,
            self.last_review_at,
        )

    @property
    def question(self) -> str:
        """The side shown first."""
        return question_of(self.kind, self.ordinal, self.front, self.back)

    @property
    def answer(self) -> str:
        """The side revealed."""
        return answer_of(self.kind, self.ordinal, self.front, self.back)


def ordinals(kind: str, front: str) -> list[int]:
    """The cards a note of `kind` makes: 0 (front), 1 (reversed back) or its cloze numbers."""
    if kind == "basic":
        return [0]
    if kind == "reversed":
        return [0, 1]
    numbers = cloze.deletions(front)
    if not numbers:
        raise ClozeWithoutDeletions()
    return numbers


def question_of(kind: str, ordinal: int, front: str, back: str) -> str:
    """The question side of a note's card `ordinal`."""
    if kind == "cloze":
        return cloze.render_question(front, ordinal)
    return back if ordinal == 1 else front


def answer_of(kind: str, ordinal: int, front: str, back: str) -> str:
    """The answer side; a cloze note's back is an extra shown under the revealed text."""
    if kind == "cloze":
        revealed = cloze.render_answer(front)
        return f"{revealed}\n\n{back}" if back else revealed
    return front if ordinal == 1 else back


def quote_hash(quote: str | None) -> str | None:
    """The SHA-256 of a quote's text, which re-ingestion compares to spot a changed source."""
    return hashlib.sha256(quote.encode()).hexdigest() if quote is not None else None


CHUNK_SOURCE = """
SELECT c.document_id, d.filename, c.page_start, c.page_end
FROM chunks c JOIN documents d ON d.id = c.document_id
WHERE c.id = %(chunk_id)s AND c.owner_id = %(user_id)s
"""
DOCUMENT_SOURCE = """
SELECT filename FROM documents WHERE id = %(document_id)s AND owner_id = %(user_id)s
"""


async def checked_source(conn: AsyncConnection, user_id: UUID, source: Source) -> Source:
    """`source` with its chunk's document, filename and pages; SourceNotFound when the chunk
    or document is not the user's."""
    if source.chunk_id is not None:
        cur = await conn.execute(CHUNK_SOURCE, {"chunk_id": source.chunk_id, "user_id": user_id})
        found = await cur.fetchone()
        if found is None:
            raise SourceNotFound()
        document_id, filename, page_start, page_end = found
        return Source(document_id, source.chunk_id, filename, page_start, page_end, source.quote)
    if source.document_id is not None:
        cur = await conn.execute(
            DOCUMENT_SOURCE, {"document_id": source.document_id, "user_id": user_id}
        )
        found = await cur.fetchone()
        if found is None:
            raise SourceNotFound()
        return Source(
            source.document_id, None, found[0], source.page_start, source.page_end, source.quote
        )
    return source


OWN_DECK = "SELECT id FROM decks WHERE id = %(deck_id)s AND user_id = %(user_id)s"
INSERT_NOTE = """
INSERT INTO card_notes (id, user_id, deck_id, kind, front, back, document_id, chunk_id, filename,
                        page_start, page_end, quote, quote_sha256)
VALUES (%(id)s, %(user_id)s, %(deck_id)s, %(kind)s, %(front)s, %(back)s, %(document_id)s,
        %(chunk_id)s, %(filename)s, %(page_start)s, %(page_end)s, %(quote)s, %(quote_sha256)s)
RETURNING id, deck_id, kind, front, back, document_id, chunk_id, filename, page_start, page_end,
          quote, quote_sha256, stale_reason, stale_at, created_at, updated_at
"""
# A note's cards are introduced in their ordinal's order (the new-card queue sorts by creation).
INSERT_CARDS = """
INSERT INTO cards (id, note_id, user_id, deck_id, ordinal, created_at)
SELECT gen_random_uuid(), %(note_id)s, %(user_id)s, %(deck_id)s, o,
       now() + o * interval '1 microsecond'
FROM unnest(%(ordinals)s::int[]) AS o
ON CONFLICT (note_id, ordinal) DO NOTHING
"""


async def check_deck(conn: AsyncConnection, user_id: UUID, deck_id: UUID) -> None:
    """Raise DeckNotFound unless the deck is the user's."""
    cur = await conn.execute(OWN_DECK, {"deck_id": deck_id, "user_id": user_id})
    if await cur.fetchone() is None:
        raise DeckNotFound()


async def create_note(
    conn: AsyncConnection,
    user_id: UUID,
    deck_id: UUID,
    kind: NoteKind,
    front: str,
    back: str,
    source: Source | None = None,
) -> Note:
    """A note in the user's deck, with its cards; raises DeckNotFound, SourceNotFound and
    ClozeWithoutDeletions."""
    card_ordinals = ordinals(kind, front)
    await check_deck(conn, user_id, deck_id)
    checked = await checked_source(conn, user_id, source or Source())
    params = {
        "id": uuid4(),
        "user_id": user_id,
        "deck_id": deck_id,
        "kind": kind,
        "front": front,
        "back": back,
        **_source_params(checked),
    }
    cur = conn.cursor(row_factory=class_row(Note))
    await cur.execute(INSERT_NOTE, params)
    note = await cur.fetchone()
    assert note is not None
    await _insert_cards(conn, user_id, note, card_ordinals)
    return note


def _source_params(source: Source) -> dict[str, object]:
    return {
        "document_id": source.document_id,
        "chunk_id": source.chunk_id,
        "filename": source.filename,
        "page_start": source.page_start,
        "page_end": source.page_end,
        "quote": source.quote,
        "quote_sha256": quote_hash(source.quote),
    }


async def _insert_cards(
    conn: AsyncConnection, user_id: UUID, note: Note, card_ordinals: list[int]
) -> None:
    params = {
        "note_id": note.id,
        "user_id": user_id,
        "deck_id": note.deck_id,
        "ordinals": card_ordinals,
    }
    await conn.execute(INSERT_CARDS, params)


GET_NOTE = """
SELECT id, deck_id, kind, front, back, document_id, chunk_id, filename, page_start,
    page_end, quote, quote_sha256, stale_reason, stale_at, created_at, updated_at
FROM card_notes WHERE id = %(id)s AND user_id = %(user_id)s
"""
LIST_NOTES = """
SELECT id, deck_id, kind, front, back, document_id, chunk_id, filename, page_start,
    page_end, quote, quote_sha256, stale_reason, stale_at, created_at, updated_at
FROM card_notes
WHERE deck_id = %(deck_id)s AND user_id = %(user_id)s
  AND (%(after_ts)s::timestamptz IS NULL
       OR (created_at, id) < (%(after_ts)s::timestamptz, %(after_id)s::uuid))
ORDER BY created_at DESC, id DESC
LIMIT %(limit)s
"""


async def get_note(conn: AsyncConnection, user_id: UUID, note_id: UUID) -> Note:
    """One of the user's notes; raises NoteNotFound."""
    cur = conn.cursor(row_factory=class_row(Note))
    await cur.execute(GET_NOTE, {"id": note_id, "user_id": user_id})
    note = await cur.fetchone()
    if note is None:
        raise NoteNotFound()
    return note


async def list_notes(
    conn: AsyncConnection, user_id: UUID, deck_id: UUID, *, limit: int, after: Keyset | None
) -> list[Note]:
    """A deck's notes, newest first; raises DeckNotFound."""
    await check_deck(conn, user_id, deck_id)
    params = {"deck_id": deck_id, "user_id": user_id, "limit": limit, **after_params(after)}
    cur = conn.cursor(row_factory=class_row(Note))
    await cur.execute(LIST_NOTES, params)
    return await cur.fetchall()


UPDATE_NOTE = """
UPDATE card_notes SET front = %(front)s, back = %(back)s, kind = %(kind)s, updated_at = now(),
    stale_reason = CASE WHEN %(clear_stale)s THEN NULL ELSE stale_reason END,
    stale_at = CASE WHEN %(clear_stale)s THEN NULL ELSE stale_at END
WHERE id = %(id)s AND user_id = %(user_id)s
RETURNING id, deck_id, kind, front, back, document_id, chunk_id, filename, page_start,
    page_end, quote, quote_sha256, stale_reason, stale_at, created_at, updated_at
"""
DROP_CARDS = """
DELETE FROM cards WHERE note_id = %(note_id)s AND NOT (ordinal = ANY(%(ordinals)s::int[]))
"""


async def update_note(
    conn: AsyncConnection,
    user_id: UUID,
    note_id: UUID,
    *,
    front: str | None = None,
    back: str | None = None,
    kind: NoteKind | None = None,
    clear_stale: bool = False,
) -> Note:
    """Change a note's text (None keeps a field) and match its cards to it: cards whose
    ordinal the note no longer makes are deleted, new ones added, the rest keep their history."""
    current = await get_note(conn, user_id, note_id)
    new_front = current.front if front is None else front
    new_kind = kind or current.kind
    card_ordinals = ordinals(new_kind, new_front)
    params = {
        "id": note_id,
        "user_id": user_id,
        "front": new_front,
        "back": current.back if back is None else back,
        "kind": new_kind,
        "clear_stale": clear_stale,
    }
    cur = conn.cursor(row_factory=class_row(Note))
    await cur.execute(UPDATE_NOTE, params)
    note = await cur.fetchone()
    assert note is not None
    await conn.execute(DROP_CARDS, {"note_id": note_id, "ordinals": card_ordinals})
    await _insert_cards(conn, user_id, note, card_ordinals)
    return note


DELETE_NOTE = "DELETE FROM card_notes WHERE id = %(id)s AND user_id = %(user_id)s RETURNING id"


async def delete_note(conn: AsyncConnection, user_id: UUID, note_id: UUID) -> None:
    """Delete a note with its cards and their review log; raises NoteNotFound."""
    cur = await conn.execute(DELETE_NOTE, {"id": note_id, "user_id": user_id})
    if await cur.fetchone() is None:
        raise NoteNotFound()


GET_CARD = """
SELECT c.id, c.note_id, c.deck_id, c.ordinal, c.state, c.step, c.stability,
    c.difficulty, c.due_at, c.last_review_at, c.reps, c.lapses, n.kind, n.front, n.back,
    n.document_id, n.filename, n.page_start, n.page_end, n.quote, n.stale_reason
FROM cards c JOIN card_notes n ON n.id = c.note_id
WHERE c.id = %(id)s AND c.user_id = %(user_id)s
"""
NOTES_CARDS = """
SELECT c.id, c.note_id, c.deck_id, c.ordinal, c.state, c.step, c.stability,
    c.difficulty, c.due_at, c.last_review_at, c.reps, c.lapses, n.kind, n.front, n.back,
    n.document_id, n.filename, n.page_start, n.page_end, n.quote, n.stale_reason
FROM cards c JOIN card_notes n ON n.id = c.note_id
WHERE c.note_id = ANY(%(note_ids)s::uuid[]) AND c.user_id = %(user_id)s
ORDER BY c.note_id, c.ordinal
"""


async def get_card(conn: AsyncConnection, user_id: UUID, card_id: UUID) -> Card:
    """One of the user's cards with its note's text; raises CardNotFound."""
    cur = conn.cursor(row_factory=class_row(Card))
    await cur.execute(GET_CARD, {"id": card_id, "user_id": user_id})
    card = await cur.fetchone()
    if card is None:
        raise CardNotFound()
    return card


async def cards_of_notes(conn: AsyncConnection, user_id: UUID, note_ids: list[UUID]) -> list[Card]:
    """The cards of the user's notes `note_ids`, by note and ordinal."""
    cur = conn.cursor(row_factory=class_row(Card))
    await cur.execute(NOTES_CARDS, {"note_ids": note_ids, "user_id": user_id})
    return await cur.fetchall()
