"""The realtime event envelope: `{type, id, at, data}`, the same for every event."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tutor.errors import ConversationNotFound
from tutor.events import ENVELOPE_KEYS, Event, error_event, error_of


def test_an_event_has_exactly_the_envelope_fields():
    wire = Event.of("delta", text="Chloro").to_dict()
    assert set(wire) == ENVELOPE_KEYS == {"type", "id", "at", "data"}
    assert wire["type"] == "delta" and wire["data"] == {"text": "Chloro"}
    assert uuid.UUID(wire["id"]).version == 4


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
