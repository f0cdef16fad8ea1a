"""The set editor's changes to a practice set: edit a question, add one by hand, remove one,
put them in a new order; and every question's problems as the checks see them now.

Only the set's owner changes it, each change under a lock on the set's row, so edits, the
generation job appending questions and a reorder never interleave. A published assignment is
a copy (`tutor.classes.assignments`): what students answered does not change with the set.
"""

from __future__ import annotations

from dataclasses import asdict
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import class_row, dict_row
from psycopg.types.json import Jsonb

from tutor.chat.practice import PracticeItem
from tutor.errors import PracticeSetNotFound
from tutor.practice.errors import ItemInvalid, PracticeItemNotFound, SetChanged
from tutor.practice.item_checks import ItemProblem, ItemText, blocking, item_problems

LOCK_SET = """
SELECT 1 FROM practice_sets WHERE id = %(set_id)s AND owner_id = %(owner_id)s FOR UPDATE
"""
ITEM_COLUMNS = """
kind, question, options, answer, explanation, chunk_id, document_id, filename, page_start,
page_end, quote, id, ordinal
"""
# The text an item's key is checked against: its chunk while it exists, else the quote kept
# with it; none for a question written by hand.
ITEM_WITH_SOURCE = """
SELECT i.kind, i.question, i.options, i.answer, i.explanation, i.chunk_id, i.document_id,
       i.filename, i.page_start, i.page_end, i.quote, i.id, i.ordinal, c.text AS chunk_text
FROM practice_items i LEFT JOIN chunks c ON c.id = i.chunk_id
WHERE i.set_id = %(set_id)s AND (%(item_id)s::uuid IS NULL OR i.id = %(item_id)s)
ORDER BY i.ordinal
"""
UPDATE_ITEM = f"""
UPDATE practice_items SET kind = %(kind)s, question = %(question)s, options = %(options)s,
       answer = %(answer)s, explanation = %(explanation)s
WHERE id = %(id)s AND set_id = %(set_id)s
RETURNING {ITEM_COLUMNS}
"""
INSERT_ITEM = f"""
INSERT INTO practice_items (id, set_id, ordinal, kind, question, options, answer, explanation,
                            chunk_id, document_id, filename, page_start, page_end, quote)
SELECT %(id)s, %(set_id)s, coalesce(max(ordinal) + 1, 0), %(kind)s, %(question)s, %(options)s,
       %(answer)s, %(explanation)s, %(chunk_id)s, %(document_id)s, %(filename)s, %(page_start)s,
       %(page_end)s, %(quote)s
FROM practice_items WHERE set_id = %(set_id)s
ON CONFLICT (id) DO NOTHING
RETURNING {ITEM_COLUMNS}
"""
DELETE_ITEM = "DELETE FROM practice_items WHERE id = %(id)s AND set_id = %(set_id)s RETURNING 1"
ITEM_IDS = "SELECT id FROM practice_items WHERE set_id = %(set_id)s ORDER BY ordinal"
# Two steps, because (set_id, ordinal) is unique and checked row by row: first out of the way
# (negative), then the final places from the list's order.
MOVE_ASIDE = "UPDATE practice_items SET ordinal = -1 - ordinal WHERE set_id = %(set_id)s"
PLACE = """
UPDATE practice_items i SET ordinal = placed.n - 1
FROM unnest(%(ids)s::uuid[]) WITH ORDINALITY AS placed (id, n)
WHERE i.set_id = %(set_id)s AND i.id = placed.id
"""


async def lock_set(conn: AsyncConnection, owner_id: UUID, set_id: UUID) -> None:
    """Hold the owner's set for this transaction; PracticeSetNotFound for anyone else's."""
    cur = await conn.execute(LOCK_SET, {"set_id": set_id, "owner_id": owner_id})
    if await cur.fetchone() is None:
        raise PracticeSetNotFound()


def source_of(item: PracticeItem, chunk_text: str | None) -> str | None:
    """What the item's key is checked against."""
    if chunk_text:
        return chunk_text
    return item.quote or None


def text_of(item: PracticeItem) -> ItemText:
    """The editable part of an item."""
    return ItemText(item.kind, item.question, list(item.options), item.answer, item.explanation)


async def _items_with_sources(
    conn: AsyncConnection, set_id: UUID, item_id: UUID | None = None
) -> list[tuple[PracticeItem, str | None]]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(ITEM_WITH_SOURCE, {"set_id": set_id, "item_id": item_id})
    found = []
    for values in await cur.fetchall():
        chunk_text = values.pop("chunk_text")
        item = PracticeItem(**values)
        found.append((item, source_of(item, chunk_text)))
    return found


CHUNK_TEXTS = "SELECT id, text FROM chunks WHERE id = ANY(%(ids)s)"


async def set_problems(
    conn: AsyncConnection, items: list[PracticeItem]
) -> dict[UUID, list[ItemProblem]]:
    """Each of a set's questions (already read by the caller, who checked the set is theirs)
    with the problems the checks find in it now."""
    ids = [item.chunk_id for item in items if item.chunk_id is not None]
    texts: dict[int, str] = {}
    if ids:
        cur = await conn.execute(CHUNK_TEXTS, {"ids": ids})
        texts = dict(await cur.fetchall())
    return {
        item.id: item_problems(text_of(item), source_of(item, texts.get(item.chunk_id or -1)))
        for item in items
    }


async def edit_item(
    conn: AsyncConnection, owner_id: UUID, set_id: UUID, item_id: UUID, text: ItemText
) -> tuple[PracticeItem, list[ItemProblem]]:
    """Save the owner's edit of a question and return it with its warnings; ItemInvalid (and
    nothing saved) when a problem blocks it."""
    await lock_set(conn, owner_id, set_id)
    found = await _items_with_sources(conn, set_id, item_id)
    if not found:
        raise PracticeItemNotFound()
    _, source = found[0]
    problems = item_problems(text, source)
    if blocking(problems):
        raise ItemInvalid(blocking(problems))
    cur = conn.cursor(row_factory=class_row(PracticeItem))
    values = {**asdict(text), "options": Jsonb(text.options), "id": item_id, "set_id": set_id}
    await cur.execute(UPDATE_ITEM, values)
    saved = await cur.fetchone()
    assert saved is not None  # the set is locked and the item was just read
    return saved, problems


async def add_item(
    conn: AsyncConnection, owner_id: UUID, set_id: UUID, item_id: UUID, text: ItemText
) -> tuple[PracticeItem, list[ItemProblem], bool]:
    """Append a question written by hand (id chosen by the client: a retry finds the first);
    returns it, its warnings, and whether it is new."""
    await lock_set(conn, owner_id, set_id)
    problems = item_problems(text, None)
    if blocking(problems):
        raise ItemInvalid(blocking(problems))
    new = PracticeItem(
        **asdict(text),
        chunk_id=None,
        document_id=None,
        filename="",
        page_start=None,
        page_end=None,
        quote="",
        id=item_id,
    )
    cur = conn.cursor(row_factory=class_row(PracticeItem))
    values = {**asdict(new), "options": Jsonb(new.options), "set_id": set_id}
    await cur.execute(INSERT_ITEM, values)
    saved = await cur.fetchone()
    if saved is not None:
        return saved, problems, True
    existing = await _items_with_sources(conn, set_id, item_id)
    if not existing:  # the id is taken by a question of another set
        raise PracticeItemNotFound()
    item, source = existing[0]
    return item, item_problems(text_of(item), source), False


async def append_item(conn: AsyncConnection, set_id: UUID, item: PracticeItem) -> PracticeItem:
    """Append a generated question at the set's end (the caller holds the set's lock)."""
    cur = conn.cursor(row_factory=class_row(PracticeItem))
    values = {**asdict(item), "options": Jsonb(item.options), "set_id": set_id}
    await cur.execute(INSERT_ITEM, values)
    saved = await cur.fetchone()
    return saved if saved is not None else item


async def remove_item(conn: AsyncConnection, owner_id: UUID, set_id: UUID, item_id: UUID) -> None:
    """Take a question out of the set; the others close up."""
    await lock_set(conn, owner_id, set_id)
    cur = await conn.execute(DELETE_ITEM, {"id": item_id, "set_id": set_id})
    if await cur.fetchone() is None:
        raise PracticeItemNotFound()
    await _place(conn, set_id, await _ids(conn, set_id))


async def reorder(conn: AsyncConnection, owner_id: UUID, set_id: UUID, ids: list[UUID]) -> None:
    """Put the set's questions in the given order: every one of them, each once; SetChanged
    when the list is not exactly the set's questions."""
    await lock_set(conn, owner_id, set_id)
    current = await _ids(conn, set_id)
    if len(ids) != len(current) or set(ids) != set(current):
        raise SetChanged()
    await _place(conn, set_id, ids)


async def replace_item(
    conn: AsyncConnection, set_id: UUID, old_id: UUID, new: PracticeItem
) -> PracticeItem:
    """Put a rewritten question in the old one's place, or at the end when the old one is gone
    (the caller holds the set's lock)."""
    order = await _ids(conn, set_id)
    if old_id not in order:
        return await append_item(conn, set_id, new)
    await conn.execute(DELETE_ITEM, {"id": old_id, "set_id": set_id})
    saved = await append_item(conn, set_id, new)
    at = order.index(old_id)
    await _place(conn, set_id, [*order[:at], saved.id, *order[at + 1 :]])
    return saved


async def _ids(conn: AsyncConnection, set_id: UUID) -> list[UUID]:
    cur = await conn.execute(ITEM_IDS, {"set_id": set_id})
    return [row[0] for row in await cur.fetchall()]


async def _place(conn: AsyncConnection, set_id: UUID, ids: list[UUID]) -> None:
    await conn.execute(MOVE_ASIDE, {"set_id": set_id})
    await conn.execute(PLACE, {"set_id": set_id, "ids": ids})


RENAME = """
UPDATE practice_sets SET topic = %(topic)s WHERE id = %(set_id)s AND owner_id = %(owner_id)s
RETURNING 1
"""


async def rename(conn: AsyncConnection, owner_id: UUID, set_id: UUID, topic: str) -> None:
    """Give the owner's set a new name."""
    cur = await conn.execute(RENAME, {"set_id": set_id, "owner_id": owner_id, "topic": topic})
    if await cur.fetchone() is None:
        raise PracticeSetNotFound()
