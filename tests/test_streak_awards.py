"""Streaks in gamification, on the real database: milestones and streak badges on a run of
study days, a held freeze covering a missed day, a streak lost when freezes are short, and
practice sets earning set XP and their badge once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from psycopg import AsyncConnection

from tutor.accounts import users
from tutor.gamification.rules import STREAK_MILESTONES, set_completed_xp
from tutor.resources import database_url
from tutor.settings import Settings
from tutor.study.record import record
from tutor.study.study_event import StudyEvent

NOON = datetime(2026, 6, 1, 12, tzinfo=UTC)


async def study_on(conn: AsyncConnection, user: UUID, day: int, kind: str = "review") -> None:
    """One review (or finished set) at noon of day `day` after NOON's."""
    at = NOON + timedelta(days=day)
    if kind == "review":
        event = StudyEvent(user, "review", str(uuid4()), at, 5, detail={"rating": 3})
    else:
        done = {"correct": 4, "questions": 5}
        detail = {"correct": True, "first_try": True, "set_id": str(uuid4()), "set_done": done}
        event = StudyEvent(user, "practice_answer", str(uuid4()), at, detail=detail)
    async with conn.transaction():
        await record(conn, event)


async def rows(conn: AsyncConnection, query: str, user: UUID) -> list[tuple[Any, ...]]:
    cur = await conn.execute(query, {"u": user})
    return list(await cur.fetchall())


NOTES = "SELECT type, data FROM notifications WHERE user_id = %(u)s ORDER BY seq"
MILESTONES = (
    "SELECT source_key, amount FROM xp_events WHERE user_id = %(u)s AND rule = 'streak_milestone'"
)
BADGES = "SELECT badge FROM user_badges WHERE user_id = %(u)s ORDER BY badge"
FROZEN = "SELECT day FROM streak_freeze_days WHERE user_id = %(u)s"
FREEZES = "SELECT streak_freezes FROM game_profiles WHERE user_id = %(u)s"


async def scenario(url: str) -> None:
    async with await AsyncConnection.connect(url, autocommit=True) as conn:
        user = (await users.create_user(conn, f"{uuid4().hex}@x.org", "pw", "student")).id
        for day in range(7):  # days 0..6: a 7-day streak
            await study_on(conn, user, day)
        assert await rows(conn, MILESTONES, user) == [("7:2026-06-01", STREAK_MILESTONES[7])]
        assert {"warming-up", "week-warrior"} <= {b for (b,) in await rows(conn, BADGES, user)}
        await study_on(conn, user, 6)  # a second review that day changes nothing
        assert len(await rows(conn, MILESTONES, user)) == 1

        await conn.execute(
            "UPDATE game_profiles SET streak_freezes = 1 WHERE user_id = %s", (user,)
        )
        await study_on(conn, user, 8)  # day 7 missed, covered by the freeze
        assert [d.isoformat() for (d,) in await rows(conn, FROZEN, user)] == ["2026-06-08"]
        assert await rows(conn, FREEZES, user) == [(0,)]
        notes = await rows(conn, NOTES, user)
        frozen = [data for kind, data in notes if kind == "streak.frozen"]
        assert frozen == [{"days": ["2026-06-08"], "freezes_left": 0}]
        assert notes[-1] == ("streak.extended", {"days": 9})

        await study_on(conn, user, 11)  # days 9 and 10 missed, no freeze: lost
        lost = [data for kind, data in await rows(conn, NOTES, user) if kind == "streak.lost"]
        assert lost == [{"days": 9}]

        await study_on(conn, user, 11, kind="set")
        sets = await rows(
            conn, "SELECT amount FROM xp_events WHERE user_id = %(u)s AND rule = 'set_completed'",
            user,
        )  # fmt: skip
        assert sets == [(set_completed_xp(4, 5),)]
        assert "first-set" in {b for (b,) in await rows(conn, BADGES, user)}
        cur = await conn.execute(
            "SELECT (SELECT xp FROM game_profiles WHERE user_id = %(u)s),"
            " (SELECT sum(amount) FROM xp_events WHERE user_id = %(u)s)",
            {"u": user},
        )
        cached, summed = await cur.fetchone() or (0, 0)
        assert cached == summed


def test_streak_milestones_freezes_losses_and_sets(settings: Settings) -> None:
    asyncio.run(scenario(database_url(settings)))
