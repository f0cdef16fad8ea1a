"""Load: 2 API processes and 2 workers, N simulated students, then the same plus a sign-in storm.

`python benchmarks/load.py [--users 300] [--minutes 5] [--storm-rps 50]`, or `--quick` (30
students, 30 s a phase) to check that it works.

The stack (benchmarks/load_stack.py): embedded PostgreSQL + Redis on a fresh data dir, two
`tutor api` processes, two `tutor worker` processes and benchmarks/fake_openai.py as the chat
model, every setting at its default. Each student (benchmarks/load_users.py) registers, then
visits until the end: signs in, opens the events and tutor sockets with tickets, uploads a note
and waits for its `document.ready`, then searches and asks the tutor (streamed to `done`) in
turn with think times between. Students are spread over both API processes.

Phases: warm-up (not counted), steady (students only), storm (students plus `--storm-rps`
sign-ins a second to many accounts from `--storm-addresses` addresses), after (students alone
again, `--after-minutes`). A request counts in the phase it started in. Prints per route and
phase: p50/p95/p99 of the successful ones, 429s, other 4xx, 5xx and transport errors; what the
storm was refused by; search p95 with the storm over without it, before it and before and after
it pooled: the students' mix drifts over a run (later phases carry more asks, the costliest
request), and the phase after the storm cancels that drift; and where the CPU went.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.block_bootstrap import ratio_interval
from benchmarks.load_stack import Stack, machine_cpu_s, running_stack
from benchmarks.load_storm import storm_main
from benchmarks.load_users import PASSWORD, TIMEOUT_S, Recorder, Sample, Student
from benchmarks.run_info import cpu_summary, print_load, source_state
from benchmarks.timing import percentile
from tutor.accounts.auth import hash_password
from tutor.accounts.users import insert_user
from tutor.resources import opened
from tutor.settings import Settings

PHASES = ("steady", "storm", "after")
REGISTER_AT_ONCE = 4  # argon2 is most of a second of CPU; more would only queue in the API
DRAIN_S = 30.0


@dataclass
class Usage:
    """CPU seconds by role, the machine's busy CPU seconds and the wall time over one phase."""

    wall_s: float = 0.0
    machine_busy_s: float = 0.0
    by_role: dict[str, float] = field(default_factory=dict)
    load: str = ""


class Meter:
    """Takes CPU readings at a phase's start and end."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.at = (time.monotonic(), machine_cpu_s()[0], stack.cpu_s())

    def lap(self) -> Usage:
        """Usage since the last lap (or since creation)."""
        now = (time.monotonic(), machine_cpu_s()[0], self.stack.cpu_s())
        (wall0, busy0, roles0), (wall1, busy1, roles1) = self.at, now
        self.at = now
        load = " ".join(f"{v:.2f}" for v in os.getloadavg())
        by_role = {role: roles1[role] - roles0.get(role, 0.0) for role in roles1}
        return Usage(wall1 - wall0, busy1 - busy0, by_role, load)


async def drive(stack: Stack, args: argparse.Namespace, recorder: Recorder) -> dict[str, Usage]:
    """Register, run the phases, stop everyone; CPU usage per phase."""
    storm_emails = await storm_accounts(stack.settings, args.storm_accounts)
    students = [
        Student(
            i, stack.apis[i % len(stack.apis)], recorder, args.think_s, args.actions, args.warmup_s
        )
        for i in range(args.users)
    ]
    registered = await register_all(students)
    settings = stack.settings
    limits = {
        settings.login_per_minute_per_ip: "per-address sign-in limit",
        settings.login_per_minute_per_account: "per-account sign-in limit",
    }
    stop = asyncio.Event()
    tasks = [asyncio.create_task(s.run(stop)) for s in registered]
    tasks.append(asyncio.create_task(watch_lag(recorder, stop)))
    usage: dict[str, Usage] = {}
    context = multiprocessing.get_context("spawn")
    storm_stop, storm_out = context.Event(), context.Queue()
    storm = context.Process(
        target=storm_main,
        args=(
            stack.apis,
            storm_emails,
            args.storm_addresses,
            limits,
            args.storm_rps,
            storm_stop,
            storm_out,
        ),
    )
    try:
        recorder.begin("warmup")
        print_load(f"at the warm-up ({args.warmup_s:.0f} s)")
        await asyncio.sleep(args.warmup_s)
        meter = Meter(stack)
        recorder.begin("steady")
        print_load("at the steady phase")
        await asyncio.sleep(args.minutes * 60)
        usage["steady"] = meter.lap()
        recorder.begin("storm")
        print_load("at the storm phase")
        storm.start()
        stack.clients["storm client"] = storm.pid or 0
        await asyncio.sleep(args.minutes * 60)
        usage["storm"] = meter.lap()
        storm_stop.set()
        # Its last sign-ins may wait out their whole timeout before it reports.
        reported = asyncio.to_thread(storm_out.get, True, TIMEOUT_S + DRAIN_S)
        if args.after_minutes > 0:
            recorder.begin("after")
            print_load("at the phase after the storm")
            storm_samples, _ = await asyncio.gather(
                reported, asyncio.sleep(args.after_minutes * 60)
            )
            usage["after"] = meter.lap()
        else:
            storm_samples = await reported
        recorder.begin("drain")
        recorder.samples += storm_samples
    finally:
        stop.set()
        _, late = await asyncio.wait(tasks, timeout=DRAIN_S)
        for task in late:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        storm_stop.set()
        if storm.pid is not None:
            storm.join(DRAIN_S)
        for student in students:
            await student.http.aclose()
    return usage


async def register_all(students: list[Student]) -> list[Student]:
    """Register every student, a few at a time; those whose account was made."""
    started = time.monotonic()
    gate = asyncio.Semaphore(REGISTER_AT_ONCE)

    async def register(student: Student) -> bool:
        async with gate:
            return await student.register()

    made = await asyncio.gather(*map(register, students))
    registered = [student for student, ok in zip(students, made, strict=True) if ok]
    took = time.monotonic() - started
    print(f"registered {len(registered)}/{len(students)} students in {took:.1f} s")
    return registered


async def watch_lag(recorder: Recorder, stop: asyncio.Event, every_s: float = 0.1) -> None:
    """How late this process's event loop wakes up: a starved load client times late too."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        phase, planned = recorder.phase, loop.time() + every_s
        await asyncio.sleep(every_s)
        late = loop.time() - planned
        recorder.samples.append(Sample(planned, phase, "load client loop lag", "ok", late))


async def storm_accounts(settings: Settings, count: int) -> list[str]:
    """Accounts for the storm, inserted directly with one shared hash (no argon2 each)."""
    password_hash = hash_password(PASSWORD)
    emails = [f"storm{i}@example.com" for i in range(count)]
    async with opened(settings, migrate=False) as resources, resources.pool.connection() as conn:
        for email in emails:
            await insert_user(conn, email, password_hash, "student")
    return emails


def report_routes(samples: list[Sample], phase: str, seconds: float) -> None:
    """The table of one phase."""
    print(f"\n== {phase}: {seconds:.0f} s ==")
    header = (
        f"{'route':<28} {'n':>6} {'/s':>6} {'ok':>6} {'429':>5} {'4xx':>5} {'5xx':>5} {'err':>5}"
    )
    print(header + f" {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for route in sorted({s.route for s in samples if s.phase == phase}):
        rows = [s for s in samples if s.phase == phase and s.route == route]
        counts = Counter(s.outcome for s in rows)
        ok = [s.seconds * 1000 for s in rows if s.outcome == "ok"]
        cells = [percentile(ok, p) if ok else float("nan") for p in (50, 95, 99)]
        print(
            f"{route:<28} {len(rows):>6} {len(rows) / seconds:>6.1f} {counts['ok']:>6} "
            f"{counts['429']:>5} {counts['4xx']:>5} {counts['5xx']:>5} {counts['error']:>5} "
            + " ".join(f"{c:>8.1f}" for c in cells)
        )
    refused = Counter(
        (s.route, s.outcome, s.detail) for s in samples if s.phase == phase and s.outcome != "ok"
    )
    for (route, outcome, detail), n in refused.most_common(12):
        print(f"  {n:>6} x {route}: {outcome} {detail}")


def stretches(
    recorder: Recorder, phase: str, route: str, width_s: float = 30.0
) -> list[list[float]]:
    """A route's successful times (ms) in a phase, by stretch of `width_s` from its start."""
    began = recorder.began[phase]
    found: dict[int, list[float]] = {}
    for s in recorder.samples:
        if s.phase == phase and s.route == route and s.outcome == "ok":
            found.setdefault(int((s.started - began) // width_s), []).append(s.seconds * 1000)
    return [found[k] for k in sorted(found)]


def report_windows(recorder: Recorder, phase: str, route: str) -> None:
    """A route's p95 in each 30 s of a phase: a spike shows when it came."""
    cells = " ".join(f"{percentile(v, 95):.0f}" for v in stretches(recorder, phase, route))
    print(f"{phase}: {route} p95 ms in each 30 s: {cells}")


def report_usage(usage: dict[str, Usage]) -> None:
    """Cores used by each role in each phase, and by everything else on the machine."""
    print("\n== CPU: cores used (CPU seconds / wall seconds) ==")
    roles = sorted({r for u in usage.values() for r in u.by_role})
    print(f"{'':<14}" + "".join(f"{phase:>10}" for phase in usage))
    for role in roles:
        print(
            f"{role:<14}"
            + "".join(f"{u.by_role.get(role, 0) / u.wall_s:>10.2f}" for u in usage.values())
        )
    ours = {p: sum(u.by_role.values()) for p, u in usage.items()}
    print(
        f"{'all of ours':<14}" + "".join(f"{ours[p] / u.wall_s:>10.2f}" for p, u in usage.items())
    )
    print(
        f"{'machine busy':<14}"
        + "".join(f"{u.machine_busy_s / u.wall_s:>10.2f}" for u in usage.values())
    )
    loads = "; ".join(f"{p} {u.load}" for p, u in usage.items())
    print(
        f"({os.cpu_count()} CPUs; machine busy counts others' work too; load at the end: {loads})"
    )


def report(recorder: Recorder, usage: dict[str, Usage], args: argparse.Namespace) -> None:
    """Every table, then the verdicts."""
    samples = recorder.samples
    for phase in usage:
        report_routes(samples, phase, usage[phase].wall_s)
    for phase in usage:
        report_windows(recorder, phase, "GET /search")
    report_usage(usage)
    measured = [s for s in samples if s.phase in PHASES]
    students = [s for s in measured if not s.route.startswith("storm")]
    fives = sum(s.outcome == "5xx" for s in measured)
    student_fives = sum(s.outcome == "5xx" for s in students)
    print("\n== verdicts ==")
    print(
        f"5xx in the measured phases: {fives} (students {student_fives}, "
        f"storm {fives - student_fives}); target 0"
    )
    print(f"transport errors and timeouts: {sum(s.outcome == 'error' for s in measured)}")
    limited = sum(s.outcome == "429" for s in students)
    print(f"students refused by a limit (429 or 4429): {limited}")
    report_storm([s for s in measured if s.route.startswith("storm")], usage, args)
    report_ratios(recorder, "GET /search", usage)


def report_ratios(recorder: Recorder, route: str, usage: dict[str, Usage]) -> None:
    """The route's p95 with the storm over without it, and two storm-free phases' ratio (the
    benchmark's own noise), each with its 95% interval from resampling 30-s stretches."""
    by_phase = {phase: stretches(recorder, phase, route) for phase in usage}
    if not by_phase.get("steady") or not by_phase.get("storm"):
        return
    comparisons = [("with the storm / before it", "storm", ["steady"], "")]
    if by_phase.get("after"):
        comparisons += [
            (
                "with the storm / before and after it",
                "storm",
                ["steady", "after"],
                " target <= 1.20",
            ),
            ("after the storm / before it, no storm in either (noise)", "after", ["steady"], ""),
        ]
    for name, top_phase, bottom_phases, target in comparisons:
        top = by_phase[top_phase]
        bottom = [block for phase in bottom_phases for block in by_phase[phase]]
        up = percentile([v for block in top for v in block], 95)
        down = percentile([v for block in bottom for v in block], 95)
        low, high = ratio_interval(top, bottom)
        print(
            f"search p95 {name}: {up:.1f} / {down:.1f} ms = {up / down:.2f} "
            f"(95% interval {low:.2f}-{high:.2f};{target or ' no target'})"
        )


def report_storm(storm: list[Sample], usage: dict[str, Usage], args: argparse.Namespace) -> None:
    """What the storm's sign-ins got, and how fast the refusals came."""
    if not storm:
        return
    wall = usage["storm"].wall_s
    by = Counter(f"{s.outcome} {s.detail}".strip() for s in storm)
    print(
        f"storm: {len(storm)} sign-ins in {wall:.0f} s ({len(storm) / wall:.1f}/s, asked "
        f"{args.storm_rps:g}/s) from {args.storm_addresses} address(es) to "
        f"{args.storm_accounts} accounts: " + ", ".join(f"{n} {k}" for k, n in by.most_common())
    )
    refused = [s.seconds * 1000 for s in storm if s.outcome == "429"]
    if refused:
        print(
            f"storm 429s answered in p50 {percentile(refused, 50):.1f} ms, "
            f"p95 {percentile(refused, 95):.1f} ms"
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--minutes", type=float, default=5.0, help="of each phase")
    parser.add_argument(
        "--after-minutes",
        type=float,
        default=5.0,
        help="students alone again after the storm (0: none); the storm is compared with both",
    )
    parser.add_argument("--storm-rps", type=float, default=50.0)
    parser.add_argument("--storm-addresses", type=int, default=1, help="where the storm comes from")
    parser.add_argument("--storm-accounts", type=int, default=500)
    parser.add_argument(
        "--think-s", type=float, default=15.0, help="a student's mean pause between actions"
    )
    parser.add_argument("--actions", type=int, default=10, help="searches and asks per visit")
    parser.add_argument("--warmup-s", type=float, default=60.0)
    parser.add_argument("--quick", action="store_true", help="30 students, 30 s a phase")
    parser.add_argument("--bench-dir", type=Path, default=Path("/tmp/bench-data/load"))
    args = parser.parse_args()
    if args.quick:
        args.users, args.minutes, args.after_minutes, args.warmup_s = 30, 0.5, 0.5, 30.0
    return args


def main() -> None:
    args = parse_args()
    print(f"commit {source_state()}; {cpu_summary()}")
    print(
        f"{args.users} students, think {args.think_s:.0f} s, {args.actions} actions a visit; "
        f"phases of {args.minutes:g} min; storm {args.storm_rps:g}/s"
    )
    print_load("before")
    shutil.rmtree(args.bench_dir, ignore_errors=True)
    args.bench_dir.mkdir(parents=True)
    recorder = Recorder()
    with running_stack(args.bench_dir, args.bench_dir / "stack.log") as stack:
        s = stack.settings
        print(
            f"limits a minute: sign-in {s.login_per_minute_per_ip}/address "
            f"{s.login_per_minute_per_account}/account, search {s.search_per_minute_per_user}/user "
            f"{s.search_per_minute_per_ip}/address, asks {s.tutor_asks_per_minute}/user; "
            f"argon2 threads {s.password_hash_threads} + queue {s.password_hash_queue} per API"
        )
        usage = asyncio.run(drive(stack, args, recorder))
    report(recorder, usage, args)
    print_load("after")


if __name__ == "__main__":
    main()
