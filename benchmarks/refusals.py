"""What a refused request costs the API, against the cheapest request it answers.

`python -m benchmarks.refusals [--requests 6000] [--connections 20]`

The load benchmark's stack (benchmarks/load_stack.py: embedded PostgreSQL and Redis, two
`tutor api` processes, workers, every setting at its default); the first API process is driven
over keep-alive connections by the storm's raw client (benchmarks/load_storm.py) from loopback
addresses of the benchmark's own. For each kind of request it prints the API process's CPU per
request (its /proc counters, every thread) and the ratio to the baseline:

- `GET /api/v1/health/live`, the baseline: the cheapest request, through every middleware;
- a sign-in from an address over its per-address limit: refused before routing, body unread
  (`api/early_refusal.py`), the refusal counted in Redis with the next check;
- a sign-in to an account over its per-account limit from addresses that are not over theirs:
  refused by the route, after the body is read and validated and the address counted in Redis.
  Before early refusal every refused sign-in took this path and a second Redis round trip.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.load_stack import drive_first_api, tree_cpu_s
from benchmarks.load_storm import Line, sign_in_request
from benchmarks.load_users import address

# The per-address sign-in limit's default (60 a minute), with room.
PER_ADDRESS = 50


def get_request(api: str, path: str) -> bytes:
    """A whole GET request, ready to write."""
    return f"GET {path} HTTP/1.1\r\nHost: {urlsplit(api).netloc}\r\n\r\n".encode()


async def send_all(lines: list[Line], requests: list[bytes]) -> Counter[int]:
    """Send every request, spread over the lines, each line one at a time; status counts."""
    statuses: Counter[int] = Counter()

    async def drive(line: Line, mine: list[bytes]) -> None:
        for request in mine:
            status, _ = await line.exchange(request)
            statuses[status] += 1

    await asyncio.gather(*(drive(line, requests[i :: len(lines)]) for i, line in enumerate(lines)))
    return statuses


async def measured(api_pid: int, lines: list[Line], requests: list[bytes]) -> tuple[float, str]:
    """CPU milliseconds of the API process per request, and what it answered."""
    before, started = tree_cpu_s(api_pid), time.monotonic()
    statuses = await send_all(lines, requests)
    cpu_s, wall_s = tree_cpu_s(api_pid) - before, time.monotonic() - started
    answered = ", ".join(f"{n} x {status}" for status, n in sorted(statuses.items()))
    rate = len(requests) / wall_s
    return cpu_s * 1000 / len(requests), f"{answered}; {rate:.0f}/s"


def row(name: str, cpu_ms: float, baseline_ms: float, seen: str) -> None:
    """One line of the table."""
    print(f"{name:<42} {cpu_ms:7.3f} ms CPU {cpu_ms / baseline_ms:6.2f} x   {seen}")


async def run(api: str, api_pid: int, count: int, connections: int) -> None:
    """The three kinds of request, each `count` times."""
    health = get_request(api, "/api/v1/health/live")
    baseline_lines = [Line(api, address(30, 0)) for _ in range(connections)]
    baseline, seen = await measured(api_pid, baseline_lines, [health] * count)
    row("GET /health/live (baseline)", baseline, baseline, seen)

    # One address over its per-address limit: its first 60 sign-ins are checked (argon2).
    storm = [Line(api, address(31, 0)) for _ in range(connections)]
    wrong = [sign_in_request(api, f"nobody{i}@example.com") for i in range(count)]
    await send_all(storm, wrong[:80])
    early, seen = await measured(api_pid, storm, wrong)
    row("sign-in, address over its limit", early, baseline, seen)

    # One account over its per-account limit, from addresses that are not over theirs.
    account = sign_in_request(api, "target@example.com")
    await send_all([Line(api, address(32, 0))], [account] * 12)
    addresses = [address(33, i) for i in range(-(-count // PER_ADDRESS))]
    by_route = [Line(api, addresses[i % len(addresses)]) for i in range(len(addresses))]
    routed, seen = await measured(api_pid, by_route, [account] * count)
    row("sign-in, account over its limit (route)", routed, baseline, seen)
    for line in baseline_lines + storm + by_route:
        line.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--connections", type=int, default=20)
    args = parser.parse_args()
    drive_first_api("refusals-", lambda api, pid: run(api, pid, args.requests, args.connections))


if __name__ == "__main__":
    main()
