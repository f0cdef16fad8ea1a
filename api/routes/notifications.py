"""Notifications: the events a student must not miss (level-ups, badges, streaks), with read
state. The events socket replays the ones a reconnecting client missed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import ConnDep, UserDep
from api.error_responses import error_responses
from api.pagination import Cursor, Limit, Page, decode_cursor, paginate
from api.schemas import PublicModel
from tutor.gamification import notifications

router = APIRouter(tags=["notifications"], responses=error_responses(400, 401, 422))


class NotificationPublic(PublicModel):
    """One persisted event: its envelope id, type, payload, and when it was read."""

    id: UUID
    type: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class UnreadPublic(PublicModel):
    """How many notifications are unread."""

    unread: int


@router.get("/notifications")
async def list_notifications(
    user: UserDep,
    conn: ConnDep,
    cursor: Cursor = None,
    limit: Limit = 20,
    unread: Annotated[bool, Query(description="Only unread ones.")] = False,
) -> Page[NotificationPublic]:
    """The caller's notifications, newest first."""
    rows = await notifications.page(conn, user.user_id, decode_cursor(cursor), limit + 1, unread)
    items, next_cursor = paginate(rows, limit, lambda n: (n.created_at, n.id))
    return Page(
        items=[NotificationPublic.model_validate(n) for n in items], next_cursor=next_cursor
    )


@router.get("/notifications/unread-count")
async def unread_count(user: UserDep, conn: ConnDep) -> UnreadPublic:
    """How many of the caller's notifications are unread (the bell's badge)."""
    return UnreadPublic(unread=await notifications.unread_count(conn, user.user_id))


class MarkRead(BaseModel):
    """Which notifications to mark read: these ids, or all of them."""

    ids: list[UUID] = Field(default_factory=list, max_length=100)
    all: bool = False


class MarkedPublic(PublicModel):
    """How many changed, and how many stay unread."""

    marked: int
    unread: int


@router.post("/notifications/read")
async def mark_read(body: MarkRead, user: UserDep, conn: ConnDep) -> MarkedPublic:
    """Mark notifications read (marking one already read changes nothing)."""
    marked = await notifications.mark_read(conn, user.user_id, body.ids, body.all)
    return MarkedPublic(marked=marked, unread=await notifications.unread_count(conn, user.user_id))
