"""Generations in flight: each runs as its own task, not tied to the socket that asked.

A client that drops mid-stream loses nothing: the message is finished and saved anyway, and a
`resume` (from any socket of the same user) replays it from the start and follows it live.
Caps on concurrent generations live here: per user (refused) and per process (queued).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from tutor.errors import TooManyGenerations
from tutor.events import Event, error_event
from tutor.telemetry import GENERATIONS

log = logging.getLogger(__name__)

FINAL_TYPES = frozenset({"done"})


@dataclass
class Generation:
    """The events of one message so far, and whoever is following them."""

    message_id: UUID
    owner_id: UUID
    events: list[Event] = field(default_factory=list)
    finished: bool = False
    task: asyncio.Task[None] | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def publish(self, event: Event) -> None:
        """Append an event and wake the followers."""
        self.events.append(event)
        if event.type in FINAL_TYPES:
            self.finished = True
        self._changed.set()

    async def follow(self, pace_s: float = 0.0) -> AsyncIterator[Event]:
        """Every event from the first, then new ones as they come, until `done`.

        Deltas that are waiting together go out as one (see `joined`). After a delta the
        follower waits `pace_s` before taking what came meanwhile, so a model streaming
        faster than that sends one event per `pace_s` instead of one per token.
        """
        sent = 0
        while True:
            if sent < len(self.events):
                waiting, sent = self.events[sent:], len(self.events)
                batch = joined(waiting)
                for event in batch:
                    yield event
                if pace_s and batch[-1].type == "delta" and not self.finished:
                    await asyncio.sleep(pace_s)
                continue
            if self.finished:
                return
            self._changed.clear()
            await self._changed.wait()


def joined(events: list[Event]) -> list[Event]:
    """`events` with each run of deltas made one delta: the texts joined, the id and time of
    the run's last (ids sort by time, so a client's last id seen still says where it is)."""
    out: list[Event] = []
    run: list[Event] = []
    for event in [*events, None]:
        if event is not None and event.type == "delta":
            run.append(event)
            continue
        if len(run) == 1:
            out.append(run[0])
        elif run:
            text = "".join(part.data["text"] for part in run)
            out.append(Event("delta", {"text": text}, run[-1].id, run[-1].at))
        run = []
        if event is not None:
            out.append(event)
    return out


class Generations:
    """The generations of this process, with per-user and total caps."""

    def __init__(self, per_user: int, total: int) -> None:
        self.per_user = per_user
        self._slots = asyncio.Semaphore(total)
        self._running: dict[UUID, Generation] = {}

    def get(self, owner_id: UUID, message_id: UUID) -> Generation | None:
        """The owner's generation in flight here, if any."""
        found = self._running.get(message_id)
        return found if found is not None and found.owner_id == owner_id else None

    def start(
        self,
        owner_id: UUID,
        message_id: UUID,
        produce: Callable[[Generation], Awaitable[Any]],
    ) -> Generation:
        """Run `produce(generation)` as a task; refused past the user's cap."""
        mine = sum(1 for g in self._running.values() if g.owner_id == owner_id)
        if mine >= self.per_user:
            raise TooManyGenerations(
                f"You already have {mine} answers being written; wait for one to finish."
            )
        generation = Generation(message_id, owner_id)
        self._running[message_id] = generation
        GENERATIONS.inc()  # the task's own `finally` takes it off
        generation.task = asyncio.create_task(self._run(generation, produce))
        return generation

    async def _run(
        self, generation: Generation, produce: Callable[[Generation], Awaitable[Any]]
    ) -> None:
        try:
            async with self._slots:  # past the process cap, asks wait their turn
                await produce(generation)
        except asyncio.CancelledError:
            pass  # cancelled on request; the engine saved and announced it
        except Exception:  # a bug must not leave the client waiting for `done` forever
            log.exception("generation %s failed", generation.message_id)
            if not generation.finished:
                generation.publish(
                    error_event("internal_error", "Something went wrong writing this answer.")
                )
                generation.publish(
                    Event.of("done", message_id=str(generation.message_id), status="failed")
                )
        finally:
            # Saved before `done` was published: from now on a resume reads the database.
            self._running.pop(generation.message_id, None)
            GENERATIONS.dec()

    def cancel(self, owner_id: UUID, message_id: UUID) -> bool:
        """Stop the owner's generation (upstream too); False when none is running."""
        generation = self.get(owner_id, message_id)
        if generation is None or generation.task is None or generation.task.done():
            return False
        generation.task.cancel()
        return True

    async def close(self) -> None:
        """Cancel everything still running (at shutdown)."""
        tasks = [g.task for g in self._running.values() if g.task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
