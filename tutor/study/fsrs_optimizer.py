"""A student's own FSRS parameters, fitted to their review log by the `fsrs` optimizer.

The optimizer needs at least `MIN_REVIEWS` reviews (FSRS's own mini-batch size); fewer raise
`NotEnoughReviews` with the count. A run is a background job (`fsrs_optimizations` holds its
status) that stores the parameters in `fsrs_parameters` with the log-loss of the default and
of the fitted parameters on the same log, so the student sees what the fit bought. Fitted
parameters that predict the log no better than the defaults are not kept: the defaults stay.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fsrs import Card, Rating, ReviewLog, Scheduler
from fsrs.scheduler import DEFAULT_PARAMETERS
from psycopg import AsyncConnection
from psycopg.rows import class_row
from psycopg_pool import AsyncConnectionPool
from redis.asyncio import Redis

from ingestion.events import publish
from ingestion.queue import QUEUE_NAME
from tutor.events import Event
from tutor.study.errors import NotEnoughReviews, OptimizationNotFound

MIN_REVIEWS = 512
OPTIMIZE_JOB = "optimize_fsrs"
EPSILON = 1e-7  # keeps log(p) finite for a prediction of exactly 0 or 1


@dataclass(frozen=True)
class Fit:
    """Parameters and how well the defaults and they predict the log (mean log-loss)."""

    parameters: list[float]
    log_loss_before: float
    log_loss_after: float
    reviews_used: int


@dataclass
class Optimization:
    """One optimizer run and, once done, its result."""

    id: UUID
    status: str
    reviews_used: int | None
    log_loss_before: float | None
    log_loss_after: float | None
    error_message: str | None
    created_at: datetime
    finished_at: datetime | None


def _histories(logs: Sequence[ReviewLog]) -> list[list[ReviewLog]]:
    by_card: dict[int, list[ReviewLog]] = defaultdict(list)
    for log in logs:
        by_card[log.card_id].append(log)
    return [sorted(h, key=lambda r: r.review_datetime) for _, h in sorted(by_card.items())]


def log_loss(logs: Sequence[ReviewLog], parameters: Sequence[float]) -> float:
    """Mean binary cross-entropy of the recall FSRS predicts at each review a day or more after
    the previous one (as the optimizer scores it), replaying each card's history."""
    scheduler = Scheduler(parameters=tuple(parameters), enable_fuzzing=False)
    total, scored = 0.0, 0
    for history in _histories(logs):
        card = Card(card_id=history[0].card_id, due=history[0].review_datetime)
        for log in history:
            if card.last_review and (log.review_datetime - card.last_review).days > 0:
                p = scheduler.get_card_retrievability(card, log.review_datetime)
                p = min(max(p, EPSILON), 1 - EPSILON)
                total -= math.log(p) if log.rating != Rating.Again else math.log(1 - p)
                scored += 1
            card, _ = scheduler.review_card(card, log.rating, log.review_datetime)
    return total / scored if scored else math.nan


def fit_parameters(logs: Sequence[ReviewLog]) -> Fit:
    """Run the `fsrs` optimizer on the log (CPU-bound: call it off the event loop)."""
    from fsrs import Optimizer  # torch loads only for a fit

    before = log_loss(logs, DEFAULT_PARAMETERS)
    fitted = Optimizer(list(logs)).compute_optimal_parameters()
    after = log_loss(logs, fitted)
    if not after < before:
        fitted, after = list(DEFAULT_PARAMETERS), before
    return Fit([float(p) for p in fitted], before, after, len(logs))


COUNT_REVIEWS = """
SELECT count(*) FROM review_logs WHERE user_id = %(user_id)s AND undone_at IS NULL
"""
USER_LOG = """
SELECT card_id, rating, reviewed_at, duration_ms FROM review_logs
WHERE user_id = %(user_id)s AND undone_at IS NULL
ORDER BY card_id, reviewed_at
"""


async def count_reviews(conn: AsyncConnection, user_id: UUID) -> int:
    """The user's reviews that count (undone ones do not)."""
    row = await (await conn.execute(COUNT_REVIEWS, {"user_id": user_id})).fetchone()
    return int(row[0]) if row else 0


async def review_log(conn: AsyncConnection, user_id: UUID) -> list[ReviewLog]:
    """The user's reviews as the optimizer takes them (card ids numbered in order)."""
    numbers: dict[UUID, int] = {}
    logs = []
    async with conn.cursor() as cur:
        await cur.execute(USER_LOG, {"user_id": user_id})
        async for card_id, rating, reviewed_at, duration_ms in cur:
            number = numbers.setdefault(card_id, len(numbers) + 1)
            logs.append(ReviewLog(number, Rating(rating), reviewed_at.astimezone(UTC), duration_ms))
    return logs


RUN_COLUMNS = """
id, status, reviews_used, log_loss_before, log_loss_after, error_message, created_at,
finished_at
"""
INSERT_RUN = f"""
INSERT INTO fsrs_optimizations (id, user_id) VALUES (%(id)s, %(user_id)s)
RETURNING {RUN_COLUMNS}
"""
RUN_BY_ID = f"""
SELECT {RUN_COLUMNS} FROM fsrs_optimizations WHERE id = %(id)s AND user_id = %(user_id)s
"""
RUN_OWNER = "SELECT user_id FROM fsrs_optimizations WHERE id = %(id)s AND status <> 'done'"
SET_RUNNING = "UPDATE fsrs_optimizations SET status = 'running' WHERE id = %(id)s"
FINISH_RUN = """
UPDATE fsrs_optimizations SET status = %(status)s, reviews_used = %(reviews_used)s,
       log_loss_before = %(before)s, log_loss_after = %(after)s,
       error_message = %(error)s, finished_at = now()
WHERE id = %(id)s
"""
FAIL_RUN = """
UPDATE fsrs_optimizations SET status = 'failed', error_message = %(error)s, finished_at = now()
WHERE id = %(id)s
"""
SAVE_PARAMETERS = """
INSERT INTO fsrs_parameters (user_id, parameters, reviews_used, log_loss_before, log_loss_after)
VALUES (%(user_id)s, %(parameters)s, %(reviews_used)s, %(before)s, %(after)s)
ON CONFLICT (user_id) DO UPDATE SET parameters = EXCLUDED.parameters,
    reviews_used = EXCLUDED.reviews_used, log_loss_before = EXCLUDED.log_loss_before,
    log_loss_after = EXCLUDED.log_loss_after, optimized_at = now()
"""


async def start_optimization(conn: AsyncConnection, user_id: UUID) -> Optimization:
    """A queued run for the user; NotEnoughReviews (with the count) below the threshold."""
    count = await count_reviews(conn, user_id)
    if count < MIN_REVIEWS:
        raise NotEnoughReviews(
            f"The optimizer needs at least {MIN_REVIEWS} reviews; your log has {count}."
        )
    cur = conn.cursor(row_factory=class_row(Optimization))
    await cur.execute(INSERT_RUN, {"id": uuid.uuid4(), "user_id": user_id})
    run = await cur.fetchone()
    assert run is not None
    return run


async def get_optimization(conn: AsyncConnection, user_id: UUID, run_id: UUID) -> Optimization:
    """One of the user's runs; OptimizationNotFound for anyone else's."""
    cur = conn.cursor(row_factory=class_row(Optimization))
    await cur.execute(RUN_BY_ID, {"id": run_id, "user_id": user_id})
    run = await cur.fetchone()
    if run is None:
        raise OptimizationNotFound()
    return run


async def enqueue_optimization(redis: Redis, run_id: UUID) -> None:
    """Hand the run to the worker."""
    await redis.enqueue_job(  # type: ignore[attr-defined]
        OPTIMIZE_JOB, str(run_id), _job_id=f"fsrs-optimize:{run_id}", _queue_name=QUEUE_NAME
    )


async def save_fit(conn: AsyncConnection, user_id: UUID, run_id: UUID, fit: Fit) -> None:
    """Store the parameters for the user's scheduler and the run's result."""
    values = {
        "user_id": user_id,
        "parameters": fit.parameters,
        "reviews_used": fit.reviews_used,
        "before": fit.log_loss_before,
        "after": fit.log_loss_after,
    }
    await conn.execute(SAVE_PARAMETERS, values)
    await conn.execute(FINISH_RUN, {**values, "id": run_id, "status": "done", "error": None})


async def run_optimization(
    pool: AsyncConnectionPool, redis: Redis | None, run_id: UUID
) -> Fit | None:
    """Fit and store the run's user's parameters; None when the run is gone, done, or failed
    (with the reason stored on it)."""
    async with pool.connection() as conn:
        row = await (await conn.execute(RUN_OWNER, {"id": run_id})).fetchone()
        if row is None:
            return None
        user_id = row[0]
        await conn.execute(SET_RUNNING, {"id": run_id})
    async with pool.connection() as conn:
        logs = await review_log(conn, user_id)
    try:
        fit = await asyncio.to_thread(fit_parameters, logs)
    except ValueError as exc:  # the fsrs package's word on a log it cannot fit; retrying won't help
        async with pool.connection() as conn:
            await conn.execute(FAIL_RUN, {"id": run_id, "error": str(exc)})
        return None
    async with pool.connection() as conn:
        await save_fit(conn, user_id, run_id, fit)
    if redis is not None:
        event = Event.of(
            "fsrs.optimized",
            optimization_id=str(run_id),
            reviews_used=fit.reviews_used,
            log_loss_before=fit.log_loss_before,
            log_loss_after=fit.log_loss_after,
        )
        await publish(redis, user_id, event)
    return fit


async def optimize_fsrs(ctx: dict[str, Any], run_id: str) -> str:
    """The worker's task: one optimizer run."""
    deps = ctx["deps"]
    fit = await run_optimization(deps.pool, deps.redis, UUID(run_id))
    return "gone" if fit is None else "done"
