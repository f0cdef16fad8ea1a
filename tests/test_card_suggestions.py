"""Cards from the notes: the checks on each drafted card (pure), the job end to end through the
API, the real arq worker and the events socket with the scripted model, the student's decisions,
and a practice question turned into a card."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import ingest, next_event, register
from tests.scripted_chat import ScriptedChatModel
from tests.study_worker import scripted_study_worker
from tutor.chat.practice import PracticeItem, save_set
from tutor.resources import open_pool
from tutor.settings import Settings
from tutor.study.card_suggester import spread
from tutor.study.card_writer import CardDraft, checked, checked_all, located_quote, parse_cards
from tutor.study.practice_cards import card_from_item

PASSAGE = (
    "Photosynthesis in plants takes place in the chloroplasts of leaf cells. "
    "Chlorophyll, the green pigment in chloroplasts, absorbs red and blue light. "
    "Plants store surplus glucose as starch in their roots and seeds."
)
NOTE = ("# Plant biology\n\n" + PASSAGE + "\n").encode()
SUPPORTED = {
    "question": "Which pigment in chloroplasts absorbs red and blue light?",
    "answer": "Chlorophyll",
    "quote": "Chlorophyll, the green pigment in chloroplasts, absorbs red and blue light.",
}
SECOND = {
    "question": "As what do plants store surplus glucose?",
    "answer": "starch",
    "quote": "Plants store surplus glucose as starch in their roots and seeds.",
}
# The quote is real, but it does not state this answer.
UNSUPPORTED = {
    "question": "Where does photosynthesis release oxygen?",
    "answer": "through the stomata",
    "quote": "Photosynthesis in plants takes place in the chloroplasts of leaf cells.",
}


def reply(*cards: dict[str, str]) -> str:
    return json.dumps({"cards": list(cards)})


# --- the checks on one draft (pure) ---------------------------------------------------------


@given(st.integers(0, 500), st.integers(1, 40))
def test_spread_picks_distinct_sorted_indices_across_the_range(total: int, count: int) -> None:
    picked = spread(total, count)
    assert len(picked) == min(total, count)
    assert picked == sorted(set(picked))
    assert all(0 <= i < total for i in picked)
    if len(picked) >= 2:  # from the first part to the last, not bunched at the start
        assert picked[0] < total / len(picked) <= picked[-1] + 1


def test_a_supported_card_keeps_the_passage_own_quote() -> None:
    draft = CardDraft(SUPPORTED["question"], "chlorophyll", SUPPORTED["quote"].upper())
    kept = checked(draft, PASSAGE)
    assert isinstance(kept, CardDraft)
    assert kept.quote == SUPPORTED["quote"]  # the passage's text, not the model's casing


def test_a_card_whose_quote_does_not_state_the_answer_is_dropped() -> None:
    draft = CardDraft(UNSUPPORTED["question"], UNSUPPORTED["answer"], UNSUPPORTED["quote"])
    assert checked(draft, PASSAGE) == "unsupported_answer"


def test_a_made_up_quote_is_dropped_and_a_paraphrase_is_located() -> None:
    made_up = CardDraft("What do bees make?", "honey", "Bees make honey from nectar.")
    assert checked(made_up, PASSAGE) == "quote_not_in_source"
    paraphrase = "Chlorophyll, the green pigment of chloroplasts, absorbs red and blue light"
    assert located_quote(paraphrase, PASSAGE) == SUPPORTED["quote"]


def test_a_question_that_gives_its_answer_away_is_dropped() -> None:
    draft = CardDraft("Does chlorophyll absorb red light?", "chlorophyll", SUPPORTED["quote"])
    assert checked(draft, PASSAGE) == "answer_in_question"


def test_parsing_tolerates_fences_and_rejects_other_shapes() -> None:
    drafts = parse_cards("```json\n" + reply(SUPPORTED, SECOND) + "\n```")
    assert drafts is not None and [d.answer for d in drafts] == ["Chlorophyll", "starch"]
    assert parse_cards("Sure! Here are cards.") is None
    assert parse_cards(json.dumps({"cards": [{"question": "Why?"}]})) is None


def test_duplicates_and_cards_over_the_count_are_dropped() -> None:
    drafts = parse_cards(reply(SUPPORTED, SUPPORTED, SECOND, UNSUPPORTED))
    assert drafts is not None
    written = checked_all(drafts, PASSAGE, count=1)
    assert [d.answer for d in written.kept] == ["Chlorophyll"]
    assert sorted(written.dropped) == ["duplicate", "over_count", "unsupported_answer"]


# --- end to end -------------------------------------------------------------------------------


def new_deck(client: TestClient, headers: dict[str, str], name: str = "Biology") -> str:
    response = client.post("/api/v1/decks", headers=headers, json={"name": name})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def until_done(ws: Any) -> list[dict[str, Any]]:
    """The card-suggestion events up to `cards.suggestions.done`."""
    seen: list[dict[str, Any]] = []
    while not seen or seen[-1]["type"] != "cards.suggestions.done":
        event = next_event(ws)
        if event["type"].startswith("cards.suggestions."):
            seen.append(event)
    return seen


def wait_job(client: TestClient, headers: dict[str, str], job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(
            f"/api/v1/card-suggestion-jobs/{job_id}", headers=headers
        ).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {job}")


@pytest.fixture
def student(client: TestClient) -> dict[str, Any]:
    headers = register(client)
    document = ingest(client, headers, "plants.md", NOTE)
    assert document["status"] == "ready"
    return {"headers": headers, "document": document, "deck": new_deck(client, headers)}


@pytest.fixture
def studying(
    client: TestClient,
    settings: Settings,
    embedder: Any,
    worker: Any,
    chat: ScriptedChatModel,
    student: dict[str, Any],
) -> Any:
    """Run the test's suggestion jobs with the scripted model (once the notes are ingested:
    the session's worker, which ingests, is paused meanwhile)."""
    del student
    with scripted_study_worker(settings, embedder, chat, worker):
        yield client


def test_suggestions_from_a_document_end_to_end(
    studying: TestClient, student: dict[str, Any], chat: ScriptedChatModel
) -> None:
    client, headers, deck = studying, student["headers"], student["deck"]
    chat.script(reply(SUPPORTED, UNSUPPORTED, SECOND))
    body = {"document_ids": [student["document"]["id"]], "count": 3}
    key = {**headers, "Idempotency-Key": f"k-{uuid.uuid4()}"}
    with client.websocket_connect("/api/v1/events", headers=headers) as ws:
        assert next_event(ws)["type"] == "subscribed"
        started = client.post(f"/api/v1/decks/{deck}/suggestions", headers=key, json=body)
        assert started.status_code == 202, started.text
        events = until_done(ws)
    job_id = started.json()["id"]
    again = client.post(f"/api/v1/decks/{deck}/suggestions", headers=key, json=body)
    assert again.status_code == 202 and again.json()["id"] == job_id
    assert len(chat.calls) == 1, "a retried start must not run the job twice"
    assert PASSAGE.split(".")[0] in chat.prompts_text()

    progress = [e["data"] for e in events if e["type"] == "cards.suggestions.progress"]
    assert progress[-1] == {"job_id": job_id, "deck_id": deck, "done": 1, "total": 1, "kept": 2}
    assert events[-1]["data"]["status"] == "done"
    job = client.get(f"/api/v1/card-suggestion-jobs/{job_id}", headers=headers).json()
    assert (job["status"], job["kept"], job["dropped"]) == ("done", 2, {"unsupported_answer": 1})

    pending = client.get(f"/api/v1/decks/{deck}/suggestions", headers=headers).json()["items"]
    assert sorted(s["back"] for s in pending) == ["Chlorophyll", "starch"]
    first = next(s for s in pending if s["back"] == "Chlorophyll")
    assert first["quote"] == SUPPORTED["quote"]
    assert (first["filename"], first["document_id"]) == ("plants.md", student["document"]["id"])


def test_accept_edit_and_reject(
    studying: TestClient, student: dict[str, Any], chat: ScriptedChatModel
) -> None:
    client, headers, deck = studying, student["headers"], student["deck"]
    chat.script(reply(SUPPORTED, SECOND))
    body = {"document_ids": [student["document"]["id"]], "count": 2}
    job = client.post(f"/api/v1/decks/{deck}/suggestions", headers=headers, json=body).json()
    assert wait_job(client, headers, job["id"])["kept"] == 2
    pending = client.get(f"/api/v1/decks/{deck}/suggestions", headers=headers).json()["items"]
    chlorophyll = next(s for s in pending if s["back"] == "Chlorophyll")
    starch = next(s for s in pending if s["back"] == "starch")

    edited = {"back": "Chlorophyll (the green pigment)"}
    accepted = client.post(
        f"/api/v1/card-suggestions/{chlorophyll['id']}/accept", headers=headers, json=edited
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted" and accepted.json()["note_id"]
    twice = client.post(f"/api/v1/card-suggestions/{chlorophyll['id']}/accept", headers=headers)
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "suggestion_decided"
    rejected = client.post(f"/api/v1/card-suggestions/{starch['id']}/reject", headers=headers)
    assert rejected.json()["status"] == "rejected"

    left = client.get(f"/api/v1/decks/{deck}/suggestions", headers=headers).json()["items"]
    assert left == []
    notes = client.get(f"/api/v1/decks/{deck}/notes", headers=headers).json()["items"]
    assert len(notes) == 1
    note = notes[0]
    assert (note["front"], note["back"]) == (SUPPORTED["question"], edited["back"])
    assert note["quote"] == SUPPORTED["quote"] and note["chunk_id"] is not None
    assert note["document_id"] == student["document"]["id"] and len(note["cards"]) == 1


def test_suggestions_on_a_topic_read_the_search_hits(
    studying: TestClient, student: dict[str, Any], chat: ScriptedChatModel
) -> None:
    client, headers, deck = studying, student["headers"], student["deck"]
    chat.script(reply(SECOND))
    body = {"topic": "how plants store glucose", "count": 1}
    job = client.post(f"/api/v1/decks/{deck}/suggestions", headers=headers, json=body).json()
    finished = wait_job(client, headers, job["id"])
    assert (finished["status"], finished["total"], finished["kept"]) == ("done", 1, 1)
    assert "Plants store surplus glucose as starch" in chat.prompts_text()


def test_a_job_on_the_worker_without_a_model_fails_with_the_reason(
    client: TestClient, student: dict[str, Any]
) -> None:
    """The enqueue path on the session's own worker process, which has no chat model here."""
    headers, deck = student["headers"], student["deck"]
    body = {"document_ids": [student["document"]["id"]], "count": 1}
    job = client.post(f"/api/v1/decks/{deck}/suggestions", headers=headers, json=body).json()
    assert job["status"] == "queued"
    finished = wait_job(client, headers, job["id"])
    assert finished["status"] == "failed"
    assert finished["error"]["code"] == "model_unavailable"


def test_validation_errors(client: TestClient, student: dict[str, Any]) -> None:
    headers, deck = student["headers"], student["deck"]
    url = f"/api/v1/decks/{deck}/suggestions"
    document_ids = [student["document"]["id"]]
    for body in (
        {"document_ids": document_ids, "count": 0},
        {"document_ids": document_ids, "count": 31},
        {"document_ids": document_ids, "topic": "plants"},
        {"count": 3},
        {"topic": "   "},
    ):
        response = client.post(url, headers=headers, json=body)
        assert response.status_code == 422, body
        assert response.json()["error"]["code"] == "invalid_input"


def test_another_users_ids_are_not_found(
    studying: TestClient, student: dict[str, Any], chat: ScriptedChatModel
) -> None:
    client, headers, deck = studying, student["headers"], student["deck"]
    chat.script(reply(SUPPORTED))
    body = {"document_ids": [student["document"]["id"]], "count": 1}
    job = client.post(f"/api/v1/decks/{deck}/suggestions", headers=headers, json=body).json()
    wait_job(client, headers, job["id"])
    suggestion = client.get(f"/api/v1/decks/{deck}/suggestions", headers=headers).json()["items"][0]

    other = register(client)
    own_deck = new_deck(client, other)
    for method, url, payload in (
        ("GET", f"/api/v1/card-suggestion-jobs/{job['id']}", None),
        ("GET", f"/api/v1/decks/{deck}/suggestions", None),
        ("POST", f"/api/v1/decks/{deck}/suggestions", {"topic": "plants"}),
        ("POST", f"/api/v1/decks/{own_deck}/suggestions", body),  # their document
        ("POST", f"/api/v1/card-suggestions/{suggestion['id']}/accept", {}),
        ("POST", f"/api/v1/card-suggestions/{suggestion['id']}/reject", None),
    ):
        response = client.request(method, url, headers=other, json=payload)
        assert response.status_code == 404, (url, response.text)
    assert client.get(f"/api/v1/decks/{own_deck}/suggestions", headers=other).json()["items"] == []
    still = client.get(f"/api/v1/decks/{deck}/suggestions", headers=headers).json()["items"]
    assert [s["id"] for s in still] == [suggestion["id"]]


# --- a practice question as a card ----------------------------------------------------------


def saved_item(settings: Settings, user_id: str, document: dict[str, Any]) -> str:
    item = PracticeItem(
        kind="multiple_choice",
        question=SUPPORTED["question"],
        options=["Chlorophyll", "Carotene", "Xanthophyll", "Melanin"],
        answer="Chlorophyll",
        explanation="It is the green pigment of chloroplasts.",
        chunk_id=None,
        document_id=uuid.UUID(document["id"]),
        filename=document["filename"],
        page_start=None,
        page_end=None,
        quote=SUPPORTED["quote"],
    )
    header = {
        "message_id": None,
        "topic": "plants",
        "requested": 1,
        "dropped": 0,
        "prompt_name": "practice",
        "prompt_version": 2,
        "model_id": "scripted",
    }

    async def save() -> None:
        pool = await open_pool(settings, max_size=1)
        async with pool, pool.connection() as conn:
            await save_set(conn, uuid.UUID(user_id), header, [item])

    asyncio.run(save())
    return str(item.id)


def me(client: TestClient, headers: dict[str, str]) -> str:
    return str(client.get("/api/v1/me", headers=headers).json()["id"])


def test_a_practice_item_becomes_one_card_per_deck(
    client: TestClient, settings: Settings, student: dict[str, Any]
) -> None:
    headers, deck = student["headers"], student["deck"]
    item = saved_item(settings, me(client, headers), student["document"])
    url = f"/api/v1/practice-items/{item}/card"
    first = client.post(url, headers=headers, json={"deck_id": deck})
    assert first.status_code == 201, first.text
    card = first.json()
    assert card["front"] == SUPPORTED["question"]
    assert card["back"] == "Chlorophyll\n\nIt is the green pigment of chloroplasts."
    assert (card["quote"], card["filename"]) == (SUPPORTED["quote"], "plants.md")
    again = client.post(url, headers=headers, json={"deck_id": deck})
    assert again.status_code == 200 and again.json()["note_id"] == card["note_id"]
    notes = client.get(f"/api/v1/decks/{deck}/notes", headers=headers).json()["items"]
    assert [n["id"] for n in notes] == [card["note_id"]]

    other = register(client)
    theirs = new_deck(client, other)
    assert client.post(url, headers=other, json={"deck_id": theirs}).status_code == 404
    assert client.post(url, headers=headers, json={"deck_id": theirs}).status_code == 404
    missing = f"/api/v1/practice-items/{uuid.uuid4()}/card"
    assert client.post(missing, headers=headers, json={"deck_id": deck}).status_code == 404


def test_two_concurrent_clicks_make_one_note(
    client: TestClient, settings: Settings, student: dict[str, Any]
) -> None:
    user_id = me(client, student["headers"])
    item = uuid.UUID(saved_item(settings, user_id, student["document"]))
    deck = uuid.UUID(student["deck"])

    async def click(pool: Any) -> tuple[uuid.UUID, bool]:
        async with pool.connection() as conn:
            note, new = await card_from_item(conn, uuid.UUID(user_id), item, deck)
            await asyncio.sleep(0.2)  # hold the transaction so the two overlap
        return note.id, new

    async def both() -> list[tuple[uuid.UUID, bool]]:
        pool = await open_pool(settings, max_size=2)
        async with pool:
            return list(await asyncio.gather(click(pool), click(pool)))

    results = asyncio.run(both())
    assert results[0][0] == results[1][0]
    assert sorted(new for _, new in results) == [False, True]
    notes = client.get(f"/api/v1/decks/{deck}/notes", headers=student["headers"]).json()
    assert len(notes["items"]) == 1
