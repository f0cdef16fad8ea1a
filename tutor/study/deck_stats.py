"""A deck's statistics: what is due today and over the next 30 days, the retention the student
actually reached next to the one they asked for, its cards by state, and, before an exam, the
share of its cards predicted to be recalled on the exam day.

True retention is the share of reviews of cards in the review state (not learning steps) passed
(rated hard, good or easy) over the last 30 days. The exam-day prediction is the mean FSRS
retrievability of the deck's cards at the start of the exam day if the student stopped reviewing
now; a card never reviewed counts as forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from psycopg import AsyncConnection

from tutor.study import exam_cap, scheduling
from tutor.study.decks import get_deck
from tutor.study.due_queue import window_at
from tutor.study.scheduling import Reviewer

FORECAST_DAYS = 30
RETENTION_DAYS = 30
STATES = ("new", "learning", "review", "relearning")


@dataclass(frozen=True, slots=True)
class ForecastDay:
    """Cards due on one local day (the first day also holds the overdue ones)."""

    day: date
    due: int


@dataclass(frozen=True, slots=True)
class ExamPrediction:
    """The predicted share of the deck's cards recalled on its exam day."""

    exam_date: date
    days_left: int
    recall_share: float


@dataclass(frozen=True, slots=True)
class DeckStats:
    """Everything the deck page's statistics show."""

    deck_id: UUID
    due_today: int
    by_state: dict[str, int]
    forecast: list[ForecastDay]
    reviews_counted: int
    true_retention: float | None
    desired_retention: float
    exam: ExamPrediction | None


FORECAST = """
SELECT greatest((due_at AT TIME ZONE %(zone)s)::date, %(today)s::date) AS day, count(*)::int
FROM cards
WHERE deck_id = %(deck_id)s AND state <> 'new' AND due_at < %(horizon)s
GROUP BY 1 ORDER BY 1
"""
BY_STATE = "SELECT state, count(*)::int FROM cards WHERE deck_id = %(deck_id)s GROUP BY state"
TRUE_RETENTION = """
SELECT count(*)::int, count(*) FILTER (WHERE l.rating > 1)::int
FROM review_logs l JOIN cards c ON c.id = l.card_id
WHERE l.user_id = %(user_id)s AND c.deck_id = %(deck_id)s AND l.reviewed_at >= %(since)s
  AND l.state_before = 'review' AND l.undone_at IS NULL
"""
# FSRS-6's forgetting curve (tutor.study.exam_cap), in days since each card's last review.
EXAM_RECALL = """
SELECT coalesce(avg(CASE WHEN stability IS NULL OR last_review_at IS NULL THEN 0
    ELSE power(1 + %(factor)s * greatest(0, extract(epoch FROM %(exam)s - last_review_at)::float8
                                            / 86400) / stability, -%(decay)s)
    END), 0)::float8
FROM cards WHERE deck_id = %(deck_id)s
"""


async def deck_stats(
    conn: AsyncConnection, user_id: UUID, deck_id: UUID, reviewer: Reviewer, now: datetime
) -> DeckStats:
    """The statistics of one of the user's decks; raises DeckNotFound."""
    window = window_at(now, reviewer.zone)
    deck = await get_deck(conn, user_id, deck_id, window.day_end)
    today = window.day_start.date()
    retention = await _true_retention(conn, user_id, deck_id, now)
    return DeckStats(
        deck_id=deck_id,
        due_today=deck.due_today,
        by_state=await _by_state(conn, deck_id),
        forecast=await _forecast(conn, deck_id, reviewer, today),
        reviews_counted=retention[0],
        true_retention=retention[1] / retention[0] if retention[0] else None,
        desired_retention=reviewer.scheduler.desired_retention,
        exam=await _exam(conn, deck_id, deck.exam_date, reviewer, today),
    )


async def _by_state(conn: AsyncConnection, deck_id: UUID) -> dict[str, int]:
    cur = await conn.execute(BY_STATE, {"deck_id": deck_id})
    counted: dict[str, int] = dict(await cur.fetchall())
    return {state: counted.get(state, 0) for state in STATES}


async def _forecast(
    conn: AsyncConnection, deck_id: UUID, reviewer: Reviewer, today: date
) -> list[ForecastDay]:
    last = today + timedelta(days=FORECAST_DAYS)
    horizon = datetime.combine(last, datetime.min.time(), tzinfo=reviewer.zone)
    params = {"deck_id": deck_id, "zone": str(reviewer.zone), "today": today, "horizon": horizon}
    cur = await conn.execute(FORECAST, params)
    counted: dict[date, int] = dict(await cur.fetchall())
    days = (today + timedelta(days=n) for n in range(FORECAST_DAYS))
    return [ForecastDay(day, counted.get(day, 0)) for day in days]


async def _true_retention(
    conn: AsyncConnection, user_id: UUID, deck_id: UUID, now: datetime
) -> tuple[int, int]:
    since = now - timedelta(days=RETENTION_DAYS)
    cur = await conn.execute(
        TRUE_RETENTION, {"user_id": user_id, "deck_id": deck_id, "since": since}
    )
    row = await cur.fetchone()
    return (row[0], row[1]) if row else (0, 0)


async def _exam(
    conn: AsyncConnection,
    deck_id: UUID,
    exam_date: date | None,
    reviewer: Reviewer,
    today: date,
) -> ExamPrediction | None:
    exam = scheduling.exam_of(exam_date, reviewer.zone)
    if exam is None or exam_date is None or exam_date < today:
        return None
    decay = scheduling.decay(reviewer.scheduler)
    params = {
        "deck_id": deck_id,
        "exam": exam.start,
        "factor": exam_cap.factor(decay),
        "decay": decay,
    }
    cur = await conn.execute(EXAM_RECALL, params)
    row = await cur.fetchone()
    share = float(row[0]) if row else 0.0
    return ExamPrediction(exam_date, (exam_date - today).days, share)
