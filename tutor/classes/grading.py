"""A class's teachers grade by hand: the review queue holds the short answers the grader was
unsure of, and a teacher may set any answer's grade (an override), which is kept with who gave
it and when, and written to the audit trail with the grade it replaced. They may also excuse a
student from an assignment (audited too): missing work that then counts nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import class_row

from tutor.accounts import audit
from tutor.classes.classes import teaching
from tutor.classes.errors import AnswerNotFound, AssignmentNotFound, StudentNotInClass
from tutor.classes.submissions import recount


@dataclass
class Waiting:
    """An answer waiting for a teacher's grade, with what they need to judge it."""

    assignment_id: UUID
    assignment_title: str
    submission_id: UUID
    item_id: UUID
    ordinal: int
    question: str
    key: str
    answer: str
    similarity: float | None
    student_name: str
    submitted_at: datetime


QUEUE = """
SELECT a.id AS assignment_id, a.title AS assignment_title, s.id AS submission_id,
       x.item_id, i.ordinal, i.question, i.answer AS key, x.answer, x.similarity,
       coalesce(u.display_name, 'Student') AS student_name, s.submitted_at
FROM assignments a
JOIN assignment_submissions s ON s.assignment_id = a.id
JOIN assignment_answers x ON x.submission_id = s.id AND x.correct IS NULL
JOIN assignment_items i ON i.id = x.item_id
JOIN users u ON u.id = s.student_id
WHERE a.class_id = %(class_id)s
ORDER BY s.submitted_at, s.id, i.ordinal
LIMIT %(limit)s
"""


async def review_queue(
    conn: AsyncConnection, user_id: UUID, class_id: UUID, limit: int = 100
) -> list[Waiting]:
    """The answers waiting for a grade in a class the caller teaches, oldest submission first."""
    await teaching(conn, user_id, class_id)
    cur = conn.cursor(row_factory=class_row(Waiting))
    await cur.execute(QUEUE, {"class_id": class_id, "limit": limit})
    return await cur.fetchall()


# The answer, found through an assignment of a class the caller teaches; the grade it had.
FIND = """
SELECT a.class_id, s.student_id, x.correct
FROM assignment_answers x
JOIN assignment_submissions s ON s.id = x.submission_id
JOIN assignments a ON a.id = s.assignment_id
WHERE a.id = %(assignment_id)s AND x.submission_id = %(submission_id)s
  AND x.item_id = %(item_id)s
FOR UPDATE OF x
"""
SET_GRADE = """
UPDATE assignment_answers SET correct = %(correct)s, graded_by = %(user_id)s, graded_at = now()
WHERE submission_id = %(submission_id)s AND item_id = %(item_id)s
"""


async def set_grade(
    conn: AsyncConnection,
    user_id: UUID,
    assignment_id: UUID,
    submission_id: UUID,
    item_id: UUID,
    correct: bool,
    origin: audit.Origin,
) -> None:
    """A teacher of the assignment's class grades one answer (settling an uncertain one, or
    overriding the grader); audited with the grade it replaced."""
    params = {
        "assignment_id": assignment_id,
        "submission_id": submission_id,
        "item_id": item_id,
        "correct": correct,
        "user_id": user_id,
    }
    cur = await conn.execute(FIND, params)
    row = await cur.fetchone()
    if row is None:
        raise AnswerNotFound()
    class_id, student_id, before = row
    await teaching(conn, user_id, class_id)
    await conn.execute(SET_GRADE, params)
    await recount(conn, submission_id)
    details = {
        "assignment_id": str(assignment_id),
        "submission_id": str(submission_id),
        "item_id": str(item_id),
        "before": before,
        "after": correct,
    }
    await audit.record(conn, "assignment.graded", origin, subject_id=student_id, details=details)


ASSIGNMENT_CLASS = "SELECT class_id FROM assignments WHERE id = %(assignment_id)s"
MEMBER = "SELECT 1 FROM class_members WHERE class_id = %(class_id)s AND user_id = %(student_id)s"
EXCUSE = """
INSERT INTO assignment_excusals (assignment_id, student_id, excused_by)
VALUES (%(assignment_id)s, %(student_id)s, %(user_id)s)
ON CONFLICT DO NOTHING
"""
UNEXCUSE = """
DELETE FROM assignment_excusals
WHERE assignment_id = %(assignment_id)s AND student_id = %(student_id)s
"""


async def set_excused(
    conn: AsyncConnection,
    user_id: UUID,
    assignment_id: UUID,
    student_id: UUID,
    excused: bool,
    origin: audit.Origin,
) -> None:
    """A teacher of the assignment's class excuses one of its students from it, or takes the
    excusal back; audited when it changes anything."""
    params = {"assignment_id": assignment_id, "student_id": student_id, "user_id": user_id}
    cur = await conn.execute(ASSIGNMENT_CLASS, params)
    row = await cur.fetchone()
    if row is None:
        raise AssignmentNotFound()
    await teaching(conn, user_id, row[0])
    cur = await conn.execute(MEMBER, {**params, "class_id": row[0]})
    if await cur.fetchone() is None:
        raise StudentNotInClass()
    changed = await conn.execute(EXCUSE if excused else UNEXCUSE, params)
    if changed.rowcount:
        action = "assignment.excused" if excused else "assignment.unexcused"
        details = {"assignment_id": str(assignment_id)}
        await audit.record(conn, action, origin, subject_id=student_id, details=details)
