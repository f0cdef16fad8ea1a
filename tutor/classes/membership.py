"""Who is in a class: students join with its code and leave on their own; its teachers remove
students and add co-teachers. Leaving or removal takes effect on the next request, since every
class-scoped query joins the membership tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import class_row

from tutor.classes.assignments import give_open_assignments
from tutor.classes.classes import Class, get_class, teaching
from tutor.classes.errors import ClassNotFound, JoinCodeInvalid, NotATeacher, OwnerCannotLeave
from tutor.classes.join_codes import normalised
from tutor.errors import UserNotFound

JOIN = """
WITH open_class AS (
    SELECT id FROM classes WHERE join_code = %(code)s AND archived_at IS NULL
)
INSERT INTO class_members (class_id, user_id)
SELECT id, %(user_id)s FROM open_class
ON CONFLICT DO NOTHING
RETURNING class_id
"""
FIND_OPEN = "SELECT id FROM classes WHERE join_code = %(code)s AND archived_at IS NULL"


async def join(conn: AsyncConnection, user_id: UUID, code: str) -> Class:
    """Join the open class with this code (joining twice is joining once)."""
    params = {"user_id": user_id, "code": normalised(code)}
    joined = await conn.execute(JOIN, params)
    cur = await conn.execute(FIND_OPEN, params)
    row = await cur.fetchone()
    if row is None:
        raise JoinCodeInvalid()
    if joined.rowcount:  # new here: the assignments still open become their tasks too
        await give_open_assignments(conn, user_id, row[0])
    return await get_class(conn, user_id, row[0])


LEAVE = "DELETE FROM class_members WHERE class_id = %(class_id)s AND user_id = %(user_id)s"


async def leave(conn: AsyncConnection, user_id: UUID, class_id: UUID) -> None:
    """Leave a class one attends; its owner cannot (they archive it), a co-teacher steps down."""
    found = await get_class(conn, user_id, class_id)
    if found.standing == "owner":
        raise OwnerCannotLeave()
    if found.standing == "co_teacher":
        await conn.execute(REMOVE_TEACHER, {"class_id": class_id, "user_id": user_id})
    await conn.execute(LEAVE, {"class_id": class_id, "user_id": user_id})


async def remove_student(
    conn: AsyncConnection, teacher_id: UUID, class_id: UUID, student_id: UUID
) -> None:
    """Take a student out of a class the caller teaches; ClassNotFound if not a member."""
    await teaching(conn, teacher_id, class_id)
    cur = await conn.execute(LEAVE, {"class_id": class_id, "user_id": student_id})
    if cur.rowcount == 0:
        raise ClassNotFound("That student is not in this class.")


@dataclass(frozen=True, slots=True)
class Person:
    """Someone in a class, as its teachers see them: display name and when they came."""

    user_id: UUID
    display_name: str
    standing: str
    since: datetime


PEOPLE = """
SELECT t.user_id, coalesce(u.display_name, 'Teacher') AS display_name, t.role AS standing,
       t.added_at AS since
FROM class_teachers t JOIN users u ON u.id = t.user_id WHERE t.class_id = %(class_id)s
UNION ALL
SELECT m.user_id, coalesce(u.display_name, 'Student'), 'student', m.joined_at
FROM class_members m JOIN users u ON u.id = m.user_id WHERE m.class_id = %(class_id)s
ORDER BY standing, display_name, user_id
"""


async def people(conn: AsyncConnection, user_id: UUID, class_id: UUID) -> list[Person]:
    """A class's teachers and students, for its teachers only."""
    found = await get_class(conn, user_id, class_id)
    if found.standing == "student":
        raise NotATeacher()
    cur = conn.cursor(row_factory=class_row(Person))
    await cur.execute(PEOPLE, {"class_id": class_id})
    return await cur.fetchall()


TEACHER_BY_EMAIL = """
SELECT id FROM users WHERE lower(email) = lower(%(email)s) AND role IN ('teacher', 'admin')
"""
ADD_TEACHER = """
INSERT INTO class_teachers (class_id, user_id, role)
VALUES (%(class_id)s, %(user_id)s, 'co_teacher')
ON CONFLICT DO NOTHING
"""
REMOVE_TEACHER = """
DELETE FROM class_teachers
WHERE class_id = %(class_id)s AND user_id = %(user_id)s AND role = 'co_teacher'
"""


async def add_co_teacher(
    conn: AsyncConnection, owner_id: UUID, class_id: UUID, email: str
) -> list[Person]:
    """The owner adds a teacher account by email as a co-teacher; UserNotFound when no
    teacher has that email."""
    found = await teaching(conn, owner_id, class_id)
    if found.standing != "owner":
        raise NotATeacher("Only the class's owner adds co-teachers.")
    cur = await conn.execute(TEACHER_BY_EMAIL, {"email": email})
    row = await cur.fetchone()
    if row is None:
        raise UserNotFound("No teacher account has that email.")
    await conn.execute(ADD_TEACHER, {"class_id": class_id, "user_id": row[0]})
    await conn.execute(LEAVE, {"class_id": class_id, "user_id": row[0]})  # not also a student
    return await people(conn, owner_id, class_id)


STUDENT_CLASSES = "SELECT class_id FROM class_members WHERE user_id = %(user_id)s"


async def classes_attended(conn: AsyncConnection, user_id: UUID) -> list[UUID]:
    """The classes a student is in (their class leaderboards)."""
    cur = await conn.execute(STUDENT_CLASSES, {"user_id": user_id})
    return [row[0] for row in await cur.fetchall()]
