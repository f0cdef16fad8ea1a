"""`tutor ask`: the tutor in a terminal, through the same engine the websocket uses."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from typing import Any

from tutor.accounts import users
from tutor.chat.asks import Ask
from tutor.chat.engine import TutorEngine
from tutor.database import migrate, open_pool
from tutor.llm.chat_model import build_chat_model
from tutor.settings import Settings


class TerminalPrinter:
    """Prints deltas as they stream (plain mode) and keeps every event (for --json)."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.events: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        if self.as_json:
            return
        if event["type"] == "delta":
            sys.stdout.write(event["text"])
            sys.stdout.flush()
        elif event["type"] == "citations":
            print("\n\nSources:")
            for item in event["items"]:
                pages = f", p. {item['page_start']}" if item["page_start"] else ""
                print(f"  [{item['n']}] {item['filename']}{pages}: {item['quote']}")
        elif event["type"] == "practice":
            print_practice(event["questions"])
        elif event["type"] == "error":
            print(f"\nerror ({event['code']}): {event['message']}", file=sys.stderr)

    def final_message(self) -> dict[str, Any]:
        """The finished message as one JSON object."""
        done = next(e for e in self.events if e["type"] == "done")
        by_type = {e["type"]: e for e in self.events}
        return {
            "message_id": done["message_id"],
            "conversation_id": done.get("conversation_id"),
            "text": "".join(e["text"] for e in self.events if e["type"] == "delta"),
            "citations": by_type.get("citations", {}).get("items", []),
            "practice": by_type.get("practice"),
            "errors": [e for e in self.events if e["type"] == "error"],
            "done": done,
        }


def print_practice(questions: list[dict[str, Any]]) -> None:
    """Questions, options and keys, numbered."""
    for number, question in enumerate(questions, start=1):
        print(f"\n{number}. {question['question']}")
        for letter, option in zip("ABCD", question["options"], strict=False):
            print(f"   {letter}) {option}")
        print(
            f"   Answer: {question['answer']} ({question['filename']}): {question['explanation']}"
        )


async def ask(settings: Settings, email: str, ask: Ask, as_json: bool) -> int:
    """Ask as the user; returns the exit code (1 when the message failed)."""
    from tutor.runtime.worker import build_embedder

    assert settings.database_url
    await migrate(settings.database_url)
    embedder = await asyncio.to_thread(build_embedder, settings)
    model = build_chat_model(settings)
    pool = await open_pool(settings.database_url, ef_search=settings.hnsw_ef_search)
    try:
        async with pool.connection() as conn:
            user = await users.get_user_by_email(conn, email)
        printer = TerminalPrinter(as_json)
        await TutorEngine(pool, embedder, model, settings).respond(
            user.id, ask, uuid.uuid4(), printer
        )
    finally:
        await pool.close()
    message = printer.final_message()
    if as_json:
        print(json.dumps(message, indent=2, default=str))
    else:
        print()
    return 0 if message["done"].get("status") == "complete" else 1
