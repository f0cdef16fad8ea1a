"""A class at scale: the gradebook, an assignment's item analysis, and publishing to every
student, on a class of 300 students with 40 assignments of 20 questions and all their
submissions.

The data is generated in SQL on the benchmark's own embedded PostgreSQL (data dir
`/tmp/bench-data/classes-STUDENTS-ASSIGNMENTS-ITEMS`, reused by later runs of the same size):
a teacher, the students in the class, a practice set of the same size as an assignment (what
publishing copies), and the assignments, due one a day over the last 40 days, each of 4-option
multiple-choice questions. Every student submitted every assignment once and 30% of them twice;
each answer is right with a probability that depends on the student (their ability, spread
0.35-0.95) and the question (its difficulty), a chosen option to go with it, and 1% of them wait
for a teacher's grade.

Timed, each call in its own transaction as a request is:
- the gradebook (`tutor.classes.gradebook.gradebook`) as the API sends it (its response model,
  serialised to JSON), and its CSV;
- an assignment's analysis (`tutor.classes.assignment_analysis.analyse`) for random assignments;
- publishing the practice set to the class (`tutor.classes.assignments.publish`): the questions
  copied, a task and a notification for each of the 300 students, committed.
Targets: gradebook and item analysis p95 200 ms, publishing 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

from psycopg import AsyncConnection

from api.routes.assignments import gradebook_json
from benchmarks.run_info import cpu_summary, print_load, source_state
from benchmarks.timing import p50_p95, timed
from tutor import outbox
from tutor.classes import assignment_analysis, assignments, gradebook
from tutor.resources import database_url, migrate_database
from tutor.runtime.services import services
from tutor.settings import Settings

TEACHER = UUID("00000000-0000-4000-8000-000000000001")
CLASS = UUID("00000000-0000-4000-8000-000000000002")
PRACTICE_SET = UUID("00000000-0000-4000-8000-000000000003")

PEOPLE_SQL = """
INSERT INTO users (id, email, password_hash, role, display_name)
VALUES (%(teacher)s, 'bench-teacher@example.com', 'x', 'teacher', 'Teacher');
INSERT INTO users (id, email, password_hash, role, display_name)
SELECT md5('s' || i)::uuid, 'bench-student-' || i || '@example.com', 'x', 'student',
       'Student ' || lpad(i::text, 3, '0')
FROM generate_series(1, %(students)s) i;
INSERT INTO classes (id, name, subject, join_code, created_by)
VALUES (%(class)s, 'Biology at scale', 'Biology', 'BENCHABC', %(teacher)s);
INSERT INTO class_teachers (class_id, user_id, role) VALUES (%(class)s, %(teacher)s, 'owner');
INSERT INTO class_members (class_id, user_id, joined_at)
SELECT %(class)s, md5('s' || i)::uuid, %(now)s - interval '60 days'
FROM generate_series(1, %(students)s) i;
INSERT INTO practice_sets (id, owner_id, topic, requested, prompt_name, prompt_version, model_id)
VALUES (%(set)s, %(teacher)s, 'cells', %(items)s, 'practice', 1, 'bench');
INSERT INTO practice_items (id, set_id, ordinal, kind, question, options, answer, explanation,
                            filename, quote)
SELECT gen_random_uuid(), %(set)s, q, 'multiple_choice', 'Question ' || q || '?',
       '["a", "b", "c", "d"]', 'a', 'Because.', 'notes.md', 'The notes say a.'
FROM generate_series(0, %(items)s - 1) q;
"""
ASSIGNMENTS_SQL = """
INSERT INTO assignments (id, class_id, title, source_set_id, opens_at, due_at, attempts_allowed,
                         published_by, published_at)
SELECT md5('a' || n)::uuid, %(class)s, 'Assignment ' || n, %(set)s,
       %(now)s - make_interval(days => %(assignments)s - n + 7),
       %(now)s - make_interval(days => %(assignments)s - n), 2, %(teacher)s,
       %(now)s - make_interval(days => %(assignments)s - n + 7)
FROM generate_series(1, %(assignments)s) n;
INSERT INTO assignment_items (id, assignment_id, ordinal, kind, question, options, answer,
                              explanation, filename, quote)
SELECT md5('i' || n || ':' || q)::uuid, md5('a' || n)::uuid, q, 'multiple_choice',
       'Question ' || q || '?', '["a", "b", "c", "d"]', 'a', 'Because.', 'notes.md', 'a'
FROM generate_series(1, %(assignments)s) n, generate_series(0, %(items)s - 1) q;
"""
# Every student submits every assignment once, 30% twice (the second a day later).
SUBMISSIONS_SQL = """
INSERT INTO assignment_submissions (id, assignment_id, student_id, attempt, submitted_at, late,
                                    questions)
SELECT md5('x' || n || ':' || i || ':' || k)::uuid, md5('a' || n)::uuid, md5('s' || i)::uuid, k,
       %(now)s - make_interval(days => %(assignments)s - n + 1, hours => k), false, %(items)s
FROM generate_series(1, %(assignments)s) n, generate_series(1, %(students)s) i,
     generate_series(1, 2) k
WHERE k = 1 OR (hashtext(n || ':' || i) & 1023) < 307;
"""
# Right with probability ability(student) x ease(question); a wrong answer picks b, c or d.
ANSWERS_SQL = """
INSERT INTO assignment_answers (submission_id, item_id, answer, verdict, correct)
SELECT s.id, t.id, CASE WHEN r.right THEN 'a' ELSE (ARRAY['b', 'c', 'd'])[1 + r.pick] END,
       CASE WHEN r.waits THEN 'uncertain' WHEN r.right THEN 'correct' ELSE 'incorrect' END,
       CASE WHEN r.waits THEN NULL ELSE r.right END
FROM assignment_submissions s
JOIN assignments a ON a.id = s.assignment_id
JOIN assignment_items t ON t.assignment_id = a.id
CROSS JOIN LATERAL (
    SELECT (hashtext(s.id::text || t.id::text) & 1023) / 1024.0
               < (0.35 + 0.6 * ((hashtext(s.student_id::text) & 1023) / 1024.0))
                 * (0.7 + 0.3 * ((hashtext(t.ordinal::text) & 1023) / 1024.0)) AS right,
           (hashtext(t.id::text || s.id::text) & 1023) %% 3 AS pick,
           (hashtext(s.id::text || t.ordinal::text) & 1023) < 10 AS waits
) r
WHERE a.class_id = %(class)s;
UPDATE assignment_submissions s SET correct = c.correct, waiting = c.waiting
FROM (SELECT submission_id, count(*) FILTER (WHERE correct) AS correct,
             count(*) FILTER (WHERE correct IS NULL) AS waiting
      FROM assignment_answers GROUP BY submission_id) c
WHERE s.id = c.submission_id;
"""


async def generate(conn: AsyncConnection, args: argparse.Namespace) -> None:
    """The data set, unless a previous run made it."""
    cur = await conn.execute("SELECT count(*) FROM assignment_answers")
    row = await cur.fetchone()
    if row and row[0]:
        print("reusing the generated data set")
        return
    params = {
        "teacher": TEACHER,
        "class": CLASS,
        "set": PRACTICE_SET,
        "students": args.students,
        "assignments": args.assignments,
        "items": args.items,
        "now": datetime.now(UTC),
    }
    for name, statement in (
        ("people, class, practice set", PEOPLE_SQL),
        ("assignments and questions", ASSIGNMENTS_SQL),
        ("submissions", SUBMISSIONS_SQL),
        ("answers", ANSWERS_SQL),
    ):
        started = time.perf_counter()
        # One statement per execute: bound parameters allow no more.
        for part in filter(str.strip, statement.split(";")):
            await conn.execute(part, params)
        print(f"  {name}: {time.perf_counter() - started:.1f} s", flush=True)
    await conn.execute("VACUUM ANALYZE")


def report(name: str, samples: list[float], target_ms: float) -> None:
    p50, p95 = p50_p95(samples)
    verdict = "met" if p95 <= target_ms else "NOT met"
    print(
        f"  {name:<34} n={len(samples):<4} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms"
        f"  max {max(samples):8.1f} ms  (target p95 <= {target_ms:g} ms: {verdict})"
    )


async def run(args: argparse.Namespace) -> None:
    size = f"{args.students}-{args.assignments}-{args.items}"
    data_dir = args.bench_dir or Path(f"/tmp/bench-data/classes-{size}")
    with services(Settings(data_dir=data_dir)) as settings:
        await migrate_database(settings)
        url = database_url(settings)
        async with await AsyncConnection.connect(url, autocommit=True) as conn:
            await generate(conn, args)
            cur = await conn.execute(
                "SELECT (SELECT count(*) FROM assignment_submissions),"
                " (SELECT count(*) FROM assignment_answers)"
            )
            counts = await cur.fetchone() or (0, 0)
        print(f"source: {source_state()}")
        print(f"CPU: {cpu_summary()}")
        print(f"  {args.students} students, {args.assignments} assignments x {args.items} "
              f"questions, {counts[0]:,} submissions, {counts[1]:,} answers")  # fmt: skip
        async with await AsyncConnection.connect(url) as conn:
            await measure(conn, args)


async def measure(conn: AsyncConnection, args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    ids = [uuid.UUID(bytes=bytes.fromhex(_md5(f"a{n}"))) for n in range(1, args.assignments + 1)]

    async def book() -> object:
        found = await gradebook.gradebook(conn, TEACHER, CLASS, datetime.now(UTC))
        await conn.commit()
        return gradebook_json(found)

    async def book_csv() -> object:
        found = gradebook.as_csv(await gradebook.gradebook(conn, TEACHER, CLASS, datetime.now(UTC)))
        await conn.commit()
        return found

    async def analysis() -> object:
        found = await assignment_analysis.analyse(conn, TEACHER, rng.choice(ids))
        await conn.commit()
        return found

    async def publish() -> object:
        now = datetime.now(UTC)
        draft = assignments.Draft(PRACTICE_SET, "Bench", now, now + timedelta(days=7), 1)
        with outbox.collecting():
            made = await assignments.publish(conn, TEACHER, CLASS, draft)
            await conn.commit()
        return made

    print_load("before timing")
    results: dict[str, tuple[list[float], float]] = {
        "gradebook": (await timed(args.calls, book, warmup=3), 200),
        "gradebook as CSV": (await timed(args.calls, book_csv, warmup=3), 200),
        "item analysis": (await timed(args.calls, analysis, warmup=3), 200),
        "publish to every student": (await timed(args.publishes, publish, warmup=3), 1000),
    }
    print_load("after timing")
    for name, (samples, target) in results.items():
        report(name, samples, target)
    # Leave the data set as generated: the published benchmark assignments go again.
    await conn.execute("DELETE FROM assignments WHERE title = 'Bench'")
    await conn.commit()


def _md5(text: str) -> str:
    """The hex digest PostgreSQL's md5() gives: the generated ids are md5(...)::uuid."""
    return hashlib.md5(text.encode()).hexdigest()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--assignments", type=int, default=40)
    parser.add_argument("--items", type=int, default=20, help="questions per assignment")
    parser.add_argument("--calls", type=int, default=50, help="timed reads per operation")
    parser.add_argument("--publishes", type=int, default=10, help="timed publishes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--bench-dir", type=Path, help="TUTOR_DATA_DIR for the benchmark")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    main()
