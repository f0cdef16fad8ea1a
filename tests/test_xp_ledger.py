"""The XP ledger against the real database, property-tested: any sequence of learning-record
events, with retries and duplicates, leaves the ledger of the deduplicated sequence, and the
daily cap holds on every local day of the student's time zone."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import hypothesis
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from psycopg import AsyncConnection

from tutor.accounts import users
from tutor.gamification.rules import CAPPED_RULES, DAILY_XP_CAP
from tutor.resources import database_url
from tutor.settings import Settings
from tutor.study.record import record
from tutor.study.study_event import StudyEvent

ZONES = ["UTC", "Pacific/Auckland", "America/New_York", "Asia/Kolkata"]
START = datetime(2026, 3, 7, 12, tzinfo=UTC)  # New York springs forward on the 8th

kinds = st.sampled_from(["review", "practice_right", "practice_wrong", "task", "set"])
specs = st.lists(st.tuples(kinds, st.integers(min_value=0, max_value=72 * 60)), min_size=1,
                 max_size=60)  # fmt: skip


def event_of(user_id: UUID, index: int, kind: str, minute: int) -> StudyEvent:
    """The index-th event of a generated sequence, the same on every retry."""
    at = START + timedelta(minutes=minute, seconds=index)  # distinct instants, in order
    key = f"e{index}"
    if kind == "review":
        return StudyEvent(user_id, "review", key, at, 5, detail={"rating": 3})
    if kind in ("practice_right", "practice_wrong"):
        detail = {"correct": kind == "practice_right", "first_try": True, "set_id": key}
        return StudyEvent(user_id, "practice_answer", key, at, detail=detail)
    if kind == "set":
        done = {"correct": index % 5, "questions": 5}
        detail = {"correct": True, "first_try": True, "set_id": key, "set_done": done}
        return StudyEvent(user_id, "practice_answer", key, at, detail=detail)
    return StudyEvent(user_id, "task_done", key, at, detail={"due": True, "on_time": True})


async def new_student(conn: AsyncConnection, zone: str) -> UUID:
    user = await users.create_user(conn, f"{uuid4().hex}@example.com", "pw", "student")
    await conn.execute("UPDATE users SET timezone = %s WHERE id = %s", (zone, user.id))
    return user.id


LEDGER = """
SELECT rule, source_key, amount, day, flag FROM xp_events WHERE user_id = %s
ORDER BY rule, source_key
"""


async def ledger(conn: AsyncConnection, user_id: UUID) -> list[tuple[Any, ...]]:
    cur = await conn.execute(LEDGER, (user_id,))
    return list(await cur.fetchall())


async def replay(conn: AsyncConnection, events: list[StudyEvent]) -> None:
    for event in events:
        async with conn.transaction():
            await record(conn, event)


async def check(
    url: str, zone: str, sequence: list[tuple[str, int]], repeats: list[int]
) -> dict[Any, int]:
    async with await AsyncConnection.connect(url, autocommit=True) as conn:
        retried, clean = await new_student(conn, zone), await new_student(conn, zone)
        own = [event_of(retried, i, kind, minute) for i, (kind, minute) in enumerate(sequence)]
        with_retries = []
        for i, event in enumerate(own):
            with_retries.append(event)
            with_retries.extend([own[r] for r in repeats if r <= i][:2])  # retries of earlier ones
        await replay(conn, with_retries)
        await replay(
            conn, [event_of(clean, i, kind, minute) for i, (kind, minute) in enumerate(sequence)]
        )
        got, expected = await ledger(conn, retried), await ledger(conn, clean)
        assert got == expected
        per_day: dict[Any, int] = defaultdict(int)
        for rule, _, amount, day, _ in got:
            if rule in CAPPED_RULES:
                per_day[day] += amount
        assert all(total <= DAILY_XP_CAP for total in per_day.values()), per_day
        cur = await conn.execute(
            "SELECT awarded_at, day FROM xp_events WHERE user_id = %s", (retried,)
        )
        for awarded_at, day in await cur.fetchall():
            assert awarded_at.astimezone(ZoneInfo(zone)).date() == day
        cur = await conn.execute(
            "SELECT (SELECT xp FROM game_profiles WHERE user_id = %(u)s),"
            " (SELECT coalesce(sum(amount), 0) FROM xp_events WHERE user_id = %(u)s)",
            {"u": retried},
        )
        cached, summed = await cur.fetchone() or (None, None)
        assert (cached or 0) == summed
        return dict(per_day)


@hypothesis.settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(ZONES), specs, st.lists(st.integers(min_value=0, max_value=59), max_size=20))
def test_retries_and_duplicates_leave_the_ledger_of_the_deduplicated_sequence(
    settings: Settings, zone: str, sequence: list[tuple[str, int]], repeats: list[int]
) -> None:
    asyncio.run(check(database_url(settings), zone, sequence, repeats))


def test_the_daily_cap_holds_on_a_busy_day(settings: Settings) -> None:
    # 80 first-try right answers on one Auckland day: 800 XP earned, the cap paid.
    sequence = [("practice_right", 0)] * 80
    per_day = asyncio.run(check(database_url(settings), "Pacific/Auckland", sequence, [0, 1, 2]))
    assert list(per_day.values()) == [DAILY_XP_CAP]
