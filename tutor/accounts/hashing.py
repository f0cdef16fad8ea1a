"""Password hashing off the event loop, with a bounded wait.

argon2 takes 64 MiB and most of a second of CPU per hash by design; on the event loop one
sign-in stalls every request of the process, and an unbounded queue of them holds memory and
answers nobody in time. So hashes run in a few threads (argon2-cffi releases the GIL), a fixed
number more may wait, and past that a request is refused at once with PasswordCheckBusy.

The threads run at a lower CPU priority (Linux: niceness is per thread). A burst of sign-ins is
seconds of CPU; at equal priority its threads took the cores from the event loop, and every
other request of the process queued behind it: 60 sign-ins let through at once by the
per-address limit made search p95 4.4 s for two minutes in the load benchmark. Sign-ins now
wait for spare CPU instead.

One address never holds every thread: its hashes take turns on all but one of them (with the
default two threads, one at a time), so a burst from one address, a storm of right passwords
or a class behind one school address, waits on itself while sign-ins from elsewhere still find
a thread, and takes at most half of the cores the process hashes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from tutor.accounts.auth import (
    DEFAULT_MEMORY_KIB,
    DEFAULT_TIME_COST,
    dummy_hash,
    hash_password,
    verify_password,
)
from tutor.errors import PasswordCheckBusy

T = TypeVar("T")
# Added to the process's niceness for the hashing threads: weight 335 against the event loop's
# 1024, so a hash gets about a quarter of a core that requests want. At 10 (weight 110) the
# load benchmark's sign-ins took p95 3.5 s, p99 11 s at 78% CPU: too long a wait to sign in.
HASHING_NICENESS = 5


def _lower_priority() -> None:
    """Run the calling thread (one of the pool's) at HASHING_NICENESS more than the process."""
    if sys.platform == "linux":  # elsewhere setpriority would renice the whole process
        niceness = os.getpriority(os.PRIO_PROCESS, 0) + HASHING_NICENESS
        # A sandbox that forbids it: hashing still works, at equal priority.
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)


class PasswordHashing:
    """Hash and verify passwords in `threads` threads, with at most `queue` more waiting; new
    hashes cost `time_cost` passes over `memory_kib` KiB."""

    def __init__(
        self,
        threads: int,
        queue: int,
        time_cost: int = DEFAULT_TIME_COST,
        memory_kib: int = DEFAULT_MEMORY_KIB,
    ) -> None:
        self._executor = ThreadPoolExecutor(
            threads, thread_name_prefix="argon2", initializer=_lower_priority
        )
        self._slots = threads + queue
        self._taken = 0  # only touched on the event loop: no lock needed
        self._cost = (time_cost, memory_kib)
        self._per_address = max(1, threads - 1)
        self._turns: dict[str, _Turns] = {}  # addresses with a hash running or waiting

    async def hash(self, password: str, address: str | None = None) -> str:
        """An argon2id hash of `password`, for a request from `address` (None: no turns)."""
        return await self._run(lambda: hash_password(password, *self._cost), address)

    async def verify(
        self, password_hash: str | None, password: str, address: str | None = None
    ) -> bool:
        """True when `password` matches; None (an unknown email) costs as much and is False."""
        if password_hash is None:
            # In the thread too: the first call computes the dummy hash itself.
            await self._run(lambda: verify_password(dummy_hash(*self._cost), password), address)
            return False
        return await self._run(lambda: verify_password(password_hash, password), address)

    @property
    def in_use(self) -> int:
        """Hashes running or waiting now."""
        return self._taken

    def close(self) -> None:
        """Stop the threads once the running hashes finish."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def _run(self, work: Callable[[], T], address: str | None) -> T:
        if self._taken >= self._slots:
            raise PasswordCheckBusy()
        self._taken += 1
        try:
            async with self._turn(address):
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(self._executor, work)
        finally:
            self._taken -= 1

    @contextlib.asynccontextmanager
    async def _turn(self, address: str | None) -> AsyncIterator[None]:
        """Wait until `address` has fewer than its share of hashes running."""
        if address is None:
            yield
            return
        turns = self._turns.get(address)
        if turns is None:
            turns = self._turns[address] = _Turns(asyncio.Semaphore(self._per_address))
        turns.users += 1
        try:
            async with turns.running:
                yield
        finally:
            turns.users -= 1
            if not turns.users:  # nothing of this address left: forget it
                del self._turns[address]


@dataclass
class _Turns:
    """One address's share of the threads, and how many of its hashes run or wait for it."""

    running: asyncio.Semaphore
    users: int = 0
