"""The realtime event envelope, and the events socket that carries it: alive, or closed."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from api.app import create_app
from tests.conftest import app_on_own_redis, register, upload
from tutor.errors import ConversationNotFound
from tutor.events import ENVELOPE_KEYS, Event, error_event, error_of, event_time


def test_an_event_has_exactly_the_envelope_fields():
    wire = Event.of("delta", text="Chloro").to_dict()
    assert set(wire) == ENVELOPE_KEYS == {"type", "id", "at", "data"}
    assert wire["type"] == "delta" and wire["data"] == {"text": "Chloro"}
    assert uuid.UUID(wire["id"]).version == 7  # time-ordered: a reconnect replays from it


def test_event_ids_sort_by_when_they_were_made():
    made = []
    for _ in range(5):
        made.append(uuid.UUID(Event.of("tick").id))
        time.sleep(0.002)
    assert made == sorted(made)
    when = event_time(made[0])
    assert when is not None and abs((datetime.now(UTC) - when).total_seconds()) < 60
    assert event_time(uuid.uuid4()) is None


def test_an_event_id_carries_its_time_to_the_microsecond():
    # Two events a few microseconds apart order by id, and each id says when it was made: a
    # reconnect replays what came after the last event seen, not the rest of its millisecond.
    first, second = Event.of("level.up"), Event.of("xp.gained")
    assert first.id < second.id
    for event in (first, second):
        made = event_time(uuid.UUID(event.id))
        assert made is not None and abs((event.at - made).total_seconds()) <= 1e-6


def test_ids_are_unique_per_event():
    events = [Event.of("delta", text="same") for _ in range(1000)]
    assert len({e.id for e in events}) == 1000


def test_at_is_utc_iso_8601_with_a_z():
    before = datetime.now(UTC)
    wire = Event.of("done").to_dict()
    assert wire["at"].endswith("Z")
    at = datetime.fromisoformat(wire["at"])
    assert at.utcoffset() == timedelta(0)
    assert before <= at <= datetime.now(UTC)


def test_json_round_trip_keeps_every_field():
    event = Event.of("document.progress", document_id=str(uuid.uuid4()), progress=0.5)
    text = event.to_json()
    assert json.loads(text) == event.to_dict()
    assert Event.from_dict(json.loads(text)) == event


def test_events_are_frozen():
    event = Event.of("delta", text="x")
    with pytest.raises(AttributeError):
        event.type = "done"  # type: ignore[misc]


def test_error_event_shape():
    wire = error_event("rate_limited", "Slow down.").to_dict()
    assert wire["type"] == "error"
    assert wire["data"] == {"code": "rate_limited", "message": "Slow down."}


def test_error_of_a_domain_error_carries_its_code_and_message():
    event = error_of(ConversationNotFound())
    assert event.type == "error"
    assert event.data == {"code": "conversation_not_found", "message": "No such conversation."}


@pytest.mark.timeout(120)  # a dead relay shows as a socket that never speaks again
def test_an_idle_events_socket_still_delivers(settings, embedder, worker):
    del worker  # the upload below must be ingested
    # Timeouts scaled down, so the quiet stretch passes both in seconds, not half a minute.
    quick = {"redis_timeout_s": 2.0, "events_ping_s": 3.0}
    with TestClient(create_app(settings.model_copy(update=quick), embedder=embedder)) as client:
        headers = register(client)
        with client.websocket_connect("/api/v1/events", headers=headers) as ws:
            assert ws.receive_json()["type"] == "subscribed"
            time.sleep(4.5)  # past the Redis client's read timeout, and past one keep-alive
            uploaded = upload(client, headers, "late.md", b"# Late\n\nStill listening.")
            document_id = uploaded.json()["id"]
            kinds: list[str] = []
            while not kinds or kinds[-1] not in ("document.ready", "document.failed"):
                event = ws.receive_json()
                assert set(event) == ENVELOPE_KEYS, event
                if event["type"] != "ping":
                    assert event["data"]["document_id"] == document_id
                kinds.append(event["type"])
    assert kinds[0] == "ping", "a quiet stretch past the ping interval must bring a keep-alive"
    assert "document.progress" in kinds
    assert kinds[-1] == "document.ready"


def test_pings_keep_a_quiet_socket_busy(settings, embedder):
    app = create_app(settings.model_copy(update={"events_ping_s": 0.3}), embedder=embedder)
    with TestClient(app) as client:
        headers = register(client)
        with client.websocket_connect("/api/v1/events", headers=headers) as ws:
            assert ws.receive_json()["type"] == "subscribed"
            started = time.monotonic()
            pings = [ws.receive_json() for _ in range(3)]
    assert [p["type"] for p in pings] == ["ping"] * 3
    assert all(set(p) == ENVELOPE_KEYS and p["data"] == {} for p in pings)
    assert 0.6 <= time.monotonic() - started < 5


def test_a_broken_relay_closes_the_socket(settings, embedder, data_dir):
    with app_on_own_redis(settings, embedder, data_dir / "events-outage") as (client, redis):
        headers = register(client)
        with client.websocket_connect("/api/v1/events", headers=headers) as ws:
            assert ws.receive_json()["type"] == "subscribed"
            redis.stop()
            with pytest.raises(WebSocketDisconnect) as closed:
                while True:
                    assert ws.receive_json()["type"] == "ping"
        assert closed.value.code == 1011
        assert "interrupted" in closed.value.reason
