"""Flashcards: decks, notes and their cards, reviews (idempotent, undoable), the due queue and
each deck's statistics."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from api.deps import ConnDep, StateDep, UserDep
from api.error_responses import error_responses
from api.pagination import Cursor, Limit, Page, decode_cursor, paginate
from api.schemas import PublicModel
from tutor.study import cards, deck_stats, decks, due_queue, reviews, scheduling
from tutor.study.profile import get_profile

router = APIRouter(tags=["flashcards"], responses=error_responses(400, 401, 422))

Name = Annotated[str, Field(min_length=1, max_length=120)]
Description = Annotated[str, Field(max_length=2000)]
NewPerDay = Annotated[int, Field(ge=0, le=1000)]
ReviewsPerDay = Annotated[int, Field(ge=0, le=10000)]
Front = Annotated[str, Field(min_length=1, max_length=4000)]
Back = Annotated[str, Field(max_length=4000)]


class DeckCreate(BaseModel):
    """A new deck."""

    name: Name
    description: Description = ""
    new_per_day: NewPerDay = 20
    reviews_per_day: ReviewsPerDay = 200
    exam_date: date | None = None


class DeckUpdate(BaseModel):
    """Changes to a deck; omitted fields are kept, `exam_date: null` clears the exam."""

    name: Name | None = None
    description: Description | None = None
    new_per_day: NewPerDay | None = None
    reviews_per_day: ReviewsPerDay | None = None
    exam_date: date | None = None


class DeckPublic(PublicModel):
    """A deck with its cards counted (due today: in the student's time zone)."""

    id: UUID
    name: str
    description: str
    new_per_day: int
    reviews_per_day: int
    exam_date: date | None
    created_at: datetime
    updated_at: datetime
    new_count: int
    learning_count: int
    review_count: int
    due_today: int


class SourceIn(BaseModel):
    """Where a note comes from: a chunk of one's documents fills in document, file and pages."""

    document_id: UUID | None = None
    chunk_id: int | None = Field(default=None, ge=1)
    filename: str | None = Field(default=None, max_length=300)
    page_start: int | None = Field(default=None, ge=0)
    page_end: int | None = Field(default=None, ge=0)
    quote: str | None = Field(default=None, max_length=4000)


class NoteCreate(BaseModel):
    """A note: basic, reversed (two cards) or cloze (`{{c1::answer::hint}}`, a card each)."""

    kind: Literal["basic", "reversed", "cloze"]
    front: Front
    back: Back = ""
    source: SourceIn | None = None


class NoteUpdate(BaseModel):
    """Changes to a note; its cards follow (a cloze note gains or loses deletions' cards)."""

    kind: Literal["basic", "reversed", "cloze"] | None = None
    front: Front | None = None
    back: Back | None = None
    clear_stale: bool = Field(default=False, description="Dismiss the note's stale flag.")


class CardPublic(PublicModel):
    """A card: its two sides and its scheduling state."""

    id: UUID
    note_id: UUID
    deck_id: UUID
    ordinal: int
    state: str
    due_at: datetime
    last_review_at: datetime | None
    stability: float | None
    difficulty: float | None
    reps: int
    lapses: int
    question: str
    answer: str


class NotePublic(PublicModel):
    """A note with its source, its stale flag and its cards."""

    id: UUID
    deck_id: UUID
    kind: str
    front: str
    back: str
    document_id: UUID | None
    chunk_id: int | None
    filename: str | None
    page_start: int | None
    page_end: int | None
    quote: str | None
    quote_sha256: str | None
    stale_reason: str | None
    stale_at: datetime | None
    created_at: datetime
    updated_at: datetime
    cards: list[CardPublic]


class ReviewCreate(BaseModel):
    """A review; `review_id` is made by the client so that a retry counts once."""

    review_id: UUID
    rating: int = Field(ge=1, le=4, description="1 again, 2 hard, 3 good, 4 easy.")
    duration_ms: int | None = Field(default=None, ge=0, le=86_400_000)


class ReviewPublic(PublicModel):
    """A logged review with the card's state before and after."""

    id: UUID
    card_id: UUID
    rating: int
    reviewed_at: datetime
    duration_ms: int | None
    state_before: str
    due_before: datetime
    state_after: str
    stability_after: float | None
    difficulty_after: float | None
    due_after: datetime
    undone_at: datetime | None


class QueuedCardPublic(CardPublic):
    """A card to review, with its source and when it would come back after each rating."""

    kind: str
    document_id: UUID | None
    filename: str | None
    page_start: int | None
    page_end: int | None
    quote: str | None
    stale_reason: str | None
    next_due: dict[int, datetime]


class QueueCountsPublic(PublicModel):
    """What is left today within the decks' limits."""

    learning: int
    review: int
    new: int
    later_today: int
    next_due_at: datetime | None


class ReviewQueue(BaseModel):
    """The next cards to review, in order, and what is left today."""

    items: list[QueuedCardPublic]
    counts: QueueCountsPublic


class ForecastDayPublic(PublicModel):
    """Cards due on one local day."""

    day: date
    due: int


class ExamPublic(PublicModel):
    """The share of the deck's cards predicted to be recalled on the exam day."""

    exam_date: date
    days_left: int
    recall_share: float


class DeckStatsPublic(PublicModel):
    """A deck's due cards, 30-day forecast, measured vs desired retention, states and exam."""

    deck_id: UUID
    due_today: int
    by_state: dict[str, int]
    forecast: list[ForecastDayPublic]
    reviews_counted: int
    true_retention: float | None
    desired_retention: float
    exam: ExamPublic | None


async def _day_end(conn: ConnDep, user_id: UUID) -> datetime:
    profile = await get_profile(conn, user_id)
    return due_queue.window_at(datetime.now(UTC), profile.zone).day_end


@router.post("/decks", status_code=status.HTTP_201_CREATED)
async def create_deck(body: DeckCreate, user: UserDep, conn: ConnDep) -> DeckPublic:
    """Create a deck."""
    day_end = await _day_end(conn, user.user_id)
    fields = body.model_dump(exclude={"name"})
    deck = await decks.create_deck(conn, user.user_id, body.name, day_end, **fields)
    return DeckPublic.model_validate(deck)


@router.get("/decks")
async def list_decks(
    user: UserDep, conn: ConnDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[DeckPublic]:
    """The caller's decks, newest first, with their cards counted."""
    day_end = await _day_end(conn, user.user_id)
    rows = await decks.list_decks(
        conn, user.user_id, day_end, limit=limit + 1, after=decode_cursor(cursor)
    )
    shown, next_cursor = paginate(rows, limit, lambda d: (d.created_at, d.id))
    items = [DeckPublic.model_validate(d) for d in shown]
    return Page[DeckPublic](items=items, next_cursor=next_cursor)


@router.get("/decks/{deck_id}", responses=error_responses(404))
async def get_deck(deck_id: UUID, user: UserDep, conn: ConnDep) -> DeckPublic:
    """One of the caller's decks."""
    day_end = await _day_end(conn, user.user_id)
    return DeckPublic.model_validate(await decks.get_deck(conn, user.user_id, deck_id, day_end))


@router.patch("/decks/{deck_id}", responses=error_responses(404))
async def update_deck(deck_id: UUID, body: DeckUpdate, user: UserDep, conn: ConnDep) -> DeckPublic:
    """Change a deck's name, description, daily limits or exam date."""
    day_end = await _day_end(conn, user.user_id)
    changes = body.model_dump(exclude_unset=True)
    deck = await decks.update_deck(conn, user.user_id, deck_id, day_end, **changes)
    return DeckPublic.model_validate(deck)


@router.delete(
    "/decks/{deck_id}", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(404)
)
async def delete_deck(deck_id: UUID, user: UserDep, conn: ConnDep) -> None:
    """Delete a deck with its cards and their reviews."""
    await decks.delete_deck(conn, user.user_id, deck_id)


@router.get("/decks/{deck_id}/stats", responses=error_responses(404))
async def get_deck_stats(
    deck_id: UUID, user: UserDep, conn: ConnDep, state: StateDep
) -> DeckStatsPublic:
    """Due today, a 30-day forecast, true vs desired retention, cards by state, exam day."""
    reviewer = await scheduling.reviewer(conn, user.user_id, fuzz=state.settings.fsrs_fuzz)
    stats = await deck_stats.deck_stats(conn, user.user_id, deck_id, reviewer, datetime.now(UTC))
    return DeckStatsPublic.model_validate(stats)


async def _note_public(conn: ConnDep, user_id: UUID, note: cards.Note) -> NotePublic:
    note_cards = await cards.cards_of_notes(conn, user_id, [note.id])
    return NotePublic.model_validate({**vars(note), "cards": note_cards})


def _source(body: SourceIn | None) -> cards.Source | None:
    return cards.Source(**body.model_dump()) if body is not None else None


@router.post(
    "/decks/{deck_id}/notes", status_code=status.HTTP_201_CREATED, responses=error_responses(404)
)
async def create_note(deck_id: UUID, body: NoteCreate, user: UserDep, conn: ConnDep) -> NotePublic:
    """Add a note (and its cards) to a deck."""
    note = await cards.create_note(
        conn, user.user_id, deck_id, body.kind, body.front, body.back, _source(body.source)
    )
    return await _note_public(conn, user.user_id, note)


@router.get("/decks/{deck_id}/notes", responses=error_responses(404))
async def list_notes(
    deck_id: UUID, user: UserDep, conn: ConnDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[NotePublic]:
    """A deck's notes with their cards, newest first."""
    rows = await cards.list_notes(
        conn, user.user_id, deck_id, limit=limit + 1, after=decode_cursor(cursor)
    )
    shown, next_cursor = paginate(rows, limit, lambda n: (n.created_at, n.id))
    all_cards = await cards.cards_of_notes(conn, user.user_id, [n.id for n in shown])
    items = [
        NotePublic.model_validate({**vars(n), "cards": [c for c in all_cards if c.note_id == n.id]})
        for n in shown
    ]
    return Page[NotePublic](items=items, next_cursor=next_cursor)


@router.get("/notes/{note_id}", responses=error_responses(404))
async def get_note(note_id: UUID, user: UserDep, conn: ConnDep) -> NotePublic:
    """One of the caller's notes with its cards."""
    return await _note_public(conn, user.user_id, await cards.get_note(conn, user.user_id, note_id))


@router.patch("/notes/{note_id}", responses=error_responses(404))
async def update_note(note_id: UUID, body: NoteUpdate, user: UserDep, conn: ConnDep) -> NotePublic:
    """Edit a note; its cards follow, and the cards that stay keep their history."""
    note = await cards.update_note(conn, user.user_id, note_id, **body.model_dump())
    return await _note_public(conn, user.user_id, note)


@router.delete(
    "/notes/{note_id}", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(404)
)
async def delete_note(note_id: UUID, user: UserDep, conn: ConnDep) -> None:
    """Delete a note with its cards and their reviews."""
    await cards.delete_note(conn, user.user_id, note_id)


@router.get("/cards/{card_id}", responses=error_responses(404))
async def get_card(card_id: UUID, user: UserDep, conn: ConnDep) -> CardPublic:
    """One of the caller's cards."""
    return CardPublic.model_validate(await cards.get_card(conn, user.user_id, card_id))


@router.post("/cards/{card_id}/reviews", responses=error_responses(404))
async def review_card(
    card_id: UUID, body: ReviewCreate, user: UserDep, conn: ConnDep, state: StateDep
) -> ReviewPublic:
    """Rate a card; a retry with the same `review_id` returns the first result unchanged."""
    reviewer = await scheduling.reviewer(conn, user.user_id, fuzz=state.settings.fsrs_fuzz)
    review = reviews.ReviewInput(body.review_id, card_id, body.rating, body.duration_ms)
    result = await reviews.submit_review(conn, user.user_id, review, reviewer)
    return ReviewPublic.model_validate(result)


@router.post("/reviews/undo", responses=error_responses(409))
async def undo_review(user: UserDep, conn: ConnDep) -> ReviewPublic:
    """Undo the caller's last review: the card gets its state back; 409 when none is left."""
    undone = await reviews.undo_last_review(conn, user.user_id)
    return ReviewPublic.model_validate(undone)


@router.get("/review-queue", responses=error_responses(404))
async def review_queue(
    user: UserDep,
    conn: ConnDep,
    state: StateDep,
    deck_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ReviewQueue:
    """The next cards to review (one deck, or all decks): learning cards due now, then due
    reviews, then new cards, within each deck's daily limits."""
    if deck_id is not None:
        await cards.check_deck(conn, user.user_id, deck_id)
    reviewer = await scheduling.reviewer(conn, user.user_id, fuzz=state.settings.fsrs_fuzz)
    window = due_queue.window_at(datetime.now(UTC), reviewer.zone)
    queued = await due_queue.due_queue(conn, user.user_id, deck_id, window, limit)
    counts = await due_queue.queue_counts(conn, user.user_id, deck_id, window)
    items = [
        QueuedCardPublic.model_validate(
            {
                **vars(card),
                "question": card.question,
                "answer": card.answer,
                "next_due": due_queue.next_dues(reviewer, card, window.now),
            }
        )
        for card in queued
    ]
    return ReviewQueue(items=items, counts=QueueCountsPublic.model_validate(counts))
