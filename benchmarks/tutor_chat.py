"""Tutor engine speed: overhead before the model's first token, and 200 concurrent sessions.

`python benchmarks/tutor_chat.py [--sessions 200] [--tokens-per-s 20]`

Real stack (embedded PostgreSQL + Redis, the worker, the API under uvicorn, real MiniLM);
the chat model is `benchmarks/fake_openai.py`, a server streaming at a fixed token rate,
reached through the real OpenAI client. Prints:
- engine overhead = time to the first delta − the model server's own first-token time, next
  to a plain hybrid search (query embedding + SQL) measured in the same run (target ≤ 2×);
- N websocket sessions asking at once: errors (target 0), and the gaps between deltas.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.run_info import print_load, source_state
from benchmarks.timing import percentile
from retrieval.search import embed_query, search_chunks
from tutor.resources import opened
from tutor.runtime.services import service_env, services
from tutor.runtime.supervisor import spawn, stop
from tutor.settings import Settings

NOTE = """# Photosynthesis

Photosynthesis turns light energy into chemical energy. Chloroplasts in leaf cells hold
chlorophyll, the green pigment that absorbs red and blue light.

## Calvin cycle

The Calvin cycle fixes carbon dioxide into glucose using ATP and NADPH made by the light
reactions. Its key enzyme is called RuBisCO.
"""
QUESTIONS = [
    "What pigment do chloroplasts hold?",
    "Which light does chlorophyll absorb?",
    "What does the Calvin cycle make?",
    "What is the key enzyme of the Calvin cycle?",
    "What energy does photosynthesis turn into chemical energy?",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


async def make_students(api: str, count: int) -> list[str]:
    """`count` accounts, each with the note uploaded and ready; returns their tokens."""
    async with httpx.AsyncClient(base_url=api, timeout=60) as http:

        async def one(i: int) -> str:
            email = f"bench{i}-{time.time_ns()}@example.com"
            body = {"email": email, "password": "bench-password-1", "role": "student"}
            (await http.post("/api/v1/auth/register", json=body)).raise_for_status()
            login = await http.post("/api/v1/auth/login", json=body)
            token: str = login.json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            files = {"file": ("photosynthesis.md", NOTE.encode())}
            doc = (await http.post("/api/v1/documents", headers=headers, files=files)).json()
            while doc["status"] not in ("ready", "failed"):
                await asyncio.sleep(0.5)
                doc = (await http.get(f"/api/v1/documents/{doc['id']}", headers=headers)).json()
            assert doc["status"] == "ready", doc
            return token

        tokens = []
        for start in range(0, count, 20):  # bounded, so registration hashing doesn't time out
            tokens += await asyncio.gather(*(one(i) for i in range(start, min(count, start + 20))))
        return tokens


async def ask(ws_url: str, token: str, text: str) -> tuple[list[float], dict[str, Any], int]:
    """One ask on its own socket: delta arrival times, the done event, error count."""
    arrivals: list[float] = []
    errors = 0
    bearer = {"Authorization": f"Bearer {token}"}
    async with websockets.connect(ws_url, additional_headers=bearer, max_size=None) as ws:
        await ws.send(json.dumps({"type": "ask", "mode": "answer", "text": text}))
        while True:
            event = json.loads(await ws.recv())
            if event["type"] == "delta":
                arrivals.append(time.perf_counter())
            elif event["type"] == "error":
                errors += 1
            elif event["type"] == "done":
                return arrivals, event["data"], errors


async def overhead(ws_url: str, token: str, asks: int) -> list[float]:
    """Per ask: first delta − model's first token (ms), from the engine's own timings."""
    values = []
    for i in range(asks):
        _, done, errors = await ask(ws_url, token, QUESTIONS[i % len(QUESTIONS)])
        assert errors == 0 and done["status"] == "complete", done
        timings = done["timings"]
        values.append(timings["first_token_ms"] - timings["model_first_token_ms"])
    return values


async def search_times(settings: Settings, asks: int) -> list[float]:
    """A plain hybrid search (embedding + SQL) for the same questions, in ms."""
    async with opened(settings, migrate=False, embedder=True) as resources:
        pool, embedder = resources.pool, resources.embedder
        async with pool.connection() as conn:
            cur = await conn.execute("SELECT owner_id FROM chunks LIMIT 1")
            owner_id = (await cur.fetchone())[0]  # type: ignore[index]
        times = []
        for i in range(asks + 3):
            started = time.perf_counter()
            query = QUESTIONS[i % len(QUESTIONS)]
            embedding = await embed_query(embedder, query)
            async with pool.connection() as conn:
                await search_chunks(conn, owner_id, query, embedding, k=settings.tutor_top_k)
            if i >= 3:  # the first few warm the model and the pool
                times.append((time.perf_counter() - started) * 1000)
    return times


async def concurrent(ws_url: str, tokens: list[str]) -> dict[str, Any]:
    """Every student asks at once; gaps between consecutive deltas across all sessions."""
    started = time.perf_counter()
    results = await asyncio.gather(
        *(ask(ws_url, t, QUESTIONS[i % len(QUESTIONS)]) for i, t in enumerate(tokens)),
        return_exceptions=True,
    )
    wall = time.perf_counter() - started
    gaps: list[float] = []
    errors = 0
    for result in results:
        if isinstance(result, BaseException):
            errors += 1
            continue
        arrivals, done, errs = result
        errors += errs + (done["status"] != "complete")
        gaps += [(b - a) * 1000 for a, b in zip(arrivals, arrivals[1:], strict=False)]
    return {"wall_s": wall, "errors": errors, "gaps": gaps}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--tokens-per-s", type=float, default=20.0)
    parser.add_argument("--tokens", type=int, default=60)
    parser.add_argument("--overhead-asks", type=int, default=30)
    parser.add_argument("--bench-dir", type=Path, default=Path("/tmp/tutor-bench-tutor"))
    args = parser.parse_args()
    shutil.rmtree(args.bench_dir, ignore_errors=True)
    print(f"commit {source_state()}; fake model {args.tokens_per_s} tok/s, {args.tokens} tokens")
    print_load("before")
    fake_port, api_port = free_port(), free_port()
    fake_url = f"http://127.0.0.1:{fake_port}/v1"
    base = Settings(data_dir=args.bench_dir, chat_base_url=fake_url, chat_model="fake")
    with services(base) as settings:
        env = {
            **service_env(settings),
            "TUTOR_CHAT_BASE_URL": fake_url,
            "TUTOR_CHAT_MODEL": "fake",
            "TUTOR_TUTOR_ASKS_PER_MINUTE": "100000",
            "TUTOR_TUTOR_GENERATIONS_TOTAL": "1000",
        }
        log = (args.bench_dir / "bench.log").open("ab")
        fake = [
            sys.executable,
            "-m",
            "benchmarks.fake_openai",
            "--port",
            str(fake_port),
            "--tokens-per-s",
            str(args.tokens_per_s),
            "--tokens",
            str(args.tokens),
        ]
        children = {
            "fake": subprocess.Popen(fake, stdout=log, stderr=log, env={**os.environ, **env}),
            "worker": spawn(["worker"], env, log),
            "api": spawn(["api", "--port", str(api_port)], env, log),
        }
        try:
            api = f"http://127.0.0.1:{api_port}"
            wait_http(f"{fake_url}/models")
            wait_http(f"{api}/api/v1/health")
            tokens = asyncio.run(make_students(api, args.sessions))
            ws_url = f"ws://127.0.0.1:{api_port}/api/v1/tutor"
            over = asyncio.run(overhead(ws_url, tokens[0], args.overhead_asks))
            search = asyncio.run(search_times(settings, args.overhead_asks))
            report_overhead(over, search)
            print_load("before the concurrent sessions")
            report_concurrency(asyncio.run(concurrent(ws_url, tokens)), args)
        finally:
            stop(children)
    print_load("after")


def report_overhead(over: list[float], search: list[float]) -> None:
    o50, s50 = statistics.median(over), statistics.median(search)
    o95, s95 = percentile(over, 95), percentile(search, 95)
    print(f"engine overhead before first token: p50 {o50:.1f} ms, p95 {o95:.1f} ms")
    print(f"hybrid search (embed + SQL):        p50 {s50:.1f} ms, p95 {s95:.1f} ms")
    print(f"overhead / search p50: {o50 / s50:.2f}x (target <= 2x)")


def report_concurrency(result: dict[str, Any], args: argparse.Namespace) -> None:
    gaps = result["gaps"]
    expected = 1000 / args.tokens_per_s
    print(
        f"{args.sessions} concurrent sessions: errors {result['errors']} (target 0), "
        f"wall {result['wall_s']:.1f} s"
    )
    print(
        f"gap between deltas (model emits every {expected:.0f} ms): "
        f"p50 {percentile(gaps, 50):.1f} ms, p99 {percentile(gaps, 99):.1f} ms, "
        f"max {max(gaps):.1f} ms over {len(gaps)} gaps"
    )


if __name__ == "__main__":
    main()
