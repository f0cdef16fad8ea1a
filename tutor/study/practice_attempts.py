"""Answering the questions of a saved practice set: graded attempts, and the set's score.

Each answer is graded when given (`tutor.study.answer_grading`) and written with its
`practice_answer` event in the caller's transaction. The attempt id comes from the client, so a
retried submit returns the attempt already stored instead of grading again. A short answer the
grader is unsure of stays `uncertain` until the student says whether they were right.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from ingestion.embedding import Embedder
from tutor.errors import InvalidInput, PracticeSetNotFound
from tutor.study.answer_grading import Grade, grade_choice, grade_short
from tutor.study.errors import (
    AttemptIdReused,
    AttemptNotUncertain,
    PracticeAttemptNotFound,
    PracticeItemNotFound,
)
from tutor.study.record import StudyEvent, record


@dataclass(frozen=True, slots=True)
class Answer:
    """What the student sent: the attempt's id, the question (by id or ordinal), the answer
    (text, or for multiple choice the option's index)."""

    attempt_id: UUID
    answer: str | int
    item_id: UUID | None = None
    ordinal: int | None = None


@dataclass
class Attempt:
    """A graded answer, with the key and explanation it may now show."""

    id: UUID
    set_id: UUID
    item_id: UUID
    ordinal: int
    document_id: UUID | None
    answer: str
    verdict: str
    correct: bool | None
    similarity: float | None
    answered_at: datetime
    first_try: bool
    key: str
    explanation: str


@dataclass
class Question:
    """What grading needs of a practice item."""

    id: UUID
    kind: str
    options: list[str]
    answer: str
    document_id: UUID | None


@dataclass(frozen=True, slots=True)
class Score:
    """How a set stands: its latest answer per question, counted."""

    questions: int
    answered: int
    correct: int
    uncertain: int

    @property
    def share(self) -> float | None:
        """The share of the latest answers that are correct; None before any."""
        return self.correct / self.answered if self.answered else None


ITEM_OF_SET = """
SELECT i.id, i.kind, i.options, i.answer, i.document_id
FROM practice_items i JOIN practice_sets s ON s.id = i.set_id
WHERE s.id = %(set_id)s AND s.owner_id = %(user_id)s
  AND (i.id = %(item_id)s::uuid OR i.ordinal = %(ordinal)s::int)
"""
QUESTION_COUNT = """
SELECT (SELECT count(*) FROM practice_items i WHERE i.set_id = s.id)
FROM practice_sets s WHERE s.id = %(set_id)s AND s.owner_id = %(user_id)s
"""


async def question_of(
    conn: AsyncConnection, user_id: UUID, set_id: UUID, item_id: UUID | None, ordinal: int | None
) -> Question:
    """One question of the user's set, by id or ordinal."""
    cur = conn.cursor(row_factory=class_row(Question))
    params = {"user_id": user_id, "set_id": set_id, "item_id": item_id, "ordinal": ordinal}
    await cur.execute(ITEM_OF_SET, params)
    question = await cur.fetchone()
    if question is None:
        await question_count(conn, user_id, set_id)  # a missing set is a 404 of its own
        raise PracticeItemNotFound()
    return question


async def question_count(conn: AsyncConnection, user_id: UUID, set_id: UUID) -> int:
    """How many questions the user's set holds."""
    cur = await conn.execute(QUESTION_COUNT, {"user_id": user_id, "set_id": set_id})
    row = await cur.fetchone()
    if row is None:
        raise PracticeSetNotFound()
    return int(row[0])


def answer_text(question: Question, answer: str | int) -> str:
    """The answer as text; for multiple choice, one of the options (by index or text)."""
    if question.kind != "multiple_choice" or not question.options:
        return str(answer).strip()
    if isinstance(answer, int):
        if not 0 <= answer < len(question.options):
            raise InvalidInput("That option does not exist.")
        return question.options[answer]
    if answer.strip() not in (option.strip() for option in question.options):
        raise InvalidInput("The answer is not one of the options.")
    return answer.strip()


async def grade(embedder: Embedder, question: Question, text: str) -> Grade:
    """The verdict on an answer to the question."""
    if question.kind == "multiple_choice" and question.options:
        return grade_choice(text, question.answer)
    return await grade_short(embedder, text, question.answer)


ATTEMPT_COLUMNS = """
SELECT a.id, a.set_id, a.item_id, i.ordinal, a.document_id, a.answer, a.verdict, a.correct,
       a.similarity, a.answered_at, a.first_try, i.answer AS key, i.explanation
FROM practice_attempts a JOIN practice_items i ON i.id = a.item_id
"""
ATTEMPT_BY_ID = ATTEMPT_COLUMNS + "WHERE a.id = %(id)s AND a.user_id = %(user_id)s"
# The latest attempt at each question of a set, in the set's order.
LATEST_OF_SET = """
SELECT * FROM (
    SELECT DISTINCT ON (a.item_id)
           a.id, a.set_id, a.item_id, i.ordinal, a.document_id, a.answer, a.verdict, a.correct,
           a.similarity, a.answered_at, a.first_try, i.answer AS key, i.explanation
    FROM practice_attempts a JOIN practice_items i ON i.id = a.item_id
    WHERE a.user_id = %(user_id)s AND a.set_id = %(set_id)s
    ORDER BY a.item_id, a.answered_at DESC, a.id DESC
) latest
ORDER BY ordinal
"""


async def get_attempt(conn: AsyncConnection, user_id: UUID, attempt_id: UUID) -> Attempt | None:
    """One of the user's attempts, or None."""
    cur = conn.cursor(row_factory=class_row(Attempt))
    await cur.execute(ATTEMPT_BY_ID, {"id": attempt_id, "user_id": user_id})
    return await cur.fetchone()


async def latest_attempts(conn: AsyncConnection, user_id: UUID, set_id: UUID) -> list[Attempt]:
    """The user's latest attempt at each question of the set, in the set's order."""
    cur = conn.cursor(row_factory=class_row(Attempt))
    await cur.execute(LATEST_OF_SET, {"user_id": user_id, "set_id": set_id})
    return await cur.fetchall()


async def set_score(
    conn: AsyncConnection, user_id: UUID, set_id: UUID
) -> tuple[list[Attempt], Score]:
    """The latest attempt per question of the user's set, and the score they make."""
    questions = await question_count(conn, user_id, set_id)
    latest = await latest_attempts(conn, user_id, set_id)
    return latest, score(questions, latest)


def score(questions: int, latest: list[Attempt]) -> Score:
    """The score the latest attempts make; an unresolved uncertain one is not correct."""
    return Score(
        questions=questions,
        answered=len(latest),
        correct=sum(a.correct is True for a in latest),
        uncertain=sum(a.correct is None for a in latest),
    )


INSERT_ATTEMPT = """
INSERT INTO practice_attempts (id, user_id, set_id, item_id, document_id, answer, verdict,
                               correct, similarity, first_try)
SELECT %(id)s, %(user_id)s, %(set_id)s, %(item_id)s, %(document_id)s, %(answer)s, %(verdict)s,
       %(correct)s, %(similarity)s,
       NOT EXISTS (SELECT 1 FROM practice_attempts
                   WHERE user_id = %(user_id)s AND item_id = %(item_id)s)
ON CONFLICT (id) DO NOTHING
RETURNING answered_at, first_try
"""


async def submit(
    conn: AsyncConnection, embedder: Embedder, user_id: UUID, set_id: UUID, given: Answer
) -> Attempt:
    """Grade and store an answer with its study event; a retried submit returns the attempt
    already stored under its id."""
    question = await question_of(conn, user_id, set_id, given.item_id, given.ordinal)
    if (stored := await get_attempt(conn, user_id, given.attempt_id)) is not None:
        return replayed(stored, set_id, question)
    text = answer_text(question, given.answer)
    verdict = await grade(embedder, question, text)
    params = attempt_params(user_id, set_id, given.attempt_id, question, text, verdict)
    cur = await conn.execute(INSERT_ATTEMPT, params)
    row = await cur.fetchone()
    if row is None:  # the id was taken meanwhile, by this user's retry or by someone else
        stored = await get_attempt(conn, user_id, given.attempt_id)
        if stored is None:
            raise PracticeAttemptNotFound()
        return replayed(stored, set_id, question)
    answered_at, first_try = row
    event_detail: dict[str, Any] = {
        "correct": verdict.correct,
        "first_try": first_try,
        "set_id": str(set_id),
    }
    _, scored = await set_score(conn, user_id, set_id)
    if scored.answered == scored.questions:  # the set is finished: XP by its score
        event_detail["set_done"] = {"correct": scored.correct, "questions": scored.questions}
    await record(conn, answer_event(user_id, given.attempt_id, answered_at, question, event_detail))
    stored = await get_attempt(conn, user_id, given.attempt_id)
    assert stored is not None  # written just above, in this transaction
    return stored


def attempt_params(
    user_id: UUID, set_id: UUID, attempt_id: UUID, question: Question, text: str, verdict: Grade
) -> dict[str, Any]:
    """The INSERT_ATTEMPT parameters."""
    return {
        "id": attempt_id,
        "user_id": user_id,
        "set_id": set_id,
        "item_id": question.id,
        "document_id": question.document_id,
        "answer": text,
        "verdict": verdict.verdict,
        "correct": verdict.correct,
        "similarity": verdict.similarity,
    }


def answer_event(
    user_id: UUID, attempt_id: UUID, at: datetime, question: Question, detail: dict[str, Any]
) -> StudyEvent:
    """The learning record's entry for an answer."""
    return StudyEvent(
        user_id=user_id,
        kind="practice_answer",
        source_key=str(attempt_id),
        occurred_at=at,
        document_id=question.document_id,
        detail=detail,
    )


def replayed(stored: Attempt, set_id: UUID, question: Question) -> Attempt:
    """The stored attempt for a retried submit; a reused id for another question conflicts."""
    if stored.set_id != set_id or stored.item_id != question.id:
        raise AttemptIdReused()
    return stored


RESOLVE_ATTEMPT = """
UPDATE practice_attempts SET correct = %(correct)s
WHERE id = %(id)s AND user_id = %(user_id)s
"""
# The event is the record of this attempt, so it carries the student's final say too.
RESOLVE_EVENT = """
UPDATE study_events SET detail = detail || %(patch)s
WHERE user_id = %(user_id)s AND kind = 'practice_answer' AND source_key = %(source_key)s
"""


async def resolve(
    conn: AsyncConnection, user_id: UUID, set_id: UUID, attempt_id: UUID, correct: bool
) -> Attempt:
    """The student's own verdict on an uncertain attempt (they may change it later)."""
    stored = await get_attempt(conn, user_id, attempt_id)
    if stored is None or stored.set_id != set_id:
        raise PracticeAttemptNotFound()
    if stored.verdict != "uncertain":
        raise AttemptNotUncertain()
    params = {"id": attempt_id, "user_id": user_id, "correct": correct}
    await conn.execute(RESOLVE_ATTEMPT, params)
    patch = {
        "user_id": user_id,
        "source_key": str(attempt_id),
        "patch": Jsonb({"correct": correct}),
    }
    await conn.execute(RESOLVE_EVENT, patch)
    stored.correct = correct
    return stored
