"""Cards from the notes: start a suggestion job, follow it, and accept, edit or reject what it
suggests; and a practice question turned into a card."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Header, Response, status
from pydantic import BaseModel, Field, StringConstraints, model_validator
from redis.exceptions import RedisError

from api.deps import ConnDep, StateDep, UserDep
from api.error_responses import error_responses
from api.pagination import Cursor, Limit, Page, decode_cursor, paginate
from api.schemas import PublicModel
from tutor.errors import RealtimeUnavailable
from tutor.study import card_suggestions, practice_cards
from tutor.study.card_suggester import enqueue_suggestions
from tutor.study.card_suggestions import SuggestionJob, SuggestionRequest

router = APIRouter(tags=["flashcards"], responses=error_responses(400, 401, 422))

Topic = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Front = Annotated[str, Field(min_length=1, max_length=4000)]
Back = Annotated[str, Field(max_length=4000)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Any unique string per job: a retried POST with it returns that job.",
    ),
]


class SuggestionsCreate(BaseModel):
    """Cards from these documents (spread across them) or on this topic (searched in the
    notes): exactly one of the two."""

    document_ids: list[UUID] | None = Field(default=None, min_length=1, max_length=50)
    topic: Topic | None = None
    count: int = Field(default=10, ge=1, le=card_suggestions.MAX_REQUESTED)

    @model_validator(mode="after")
    def one_source(self) -> SuggestionsCreate:
        """Documents or a topic, not both and not neither."""
        if (self.document_ids is None) == (self.topic is None):
            raise ValueError("give either document_ids or topic")
        return self


class JobErrorPublic(PublicModel):
    """Why a job failed."""

    code: str
    message: str | None


class SuggestionJobPublic(PublicModel):
    """A suggestion job: `done` of `total` passages read, `kept` cards suggested, and the
    others dropped by reason (e.g. `unsupported_answer`: the quote does not state it)."""

    id: UUID
    deck_id: UUID
    status: Literal["queued", "running", "done", "failed"]
    document_ids: list[UUID] | None
    topic: str | None
    requested: int
    done: int
    total: int
    kept: int
    dropped: dict[str, int]
    error: JobErrorPublic | None
    created_at: datetime
    finished_at: datetime | None


class SuggestionPublic(PublicModel):
    """A suggested card with the passage it came from."""

    id: UUID
    job_id: UUID
    deck_id: UUID
    front: str
    back: str
    status: Literal["pending", "accepted", "rejected"]
    document_id: UUID | None
    chunk_id: int | None
    filename: str | None
    page_start: int | None
    page_end: int | None
    quote: str
    note_id: UUID | None
    created_at: datetime


class SuggestionAccept(BaseModel):
    """The card as the student edited it; omitted sides are kept as suggested."""

    front: Front | None = None
    back: Back | None = None


class PracticeCardCreate(BaseModel):
    """The deck to put the practice question's card in."""

    deck_id: UUID


class PracticeCardPublic(PublicModel):
    """The note made from a practice question (or found, made before)."""

    note_id: UUID
    deck_id: UUID
    front: str
    back: str
    quote: str | None
    filename: str | None
    page_start: int | None
    page_end: int | None


def job_public(job: SuggestionJob) -> SuggestionJobPublic:
    """The job as the API shows it."""
    error: dict[str, Any] | None = None
    if job.error_code:
        error = {"code": job.error_code, "message": job.error_message}
    return SuggestionJobPublic.model_validate({**vars(job), "error": error})


@router.post(
    "/decks/{deck_id}/suggestions",
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(404, 503),
)
async def start_suggestions(
    deck_id: UUID,
    body: SuggestionsCreate,
    user: UserDep,
    state: StateDep,
    conn: ConnDep,
    idempotency_key: IdempotencyKey = None,
) -> SuggestionJobPublic:
    """Start a background job writing up to `count` cards from the notes; answers at once.
    Progress comes on the events socket (`cards.suggestions.progress`, `.done`)."""
    request = SuggestionRequest(deck_id, body.count, body.document_ids, body.topic)
    job, new = await card_suggestions.create_job(conn, user.user_id, request, idempotency_key)
    if new:
        await conn.commit()  # the worker must find the job when it picks it up
        try:
            await enqueue_suggestions(state.redis, job.id)
        except (RedisError, OSError) as exc:
            message = "The job queue is unavailable; try again shortly."
            await card_suggestions.finish_job(conn, job.id, "queue_unavailable", message)
            await conn.commit()
            raise RealtimeUnavailable(message) from exc
    return job_public(job)


@router.get("/card-suggestion-jobs/{job_id}", responses=error_responses(404))
async def get_suggestion_job(job_id: UUID, user: UserDep, conn: ConnDep) -> SuggestionJobPublic:
    """A suggestion job's progress and result."""
    return job_public(await card_suggestions.get_job(conn, user.user_id, job_id))


@router.get("/decks/{deck_id}/suggestions", responses=error_responses(404))
async def list_suggestions(
    deck_id: UUID, user: UserDep, conn: ConnDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[SuggestionPublic]:
    """The deck's pending suggestions, newest first."""
    rows = await card_suggestions.list_pending(
        conn, user.user_id, deck_id, limit=limit + 1, after=decode_cursor(cursor)
    )
    shown, next_cursor = paginate(rows, limit, lambda s: (s.created_at, s.id))
    items = [SuggestionPublic.model_validate(s) for s in shown]
    return Page[SuggestionPublic](items=items, next_cursor=next_cursor)


@router.post("/card-suggestions/{suggestion_id}/accept", responses=error_responses(404))
async def accept_suggestion(
    suggestion_id: UUID, user: UserDep, conn: ConnDep, body: SuggestionAccept | None = None
) -> SuggestionPublic:
    """Make the suggestion a card in its deck (as edited, when a side is given)."""
    edits = body or SuggestionAccept()
    accepted = await card_suggestions.accept(
        conn, user.user_id, suggestion_id, edits.front, edits.back
    )
    return SuggestionPublic.model_validate(accepted)


@router.post("/card-suggestions/{suggestion_id}/reject", responses=error_responses(404))
async def reject_suggestion(suggestion_id: UUID, user: UserDep, conn: ConnDep) -> SuggestionPublic:
    """Set the suggestion aside."""
    return SuggestionPublic.model_validate(
        await card_suggestions.reject(conn, user.user_id, suggestion_id)
    )


@router.post(
    "/practice-items/{item_id}/card",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": PracticeCardPublic, "description": "The card made before from it."},
        **error_responses(404),
    },
)
async def card_from_practice_item(
    item_id: UUID, body: PracticeCardCreate, user: UserDep, conn: ConnDep, response: Response
) -> PracticeCardPublic:
    """A card from a practice question: front the question, back the key and explanation,
    source its passage (201); the same question and deck again return that card (200)."""
    note, new = await practice_cards.card_from_item(conn, user.user_id, item_id, body.deck_id)
    if not new:
        response.status_code = status.HTTP_200_OK
    return PracticeCardPublic.model_validate({**vars(note), "note_id": note.id})
