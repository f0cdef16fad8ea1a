"""What a tutor ask costs the API process, against a search and the cheapest request.

`python -m benchmarks.ask_cost [--asks 60] [--students 4]`

The load benchmark's stack (benchmarks/load_stack.py: embedded PostgreSQL and Redis, two
`tutor api` processes, workers, the fake model streaming 60 words at 20 a second, every setting
at its default). Students of the first API process ask over their tutor sockets, each one ask
after another, as the load benchmark's students do; the API process's CPU (its /proc counters,
every thread) is read around the asks and divided by their number. The same for searches and
for `GET /health/live`, the baseline. At 300 students the asks are most of the APIs' CPU, so
this is the figure that decides how many students two cores serve.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import websockets

from benchmarks.load_stack import drive_first_api, tree_cpu_s
from benchmarks.load_users import Recorder, Student

Action = Callable[[Student], Awaitable[None]]


async def signed_in(api: str, index: int, recorder: Recorder) -> Student:
    """A student with an account, a token and one note ready."""
    student = Student(index, api, recorder, think_s=0, actions_per_visit=1, ramp_s=0)
    assert await student.register()
    token = await student.sign_in()
    assert token is not None
    student.http.headers["Authorization"] = f"Bearer {token}"
    async with student.socket("events") as events:
        assert events is not None
        await student.upload_and_wait(events)
    return student


async def measured(api_pid: int, students: list[Student], each: int, action: Action) -> float:
    """CPU milliseconds of the API process per action; every student does `each` in turn."""

    async def drive(student: Student) -> None:
        for _ in range(each):
            await action(student)

    before = tree_cpu_s(api_pid)
    await asyncio.gather(*(drive(student) for student in students))
    return (tree_cpu_s(api_pid) - before) * 1000 / (each * len(students))


async def health(student: Student) -> None:
    """The cheapest request."""
    (await student.http.get("/health/live")).raise_for_status()


async def run(api: str, api_pid: int, asks: int, count: int) -> None:
    """Warm up, then the three kinds of request; prints a table."""
    recorder = Recorder()
    students = [await signed_in(api, i, recorder) for i in range(count)]
    each = max(1, asks // count)
    sockets = {student.index: await _tutor_socket(student) for student in students}

    async def ask(student: Student) -> None:
        await student.ask(sockets[student.index])

    async def search(student: Student) -> None:
        await student.search()

    await measured(api_pid, students, 2, ask)  # warms the embedder, the pool and the caches
    await measured(api_pid, students, 2, search)
    baseline = await measured(api_pid, students, 50, health)
    search_ms = await measured(api_pid, students, each, search)
    started = time.monotonic()
    ask_ms = await measured(api_pid, students, each, ask)
    wall = time.monotonic() - started
    failed = [s for s in recorder.samples if s.outcome != "ok"]
    assert not failed, failed[:3]
    print(f"{count} students, {each * count} asks in {wall:.1f} s")
    for name, cpu_ms in (
        ("GET /health/live (baseline)", baseline),
        ("GET /search", search_ms),
        ("tutor ask, 60 deltas", ask_ms),
    ):
        print(f"{name:<30} {cpu_ms:8.2f} ms CPU {cpu_ms / baseline:7.1f} x")
    for ws in sockets.values():
        await ws.close()
    for student in students:
        await student.http.aclose()


async def _tutor_socket(student: Student) -> websockets.ClientConnection:
    """A tutor socket kept open across the asks, opened with a ticket as the web app does."""
    ticket = (await student.http.post("/ws-ticket")).json()["ticket"]
    url = student.api.replace("http", "ws", 1) + f"/api/v1/tutor?ticket={ticket}"
    return await websockets.connect(url, local_addr=(student.source, 0), max_size=None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--asks", type=int, default=60)
    parser.add_argument("--students", type=int, default=4)
    args = parser.parse_args()
    drive_first_api("ask-cost-", lambda api, pid: run(api, pid, args.asks, args.students))


if __name__ == "__main__":
    main()
