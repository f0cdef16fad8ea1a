"""The README's example questions are answered from the demo notes, not declined.

A new user's first question is the README's. With dense similarity alone the tutor said "Your
notes don't seem to cover this." to "What does RuBisCO do?", although the demo notes say it:
MiniLM does not know the term. Every `tutor ask` / `tutor search` example in the README is
pinned here against the notes `tutor up --demo` uploads.
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.browser.scripted_replies import practice_reply
from tests.conftest import ingest, register
from tests.scripted_chat import ScriptedChatModel
from tests.test_tutor_ws import converse, only

README = Path(__file__).resolve().parents[1] / "README.md"
EXAMPLE = re.compile(r'tutor (ask|search) --user demo@example\.com (?:--mode (\w+) )?.*"([^"]+)"$')


def readme_examples() -> list[tuple[str, str, str]]:
    """(command, mode, text) of every demo example in the README."""
    found = []
    for line in README.read_text().splitlines():
        match = EXAMPLE.search(line.strip())
        if match:
            command, mode, text = match.groups()
            found.append((command, mode or "answer", text))
    return found


def test_the_readme_has_examples_to_check() -> None:
    assert ("ask", "answer", "What does RuBisCO do?") in readme_examples()


@pytest.fixture(scope="module")
def demo_student(tutor_client: TestClient) -> dict[str, str]:
    headers = register(tutor_client)
    for note in sorted(files("tutor").joinpath("demo_notes").iterdir(), key=str):
        assert ingest(tutor_client, headers, note.name, note.read_bytes())["status"] == "ready"
    return headers


@pytest.mark.parametrize(("command", "mode", "text"), readme_examples())
def test_readme_example_is_answered_from_the_demo_notes(
    tutor_client: TestClient,
    demo_student: dict[str, str],
    chat: ScriptedChatModel,
    command: str,
    mode: str,
    text: str,
) -> None:
    if command == "search":
        hits = tutor_client.get("/api/v1/search", params={"q": text}, headers=demo_student).json()[
            "items"
        ]
        assert hits and hits[0]["filename"] == "photosynthesis.md"
        return
    if mode == "practice":
        chat.default = practice_reply  # every draft, and the blind check of its key
        with tutor_client.websocket_connect("/api/v1/tutor", headers=demo_student) as ws:
            events = converse(ws, mode=mode, text=text, count=3)
        assert only(events, "practice")["questions"], events  # material found, a set written
        return
    chat.script("RuBisCO fixes carbon dioxide in the Calvin cycle [1].")
    with tutor_client.websocket_connect("/api/v1/tutor", headers=demo_student) as ws:
        events = converse(ws, mode=mode, text=text)
    done = only(events, "done")
    assert done["grounded"] is True and not done.get("general_answer"), done
    sources: list[dict[str, Any]] = only(events, "citations")["items"]
    assert sources[0]["filename"] == "photosynthesis.md"
    assert "RuBisCO" in chat.prompts_text()  # the passage reached the model
    # Before the model's first word: the sources and the notes' own best sentence.
    types = [e["type"] for e in events]
    assert types.index("sources") < types.index("delta")
    shown = only(events, "sources")
    assert shown["items"][0]["filename"] == "photosynthesis.md"
    assert "RuBisCO fixes carbon dioxide" in shown["best"]["text"]
    assert done["timings"]["sources_ms"] <= done["timings"]["first_token_ms"]


def test_hints_never_show_the_best_passage(
    tutor_client: TestClient, demo_student: dict[str, str], chat: ScriptedChatModel
) -> None:
    chat.script("Final answer: it fixes carbon dioxide", "Think about the Calvin cycle [1].")
    with tutor_client.websocket_connect("/api/v1/tutor", headers=demo_student) as ws:
        events = converse(ws, mode="hint", text="What does RuBisCO do?")
    assert "sources" not in [e["type"] for e in events]  # it could give the answer away


@pytest.mark.parametrize(
    "question",
    ["When was Rome founded according to tradition?", "Who painted the Mona Lisa?"],
)
def test_questions_the_demo_notes_do_not_cover_are_still_declined(
    tutor_client: TestClient, demo_student: dict[str, str], chat: ScriptedChatModel, question: str
) -> None:
    chat.script("A general answer.")
    with tutor_client.websocket_connect("/api/v1/tutor", headers=demo_student) as ws:
        events = converse(ws, text=question)
    done = only(events, "done")
    assert done["grounded"] is False and done["general_answer"] is True, done
