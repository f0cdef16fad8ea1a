"""Gamification at scale: awarding XP with a review, and reading leaderboards from Redis and
from a cold rebuild, alone and while other connections keep awarding.

The database is generated in SQL on the server (generate_series) under its own data dir and
reused by later runs of the same size:
- 100,000 students in four time zones; 80% have earned XP, with a skew: a student's share of
  the activity falls off as a power of their rank (the busiest ~40 ledger rows a day, the
  lightest about 15 rows over the year), 2% have opted out of the boards;
- 20,000,000 `xp_events` rows in study sessions of 8 over the last 365 days: 70% review
  sessions (2 XP a card), 30% practice sets (10 XP per first-try answer, then the set's
  completion by score);
- the caches the award path keeps, consistent with that ledger: `game_profiles` (XP total, the
  levels paid) with the level-up `currency_events` behind its balances, the per-day rollup
  (`study_days`) the streak and goal awards read, and the streak and set-count badges earned.
Each award is the API's path: `record()` of a new review event in a transaction of its own (the
XP, caps, streak, goal and badge checks), committed, then the outbox delivered (the student's
scores written to the boards). Awards are timed in two cases: a student's first review of
their day (streak, its notification, the streak badges) and a later one the same day. Board
reads are `read_board` (top 50 and 5 each side of the caller), committed per call like a
request. "Under concurrent awards" runs the same reads while another process awards on its own
connections: first at a steady rate (`--award-rates`, 100 a second by default: a school of
100,000 students averages under one award a second, so this is a busy hour many times over),
then flat out, which saturates the cores and is a stress figure rather than a request's.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import multiprocessing
import random
import time
import uuid
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Event as StopFlag
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from psycopg import AsyncConnection, sql
from psycopg_pool import AsyncConnectionPool
from redis.asyncio import Redis

from benchmarks.run_info import cpu_summary, postgres_cpu_s, print_load, source_state
from benchmarks.timing import p50_p95, timed
from tutor import outbox
from tutor.gamification import leaderboards
from tutor.gamification.badges import CATALOGUE
from tutor.gamification.delivery import deliver
from tutor.gamification.periods import Period, window
from tutor.resources import database_url, migrate_database, opened, redis_url
from tutor.runtime.services import services
from tutor.settings import Settings
from tutor.study.record import record
from tutor.study.study_event import StudyEvent

USERS, ROWS = 100_000, 20_000_000
SESSION_ROWS = 8
ZONE = ZoneInfo("UTC")  # the boards' zone: the service's default
PAIR: tuple[Period, Period] = ("week", "all")  # the boards measured

USERS_SQL = """
INSERT INTO users (id, email, password_hash, role, timezone, display_name)
SELECT md5('g' || i)::uuid, 'bench-game-' || i || '@example.com', 'x', 'student',
       (ARRAY['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Tokyo'])[1 + i %% 4],
       'Student ' || i
FROM generate_series(1, %(users)s) i
"""

# Sessions first..last: each has a student (1 + floor(active x u^1.6) for a uniform u, so low
# numbers are the busy ones), a start in the year before `now`, and 8 awards 40 s apart.
XP_EVENTS_SQL = """
INSERT INTO xp_events (user_id, rule, source_key, amount, day, awarded_at, detail)
SELECT s.user_id,
       CASE WHEN NOT s.practice THEN 'review'
            WHEN k < %(per_session)s - 1 THEN 'practice_correct'
            ELSE 'set_completed' END,
       'bench-' || (sid * %(per_session)s + k),
       CASE WHEN NOT s.practice THEN 2
            WHEN k < %(per_session)s - 1 THEN 10
            ELSE 5 + round(45 * s.score)::int END,
       ((s.started + k * interval '40 seconds') AT TIME ZONE s.zone)::date,
       s.started + k * interval '40 seconds',
       CASE WHEN s.practice AND k = %(per_session)s - 1
            THEN jsonb_build_object('score', s.score) ELSE '{}' END
FROM generate_series(%(first)s::bigint, %(last)s::bigint) sid,
     LATERAL (SELECT 1 + floor(%(active)s * power(
                        (hashint8extended(sid, 1) & 4294967295) / 4294967296.0, 1.6))::int
                     AS student) w,
     LATERAL (SELECT md5('g' || w.student)::uuid AS user_id,
                     (ARRAY['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Tokyo'])
                     [1 + w.student %% 4] AS zone,
                     (hashint8extended(sid, 2) & 1023) < 307 AS practice,
                     round((hashint8extended(sid, 3) & 1023) / 1023.0, 2)::float8 AS score,
                     %(now)s::timestamptz - interval '365 days'
                     + (hashint8extended(sid, 4) & 4294967295) / 4294967296.0
                       * (interval '365 days' - interval '1 hour') AS started) s,
     generate_series(0, %(per_session)s::int - 1) k
"""

# The cached totals as the award path keeps them: XP, the highest level paid and the balances
# its rewards paid (10 crystals and 5 sparks per level reached), each reward in the ledger.
PROFILES_SQL = """
INSERT INTO game_profiles (user_id, xp, level_paid, crystals, sparks, leaderboard_opt_out)
SELECT user_id, xp, level, 10 * (level * (level + 1) / 2 - 1), 5 * (level * (level + 1) / 2 - 1),
       (hashtext(user_id::text) & 63) = 0
FROM (SELECT user_id, sum(amount) AS xp,
             floor(sqrt((sum(amount)::bigint / 100)::numeric))::int + 1 AS level
      FROM xp_events GROUP BY user_id) t
"""
CURRENCIES_SQL = """
INSERT INTO currency_events (user_id, currency, amount, reason, source_key)
SELECT g.user_id, c.currency, c.per_level * l, 'level_up', 'level:' || l
FROM game_profiles g, generate_series(2, g.level_paid) l,
     (VALUES ('crystals', 10), ('sparks', 5)) c (currency, per_level)
"""
STUDY_DAYS_SQL = """
INSERT INTO study_days (user_id, day, events, seconds)
SELECT user_id, day, count(*), count(*) * 40 FROM xp_events GROUP BY user_id, day
"""
# The badges that history earned (the award path only checks which are held; their rewards are
# left out of the ledger): the learning-streak ones by each student's longest run of study
# days, and the set-count ones. Without them a student's first award of the day would earn
# badges years of study should have earned already.
BADGES_SQL = """
INSERT INTO user_badges (user_id, badge, earned_at)
SELECT r.user_id, b.badge, %(now)s
FROM (SELECT user_id, max(run) AS longest
      FROM (SELECT user_id, count(*) AS run
            FROM (SELECT user_id,
                         day - (row_number() OVER (PARTITION BY user_id ORDER BY day))::int AS run
                  FROM study_days WHERE events > 0) d
            GROUP BY user_id, run) runs
      GROUP BY user_id) r
JOIN unnest(%(streak_badges)s::text[], %(streak_days)s::int[]) b (badge, days)
  ON r.longest >= b.days
UNION ALL
SELECT s.user_id, b.badge, %(now)s
FROM (SELECT user_id, count(*) AS sets FROM xp_events WHERE rule = 'set_completed'
      GROUP BY user_id) s
JOIN unnest(%(set_badges)s::text[], %(set_counts)s::int[]) b (badge, sets) ON s.sets >= b.sets
ON CONFLICT DO NOTHING
"""


def badge_params() -> dict[str, Any]:
    """The catalogue's learning-streak and set-count badges, for BADGES_SQL."""
    streaks = [b for b in CATALOGUE if b.criterion.kind == "learning_streak"]
    sets = [b for b in CATALOGUE if b.criterion.kind == "sets_completed"]
    return {
        "now": datetime.now(UTC),
        "streak_badges": [b.key for b in streaks],
        "streak_days": [b.criterion.count for b in streaks],
        "set_badges": [b.key for b in sets],
        "set_counts": [b.criterion.count for b in sets],
    }


# The ledger's secondary indexes and unique key, as the migration made them: dropped for the
# bulk load and built again from these definitions (one sort each instead of 20M random inserts).
INDEX_DEFS = """
SELECT c.conname, NULL, pg_get_constraintdef(c.oid) FROM pg_constraint c
WHERE c.conrelid = 'xp_events'::regclass AND c.contype = 'u'
UNION ALL
SELECT i.relname, pg_get_indexdef(i.oid), NULL
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
WHERE x.indrelid = 'xp_events'::regclass AND NOT x.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
"""


async def _step(
    conn: AsyncConnection, name: str, query: sql.Composable | str, **params: Any
) -> None:
    started = time.perf_counter()
    await conn.execute(query, params)  # type: ignore[arg-type]
    print(f"  {name}: {time.perf_counter() - started:.0f} s", flush=True)


async def _drop_ledger_indexes(conn: AsyncConnection) -> list[sql.Composable]:
    """Drop the ledger's secondary indexes; the statements that build them again."""
    cur = await conn.execute(INDEX_DEFS)
    rebuild: list[sql.Composable] = []
    for name, index_def, constraint_def in await cur.fetchall():
        if constraint_def is not None:
            await conn.execute(
                sql.SQL("ALTER TABLE xp_events DROP CONSTRAINT {}").format(sql.Identifier(name))
            )
            rebuild.append(
                sql.SQL("ALTER TABLE xp_events ADD CONSTRAINT {} {}").format(
                    sql.Identifier(name), sql.SQL(constraint_def)
                )
            )
        else:
            await conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
            rebuild.append(sql.SQL(index_def))
    return rebuild


async def _load_ledger(url: str, users: int, rows: int, workers: int) -> None:
    """The ledger rows, in slices spread over `workers` connections (the load is CPU-bound)."""
    sessions = rows // SESSION_ROWS
    step = min(sessions, 250_000)
    slices = [(first, min(sessions, first + step) - 1) for first in range(0, sessions, step)]
    now = datetime.now(UTC)

    async def worker(mine: list[tuple[int, int]]) -> None:
        async with await AsyncConnection.connect(url, autocommit=True) as conn:
            # Every row references a student inserted before: skip the foreign-key checks.
            await conn.execute("SET session_replication_role = replica")
            for first, last in mine:
                params = {"first": first, "last": last, "per_session": SESSION_ROWS, "now": now}
                name = f"ledger sessions {first:,}-{last:,}"
                await _step(conn, name, XP_EVENTS_SQL, active=users * 4 // 5, **params)

    await asyncio.gather(*(worker(slices[i::workers]) for i in range(workers)))


async def generate(conn: AsyncConnection, url: str, users: int, rows: int) -> None:
    """The whole data set, if it is not there yet."""
    cur = await conn.execute("SELECT count(*) FROM (SELECT FROM study_days LIMIT 1) d")
    row = await cur.fetchone()
    if row and row[0]:  # the last step ran: a run stopped halfway needs a fresh data dir
        print("reusing the generated data set")
        # Again each time (a no-op once done): data sets made before this step lack them.
        await _step(conn, "badges earned", BADGES_SQL, **badge_params())
        return
    await _step(conn, "users", USERS_SQL, users=users)
    rebuild = await _drop_ledger_indexes(conn)
    await _load_ledger(url, users, rows, workers=2)
    await conn.execute("SET maintenance_work_mem = '512MB'")
    for statement in rebuild:
        await _step(conn, statement.as_string(conn)[:60], statement)
    await _step(conn, "game profiles", PROFILES_SQL)
    await _step(conn, "level-up currency events", CURRENCIES_SQL)
    await _step(conn, "per-day rollup", STUDY_DAYS_SQL)
    await _step(conn, "badges earned", BADGES_SQL, **badge_params())
    # What autovacuum would have done by the time such a database is read: the visibility map
    # makes the index-only scans index-only.
    await _step(conn, "vacuum analyze", "VACUUM ANALYZE")


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def student(i: int) -> UUID:
    """The i-th generated student (1-based)."""
    return UUID(_md5(f"g{i}"))


RELTUPLES = "SELECT reltuples::bigint FROM pg_class WHERE relname = %s"
# The tables the award and the board reads touch, with all their indexes, into the OS cache
# (pg_prewarm 'read'), as on a server that has been answering for a while. The ledger's heap is
# left out: those paths read its covering indexes only. `--cold` skips this.
HOT_TABLES = [
    "users",
    "game_profiles",
    "study_days",
    "study_events",
    "currency_events",
    "user_badges",
    "streak_freeze_days",
    "notifications",
]
HOT_INDEXES = """
SELECT indexrelid::regclass::text FROM pg_index
WHERE indrelid = ANY(%(tables)s::regclass[])
"""
PREWARM = "SELECT pg_prewarm(%s::regclass, 'read')"


async def prewarm(conn: AsyncConnection) -> None:
    """Read the hot relations once into the OS cache."""
    started = time.perf_counter()
    await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
    cur = await conn.execute(HOT_INDEXES, {"tables": [*HOT_TABLES, "xp_events"]})
    relations = HOT_TABLES + [row[0] for row in await cur.fetchall()]
    for relation in relations:
        await conn.execute(PREWARM, (relation,))
    await conn.commit()
    print(f"prewarmed {len(relations)} relations in {time.perf_counter() - started:.0f} s")


def review_of(user_id: UUID) -> StudyEvent:
    """A new review of one card, as the review endpoint records it."""
    detail = {"rating": 3, "passed": True}
    return StudyEvent(user_id, "review", str(uuid.uuid4()), datetime.now(UTC), 8, None, detail)


async def award(pool: AsyncConnectionPool, redis: Redis, user_id: UUID) -> tuple[float, float]:
    """One review recorded and committed, then its outbox delivered, as a request does; the
    milliseconds of the transaction and of the whole."""
    started = time.perf_counter()
    with outbox.collecting() as box:
        async with pool.connection() as conn:
            await record(conn, review_of(user_id))
            await conn.commit()
            committed = time.perf_counter()
            await deliver(box, conn, redis, ZONE)
    done = time.perf_counter()
    return (committed - started) * 1000, (done - started) * 1000


async def read(
    pool: AsyncConnectionPool, redis: Redis, user_id: UUID, period: Period
) -> leaderboards.Board:
    """The board's top 50 and the caller's neighbours, one request's connection."""
    async with pool.connection() as conn:
        return await leaderboards.read_board(
            conn, redis, user_id, "global", period, ZONE, datetime.now(UTC)
        )


async def clear_boards(redis: Redis) -> None:
    """Every board and marker gone, as after a flush or a restart."""
    keys = [key async for key in redis.scan_iter(match=f"{leaderboards.PREFIX}:*", count=1000)]
    if keys:
        await redis.delete(*keys)


async def cold_reads(
    pool: AsyncConnectionPool,
    redis: Redis,
    rng: random.Random,
    users: int,
    tries: int,
    period: Period,
) -> list[float]:
    """Board reads that find Redis empty, so rebuild the board from PostgreSQL first."""
    samples = []
    for _ in range(tries):
        await clear_boards(redis)
        started = time.perf_counter()
        await read(pool, redis, student(rng.randint(1, users)), period)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def full_week_rebuilds(pool: AsyncConnectionPool, redis: Redis, tries: int) -> list[float]:
    """Rebuilds of last week's board as at its last second: a whole week of awards, where this
    week's may have run for a day. The rebuild then also re-applies every student who earned
    since (its race margin reaches to the present), which a real rebuild does for one minute's."""
    last_week = window("week", datetime.now(UTC), ZONE).start - timedelta(seconds=1)
    samples = []
    for _ in range(tries):
        await clear_boards(redis)
        started = time.perf_counter()
        async with pool.connection() as conn:
            await leaderboards.rebuild(conn, redis, "global", "week", ZONE, last_week)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def build_boards(pool: AsyncConnectionPool, redis: Redis) -> None:
    """Every current board built, so awards keep them up to date."""
    await clear_boards(redis)
    for period in leaderboards.PERIODS:
        await read(pool, redis, student(1), period)


async def warm_reads(
    pool: AsyncConnectionPool,
    redis: Redis,
    rng: random.Random,
    users: int,
    calls: int,
    period: Period,
) -> list[float]:
    """Board reads served from the built boards, for random students."""

    async def call() -> object:
        return await read(pool, redis, student(rng.randint(1, users)), period)

    return await timed(calls, call)


# Students drawn at random, kept if they have not studied yet today (in their own zone): their
# next review is their first of the day, the costly award (streak, notifications, streak badges).
IDLE_TODAY = """
SELECT c.id FROM unnest(%(candidates)s::uuid[]) WITH ORDINALITY c (id, n)
JOIN users u ON u.id = c.id
WHERE NOT EXISTS (SELECT 1 FROM study_days d
                  WHERE d.user_id = u.id AND d.day = (now() AT TIME ZONE u.timezone)::date)
ORDER BY c.n
LIMIT %(count)s
"""


async def idle_today(
    pool: AsyncConnectionPool, rng: random.Random, users: int, count: int
) -> list[UUID]:
    """`count` distinct random students with nothing recorded today."""
    candidates = list({student(rng.randint(1, users)) for _ in range(10 * count)})
    rng.shuffle(candidates)
    async with pool.connection() as conn:
        cur = await conn.execute(IDLE_TODAY, {"candidates": candidates, "count": count})
        return [row[0] for row in await cur.fetchall()]


async def awards_of(
    pool: AsyncConnectionPool, redis: Redis, students: list[UUID]
) -> tuple[list[float], list[float]]:
    """One review of each student in turn: (transaction ms, transaction + refresh ms)."""
    pairs = [await award(pool, redis, user_id) for user_id in students]
    return [p[0] for p in pairs], [p[1] for p in pairs]


async def awards(
    pool: AsyncConnectionPool, redis: Redis, rng: random.Random, users: int, calls: int
) -> dict[str, tuple[list[float], list[float]]]:
    """Each award case apart, after ten warm-up awards: `calls` students' first review of the
    day, then another review of each (a student already active today)."""
    await awards_of(pool, redis, [student(rng.randint(1, users)) for _ in range(10)])
    students = await idle_today(pool, rng, users, calls)
    first = await awards_of(pool, redis, students)
    return {"first of the day": first, "already active": await awards_of(pool, redis, students)}


def report(
    name: str,
    samples: list[float],
    target_ms: float | None = None,
    cpu_ms: tuple[float, float] | None = None,
) -> None:
    """One line: count, p50, p95, max, CPU per call, and the verdict against a p95 target."""
    p50, p95 = p50_p95(samples)
    verdict = ""
    if target_ms is not None:
        verdict = f" (target p95 <= {target_ms:g} ms: {'met' if p95 <= target_ms else 'NOT met'})"
    cpu = ""
    if cpu_ms is not None:
        cpu = f"  cpu {sum(cpu_ms):6.2f} ms ({cpu_ms[0]:.2f} here, {cpu_ms[1]:.2f} pg)"
    print(
        f"  {name:<40} n={len(samples):<4} p50 {p50:8.2f} ms  p95 {p95:8.2f} ms"
        f"  max {max(samples):8.2f} ms{cpu}{verdict}"
    )


# -- the concurrent awarders: a process of their own, so their Python work does not queue on
# the timing process's event loop (they share the machine's cores, as other requests would).


def awarders_main(
    urls: tuple[str, str], tasks: int, users: int, rate: float, stop: StopFlag, out: Any
) -> None:
    """Award reviews of random students on `tasks` connections until `stop` is set: `rate`
    awards a second in all (Poisson arrivals, open loop), or flat out when it is 0."""
    asyncio.run(_award_until(urls, tasks, users, rate, stop, out))


async def _award_until(
    urls: tuple[str, str], tasks: int, users: int, rate: float, stop: StopFlag, out: Any
) -> None:
    settings = Settings(database_url=urls[0], redis_url=urls[1])
    async with opened(settings, migrate=False, pool_size=tasks + 1, redis=True) as res:
        out.put("ready")

        async def loop(seed: int) -> list[float]:
            rng, samples = random.Random(seed), []
            due = time.perf_counter()
            while not stop.is_set():
                if rate:  # each task carries 1/tasks of the arrivals; a late one goes at once
                    due += rng.expovariate(rate / tasks)
                    await asyncio.sleep(max(0.0, due - time.perf_counter()))
                samples.append(
                    (await award(res.pool, res.redis, student(rng.randint(1, users))))[1]
                )
            return samples

        started = time.perf_counter()
        results = await asyncio.gather(*(loop(1000 + i) for i in range(tasks)))
        out.put((time.perf_counter() - started, [s for part in results for s in part]))


async def under_awards(
    args: argparse.Namespace,
    urls: tuple[str, str],
    pool: AsyncConnectionPool,
    redis: Redis,
    rate: float,
) -> None:
    """The reads and the rebuilds again, while `args.awarders` connections award `rate` a
    second (flat out when 0)."""
    context = multiprocessing.get_context("spawn")
    stop, out = context.Event(), context.Queue()
    process = context.Process(
        target=awarders_main, args=(urls, args.awarders, args.users, rate, stop, out)
    )
    process.start()
    try:
        out.get(timeout=120)
        await asyncio.sleep(2)  # the awarders under way
        rng = random.Random(args.seed + 1)
        print_load("under awards, before timing")
        warm = {p: await warm_reads(pool, redis, rng, args.users, args.calls, p) for p in PAIR}
        mine = await awards(pool, redis, rng, args.users, args.calls // 2)
        cold = {p: await cold_reads(pool, redis, rng, args.users, args.rebuilds, p) for p in PAIR}
        last_week = await full_week_rebuilds(pool, redis, args.rebuilds)
        print_load("under awards, after timing")
    finally:
        stop.set()
    seconds, samples = out.get(timeout=120)
    process.join()
    pace = f"asked {rate:.0f}/s" if rate else "flat out"
    print(
        f"under {args.awarders} concurrent awarders, {pace} "
        f"({len(samples) / seconds:.0f} awards/s done):"
    )
    report("their awards (transaction + refresh)", samples)
    for case, (in_transaction, whole) in mine.items():
        report(f"award, {case} (this process)", in_transaction, 10)
        report(f"award + refresh, {case}", whole, 10)
    report("warm read, week (top 50 + around 5)", warm["week"], 5)
    report("warm read, all time", warm["all"], 5)
    report("cold rebuild + read, week", cold["week"], 2000)
    report("cold rebuild + read, all time", cold["all"])
    report("cold rebuild, last week + earners since", last_week)


class CpuClock:
    """CPU seconds of this process and of the PostgreSQL server's live processes: per call,
    about the latency the same work would have on an idle machine (Redis not counted)."""

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata

    def now(self) -> tuple[float, float]:
        return time.process_time(), postgres_cpu_s(self.pgdata)


async def quiet(
    args: argparse.Namespace, pgdata: Path, pool: AsyncConnectionPool, redis: Redis
) -> None:
    """Every figure with nothing else running here (other work on the machine is not ours to
    stop: the load average and the CPU per call tell how much it weighed)."""
    rng, clock = random.Random(args.seed), CpuClock(pgdata)
    results: list[tuple[str, list[float], float | None, tuple[float, float]]] = []

    async def measured(name: str, target: float | None, calls: int, run: Awaitable[Any]) -> Any:
        client, server = clock.now()
        found = await run
        client_after, server_after = clock.now()
        cpu = ((client_after - client) * 1000 / calls, (server_after - server) * 1000 / calls)
        results.append(
            (
                name,
                found[0] if isinstance(found, tuple) else found,
                target,
                cpu,
            )
        )
        return found

    print_load("before timing")
    tries = args.rebuilds
    await measured(
        "cold rebuild + read, week",
        2000,
        tries,
        cold_reads(pool, redis, rng, args.users, tries, "week"),
    )
    await measured(
        "cold rebuild + read, all time",
        None,
        tries,
        cold_reads(pool, redis, rng, args.users, tries, "all"),
    )
    await measured(
        "cold rebuild, last week + earners since",
        None,
        tries,
        full_week_rebuilds(pool, redis, tries),
    )
    await build_boards(pool, redis)
    calls = args.calls
    await measured(
        "warm read, week (top 50 + around 5)",
        5,
        calls + 10,
        warm_reads(pool, redis, rng, args.users, calls, "week"),
    )
    await measured(
        "warm read, all time", 5, calls + 10, warm_reads(pool, redis, rng, args.users, calls, "all")
    )
    # Each award case apart: students' first review of the day, then another of theirs.
    await awards_of(pool, redis, [student(rng.randint(1, args.users)) for _ in range(10)])
    students = await idle_today(pool, rng, args.users, calls)
    for case in ("first of the day", "already active"):
        found = await measured(
            f"award, {case}", 10, len(students), awards_of(pool, redis, students)
        )
        results.append((f"award + refresh, {case}", found[1], 10, results[-1][3]))
    print_load("after timing")
    print("alone (one connection, each call committed like a request; cpu: this process and")
    print("PostgreSQL per call, an award's with its refresh):")
    for name, samples, target, cpu_ms in results:
        report(name, samples, target, cpu_ms)


async def describe(conn: AsyncConnection, cold: bool) -> None:
    """What is measured on what: commit, CPU, sizes, the week's board."""
    if not cold:
        await prewarm(conn)
    print(f"source: {source_state()}")
    print(f"CPU: {cpu_summary()}")
    for table in ("users", "game_profiles", "xp_events", "study_days", "currency_events"):
        cur = await conn.execute(RELTUPLES, (table,))
        row = await cur.fetchone()
        print(f"  {table:<16} ~{row[0] if row else 0:,} rows")
    week = window("week", datetime.now(UTC), ZONE)
    cur = await conn.execute(
        "SELECT count(*), count(DISTINCT user_id) FROM xp_events WHERE awarded_at >= %s",
        (week.start,),
    )
    row = await cur.fetchone()
    if row:
        print(f"  this week ({week.key}): {row[0]:,} ledger rows, {row[1]:,} students")
    await conn.commit()


async def run(args: argparse.Namespace) -> None:
    bench_dir = args.bench_dir or Path(f"/tmp/bench-data/gamification-{args.users}-{args.rows}")
    with services(Settings(data_dir=bench_dir)) as settings:
        await migrate_database(settings)
        url = database_url(settings)
        async with await AsyncConnection.connect(url, autocommit=True) as conn:
            started = time.perf_counter()
            await generate(conn, url, args.users, args.rows)
            print(f"data set ready in {time.perf_counter() - started:.0f} s")
            await describe(conn, args.cold)
        async with opened(settings, migrate=False, pool_size=4, redis=True) as res:
            await quiet(args, bench_dir / "pgdata", res.pool, res.redis)
            if args.awarders:
                urls = (url, redis_url(settings))
                for rate in args.award_rates:
                    await under_awards(args, urls, res.pool, res.redis, rate)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=USERS, help="students")
    parser.add_argument("--rows", type=int, default=ROWS, help="ledger rows (xp_events)")
    parser.add_argument("--quick", action="store_true", help="2,000 students, 200,000 rows")
    parser.add_argument("--calls", type=int, default=400, help="timed calls per operation")
    parser.add_argument("--rebuilds", type=int, default=5, help="cold rebuilds per board")
    parser.add_argument("--awarders", type=int, default=4, help="concurrent award connections")
    parser.add_argument(
        "--award-rates",
        type=lambda text: [float(part) for part in text.split(",")],
        default=[100.0, 0.0],
        help="the awarders' rates a second, one run under each (0: flat out); default 100,0",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cold", action="store_true", help="skip warming the OS page cache")
    parser.add_argument(
        "--bench-dir",
        type=Path,
        help="TUTOR_DATA_DIR (default /tmp/bench-data/gamification-USERS-ROWS)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.users, args.rows, args.calls, args.rebuilds = 2_000, 200_000, 100, 3
    return args


if __name__ == "__main__":
    asyncio.run(run(parse_args()))
