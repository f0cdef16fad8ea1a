"""Conversations and their messages: what was asked, what was answered, and how."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from tutor.database import Keyset, after_params
from tutor.errors import ConversationNotFound, MessageNotFound

TITLE_CHARS = 80


@dataclass
class Conversation:
    """A thread of questions and answers."""

    id: UUID
    title: str
    created_at: datetime
    updated_at: datetime


@dataclass
class Message:
    """One turn; assistant turns carry citations and how they were produced."""

    id: UUID
    conversation_id: UUID
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


CREATE_CONVERSATION = """
INSERT INTO conversations (id, owner_id, title) VALUES (%(id)s, %(owner_id)s, %(title)s)
"""
TOUCH_CONVERSATION = """
UPDATE conversations SET updated_at = now() WHERE id = %(id)s AND owner_id = %(owner_id)s
RETURNING id
"""


async def open_conversation(
    conn: AsyncConnection, owner_id: UUID, conversation_id: UUID | None, first_text: str
) -> UUID:
    """The owner's conversation (touched), or a new one titled after the first question."""
    if conversation_id is None:
        new_id = uuid.uuid4()
        title = " ".join(first_text.split())[:TITLE_CHARS] or "New conversation"
        await conn.execute(
            CREATE_CONVERSATION, {"id": new_id, "owner_id": owner_id, "title": title}
        )
        return new_id
    cur = await conn.execute(TOUCH_CONVERSATION, {"id": conversation_id, "owner_id": owner_id})
    if await cur.fetchone() is None:
        raise ConversationNotFound()
    return conversation_id


INSERT_MESSAGE = """
INSERT INTO messages (id, conversation_id, owner_id, role, mode, content, status,
                      prompt_name, prompt_version, model_id)
VALUES (%(id)s, %(conversation_id)s, %(owner_id)s, %(role)s, %(mode)s, %(content)s,
        %(status)s, %(prompt_name)s, %(prompt_version)s, %(model_id)s)
"""


async def add_message(conn: AsyncConnection, **values: Any) -> UUID:
    """Insert a message row (see INSERT_MESSAGE for the fields); returns its id."""
    row = {
        "id": uuid.uuid4(),
        "content": "",
        "status": "complete",
        "prompt_name": None,
        "prompt_version": None,
        "model_id": None,
        **values,
    }
    await conn.execute(INSERT_MESSAGE, row)
    return UUID(str(row["id"]))


FINISH_MESSAGE = """
UPDATE messages SET content = %(content)s, status = %(status)s, grounded = %(grounded)s,
    citations = %(citations)s, phantom_citations = %(phantom_citations)s,
    prompt_name = %(prompt_name)s, prompt_version = %(prompt_version)s,
    timings = %(timings)s, usage = %(usage)s, error_code = %(error_code)s,
    completed_at = now()
WHERE id = %(id)s AND owner_id = %(owner_id)s
"""


async def finish_message(conn: AsyncConnection, **values: Any) -> None:
    """Record how an assistant message ended (see FINISH_MESSAGE for the fields)."""
    for key in ("citations", "timings", "usage"):
        values[key] = Jsonb(values[key])
    await conn.execute(FINISH_MESSAGE, values)


MESSAGE_COLUMNS = """m.id, m.conversation_id, m.role, m.mode, m.content, m.status, m.grounded,
    m.citations, m.phantom_citations, m.prompt_name, m.prompt_version, m.model_id, m.timings,
    m.usage, m.error_code, (SELECT p.id FROM practice_sets p WHERE p.message_id = m.id)
    AS practice_set_id, m.created_at, m.completed_at"""
MESSAGE_BY_ID = f"""
SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.id = %(id)s AND m.owner_id = %(owner_id)s
"""
MESSAGES_OF = f"""
SELECT {MESSAGE_COLUMNS} FROM messages m
WHERE m.conversation_id = %(conversation_id)s AND m.owner_id = %(owner_id)s
ORDER BY m.created_at, m.id
"""
RECENT_TURNS = """
SELECT role, content FROM (
    SELECT role, content, created_at, id FROM messages
    WHERE conversation_id = %(conversation_id)s AND owner_id = %(owner_id)s
      AND status = 'complete' AND content <> ''
    ORDER BY created_at DESC, id DESC LIMIT %(limit)s
) recent ORDER BY created_at, id
"""
CONVERSATION_BY_ID = """
SELECT id, title, created_at, updated_at FROM conversations
WHERE id = %(id)s AND owner_id = %(owner_id)s
"""
# Without a cursor the key compares as (infinity, max uuid): one statement serves every page
# and stays an index range scan even as a prepared, generic plan.
CONVERSATIONS_OF = """
SELECT id, title, created_at, updated_at FROM conversations
WHERE owner_id = %(owner_id)s
  AND (updated_at, id) < (coalesce(%(after_ts)s::timestamptz, 'infinity'),
                          coalesce(%(after_id)s::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'))
ORDER BY updated_at DESC, id DESC
LIMIT %(limit)s
"""


async def get_message(conn: AsyncConnection, owner_id: UUID, message_id: UUID) -> Message:
    """One of the owner's messages."""
    cur = conn.cursor(row_factory=class_row(Message))
    await cur.execute(MESSAGE_BY_ID, {"id": message_id, "owner_id": owner_id})
    message = await cur.fetchone()
    if message is None:
        raise MessageNotFound()
    return message


async def recent_turns(
    conn: AsyncConnection, owner_id: UUID, conversation_id: UUID, limit: int
) -> list[tuple[str, str]]:
    """(role, content) of the last completed turns, oldest first."""
    cur = await conn.execute(
        RECENT_TURNS, {"conversation_id": conversation_id, "owner_id": owner_id, "limit": limit}
    )
    return [(row[0], row[1]) for row in await cur.fetchall()]


async def get_conversation(
    conn: AsyncConnection, owner_id: UUID, conversation_id: UUID
) -> tuple[Conversation, list[Message]]:
    """One of the owner's conversations with all its messages."""
    cur = conn.cursor(row_factory=class_row(Conversation))
    await cur.execute(CONVERSATION_BY_ID, {"id": conversation_id, "owner_id": owner_id})
    conversation = await cur.fetchone()
    if conversation is None:
        raise ConversationNotFound()
    messages = conn.cursor(row_factory=class_row(Message))
    await messages.execute(MESSAGES_OF, {"conversation_id": conversation_id, "owner_id": owner_id})
    return conversation, await messages.fetchall()


async def list_conversations(
    conn: AsyncConnection,
    owner_id: UUID,
    *,
    limit: int,
    after: Keyset | None = None,
) -> list[Conversation]:
    """The owner's conversations, most recently active first, after the (updated_at, id) `after`."""
    cur = conn.cursor(row_factory=class_row(Conversation))
    params = {"owner_id": owner_id, "limit": limit, **after_params(after)}
    await cur.execute(CONVERSATIONS_OF, params)
    return await cur.fetchall()
