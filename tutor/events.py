"""The one envelope every realtime event travels in, on both websockets and over Redis.

On the wire an event is `{"type", "id", "at", "data"}`: what happened (`"delta"`,
`"document.progress"`), a unique id, when it happened (UTC, ISO 8601) and the type's payload.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tutor.errors import TutorError

ENVELOPE_KEYS = frozenset({"type", "id", "at", "data"})


def new_event_id() -> uuid.UUID:
    """A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Ids sort by when
    they were made, so a client's "last event seen" also says from when to replay. (The
    standard library makes these only from Python 3.14.)"""
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    rand_a, rand_b = (rand >> 62) & 0xFFF, rand & (2**62 - 1)
    value = (millis & (2**48 - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return uuid.UUID(int=value)


def event_time(event_id: uuid.UUID) -> datetime | None:
    """When a UUIDv7 event id was made; None for ids of other versions."""
    if event_id.version != 7:
        return None
    return datetime.fromtimestamp((event_id.int >> 80) / 1000, UTC)


def _new_id() -> str:
    return str(new_event_id())


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Event:
    """One realtime event; built once per streamed token, so kept to four plain fields."""

    type: str
    data: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=_new_id)
    at: datetime = field(default_factory=_now)

    @classmethod
    def of(cls, type: str, /, **data: Any) -> Event:
        """A new event of `type` with `data` as its payload: `Event.of("delta", text="Hi")`."""
        return cls(type, data)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Event:
        """An event back from its wire form."""
        at = datetime.fromisoformat(raw["at"]).astimezone(UTC)
        return cls(str(raw["type"]), dict(raw["data"]), str(raw["id"]), at)

    def to_dict(self) -> dict[str, Any]:
        """The wire form, ready for `json.dumps` or `send_json`."""
        at = self.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return {"type": self.type, "id": self.id, "at": at, "data": self.data}

    def to_json(self) -> str:
        """The wire form as JSON text."""
        return json.dumps(self.to_dict())


def error_event(code: str, message: str) -> Event:
    """The `error` event: a machine-readable code and a message for people."""
    return Event("error", {"code": code, "message": message})


def error_of(exc: TutorError) -> Event:
    """The `error` event for a domain error."""
    return error_event(exc.code, exc.message)
