"""Read-only access to recorded evaluation runs (for evaluators: teachers and admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter

from api.deps import ConnDep, UserDep
from api.error_responses import error_responses
from api.pagination import Cursor, Limit, Page, decode_cursor, paginate
from api.schemas import PublicModel
from evals import records
from evals.records import EvalRun
from tutor.accounts.auth import TokenClaims
from tutor.errors import Forbidden

router = APIRouter(prefix="/evals", tags=["evals"], responses=error_responses(400, 401, 403, 422))
EVALUATOR_ROLES = frozenset({"teacher", "admin"})


class EvalRunPublic(PublicModel):
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
    created_at: datetime


class EvalItemPublic(PublicModel):
    """One item's metrics and output."""

    item_id: str
    metrics: dict[str, Any]
    output: dict[str, Any]


class EvalRunDetail(EvalRunPublic):
    """A run with every item's metrics and output."""

    items: list[EvalItemPublic]


def _evaluator(user: TokenClaims) -> None:
    if user.role not in EVALUATOR_ROLES:
        raise Forbidden("Evaluation runs are for teachers and admins.")


def _run_key(run: EvalRun) -> tuple[datetime, UUID]:
    assert run.created_at is not None  # set by the database on every stored run
    return run.created_at, run.id


@router.get("/runs")
async def list_runs(
    user: UserDep,
    conn: ConnDep,
    limit: Limit = 20,
    cursor: Cursor = None,
    suite: str | None = None,
) -> Page[EvalRunPublic]:
    """Recorded runs, newest first, optionally of one suite."""
    _evaluator(user)
    rows = await records.list_runs(conn, suite, limit=limit + 1, after=decode_cursor(cursor))
    shown, next_cursor = paginate(rows, limit, _run_key)
    items = [EvalRunPublic.model_validate(r) for r in shown]
    return Page[EvalRunPublic](items=items, next_cursor=next_cursor)


@router.get("/runs/{run_id}", responses=error_responses(404))
async def get_run(run_id: UUID, user: UserDep, conn: ConnDep) -> EvalRunDetail:
    """One run with its per-item results."""
    _evaluator(user)
    run, items = await records.get_run(conn, str(run_id))
    return EvalRunDetail.model_validate({**vars(run), "items": items})
