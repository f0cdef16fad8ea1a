"""Reviews against the real database: copies of one review racing on two connections write one
log row, different reviews of one card take turns, and the stored schedule is the package's."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from fsrs import Card, Rating, Scheduler
from psycopg import AsyncConnection

from tutor.accounts import users
from tutor.resources import database_url
from tutor.settings import Settings
from tutor.study import cards, decks, reviews, scheduling
from tutor.study.errors import ReviewIdReused
from tutor.study.reviews import ReviewInput

T = TypeVar("T")
Conns = tuple[AsyncConnection, AsyncConnection]


def on_two_connections(
    settings: Settings, test: Callable[[Conns, UUID, list[UUID]], Awaitable[T]]
) -> T:
    """Run `test` with two connections, a fresh user and two of their new cards."""

    async def run() -> T:
        url = database_url(settings)
        async with (
            await AsyncConnection.connect(url, autocommit=True) as setup,
            await AsyncConnection.connect(url) as first,
            await AsyncConnection.connect(url) as second,
        ):
            user = await users.create_user(setup, f"{uuid4().hex}@example.com", "pw", "student")
            deck = await decks.create_deck(setup, user.id, "Race", datetime.now(UTC))
            note = await cards.create_note(setup, user.id, deck.id, "reversed", "front", "back")
            made = await cards.cards_of_notes(setup, user.id, [note.id])
            return await test((first, second), user.id, [c.id for c in made])

    return asyncio.run(run())


def reviewer() -> scheduling.Reviewer:
    return scheduling.Reviewer(scheduling.make_scheduler(0.9, None, fuzz=False), ZoneInfo("UTC"))


async def submit(conn: AsyncConnection, user_id: UUID, review: ReviewInput, **kw: Any) -> Any:
    async with conn.transaction():
        return await reviews.submit_review(conn, user_id, review, reviewer(), **kw)


async def count(conn: AsyncConnection, query: str, **params: Any) -> int:
    cur = await conn.execute(query, params)
    row = await cur.fetchone()
    assert row is not None
    return int(row[0])


def test_concurrent_copies_of_one_review_write_one_row(settings):
    async def race(conns: Conns, user_id: UUID, card_ids: list[UUID]) -> None:
        review = ReviewInput(uuid4(), card_ids[0], 3, 1500)
        results = await asyncio.gather(*(submit(conn, user_id, review) for conn in conns))
        assert results[0] == results[1]
        logs = "SELECT count(*) FROM review_logs WHERE id = %(id)s"
        events = "SELECT count(*) FROM study_events WHERE source_key = %(key)s"
        assert await count(conns[0], logs, id=review.review_id) == 1
        assert await count(conns[0], events, key=str(review.review_id)) == 1
        card = await cards.get_card(conns[0], user_id, card_ids[0])
        assert card.reps == 1

    on_two_connections(settings, race)


def test_the_second_copy_waits_for_the_first_and_returns_its_result(settings):
    async def race(conns: Conns, user_id: UUID, card_ids: list[UUID]) -> None:
        review = ReviewInput(uuid4(), card_ids[0], 4)
        async with conns[0].transaction():
            first = await reviews.submit_review(conns[0], user_id, review, reviewer())
            waiting = asyncio.create_task(submit(conns[1], user_id, review))
            await asyncio.sleep(0.3)
            assert not waiting.done(), "the card row is locked until the first commits"
        assert await waiting == first

    on_two_connections(settings, race)


def test_one_id_racing_on_two_cards_is_a_conflict(settings):
    async def race(conns: Conns, user_id: UUID, card_ids: list[UUID]) -> None:
        review_id = uuid4()
        outcomes = await asyncio.gather(
            *(
                submit(conn, user_id, ReviewInput(review_id, card_id, 3))
                for conn, card_id in zip(conns, card_ids, strict=True)
            ),
            return_exceptions=True,
        )
        assert sorted(type(o).__name__ for o in outcomes) == ["Review", "ReviewIdReused"]
        reps = [(await cards.get_card(conns[0], user_id, c)).reps for c in card_ids]
        assert sorted(reps) == [0, 1], "the refused review changed nothing"

    on_two_connections(settings, race)


def test_two_reviews_of_one_card_take_turns(settings):
    async def race(conns: Conns, user_id: UUID, card_ids: list[UUID]) -> None:
        ids = [uuid4(), uuid4()]
        done = await asyncio.gather(
            *(
                submit(conn, user_id, ReviewInput(i, card_ids[0], 3))
                for conn, i in zip(conns, ids, strict=True)
            )
        )
        first, second = sorted(done, key=lambda r: r.reviewed_at)
        assert first.state_before == "new" and second.state_before == first.state_after
        assert (await cards.get_card(conns[0], user_id, card_ids[0])).reps == 2

    on_two_connections(settings, race)


RATINGS = [3, 3, 1, 2, 3, 4, 1, 3]


def test_stored_intervals_equal_the_packages_replay(settings):
    async def replay(conns: Conns, user_id: UUID, card_ids: list[UUID]) -> None:
        conn, package = conns[0], Scheduler(enable_fuzzing=False)
        card = await cards.get_card(conn, user_id, card_ids[0])
        theirs = Card(card_id=1, due=card.due_at.astimezone(UTC))
        for n, rating in enumerate(RATINGS):
            now = max(theirs.due, card.due_at).astimezone(UTC) + timedelta(hours=n)
            await submit(conn, user_id, ReviewInput(uuid4(), card.id, rating), now=now)
            theirs, _ = package.review_card(theirs, Rating(rating), now)
            card = await cards.get_card(conn, user_id, card.id)
            assert card.due_at == theirs.due and card.stability == theirs.stability
            assert card.difficulty == theirs.difficulty and card.step == theirs.step
        assert card.reps == len(RATINGS) and card.lapses == 2

    on_two_connections(settings, replay)


def test_a_reused_id_is_refused_even_after_commit(settings):
    async def reuse(conns: Conns, user_id: UUID, card_ids: list[UUID]) -> None:
        review = ReviewInput(uuid4(), card_ids[0], 3)
        await submit(conns[0], user_id, review)
        with pytest.raises(ReviewIdReused):
            await submit(conns[1], user_id, ReviewInput(review.review_id, card_ids[0], 2))

    on_two_connections(settings, reuse)
