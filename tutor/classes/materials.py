"""Class materials: a teacher shares their own documents with a class, read-only. The class's
people then search them, and the tutor answers from them, beside their own notes.

Who may read a shared document is decided in SQL on every request, from three facts: the
reader is in the class (a student or one of its teachers), the document's owner still teaches
it, and the share is still there. Leaving, being removed, a co-teacher stepping down, an
unshare or the document's deletion therefore all take effect on the next request. What a
student keeps for themselves (documents, chats, cards, practice) is never shared this way: only
a teacher's documents, by that teacher, to a class they teach.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import class_row

from retrieval.scopes import Scope
from tutor.classes.classes import get_class, teaching
from tutor.classes.errors import MaterialNotFound
from tutor.database import Keyset, after_params
from tutor.errors import DocumentNotFound


@dataclass(frozen=True, slots=True)
class Material:
    """A document shared with a class, as the class's people see it."""

    document_id: UUID
    filename: str
    status: str
    pages: int | None
    shared_by: str
    shared_at: datetime
    mine: bool  # the caller owns the document


# A share is only live while its document's owner teaches the class.
LIVE = """
FROM class_materials m
JOIN documents d ON d.id = m.document_id
JOIN class_teachers t ON t.class_id = m.class_id AND t.user_id = d.owner_id
"""
COLUMNS = """
d.id AS document_id, d.filename, d.status, d.pages_total AS pages,
coalesce((SELECT display_name FROM users WHERE id = d.owner_id), 'Teacher') AS shared_by,
m.shared_at, d.owner_id = %(user_id)s AS mine
"""
ONE = f"SELECT {COLUMNS} {LIVE} WHERE m.class_id = %(class_id)s AND m.document_id = %(document_id)s"
PAGE = f"""
SELECT {COLUMNS} {LIVE}
WHERE m.class_id = %(class_id)s
  AND (%(after_ts)s::timestamptz IS NULL OR (m.shared_at, d.id) < (%(after_ts)s, %(after_id)s))
ORDER BY m.shared_at DESC, d.id DESC
LIMIT %(limit)s
"""


async def materials(
    conn: AsyncConnection, user_id: UUID, class_id: UUID, after: Keyset | None, limit: int
) -> list[Material]:
    """The documents shared with a class the caller is in, newest share first."""
    await get_class(conn, user_id, class_id)
    params = {"user_id": user_id, "class_id": class_id, "limit": limit, **after_params(after)}
    cur = conn.cursor(row_factory=class_row(Material))
    await cur.execute(PAGE, params)
    return await cur.fetchall()


SHARE = """
INSERT INTO class_materials (class_id, document_id, shared_by)
SELECT %(class_id)s, d.id, %(user_id)s FROM documents d
WHERE d.id = %(document_id)s AND d.owner_id = %(user_id)s
ON CONFLICT DO NOTHING
"""
OWNED = "SELECT 1 FROM documents WHERE id = %(document_id)s AND owner_id = %(user_id)s"


async def share(
    conn: AsyncConnection, user_id: UUID, class_id: UUID, document_id: UUID
) -> Material:
    """Share one of the caller's documents with a class they teach (sharing twice is once);
    DocumentNotFound unless the document is the caller's own."""
    await teaching(conn, user_id, class_id)
    params = {"user_id": user_id, "class_id": class_id, "document_id": document_id}
    cur = await conn.execute(OWNED, params)
    if await cur.fetchone() is None:
        raise DocumentNotFound()
    await conn.execute(SHARE, params)
    reading = conn.cursor(row_factory=class_row(Material))
    await reading.execute(ONE, params)
    found = await reading.fetchone()
    assert found is not None  # just shared by one of the class's teachers
    return found


UNSHARE = """
DELETE FROM class_materials WHERE class_id = %(class_id)s AND document_id = %(document_id)s
"""


async def unshare(conn: AsyncConnection, user_id: UUID, class_id: UUID, document_id: UUID) -> None:
    """Stop sharing a document with a class the caller teaches (any of its teachers may)."""
    await teaching(conn, user_id, class_id)
    cur = await conn.execute(UNSHARE, {"class_id": class_id, "document_id": document_id})
    if cur.rowcount == 0:
        raise MaterialNotFound()


# Every document shared with a class the reader is in, once (under the first of its classes
# by name), never the reader's own (those are in their own scope already).
READABLE = f"""
SELECT DISTINCT ON (d.id) d.owner_id, d.id, c.id, c.name
{LIVE}
JOIN classes c ON c.id = m.class_id
WHERE m.class_id IN (SELECT class_id FROM class_members WHERE user_id = %(user_id)s
                     UNION ALL
                     SELECT class_id FROM class_teachers WHERE user_id = %(user_id)s)
  AND d.owner_id <> %(user_id)s
  AND (%(document_ids)s::uuid[] IS NULL OR d.id = ANY(%(document_ids)s::uuid[]))
ORDER BY d.id, c.name, c.id
"""


async def reading_scopes(
    conn: AsyncConnection,
    user_id: UUID,
    document_ids: Sequence[UUID] | None = None,
    *,
    classes: bool = True,
) -> list[Scope]:
    """What the reader's search and tutor read: their own notes first, then each class's
    materials shared with them, grouped per owner and class; `document_ids` narrows all of
    them to those documents."""
    chosen = tuple(document_ids) if document_ids else None
    scopes = [Scope(user_id, chosen)]
    if not classes:
        return scopes
    params = {"user_id": user_id, "document_ids": list(chosen) if chosen else None}
    cur = await conn.execute(READABLE, params)
    grouped: dict[tuple[UUID, UUID, str], list[UUID]] = {}
    for owner_id, document_id, class_id, class_name in await cur.fetchall():
        grouped.setdefault((owner_id, class_id, class_name), []).append(document_id)
    for (owner_id, class_id, class_name), shared in grouped.items():
        scopes.append(Scope(owner_id, tuple(shared), class_id, class_name))
    return scopes
