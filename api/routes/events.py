"""The per-user event stream: document progress, ready and failed, as they happen.

Every message is an event envelope (`tutor/events.py`): first `subscribed`, then whatever the
worker publishes for this user, forwarded unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from redis.exceptions import RedisError

from api.errors import WS_UNAUTHORIZED
from api.state import AppState
from ingestion.events import channel
from tutor.accounts.auth import TokenClaims, decode_token
from tutor.errors import InvalidToken
from tutor.events import Event

log = logging.getLogger(__name__)
router = APIRouter(tags=["events"])


def websocket_claims(websocket: WebSocket, state: AppState) -> TokenClaims:
    """Claims from the `token` query parameter or an `Authorization: Bearer` header."""
    token = websocket.query_params.get("token")
    header = websocket.headers.get("authorization", "")
    if not token and header.lower().startswith("bearer "):
        token = header[7:].strip()
    if not token:
        raise InvalidToken()
    return decode_token(state.jwt_key, token)


@router.websocket("/events")
async def events(websocket: WebSocket) -> None:
    """Relay the caller's own events (and nobody else's) until the client leaves."""
    state: AppState = websocket.app.state.tutor
    try:
        claims = websocket_claims(websocket, state)
    except InvalidToken:
        # Accept first: a close before the handshake reaches browsers as a bare 403/1006.
        await websocket.accept()
        await websocket.close(code=WS_UNAUTHORIZED, reason="invalid or missing token")
        return
    await websocket.accept()
    pubsub = state.redis.pubsub()
    await pubsub.subscribe(channel(claims.user_id))
    await websocket.send_text(Event.of("subscribed", user_id=str(claims.user_id)).to_json())
    relay = asyncio.create_task(_relay(websocket, pubsub))
    try:
        while True:  # the client only ever closes; anything it sends is ignored
            await websocket.receive_text()
    except WebSocketDisconnect:
        pass
    finally:
        relay.cancel()
        with contextlib.suppress(asyncio.CancelledError, RedisError, OSError):
            await relay
        with contextlib.suppress(RedisError, OSError):
            await pubsub.aclose()  # type: ignore[no-untyped-call]


async def _relay(websocket: WebSocket, pubsub: object) -> None:
    async for message in pubsub.listen():  # type: ignore[attr-defined]
        if message.get("type") != "message":
            continue
        data = message["data"]
        await websocket.send_text(data.decode() if isinstance(data, bytes) else data)
