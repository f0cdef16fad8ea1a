"""Submitting an assignment: a student sends all their answers at once; each is graded then, as
practice answers are (`tutor.study.answer_grading`): multiple choice exactly, short answers by
their words and meaning, an unsure one left waiting for a teacher (`tutor.classes.grading`).

The submission id comes from the client, so a retried submit returns the submission already
stored. Submissions are numbered per student under a lock on (assignment, student), so two at
once cannot both be the last one allowed. A submission after the due time is kept and marked
late. Every answer goes into the learning record as a practice answer (XP for the ones right on
the first attempt, and for the set by its score), and the first submission completes the
student's task for the assignment (on time or not).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import class_row

from ingestion.embedding import Embedder
from tutor.classes.assignments import Assignment, Question, get_assignment, questions
from tutor.classes.errors import (
    AssignmentNotFound,
    AssignmentNotOpen,
    NoAttemptsLeft,
    NotAStudent,
    SubmissionIdReused,
)
from tutor.errors import InvalidInput
from tutor.study.answer_grading import Grade, grade_choice, grade_short
from tutor.study.record import StudyEvent, record
from tutor.study.tasks import complete_task, moment_of


@dataclass
class GradedAnswer:
    """One answer of a submission with its grade and, now that it is submitted, the key."""

    item_id: UUID
    ordinal: int
    answer: str
    verdict: str
    correct: bool | None
    similarity: float | None
    graded_by_teacher: bool
    key: str
    explanation: str


@dataclass
class Submission:
    """A student's submission of an assignment, graded."""

    id: UUID
    assignment_id: UUID
    attempt: int
    submitted_at: datetime
    late: bool
    answers: list[GradedAnswer]

    @property
    def score(self) -> float:
        """The share of the questions answered right (one waiting for a teacher is not, yet)."""
        return sum(a.correct is True for a in self.answers) / len(self.answers)

    @property
    def waiting(self) -> int:
        """Answers still waiting for a teacher's grade."""
        return sum(a.correct is None for a in self.answers)


SUBMISSION = """
SELECT id, assignment_id, student_id, attempt, submitted_at, late
FROM assignment_submissions WHERE id = %(id)s
"""
LOCK = "SELECT pg_advisory_xact_lock(hashtextextended(%(key)s, 0))"
USED = """
SELECT count(*) FROM assignment_submissions
WHERE assignment_id = %(assignment_id)s AND student_id = %(user_id)s
"""
INSERT = """
INSERT INTO assignment_submissions (id, assignment_id, student_id, attempt, submitted_at, late,
                                    questions)
VALUES (%(id)s, %(assignment_id)s, %(user_id)s, %(attempt)s, %(now)s, %(now)s > %(due_at)s,
        %(questions)s)
"""
# A submission's answers counted again, after they were graded or a teacher changed a grade.
RECOUNT = """
UPDATE assignment_submissions s
SET correct = c.correct, waiting = c.waiting
FROM (SELECT count(*) FILTER (WHERE correct) AS correct,
             count(*) FILTER (WHERE correct IS NULL) AS waiting
      FROM assignment_answers WHERE submission_id = %(id)s) c
WHERE s.id = %(id)s
"""
INSERT_ANSWER = """
INSERT INTO assignment_answers (submission_id, item_id, answer, verdict, correct, similarity)
VALUES (%(submission_id)s, %(item_id)s, %(answer)s, %(verdict)s, %(correct)s, %(similarity)s)
"""
TASK = """
SELECT id FROM tasks
WHERE user_id = %(user_id)s AND assignment_id = %(assignment_id)s AND status = 'open'
"""


async def submit(
    conn: AsyncConnection,
    embedder: Embedder,
    user_id: UUID,
    assignment_id: UUID,
    submission_id: UUID,
    answers: dict[UUID, str | int],
    now: datetime,
) -> Submission:
    """Grade and keep a student's answers (question id → text, or an option's index); a retry
    with the same submission id returns the first."""
    assignment = await get_assignment(conn, user_id, assignment_id)
    if assignment.standing != "student":
        raise NotAStudent()
    params = {"id": submission_id, "assignment_id": assignment_id, "user_id": user_id}
    await conn.execute(LOCK, {"key": f"{assignment_id}:{user_id}"})
    if (done := await _stored(conn, user_id, assignment_id, submission_id)) is not None:
        return done
    if now < assignment.opens_at:
        raise AssignmentNotOpen()
    cur = await conn.execute(USED, params)
    row = await cur.fetchone()
    used = int(row[0]) if row else 0
    if used >= assignment.attempts_allowed:
        raise NoAttemptsLeft()
    asked = await questions(conn, assignment, keys=True)
    unknown = set(answers) - {q.id for q in asked}
    if unknown:
        raise InvalidInput("An answer is for a question this assignment does not have.")
    await conn.execute(
        INSERT,
        {
            **params,
            "attempt": used + 1,
            "now": now,
            "due_at": assignment.due_at,
            "questions": len(asked),
        },
    )
    graded: list[tuple[Question, Grade]] = []
    for question in asked:
        text, grade = await _graded(embedder, question, answers.get(question.id))
        graded.append((question, grade))
        columns = {
            "verdict": grade.verdict,
            "correct": grade.correct,
            "similarity": grade.similarity,
        }
        await conn.execute(
            INSERT_ANSWER,
            {"submission_id": submission_id, "item_id": question.id, "answer": text, **columns},
        )
    await recount(conn, submission_id)
    await _record(conn, user_id, assignment_id, submission_id, used + 1, graded, now)
    await _complete_task(conn, user_id, assignment, now)
    stored = await _stored(conn, user_id, assignment_id, submission_id)
    assert stored is not None  # written above
    return stored


def _grade_columns(grade: Grade) -> dict[str, object]:
    return {"verdict": grade.verdict, "correct": grade.correct, "similarity": grade.similarity}


async def recount(conn: AsyncConnection, submission_id: UUID) -> None:
    """Count a submission's answers again (right, waiting) after grading."""
    await conn.execute(RECOUNT, {"id": submission_id})


async def _graded(
    embedder: Embedder, question: Question, given: str | int | None
) -> tuple[str, Grade]:
    """The answer as text and its grade; a question left blank is wrong."""
    key = question.answer or ""
    if given is None or (isinstance(given, str) and not given.strip()):
        return "", Grade("incorrect", False)
    if question.kind == "multiple_choice" and question.options:
        text = _option(question, given)
        return text, grade_choice(text, key)
    text = str(given).strip()[:2000]
    return text, await grade_short(embedder, text, key)


def _option(question: Question, given: str | int) -> str:
    if isinstance(given, int):
        if not 0 <= given < len(question.options):
            raise InvalidInput("That option does not exist.")
        return question.options[given]
    if given.strip() not in (option.strip() for option in question.options):
        raise InvalidInput("An answer is not one of its question's options.")
    return given.strip()


async def _record(
    conn: AsyncConnection,
    user_id: UUID,
    assignment_id: UUID,
    submission_id: UUID,
    attempt: int,
    graded: list[tuple[Question, Grade]],
    now: datetime,
) -> None:
    """Each answer into the learning record, as a practice answer: right on the first attempt
    earns its XP, and the first attempt as a whole completes the set (XP by its score, once per
    assignment). No document is named: the questions come from the teacher's documents, not
    the student's, so they move no mastery of the student's own notes."""
    right = sum(grade.correct is True for _, grade in graded)
    for n, (question, grade) in enumerate(graded, start=1):
        detail: dict[str, Any] = {
            "correct": grade.correct,
            "first_try": attempt == 1,
            "set_id": str(assignment_id),
        }
        if attempt == 1 and n == len(graded):
            detail["set_done"] = {"correct": right, "questions": len(graded)}
        key = f"assignment:{submission_id}:{question.id}"
        await record(conn, StudyEvent(user_id, "practice_answer", key, now, detail=detail))


async def _complete_task(
    conn: AsyncConnection, user_id: UUID, assignment: Assignment, now: datetime
) -> None:
    cur = await conn.execute(TASK, {"user_id": user_id, "assignment_id": assignment.id})
    row = await cur.fetchone()
    if row is not None:
        await complete_task(conn, user_id, row[0], await moment_of(conn, user_id, now))


ANSWERS = """
SELECT x.item_id, i.ordinal, x.answer, x.verdict, x.correct, x.similarity,
       x.graded_by IS NOT NULL AS graded_by_teacher, i.answer AS key, i.explanation
FROM assignment_answers x JOIN assignment_items i ON i.id = x.item_id
WHERE x.submission_id = %(id)s
ORDER BY i.ordinal
"""


async def _stored(
    conn: AsyncConnection, user_id: UUID, assignment_id: UUID, submission_id: UUID
) -> Submission | None:
    """The submission with this id if it is this student's of this assignment; None if there is
    none; SubmissionIdReused if the id is someone else's or another assignment's."""
    cur = await conn.execute(SUBMISSION, {"id": submission_id})
    row = await cur.fetchone()
    if row is None:
        return None
    _, found_assignment, student, attempt, submitted_at, late = row
    if (found_assignment, student) != (assignment_id, user_id):
        raise SubmissionIdReused()
    reading = conn.cursor(row_factory=class_row(GradedAnswer))
    await reading.execute(ANSWERS, {"id": submission_id})
    answers = await reading.fetchall()
    return Submission(submission_id, assignment_id, attempt, submitted_at, late, answers)


MINE = """
SELECT id FROM assignment_submissions
WHERE assignment_id = %(assignment_id)s AND student_id = %(user_id)s
ORDER BY attempt
"""


async def my_submissions(
    conn: AsyncConnection, user_id: UUID, assignment_id: UUID
) -> list[Submission]:
    """The caller's own submissions of an assignment of their class, first attempt first."""
    await get_assignment(conn, user_id, assignment_id)
    cur = await conn.execute(MINE, {"assignment_id": assignment_id, "user_id": user_id})
    found = []
    for (submission_id,) in await cur.fetchall():
        stored = await _stored(conn, user_id, assignment_id, submission_id)
        if stored is None:
            raise AssignmentNotFound()
        found.append(stored)
    return found
