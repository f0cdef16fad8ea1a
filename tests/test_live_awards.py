"""Awards reach the student live and are not lost: across two API processes (real uvicorn
processes sharing PostgreSQL and Redis), and after a reconnect with the last event id seen."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
from websockets.sync.client import connect

from tests.conftest import next_event, register
from tests.served_api import bearer, served_api
from tests.test_flashcards_api import API, make_deck, make_note, review
from tests.test_xp_awards import give_xp, user_id


def test_an_award_made_through_one_process_reaches_a_socket_on_the_other(settings, data_dir):
    with (
        served_api(settings, data_dir / "live-a.log") as first,
        served_api(settings, data_dir / "live-b.log") as second,
    ):
        headers = bearer(first)
        with httpx.Client(base_url=f"{first}{API}", headers=headers, timeout=30) as http:
            deck = http.post("/decks", json={"name": "Live"}).json()
            body = {"kind": "basic", "front": "What is ATP?", "back": "Energy currency"}
            card = http.post(f"/decks/{deck['id']}/notes", json=body).json()["cards"][0]
            socket_url = second.replace("http", "ws", 1) + f"{API}/events"
            with connect(socket_url, additional_headers=headers, open_timeout=30) as ws:
                assert json.loads(ws.recv(timeout=30))["type"] == "subscribed"
                review_body = {"review_id": str(uuid.uuid4()), "rating": 3, "duration_ms": 4000}
                done = http.post(f"/cards/{card['id']}/reviews", json=review_body)
                assert done.status_code == 200, done.text
                event = _next_of(ws, "xp.gained")
        assert event["data"]["amount"] == 2 and event["data"]["total"] == 2
        assert event["data"]["rules"] == [{"rule": "review", "amount": 2}]


def _next_of(ws: Any, kind: str) -> dict[str, Any]:
    while True:
        event: dict[str, Any] = json.loads(ws.recv(timeout=30))
        if event["type"] == kind:
            return event


def level_up_by_review(client: Any, headers: dict[str, str], settings: Any) -> None:
    """Bring the student just below the next level, then review a card to cross it."""
    me = client.get(f"{API}/gamification/me", headers=headers).json()["level"]
    give_xp(settings, user_id(client, headers), me["next_level_xp"] - me["xp"] - 1)
    card = make_note(client, headers, make_deck(client, headers)["id"])["cards"][0]
    assert review(client, headers, card["id"], 3).status_code == 200


def test_a_reconnect_replays_what_was_missed_once(client, settings):
    headers = register(client)
    with client.websocket_connect(f"{API}/events", headers=headers) as ws:
        last_seen = next_event(ws)["id"]  # `subscribed`
    level_up_by_review(client, headers, settings)  # while disconnected
    level_up_by_review(client, headers, settings)
    replay = f"{API}/events?last_event_id={last_seen}"
    with client.websocket_connect(replay, headers=headers) as ws:
        assert next_event(ws)["type"] == "subscribed"
        missed = [next_event(ws), next_event(ws)]
    assert [e["type"] for e in missed] == ["level.up", "level.up"]
    assert missed[0]["data"]["level"] < missed[1]["data"]["level"]
    # Up to date now: reconnecting with the last one replays nothing, and a live award arrives.
    with client.websocket_connect(
        f"{API}/events?last_event_id={missed[-1]['id']}", headers=headers
    ) as ws:
        assert next_event(ws)["type"] == "subscribed"
        level_up_by_review(client, headers, settings)
        live = [next_event(ws), next_event(ws)]
    assert sorted(e["type"] for e in live) == ["level.up", "xp.gained"]
    listed = client.get(f"{API}/notifications", headers=headers).json()["items"]
    assert [n["type"] for n in listed].count("level.up") == 3
    assert len({n["id"] for n in listed}) == len(listed)


def test_a_live_event_seen_is_not_replayed(client, settings):
    headers = register(client)
    with client.websocket_connect(f"{API}/events", headers=headers) as ws:
        assert next_event(ws)["type"] == "subscribed"
        level_up_by_review(client, headers, settings)
        seen = [next_event(ws), next_event(ws)]
    last = max(seen, key=lambda e: e["id"])["id"]
    with client.websocket_connect(f"{API}/events?last_event_id={last}", headers=headers) as ws:
        assert next_event(ws)["type"] == "subscribed"
        level_up_by_review(client, headers, settings)
        following = [next_event(ws), next_event(ws)]
    assert {e["id"] for e in following}.isdisjoint({e["id"] for e in seen}), (seen, following)
    assert sorted(e["type"] for e in following) == ["level.up", "xp.gained"]
