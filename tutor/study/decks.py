"""Decks: a student's collections of cards, each with its daily limits and an optional exam date.

Lists show each deck's cards by state and how many are due today (in the student's zone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from psycopg import AsyncConnection
from psycopg.rows import class_row

from tutor.database import Keyset, after_params
from tutor.study.errors import DeckNotFound


@dataclass
class Deck:
    """A deck with its cards counted: by state, and due before the end of the local day."""

    id: UUID
    name: str
    description: str
    new_per_day: int
    reviews_per_day: int
    exam_date: date | None
    created_at: datetime
    updated_at: datetime
    new_count: int
    learning_count: int
    review_count: int
    due_today: int


# Counted per deck through its (deck_id, due_at) index.
_COUNTED = """
SELECT d.id, d.name, d.description, d.new_per_day, d.reviews_per_day, d.exam_date,
       d.created_at, d.updated_at, k.new_count, k.learning_count, k.review_count, k.due_today
FROM decks d CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE state = 'new')::int AS new_count,
           count(*) FILTER (WHERE state IN ('learning', 'relearning'))::int AS learning_count,
           count(*) FILTER (WHERE state = 'review')::int AS review_count,
           count(*) FILTER (WHERE state <> 'new' AND due_at < %(day_end)s)::int AS due_today
    FROM cards WHERE deck_id = d.id
) k
"""
LIST_DECKS = (
    _COUNTED
    + """
WHERE d.user_id = %(user_id)s
  AND (%(after_ts)s::timestamptz IS NULL
       OR (d.created_at, d.id) < (%(after_ts)s::timestamptz, %(after_id)s::uuid))
ORDER BY d.created_at DESC, d.id DESC
LIMIT %(limit)s
"""
)
GET_DECK = _COUNTED + "WHERE d.id = %(id)s AND d.user_id = %(user_id)s"


async def list_decks(
    conn: AsyncConnection, user_id: UUID, day_end: datetime, *, limit: int, after: Keyset | None
) -> list[Deck]:
    """The user's decks, newest first, counted as of the local day ending at `day_end`."""
    params = {"user_id": user_id, "day_end": day_end, "limit": limit, **after_params(after)}
    cur = conn.cursor(row_factory=class_row(Deck))
    await cur.execute(LIST_DECKS, params)
    return await cur.fetchall()


async def get_deck(conn: AsyncConnection, user_id: UUID, deck_id: UUID, day_end: datetime) -> Deck:
    """One of the user's decks, counted; raises DeckNotFound."""
    cur = conn.cursor(row_factory=class_row(Deck))
    await cur.execute(GET_DECK, {"id": deck_id, "user_id": user_id, "day_end": day_end})
    deck = await cur.fetchone()
    if deck is None:
        raise DeckNotFound()
    return deck


INSERT_DECK = """
INSERT INTO decks (id, user_id, name, description, new_per_day, reviews_per_day, exam_date)
VALUES (%(id)s, %(user_id)s, %(name)s, %(description)s, %(new_per_day)s, %(reviews_per_day)s,
        %(exam_date)s)
RETURNING id
"""
DECK_DEFAULTS: dict[str, Any] = {
    "description": "",
    "new_per_day": 20,
    "reviews_per_day": 200,
    "exam_date": None,
}


async def create_deck(
    conn: AsyncConnection, user_id: UUID, name: str, day_end: datetime, **settings: Any
) -> Deck:
    """A new deck; `settings` are description, new_per_day, reviews_per_day, exam_date."""
    params = {**DECK_DEFAULTS, **settings, "id": uuid4(), "user_id": user_id, "name": name}
    await conn.execute(INSERT_DECK, params)
    return await get_deck(conn, user_id, params["id"], day_end)


# exam_date may be cleared, so "not given" is a flag rather than a null.
UPDATE_DECK = """
UPDATE decks SET
    name = coalesce(%(name)s, name),
    description = coalesce(%(description)s, description),
    new_per_day = coalesce(%(new_per_day)s, new_per_day),
    reviews_per_day = coalesce(%(reviews_per_day)s, reviews_per_day),
    exam_date = CASE WHEN %(set_exam_date)s THEN %(exam_date)s::date ELSE exam_date END,
    updated_at = now()
WHERE id = %(id)s AND user_id = %(user_id)s
RETURNING id
"""


async def update_deck(
    conn: AsyncConnection, user_id: UUID, deck_id: UUID, day_end: datetime, **changes: Any
) -> Deck:
    """Change the given settings (absent keys are kept; exam_date=None clears the exam)."""
    params = {
        "name": None,
        "description": None,
        "new_per_day": None,
        "reviews_per_day": None,
        **changes,
        "set_exam_date": "exam_date" in changes,
        "exam_date": changes.get("exam_date"),
        "id": deck_id,
        "user_id": user_id,
    }
    cur = await conn.execute(UPDATE_DECK, params)
    if await cur.fetchone() is None:
        raise DeckNotFound()
    return await get_deck(conn, user_id, deck_id, day_end)


DELETE_DECK = "DELETE FROM decks WHERE id = %(id)s AND user_id = %(user_id)s RETURNING id"


async def delete_deck(conn: AsyncConnection, user_id: UUID, deck_id: UUID) -> None:
    """Delete a deck with its notes, cards and their review log; raises DeckNotFound."""
    cur = await conn.execute(DELETE_DECK, {"id": deck_id, "user_id": user_id})
    if await cur.fetchone() is None:
        raise DeckNotFound()
