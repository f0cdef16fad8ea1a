"""The stack the load benchmark drives: embedded PostgreSQL and Redis, 2 `tutor api` processes,
2 workers and the fake streaming model, each a process of its own, and the CPU they use."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import redis

from benchmarks.run_info import (
    children_of,
    cpu_summary,
    postgres_cpu_s,
    print_load,
    process_cpu_s,
    source_state,
)
from ingestion.queue import LEASE_PREFIX
from tutor.resources import redis_url
from tutor.runtime.services import service_env, services
from tutor.runtime.supervisor import spawn, stop
from tutor.settings import Settings


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Stack:
    """Where the stack answers, and its processes by role (`api-1`, `worker-2`, `fake`...)."""

    settings: Settings
    apis: list[str]
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # The load's own processes besides this one, by role (the storm's).
    clients: dict[str, int] = field(default_factory=dict)

    def cpu_s(self) -> dict[str, float]:
        """CPU seconds so far of each role's process tree, PostgreSQL, Redis and this process."""
        totals: dict[str, float] = {}
        for name, child in self.children.items():
            role = name.split("-")[0]
            totals[role] = totals.get(role, 0.0) + tree_cpu_s(child.pid)
        totals["postgres"] = postgres_cpu_s(self.settings.data_path / "pgdata")
        totals["redis"] = sum(process_cpu_s(pid) for pid in redis_pids())
        totals["load client"] = process_cpu_s(os.getpid())
        for role, pid in self.clients.items():
            totals[role] = process_cpu_s(pid)
        return totals


@contextlib.contextmanager
def running_stack(bench_dir: Path, log_path: Path) -> Iterator[Stack]:
    """Start everything on a fresh data dir; stop it all on exit."""
    fake_port = free_port()
    fake_url = f"http://127.0.0.1:{fake_port}/v1"
    base = Settings(data_dir=bench_dir, chat_base_url=fake_url, chat_model="fake")
    with services(base) as settings, log_path.open("ab") as log:
        env = service_env(settings)
        ports = [free_port(), free_port()]
        stack = Stack(settings, [f"http://127.0.0.1:{port}" for port in ports])
        fake = [sys.executable, "-m", "benchmarks.fake_openai", "--port", str(fake_port)]
        stack.children["fake"] = subprocess.Popen(
            fake, stdout=log, stderr=log, env={**os.environ, **env}
        )
        try:
            _wait_http(f"{fake_url}/models")
            # The first API migrates the fresh database; the rest start once it is up.
            for i, port in enumerate(ports, start=1):
                args = ["api", "--host", "127.0.0.1", "--port", str(port)]
                stack.children[f"api-{i}"] = spawn(args, env, log)
                _wait_http(f"http://127.0.0.1:{port}/api/v1/health/ready")
            for i in (1, 2):
                stack.children[f"worker-{i}"] = spawn(["worker"], env, log)
            _wait_workers(redis_url(settings), 2)
            yield stack
        finally:
            stop(stack.children)


def drive_first_api(prefix: str, drive: Callable[[str, int], Coroutine[Any, Any, None]]) -> None:
    """Start the stack in a temporary folder and run `drive(url, pid)` against its first API
    process; the source, the CPU and the load average before and after are printed."""
    print(f"source {source_state()}; {cpu_summary()}")
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        bench = Path(folder)
        with running_stack(bench, bench / "stack.log") as stack:
            pid = stack.children["api-1"].pid
            print(f"api-1 pid {pid}", flush=True)  # for a profiler
            print_load("at the start")
            asyncio.run(drive(stack.apis[0], pid))
            print_load("at the end")


def _wait_http(url: str, timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up in {timeout_s:.0f} s")


def _wait_workers(url: str, count: int, timeout_s: float = 300) -> None:
    # A worker takes its lease once its embedder is loaded and it takes jobs.
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + timeout_s
    while len(list(client.scan_iter(LEASE_PREFIX + "*"))) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{count} workers did not start in {timeout_s:.0f} s")
        time.sleep(0.3)
    client.close()


def tree_cpu_s(pid: int) -> float:
    """CPU seconds of a live process and its live descendants (a worker's parser child)."""
    children, total, todo = children_of(), 0.0, [pid]
    while todo:
        current = todo.pop()
        total += process_cpu_s(current)
        todo += children.get(current, [])
    return total


def redis_pids() -> list[int]:
    """The embedded redis-server this process started (a direct child, not a role's)."""
    pids = []
    for pid in children_of().get(os.getpid(), []):
        with contextlib.suppress(OSError):
            if "redis-server" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="ignore"):
                pids.append(pid)
    return pids


def machine_cpu_s() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine since boot, every process of every user."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(fields[:8]) - idle) / tick, sum(fields[:8]) / tick
