"""Study-core latency at scale: the due queue, submitting a review, the progress dashboard.

The database is generated in SQL on the server (generate_series, so 10^7 rows load in minutes,
not hours) under its own data dir and reused by later runs:
- 10,000 students in four time zones, one deck each with the default daily limits;
- 200 cards per student (2,000,000 cards, each with its own basic note): 20% new, 5% in
  (re)learning, 75% in review with stabilities from 1 to 120 days and dues from 3 days ago to
  60 days ahead;
- 10,000,000 review logs over the last two years (about 6 per reviewed card), each with its
  `review` event in the learning record (another 10,000,000 rows), as the API writes them;
- one *heavy* student with two years of daily history on top: 60 reviews and a focus session a
  day (about 44,000 events), 12 documents their 200 cards are sourced from, and 2,000 practice
  answers on those documents.
Each operation runs through the same domain functions the API calls, on one pooled connection,
committed per call like a request: the due queue across decks for random students and for the
heavy one; a review of a due card (the review id is new each time); and the dashboard, for the
heavy student (the worst case: two years of history) and for random students.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

from psycopg import AsyncConnection

from benchmarks.run_info import cpu_summary, print_load, source_state
from tutor.resources import database_url, migrate_database
from tutor.runtime.services import services
from tutor.settings import Settings
from tutor.study import due_queue, scheduling
from tutor.study.progress import dashboard
from tutor.study.reviews import ReviewInput, submit_review

USERS, CARDS_PER_USER, REVIEW_LOGS = 10_000, 200, 10_000_000
HEAVY_EMAIL = "bench-study-heavy@example.com"

# Users, decks, notes and cards. Card i (0-based) belongs to user i / 200 + 1; i % 10 in {0, 1}
# is new, 2 is (re)learning, 3-9 in review.
GENERATE_CARDS = [
    """
INSERT INTO users (id, email, password_hash, role, timezone)
SELECT md5('u' || i)::uuid, 'bench-study-' || i || '@example.com', 'x', 'student',
       (ARRAY['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Tokyo'])[1 + i %% 4]
FROM generate_series(1, %(users)s) i
""",
    """
INSERT INTO decks (id, user_id, name)
SELECT md5('d' || i)::uuid, md5('u' || i)::uuid, 'Deck ' || i FROM generate_series(1, %(users)s) i
""",
    """
INSERT INTO card_notes (id, user_id, deck_id, kind, front, back, created_at)
SELECT md5('n' || i)::uuid, md5('u' || (i / %(per_user)s + 1))::uuid,
       md5('d' || (i / %(per_user)s + 1))::uuid, 'basic', 'Question ' || i, 'Answer ' || i,
       now() - interval '400 days' + (i %% %(per_user)s) * interval '1 hour'
FROM generate_series(0, %(cards)s - 1) i
""",
    """
INSERT INTO cards (id, note_id, user_id, deck_id, ordinal, state, step, stability, difficulty,
                   due_at, last_review_at, reps, lapses, created_at)
SELECT md5('c' || i)::uuid, md5('n' || i)::uuid, md5('u' || (i / %(per_user)s + 1))::uuid,
       md5('d' || (i / %(per_user)s + 1))::uuid, 0,
       CASE WHEN i %% 10 < 2 THEN 'new' WHEN i %% 10 = 2 THEN 'learning' ELSE 'review' END,
       CASE WHEN i %% 10 = 2 THEN 0 END,
       CASE WHEN i %% 10 >= 2 THEN 1 + (hashint4(i) & 1023) / 8.6 END,
       CASE WHEN i %% 10 >= 2 THEN 1 + (hashint4(i + 7) & 1023) / 114.0 END,
       CASE WHEN i %% 10 < 2 THEN now() - interval '400 days'
            WHEN i %% 10 = 2
                THEN now() - interval '1 hour' + (hashint4(i) & 255) * interval '1 minute'
            ELSE now() - interval '3 days' + (hashint4(i) & 4095) * interval '22 minutes' END,
       CASE WHEN i %% 10 >= 2 THEN now() - (hashint4(i + 3) & 1023) * interval '1 hour' END,
       CASE WHEN i %% 10 >= 2 THEN 6 ELSE 0 END, 0,
       now() - interval '400 days' + (i %% %(per_user)s) * interval '1 hour'
FROM generate_series(0, %(cards)s - 1) i
""",
]

# Review logs (in slices, so progress shows): log j reviews the (j mod 1.6M)-th reviewed card,
# in round j / 1.6M, spread over the last two years.
GENERATE_LOGS = """
WITH logs AS (
    INSERT INTO review_logs (id, card_id, user_id, rating, reviewed_at, duration_ms,
                             state_before, stability_before, difficulty_before, due_before,
                             state_after, stability_after, difficulty_after, due_after)
    SELECT md5('r' || j)::uuid, md5('c' || c)::uuid, md5('u' || (c / %(per_user)s + 1))::uuid,
           1 + (hashint4(j) & 3), t, 3000 + (hashint4(j + 1) & 16383), 'review', 5, 5, t,
           'review', 6, 5, t + interval '6 days'
    FROM generate_series(%(first)s, %(last)s) j,
         LATERAL (SELECT ((j %% %(reviewed)s) / 8) * 10 + (j %% %(reviewed)s) %% 8 + 2 AS c) card,
         LATERAL (SELECT now() - interval '730 days'
                         + (j / %(reviewed)s) * interval '104 days'
                         + (hashint4(j + 2) & 65535) * interval '2 minutes' AS t) stamp
    RETURNING id, user_id, rating, reviewed_at, duration_ms
)
INSERT INTO study_events (user_id, kind, source_key, occurred_at, duration_s, detail)
SELECT user_id, 'review', id::text, reviewed_at, duration_ms / 1000,
       jsonb_build_object('rating', rating, 'passed', rating > 1)
FROM logs
"""

HEAVY = [
    """
INSERT INTO users (id, email, password_hash, role, timezone)
VALUES (%(user)s, %(email)s, 'x', 'student', 'Europe/Paris')
""",
    """
INSERT INTO documents (id, owner_id, filename, sha256, size_bytes, status)
SELECT md5(%(email)s || 'doc' || k)::uuid, %(user)s, 'notes-' || k || '.pdf',
       md5(%(email)s || 'doc' || k), 1000, 'ready'
FROM generate_series(1, 12) k
""",
    "INSERT INTO decks (id, user_id, name) VALUES (md5(%(email)s)::uuid, %(user)s, 'Heavy deck')",
    """
INSERT INTO card_notes (id, user_id, deck_id, kind, front, back, document_id)
SELECT md5(%(email)s || 'n' || i)::uuid, %(user)s, md5(%(email)s)::uuid, 'basic', 'Q' || i,
       'A' || i, md5(%(email)s || 'doc' || (1 + i %% 12))::uuid
FROM generate_series(0, 199) i
""",
    """
INSERT INTO cards (id, note_id, user_id, deck_id, ordinal, state, stability, difficulty, due_at,
                   last_review_at, reps)
SELECT md5(%(email)s || 'c' || i)::uuid, md5(%(email)s || 'n' || i)::uuid, %(user)s,
       md5(%(email)s)::uuid, 0, 'review', 2 + i %% 90, 5,
       now() - interval '1 day' + i * interval '1 hour',
       now() - (i %% 20) * interval '1 day', 10
FROM generate_series(0, 199) i
""",
    """
INSERT INTO study_events (user_id, kind, source_key, occurred_at, duration_s)
SELECT %(user)s, 'review', 'heavy-' || d || '-' || k,
       now() - d * interval '1 day' + k * interval '20 seconds', 12
FROM generate_series(1, 730) d, generate_series(1, 60) k
""",
    """
INSERT INTO study_events (user_id, kind, source_key, occurred_at, duration_s)
SELECT %(user)s, 'focus_session', 'heavy-focus-' || d,
       now() - d * interval '1 day' + interval '30 minutes', 1500
FROM generate_series(1, 730) d
""",
    """
INSERT INTO practice_sets (id, owner_id, topic, requested, prompt_name, prompt_version, model_id)
VALUES (md5(%(email)s || 'set')::uuid, %(user)s, 'bench', 2000, 'practice', 2, 'bench')
""",
    """
INSERT INTO practice_items (id, set_id, ordinal, kind, question, answer, explanation,
                            document_id, filename, quote)
SELECT md5(%(email)s || 'item' || i)::uuid, md5(%(email)s || 'set')::uuid, i, 'short_answer',
       'q', 'a', 'e', md5(%(email)s || 'doc' || (1 + i %% 12))::uuid, 'f', 'q'
FROM generate_series(0, 1999) i
""",
    """
INSERT INTO practice_attempts (id, user_id, set_id, item_id, document_id, answer, verdict,
                               correct, answered_at, first_try)
SELECT md5(%(email)s || 'att' || i)::uuid, %(user)s, md5(%(email)s || 'set')::uuid,
       md5(%(email)s || 'item' || i)::uuid, md5(%(email)s || 'doc' || (1 + i %% 12))::uuid, 'x',
       CASE WHEN i %% 3 = 0 THEN 'incorrect' ELSE 'correct' END, i %% 3 <> 0,
       now() - (i %% 730) * interval '1 day', true
FROM generate_series(0, 1999) i
""",
]


# The per-day rollup the API keeps as it records events, built in one pass for the generated rows.
ROLLUP = """
INSERT INTO study_days (user_id, day, events, seconds)
SELECT user_id, day, events,
       coalesce((SELECT extract(epoch FROM sum(upper(r) - lower(r))) FROM unnest(covered) r),
                0)::int
FROM (SELECT e.user_id, (e.occurred_at AT TIME ZONE u.timezone)::date AS day,
             count(*) FILTER (WHERE e.kind <> 'tutor_question') AS events,
             range_agg(tstzrange(e.occurred_at - make_interval(secs => coalesce(e.duration_s, 0)),
                                 e.occurred_at, '[]')) AS covered
      FROM study_events e JOIN users u ON u.id = e.user_id
      WHERE u.email LIKE 'bench-study-%%'
      GROUP BY 1, 2) d
"""


async def generate(conn: AsyncConnection, users: int, logs: int) -> None:
    """The whole data set, if it is not there yet."""
    cur = await conn.execute("SELECT count(*) FROM users WHERE email LIKE 'bench-study-%%'")
    row = await cur.fetchone()
    if row and row[0] >= users + 1:
        print("reusing the generated data set")
        return
    params = {"users": users, "per_user": CARDS_PER_USER, "cards": users * CARDS_PER_USER}
    for step, sql in enumerate(GENERATE_CARDS, 1):
        started = time.perf_counter()
        await conn.execute(sql, params)
        print(
            f"  cards step {step}/{len(GENERATE_CARDS)}: {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    reviewed = users * CARDS_PER_USER * 8 // 10
    step = min(logs, 1_000_000)
    for first in range(0, logs, step):
        started = time.perf_counter()
        slice_ = {**params, "first": first, "last": first + step - 1, "reviewed": reviewed}
        await conn.execute(GENERATE_LOGS, slice_)
        print(f"  logs {first + step:,}: {time.perf_counter() - started:.0f} s", flush=True)
    heavy = {"user": uuid.UUID(_md5(HEAVY_EMAIL)), "email": HEAVY_EMAIL}
    for sql in HEAVY:
        await conn.execute(sql, heavy)
    started = time.perf_counter()
    await conn.execute(ROLLUP)
    print(f"  per-day rollup: {time.perf_counter() - started:.0f} s", flush=True)
    # What autovacuum would have done by the time such a database is read: the visibility map
    # makes the index-only scans index-only.
    await conn.execute("VACUUM ANALYZE")


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def user_id(i: int) -> UUID:
    return UUID(_md5(f"u{i}"))


RELTUPLES = "SELECT reltuples::bigint FROM pg_class WHERE relname = %s"

# What the three operations read and write (a review inserts into every index of the log and the
# record): loaded into the operating system's page cache first, as a server that has been
# answering for a while holds them (about 6 GB of the 10 GB generated; the machine has 23 GB).
# `--cold` skips it and measures first touches from disk instead.
HOT_RELATIONS = [
    "cards",
    "card_notes",
    "decks",
    "users",
    "study_days",
    "cards_pkey",
    "card_notes_pkey",
    "cards_deck_learning_idx",
    "cards_deck_review_idx",
    "cards_deck_new_idx",
    "cards_user_due_idx",
    "review_logs_user_time_idx",
    "review_logs_card_time_idx",
    "review_logs_pkey",
    "study_events_user_id_kind_source_key_key",
    "study_events_user_time_idx",
    "study_events_pkey",
    "study_days_pkey",
]
PREWARM = "SELECT pg_prewarm(%s::regclass, 'read')"


async def prewarm(conn: AsyncConnection) -> None:
    """Read the hot relations once (pg_prewarm's 'read' mode: into the OS cache)."""
    started = time.perf_counter()
    await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
    for relation in HOT_RELATIONS:
        await conn.execute(PREWARM, (relation,))
    await conn.commit()
    print(f"prewarmed {len(HOT_RELATIONS)} relations in {time.perf_counter() - started:.0f} s")


Call = Callable[[AsyncConnection], Awaitable[object]]


async def timed(conn: AsyncConnection, calls: Sequence[Call]) -> list[float]:
    """Milliseconds of each call, committed like a request, after a warm-up of ten."""
    for call in calls[:10]:
        await call(conn)
        await conn.commit()
    samples = []
    for call in calls[10:]:
        started = time.perf_counter()
        await call(conn)
        await conn.commit()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def queue_call(owner: UUID) -> Call:
    async def call(conn: AsyncConnection) -> object:
        reviewer = await scheduling.reviewer(conn, owner, fuzz=True)
        window = due_queue.window_at(datetime.now(UTC), reviewer.zone)
        return await due_queue.due_queue(conn, owner, None, window, 20)

    return call


def review_call(owner: UUID) -> Call:
    async def call(conn: AsyncConnection) -> object:
        reviewer = await scheduling.reviewer(conn, owner, fuzz=True)
        window = due_queue.window_at(datetime.now(UTC), reviewer.zone)
        queue = await due_queue.due_queue(conn, owner, None, window, 1)
        if not queue:
            return None
        review = ReviewInput(uuid.uuid4(), queue[0].id, random.choice((1, 3, 3, 3, 4)), 8000)
        return await submit_review(conn, owner, review, reviewer)

    return call


def dashboard_call(owner: UUID) -> Call:
    async def call(conn: AsyncConnection) -> object:
        return await dashboard(conn, owner, datetime.now(UTC))

    return call


def report(name: str, samples: list[float], target_ms: float | None = None) -> None:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    verdict = ""
    if target_ms is not None:
        verdict = f" (target p95 <= {target_ms:g} ms: {'met' if p95 <= target_ms else 'NOT met'})"
    print(f"  {name:<44} n={len(ordered):<5} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms{verdict}")


async def measure(url: str, users: int, calls: int, seed: int, cold: bool) -> None:
    rng = random.Random(seed)
    heavy = UUID(_md5(HEAVY_EMAIL))
    async with await AsyncConnection.connect(url) as conn:
        if not cold:
            await prewarm(conn)
        print(f"source: {source_state()}")
        print(f"CPU: {cpu_summary()}")
        for table in ("users", "cards", "review_logs", "study_events"):
            cur = await conn.execute(RELTUPLES, (table,))
            row = await cur.fetchone()
            print(f"  {table:<14} ~{row[0] if row else 0:,} rows")
        await conn.commit()
        print_load("before timing")
        random_users = [user_id(rng.randint(1, users)) for _ in range(calls + 10)]
        queue = await timed(conn, [queue_call(u) for u in random_users])
        heavy_queue = await timed(conn, [queue_call(heavy)] * (calls // 2 + 10))
        review = await timed(conn, [review_call(u) for u in random_users])
        board_heavy = await timed(conn, [dashboard_call(heavy)] * (calls // 2 + 10))
        board = await timed(conn, [dashboard_call(u) for u in random_users])
        print_load("after timing")
    cache = "cold: first touches read from disk" if cold else "hot relations in the OS cache"
    print(f"latency, one connection, each call committed ({cache}):")
    report("due queue (20 cards, all decks), random user", queue, 10)
    report("due queue, heavy user", heavy_queue, 10)
    report("submit review (queue head), random user", review, 20)
    report("progress dashboard, heavy user (2 years)", board_heavy, 50)
    report("progress dashboard, random user", board, 50)


async def run(args: argparse.Namespace) -> None:
    with services(Settings(data_dir=args.bench_dir)) as settings:
        await migrate_database(settings)
        url = database_url(settings)
        async with await AsyncConnection.connect(url, autocommit=True) as conn:
            started = time.perf_counter()
            await generate(conn, args.users, args.logs)
            print(f"data set ready in {time.perf_counter() - started:.0f} s")
        await measure(url, args.users, args.calls, args.seed, args.cold)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=400, help="timed calls per operation")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--users", type=int, default=USERS, help="students (200 cards each)")
    parser.add_argument("--logs", type=int, default=REVIEW_LOGS, help="review logs")
    parser.add_argument("--cold", action="store_true", help="skip warming the OS page cache")
    parser.add_argument(
        "--bench-dir",
        type=Path,
        default=Path("/tmp/bench-data/study"),
        help="TUTOR_DATA_DIR for the embedded Postgres and Redis",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(run(parse_args()))
