"""Per-user document events over Redis pub/sub, relayed to clients by the API's websocket."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from redis.asyncio import Redis
from redis.exceptions import RedisError

from ingestion.documents import Document
from tutor.events import Event

log = logging.getLogger(__name__)


def channel(owner_id: UUID) -> str:
    """The pub/sub channel carrying one user's events, and only theirs."""
    return f"tutor:events:{owner_id}"


def document_event(kind: str, document: Document) -> Event:
    """The event clients receive for a document state change (`document.<kind>`)."""
    data: dict[str, Any] = {
        "document_id": str(document.id),
        "filename": document.filename,
        "status": document.status,
        "pages_done": document.pages_done,
        "pages_total": document.pages_total,
        "chunks_done": document.chunks_done,
        "chunks_total": document.chunks_total,
        "progress": document.progress,
        "needs_ocr": document.needs_ocr,
    }
    if document.error_code:
        data["error"] = {"code": document.error_code, "message": document.error_message}
    return Event(f"document.{kind}", data)


async def publish(redis: Redis, owner_id: UUID, event: Event) -> None:
    """Send an event as its envelope JSON; progress is advisory, so a Redis hiccup is logged."""
    try:
        await redis.publish(channel(owner_id), event.to_json())
    except (RedisError, OSError) as exc:
        log.warning("could not publish %s: %s", event.type, exc)
