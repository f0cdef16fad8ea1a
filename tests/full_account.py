"""An account with some of everything: a document, a conversation, a practice set answered, a
deck with a reviewed card, a finished task, a focus session and a calendar feed."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

import psycopg
from fastapi.testclient import TestClient
from psycopg import AsyncConnection

from tests.conftest import ingest, register
from tutor.chat import conversations, practice
from tutor.chat.practice import PracticeItem
from tutor.resources import database_url
from tutor.settings import Settings

API = "/api/v1"
T = TypeVar("T")
PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class FullAccount:
    """The account's header and the ids of what it holds."""

    headers: dict[str, str]
    user_id: UUID
    document_id: str
    filename: str
    file: bytes
    conversation_id: UUID
    set_id: UUID
    deck_id: str


def note_file(tag: str) -> bytes:
    """A small Markdown note, distinct per tag."""
    return (
        f"# Cell biology ({tag})\n\nThe mitochondria is the powerhouse of the cell. It makes "
        "ATP by oxidative phosphorylation. Chloroplasts capture light energy in plants.\n"
    ).encode()


def run_committed(settings: Settings, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    """Run `work` in one transaction of its own and commit it."""

    async def run() -> T:
        async with await AsyncConnection.connect(database_url(settings)) as conn:
            return await work(conn)

    return asyncio.run(run())


def ok(response: Any, code: int = 200) -> dict[str, Any]:
    assert response.status_code == code, response.text
    return dict(response.json()) if response.content else {}


def full_account(client: TestClient, settings: Settings) -> FullAccount:
    """A fresh account holding one of each kind of data, made through the API where it can be
    (the conversation and the practice set are written as the tutor writes them)."""
    headers = register(client)
    user_id = UUID(client.get(f"{API}/me", headers=headers).json()["id"])
    tag = uuid.uuid4().hex[:8]
    filename, file = f"cells-{tag}.md", note_file(tag)
    document = ingest(client, headers, filename, file)
    assert document["status"] == "ready", document

    async def tutor_writes(conn: AsyncConnection) -> tuple[UUID, UUID]:
        conversation_id = await conversations.open_conversation(conn, user_id, None, "What is ATP?")
        for role, content in (("user", "What is ATP?"), ("assistant", "The cell's energy.")):
            await conversations.add_message(
                conn, conversation_id=conversation_id, owner_id=user_id, role=role,
                mode="answer", content=content,
            )  # fmt: skip
        item = PracticeItem(
            "short_answer", "What makes ATP?", [], "mitochondria", "It says so.", None,
            UUID(document["id"]), filename, None, None, "The mitochondria makes ATP.",
        )  # fmt: skip
        header = {
            "message_id": None, "topic": "cells", "requested": 1, "dropped": 0,
            "prompt_name": "practice", "prompt_version": 1, "model_id": "scripted",
        }  # fmt: skip
        set_id = await practice.save_set(conn, user_id, header, [item])
        return conversation_id, set_id

    conversation_id, set_id = run_committed(settings, tutor_writes)
    attempt = {"attempt_id": str(uuid.uuid4()), "ordinal": 0, "answer": "mitochondria"}
    ok(client.post(f"{API}/practice-sets/{set_id}/attempts", json=attempt, headers=headers), 201)

    deck = ok(client.post(f"{API}/decks", json={"name": "Cells"}, headers=headers), 201)
    note = {"kind": "basic", "front": "What is ATP?", "back": "Energy"}
    made = ok(client.post(f"{API}/decks/{deck['id']}/notes", json=note, headers=headers), 201)
    card_id = made["cards"][0]["id"]
    review = {"review_id": str(uuid.uuid4()), "rating": 3, "duration_ms": 4000}
    ok(client.post(f"{API}/cards/{card_id}/reviews", json=review, headers=headers))

    task = ok(client.post(f"{API}/tasks", json={"title": "Read ch. 2"}, headers=headers), 201)
    ok(client.post(f"{API}/tasks/{task['id']}/complete", headers=headers))
    ok(client.post(f"{API}/tasks/calendar-feed", headers=headers), 201)
    ok(client.post(f"{API}/focus-sessions", headers=headers), 201)
    ok(client.post(f"{API}/focus-sessions/current/stop", headers=headers))
    return FullAccount(
        headers, user_id, document["id"], filename, file, conversation_id, set_id, deck["id"]
    )


OWNER_COLUMNS = """
SELECT c.table_name, c.column_name FROM information_schema.columns c
JOIN information_schema.tables t USING (table_schema, table_name)
WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
  AND c.column_name IN ('user_id', 'owner_id')
ORDER BY 1, 2
"""


def rows_of(settings: Settings, user_id: UUID) -> dict[str, int]:
    """Every table with a user_id or owner_id column, and how many of its rows name the user."""
    counts: dict[str, int] = {}
    with psycopg.connect(database_url(settings), autocommit=True) as conn:
        for table, column in conn.execute(OWNER_COLUMNS).fetchall():
            query = psycopg.sql.SQL("SELECT count(*) FROM {} WHERE {} = %s").format(
                psycopg.sql.Identifier(table), psycopg.sql.Identifier(column)
            )
            row = conn.execute(query, (user_id,)).fetchone()
            counts[f"{table}.{column}"] = row[0] if row else 0
    return counts
