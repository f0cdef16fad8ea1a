"""The load benchmark's sign-in storm: a fixed rate of sign-ins (open loop) from a few addresses,
in a process of its own, over plain keep-alive HTTP/1.1 connections.

An attacker is a machine of its own; here the storm shares the service's two cores, so its
client must cost it little. httpx took 0.15-0.43 cores at 50 sign-ins a second (its pool, its
request and response models); writing prepared request bytes and reading back a status line
and a body takes about 0.1 ms a sign-in. A sign-in's time runs from when it was due, so time
spent waiting for a free connection counts.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from multiprocessing.synchronize import Event as StopFlag
from typing import Any
from urllib.parse import urlsplit

from benchmarks.load_users import PASSWORD, TIMEOUT_S, Recorder, Sample, address, judge_answer

ROUTE = "storm POST /auth/login"
# Per address and API process. At 50 sign-ins a second each is reused about every second,
# well within uvicorn's 5 s keep-alive; when answers slow down, sign-ins queue for them.
STORM_CONNECTIONS = 32


def sign_in_request(api: str, email: str) -> bytes:
    """The whole HTTP request of one sign-in, ready to write."""
    body = json.dumps({"email": email, "password": PASSWORD}).encode()
    head = (
        "POST /api/v1/auth/login HTTP/1.1\r\n"
        f"Host: {urlsplit(api).netloc}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


@dataclass
class Line:
    """One keep-alive connection from an address to an API process, opened when needed."""

    api: str
    source: str
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        """Write a request, read its status and body. A kept connection the server has since
        closed is opened anew once: the request never reached it."""
        reused = self.writer is not None
        try:
            return await self._exchange_once(request)
        except (OSError, EOFError):
            self.close()
            if not reused:
                raise
        return await self._exchange_once(request)

    async def _exchange_once(self, request: bytes) -> tuple[int, bytes]:
        if self.reader is None or self.writer is None:
            url = urlsplit(self.api)
            self.reader, self.writer = await asyncio.open_connection(
                url.hostname, url.port, local_addr=(self.source, 0)
            )
        self.writer.write(request)
        head = (await self.reader.readuntil(b"\r\n\r\n")).lower().split(b"\r\n")
        length = next((int(h[15:]) for h in head if h.startswith(b"content-length:")), 0)
        body = await self.reader.readexactly(length)
        if b"connection: close" in head:
            self.close()
        return int(head[0].split()[1]), body

    def close(self) -> None:
        """Drop the connection; the next exchange opens another."""
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Storm:
    """Sign-ins at a fixed rate, spread over accounts, addresses and API processes."""

    apis: list[str]
    emails: list[str]
    addresses: int
    recorder: Recorder
    limits: dict[int, str]  # a limit's requests a minute -> its name, to tell 429s apart
    # One queue of due sign-ins per (address, API process), each served by its connections.
    queues: list[asyncio.Queue[tuple[int, float, str]]] = field(init=False)

    def __post_init__(self) -> None:
        self.queues = [asyncio.Queue() for _ in range(self.addresses * len(self.apis))]

    async def run(self, rps: float, stop: asyncio.Event) -> None:
        """Queue `rps` sign-ins a second until `stop`, whether or not earlier ones have
        answered; then wait for the queued ones."""
        pairs = [(api, address(20, i)) for i in range(self.addresses) for api in self.apis]
        lines = [Line(api, source) for api, source in pairs for _ in range(STORM_CONNECTIONS)]
        requests = {
            api: [sign_in_request(api, email) for email in self.emails] for api in self.apis
        }
        servers = [
            asyncio.create_task(
                self.serve(line, self.queues[i // STORM_CONNECTIONS], requests[line.api])
            )
            for i, line in enumerate(lines)
        ]
        loop = asyncio.get_running_loop()
        next_at, sent = loop.time(), 0
        while not stop.is_set():
            # Every sign-in now due at once: on a busy loop one a wake-up would fall behind.
            while next_at <= loop.time():
                due = (sent, time.monotonic(), self.recorder.phase)
                self.queues[sent % len(self.queues)].put_nowait(due)
                sent += 1
                next_at += 1 / rps
            await asyncio.sleep(max(0.0, next_at - loop.time()))
        await asyncio.gather(*(queue.join() for queue in self.queues))
        for server in servers:
            server.cancel()
        await asyncio.gather(*servers, return_exceptions=True)
        for line in lines:
            line.close()

    async def serve(
        self, line: Line, queue: asyncio.Queue[tuple[int, float, str]], requests: list[bytes]
    ) -> None:
        """Send the queue's sign-ins (`requests`, one per account) over one connection, one at
        a time, recording each."""
        while True:
            n, due_at, phase = await queue.get()
            result = await self.sign_in(line, requests[n % len(requests)], due_at)
            took = time.monotonic() - due_at
            sample = Sample(due_at, phase, ROUTE, result["outcome"], took, result["detail"])
            self.recorder.samples.append(sample)
            queue.task_done()

    async def sign_in(self, line: Line, request: bytes, due_at: float) -> dict[str, str]:
        """One sign-in's outcome; one that was due `TIMEOUT_S` ago times out."""
        try:
            left = TIMEOUT_S - (time.monotonic() - due_at)
            if left <= 0:
                raise TimeoutError
            status, body = await asyncio.wait_for(line.exchange(request), left)
        except (OSError, EOFError, TimeoutError, ValueError) as exc:
            line.close()
            return {"outcome": "error", "detail": type(exc).__name__}
        result = {"outcome": "ok", "detail": ""}
        judge_answer(result, status, body)
        self.name_limit(result)
        return result

    def name_limit(self, result: dict[str, str]) -> None:
        """A 429's detail names the limit that refused it."""
        if result["detail"].endswith("/min"):
            per_minute = int(result["detail"].split()[-1].removesuffix("/min"))
            result["detail"] = self.limits.get(per_minute, result["detail"])


def storm_main(*args: Any) -> None:
    """The storm in a process of its own, as an attacker is a machine of its own: its requests
    would otherwise wake the students' event loop late and count in their times. Takes
    `storm_until`'s arguments."""
    asyncio.run(storm_until(*args))


async def storm_until(
    apis: list[str],
    emails: list[str],
    addresses: int,
    limits: dict[int, str],
    rps: float,
    stop: StopFlag,
    out: Any,
) -> None:
    """Sign in `rps` times a second until `stop` is set; then, once its last sign-ins have
    answered, put its samples on `out`."""
    recorder = Recorder()
    recorder.begin("storm")
    storm = Storm(apis, emails, addresses, recorder, limits)
    stopping = asyncio.Event()
    running = asyncio.create_task(storm.run(rps, stopping))
    while not stop.is_set():
        await asyncio.sleep(0.1)
    recorder.begin("drain")
    stopping.set()
    await running
    out.put(recorder.samples)
