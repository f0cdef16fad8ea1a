"""Assignments: a practice set a teacher publishes to a class they teach, with an open time, a
due time and how many submissions each student may make.

Publishing copies the set's questions (what the students answer stays what was asked, however
the set changes later), gives every current student a task due then, and tells each of them
(`assignment.published`, persisted and live). Students see the questions, never the keys, until
they have submitted (`tutor.classes.submissions`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import class_row

from tutor.classes.classes import Class, get_class, teaching
from tutor.classes.errors import AssignmentNotFound, ClassNotFound
from tutor.database import Keyset, after_params
from tutor.errors import InvalidInput, PracticeSetNotFound
from tutor.gamification import notifications


@dataclass(frozen=True, slots=True)
class Draft:
    """What a teacher publishes: which of their practice sets, as what, open when."""

    set_id: UUID
    title: str
    opens_at: datetime
    due_at: datetime
    attempts_allowed: int


@dataclass
class Assignment:
    """An assignment as one of its class's people sees it; the counts for its teachers, the
    caller's own submissions and best score for a student."""

    id: UUID
    class_id: UUID
    class_name: str
    title: str
    opens_at: datetime
    due_at: datetime
    attempts_allowed: int
    published_at: datetime
    questions: int
    standing: str
    # Teachers: students who submitted, and answers waiting for a grade.
    submitted: int | None
    waiting: int | None
    # Students: their submissions so far and their best score (share right, 0..1).
    attempts_used: int | None
    best_score: float | None


COPY_ITEMS = """
INSERT INTO assignment_items (id, assignment_id, ordinal, kind, question, options, answer,
                              explanation, document_id, filename, page_start, page_end, quote,
                              chunk_id, source_item_id)
SELECT gen_random_uuid(), %(id)s, ordinal, kind, question, options, answer, explanation,
       document_id, filename, page_start, page_end, quote, chunk_id, id
FROM practice_items WHERE set_id = %(set_id)s
"""
OWN_SET = "SELECT 1 FROM practice_sets WHERE id = %(set_id)s AND owner_id = %(user_id)s"
INSERT = """
INSERT INTO assignments (id, class_id, title, source_set_id, opens_at, due_at,
                         attempts_allowed, published_by)
VALUES (%(id)s, %(class_id)s, %(title)s, %(set_id)s, %(opens_at)s, %(due_at)s,
        %(attempts_allowed)s, %(user_id)s)
"""
# A task for every current student in one statement, whatever the class's size (their
# notifications are one more: `notifications.notify_all`).
STUDENT_TASKS = """
INSERT INTO tasks (id, user_id, title, subject, due_at, priority, assignment_id)
SELECT gen_random_uuid(), m.user_id, %(title)s, %(subject)s, %(due_at)s, 'high', %(id)s
FROM class_members m WHERE m.class_id = %(class_id)s
ON CONFLICT DO NOTHING
"""
# A student who joins later gets a task for each assignment not yet due.
NEWCOMER_TASKS = """
INSERT INTO tasks (id, user_id, title, subject, due_at, priority, assignment_id)
SELECT gen_random_uuid(), %(user_id)s, a.title, left(c.subject, 80), a.due_at, 'high', a.id
FROM assignments a JOIN classes c ON c.id = a.class_id
WHERE a.class_id = %(class_id)s AND a.due_at > now()
ON CONFLICT DO NOTHING
"""
STUDENTS = "SELECT user_id FROM class_members WHERE class_id = %(class_id)s ORDER BY user_id"


async def publish(conn: AsyncConnection, user_id: UUID, class_id: UUID, draft: Draft) -> UUID:
    """Publish one of the caller's practice sets to a class they teach; the new assignment's id."""
    found = await teaching(conn, user_id, class_id)
    if draft.due_at <= draft.opens_at:
        raise InvalidInput("The due time must come after the open time.")
    params: dict[str, Any] = {
        "id": uuid.uuid4(),
        "user_id": user_id,
        "class_id": class_id,
        "subject": found.subject[:80],
        **_draft_params(draft),
    }
    cur = await conn.execute(OWN_SET, params)
    if await cur.fetchone() is None:
        raise PracticeSetNotFound()
    await conn.execute(INSERT, params)
    copied = await conn.execute(COPY_ITEMS, params)
    if copied.rowcount == 0:
        raise InvalidInput("That practice set has no questions to assign.")
    await conn.execute(STUDENT_TASKS, params)
    await _tell_students(conn, found, params)
    return UUID(str(params["id"]))


async def give_open_assignments(conn: AsyncConnection, user_id: UUID, class_id: UUID) -> None:
    """A task for each of the class's assignments not yet due, for a student who just joined."""
    await conn.execute(NEWCOMER_TASKS, {"user_id": user_id, "class_id": class_id})


def _draft_params(draft: Draft) -> dict[str, Any]:
    return {
        "set_id": draft.set_id,
        "title": draft.title,
        "opens_at": draft.opens_at,
        "due_at": draft.due_at,
        "attempts_allowed": draft.attempts_allowed,
    }


async def _tell_students(conn: AsyncConnection, found: Class, params: dict[str, Any]) -> None:
    cur = await conn.execute(STUDENTS, params)
    students = [row[0] for row in await cur.fetchall()]
    data = {
        "assignment_id": str(params["id"]),
        "class_id": str(found.id),
        "class_name": found.name,
        "title": params["title"],
        "due_at": params["due_at"].isoformat(),
    }
    await notifications.notify_all(conn, students, "assignment.published", data)


# The caller's standing decides what the counts are; a student's are their own.
VISIBLE = """
SELECT a.id, a.class_id, c.name AS class_name, a.title, a.opens_at, a.due_at,
       a.attempts_allowed, a.published_at,
       (SELECT count(*) FROM assignment_items i WHERE i.assignment_id = a.id)::int AS questions,
       %(standing)s AS standing,
       CASE WHEN %(teaching)s THEN
           (SELECT count(DISTINCT s.student_id) FROM assignment_submissions s
            WHERE s.assignment_id = a.id)::int END AS submitted,
       CASE WHEN %(teaching)s THEN
           (SELECT coalesce(sum(s.waiting), 0) FROM assignment_submissions s
            WHERE s.assignment_id = a.id)::int END AS waiting,
       CASE WHEN NOT %(teaching)s THEN
           (SELECT count(*) FROM assignment_submissions s
            WHERE s.assignment_id = a.id AND s.student_id = %(user_id)s)::int END
           AS attempts_used,
       CASE WHEN NOT %(teaching)s THEN
           -- An answer waiting for a teacher counts as not right until graded.
           (SELECT max(s.correct::float8 / s.questions) FROM assignment_submissions s
            WHERE s.assignment_id = a.id AND s.student_id = %(user_id)s) END AS best_score
FROM assignments a JOIN classes c ON c.id = a.class_id
WHERE a.class_id = %(class_id)s
"""
ONE = VISIBLE + "AND a.id = %(assignment_id)s"
PAGE = (
    VISIBLE
    + """AND (%(after_ts)s::timestamptz IS NULL OR (a.due_at, a.id) < (%(after_ts)s, %(after_id)s))
ORDER BY a.due_at DESC, a.id DESC
LIMIT %(limit)s"""
)
CLASS_OF = "SELECT class_id FROM assignments WHERE id = %(assignment_id)s"


def _viewer(found: Class, user_id: UUID) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "class_id": found.id,
        "standing": found.standing,
        "teaching": found.standing != "student",
    }


async def class_assignments(
    conn: AsyncConnection, user_id: UUID, class_id: UUID, after: Keyset | None, limit: int
) -> list[Assignment]:
    """A class's assignments for one of its people, latest due first."""
    found = await get_class(conn, user_id, class_id)
    params = {**_viewer(found, user_id), "limit": limit, **after_params(after)}
    cur = conn.cursor(row_factory=class_row(Assignment))
    await cur.execute(PAGE, params)
    return await cur.fetchall()


async def get_assignment(conn: AsyncConnection, user_id: UUID, assignment_id: UUID) -> Assignment:
    """One assignment of a class the caller is in; AssignmentNotFound otherwise."""
    cur = await conn.execute(CLASS_OF, {"assignment_id": assignment_id})
    row = await cur.fetchone()
    if row is None:
        raise AssignmentNotFound()
    try:
        found = await get_class(conn, user_id, row[0])
    except ClassNotFound as exc:  # not their class: not their assignment either
        raise AssignmentNotFound() from exc
    reading = conn.cursor(row_factory=class_row(Assignment))
    await reading.execute(ONE, {**_viewer(found, user_id), "assignment_id": assignment_id})
    assignment = await reading.fetchone()
    assert assignment is not None  # its class is the caller's
    return assignment


@dataclass
class Question:
    """A question of an assignment; `answer`, `explanation` and the source only for its
    teachers and for a student who has submitted."""

    id: UUID
    ordinal: int
    kind: str
    question: str
    options: list[str]
    answer: str | None
    explanation: str | None
    filename: str | None
    page_start: int | None
    page_end: int | None
    quote: str | None


QUESTIONS = """
SELECT id, ordinal, kind, question, options,
       CASE WHEN %(keys)s THEN answer END AS answer,
       CASE WHEN %(keys)s THEN explanation END AS explanation,
       CASE WHEN %(keys)s THEN filename END AS filename,
       CASE WHEN %(keys)s THEN page_start END AS page_start,
       CASE WHEN %(keys)s THEN page_end END AS page_end,
       CASE WHEN %(keys)s THEN quote END AS quote
FROM assignment_items WHERE assignment_id = %(assignment_id)s
ORDER BY ordinal
"""


async def questions(conn: AsyncConnection, assignment: Assignment, keys: bool) -> list[Question]:
    """The assignment's questions in order, with their keys or without."""
    cur = conn.cursor(row_factory=class_row(Question))
    await cur.execute(QUESTIONS, {"assignment_id": assignment.id, "keys": keys})
    return await cur.fetchall()
