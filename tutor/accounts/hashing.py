"""Password hashing off the event loop, with a bounded wait.

argon2 takes 64 MiB and most of a second of CPU per hash by design; on the event loop one
sign-in stalls every request of the process, and an unbounded queue of them holds memory and
answers nobody in time. So hashes run in a few threads (argon2-cffi releases the GIL), a fixed
number more may wait, and past that a request is refused at once with PasswordCheckBusy.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="argon2")
        self._slots = threads + queue
        self._taken = 0  # only touched on the event loop: no lock needed
        self._cost = (time_cost, memory_kib)

    async def hash(self, password: str) -> str:
        """An argon2id hash of `password`."""
        return await self._run(lambda: hash_password(password, *self._cost))

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when `password` matches; None (an unknown email) costs as much and is False."""
        if password_hash is None:
            # In the thread too: the first call computes the dummy hash itself.
            await self._run(lambda: verify_password(dummy_hash(*self._cost), password))
            return False
        return await self._run(lambda: verify_password(password_hash, password))

    @property
    def in_use(self) -> int:
        """Hashes running or waiting now."""
        return self._taken

    def close(self) -> None:
        """Stop the threads once the running hashes finish."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def _run(self, work: Callable[[], T]) -> T:
        if self._taken >= self._slots:
            raise PasswordCheckBusy()
        self._taken += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, work)
        finally:
            self._taken -= 1
