"""How many websockets each user holds open on this API process, capped.

Each socket holds a task, a Redis subscription and buffers for as long as it is open; without a
cap one account could open thousands. The count is per process (a socket lives in exactly one),
so it needs no shared store and cannot leak when a process dies. Behind N processes a user may
hold up to N times the cap.
"""

from __future__ import annotations

from collections import Counter
from uuid import UUID


class SocketSlots:
    """Per-user counts of open sockets, at most `limit` each."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held: Counter[UUID] = Counter()

    def take(self, user_id: UUID) -> bool:
        """Take a slot for one more socket; False when the user already holds `limit`."""
        if self.held[user_id] >= self.limit:
            return False
        self.held[user_id] += 1
        return True

    def release(self, user_id: UUID) -> None:
        """Give back a slot taken with `take`."""
        self.held[user_id] -= 1
        if self.held[user_id] <= 0:
            del self.held[user_id]
