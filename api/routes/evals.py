"""Read-only access to recorded evaluation runs (for evaluators: teachers and admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import ConnDep, UserDep
from api.pagination import page_of
from evals import records
from tutor.accounts.auth import TokenClaims
from tutor.errors import Forbidden

router = APIRouter(prefix="/evals", tags=["evals"])
EVALUATOR_ROLES = frozenset({"teacher", "admin"})


class EvalRunPublic(BaseModel):
    """A recorded run: what was measured, how, and the aggregates."""

    id: UUID
    kind: str
    suite: str
    dataset: str
    dataset_hash: str
    git_commit: str | None
    model_id: str | None
    prompts: dict[str, str]
    settings: dict[str, Any]
    metrics: dict[str, Any]
    item_count: int
    seconds: float | None
    created_at: datetime | None


class EvalRunPage(BaseModel):
    """One page of runs; `next_offset` is null on the last page."""

    items: list[EvalRunPublic]
    next_offset: int | None


class EvalRunDetail(EvalRunPublic):
    """A run with every item's metrics and output."""

    items: list[dict[str, Any]]


def _evaluator(user: TokenClaims) -> None:
    if user.role not in EVALUATOR_ROLES:
        raise Forbidden("Evaluation runs are for teachers and admins.")


@router.get("/runs")
async def list_runs(
    user: UserDep,
    conn: ConnDep,
    suite: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> EvalRunPage:
    """Recorded runs, newest first, optionally of one suite."""
    _evaluator(user)
    rows = await records.list_runs(conn, suite, limit + 1, offset)
    shown, next_offset = page_of(rows, limit, offset)
    page = [EvalRunPublic.model_validate(r, from_attributes=True) for r in shown]
    return EvalRunPage(items=page, next_offset=next_offset)


@router.get("/runs/{run_id}")
async def get_run(run_id: UUID, user: UserDep, conn: ConnDep) -> EvalRunDetail:
    """One run with its per-item results."""
    _evaluator(user)
    run, items = await records.get_run(conn, str(run_id))
    return EvalRunDetail(
        **EvalRunPublic.model_validate(run, from_attributes=True).model_dump(),
        items=[{"item_id": i.item_id, "metrics": i.metrics, "output": i.output} for i in items],
    )
