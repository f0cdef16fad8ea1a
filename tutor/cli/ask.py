"""`tutor ask`: the tutor in a terminal, through the same engine the websocket uses."""

from __future__ import annotations

import json
import sys
import uuid
from typing import Any

from tutor.accounts import users
from tutor.chat.asks import Ask
from tutor.chat.engine import TutorEngine
from tutor.events import Event
from tutor.resources import opened
from tutor.settings import Settings


class TerminalPrinter:
    """Prints deltas as they stream (plain mode) and keeps every event (for --json)."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)
        if self.as_json:
            return
        data = event.data
        if event.type == "sources" and data["best"]:
            best = data["best"]
            pages = f", p. {best['page_start']}" if best["page_start"] else ""
            print(f"From your notes ({best['filename']}{pages}):\n  {best['text']}\n")
        elif event.type == "delta":
            sys.stdout.write(data["text"])
            sys.stdout.flush()
        elif event.type == "citations":
            print("\n\nSources:")
            for item in data["items"]:
                pages = f", p. {item['page_start']}" if item["page_start"] else ""
                print(f"  [{item['n']}] {item['filename']}{pages}: {item['quote']}")
        elif event.type == "practice.item":  # each question as it passes its checks
            print_practice([data["question"]], start=data["question"]["ordinal"] + 1)
        elif event.type == "practice" and not any(e.type == "practice.item" for e in self.events):
            print_practice(data["questions"])  # a replayed set: never streamed item by item
        elif event.type == "error":
            print(f"\nerror ({data['code']}): {data['message']}", file=sys.stderr)

    def final_message(self) -> dict[str, Any]:
        """The finished message as one JSON object."""
        done = next(e.data for e in self.events if e.type == "done")
        by_type = {e.type: e.data for e in self.events}
        return {
            "message_id": done["message_id"],
            "conversation_id": done.get("conversation_id"),
            "text": "".join(e.data["text"] for e in self.events if e.type == "delta"),
            "citations": by_type.get("citations", {}).get("items", []),
            "practice": by_type.get("practice"),
            "best_passage": by_type.get("sources", {}).get("best"),
            "errors": [e.data for e in self.events if e.type == "error"],
            "done": done,
        }


def print_practice(questions: list[dict[str, Any]], start: int = 1) -> None:
    """Questions, options and keys, numbered from `start`."""
    for number, question in enumerate(questions, start=start):
        print(f"\n{number}. {question['question']}")
        for letter, option in zip("ABCD", question["options"], strict=False):
            print(f"   {letter}) {option}")
        print(
            f"   Answer: {question['answer']} ({question['filename']}): {question['explanation']}"
        )


async def ask(settings: Settings, email: str, ask: Ask, as_json: bool) -> int:
    """Ask as the user; returns the exit code (1 when the message failed)."""
    printer = TerminalPrinter(as_json)
    async with opened(settings, embedder=True, chat=True) as resources:
        async with resources.pool.connection() as conn:
            user = await users.get_user_by_email(conn, email)
        engine = TutorEngine(resources.pool, resources.embedder, resources.chat_model, settings)
        await engine.respond(user.id, ask, uuid.uuid4(), printer)
    message = printer.final_message()
    if as_json:
        print(json.dumps(message, indent=2, default=str))
    else:
        print()
    return 0 if message["done"].get("status") == "complete" else 1
