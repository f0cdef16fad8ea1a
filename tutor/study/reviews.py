"""Reviewing a card, idempotently, and undoing the last review.

The client names each review with its own id, the primary key of the log: a retried submit finds
its row and returns it unchanged; the same id for another card or rating is a conflict. The card
row is locked first, so two reviews of one card (or two copies of one review) take turns and the
second sees what the first wrote. Each review also writes a `review` study event in the same
transaction; undo restores the card's state before the review, marks the log row undone and
retracts the event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import class_row

from tutor.study import scheduling
from tutor.study.errors import CardNotFound, NothingToUndo, ReviewIdReused
from tutor.study.record import StudyEvent, record, retract
from tutor.study.scheduling import CardState, Memory, Reviewer


@dataclass(frozen=True, slots=True)
class ReviewInput:
    """A review as the client submits it."""

    review_id: UUID
    card_id: UUID
    rating: int
    duration_ms: int | None = None


@dataclass
class Review:
    """A logged review: the rating and the card's state before and after it."""

    id: UUID
    card_id: UUID
    rating: int
    reviewed_at: datetime
    duration_ms: int | None
    state_before: str
    due_before: datetime
    state_after: str
    step_after: int | None
    stability_after: float | None
    difficulty_after: float | None
    due_after: datetime
    undone_at: datetime | None


@dataclass
class _LockedCard:
    id: UUID
    deck_id: UUID
    state: CardState
    step: int | None
    stability: float | None
    difficulty: float | None
    due_at: datetime
    last_review_at: datetime | None
    document_id: UUID | None
    exam_date: date | None


LOCK_CARD = """
SELECT c.id, c.deck_id, c.state, c.step, c.stability, c.difficulty, c.due_at, c.last_review_at,
       n.document_id, d.exam_date
FROM cards c JOIN card_notes n ON n.id = c.note_id JOIN decks d ON d.id = c.deck_id
WHERE c.id = %(card_id)s AND c.user_id = %(user_id)s
FOR UPDATE OF c
"""
FIND_REVIEW = """
SELECT id, card_id, rating, reviewed_at, duration_ms, state_before, due_before,
       state_after, step_after, stability_after, difficulty_after, due_after, undone_at, user_id
FROM review_logs WHERE id = %(id)s
"""


async def submit_review(
    conn: AsyncConnection,
    user_id: UUID,
    review: ReviewInput,
    reviewer: Reviewer,
    now: datetime | None = None,
) -> Review:
    """Apply a review (once, however often it is submitted); raises CardNotFound and
    ReviewIdReused."""
    card = await _lock_card(conn, user_id, review.card_id)
    earlier = await _earlier(conn, user_id, review)
    if earlier is not None:
        return earlier
    moment = now or datetime.now(UTC)
    memory = Memory(
        card.state, card.step, card.stability, card.difficulty, card.due_at, card.last_review_at
    )
    exam = scheduling.exam_of(card.exam_date, reviewer.zone)
    after = scheduling.review(reviewer.scheduler, memory, review.rating, moment, exam)
    logged = await _log(conn, user_id, review, card, after, moment)
    if logged is None:  # the same id, written meanwhile for another card
        earlier = await _earlier(conn, user_id, review)
        assert earlier is not None
        return earlier
    await _apply(conn, review, card, after)
    await record(conn, _event(user_id, review, card, moment))
    return logged


async def _lock_card(conn: AsyncConnection, user_id: UUID, card_id: UUID) -> _LockedCard:
    cur = conn.cursor(row_factory=class_row(_LockedCard))
    await cur.execute(LOCK_CARD, {"card_id": card_id, "user_id": user_id})
    card = await cur.fetchone()
    if card is None:
        raise CardNotFound()
    return card


async def _earlier(conn: AsyncConnection, user_id: UUID, review: ReviewInput) -> Review | None:
    """The review already logged under this id, if it is the same review; ReviewIdReused if
    the id was used for something else."""
    cur = await conn.execute(FIND_REVIEW, {"id": review.review_id})
    row = await cur.fetchone()
    if row is None:
        return None
    found = Review(*row[:-1])
    if row[-1] != user_id or found.card_id != review.card_id or found.rating != review.rating:
        raise ReviewIdReused()
    return found


INSERT_REVIEW = """
INSERT INTO review_logs (id, card_id, user_id, rating, reviewed_at, duration_ms,
    state_before, step_before, stability_before, difficulty_before, due_before,
    last_review_before, state_after, step_after, stability_after, difficulty_after, due_after)
VALUES (%(id)s, %(card_id)s, %(user_id)s, %(rating)s, %(reviewed_at)s, %(duration_ms)s,
    %(state_before)s, %(step_before)s, %(stability_before)s, %(difficulty_before)s,
    %(due_before)s, %(last_review_before)s, %(state_after)s, %(step_after)s,
    %(stability_after)s, %(difficulty_after)s, %(due_after)s)
ON CONFLICT (id) DO NOTHING
RETURNING id, card_id, rating, reviewed_at, duration_ms, state_before, due_before,
    state_after, step_after, stability_after, difficulty_after, due_after, undone_at
"""


async def _log(
    conn: AsyncConnection,
    user_id: UUID,
    review: ReviewInput,
    card: _LockedCard,
    after: Memory,
    moment: datetime,
) -> Review | None:
    params = {
        "id": review.review_id,
        "card_id": card.id,
        "user_id": user_id,
        "rating": review.rating,
        "reviewed_at": moment,
        "duration_ms": review.duration_ms,
        "state_before": card.state,
        "step_before": card.step,
        "stability_before": card.stability,
        "difficulty_before": card.difficulty,
        "due_before": card.due_at,
        "last_review_before": card.last_review_at,
        "state_after": after.state,
        "step_after": after.step,
        "stability_after": after.stability,
        "difficulty_after": after.difficulty,
        "due_after": after.due_at,
    }
    cur = conn.cursor(row_factory=class_row(Review))
    await cur.execute(INSERT_REVIEW, params)
    return await cur.fetchone()


APPLY_REVIEW = """
UPDATE cards SET state = %(state)s, step = %(step)s, stability = %(stability)s,
    difficulty = %(difficulty)s, due_at = %(due_at)s, last_review_at = %(last_review_at)s,
    reps = reps + 1, lapses = lapses + %(lapse)s
WHERE id = %(id)s
"""


async def _apply(
    conn: AsyncConnection, review: ReviewInput, card: _LockedCard, after: Memory
) -> None:
    params = {
        "id": card.id,
        "state": after.state,
        "step": after.step,
        "stability": after.stability,
        "difficulty": after.difficulty,
        "due_at": after.due_at,
        "last_review_at": after.last_review_at,
        "lapse": _lapse(card.state, review.rating),
    }
    await conn.execute(APPLY_REVIEW, params)


def _lapse(state_before: str, rating: int) -> int:
    """1 when a card in review was forgotten (FSRS's and Anki's lapse)."""
    return int(state_before == "review" and rating == 1)


def _event(user_id: UUID, review: ReviewInput, card: _LockedCard, moment: datetime) -> StudyEvent:
    duration_s = round(review.duration_ms / 1000) if review.duration_ms is not None else None
    detail = {
        "rating": review.rating,
        "passed": review.rating > 1,
        "state_before": card.state,
        "card_id": str(card.id),
        "deck_id": str(card.deck_id),
    }
    return StudyEvent(
        user_id=user_id,
        kind="review",
        source_key=str(review.review_id),
        occurred_at=moment,
        duration_s=duration_s,
        document_id=card.document_id,
        detail=detail,
    )


LAST_REVIEW = """
SELECT id, card_id, rating, state_before, step_before, stability_before, difficulty_before,
       due_before, last_review_before
FROM review_logs
WHERE user_id = %(user_id)s AND undone_at IS NULL
ORDER BY reviewed_at DESC, id DESC
LIMIT 1
FOR UPDATE
"""
RESTORE_CARD = """
UPDATE cards SET state = %(state_before)s, step = %(step_before)s,
    stability = %(stability_before)s, difficulty = %(difficulty_before)s,
    due_at = %(due_before)s, last_review_at = %(last_review_before)s,
    reps = greatest(reps - 1, 0), lapses = greatest(lapses - %(lapse)s, 0)
WHERE id = %(card_id)s
"""
MARK_UNDONE = """
UPDATE review_logs SET undone_at = now() WHERE id = %(id)s
RETURNING id, card_id, rating, reviewed_at, duration_ms, state_before, due_before,
    state_after, step_after, stability_after, difficulty_after, due_after, undone_at
"""


async def undo_last_review(conn: AsyncConnection, user_id: UUID) -> Review:
    """Undo the user's last review not yet undone; raises NothingToUndo."""
    cur = await conn.execute(LAST_REVIEW, {"user_id": user_id})
    row = await cur.fetchone()
    if row is None:
        raise NothingToUndo()
    columns = [column.name for column in cur.description or ()]
    last = dict(zip(columns, row, strict=True))
    last["lapse"] = _lapse(last["state_before"], last["rating"])
    await conn.execute(RESTORE_CARD, last)
    marked = conn.cursor(row_factory=class_row(Review))
    await marked.execute(MARK_UNDONE, {"id": last["id"]})
    undone = await marked.fetchone()
    assert undone is not None
    await retract(conn, user_id, "review", str(undone.id))
    return undone
