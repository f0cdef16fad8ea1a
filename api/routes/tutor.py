"""The tutor websocket: ask, cancel and resume; answers stream back as protocol events.

The protocol is documented in the README, section "The tutor websocket (`/api/v1/tutor`)".
Every event is an envelope `{type, id, at, data}` (`tutor/events.py`). Errors arrive as an
`error` event with `data: {code, message}` and leave the socket open; only failed auth closes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from api.state import AppState
from api.websocket_auth import opened_socket
from tutor.accounts.auth import TokenClaims
from tutor.chat.asks import Ask
from tutor.chat.replay import replay_events, wait_for_message
from tutor.errors import Busy, InvalidInput, NotGenerating, TutorError
from tutor.events import Event, error_of

log = logging.getLogger(__name__)
router = APIRouter(tags=["tutor"])
# The server (uvicorn's ws_max_size) closes a socket sending more with 1009 before buffering it.
MAX_MESSAGE_BYTES = 64 * 1024
# An ask is an object of scalars and a list of ids: deeper nesting is never a real client.
MAX_DEPTH = 8
# At most ten answer events a second per socket: as smooth to read as one per token, and a
# model streaming faster costs one websocket frame per 0.1 s, not one per token (a frame and
# its event were a fifth of the API's CPU in an ask: benchmarks/ask_cost.py).
DELTA_PACE_S = 0.1


@router.websocket("/tutor")
async def tutor_socket(websocket: WebSocket) -> None:
    """One student's tutoring session."""
    state: AppState = websocket.app.state.tutor
    async with opened_socket(websocket, state) as claims:
        if claims is not None:
            await TutorSession(websocket, state, claims).serve()


class TutorSession:
    """Reads client messages and forwards one generation's events at a time."""

    def __init__(self, websocket: WebSocket, state: AppState, claims: TokenClaims) -> None:
        self.websocket, self.state, self.user_id = websocket, state, claims.user_id
        self.send_lock = asyncio.Lock()
        self.forwarding: asyncio.Task[None] | None = None
        self.message_id: UUID | None = None

    async def serve(self) -> None:
        """Handle messages until the client leaves; its generations go on (see resume)."""
        try:
            while True:
                try:
                    await self.handle(await self.receive())
                except TutorError as exc:
                    await self.send(error_of(exc))
        except WebSocketDisconnect:
            pass
        finally:
            if self.forwarding is not None:
                self.forwarding.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self.forwarding

    async def receive(self) -> str:
        """The next text message; a binary one is InvalidInput (the socket stays open)."""
        message = await self.websocket.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
        text = message.get("text")
        if text is None:
            raise InvalidInput("Messages are JSON in text frames, not binary ones.")
        return str(text)

    async def handle(self, raw: str) -> None:
        """Dispatch one client message."""
        payload = parse_message(raw)
        kind = payload.pop("type", None)
        if kind == "ask":
            await self.ask(payload)
        elif kind == "cancel":
            self.cancel(payload.get("message_id"))
        elif kind == "resume":
            await self.resume(payload.get("message_id"))
        else:
            raise InvalidInput("type must be one of: ask, cancel, resume")

    async def ask(self, payload: dict[str, Any]) -> None:
        """Start a generation and stream it."""
        self.ensure_idle()
        try:
            ask = Ask.model_validate(payload)
        except ValidationError as exc:
            raise InvalidInput(_first_error(exc)) from exc
        settings = self.state.settings
        await self.state.limiter.check("tutor", self.user_id, settings.tutor_asks_per_minute)
        message_id = uuid.uuid4()
        engine = self.state.engine
        generation = self.state.generations.start(
            self.user_id,
            message_id,
            lambda g: engine.respond(self.user_id, ask, message_id, g.publish),
        )
        self.forward(message_id, generation.follow(DELTA_PACE_S))

    def cancel(self, message_id: object) -> None:
        """Stop the current (or the named) generation, upstream included."""
        target = _uuid(message_id) if message_id is not None else self.message_id
        if target is None or not self.state.generations.cancel(self.user_id, target):
            raise NotGenerating()

    async def resume(self, message_id: object) -> None:
        """Send a message again from its start: live if still running, else from the database."""
        self.ensure_idle()
        target = _uuid(message_id)
        generation = self.state.generations.get(self.user_id, target)
        if generation is not None:
            self.forward(target, generation.follow(DELTA_PACE_S))
            return
        self.forward(target, self._saved(target))

    async def _saved(self, message_id: UUID) -> AsyncIterator[Event]:
        state = self.state
        try:
            message = await wait_for_message(
                state.pool, self.user_id, message_id, state.settings.chat_timeout_s
            )
            for event in await replay_events(state.pool, self.user_id, message):
                yield event
        except TutorError as exc:
            yield error_of(exc)

    def ensure_idle(self) -> None:
        """One stream per socket at a time."""
        if self.forwarding is not None and not self.forwarding.done():
            raise Busy()

    def forward(self, message_id: UUID, events: AsyncIterator[Event]) -> None:
        """Relay events to the client in the background while messages keep being read."""
        self.message_id = message_id
        self.forwarding = asyncio.create_task(self._relay(events))

    async def _relay(self, events: AsyncIterator[Event]) -> None:
        try:
            async for event in events:
                await self.send(event)
        except (WebSocketDisconnect, RuntimeError):
            pass  # the client left; the generation itself goes on and is saved

    async def send(self, event: Event) -> None:
        """Send one event; sends from the relay and the reader never interleave."""
        async with self.send_lock:
            await self.websocket.send_text(event.to_json())


def parse_message(raw: str) -> dict[str, Any]:
    """A client message as a dict, or InvalidInput."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise InvalidInput(f"Messages are limited to {MAX_MESSAGE_BYTES} bytes.")
    try:
        payload = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"Not JSON: {exc.msg}") from exc
    except RecursionError as exc:  # thousands of nested brackets fit in 64 KiB
        raise InvalidInput(f"Messages nest at most {MAX_DEPTH} levels deep.") from exc
    if not isinstance(payload, dict):
        raise InvalidInput("A message is a JSON object with a 'type'.")
    _check_values(payload, 0)
    return payload


def _check_values(value: object, depth: int) -> None:
    """InvalidInput for nesting past MAX_DEPTH or a NUL byte (PostgreSQL text cannot hold one)."""
    if depth > MAX_DEPTH:
        raise InvalidInput(f"Messages nest at most {MAX_DEPTH} levels deep.")
    if isinstance(value, str) and "\x00" in value:
        raise InvalidInput("Text may not contain NUL bytes.")
    children = [*value.keys(), *value.values()] if isinstance(value, dict) else value
    if isinstance(children, list):
        for child in children:
            _check_values(child, depth + 1)


def _uuid(value: object) -> UUID:
    try:
        return UUID(str(value))
    except ValueError as exc:
        raise InvalidInput("message_id must be a UUID") from exc


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "message"
    return f"{where}: {error['msg']}"
