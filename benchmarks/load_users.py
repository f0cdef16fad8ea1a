"""Simulated students and a sign-in storm, over HTTP and websockets, recording every request.

Each student has a loopback address of its own (127.10.x.y; Linux routes all of 127/8 to the
machine), as students at home do, so the per-address limits count each one separately and the
storm's (benchmarks/load_storm.py) address is not theirs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import ClientConnection

PASSWORD = "load-bench-password-1"
NOTE = """# Photosynthesis ({tag})

Photosynthesis turns light energy into chemical energy. Chloroplasts in leaf cells hold
chlorophyll, the green pigment that absorbs red and blue light.

## Calvin cycle

The Calvin cycle fixes carbon dioxide into glucose using ATP and NADPH made by the light
reactions. Its key enzyme is called RuBisCO. Visit {tag}.
"""
QUESTIONS = [
    "What pigment do chloroplasts hold?",
    "Which light does chlorophyll absorb?",
    "What does the Calvin cycle make?",
    "What is the key enzyme of the Calvin cycle?",
    "What energy does photosynthesis turn into chemical energy?",
]
TIMEOUT_S = 120.0
# A websocket failure the server caused (1011) counts with the 5xx; 4429 (too many sockets)
# with the rate limited.
SERVER_CLOSE, LIMIT_CLOSE = 1011, 4429


def address(block: int, i: int) -> str:
    """The i-th loopback address of a block (127.<block>.x.y), never 127.0.0.1."""
    return f"127.{block}.{i // 250}.{i % 250 + 1}"


def outcome_of(status: int) -> str:
    """ok, 429, 4xx or 5xx."""
    if status == 429:
        return "429"
    if status >= 500:
        return "5xx"
    return "4xx" if status >= 400 else "ok"


def judge(result: dict[str, str], response: httpx.Response) -> None:
    """Set a response's outcome and, unless ok, its error code (a 429's with its limit)."""
    judge_answer(result, response.status_code, response.content)


def judge_answer(result: dict[str, str], status: int, body: bytes) -> None:
    """`judge` from a status and a body."""
    result["outcome"] = outcome_of(status)
    if result["outcome"] == "ok":
        return
    try:
        error = json.loads(body)["error"]
    except (ValueError, KeyError, TypeError):
        result["detail"] = f"HTTP {status}"
        return
    result["detail"] = str(error.get("code"))
    words = str(error.get("message", "")).split()  # "At most 60 requests a minute; ..."
    if status == 429 and len(words) > 2 and words[2].isdigit():
        result["detail"] += f" {words[2]}/min"


@dataclass
class Sample:
    """One request: when it started (monotonic s), its phase then, route, outcome, seconds."""

    started: float
    phase: str
    route: str
    outcome: str
    seconds: float
    detail: str = ""


@dataclass
class Recorder:
    """Every sample; `phase` is what a request starting now is counted in."""

    phase: str = "setup"
    samples: list[Sample] = field(default_factory=list)
    began: dict[str, float] = field(default_factory=dict)

    def begin(self, phase: str) -> None:
        """Count requests starting from now in `phase`."""
        self.phase, self.began[phase] = phase, time.monotonic()

    @contextlib.asynccontextmanager
    async def timed(self, route: str) -> AsyncIterator[dict[str, str]]:
        """Time the block; it sets `outcome` (and `detail`) in the dict, an exception is error."""
        result = {"outcome": "ok", "detail": ""}
        phase, started = self.phase, time.monotonic()
        try:
            yield result
        except websockets.ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else None
            outcome = {SERVER_CLOSE: "5xx", LIMIT_CLOSE: "429"}.get(code or 0, "error")
            result = {"outcome": outcome, "detail": f"closed {code}"}
        except (httpx.HTTPError, websockets.WebSocketException, OSError, TimeoutError) as exc:
            result = {"outcome": "error", "detail": type(exc).__name__}
        self.samples.append(
            Sample(
                started,
                phase,
                route,
                result["outcome"],
                time.monotonic() - started,
                result["detail"],
            )
        )


def client_for(api: str, source: str, connections: int = 4) -> httpx.AsyncClient:
    """An HTTP client to one API process, from one source address, keeping its connections."""
    transport = httpx.AsyncHTTPTransport(
        local_address=source, limits=httpx.Limits(max_connections=connections)
    )
    return httpx.AsyncClient(base_url=f"{api}/api/v1", transport=transport, timeout=TIMEOUT_S)


@dataclass
class Student:
    """One account on one API process: signs in, uploads, searches and asks, over and over."""

    index: int
    api: str
    recorder: Recorder
    think_s: float
    actions_per_visit: int
    ramp_s: float
    email: str = ""
    http: httpx.AsyncClient = field(init=False)
    visits: int = 0

    def __post_init__(self) -> None:
        self.email = f"student{self.index}-{uuid.uuid4().hex[:8]}@example.com"
        self.source = address(10, self.index)
        self.http = client_for(self.api, self.source)

    async def register(self) -> bool:
        """Create the account; False when that failed."""
        body = {"email": self.email, "password": PASSWORD}
        async with self.recorder.timed("POST /auth/register") as result:
            response = await self.http.post("/auth/register", json=body)
            judge(result, response)
        return result["outcome"] == "ok"

    async def run(self, stop: asyncio.Event) -> None:
        """Visit after visit until `stop`.

        The first starts within the ramp and is cut short at random, as if the student had
        come in part-way through it: otherwise every visit would end, and every sign-in come,
        in step with the others'.
        """
        await self.pause(random.uniform(0, self.ramp_s))
        actions = random.randint(1, self.actions_per_visit)
        while not stop.is_set():
            await self.visit(stop, actions)
            actions = self.actions_per_visit
            await self.pause()

    async def pause(self, seconds: float | None = None) -> None:
        """Think: uniformly 0.5-1.5 times the mean think time."""
        await asyncio.sleep(
            seconds if seconds is not None else self.think_s * random.uniform(0.5, 1.5)
        )

    async def visit(self, stop: asyncio.Event, actions: int) -> None:
        """Sign in, hold the events socket, upload a note and wait for it, then search and ask."""
        self.visits += 1
        token = await self.sign_in()
        if token is None:
            return
        self.http.headers["Authorization"] = f"Bearer {token}"
        async with self.socket("events") as events, self.socket("tutor") as tutor:
            if events is None or tutor is None:
                return
            await self.upload_and_wait(events)
            for action in range(actions):
                if stop.is_set() or tutor.close_code is not None:
                    return
                await self.pause()
                await (self.search() if action % 2 == 0 else self.ask(tutor))

    async def sign_in(self) -> str | None:
        """A fresh access token, or None when refused."""
        body = {"email": self.email, "password": PASSWORD}
        async with self.recorder.timed("POST /auth/login") as result:
            response = await self.http.post("/auth/login", json=body)
            judge(result, response)
        return str(response.json()["access_token"]) if result["outcome"] == "ok" else None

    @contextlib.asynccontextmanager
    async def socket(self, name: str) -> AsyncIterator[ClientConnection | None]:
        """A websocket opened with a fresh ticket, as the web app does; None when refused."""
        ws: ClientConnection | None = None
        async with self.recorder.timed("POST /ws-ticket") as result:
            response = await self.http.post("/ws-ticket")
            judge(result, response)
        if result["outcome"] == "ok":
            ticket = response.json()["ticket"]
            url = self.api.replace("http", "ws", 1) + f"/api/v1/{name}?ticket={ticket}"
            async with self.recorder.timed(f"WS /{name} open") as result:
                ws = await websockets.connect(
                    url, local_addr=(self.source, 0), open_timeout=TIMEOUT_S, max_size=None
                )
                if name == "events":  # opened once the server says it is subscribed
                    first = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT_S))
                    result["outcome"] = "ok" if first["type"] == "subscribed" else "5xx"
        try:
            yield ws
        finally:
            if ws is not None:
                await ws.close()

    async def upload_and_wait(self, events: ClientConnection) -> None:
        """Upload a note of its own, then wait for its `document.ready` on the events socket."""
        tag = f"{self.index}-{self.visits}-{uuid.uuid4().hex[:6]}"
        files = {"file": (f"notes-{tag}.md", NOTE.format(tag=tag).encode())}
        async with self.recorder.timed("POST /documents") as result:
            response = await self.http.post("/documents", files=files)
            judge(result, response)
        if result["outcome"] != "ok":
            return
        document_id = response.json()["id"]
        async with self.recorder.timed("upload to document.ready") as result:
            result["outcome"] = await asyncio.wait_for(ready(events, document_id), TIMEOUT_S)

    async def search(self) -> None:
        """A hybrid search of one's notes."""
        params: dict[str, str | int] = {"q": random.choice(QUESTIONS), "k": 5}
        async with self.recorder.timed("GET /search") as result:
            response = await self.http.get("/search", params=params)
            judge(result, response)

    async def ask(self, tutor: ClientConnection) -> None:
        """Ask the tutor and read its answer to the end; first delta timed on its own."""
        question = {"type": "ask", "mode": "answer", "text": random.choice(QUESTIONS)}
        phase, started = self.recorder.phase, time.monotonic()
        async with self.recorder.timed("WS /tutor answer") as result:
            await tutor.send(json.dumps(question))
            first = await asyncio.wait_for(answer(tutor, result), TIMEOUT_S)
            if first is not None:
                seconds = first - started
                self.recorder.samples.append(
                    Sample(started, phase, "WS /tutor first delta", "ok", seconds)
                )


async def ready(events: ClientConnection, document_id: str) -> str:
    """ok when the document turns ready, else 4xx (its ingestion failed)."""
    while True:
        event = json.loads(await events.recv())
        if event["type"] in ("document.ready", "document.failed"):
            if event["data"]["document_id"] == document_id:
                return "ok" if event["type"] == "document.ready" else "4xx"


async def answer(tutor: ClientConnection, result: dict[str, str]) -> float | None:
    """Read one answer to its `done` (or an error before its start); when the first delta came.

    The outcome: ok for a complete answer, 429 for an ask refused by a limit, 5xx otherwise.
    """
    first: float | None = None
    started = False
    while True:
        event: dict[str, Any] = json.loads(await tutor.recv())
        kind = event["type"]
        if kind == "start":
            started = True
        elif kind == "delta" and first is None:
            first = time.monotonic()
        elif kind == "error":
            code = event["data"]["code"]
            result["detail"] = code
            if not started:
                limited = code in ("rate_limited", "too_many_generations")
                result["outcome"] = "429" if limited else "5xx"
                return None
        elif kind == "done":
            status = event["data"]["status"]
            result["outcome"] = "ok" if status == "complete" else "5xx"
            result["detail"] = result["detail"] or status
            return first
