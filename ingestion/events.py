"""Per-user document events over Redis pub/sub, relayed to clients by the API's websocket."""

from __future__ import annotations

import json
import logging
from typing import Any
from uuid import UUID

from redis.asyncio import Redis
from redis.exceptions import RedisError

from ingestion.documents import Document

log = logging.getLogger(__name__)


def channel(owner_id: UUID) -> str:
    """The pub/sub channel carrying one user's events, and only theirs."""
    return f"tutor:events:{owner_id}"


def document_event(kind: str, document: Document) -> dict[str, Any]:
    """The payload clients receive for a document state change."""
    event: dict[str, Any] = {
        "type": f"document.{kind}",
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
        event["error"] = {"code": document.error_code, "message": document.error_message}
    return event


async def publish(redis: Redis, owner_id: UUID, event: dict[str, Any]) -> None:
    """Send an event; progress is advisory, so a Redis hiccup is logged, not raised."""
    try:
        await redis.publish(channel(owner_id), json.dumps(event))
    except (RedisError, OSError) as exc:
        log.warning("could not publish %s: %s", event.get("type"), exc)
