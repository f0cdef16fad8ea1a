"""The FSRS optimizer: fit a student's own parameters to their review log."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, status
from redis.exceptions import RedisError

from api.deps import ConnDep, StateDep, UserDep
from api.error_responses import error_responses
from api.schemas import PublicModel
from tutor.errors import RealtimeUnavailable
from tutor.study import fsrs_optimizer

router = APIRouter(prefix="/fsrs", tags=["flashcards"], responses=error_responses(400, 401, 422))


class OptimizationPublic(PublicModel):
    """An optimizer run; once done, the mean log-loss on the student's log of the default
    parameters (before) and of the fitted ones (after)."""

    id: UUID
    status: Literal["queued", "running", "done", "failed"]
    reviews_used: int | None
    log_loss_before: float | None
    log_loss_after: float | None
    error_message: str | None
    created_at: datetime
    finished_at: datetime | None


@router.post("/optimize", status_code=status.HTTP_202_ACCEPTED, responses=error_responses(409, 503))
async def optimize(user: UserDep, state: StateDep, conn: ConnDep) -> OptimizationPublic:
    """Fit the caller's parameters in the background (202); 409 `not_enough_reviews` below
    512 reviews. The result comes on the events socket (`fsrs.optimized`) and from GET."""
    run = await fsrs_optimizer.start_optimization(conn, user.user_id)
    await conn.commit()  # the worker must find the run when it picks it up
    try:
        await fsrs_optimizer.enqueue_optimization(state.redis, run.id)
    except (RedisError, OSError) as exc:
        raise RealtimeUnavailable("The job queue is unavailable; try again shortly.") from exc
    return OptimizationPublic.model_validate(run)


@router.get("/optimizations/{run_id}", responses=error_responses(404))
async def get_optimization(run_id: UUID, user: UserDep, conn: ConnDep) -> OptimizationPublic:
    """An optimizer run's status and result."""
    return OptimizationPublic.model_validate(
        await fsrs_optimizer.get_optimization(conn, user.user_id, run_id)
    )
