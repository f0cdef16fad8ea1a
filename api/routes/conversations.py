"""Reading one's tutor conversations and practice sets back, and a set exported for Moodle
(GIFT) or Anki."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from uuid import UUID

import anyio
from fastapi import APIRouter, Response
from psycopg import AsyncConnection

from api.deps import ConnDep, UserDep
from api.error_responses import error_responses
from api.pagination import Cursor, Limit, Page, decode_cursor, paginate
from api.routes.practice_generations import GenerationPublic, generation_public
from api.schemas import PublicModel
from tutor.chat import conversations, practice
from tutor.practice import generations, set_editing
from tutor.study import practice_export

router = APIRouter(tags=["tutor"], responses=error_responses(400, 401, 422))


class ConversationPublic(PublicModel):
    """A conversation's header."""

    id: UUID
    title: str
    created_at: datetime
    updated_at: datetime


class MessagePublic(PublicModel):
    """One turn with its citations and how it was produced."""

    id: UUID
    role: str
    mode: str
    content: str
    status: str
    grounded: bool | None
    citations: list[dict[str, Any]]
    phantom_citations: int
    prompt_name: str | None
    prompt_version: int | None
    model_id: str | None
    timings: dict[str, Any]
    usage: dict[str, Any]
    error_code: str | None
    practice_set_id: UUID | None
    created_at: datetime
    completed_at: datetime | None


class ConversationDetail(ConversationPublic):
    """A conversation with all its messages, oldest first."""

    messages: list[MessagePublic]


class PracticeSetPublic(PublicModel):
    """A saved practice set's header."""

    id: UUID
    topic: str
    requested: int
    dropped: int
    prompt_name: str
    prompt_version: int
    model_id: str
    message_id: UUID | None
    created_at: datetime
    question_count: int  # in the set now (its owner may have added or removed some)


class ItemProblemPublic(PublicModel):
    """Something the checks find wrong with a question; `blocking` ones are never saved."""

    code: str
    message: str
    blocking: bool


class PracticeItemPublic(PublicModel):
    """A question with its key and the passage the key comes from."""

    kind: str
    question: str
    options: list[str]
    answer: str
    explanation: str
    chunk_id: int | None
    document_id: UUID | None
    filename: str
    page_start: int | None
    page_end: int | None
    quote: str
    id: UUID
    ordinal: int
    problems: list[ItemProblemPublic] = []


class PracticeSetDetail(PracticeSetPublic):
    """A practice set with its questions, keys and sources, and the latest generation that
    writes into it (its progress, while the questions arrive)."""

    questions: list[PracticeItemPublic]
    generation: GenerationPublic | None = None


@router.get("/conversations")
async def list_conversations(
    user: UserDep, conn: ConnDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[ConversationPublic]:
    """The caller's conversations, most recently active first."""
    rows = await conversations.list_conversations(
        conn, user.user_id, limit=limit + 1, after=decode_cursor(cursor)
    )
    shown, next_cursor = paginate(rows, limit, lambda c: (c.updated_at, c.id))
    items = [ConversationPublic.model_validate(c) for c in shown]
    return Page[ConversationPublic](items=items, next_cursor=next_cursor)


@router.get("/conversations/{conversation_id}", responses=error_responses(404))
async def get_conversation(
    conversation_id: UUID, user: UserDep, conn: ConnDep
) -> ConversationDetail:
    """One of the caller's conversations with its messages."""
    conversation, messages = await conversations.get_conversation(
        conn, user.user_id, conversation_id
    )
    return ConversationDetail.model_validate({**vars(conversation), "messages": messages})


@router.get("/practice-sets")
async def list_practice_sets(
    user: UserDep, conn: ConnDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[PracticeSetPublic]:
    """The caller's practice sets, newest first."""
    rows = await practice.list_sets(
        conn, user.user_id, limit=limit + 1, after=decode_cursor(cursor)
    )
    shown, next_cursor = paginate(rows, limit, lambda s: (s.created_at, s.id))
    items = [PracticeSetPublic.model_validate(s) for s in shown]
    return Page[PracticeSetPublic](items=items, next_cursor=next_cursor)


@router.get("/practice-sets/{set_id}", responses=error_responses(404))
async def get_practice_set(set_id: UUID, user: UserDep, conn: ConnDep) -> PracticeSetDetail:
    """One of the caller's practice sets, to reopen and take again, each question with the
    problems the checks find in it now (for the set editor)."""
    return await practice_set_detail(conn, user.user_id, set_id)


async def practice_set_detail(
    conn: AsyncConnection, owner_id: UUID, set_id: UUID
) -> PracticeSetDetail:
    """The owner's set with its questions and their problems."""
    record, items = await practice.get_set(conn, owner_id, set_id)
    problems = await set_editing.set_problems(conn, items)
    questions = [{**vars(item), "problems": problems.get(item.id, [])} for item in items]
    latest = await generations.latest_of_set(conn, owner_id, set_id)
    generation = generation_public(latest) if latest else None
    return PracticeSetDetail.model_validate(
        {**vars(record), "questions": questions, "generation": generation}
    )


def _attachment(topic: str, extension: str) -> dict[str, str]:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", topic).strip("_") or "practice-set"
    return {"Content-Disposition": f'attachment; filename="{safe}.{extension}"'}


@router.get(
    "/practice-sets/{set_id}/export.gift",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}, **error_responses(404)},
)
async def export_practice_set_gift(set_id: UUID, user: UserDep, conn: ConnDep) -> Response:
    """The set as Moodle GIFT text, for a question bank import."""
    record, items = await practice.get_set(conn, user.user_id, set_id)
    headers = _attachment(record.topic, "gift")
    return Response(practice_export.gift(record, items), media_type="text/plain", headers=headers)


@router.get(
    "/practice-sets/{set_id}/export.apkg",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}, **error_responses(404)},
)
async def export_practice_set_apkg(set_id: UUID, user: UserDep, conn: ConnDep) -> Response:
    """The set as an Anki package (.apkg), one note per question."""
    record, items = await practice.get_set(conn, user.user_id, set_id)
    package = await anyio.to_thread.run_sync(practice_export.anki_package, record, items)
    headers = _attachment(record.topic, "apkg")
    return Response(package, media_type="application/octet-stream", headers=headers)
