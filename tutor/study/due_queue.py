"""What to review next: the learning and relearning cards due now first (by due time), then the
reviews due today (by due time), then new cards (oldest first), each deck giving at most its
daily review and new-card limits less what was already reviewed today in the student's zone.
Learning cards are not limited: they are cards the student is in the middle of.

`order_queue` is the rule; `QUEUE` is the same rule in one statement, which reads each deck's
three lists from their own partial indexes and stops at the deck's limit and the page size.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from psycopg import AsyncConnection
from psycopg.rows import class_row

from tutor.study import scheduling
from tutor.study.cards import Card
from tutor.study.scheduling import Reviewer

LEARNING, REVIEW, NEW = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Candidate:
    """The fields of a card the queue is ordered by."""

    id: UUID
    deck_id: UUID
    state: str
    due_at: datetime
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Allowance:
    """How many more reviews and new cards a deck gives today."""

    reviews_left: int
    new_left: int


def allowance(
    reviews_per_day: int, new_per_day: int, reviews_done: int, new_done: int
) -> Allowance:
    """A deck's allowance from its limits and today's reviews."""
    return Allowance(max(0, reviews_per_day - reviews_done), max(0, new_per_day - new_done))


def bucket(card: Candidate, now: datetime, day_end: datetime) -> int | None:
    """The card's place in the queue (LEARNING, REVIEW, NEW), None when it is not due."""
    if card.state == "new":
        return NEW
    if card.state == "review":
        return REVIEW if card.due_at < day_end else None
    return LEARNING if card.due_at <= now else None


def sort_key(card: Candidate, place: int) -> tuple[int, datetime, UUID]:
    """The queue's order: bucket, then due time (created time for new cards), then id."""
    return place, card.created_at if place == NEW else card.due_at, card.id


def order_queue(
    cards: Iterable[Candidate],
    allowances: Mapping[UUID, Allowance],
    *,
    now: datetime,
    day_end: datetime,
    size: int,
) -> list[Candidate]:
    """The first `size` cards of the queue, within each deck's allowance."""
    placed = [(place, card) for card in cards if (place := bucket(card, now, day_end)) is not None]
    placed.sort(key=lambda item: sort_key(item[1], item[0]))
    taken: Counter[tuple[UUID, int]] = Counter()
    queue: list[Candidate] = []
    for place, card in placed:
        if len(queue) == size:
            break
        if place != LEARNING and taken[card.deck_id, place] >= _limit(allowances, card, place):
            continue
        taken[card.deck_id, place] += 1
        queue.append(card)
    return queue


def _limit(allowances: Mapping[UUID, Allowance], card: Candidate, place: int) -> int:
    deck = allowances.get(card.deck_id, Allowance(0, 0))
    return deck.reviews_left if place == REVIEW else deck.new_left


@dataclass
class QueuedCard(Card):
    """A card of the queue, with its deck's exam date (which caps its next interval)."""

    place: int
    exam_date: date | None


def next_dues(reviewer: Reviewer, card: QueuedCard, now: datetime) -> dict[int, datetime]:
    """When `card` would be due again after each rating, for the rating buttons' labels."""
    exam = scheduling.exam_of(card.exam_date, reviewer.zone)
    return scheduling.preview(reviewer.scheduler, card.memory, now, exam)


# Shared by both statements: the decks in scope and what each still gives today.
_ALLOWANCES = """
WITH scope AS (
    SELECT id, new_per_day, reviews_per_day FROM decks
    WHERE user_id = %(user_id)s AND (%(deck_id)s::uuid IS NULL OR id = %(deck_id)s::uuid)
), done AS (
    SELECT c.deck_id,
           count(*) FILTER (WHERE l.state_before = 'review') AS reviews_done,
           count(*) FILTER (WHERE l.state_before = 'new') AS new_done
    FROM review_logs l JOIN cards c ON c.id = l.card_id
    WHERE l.user_id = %(user_id)s AND l.reviewed_at >= %(day_start)s AND l.undone_at IS NULL
    GROUP BY c.deck_id
), allowance AS (
    SELECT s.id AS deck_id,
           greatest(0, s.reviews_per_day - coalesce(d.reviews_done, 0)) AS reviews_left,
           greatest(0, s.new_per_day - coalesce(d.new_done, 0)) AS new_left
    FROM scope s LEFT JOIN done d ON d.deck_id = s.id
)
"""
QUEUE = (
    _ALLOWANCES
    + """
SELECT c.id, c.note_id, c.deck_id, c.ordinal, c.state, c.step, c.stability, c.difficulty,
       c.due_at, c.last_review_at, c.reps, c.lapses, n.kind, n.front, n.back, n.document_id,
       n.filename, n.page_start, n.page_end, n.quote, n.stale_reason, top.place, d.exam_date
FROM (
    SELECT q.place, q.sort_at, q.id
    FROM allowance a CROSS JOIN LATERAL (
        (SELECT 0 AS place, due_at AS sort_at, id FROM cards
         WHERE deck_id = a.deck_id AND state IN ('learning', 'relearning')
           AND due_at <= %(now)s
         ORDER BY due_at, id LIMIT %(size)s)
        UNION ALL
        (SELECT 1, due_at, id FROM cards
         WHERE deck_id = a.deck_id AND state = 'review' AND due_at < %(day_end)s
         ORDER BY due_at, id LIMIT least(a.reviews_left, %(size)s))
        UNION ALL
        (SELECT 2, created_at, id FROM cards
         WHERE deck_id = a.deck_id AND state = 'new'
         ORDER BY created_at, id LIMIT least(a.new_left, %(size)s))
    ) q
    ORDER BY q.place, q.sort_at, q.id
    LIMIT %(size)s
) top
JOIN cards c ON c.id = top.id
JOIN card_notes n ON n.id = c.note_id
JOIN decks d ON d.id = c.deck_id
ORDER BY top.place, top.sort_at, top.id
"""
)


@dataclass(frozen=True, slots=True)
class Window:
    """The instants a queue is computed for: now, and the student's local day around it."""

    now: datetime
    day_start: datetime
    day_end: datetime


def window_at(now: datetime, zone: ZoneInfo) -> Window:
    """The window of the local day in `zone` that holds `now`."""
    today = now.astimezone(zone).date()
    return Window(
        now=now,
        day_start=datetime.combine(today, time(), tzinfo=zone),
        day_end=datetime.combine(today + timedelta(days=1), time(), tzinfo=zone),
    )


def _params(user_id: UUID, deck_id: UUID | None, window: Window) -> dict[str, object]:
    return {
        "user_id": user_id,
        "deck_id": deck_id,
        "now": window.now,
        "day_start": window.day_start,
        "day_end": window.day_end,
    }


async def due_queue(
    conn: AsyncConnection, user_id: UUID, deck_id: UUID | None, window: Window, size: int
) -> list[QueuedCard]:
    """The next `size` cards to review, in one deck or across all the user's decks."""
    cur = conn.cursor(row_factory=class_row(QueuedCard))
    await cur.execute(QUEUE, {**_params(user_id, deck_id, window), "size": size})
    return await cur.fetchall()


@dataclass
class QueueCounts:
    """What is left today: learning cards due now, reviews and new cards within the limits,
    and learning cards coming back later today."""

    learning: int
    review: int
    new: int
    later_today: int
    next_due_at: datetime | None


COUNTS = (
    _ALLOWANCES
    + """
SELECT coalesce(sum(l.now_due), 0)::int AS learning, coalesce(sum(r.n), 0)::int AS review,
       coalesce(sum(w.n), 0)::int AS new, coalesce(sum(l.later), 0)::int AS later_today,
       min(l.next_due_at) AS next_due_at
FROM allowance a
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE due_at <= %(now)s) AS now_due,
           count(*) FILTER (WHERE due_at > %(now)s) AS later,
           min(due_at) FILTER (WHERE due_at > %(now)s) AS next_due_at
    FROM cards WHERE deck_id = a.deck_id AND state IN ('learning', 'relearning')
      AND due_at < %(day_end)s
) l
CROSS JOIN LATERAL (
    SELECT count(*) AS n FROM (
        SELECT 1 FROM cards WHERE deck_id = a.deck_id AND state = 'review'
          AND due_at < %(day_end)s LIMIT a.reviews_left) x
) r
CROSS JOIN LATERAL (
    SELECT count(*) AS n FROM (
        SELECT 1 FROM cards WHERE deck_id = a.deck_id AND state = 'new' LIMIT a.new_left) x
) w
"""
)


async def queue_counts(
    conn: AsyncConnection, user_id: UUID, deck_id: UUID | None, window: Window
) -> QueueCounts:
    """How many cards are left today, in one deck or across all the user's decks."""
    cur = conn.cursor(row_factory=class_row(QueueCounts))
    await cur.execute(COUNTS, _params(user_id, deck_id, window))
    counts = await cur.fetchone()
    assert counts is not None
    return counts
