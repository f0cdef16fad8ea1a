"""The FSRS optimizer on a student's own log: the log-loss it is judged by (pure), a fit that
beats the defaults on a simulated learner whose memory is known, and the job through the API,
the real worker and the CLI."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fsrs import Card, Rating, ReviewLog, Scheduler
from fsrs.scheduler import DEFAULT_PARAMETERS
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.conftest import register
from tutor.resources import open_pool
from tutor.runtime.services import service_env
from tutor.settings import Settings
from tutor.study import cards
from tutor.study.fsrs_optimizer import MIN_REVIEWS, fit_parameters, log_loss

START = datetime(2026, 1, 5, 9, tzinfo=UTC)


def learner_parameters() -> list[float]:
    """A learner who remembers better than FSRS's defaults expect: first stabilities four
    times the default, and stability growing faster after each success."""
    parameters = list(DEFAULT_PARAMETERS)
    for i in range(4):
        parameters[i] *= 4
    parameters[8] += 0.5
    return parameters


def simulated_log(cards_count: int = 120, days: int = 120, seed: int = 7) -> list[ReviewLog]:
    """Reviews scheduled by the default parameters, each recalled with the probability the
    learner's own (known) memory gives at that moment."""
    rng = random.Random(seed)
    truth = Scheduler(parameters=tuple(learner_parameters()), enable_fuzzing=False)
    plan = Scheduler(enable_fuzzing=False)
    logs: list[ReviewLog] = []
    for n in range(1, cards_count + 1):
        at = START + timedelta(days=n % 20, minutes=n)
        shown, real = Card(card_id=n, due=at), Card(card_id=n, due=at)
        while at < START + timedelta(days=days):
            p = truth.get_card_retrievability(real, at) if real.last_review else 0.7
            rating = Rating.Good if rng.random() < p else Rating.Again
            logs.append(ReviewLog(n, rating, at, None))
            shown, _ = plan.review_card(shown, rating, at)
            real, _ = truth.review_card(real, rating, at)
            at = max(shown.due, at + timedelta(minutes=1))
    return logs


reviews = st.lists(
    st.tuples(st.integers(1, 4), st.integers(0, 60 * 24 * 90), st.sampled_from(list(Rating))),
    min_size=1,
    max_size=40,
    unique_by=lambda review: (review[0], review[1]),  # one card is not reviewed twice at once
)


@hypothesis_settings(deadline=None)
@given(reviews, st.randoms())
def test_log_loss_is_positive_and_blind_to_the_order_of_the_log(
    raw: list[tuple[int, int, Rating]], rng: random.Random
) -> None:
    logs = [ReviewLog(card, rating, START + timedelta(minutes=m), None) for card, m, rating in raw]
    loss = log_loss(logs, DEFAULT_PARAMETERS)
    shuffled = list(logs)
    rng.shuffle(shuffled)
    again = log_loss(shuffled, DEFAULT_PARAMETERS)
    assert (loss != loss and again != again) or (loss > 0 and loss == pytest.approx(again))


def test_reviews_on_the_same_day_are_not_scored() -> None:
    logs = [ReviewLog(1, Rating.Good, START + timedelta(minutes=m), None) for m in (0, 10, 60)]
    assert log_loss(logs, DEFAULT_PARAMETERS) != log_loss(logs, DEFAULT_PARAMETERS)  # nan


@pytest.fixture(scope="module")
def simulated() -> list[ReviewLog]:
    logs = simulated_log()
    assert len(logs) >= MIN_REVIEWS
    return logs


@pytest.mark.timeout(180)
def test_the_fit_predicts_a_known_learner_better_than_the_defaults(
    simulated: list[ReviewLog],
) -> None:
    fit = fit_parameters(simulated)
    assert fit.log_loss_after < fit.log_loss_before - 0.005
    assert len(fit.parameters) == len(DEFAULT_PARAMETERS)
    # The learner's first stabilities are larger than the defaults; the fit moves towards them.
    assert sum(fit.parameters[:4]) > sum(DEFAULT_PARAMETERS[:4])


def store_log(
    settings: Settings, user_id: uuid.UUID, deck_id: uuid.UUID, logs: list[ReviewLog]
) -> None:
    """The log as review rows of real cards in the deck (one note per simulated card)."""

    async def run() -> None:
        pool = await open_pool(settings, max_size=1)
        async with pool, pool.connection() as conn:
            card_of: dict[int, uuid.UUID] = {}
            for number in sorted({log.card_id for log in logs}):
                note = await cards.create_note(
                    conn, user_id, deck_id, "basic", f"Card {number}", "x"
                )
                card_of[number] = (await cards.cards_of_notes(conn, user_id, [note.id]))[0].id
            async with conn.cursor().copy(
                "COPY review_logs (id, card_id, user_id, rating, reviewed_at, state_before,"
                " due_before, state_after, due_after) FROM STDIN"
            ) as copy:
                for log in logs:
                    at = log.review_datetime
                    await copy.write_row(
                        (
                            uuid.uuid4(),
                            card_of[log.card_id],
                            user_id,
                            int(log.rating),
                            at,
                            "review",
                            at,
                            "review",
                            at,
                        )
                    )

    asyncio.run(run())


def me(client: TestClient, headers: dict[str, str]) -> uuid.UUID:
    return uuid.UUID(client.get("/api/v1/me", headers=headers).json()["id"])


def email_of(client: TestClient, headers: dict[str, str]) -> str:
    return str(client.get("/api/v1/me", headers=headers).json()["email"])


@pytest.fixture(scope="module")
def reviewer(client: TestClient, settings: Settings, simulated: list[ReviewLog]) -> dict[str, Any]:
    headers = register(client)
    deck = client.post("/api/v1/decks", headers=headers, json={"name": "Simulated"}).json()["id"]
    store_log(settings, me(client, headers), uuid.UUID(deck), simulated)
    return {"headers": headers, "email": email_of(client, headers)}


def test_too_few_reviews_is_a_conflict_with_the_count(client: TestClient) -> None:
    headers = register(client)
    response = client.post("/api/v1/fsrs/optimize", headers=headers)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "not_enough_reviews"
    assert "512" in error["message"] and "has 0" in error["message"]


@pytest.mark.timeout(240)
def test_the_optimizer_job_stores_the_users_parameters(
    client: TestClient, settings: Settings, reviewer: dict[str, Any], simulated: list[ReviewLog]
) -> None:
    headers = reviewer["headers"]
    started = client.post("/api/v1/fsrs/optimize", headers=headers)
    assert started.status_code == 202, started.text
    url = f"/api/v1/fsrs/optimizations/{started.json()['id']}"
    deadline = time.monotonic() + 200
    while (run := client.get(url, headers=headers).json())["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline, run
        time.sleep(0.5)
    assert run["status"] == "done" and run["reviews_used"] == len(simulated)
    assert run["log_loss_after"] < run["log_loss_before"]

    async def stored() -> Any:
        pool = await open_pool(settings, max_size=1)
        async with pool, pool.connection() as conn:
            cur = await conn.execute(
                "SELECT parameters, reviews_used, log_loss_after FROM fsrs_parameters"
                " WHERE user_id = %s",
                (me(client, headers),),
            )
            return await cur.fetchone()

    parameters, used, after = asyncio.run(stored())
    assert len(parameters) == len(DEFAULT_PARAMETERS) and used == len(simulated)
    assert after == pytest.approx(run["log_loss_after"])
    other = register(client)
    assert client.get(url, headers=other).status_code == 404


@pytest.mark.timeout(240)
def test_the_cli_optimizes_a_user_by_email(
    client: TestClient, settings: Settings, reviewer: dict[str, Any]
) -> None:
    command = [sys.executable, "-m", "tutor.cli", "cards", "optimize", "--user"]
    env = {**os.environ, **service_env(settings)}
    done = subprocess.run(
        [*command, reviewer["email"]], env=env, capture_output=True, text=True, timeout=200
    )
    assert done.returncode == 0, done.stderr
    assert "log-loss" in done.stdout and "fitted" in done.stdout
    few = register(client)
    refused = subprocess.run(
        [*command, email_of(client, few)], env=env, capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 1 and "at least 512" in refused.stdout
