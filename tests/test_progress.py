"""Profile settings, the focus timer and the progress dashboard, on the real stack."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from fsrs import Card, Scheduler, State
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import register
from tutor.accounts import users
from tutor.study import focus
from tutor.study.mastery import PRACTICE_HALF_LIFE_DAYS, mastery_by_document
from tutor.study.profile import update_profile
from tutor.study.progress import dashboard
from tutor.study.record import StudyEvent, record
from tutor.study.study_days import study_days

NEW_YORK = ZoneInfo("America/New_York")


def me(client, headers) -> dict[str, Any]:
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_sign_up_takes_the_browsers_zone_and_falls_back_to_utc(client):
    email = f"tz-{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "password": "long enough pw", "timezone": "Asia/Tokyo"}
    created = client.post("/api/v1/auth/register", json=body).json()
    assert (created["timezone"], created["daily_goal_minutes"]) == ("Asia/Tokyo", 20)
    assert created["desired_retention"] == 0.9
    odd = {"email": "o" + email, "password": "long enough pw", "timezone": "Mars/Olympus"}
    assert client.post("/api/v1/auth/register", json=odd).json()["timezone"] == "UTC"


def test_profile_settings_are_validated_and_kept(client):
    headers = register(client)
    changed = client.patch(
        "/api/v1/me",
        headers=headers,
        json={"timezone": "Europe/Paris", "daily_goal_minutes": 45, "desired_retention": 0.85},
    )
    assert changed.status_code == 200, changed.text
    assert me(client, headers)["timezone"] == "Europe/Paris"
    assert (
        me(client, headers)["daily_goal_minutes"],
        me(client, headers)["desired_retention"],
    ) == (
        45,
        0.85,
    )
    bad_zone = client.patch("/api/v1/me", headers=headers, json={"timezone": "Europe/Atlantis"})
    assert bad_zone.status_code == 422 and bad_zone.json()["error"]["code"] == "invalid_timezone"
    for field, value in (("desired_retention", 0.99), ("daily_goal_minutes", 0)):
        refused = client.patch("/api/v1/me", headers=headers, json={field: value})
        assert refused.status_code == 422, (field, refused.text)
    renamed = client.patch("/api/v1/me", headers=headers, json={"display_name": "Ada"}).json()
    assert (renamed["display_name"], renamed["timezone"]) == ("Ada", "Europe/Paris")


def test_focus_timer_through_the_api(client):
    headers = register(client)
    assert client.get("/api/v1/focus-sessions/current", headers=headers).status_code == 204
    assert client.post("/api/v1/focus-sessions/current/stop", headers=headers).status_code == 404
    started = client.post("/api/v1/focus-sessions", headers=headers)
    assert started.status_code == 201
    again = client.post("/api/v1/focus-sessions", headers=headers).json()
    assert again["id"] == started.json()["id"], "a double click starts one timer"
    beat = client.post("/api/v1/focus-sessions/current/heartbeat", headers=headers)
    assert beat.status_code == 200 and beat.json()["ended_at"] is None
    other = register(client)
    assert client.post("/api/v1/focus-sessions/current/stop", headers=other).status_code == 404
    stopped = client.post("/api/v1/focus-sessions/current/stop", headers=headers).json()
    assert stopped["ended_at"] is not None and stopped["counted_s"] >= 0
    assert client.get("/api/v1/focus-sessions/current", headers=headers).status_code == 204


stamps = st.integers(min_value=0, max_value=10 * 3600)


@given(stamps, stamps, stamps)
def test_a_timer_counts_only_while_heartbeats_arrive(seen, stop, start):
    t0 = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=start)
    last_seen, stopped = t0 + timedelta(seconds=seen), t0 + timedelta(seconds=stop)
    counted = focus.counted_seconds(t0, last_seen, stopped)
    assert 0 <= counted <= focus.MAX_SESSION.total_seconds()
    assert counted <= stop
    assert counted <= seen + focus.IDLE_GRACE.total_seconds()


async def _new_user(conn: psycopg.AsyncConnection, tz: str) -> uuid.UUID:
    user = await users.create_user(
        conn, f"p-{uuid.uuid4().hex}@example.com", "pw12345678", "student"
    )
    await conn.execute("UPDATE users SET timezone = %s WHERE id = %s", (tz, user.id))
    return user.id


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NEW_YORK)


def test_a_forgotten_timer_counts_until_its_last_heartbeat(settings):
    async def scenario() -> tuple[focus.FocusSession, list[Any]]:
        async with await psycopg.AsyncConnection.connect(settings.database_url) as conn:
            user_id = await _new_user(conn, "UTC")
            t0 = datetime(2026, 5, 4, 9, tzinfo=UTC)
            await focus.start_session(conn, user_id, t0)
            await focus.heartbeat(conn, user_id, t0 + timedelta(minutes=10))
            ended = await focus.stop_session(conn, user_id, t0 + timedelta(hours=3))
            cur = await conn.execute(
                "SELECT kind, duration_s FROM study_events WHERE user_id = %s", (user_id,)
            )
            return ended, await cur.fetchall()

    ended, events = asyncio.run(scenario())
    expected = int((timedelta(minutes=10) + focus.IDLE_GRACE).total_seconds())
    assert ended.counted_s == expected
    assert events == [("focus_session", expected)]


def test_dashboard_counts_local_days_and_merges_overlapping_time(settings):
    today = date(2026, 3, 9)  # the day after New York springs forward
    now = _at(today, 23, 50)

    async def scenario() -> Any:
        async with await psycopg.AsyncConnection.connect(settings.database_url) as conn:
            user_id, stranger = (
                await _new_user(conn, "America/New_York"),
                await _new_user(conn, "UTC"),
            )

            async def event(who, kind, at, seconds=None, key=None):
                key = key or uuid.uuid4().hex
                await record(conn, StudyEvent(who, kind, key, at.astimezone(UTC), seconds))

            # Studied 6, 7, 8 (DST night) and 9 March; 4 March is an older, shorter run.
            for back in (0, 1, 2, 3):
                await event(user_id, "review", _at(today - timedelta(days=back), 23, 30), 30)
            await event(user_id, "review", _at(today - timedelta(days=5), 8), 30)
            # Today: a 20-minute focus session with two reviews inside it, one review after.
            await event(user_id, "focus_session", _at(today, 10, 20), 20 * 60)
            await event(user_id, "review", _at(today, 10, 5), 60)
            await event(user_id, "review", _at(today, 10, 10), 60)
            await event(user_id, "review", _at(today, 11), 90, key="late")
            await event(user_id, "review", _at(today, 11), 90, key="late")  # a retry
            # A tutor question is recorded but makes no streak day.
            await event(user_id, "tutor_question", _at(today - timedelta(days=4), 12))
            await event(stranger, "review", _at(today - timedelta(days=4), 12), 3000)
            return await dashboard(conn, user_id, now.astimezone(UTC))

    board = asyncio.run(scenario())
    assert board.today == today
    assert (board.streak.current, board.streak.longest, board.streak.studied_today) == (4, 4, True)
    assert board.today_seconds == 30 + 20 * 60 + 90, "overlaps count once, a retry not at all"
    days = {d.day: d for d in board.days}
    assert today - timedelta(days=4) not in days or days[today - timedelta(days=4)].events == 0
    assert days[today].events == 5
    assert board.goal_met is True  # 22 minutes against the default 20


async def _document(conn: psycopg.AsyncConnection, owner: uuid.UUID, name: str) -> uuid.UUID:
    doc_id = uuid.uuid4()
    await conn.execute(
        "INSERT INTO documents (id, owner_id, filename, sha256, size_bytes, status)"
        " VALUES (%s, %s, %s, %s, 1, 'ready')",
        (doc_id, owner, name, uuid.uuid4().hex),
    )
    return doc_id


async def _card(conn, owner, deck, doc, stability, last_review) -> None:
    note = uuid.uuid4()
    await conn.execute(
        "INSERT INTO card_notes (id, user_id, deck_id, kind, front, back, document_id)"
        " VALUES (%s, %s, %s, 'basic', 'Q', 'A', %s)",
        (note, owner, deck, doc),
    )
    state = "new" if last_review is None else "review"
    await conn.execute(
        "INSERT INTO cards (id, note_id, user_id, deck_id, ordinal, state, stability,"
        " last_review_at) VALUES (%s, %s, %s, %s, 0, %s, %s, %s)",
        (uuid.uuid4(), note, owner, deck, state, stability, last_review),
    )


async def _answer(conn, owner, doc, correct, at) -> None:
    set_id, item_id = uuid.uuid4(), uuid.uuid4()
    await conn.execute(
        "INSERT INTO practice_sets (id, owner_id, topic, requested, prompt_name, prompt_version,"
        " model_id) VALUES (%s, %s, 't', 1, 'practice', 2, 'm')",
        (set_id, owner),
    )
    await conn.execute(
        "INSERT INTO practice_items (id, set_id, ordinal, kind, question, answer, explanation,"
        " document_id, filename, quote) VALUES (%s, %s, 0, 'short_answer', 'q', 'a', 'e', %s,"
        " 'f', 'q')",
        (item_id, set_id, doc),
    )
    await conn.execute(
        "INSERT INTO practice_attempts (id, user_id, set_id, item_id, document_id, answer,"
        " verdict, correct, answered_at, first_try) VALUES (%s, %s, %s, %s, %s, 'x', %s, %s, %s,"
        " true)",
        (
            uuid.uuid4(),
            owner,
            set_id,
            item_id,
            doc,
            "correct" if correct else "incorrect",
            correct,
            at,
        ),
    )


def test_mastery_combines_fsrs_recall_and_recent_practice(settings):
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    cards = [(7.3, now - timedelta(days=7, hours=5)), (30.0, now - timedelta(days=2)), (None, None)]

    async def scenario() -> Any:
        async with await psycopg.AsyncConnection.connect(settings.database_url) as conn:
            owner, other = await _new_user(conn, "UTC"), await _new_user(conn, "UTC")
            deck = uuid.uuid4()
            await conn.execute(
                "INSERT INTO decks (id, user_id, name) VALUES (%s, %s, 'd')", (deck, owner)
            )
            both, cards_only = (
                await _document(conn, owner, "a.pdf"),
                await _document(conn, owner, "b.pdf"),
            )
            await _document(conn, owner, "untouched.pdf")
            for stability, last in cards:
                await _card(conn, owner, deck, both, stability, last)
            await _card(conn, owner, deck, cards_only, 7.3, now - timedelta(days=7, hours=5))
            await _answer(conn, owner, both, True, now - timedelta(days=14))
            await _answer(conn, owner, both, False, now)
            await _answer(conn, other, both, True, now)  # someone else's answer: not counted
            return await mastery_by_document(conn, owner, now)

    rows = {row.filename: row for row in asyncio.run(scenario())}
    assert set(rows) == {"a.pdf", "b.pdf"}, "a document with no evidence has no mastery"
    scheduler = Scheduler()
    recalls = [
        scheduler.get_card_retrievability(Card(stability=s, last_review=t, state=State.Review), now)
        if s
        else 0.0
        for s, t in cards
    ]
    a = rows["a.pdf"]
    assert a.cards == 3 and a.answers == 2
    assert a.recall == pytest.approx(sum(recalls) / 3)
    half = 0.5 ** (14 / PRACTICE_HALF_LIFE_DAYS)
    assert a.practice_weight == pytest.approx(1 + half)
    assert a.practice_accuracy == pytest.approx(half / (1 + half))
    expected = (3 * a.recall + (1 + half) * a.practice_accuracy) / (3 + 1 + half)
    assert a.mastery == pytest.approx(expected)
    assert rows["b.pdf"].mastery == pytest.approx(recalls[0])


def test_the_daily_rollup_follows_a_new_time_zone_and_concurrent_writes(settings):
    # 22:00 UTC on 1 June is still 1 June in New York, already 2 June in Tokyo.
    at = datetime(2026, 6, 1, 22, tzinfo=UTC)

    async def scenario() -> tuple[list[Any], list[Any]]:
        url = settings.database_url
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as setup:
            owner = await _new_user(setup, "America/New_York")

        # Two requests record on the same day at once: both must be counted.
        async def write(key: str) -> None:
            async with await psycopg.AsyncConnection.connect(url) as conn:
                await record(conn, StudyEvent(owner, "review", key, at, 60))
                await asyncio.sleep(0.05)
                await conn.commit()

        await asyncio.gather(write("a"), write("b"))
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            before = await study_days(conn, owner)
            await update_profile(conn, owner, timezone="Asia/Tokyo")
            return before, await study_days(conn, owner)

    before, after = asyncio.run(scenario())
    assert [(d.day, d.events, d.seconds) for d in before] == [(date(2026, 6, 1), 2, 60)]
    assert [(d.day, d.events) for d in after] == [(date(2026, 6, 2), 2)]
