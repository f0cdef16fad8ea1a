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
from datetime import UTC, datetime, timedelta
from typing import Any

from tutor.errors import TutorError

ENVELOPE_KEYS = frozenset({"type", "id", "at", "data"})


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SUB_MILLISECOND_STEPS = 4096  # the 12 bits after the version (RFC 9562, section 6.2, method 3)


def new_event_id(now_ns: int | None = None) -> uuid.UUID:
    """A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, 12 bits of the fraction of that
    millisecond, then random bits. Ids sort by when they were made (to a quarter of a
    microsecond), so a client's "last event seen" also says from when to replay. (The standard
    library makes UUIDv7 only from Python 3.14.)"""
    ns = time.time_ns() if now_ns is None else now_ns
    millis, within = divmod(ns, 1_000_000)
    fraction = within * SUB_MILLISECOND_STEPS // 1_000_000
    rand_b = int.from_bytes(os.urandom(8), "big") & (2**62 - 1)
    value = (millis & (2**48 - 1)) << 80 | 0x7 << 76 | fraction << 64 | 0b10 << 62 | rand_b
    return uuid.UUID(int=value)


def event_time(event_id: uuid.UUID) -> datetime | None:
    """When a UUIDv7 event id was made, to the microsecond; None for ids of other versions."""
    if event_id.version != 7:
        return None
    millis, fraction = event_id.int >> 80, (event_id.int >> 64) & 0xFFF
    micros = millis * 1000 + fraction * 1000 // SUB_MILLISECOND_STEPS
    return EPOCH + timedelta(microseconds=micros)


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
        """A new event of `type` with `data` as its payload: `Event.of("delta", text="Hi")`.
        Its id and time come from one clock reading."""
        ns = time.time_ns()
        at = EPOCH + timedelta(microseconds=ns // 1000)
        return cls(type, data, str(new_event_id(ns)), at)

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
