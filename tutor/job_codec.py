"""How jobs and their results are written to Redis: as JSON, never as pickles.

arq pickles by default, so anyone able to write to the Redis could make a worker run code of
their choosing. Every job argument is a string (a document, run or export id) and every result
a string or a number, so JSON loses nothing; a value it cannot hold fails the enqueue.
"""

from __future__ import annotations

import json
from typing import Any


def serialize_job(value: dict[str, Any]) -> bytes:
    """A job (or its result) as compact JSON bytes."""
    return json.dumps(value, separators=(",", ":")).encode()


def deserialize_job(payload: bytes) -> dict[str, Any]:
    """The job read back; raises ValueError for anything but a JSON object (a pickle)."""
    value = json.loads(payload)
    if not isinstance(value, dict):
        raise ValueError("a job must be a JSON object")
    return value
