"""Reading one's tutor conversations and practice sets back."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import ConnDep, UserDep
from api.pagination import page_of
from tutor.chat import conversations, practice

router = APIRouter(tags=["tutor"])
Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0)]


class ConversationPublic(BaseModel):
    """A conversation's header."""

    id: UUID
    title: str
    created_at: datetime
    updated_at: datetime


class ConversationPage(BaseModel):
    """One page of conversations; `next_offset` is null on the last page."""

    items: list[ConversationPublic]
    next_offset: int | None


class MessagePublic(BaseModel):
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


class PracticeSetPublic(BaseModel):
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


class PracticeSetPage(BaseModel):
    """One page of practice sets; `next_offset` is null on the last page."""

    items: list[PracticeSetPublic]
    next_offset: int | None


class PracticeSetDetail(PracticeSetPublic):
    """A practice set with its questions, keys and sources."""

    questions: list[dict[str, Any]]


@router.get("/conversations")
async def list_conversations(
    user: UserDep, conn: ConnDep, limit: Limit = 20, offset: Offset = 0
) -> ConversationPage:
    """The caller's conversations, most recently active first."""
    rows = await conversations.list_conversations(conn, user.user_id, limit + 1, offset)
    shown, next_offset = page_of(rows, limit, offset)
    items = [ConversationPublic.model_validate(r, from_attributes=True) for r in shown]
    return ConversationPage(items=items, next_offset=next_offset)


@router.get("/conversations/{conversation_id}")
async def get_conversation(
    conversation_id: UUID, user: UserDep, conn: ConnDep
) -> ConversationDetail:
    """One of the caller's conversations with its messages."""
    conversation, messages = await conversations.get_conversation(
        conn, user.user_id, conversation_id
    )
    return ConversationDetail(
        **ConversationPublic.model_validate(conversation, from_attributes=True).model_dump(),
        messages=[MessagePublic.model_validate(m, from_attributes=True) for m in messages],
    )


@router.get("/practice-sets")
async def list_practice_sets(
    user: UserDep, conn: ConnDep, limit: Limit = 20, offset: Offset = 0
) -> PracticeSetPage:
    """The caller's practice sets, newest first."""
    rows = await practice.list_sets(conn, user.user_id, limit + 1, offset)
    shown, next_offset = page_of(rows, limit, offset)
    items = [PracticeSetPublic.model_validate(r, from_attributes=True) for r in shown]
    return PracticeSetPage(items=items, next_offset=next_offset)


@router.get("/practice-sets/{set_id}")
async def get_practice_set(set_id: UUID, user: UserDep, conn: ConnDep) -> PracticeSetDetail:
    """One of the caller's practice sets, to reopen and take again."""
    record, items = await practice.get_set(conn, user.user_id, set_id)
    return PracticeSetDetail(
        **PracticeSetPublic.model_validate(record, from_attributes=True).model_dump(),
        questions=[item.public() for item in items],
    )
