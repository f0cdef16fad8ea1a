"""Classes: created by a teacher (its owner), read by its teachers and students, changed by its
teachers. Every query names the caller, so a class that is not theirs is simply not found."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.errors import UniqueViolation
from psycopg.rows import class_row

from tutor.classes.errors import ClassArchived, ClassNotFound, NotATeacher
from tutor.classes.join_codes import new_join_code
from tutor.database import Keyset
from tutor.study.profile import checked_timezone

Standing = Literal["owner", "co_teacher", "student"]


@dataclass(frozen=True, slots=True)
class Class:
    """A class as one of its people sees it (`join_code` only for its teachers)."""

    id: UUID
    name: str
    subject: str
    timezone: str
    join_code: str | None
    created_at: datetime
    archived_at: datetime | None
    standing: Standing
    students: int
    teachers: int


# The caller's standing in each class they belong to, teachers first.
VISIBLE = """
WITH mine AS (
    SELECT class_id, role AS standing FROM class_teachers WHERE user_id = %(user_id)s
    UNION ALL
    SELECT class_id, 'student' FROM class_members m
    WHERE user_id = %(user_id)s
      AND NOT EXISTS (SELECT 1 FROM class_teachers t
                      WHERE t.class_id = m.class_id AND t.user_id = %(user_id)s)
)
SELECT c.id, c.name, c.subject, c.timezone,
       CASE WHEN mine.standing = 'student' THEN NULL ELSE c.join_code END AS join_code,
       c.created_at, c.archived_at, mine.standing,
       (SELECT count(*) FROM class_members s WHERE s.class_id = c.id)::int AS students,
       (SELECT count(*) FROM class_teachers t WHERE t.class_id = c.id)::int AS teachers
FROM classes c JOIN mine ON mine.class_id = c.id
"""
GET = VISIBLE + "WHERE c.id = %(class_id)s"
PAGE = (
    VISIBLE
    + """WHERE (%(after_at)s::timestamptz IS NULL
       OR (c.created_at, c.id) < (%(after_at)s, %(after_id)s))
  AND (%(archived)s OR c.archived_at IS NULL)
ORDER BY c.created_at DESC, c.id DESC
LIMIT %(limit)s"""
)


async def get_class(conn: AsyncConnection, user_id: UUID, class_id: UUID) -> Class:
    """The class as the caller sees it; raises ClassNotFound if they are not in it."""
    cur = conn.cursor(row_factory=class_row(Class))
    await cur.execute(GET, {"user_id": user_id, "class_id": class_id})
    found = await cur.fetchone()
    if found is None:
        raise ClassNotFound()
    return found


async def my_classes(
    conn: AsyncConnection, user_id: UUID, after: Keyset | None, limit: int, archived: bool
) -> list[Class]:
    """The classes the caller teaches or attends, newest first."""
    after_at, after_id = after or (None, None)
    cur = conn.cursor(row_factory=class_row(Class))
    params = {
        "user_id": user_id,
        "after_at": after_at,
        "after_id": after_id,
        "limit": limit,
        "archived": archived,
    }
    await cur.execute(PAGE, params)
    return await cur.fetchall()


async def teaching(conn: AsyncConnection, user_id: UUID, class_id: UUID) -> Class:
    """The class if the caller teaches it and it is not archived; ClassNotFound if they are
    not in it, NotATeacher if they attend it, ClassArchived once archived."""
    found = await get_class(conn, user_id, class_id)
    if found.standing == "student":
        raise NotATeacher()
    if found.archived_at is not None:
        raise ClassArchived()
    return found


INSERT = """
INSERT INTO classes (id, name, subject, timezone, join_code, created_by)
VALUES (%(id)s, %(name)s, %(subject)s, %(timezone)s, %(join_code)s, %(user_id)s)
"""
INSERT_OWNER = """
INSERT INTO class_teachers (class_id, user_id, role) VALUES (%(id)s, %(user_id)s, 'owner')
"""


async def create_class(
    conn: AsyncConnection, user_id: UUID, role: str, name: str, subject: str, timezone: str
) -> Class:
    """A new class owned by the caller (a teacher or an admin), with a fresh join code."""
    if role not in ("teacher", "admin"):
        raise NotATeacher()
    params: dict[str, Any] = {
        "id": uuid.uuid4(),
        "user_id": user_id,
        "name": name,
        "subject": subject,
        "timezone": checked_timezone(timezone),
        "join_code": new_join_code(),
    }
    await conn.execute(INSERT, params)
    await conn.execute(INSERT_OWNER, params)
    return await get_class(conn, user_id, params["id"])


UPDATE = """
UPDATE classes SET name = coalesce(%(name)s, name), subject = coalesce(%(subject)s, subject),
                   timezone = coalesce(%(timezone)s, timezone)
WHERE id = %(class_id)s
"""


async def update_class(
    conn: AsyncConnection, user_id: UUID, class_id: UUID, changes: dict[str, str | None]
) -> Class:
    """Rename, re-subject or re-zone a class the caller teaches."""
    await teaching(conn, user_id, class_id)
    if (zone := changes.get("timezone")) is not None:
        checked_timezone(zone)
    params = {"class_id": class_id, "name": None, "subject": None, "timezone": None, **changes}
    await conn.execute(UPDATE, params)
    return await get_class(conn, user_id, class_id)


SET_CODE = "UPDATE classes SET join_code = %(code)s WHERE id = %(class_id)s"


async def set_join_code(
    conn: AsyncConnection, user_id: UUID, class_id: UUID, enabled: bool
) -> Class:
    """A fresh join code (the old one stops working), or none (joining turned off)."""
    await teaching(conn, user_id, class_id)
    for _ in range(5):  # a collision among 10^12 codes is rare; a few draws settle it
        code = new_join_code() if enabled else None
        try:
            async with conn.transaction():
                await conn.execute(SET_CODE, {"class_id": class_id, "code": code})
            break
        except UniqueViolation:
            continue
    return await get_class(conn, user_id, class_id)


ARCHIVE = """
UPDATE classes SET archived_at = coalesce(archived_at, now()), join_code = NULL
WHERE id = %(class_id)s
"""


async def archive_class(conn: AsyncConnection, user_id: UUID, class_id: UUID) -> Class:
    """Archive a class its owner no longer runs: readable, no longer joinable or changeable."""
    found = await get_class(conn, user_id, class_id)
    if found.standing != "owner":
        raise NotATeacher("Only the class's owner can archive it.")
    await conn.execute(ARCHIVE, {"class_id": class_id})
    return await get_class(conn, user_id, class_id)
