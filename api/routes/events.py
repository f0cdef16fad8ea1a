"""The per-user event stream: document progress, ready and failed, as they happen.

Every message is an event envelope (`tutor/events.py`): first `subscribed`, then, when the
client connects with `?last_event_id=<id of the last event it saw>`, the notifications it
missed since (oldest first, each once), then whatever is published for this user, forwarded
unchanged, and `ping` after every quiet
`TUTOR_EVENTS_PING_S` (25 s) so that proxies do not cut an idle socket. When the relay breaks
(Redis gone, say) the socket is closed with 1011 instead of staying open and silent: the client
reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import UTC, datetime
from uuid import UUID

import psycopg
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from psycopg_pool import AsyncConnectionPool
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from api.errors import WS_INTERNAL_ERROR
from api.state import AppState
from api.websocket_auth import opened_socket
from ingestion.events import channel
from tutor.events import Event, event_time
from tutor.gamification.notifications import missed_since

log = logging.getLogger(__name__)
router = APIRouter(tags=["events"])

# Pub/sub is polled with a timeout well under the shared client's socket_timeout
# (TUTOR_REDIS_TIMEOUT_S, at least 2 s; tutor/resources.py). A blocking read (`listen()`) takes
# that as its read timeout and dies on the first quiet stretch. Polling keeps the one Redis
# client the process builds and its timeouts (a second client with no read timeout would wait
# forever on a dead connection), and each wake-up is also when the keep-alive is checked. One
# wake-up a second per socket is cheap.
POLL_S = 1.0


@router.websocket("/events")
async def events(websocket: WebSocket) -> None:
    """Relay the caller's own events (and nobody else's) until the client leaves."""
    state: AppState = websocket.app.state.tutor
    async with opened_socket(websocket, state) as claims:
        if claims is not None:
            await _serve(websocket, state, claims.user_id)


def last_seen(websocket: WebSocket) -> UUID | None:
    """The `last_event_id` the client reconnected with; None without one (or not an id)."""
    raw = websocket.query_params.get("last_event_id")
    try:
        return UUID(raw) if raw else None
    except ValueError:
        return None


async def _serve(websocket: WebSocket, state: AppState, user_id: UUID) -> None:
    pubsub = state.redis.pubsub()
    replay = Replay(state.pool, user_id, last_seen(websocket))
    relay = asyncio.create_task(
        _relay(websocket, pubsub, user_id, state.settings.events_ping_s, replay)
    )
    try:
        # The client only ever closes; anything it sends, text or binary, is ignored.
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass
    finally:
        relay.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay
        with contextlib.suppress(RedisError, OSError):
            await pubsub.aclose()  # type: ignore[no-untyped-call]


async def _relay(
    websocket: WebSocket, pubsub: PubSub, user_id: UUID, ping_s: float, replay: Replay
) -> None:
    """Forward until cancelled; whatever else ends it is logged and closes the socket."""
    try:
        await _forward(websocket, pubsub, user_id, ping_s, replay)
    except WebSocketDisconnect:
        return  # the client left; the reader sees that too
    except (RedisError, OSError, psycopg.Error) as exc:
        log.warning("events for user %s lost a service (%s); closing the socket", user_id, exc)
    except Exception:  # a task's edge: unlogged here, the error would vanish with the task
        log.exception("events relay for user %s failed; closing the socket", user_id)
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        await websocket.close(code=WS_INTERNAL_ERROR, reason="event stream interrupted")


async def _forward(
    websocket: WebSocket, pubsub: PubSub, user_id: UUID, ping_s: float, replay: Replay
) -> None:
    await pubsub.subscribe(channel(user_id))
    await websocket.send_text(Event.of("subscribed", user_id=str(user_id)).to_json())
    # Subscribed first, then read what was missed: an event published in between arrives both
    # ways and is sent once.
    for missed in await replay.missed():
        await websocket.send_text(missed.to_json())
    clock = asyncio.get_running_loop().time
    last_sent = clock()
    while True:
        message = await pubsub.get_message(
            ignore_subscribe_messages=True, timeout=min(POLL_S, ping_s)
        )
        if message is not None and message["type"] == "message":
            data = message["data"]
            text = data.decode() if isinstance(data, bytes) else data
            if not replay.already_sent(text):
                await websocket.send_text(text)
            last_sent = clock()
        elif clock() - last_sent >= ping_s:
            await websocket.send_text(Event.of("ping").to_json())
            last_sent = clock()


class Replay:
    """The notifications a reconnecting client missed, and which of them it was sent."""

    def __init__(self, pool: AsyncConnectionPool, user_id: UUID, last_id: UUID | None) -> None:
        self.pool, self.user_id, self.last_id = pool, user_id, last_id
        self.sent: set[str] = set()

    async def missed(self) -> list[Event]:
        """Oldest first; none without a last event id."""
        if self.last_id is None:
            return []
        # An id that is not time-ordered and not a notification says nothing about "after".
        last_at = event_time(self.last_id) or datetime.max.replace(tzinfo=UTC)
        async with self.pool.connection() as conn:
            found = await missed_since(conn, self.user_id, self.last_id, last_at)
        self.sent = {str(n.id) for n in found}
        return [n.event() for n in found]

    def already_sent(self, text: str) -> bool:
        """Whether a live event was sent already by the replay."""
        if not self.sent:
            return False
        try:
            return str(json.loads(text).get("id")) in self.sent
        except (ValueError, AttributeError):
            return False
