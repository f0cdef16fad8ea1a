"""Practice sets generated in the background for a class: start from chosen materials (on a
topic or spread over them), rewrite one question from its passage (in the set editor, or from an
assignment's item analysis), follow progress, cancel."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, status
from pydantic import BaseModel, Field, StringConstraints
from redis.exceptions import RedisError

from api.deps import ConnDep, StateDep, UserDep
from api.error_responses import error_responses
from api.routes.card_suggestions import IdempotencyKey, JobErrorPublic
from api.schemas import PublicModel
from api.state import AppState
from tutor.errors import RealtimeUnavailable
from tutor.practice import generations
from tutor.practice.generations import Generation, GenerationRequest, Prompted
from tutor.practice.generator import enqueue_generation

router = APIRouter(tags=["practice sets"], responses=error_responses(400, 401, 404, 422))

Topic = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
STARTED = error_responses(403, 409, 503)


class GenerationCreate(BaseModel):
    """Questions from these materials of the class: on `topic` (searched in them) or, without
    one, spread over them."""

    document_ids: list[UUID] = Field(min_length=1, max_length=20)
    topic: Topic | None = None
    title: Title | None = None
    count: int = Field(default=10, ge=1, le=generations.MAX_REQUESTED)


class GenerationPublic(PublicModel):
    """A generation: `done` of `total` anchor sentences tried, `kept` questions in the set so
    far, the others dropped by reason (e.g. `unsupported_key`: the sentence does not state it)."""

    id: UUID
    set_id: UUID
    class_id: UUID | None
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    document_ids: list[UUID]
    topic: str | None
    requested: int
    rewrite: bool
    done: int
    total: int
    kept: int
    dropped: dict[str, int]
    model_id: str | None
    error: JobErrorPublic | None
    created_at: datetime
    finished_at: datetime | None


def generation_public(job: Generation) -> GenerationPublic:
    """The generation as the API shows it."""
    error: dict[str, Any] | None = None
    if job.error_code:
        error = {"code": job.error_code, "message": job.error_message}
    rewrite = job.chunk_id is not None
    return GenerationPublic.model_validate({**vars(job), "error": error, "rewrite": rewrite})


def _prompted(state: AppState) -> Prompted:
    prompt = state.engine.prompts.practice
    return Prompted(prompt.name, prompt.version, state.engine.model.model_id)


async def _enqueued(
    state: AppState, conn: ConnDep, started: tuple[Generation, bool]
) -> GenerationPublic:
    """Commit a new generation and hand it to the worker; a retry's is only shown."""
    job, new = started
    if new:
        await conn.commit()  # the worker must find it when it picks it up
        try:
            await enqueue_generation(state.redis, job.id)
        except (RedisError, OSError) as exc:
            message = "The job queue is unavailable; try again shortly."
            await generations.finish(conn, job, 0, job.model_id or "", "queue_unavailable", message)
            await conn.commit()
            raise RealtimeUnavailable(message) from exc
    return generation_public(job)


@router.post(
    "/classes/{class_id}/practice-generations",
    status_code=status.HTTP_202_ACCEPTED,
    responses=STARTED,
)
async def generate_for_class(
    class_id: UUID,
    body: GenerationCreate,
    user: UserDep,
    state: StateDep,
    conn: ConnDep,
    idempotency_key: IdempotencyKey = None,
) -> GenerationPublic:
    """Start generating a practice set of up to `count` checked questions from materials shared
    with the class (a teacher of it asks); answers at once with the new set's id. Questions go
    into the set as they pass; progress comes on the events socket
    (`practice.generation.progress`, `.done`)."""
    request = GenerationRequest(class_id, body.document_ids, body.count, body.topic, body.title)
    started = await generations.start_for_class(
        conn, user.user_id, request, _prompted(state), idempotency_key
    )
    return await _enqueued(state, conn, started)


@router.post(
    "/practice-sets/{set_id}/items/{item_id}/rewrite",
    status_code=status.HTTP_202_ACCEPTED,
    responses=STARTED,
)
async def rewrite_set_item(
    set_id: UUID,
    item_id: UUID,
    user: UserDep,
    state: StateDep,
    conn: ConnDep,
    idempotency_key: IdempotencyKey = None,
) -> GenerationPublic:
    """Write a new question from the same passage, to take this one's place once it passes the
    checks (409 when it has no passage: written by hand, or its document is gone)."""
    started = await generations.rewrite_set_item(
        conn, user.user_id, set_id, item_id, _prompted(state), idempotency_key
    )
    return await _enqueued(state, conn, started)


@router.post(
    "/assignments/{assignment_id}/items/{item_id}/rewrite",
    status_code=status.HTTP_202_ACCEPTED,
    responses=STARTED,
)
async def rewrite_assignment_item(
    assignment_id: UUID,
    item_id: UUID,
    user: UserDep,
    state: StateDep,
    conn: ConnDep,
    idempotency_key: IdempotencyKey = None,
) -> GenerationPublic:
    """For a flagged question of an assignment: write a replacement from its passage into the
    set it was published from (or a new set), for the next time. The assignment stays as its
    students answered it."""
    started = await generations.rewrite_assignment_item(
        conn, user.user_id, assignment_id, item_id, _prompted(state), idempotency_key
    )
    return await _enqueued(state, conn, started)


@router.get("/practice-generations/{generation_id}")
async def get_generation(generation_id: UUID, user: UserDep, conn: ConnDep) -> GenerationPublic:
    """A generation's progress and result."""
    return generation_public(await generations.get(conn, user.user_id, generation_id))


@router.post("/practice-generations/{generation_id}/cancel")
async def cancel_generation(generation_id: UUID, user: UserDep, conn: ConnDep) -> GenerationPublic:
    """Stop a generation; the questions it already added stay in the set."""
    return generation_public(await generations.cancel(conn, user.user_id, generation_id))
