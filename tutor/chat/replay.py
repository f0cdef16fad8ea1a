"""A saved message as the protocol events a live client would have received."""

from __future__ import annotations

import asyncio
import time
from uuid import UUID

from psycopg_pool import AsyncConnectionPool

from tutor.chat import conversations, practice
from tutor.chat.conversations import Message
from tutor.errors import GenerationInterrupted
from tutor.events import Event

POLL_S = 0.5


async def wait_for_message(
    pool: AsyncConnectionPool, owner_id: UUID, message_id: UUID, timeout_s: float
) -> Message:
    """The owner's message once it is no longer being generated (by whichever process)."""
    deadline = time.monotonic() + timeout_s
    while True:
        async with pool.connection() as conn:
            message = await conversations.get_message(conn, owner_id, message_id)
        if message.status != "generating":
            return message
        if time.monotonic() > deadline:
            raise GenerationInterrupted()
        await asyncio.sleep(POLL_S)


async def replay_events(pool: AsyncConnectionPool, owner_id: UUID, message: Message) -> list[Event]:
    """start, the whole text as one delta, citations, practice items, done (all new events)."""
    ids = {"message_id": str(message.id), "conversation_id": str(message.conversation_id)}
    events = [Event.of("start", **ids, mode=message.mode)]
    if message.content:
        events.append(Event.of("delta", text=message.content))
    if message.mode != "practice" or message.citations:
        events.append(Event.of("citations", items=message.citations))
    if message.practice_set_id is not None:
        async with pool.connection() as conn:
            _, items = await practice.get_set(conn, owner_id, message.practice_set_id)
        events.append(
            Event.of(
                "practice",
                set_id=str(message.practice_set_id),
                questions=[item.public() for item in items],
            )
        )
    prompt = f"{message.prompt_name}@v{message.prompt_version}" if message.prompt_name else None
    events.append(
        Event.of(
            "done",
            **ids,
            status=message.status,
            grounded=bool(message.grounded),
            timings=message.timings,
            usage=message.usage,
            prompt=prompt,
            model=message.model_id,
            phantom_citations=message.phantom_citations,
            replayed=True,
        )
    )
    return events
