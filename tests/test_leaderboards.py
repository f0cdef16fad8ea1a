"""Leaderboards on the real stack: PostgreSQL is the truth and Redis serves it. A board lost to
FLUSHALL is rebuilt with the same ranking, a period's ranking equals the ledger's in SQL, an
award moves a built board at once, and an opted-out student is on no board."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import hypothesis
import psycopg
import pytest
import redis
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from psycopg import AsyncConnection
from redis.asyncio import Redis as AsyncRedis

from tests.conftest import app_on_own_redis, register
from tests.test_flashcards_api import API, make_deck, make_note, review
from tests.test_xp_awards import user_id
from tutor.gamification import leaderboards
from tutor.gamification.periods import window
from tutor.resources import database_url
from tutor.runtime.local_redis import LocalRedis
from tutor.settings import Settings


def add_xp(settings: Settings, user: str, amount: int, at: datetime) -> None:
    """A ledger row as an award writes it, with its cached total."""
    with psycopg.connect(database_url(settings), autocommit=True) as conn:
        conn.execute(
            """INSERT INTO xp_events (user_id, rule, source_key, amount, day, awarded_at)
               VALUES (%(u)s, 'badge', %(k)s, %(a)s, %(at)s::date, %(at)s)""",
            {"u": user, "k": f"test-{uuid.uuid4()}", "a": amount, "at": at},
        )
        conn.execute(
            """INSERT INTO game_profiles (user_id, xp) VALUES (%(u)s, %(a)s)
               ON CONFLICT (user_id) DO UPDATE SET xp = game_profiles.xp + %(a)s""",
            {"u": user, "a": amount},
        )


def board(client: Any, headers: dict[str, str], period: str = "week") -> dict[str, Any]:
    response = client.get(f"{API}/leaderboards", params={"period": period}, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_flushed_board_is_rebuilt_with_the_same_ranking(settings, embedder, data_dir):
    with app_on_own_redis(settings, embedder, data_dir / "lb-flush") as (client, own_redis):
        students = [register(client) for _ in range(4)]
        now = datetime.now(UTC)
        for i, headers in enumerate(students):
            add_xp(settings, user_id(client, headers), 100 * (i + 1), now)
        before = {p: board(client, students[0], p) for p in ("day", "week", "month", "all")}
        assert before["week"]["my_xp"] == 100 and before["week"]["my_rank"] is not None
        redis.Redis.from_url(own_redis.url).flushall()
        after = {p: board(client, students[0], p) for p in ("day", "week", "month", "all")}
        assert after == before


def test_an_award_moves_a_built_board_without_a_rebuild(settings, embedder, data_dir):
    with app_on_own_redis(settings, embedder, data_dir / "lb-live") as (client, own_redis):
        headers = register(client)
        first = board(client, headers)
        assert first["my_xp"] == 0 and first["my_rank"] is None
        store = redis.Redis.from_url(own_redis.url)
        markers = sorted(store.keys("tutor:lb:global:*:built"))
        built_at = [store.get(marker) for marker in markers]
        card = make_note(client, headers, make_deck(client, headers)["id"])["cards"][0]
        assert review(client, headers, card["id"], 3).status_code == 200
        moved = board(client, headers)
        assert moved["my_xp"] == 2 and moved["my_rank"] is not None
        assert [store.get(marker) for marker in markers] == built_at  # not rebuilt
        assert any(entry["me"] for entry in moved["around"])


def my_names(seen: dict[str, Any]) -> set[str]:
    """The caller's name as the board lists it (the test database holds other students)."""
    return {entry["display_name"] for entry in seen["top"] + seen["around"] if entry["me"]}


def test_a_rename_shows_on_the_board_at_once(settings, embedder, data_dir):
    # Names are cached in Redis beside the boards: the rename must drop the cached one.
    with app_on_own_redis(settings, embedder, data_dir / "lb-rename") as (client, own_redis):
        headers = register(client)
        me = user_id(client, headers)
        add_xp(settings, me, 40, datetime.now(UTC))
        renamed = client.patch(f"{API}/me", json={"display_name": "Ada L."}, headers=headers)
        assert renamed.status_code == 200, renamed.text
        assert my_names(board(client, headers)) == {"Ada L."}
        assert redis.Redis.from_url(own_redis.url).hget(leaderboards.NAMES_KEY, me) == b"Ada L."
        renamed = client.patch(f"{API}/me", json={"display_name": "Grace H."}, headers=headers)
        assert renamed.status_code == 200, renamed.text
        assert my_names(board(client, headers)) == {"Grace H."}


def test_an_opted_out_student_is_on_no_board_but_sees_their_standing(settings, embedder, data_dir):
    with app_on_own_redis(settings, embedder, data_dir / "lb-opt") as (client, _):
        shy, other = register(client), register(client)
        now = datetime.now(UTC)
        add_xp(settings, user_id(client, shy), 10_000_000, now)  # would top any board
        add_xp(settings, user_id(client, other), 5, now)
        assert board(client, other)["top"][0]["xp"] == 10_000_000
        out = client.patch(f"{API}/gamification/me", json={"leaderboard_opt_out": True},
                           headers=shy)  # fmt: skip
        assert out.status_code == 200 and out.json()["leaderboard_opt_out"] is True
        seen = board(client, other)
        assert all(entry["xp"] != 10_000_000 for entry in seen["top"] + seen["around"])
        own = board(client, shy)
        assert own["opted_out"] and own["my_rank"] == 1 and own["my_xp"] == 10_000_000
        assert not any(entry["me"] for entry in own["top"] + own["around"])
        back = client.patch(f"{API}/gamification/me", json={"leaderboard_opt_out": False},
                            headers=shy)  # fmt: skip
        assert back.status_code == 200
        assert board(client, other)["top"][0]["xp"] == 10_000_000


@pytest.fixture
def board_redis(data_dir: Path) -> Iterator[LocalRedis]:
    """A Redis of the test's own, which it may flush."""
    server = LocalRedis(data_dir / "lb-sql")
    server.start()
    yield server
    server.stop()


SQL_RANKS = """
SELECT user_id::text, sum(amount) FROM xp_events e
WHERE awarded_at >= %(start)s AND awarded_at < %(end)s
  AND NOT EXISTS (SELECT 1 FROM game_profiles g
                  WHERE g.user_id = e.user_id AND g.leaderboard_opt_out)
GROUP BY user_id HAVING sum(amount) > 0
ORDER BY sum(amount) DESC, user_id::text DESC
"""
ZONES = ["UTC", "Pacific/Auckland", "America/New_York"]


async def ranks_match(settings: Settings, redis_url: str, zone_name: str, rows: list[Any]) -> None:
    zone, now = ZoneInfo(zone_name), datetime.now(UTC)
    async with (
        await AsyncConnection.connect(database_url(settings), autocommit=True) as conn,
        AsyncRedis.from_url(redis_url) as store,
    ):
        students = []
        for _ in range(4):
            cur = await conn.execute(
                "INSERT INTO users (id, email, password_hash, role) VALUES (%s, %s, 'x', 'student')"
                " RETURNING id",
                (uuid.uuid4(), f"{uuid.uuid4().hex}@example.com"),
            )
            students.append((await cur.fetchone())[0])  # type: ignore[index]
        for who, amount, hours_ago in rows:
            add_xp(settings, str(students[who]), amount, now - timedelta(hours=hours_ago))
        await store.flushall()
        for period in ("day", "week", "month"):
            span = window(period, now, zone)  # type: ignore[arg-type]
            cur = await conn.execute(SQL_RANKS, {"start": span.start, "end": span.end})
            order = [row[0] for row in await cur.fetchall()]
            for student in students:
                read = await leaderboards.read_board(
                    conn,
                    store,
                    student,
                    "global",
                    period,
                    zone,
                    now,  # type: ignore[arg-type]
                )
                expected = order.index(str(student)) + 1 if str(student) in order else None
                assert read.my_rank == expected, (period, student)


@hypothesis.settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(ZONES),
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=3),
            st.integers(min_value=1, max_value=50),
            st.integers(min_value=0, max_value=24 * 40),
        ),
        max_size=25,
    ),
)
def test_a_periods_ranking_equals_the_ledgers_in_sql(
    settings: Settings, board_redis: LocalRedis, zone: str, rows: list[Any]
) -> None:
    asyncio.run(ranks_match(settings, board_redis.url, zone, rows))
