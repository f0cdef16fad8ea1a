"""An assignment's analysis, for its class's teachers: how complete it is, how its scores spread,
and each question's statistics (`tutor.classes.item_analysis`) with the flags that say which
questions to look at again.

The statistics read each student's **first** submission: a question is measured where the
students met it unprepared, not after they saw its key. An answer still waiting for a teacher
counts as not right, as everywhere else until it is graded.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from psycopg import AsyncConnection

from tutor.classes.assignments import Assignment, Question, get_assignment, questions
from tutor.classes.errors import NotATeacher
from tutor.classes.item_analysis import ItemStats, Response, analyse_items, score_histogram


@dataclass(frozen=True, slots=True)
class ItemReport:
    """A question with its statistics."""

    question: Question
    stats: ItemStats


@dataclass(frozen=True, slots=True)
class Analysis:
    """Completion, the first submissions' score histogram (10 bins over 0..1) and the items."""

    assignment: Assignment
    students: int
    submitted: int
    histogram: list[int]
    items: list[ItemReport]


STUDENTS = "SELECT count(*) FROM class_members WHERE class_id = %(class_id)s"
# Each student's first submission, an answer per question in the assignment's order.
FIRST_ANSWERS = """
SELECT s.student_id, x.item_id, x.answer, coalesce(x.correct, false)
FROM assignment_submissions s JOIN assignment_answers x ON x.submission_id = s.id
WHERE s.assignment_id = %(assignment_id)s AND s.attempt = 1
ORDER BY s.submitted_at, s.student_id
"""


async def analyse(conn: AsyncConnection, user_id: UUID, assignment_id: UUID) -> Analysis:
    """The analysis of an assignment of a class the caller teaches."""
    assignment = await get_assignment(conn, user_id, assignment_id)
    if assignment.standing == "student":
        raise NotATeacher()
    asked = await questions(conn, assignment, keys=True)
    cur = await conn.execute(STUDENTS, {"class_id": assignment.class_id})
    row = await cur.fetchone()
    students = int(row[0]) if row else 0
    cur = await conn.execute(FIRST_ANSWERS, {"assignment_id": assignment_id})
    by_student: dict[UUID, dict[UUID, tuple[str, bool]]] = {}
    for student, item_id, answer, correct in await cur.fetchall():
        by_student.setdefault(student, {})[item_id] = (answer, correct)
    responses = [_response(asked, answers) for answers in by_student.values()]
    options = [len(q.options) if q.kind == "multiple_choice" else 0 for q in asked]
    stats = analyse_items(responses, options)
    scores = [sum(r.correct) / len(asked) for r in responses] if asked else []
    return Analysis(
        assignment,
        students,
        len(responses),
        score_histogram(scores),
        [ItemReport(q, s) for q, s in zip(asked, stats, strict=True)],
    )


def _response(asked: list[Question], answers: dict[UUID, tuple[str, bool]]) -> Response:
    """One student's row of the matrix: right or not, and the option chosen, per question."""
    correct, chosen = [], []
    for question in asked:
        answer, right = answers.get(question.id, ("", False))
        correct.append(right)
        picked = question.options.index(answer) if answer in question.options else None
        chosen.append(picked if question.kind == "multiple_choice" else None)
    return Response(tuple(correct), tuple(chosen))
