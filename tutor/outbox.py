"""Events to send once the transaction that caused them commits.

An award is written in the same transaction as the review that earns it, but its live event
must not go out before that transaction commits (a client would read a level it may never
get) nor be lost when nobody sends it. Domain code puts the event here as it writes its
notification row; whoever owns the transaction (the API's connection dependency) opens an
outbox around it and delivers what collected after the commit. Without an open outbox nothing
is sent live, and the persisted notification is what the student gets on their next connect.

A mutable holder in a context variable, like `tutor.log_context`: a sync dependency runs on a
copy of the context, and appends must still reach the owner.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from uuid import UUID

from tutor.events import Event


@dataclass
class Outbox:
    """What to send after the commit: events per user, the users whose XP changed, and those
    whose display name changed (or who are gone)."""

    events: list[tuple[UUID, Event]] = field(default_factory=list)
    xp_changed: set[UUID] = field(default_factory=set)
    names_changed: set[UUID] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.events or self.xp_changed or self.names_changed)


_current: ContextVar[Outbox | None] = ContextVar("tutor_outbox", default=None)


@contextlib.contextmanager
def collecting() -> Iterator[Outbox]:
    """Collect into a fresh outbox for the block (one transaction)."""
    box = Outbox()
    token = _current.set(box)
    try:
        yield box
    finally:
        _current.reset(token)


def send_after_commit(user_id: UUID, event: Event) -> None:
    """Queue `event` for `user_id` in the open outbox, if any."""
    box = _current.get()
    if box is not None:
        box.events.append((user_id, event))


def xp_changed(user_id: UUID) -> None:
    """Note that `user_id`'s XP changed, so their leaderboard scores are refreshed."""
    box = _current.get()
    if box is not None:
        box.xp_changed.add(user_id)


def name_changed(user_id: UUID) -> None:
    """Note that `user_id`'s display name changed (or the account went), so cached copies of
    it are dropped once that is committed."""
    box = _current.get()
    if box is not None:
        box.names_changed.add(user_id)
