"""A practice question the student got wrong, kept as a flashcard in one click.

The card's front is the question, its back the key (with the explanation), its source the
item's passage and quote. One card per item per deck: asking again returns the first note.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from psycopg import AsyncConnection, Rollback
from psycopg.rows import class_row

from tutor.study import cards
from tutor.study.errors import PracticeItemNotFound


@dataclass
class ItemForCard:
    """The parts of a practice item a card needs."""

    question: str
    answer: str
    explanation: str
    document_id: UUID | None
    chunk_id: int | None
    filename: str
    page_start: int | None
    page_end: int | None
    quote: str


ITEM_OF_OWNER = """
SELECT i.question, i.answer, i.explanation, i.document_id, i.chunk_id, i.filename,
       i.page_start, i.page_end, i.quote
FROM practice_items i JOIN practice_sets s ON s.id = i.set_id
WHERE i.id = %(item_id)s AND s.owner_id = %(user_id)s
"""
EXISTING = """
SELECT note_id FROM practice_item_cards WHERE item_id = %(item_id)s AND deck_id = %(deck_id)s
"""
CLAIM = """
INSERT INTO practice_item_cards (item_id, deck_id, note_id)
VALUES (%(item_id)s, %(deck_id)s, %(note_id)s)
ON CONFLICT (item_id, deck_id) DO NOTHING
RETURNING note_id
"""


def card_back(item: ItemForCard) -> str:
    """The key, then the explanation when there is one."""
    explanation = item.explanation.strip()
    return f"{item.answer}\n\n{explanation}" if explanation else item.answer


def item_source(item: ItemForCard) -> cards.Source:
    """The item's passage; a chunk deleted since keeps the document and quote."""
    return cards.Source(
        document_id=item.document_id,
        chunk_id=item.chunk_id,
        filename=item.filename,
        page_start=item.page_start,
        page_end=item.page_end,
        quote=item.quote or None,
    )


async def _item(conn: AsyncConnection, user_id: UUID, item_id: UUID) -> ItemForCard:
    cur = conn.cursor(row_factory=class_row(ItemForCard))
    await cur.execute(ITEM_OF_OWNER, {"item_id": item_id, "user_id": user_id})
    item = await cur.fetchone()
    if item is None:
        raise PracticeItemNotFound()
    return item


async def _existing(conn: AsyncConnection, item_id: UUID, deck_id: UUID) -> UUID | None:
    cur = await conn.execute(EXISTING, {"item_id": item_id, "deck_id": deck_id})
    row = await cur.fetchone()
    return row[0] if row else None


async def card_from_item(
    conn: AsyncConnection, user_id: UUID, item_id: UUID, deck_id: UUID
) -> tuple[cards.Note, bool]:
    """The item's note in the deck, made now or found from before; returns it and whether it
    is new. Two concurrent requests make one note: the loser's is rolled back."""
    item = await _item(conn, user_id, item_id)
    await cards.check_deck(conn, user_id, deck_id)
    found = await _existing(conn, item_id, deck_id)
    if found is not None:
        return await cards.get_note(conn, user_id, found), False
    async with conn.transaction() as attempt:
        note = await cards.create_note(
            conn, user_id, deck_id, "basic", item.question, card_back(item), item_source(item)
        )
        params = {"item_id": item_id, "deck_id": deck_id, "note_id": note.id}
        claimed = await (await conn.execute(CLAIM, params)).fetchone()
        if claimed is None:
            raise Rollback(attempt)  # another request made it first: keep theirs
        return note, True
    winner = await _existing(conn, item_id, deck_id)
    assert winner is not None
    return await cards.get_note(conn, user_id, winner), False
