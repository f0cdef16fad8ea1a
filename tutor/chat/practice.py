"""Practice questions: the checked item, when its source states its key, and saved sets.

How an item is written and checked is in `tutor.chat.practice_writer`; this module holds what
the items are once written, and the SQL that saves and reads them.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from tutor.chat.hint_guard import normalise
from tutor.database import Keyset, after_params
from tutor.errors import PracticeSetNotFound

STOPWORDS = frozenset(
    "a an the of in on at to for by with and or is are was were be been it its this that as "
    "from which who what when where how why".split()
)
# Share of the key's content words its source sentence must contain.
MIN_SUPPORT = 0.75


@dataclass
class PracticeItem:
    """One checked question with its key and where the key comes from."""

    kind: str
    question: str
    options: list[str]
    answer: str
    explanation: str
    chunk_id: int | None
    document_id: UUID | None
    filename: str
    page_start: int | None
    page_end: int | None
    quote: str
    id: UUID = field(default_factory=uuid.uuid4)
    ordinal: int = 0

    def public(self) -> dict[str, Any]:
        """The item as the protocol and the HTTP API show it."""
        data = asdict(self)
        data["id"] = str(self.id)
        data["document_id"] = str(self.document_id) if self.document_id else None
        return data


def supported(answer: str, source_text: str) -> bool:
    """Whether the text states the key: the key's content words (or numbers) appear in it."""
    key, text = normalise(answer), normalise(source_text)
    if key and f" {key} " in f" {text} ":  # as whole words: "cat" is not in "category"
        return True
    words = [w for w in key.split() if w not in STOPWORDS]
    if not words:
        return False
    present = set(text.split())
    return sum(w in present for w in words) / len(words) >= MIN_SUPPORT


@dataclass
class PracticeSetRecord:
    """A saved practice set's header."""

    id: UUID
    topic: str
    requested: int
    dropped: int
    prompt_name: str
    prompt_version: int
    model_id: str
    message_id: UUID | None
    created_at: datetime
    question_count: int = 0  # items in the set now: its owner may have added or removed some


INSERT_SET = """
INSERT INTO practice_sets (id, owner_id, message_id, topic, requested, dropped,
                           prompt_name, prompt_version, model_id)
VALUES (%(id)s, %(owner_id)s, %(message_id)s, %(topic)s, %(requested)s, %(dropped)s,
        %(prompt_name)s, %(prompt_version)s, %(model_id)s)
"""
INSERT_ITEM = """
INSERT INTO practice_items (id, set_id, ordinal, kind, question, options, answer, explanation,
                            chunk_id, document_id, filename, page_start, page_end, quote)
VALUES (%(id)s, %(set_id)s, %(ordinal)s, %(kind)s, %(question)s, %(options)s, %(answer)s,
        %(explanation)s, %(chunk_id)s, %(document_id)s, %(filename)s, %(page_start)s,
        %(page_end)s, %(quote)s)
"""


async def save_set(
    conn: AsyncConnection, owner_id: UUID, header: dict[str, Any], items: list[PracticeItem]
) -> UUID:
    """Store a practice set and its items; returns the set's id."""
    set_id = uuid.uuid4()
    await conn.execute(INSERT_SET, {**header, "id": set_id, "owner_id": owner_id})
    for ordinal, item in enumerate(items):
        item.ordinal = ordinal
        row = {**asdict(item), "set_id": set_id, "options": Jsonb(item.options)}
        await conn.execute(INSERT_ITEM, row)
    return set_id


QUESTIONS = "(SELECT count(*) FROM practice_items i WHERE i.set_id = s.id)::int AS question_count"
SET_BY_ID = f"""
SELECT id, topic, requested, dropped, prompt_name, prompt_version, model_id, message_id,
       created_at, {QUESTIONS}
FROM practice_sets s WHERE id = %(id)s AND owner_id = %(owner_id)s
"""
ITEMS_OF_SET = """
SELECT kind, question, options, answer, explanation, chunk_id, document_id, filename,
       page_start, page_end, quote, id, ordinal
FROM practice_items WHERE set_id = %(id)s ORDER BY ordinal
"""
# Without a cursor the key compares as (infinity, max uuid): one statement serves every page
# and stays an index range scan even as a prepared, generic plan.
SETS_OF_OWNER = f"""
SELECT id, topic, requested, dropped, prompt_name, prompt_version, model_id, message_id,
       created_at, {QUESTIONS}
FROM practice_sets s
WHERE owner_id = %(owner_id)s
  AND (created_at, id) < (coalesce(%(after_ts)s::timestamptz, 'infinity'),
                          coalesce(%(after_id)s::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'))
ORDER BY created_at DESC, id DESC
LIMIT %(limit)s
"""


async def get_set(
    conn: AsyncConnection, owner_id: UUID, set_id: UUID
) -> tuple[PracticeSetRecord, list[PracticeItem]]:
    """One of the owner's practice sets with its items."""
    cur = conn.cursor(row_factory=class_row(PracticeSetRecord))
    await cur.execute(SET_BY_ID, {"id": set_id, "owner_id": owner_id})
    record = await cur.fetchone()
    if record is None:
        raise PracticeSetNotFound()
    items = conn.cursor(row_factory=class_row(PracticeItem))
    await items.execute(ITEMS_OF_SET, {"id": set_id})
    return record, await items.fetchall()


async def list_sets(
    conn: AsyncConnection,
    owner_id: UUID,
    *,
    limit: int,
    after: Keyset | None = None,
) -> list[PracticeSetRecord]:
    """The owner's practice sets, newest first, after the (created_at, id) of `after` if given."""
    cur = conn.cursor(row_factory=class_row(PracticeSetRecord))
    params = {"owner_id": owner_id, "limit": limit, **after_params(after)}
    await cur.execute(SETS_OF_OWNER, params)
    return await cur.fetchall()
