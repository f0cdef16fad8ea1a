"""Decks, notes, cards, reviews, the due queue and deck statistics through the real API."""

from __future__ import annotations

import hashlib
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
import pytest
from fastapi.testclient import TestClient

from tests.conftest import ingest, register
from tutor.resources import database_url
from tutor.settings import Settings
from tutor.study.due_queue import Allowance, Candidate, order_queue

API = "/api/v1"


def make_deck(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    response = client.post(f"{API}/decks", json={"name": "Biology", **fields}, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def make_note(
    client: TestClient,
    headers: dict[str, str],
    deck_id: str,
    kind: str = "basic",
    front: str = "What is ATP?",
    back: str = "The cell's energy currency",
    **extra: Any,
) -> dict[str, Any]:
    body = {"kind": kind, "front": front, "back": back, **extra}
    response = client.post(f"{API}/decks/{deck_id}/notes", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def review(
    client: TestClient, headers: dict[str, str], card_id: str, rating: int, review_id: str = ""
) -> Any:
    body = {"review_id": review_id or str(uuid.uuid4()), "rating": rating, "duration_ms": 4200}
    return client.post(f"{API}/cards/{card_id}/reviews", json=body, headers=headers)


def queue(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = client.get(f"{API}/review-queue", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def sql(settings: Settings, query: str, params: dict[str, Any] | None = None) -> list[Any]:
    with psycopg.connect(database_url(settings), autocommit=True) as conn:
        cur = conn.execute(query, params or {})
        return cur.fetchall() if cur.description else []


def test_deck_crud_pagination_and_validation(client):
    headers = register(client)
    made = [make_deck(client, headers, name=f"Deck {n}") for n in range(3)]
    first = client.get(f"{API}/decks", params={"limit": 2}, headers=headers).json()
    assert [d["name"] for d in first["items"]] == ["Deck 2", "Deck 1"]
    rest = client.get(
        f"{API}/decks", params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers
    ).json()
    assert [d["name"] for d in rest["items"]] == ["Deck 0"] and rest["next_cursor"] is None

    url = f"{API}/decks/{made[0]['id']}"
    changed = client.patch(url, json={"exam_date": "2027-01-15", "new_per_day": 5}, headers=headers)
    assert changed.json()["exam_date"] == "2027-01-15" and changed.json()["new_per_day"] == 5
    renamed = client.patch(url, json={"name": "Renamed"}, headers=headers).json()
    assert renamed["exam_date"] == "2027-01-15", "an omitted field is kept"
    cleared = client.patch(url, json={"exam_date": None}, headers=headers).json()
    assert cleared["exam_date"] is None and cleared["name"] == "Renamed"

    for bad in ({"name": ""}, {"name": "x", "new_per_day": -1}, {"name": "x" * 121}):
        response = client.post(f"{API}/decks", json=bad, headers=headers)
        assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_input"
    assert client.delete(url, headers=headers).status_code == 204
    assert client.get(url, headers=headers).status_code == 404


def test_notes_make_one_two_or_one_card_per_deletion(client):
    headers = register(client)
    deck = make_deck(client, headers)
    basic = make_note(client, headers, deck["id"])
    assert [(c["question"], c["answer"]) for c in basic["cards"]] == [
        ("What is ATP?", "The cell's energy currency")
    ]
    reversed_ = make_note(client, headers, deck["id"], "reversed", "chat", "cat")
    assert [(c["question"], c["answer"]) for c in reversed_["cards"]] == [
        ("chat", "cat"),
        ("cat", "chat"),
    ]
    cloze = make_note(
        client,
        headers,
        deck["id"],
        "cloze",
        "{{c1::Paris}} is the capital of {{c2::France::a country}}",
        "Extra",
    )
    assert [c["question"] for c in cloze["cards"]] == [
        "[...] is the capital of France",
        "Paris is the capital of [a country]",
    ]
    assert cloze["cards"][0]["answer"] == "Paris is the capital of France\n\nExtra"
    listed = client.get(f"{API}/decks/{deck['id']}", headers=headers).json()
    assert listed["new_count"] == 5 and listed["due_today"] == 0

    plain = {"kind": "cloze", "front": "No deletion here"}
    response = client.post(f"{API}/decks/{deck['id']}/notes", json=plain, headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "cloze_without_deletions"
    wrong_kind = {"kind": "image", "front": "x"}
    assert (
        client.post(f"{API}/decks/{deck['id']}/notes", json=wrong_kind, headers=headers).status_code
        == 422
    )


def test_editing_a_cloze_note_keeps_the_history_of_surviving_cards(client):
    headers = register(client)
    deck = make_deck(client, headers)
    note = make_note(client, headers, deck["id"], "cloze", "{{c1::DNA}} and {{c2::RNA}}", "")
    first, second = note["cards"]
    assert review(client, headers, first["id"], 3).status_code == 200

    edited = client.patch(
        f"{API}/notes/{note['id']}",
        json={"front": "{{c1::DNA}}, {{c3::proteins}}"},
        headers=headers,
    ).json()
    by_ordinal = {c["ordinal"]: c for c in edited["cards"]}
    assert set(by_ordinal) == {1, 3}
    assert by_ordinal[1]["id"] == first["id"] and by_ordinal[1]["reps"] == 1
    assert by_ordinal[3]["state"] == "new"
    assert client.get(f"{API}/cards/{second['id']}", headers=headers).status_code == 404

    assert client.delete(f"{API}/notes/{note['id']}", headers=headers).status_code == 204
    assert client.get(f"{API}/cards/{first['id']}", headers=headers).status_code == 404


def test_a_source_chunk_must_be_ones_own(client, settings):
    alice, bob = register(client), register(client)
    document = ingest(
        client, alice, "cells.txt", b"Mitochondria make ATP for the cell by respiration."
    )
    chunk_id = sql(
        settings, "SELECT id FROM chunks WHERE document_id = %(d)s", {"d": document["id"]}
    )[0][0]
    quote = "Mitochondria make ATP"
    source = {"chunk_id": chunk_id, "quote": quote}
    mine = make_note(client, alice, make_deck(client, alice)["id"], source=source)
    assert mine["document_id"] == document["id"] and mine["filename"] == "cells.txt"
    assert mine["quote_sha256"] == hashlib.sha256(quote.encode()).hexdigest()

    bobs_deck = make_deck(client, bob)["id"]
    body = {"kind": "basic", "front": "q", "back": "a", "source": source}
    response = client.post(f"{API}/decks/{bobs_deck}/notes", json=body, headers=bob)
    assert response.status_code == 404 and response.json()["error"]["code"] == "source_not_found"
    body["source"] = {"document_id": document["id"]}
    assert client.post(f"{API}/decks/{bobs_deck}/notes", json=body, headers=bob).status_code == 404

    assert client.delete(f"{API}/documents/{document['id']}", headers=alice).status_code == 204
    stale = client.get(f"{API}/notes/{mine['id']}", headers=alice).json()
    assert stale["stale_reason"] == "document_deleted"
    kept = client.patch(f"{API}/notes/{mine['id']}", json={"clear_stale": True}, headers=alice)
    assert kept.json()["stale_reason"] is None


def test_a_retried_review_counts_once(client, settings):
    headers = register(client)
    deck = make_deck(client, headers)
    card = make_note(client, headers, deck["id"])["cards"][0]
    other = make_note(client, headers, deck["id"], front="Other")["cards"][0]
    review_id = str(uuid.uuid4())
    first = review(client, headers, card["id"], 3, review_id)
    again = review(client, headers, card["id"], 3, review_id)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert first.json()["state_before"] == "new" and first.json()["state_after"] == "learning"
    assert sql(settings, "SELECT count(*) FROM review_logs WHERE id = %(r)s", {"r": review_id}) == [
        (1,)
    ]
    events = sql(
        settings,
        "SELECT duration_s, detail FROM study_events WHERE kind = 'review' AND source_key = %(r)s",
        {"r": review_id},
    )
    assert len(events) == 1 and events[0][0] == 4
    assert events[0][1]["rating"] == 3 and events[0][1]["passed"] is True
    assert events[0][1]["state_before"] == "new"
    assert client.get(f"{API}/cards/{card['id']}", headers=headers).json()["reps"] == 1

    for card_id, rating in ((card["id"], 1), (other["id"], 3)):
        reused = review(client, headers, card_id, rating, review_id)
        assert reused.status_code == 409 and reused.json()["error"]["code"] == "review_id_reused"


def test_concurrent_submits_of_one_review_write_one_log_row(client, settings):
    headers = register(client)
    card = make_note(client, headers, make_deck(client, headers)["id"])["cards"][0]
    review_id = str(uuid.uuid4())
    results: list[Any] = []
    start = threading.Barrier(4)

    def submit() -> None:
        start.wait()
        results.append(review(client, headers, card["id"], 3, review_id))

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in results] == [200] * 4
    assert len({r.json()["due_after"] for r in results}) == 1
    assert sql(settings, "SELECT count(*) FROM review_logs WHERE id = %(r)s", {"r": review_id}) == [
        (1,)
    ]
    assert client.get(f"{API}/cards/{card['id']}", headers=headers).json()["reps"] == 1


def test_undo_restores_the_card_and_retracts_the_event(client, settings):
    headers = register(client)
    card = make_note(client, headers, make_deck(client, headers)["id"])["cards"][0]
    assert client.post(f"{API}/reviews/undo", headers=headers).status_code == 409
    first = review(client, headers, card["id"], 3).json()
    second = review(client, headers, card["id"], 1).json()

    undone = client.post(f"{API}/reviews/undo", headers=headers)
    assert undone.status_code == 200 and undone.json()["id"] == second["id"]
    restored = client.get(f"{API}/cards/{card['id']}", headers=headers).json()
    assert restored["due_at"] == first["due_after"] and restored["reps"] == 1
    events = sql(
        settings,
        "SELECT source_key FROM study_events WHERE source_key = ANY(%(k)s)",
        {"k": [first["id"], second["id"]]},
    )
    assert events == [(first["id"],)]

    assert client.post(f"{API}/reviews/undo", headers=headers).json()["id"] == first["id"]
    back = client.get(f"{API}/cards/{card['id']}", headers=headers).json()
    assert back["state"] == "new" and back["reps"] == 0 and back["last_review_at"] is None
    response = client.post(f"{API}/reviews/undo", headers=headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "nothing_to_undo"


def candidates(settings: Settings, user_id: str) -> list[Candidate]:
    rows = sql(
        settings,
        "SELECT id, deck_id, state, due_at, created_at FROM cards WHERE user_id = %(u)s",
        {"u": user_id},
    )
    return [Candidate(*row) for row in rows]


def test_the_queue_orders_by_state_and_honours_daily_limits(client, settings):
    headers = register(client)
    user_id = client.get(f"{API}/me", headers=headers).json()["id"]
    small = make_deck(client, headers, name="Small", new_per_day=2, reviews_per_day=1)
    large = make_deck(client, headers, name="Large")
    small_cards = [
        make_note(client, headers, small["id"], front=f"S{n}")["cards"][0] for n in range(5)
    ]
    large_cards = [
        make_note(client, headers, large["id"], front=f"L{n}")["cards"][0] for n in range(3)
    ]

    # Two of the small deck's cards become due reviews, one of the large deck's a learning card.
    sql(
        settings,
        """UPDATE cards SET state = 'review', stability = 3, difficulty = 5, step = NULL,
                     due_at = now() - interval '1 hour', last_review_at = now() - interval '3 days'
                     WHERE id = ANY(%(ids)s)""",
        {"ids": [c["id"] for c in small_cards[:2]]},
    )
    sql(
        settings,
        """UPDATE cards SET state = 'learning', step = 1, stability = 1, difficulty = 5,
                     due_at = now() - interval '1 minute',
                     last_review_at = now() - interval '11 minutes'
                     WHERE id = %(id)s""",
        {"id": large_cards[0]["id"]},
    )

    shown = queue(client, headers)
    ids = [c["id"] for c in shown["items"]]
    assert ids[0] == large_cards[0]["id"], "learning cards come first"
    assert [c["state"] for c in shown["items"]] == [
        "learning",
        "review",
        "new",
        "new",
        "new",
        "new",
    ]
    assert sum(c["deck_id"] == small["id"] and c["state"] == "review" for c in shown["items"]) == 1
    assert sum(c["deck_id"] == small["id"] and c["state"] == "new" for c in shown["items"]) == 2
    assert shown["counts"] == {
        "learning": 1,
        "review": 1,
        "new": 4,
        "later_today": 0,
        "next_due_at": None,
    }
    assert set(shown["items"][1]["next_due"]) == {"1", "2", "3", "4"}

    now = datetime.now(UTC)
    allowances = {UUID(small["id"]): Allowance(1, 2), UUID(large["id"]): Allowance(200, 20)}
    expected = order_queue(
        candidates(settings, user_id),
        allowances,
        now=now,
        day_end=now + timedelta(hours=1),
        size=20,
    )
    assert ids == [str(c.id) for c in expected], "the statement follows the pure rule"

    # Today's reviews use up the small deck's allowance: one review, then its new cards.
    review(client, headers, shown["items"][1]["id"], 3)
    new_small = [c for c in shown["items"] if c["deck_id"] == small["id"] and c["state"] == "new"]
    review(client, headers, new_small[0]["id"], 3)
    after = queue(client, headers, deck_id=small["id"])
    assert [c["state"] for c in after["items"]] == ["new"]
    assert after["counts"]["later_today"] == 1 and after["counts"]["next_due_at"] is not None
    assert (
        queue(client, headers, deck_id=small["id"], limit=1)["items"][0]["id"]
        == after["items"][0]["id"]
    )


def test_deck_stats(client, settings):
    headers = register(client)
    exam = datetime.now(UTC).date() + timedelta(days=10)
    deck = make_deck(client, headers, exam_date=exam.isoformat())
    cards = [make_note(client, headers, deck["id"], front=f"Q{n}")["cards"][0] for n in range(4)]
    sql(
        settings,
        """UPDATE cards SET state = 'review', stability = 10, difficulty = 5,
                     due_at = now() + interval '3 days', last_review_at = now()
                     WHERE id = ANY(%(ids)s)""",
        {"ids": [cards[0]["id"], cards[1]["id"]]},
    )
    for rating in (3, 1):
        review(client, headers, cards[0]["id"], rating)  # reviews of a review-state card count
        sql(settings, "UPDATE cards SET state = 'review' WHERE id = %(id)s", {"id": cards[0]["id"]})

    stats = client.get(f"{API}/decks/{deck['id']}/stats", headers=headers).json()
    assert stats["by_state"] == {"new": 2, "learning": 0, "review": 2, "relearning": 0}
    assert len(stats["forecast"]) == 30 and sum(d["due"] for d in stats["forecast"]) == 2
    assert stats["reviews_counted"] == 2 and stats["true_retention"] == 0.5
    assert stats["desired_retention"] == 0.9
    assert stats["exam"]["exam_date"] == exam.isoformat()
    # Two of the four cards were never reviewed and count as forgotten.
    assert 0.3 < stats["exam"]["recall_share"] < 0.5


def test_exam_date_caps_the_next_interval(client, settings):
    headers = register(client)
    exam = datetime.now(UTC).date() + timedelta(days=6)
    deck = make_deck(client, headers, exam_date=exam.isoformat())
    card = make_note(client, headers, deck["id"])["cards"][0]
    sql(
        settings,
        """UPDATE cards SET state = 'review', stability = 30, difficulty = 5,
                     due_at = now(), last_review_at = now() - interval '30 days', step = NULL
                     WHERE id = %(id)s""",
        {"id": card["id"]},
    )
    due_after = datetime.fromisoformat(review(client, headers, card["id"], 4).json()["due_after"])
    exam_start = datetime.combine(exam, datetime.min.time(), UTC)
    assert due_after < exam_start, "without the exam the interval would be months"


def test_isolation(client):
    alice, bob = register(client), register(client)
    deck = make_deck(client, alice)
    note = make_note(client, alice, deck["id"])
    card = note["cards"][0]
    review_id = str(uuid.uuid4())
    assert review(client, alice, card["id"], 3, review_id).status_code == 200
    make_deck(client, bob, name="Bob's")

    assert [d["name"] for d in client.get(f"{API}/decks", headers=bob).json()["items"]] == ["Bob's"]
    assert queue(client, bob)["items"] == []
    not_found = [
        client.get(f"{API}/decks/{deck['id']}", headers=bob),
        client.patch(f"{API}/decks/{deck['id']}", json={"name": "x"}, headers=bob),
        client.delete(f"{API}/decks/{deck['id']}", headers=bob),
        client.get(f"{API}/decks/{deck['id']}/stats", headers=bob),
        client.get(f"{API}/decks/{deck['id']}/notes", headers=bob),
        client.post(
            f"{API}/decks/{deck['id']}/notes", json={"kind": "basic", "front": "x"}, headers=bob
        ),
        client.get(f"{API}/notes/{note['id']}", headers=bob),
        client.patch(f"{API}/notes/{note['id']}", json={"front": "x"}, headers=bob),
        client.delete(f"{API}/notes/{note['id']}", headers=bob),
        client.get(f"{API}/cards/{card['id']}", headers=bob),
        review(client, bob, card["id"], 3),
        review(client, bob, card["id"], 3, review_id),
        client.get(f"{API}/review-queue", params={"deck_id": deck["id"]}, headers=bob),
    ]
    assert [r.status_code for r in not_found] == [404] * len(not_found)
    assert client.post(f"{API}/reviews/undo", headers=bob).status_code == 409
    assert client.get(f"{API}/cards/{card['id']}", headers=alice).json()["reps"] == 1
    assert len(client.get(f"{API}/decks/{deck['id']}/notes", headers=alice).json()["items"]) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"rating": 3},
        {"review_id": "not-a-uuid", "rating": 3},
        {"review_id": str(uuid.uuid4()), "rating": 5},
        {"review_id": str(uuid.uuid4()), "rating": 0},
        {"review_id": str(uuid.uuid4()), "rating": 3, "duration_ms": -1},
    ],
)
def test_review_validation(client, body):
    headers = register(client)
    card = make_note(client, headers, make_deck(client, headers)["id"])["cards"][0]
    response = client.post(f"{API}/cards/{card['id']}/reviews", json=body, headers=headers)
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_input"
    assert client.get(f"{API}/cards/{card['id']}", headers=headers).json()["reps"] == 0
