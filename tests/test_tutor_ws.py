"""The tutor over a real websocket, real stack, with a scripted chat model for determinism."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.conftest import ingest, register
from tests.scripted_chat import ScriptedChatModel
from tutor.chat.engine import DECLINE, GENERAL_LABEL
from tutor.events import ENVELOPE_KEYS
from tutor.llm.prompts import versions

NEWEST_ANSWER = versions("answer")[-1]  # the engine's default: the newest version on disk

NOTE = b"""# Photosynthesis

Photosynthesis turns light energy into chemical energy. Chloroplasts in leaf cells hold
chlorophyll, the green pigment that absorbs red and blue light.

## Calvin cycle

The Calvin cycle fixes carbon dioxide into glucose using ATP and NADPH made by the light
reactions. Its key enzyme is called RuBisCO.
"""


def socket(client: TestClient, headers: dict[str, str]) -> Any:
    return client.websocket_connect("/api/v1/tutor", headers=headers)


def converse(ws: Any, **ask: Any) -> list[dict[str, Any]]:
    """Send an ask and collect events up to and including `done`."""
    ws.send_json({"type": "ask", **ask})
    return until_done(ws)


def receive(ws: Any) -> dict[str, Any]:
    """The next event, checked to be exactly the envelope."""
    event: dict[str, Any] = ws.receive_json()
    assert set(event) == ENVELOPE_KEYS, event
    return event


def until_done(ws: Any) -> list[dict[str, Any]]:
    events = []
    while True:
        event = receive(ws)
        events.append(event)
        if event["type"] == "done":
            return events


def text_of(events: list[dict[str, Any]]) -> str:
    return "".join(e["data"]["text"] for e in events if e["type"] == "delta")


def only(events: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    """The `data` of the one event of `kind`."""
    found: list[dict[str, Any]] = [e["data"] for e in events if e["type"] == kind]
    assert len(found) == 1, events
    return found[0]


@pytest.fixture(scope="module")
def student(tutor_client: TestClient) -> dict[str, Any]:
    headers = register(tutor_client)
    document = ingest(tutor_client, headers, "photosynthesis.md", NOTE)
    assert document["status"] == "ready", document
    return {"headers": headers, "document_id": document["id"]}


def test_phantom_citation_is_removed_and_valid_one_kept(tutor_client, student, chat):
    chat.script("Chloroplasts hold chlorophyll [1]. It absorbs light [7]. See also [1, 9].")
    with socket(tutor_client, student["headers"]) as ws:
        events = converse(ws, mode="answer", text="What pigment do chloroplasts hold?")
    text = text_of(events)
    assert "[7]" not in text and "9" not in text
    assert text.count("[1]") == 2
    citations = only(events, "citations")["items"]
    assert [c["n"] for c in citations] == [1]
    assert citations[0]["document_id"] == student["document_id"]
    assert "chlorophyll" in citations[0]["quote"].lower()
    done = only(events, "done")
    assert done["phantom_citations"] == 2 and done["grounded"] is True
    assert done["prompt"] == f"answer@v{NEWEST_ANSWER}" and done["usage"]["completion_tokens"] > 0
    assert set(done["timings"]) >= {"retrieval_ms", "first_token_ms", "total_ms"}
    # The sources the model saw were the student's chunk, numbered.
    assert "[1] (photosynthesis.md" in chat.prompts_text()

    saved = tutor_client.get(
        f"/api/v1/conversations/{done['conversation_id']}", headers=student["headers"]
    ).json()
    assistant = saved["messages"][-1]
    assert assistant["content"] == text and assistant["status"] == "complete"
    assert assistant["prompt_name"] == "answer" and assistant["prompt_version"] == NEWEST_ANSWER
    assert assistant["model_id"] == ScriptedChatModel.model_id
    assert assistant["citations"] == citations and assistant["phantom_citations"] == 2


def test_answer_without_markers_gets_attributed_citations(tutor_client, student, chat):
    chat.script("Chloroplasts in leaf cells hold chlorophyll, the green pigment.")
    with socket(tutor_client, student["headers"]) as ws:
        events = converse(ws, mode="answer", text="What do chloroplasts hold?")
    [item] = only(events, "citations")["items"]
    assert item["attributed"] is True and item["document_id"] == student["document_id"]
    done = only(events, "done")
    assert done["grounded"] is True and done["citations_attributed"] is True


def test_marker_split_across_pieces_is_still_checked(tutor_client, student, chat):
    chat.script("Light reactions make ATP [12]. Done [1].")
    chat.piece_chars = 1  # the next test gets a fresh model again (the `chat` fixture)
    with socket(tutor_client, student["headers"]) as ws:
        events = converse(ws, mode="answer", text="What do light reactions make?")
    assert "[12]" not in text_of(events) and "[1]" in text_of(events)
    assert only(events, "done")["phantom_citations"] == 1


def test_no_relevant_notes_says_so_and_labels_general_answer(tutor_client, chat):
    headers = register(tutor_client)  # a student with no notes at all
    chat.script("Paris is the capital of France.")
    with socket(tutor_client, headers) as ws:
        events = converse(ws, mode="answer", text="What is the capital of France?")
    text = text_of(events)
    assert text.startswith(DECLINE + GENERAL_LABEL) and "Paris" in text
    done = only(events, "done")
    assert done["grounded"] is False and done["general_answer"] is True
    assert only(events, "citations")["items"] == []
    assert len(chat.calls) == 1  # only the general answer: no grounded call without sources


def test_model_that_finds_nothing_in_sources_declines(tutor_client, student, chat):
    chat.script("NOT_IN_NOTES", "Mitochondria make ATP by respiration.")
    chat.piece_chars = 3  # the sentinel arrives split, and must never be shown
    with socket(tutor_client, student["headers"]) as ws:
        events = converse(ws, mode="answer", text="How do chloroplast cells store energy?")
    text = text_of(events)
    assert "NOT_IN" not in text and "NOTES" not in text
    assert text.startswith(DECLINE) and GENERAL_LABEL in text and "Mitochondria" in text
    assert only(events, "done")["grounded"] is False


def test_leaking_hint_is_never_sent(tutor_client, student, chat):
    problem = "Leaves have 12 chloroplast bundles of 3 each. How many chloroplasts in all?"
    chat.script(
        "12 times 3 is 36.\nFinal answer: 36",
        "Multiply 12 by 3 to get 36.",  # leaks the number
        "So there are thirty-six, i.e. 36 in all.",  # leaks again
    )
    with socket(tutor_client, student["headers"]) as ws:
        events = converse(ws, mode="hint", text=problem, hint_level=2)
    text = text_of(events)
    assert "36" not in text and "thirty-six" not in text
    hint = only(events, "done")["hint"]
    assert hint["fallback"] is True and hint["leaks"] == ["words", "words"]
    assert len(chat.calls) == 3


def test_hint_regenerated_once_when_first_leaks(tutor_client, student, chat):
    chat.script(
        "Final answer: RuBisCO",
        "The enzyme is RuBisCO.",
        "Which enzyme in the Calvin cycle fixes carbon dioxide? Look at [1].",
    )
    with socket(tutor_client, student["headers"]) as ws:
        events = converse(ws, mode="hint", text="Which enzyme fixes CO2?", hint_level=3)
    assert "rubisco" not in text_of(events).lower()
    assert "Look at [1]" in text_of(events)
    hint = only(events, "done")["hint"]
    assert hint == {
        "level": 3,
        "answer_from": "solved",
        "attempts": 2,
        "fallback": False,
        "leaks": ["words"],
    }
    # The second try named the answer as the thing to avoid.
    assert "RuBisCO" in chat.calls[2][0]["content"]


def test_hint_naming_the_right_pasted_option_is_never_sent(tutor_client, student, chat):
    problem = (
        "Which pigment absorbs red and blue light?\n"
        "A) Carotene\nB) Chlorophyll\nC) Melanin\nD) Hemoglobin"
    )
    chat.script(
        "Chloroplasts hold chlorophyll [1].\nFinal answer: B) Chlorophyll",
        "Look at option B.",  # the problem holds every option, but this one is the answer
        "Compare options A and C with what source [1] says absorbs red and blue light.",
    )
    with socket(tutor_client, student["headers"]) as ws:
        events = converse(ws, mode="hint", text=problem, hint_level=2)
    text = text_of(events)
    assert "option B" not in text and text.startswith("Compare options A and C")
    hint = only(events, "done")["hint"]
    assert hint == {
        "level": 2,
        "answer_from": "solved",
        "attempts": 2,
        "fallback": False,
        "leaks": ["option"],
    }


def practice_json(items: list[dict[str, Any]]) -> str:
    return json.dumps({"questions": items})


GOOD_MC = {
    "kind": "multiple_choice",
    "question": "Which pigment absorbs red and blue light?",
    "options": ["Chlorophyll", "Carotene", "Melanin", "Hemoglobin"],
    "answer": "Chlorophyll",
    "explanation": "Chloroplasts hold chlorophyll.",
    "source": 1,
}


def test_practice_items_are_checked_saved_and_reopened(tutor_client, student, chat):
    duplicate_options = {
        **GOOD_MC,
        "question": "Name the green pigment in chloroplasts?",
        "options": ["Chlorophyll", "chlorophyll", "Melanin", "Keratin"],
    }
    unsupported = {
        "kind": "short_answer",
        "question": "Who discovered the Calvin cycle?",
        "options": [],
        "answer": "Melvin Calvin in 1950",
        "explanation": "History.",
        "source": 1,
    }
    phantom_source = {**GOOD_MC, "question": "What is the key enzyme?", "source": 9}
    chat.script(
        "Sure! Here are questions: {not json",  # invalid: retried once
        practice_json([GOOD_MC, duplicate_options, unsupported, phantom_source]),
    )
    with socket(tutor_client, student["headers"]) as ws:
        events = converse(ws, mode="practice", text="photosynthesis pigments", count=4)
    practice = only(events, "practice")
    assert [q["question"] for q in practice["questions"]] == [GOOD_MC["question"]]
    question = practice["questions"][0]
    assert question["answer"] == "Chlorophyll" and question["document_id"] == student["document_id"]
    assert "chlorophyll" in question["quote"].lower()
    done = only(events, "done")
    assert done["practice"]["dropped"] == {
        "duplicate_options": 1,
        "unsupported_key": 1,
        "unknown_source": 1,
    }
    # Every problem of every item, for the evals' per-check rates (the duplicated option is
    # also the key, so that item's key is not exactly one option either).
    assert done["practice"]["audit"] == {
        "items": 4,
        "multiple_choice": 3,
        "schema_attempts": 2,
        "problems": {
            "duplicate_options": 1,
            "key_not_one_option": 1,
            "unsupported_key": 1,
            "unknown_source": 1,
        },
    }
    assert chat.schemas[0] is not None and "questions" in chat.schemas[0]["properties"]

    reopened = tutor_client.get(
        f"/api/v1/practice-sets/{practice['set_id']}", headers=student["headers"]
    )
    assert reopened.status_code == 200
    assert reopened.json()["questions"] == practice["questions"]
    assert reopened.json()["dropped"] == 3


def test_practice_fails_cleanly_when_model_never_gives_json(tutor_client, student, chat):
    chat.script("no json here", "still none")
    with socket(tutor_client, student["headers"]) as ws:
        events = converse(ws, mode="practice", text="photosynthesis", count=2)
        assert only(events, "error")["code"] == "practice_invalid"
        assert only(events, "done")["status"] == "failed"
        # The socket stays usable after an error.
        chat.script("Chlorophyll [1].")
        assert only(converse(ws, text="pigment?"), "done")["status"] == "complete"


def test_cancel_stops_generation_upstream(tutor_client, student, chat):
    chat.script("word " * 400, delay_s=0.01)
    with socket(tutor_client, student["headers"]) as ws:
        ws.send_json({"type": "ask", "text": "Explain chloroplasts in detail", "mode": "explain"})
        assert receive(ws)["type"] == "start"
        assert receive(ws)["type"] == "sources"  # the notes' best passage, before the model
        assert receive(ws)["type"] == "delta"
        ws.send_json({"type": "cancel"})
        events = until_done(ws)
    done = only(events, "done")
    assert done["status"] == "cancelled"
    assert len(text_of(events)) < len("word " * 400)
    deadline = time.monotonic() + 5
    while chat.closed_early < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert chat.closed_early == 1
    saved = tutor_client.get(
        f"/api/v1/conversations/{done['conversation_id']}", headers=student["headers"]
    ).json()
    assert saved["messages"][-1]["status"] == "cancelled"


def test_resume_after_drop_delivers_the_complete_message(tutor_client, student, chat):
    full = "Chlorophyll absorbs red and blue light [1]. " * 20
    chat.script(full, delay_s=0.005)
    with socket(tutor_client, student["headers"]) as ws:
        ws.send_json({"type": "ask", "text": "What does chlorophyll absorb?"})
        start = receive(ws)["data"]
        assert receive(ws)["type"] == "sources"
        assert receive(ws)["type"] == "delta"
    # Dropped mid-stream; a new connection resumes (live, from the first event).
    with socket(tutor_client, student["headers"]) as ws:
        ws.send_json({"type": "resume", "message_id": start["message_id"]})
        events = until_done(ws)
    assert events[0]["type"] == "start" and text_of(events) == full
    assert only(events, "done")["status"] == "complete"
    # Once finished it is replayed from the database, whole.
    with socket(tutor_client, student["headers"]) as ws:
        ws.send_json({"type": "resume", "message_id": start["message_id"]})
        replay = until_done(ws)
    assert text_of(replay) == text_of(events)
    assert only(replay, "done")["replayed"] is True
    assert not {e["id"] for e in replay} & {e["id"] for e in events}, "replays are new events"
    assert only(replay, "citations")["items"] == only(events, "citations")["items"]


def test_other_students_notes_never_reach_the_tutor(tutor_client, student, chat):
    other = register(tutor_client)
    chat.script("A general answer.")
    with socket(tutor_client, other) as ws:
        events = converse(ws, text="What is the key enzyme of the Calvin cycle?")
        # No sources at all: the other student's chunks were never retrieved or prompted.
        assert "RuBisCO" not in chat.prompts_text() and "Chloroplasts" not in chat.prompts_text()
        assert only(events, "done")["grounded"] is False
        # Nor can they resume, read or continue the first student's messages.
        chat.script("Chlorophyll [1].")
        with socket(tutor_client, student["headers"]) as mine:
            their = only(converse(mine, text="Which pigment?"), "done")
        ws.send_json({"type": "resume", "message_id": their["message_id"]})
        assert only(until_done_or_error(ws), "error")["code"] == "message_not_found"
        ws.send_json({"type": "ask", "text": "more", "conversation_id": their["conversation_id"]})
        assert only(until_done(ws), "error")["code"] == "conversation_not_found"
    url = f"/api/v1/conversations/{their['conversation_id']}"
    assert tutor_client.get(url, headers=other).status_code == 404
    listed = tutor_client.get("/api/v1/conversations", headers=other).json()["items"]
    assert their["conversation_id"] not in {c["id"] for c in listed}


def until_done_or_error(ws: Any) -> list[dict[str, Any]]:
    events = [receive(ws)]
    while events[-1]["type"] not in ("done", "error"):
        events.append(receive(ws))
    return events


def test_bad_messages_get_errors_and_the_socket_stays_open(tutor_client, student, chat):
    with socket(tutor_client, student["headers"]) as ws:
        ws.send_text("{not json")
        assert receive(ws)["data"]["code"] == "invalid_input"
        ws.send_json({"type": "ask", "mode": "sing", "text": "hi"})
        error = receive(ws)
        assert error["type"] == "error" and set(error["data"]) == {"code", "message"}
        assert error["data"]["code"] == "invalid_input" and "mode" in error["data"]["message"]
        ws.send_json({"type": "cancel"})
        assert receive(ws)["data"]["code"] == "not_generating"
        chat.script("Chlorophyll [1].")
        assert only(converse(ws, text="pigment?"), "done")["status"] == "complete"


def test_socket_with_a_bad_token_is_closed(tutor_client):
    with socket(tutor_client, {"Authorization": "Bearer nope"}) as ws:
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4401


def test_concurrent_generations_per_user_are_capped(tutor_client, student, chat):
    chat.script("slow " * 200, "slow " * 200, delay_s=0.01)
    headers = student["headers"]
    with socket(tutor_client, headers) as a, socket(tutor_client, headers) as b:
        with socket(tutor_client, headers) as c:
            for ws in (a, b):
                ws.send_json({"type": "ask", "text": "chloroplasts"})
                assert receive(ws)["type"] == "start"
            c.send_json({"type": "ask", "text": "chloroplasts"})
            assert receive(c)["data"]["code"] == "too_many_generations"
            for ws in (a, b):
                ws.send_json({"type": "cancel"})


def test_rate_limit_per_user(tutor_client, chat):
    headers = register(tutor_client)
    chat.script()
    codes = []
    with socket(tutor_client, headers) as ws:
        for _ in range(26):
            ws.send_json({"type": "ask", "text": "anything at all"})
            codes.append(until_done_or_error(ws)[-1]["data"].get("code"))
    assert codes[:25] == [None] * 25 and codes[25] == "rate_limited"
