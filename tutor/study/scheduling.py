"""FSRS-6 scheduling through the `fsrs` package, and our card rows to and from its `Card`.

Our rows add a `new` state the package has not (it calls a card that was never reviewed
`Learning` at step 0), and store times as timestamptz. The scheduler is built per user: their
desired retention, their optimized parameters when the optimizer has run, fuzzing as configured.
A deck's exam date then caps the due date (`tutor.study.exam_cap`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from fsrs import Card, Rating, Scheduler, State
from psycopg import AsyncConnection

from tutor.errors import UserNotFound
from tutor.study.exam_cap import capped_due

CardState = Literal["new", "learning", "review", "relearning"]
RATINGS = (1, 2, 3, 4)
_TO_FSRS = {"learning": State.Learning, "review": State.Review, "relearning": State.Relearning}
_FROM_FSRS: dict[State, CardState] = {
    State.Learning: "learning",
    State.Review: "review",
    State.Relearning: "relearning",
}


@dataclass(frozen=True, slots=True)
class Memory:
    """A card's scheduling state, as a row of `cards` stores it."""

    state: CardState
    step: int | None
    stability: float | None
    difficulty: float | None
    due_at: datetime
    last_review_at: datetime | None


@dataclass(frozen=True, slots=True)
class Exam:
    """An exam's day as instants: its start and the start of its eve, in the student's zone."""

    start: datetime
    eve: datetime


def exam_of(exam_date: date | None, zone: ZoneInfo) -> Exam | None:
    """The exam of a deck whose exam is on `exam_date` (local), None without one."""
    if exam_date is None:
        return None
    eve = exam_date - timedelta(days=1)
    # In UTC: arithmetic on zoned datetimes is wall-clock arithmetic, off by an hour across DST.
    return Exam(
        start=_utc(datetime.combine(exam_date, time(), tzinfo=zone)),
        eve=_utc(datetime.combine(eve, time(), tzinfo=zone)),
    )


def make_scheduler(
    desired_retention: float, parameters: Sequence[float] | None, *, fuzz: bool
) -> Scheduler:
    """A scheduler with the user's retention, parameters (None: FSRS-6's defaults) and fuzz."""
    if parameters is None:
        return Scheduler(desired_retention=desired_retention, enable_fuzzing=fuzz)
    return Scheduler(
        parameters=tuple(parameters), desired_retention=desired_retention, enable_fuzzing=fuzz
    )


def decay(scheduler: Scheduler) -> float:
    """The forgetting curve's decay d (FSRS-6's last parameter)."""
    return float(scheduler.parameters[20])


def to_fsrs(memory: Memory) -> Card:
    """The package's card for one of our rows."""
    if memory.state == "new":
        return Card(card_id=0, state=State.Learning, step=0, due=_utc(memory.due_at))
    return Card(
        card_id=0,
        state=_TO_FSRS[memory.state],
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=_utc(memory.due_at),
        last_review=_utc(memory.last_review_at) if memory.last_review_at else None,
    )


def from_fsrs(card: Card) -> Memory:
    """Our row's fields for the package's card."""
    return Memory(
        state=_FROM_FSRS[card.state],
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due_at=card.due,
        last_review_at=card.last_review,
    )


def review(
    scheduler: Scheduler, memory: Memory, rating: int, now: datetime, exam: Exam | None = None
) -> Memory:
    """The card's state after a review rated `rating` (1 again .. 4 easy) at `now`."""
    card, _ = scheduler.review_card(to_fsrs(memory), Rating(rating), _utc(now))
    after = from_fsrs(card)
    if exam is None or after.stability is None:
        return after
    due = capped_due(
        now=_utc(now),
        due=after.due_at,
        stability=after.stability,
        retention=scheduler.desired_retention,
        decay=decay(scheduler),
        exam_start=exam.start,
        eve_start=exam.eve,
    )
    return replace(after, due_at=_utc(due))


def preview(
    scheduler: Scheduler, memory: Memory, now: datetime, exam: Exam | None = None
) -> dict[int, datetime]:
    """When the card would be due again after each rating (labels for the rating buttons)."""
    return {rating: review(scheduler, memory, rating, now, exam).due_at for rating in RATINGS}


def _utc(moment: datetime) -> datetime:
    # The package insists on tzinfo being exactly `timezone.utc`.
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Reviewer:
    """What scheduling a user's reviews needs: their scheduler and their time zone."""

    scheduler: Scheduler
    zone: ZoneInfo


# The retention is stored as a `real`: rounded back to the 0.01 steps it is set in.
REVIEWER = """
SELECT round(u.desired_retention::numeric, 4)::float8, u.timezone, p.parameters
FROM users u LEFT JOIN fsrs_parameters p ON p.user_id = u.id
WHERE u.id = %(user_id)s
"""


async def reviewer(conn: AsyncConnection, user_id: UUID, *, fuzz: bool) -> Reviewer:
    """The scheduler for `user_id` (their retention and, once optimized, their parameters)."""
    cur = await conn.execute(REVIEWER, {"user_id": user_id})
    row = await cur.fetchone()
    if row is None:
        raise UserNotFound()
    retention, timezone, parameters = row
    return Reviewer(make_scheduler(retention, parameters, fuzz=fuzz), ZoneInfo(timezone))
