"""The tutor over a real websocket, real stack, with a scripted chat model for determinism."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.browser.scripted_replies import (
    anchor_of,
    draft,
    draft_from_anchor,
    key_word,
    practice_reply,
    verify_by_source,
)
from tests.conftest import ingest, register
from tests.scripted_chat import ScriptedChatModel
from tutor.chat.distractors import same_option
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
    chat.script("Chloroplasts hold chlorophyll [1]. It absorbs light [7]. It is green [1, 9].")
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
    chat.script("Light reactions make ATP [12]. They make ATP and NADPH [1].")
    chat.piece_chars = 1  # the next test gets a fresh model again (the `chat` fixture)
    with socket(tutor_client, student["headers"]) as ws:
        events = converse(ws, mode="answer", text="What do light reactions make?")
    # The phantom goes; the valid marker stays (on whichever source states the sentence best).
    assert "[12]" not in text_of(events) and re.search(r"NADPH \[\d\]\.$", text_of(events))
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


PIGMENTS = b"""# Plant pigments

Chlorophyll is the green pigment that absorbs red and blue light in chloroplasts.
Carotenoids are yellow and orange pigments that protect chlorophyll from excess light.
Anthocyanins are red and purple pigments stored in the vacuoles of petal cells.
Phycobilins are water-soluble pigments found in cyanobacteria and red algae.
"""


@pytest.fixture(scope="module")
def botanist(tutor_client: TestClient) -> dict[str, Any]:
    """A student whose notes hold four sentences on pigments: anchors for a few items."""
    headers = register(tutor_client)
    document = ingest(tutor_client, headers, "pigments.md", PIGMENTS)
    assert document["status"] == "ready", document
    return {"headers": headers, "document_id": document["id"]}


def pick_a_distractor(messages: list[Any]) -> str:
    """The blind verifier picking an option other than the one its source states."""
    agreed = json.loads(verify_by_source(messages))["answer"]
    return json.dumps({"answer": "B" if agreed == "A" else "A"})


def test_practice_items_are_repaired_checked_streamed_and_saved(tutor_client, botanist, chat):
    unsupported = draft("Melvin Calvin", ["Hans Krebs", "Robert Hill", "Peter Mitchell"])

    def weak_distractors(messages: list[Any]) -> str:
        key = key_word(anchor_of(messages) or "")
        return draft(key, [key.lower(), f"the {key}", "Melanin"])

    chat.script(
        unsupported,  # no sentence states the key: dropped
        weak_distractors,  # two distractors restate the key: replaced by the model
        '{"distractors": ["Keratin", "keratin", "Carotene"]}',
        verify_by_source,
        draft_from_anchor,
        verify_by_source,
    )
    with socket(tutor_client, botanist["headers"]) as ws:
        events = converse(ws, mode="practice", text="photosynthesis pigments", count=2)
    kinds = [e["type"] for e in events]
    practice = only(events, "practice")
    streamed = [e["data"]["question"] for e in events if e["type"] == "practice.item"]
    # Each item went out as it passed, before the whole set.
    assert kinds.count("practice.item") == 2
    assert max(i for i, k in enumerate(kinds) if k == "practice.item") < kinds.index("practice")
    assert streamed == practice["questions"]
    assert [q["ordinal"] for q in streamed] == [0, 1]
    repaired = practice["questions"][0]
    key = repaired["answer"]
    assert sorted(repaired["options"]) == sorted([key, "Melanin", "Keratin", "Carotene"])
    assert repaired["document_id"] == botanist["document_id"]
    assert key.lower() in repaired["explanation"].lower()  # the anchor sentence states the key
    assert key.lower() in repaired["quote"].lower()
    done = only(events, "done")
    assert done["practice"]["kept"] == 2
    assert done["practice"]["dropped"] == {"unsupported_key": 1}
    assert done["timings"]["first_item_ms"] <= done["timings"]["total_ms"]
    audit = done["practice"]["audit"]
    assert audit["items"] == 3 and audit["schema_attempts"] == 3 and audit["schema_failures"] == 0
    # As drafted: one key unsupported, and restating the key made two options one.
    assert audit["problems"] == {
        "unsupported_key": 1,
        "duplicate_options": 1,
        "key_not_one_option": 1,
    }
    assert audit["after_repair"] == {} and audit["checked"] == 2
    assert audit["distractors"] == {"weak": 2, "model_replaced": 2, "notes_replaced": 0}
    assert audit["verifier"] == {"checked": 2, "agreed": 2}
    assert chat.schemas[0] is not None and "distractors" in chat.schemas[0]["properties"]
    assert "Melvin" not in str(practice)

    reopened = tutor_client.get(
        f"/api/v1/practice-sets/{practice['set_id']}", headers=botanist["headers"]
    )
    assert reopened.status_code == 200
    saved = reopened.json()["questions"]
    assert [q.pop("problems") for q in saved] == [[], []]  # the editor's checks find nothing
    assert saved == practice["questions"]
    assert reopened.json()["dropped"] == 0


def test_practice_item_whose_key_the_verifier_disputes_is_dropped(tutor_client, botanist, chat):
    chat.script(draft_from_anchor, pick_a_distractor)
    chat.default = practice_reply  # the next anchor's draft and its check go through
    with socket(tutor_client, botanist["headers"]) as ws:
        events = converse(ws, mode="practice", text="photosynthesis pigments", count=1)
    done = only(events, "done")
    assert done["practice"]["dropped"] == {"key_disputed": 1}
    assert done["practice"]["kept"] == 1  # a spare anchor stood in
    assert done["practice"]["audit"]["verifier"] == {"checked": 2, "agreed": 1}


def test_practice_distractors_fall_back_to_terms_from_the_notes(tutor_client, botanist, chat):
    def restating(messages: list[Any]) -> str:
        key = key_word(anchor_of(messages) or "")
        return draft(key, [key.upper(), f"{key} again", f"the {key}"])

    def restating_again(messages: list[Any]) -> str:
        key = messages[-1]["content"].split("Correct answer: ")[1].splitlines()[0]
        return json.dumps({"distractors": [key, key.lower(), f"a {key}"]})

    # The model's new distractors restate the key again: the notes supply all three.
    chat.script(restating, restating_again, verify_by_source)
    with socket(tutor_client, botanist["headers"]) as ws:
        events = converse(ws, mode="practice", text="photosynthesis pigments", count=1)
    question = only(events, "practice")["questions"][0]
    notes = PIGMENTS.decode().lower()
    distractors = [o for o in question["options"] if o != question["answer"]]
    assert len(distractors) == 3 and all(d.lower() in notes for d in distractors)
    assert not any(same_option(d, question["answer"]) for d in distractors)
    assert not any(d.lower() in question["explanation"].lower() for d in distractors)
    audit = only(events, "done")["practice"]["audit"]
    assert audit["distractors"] == {"weak": 3, "model_replaced": 0, "notes_replaced": 3}


def test_practice_fails_cleanly_when_model_never_gives_json(tutor_client, student, chat):
    chat.script("no json here", "still none")  # then the default reply: no JSON either
    with socket(tutor_client, student["headers"]) as ws:
        events = converse(ws, mode="practice", text="photosynthesis", count=2)
        assert only(events, "error")["code"] == "practice_invalid"
        assert only(events, "done")["status"] == "failed"
        assert "practice.item" not in [e["type"] for e in events]
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
