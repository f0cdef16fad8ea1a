"""Evaluation runs stored in PostgreSQL: saved once, listed, and read back for comparison."""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from tutor.database import Keyset, after_params
from tutor.errors import EvalRunNotFound

REPO = Path(__file__).resolve().parents[1]


@dataclass
class EvalRun:
    """One run: what was measured, under which conditions, and the aggregates."""

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
    created_at: datetime | None = None


@dataclass
class EvalItem:
    """One item's metrics (numbers, or None where a metric does not apply) and its output."""

    item_id: str
    metrics: dict[str, Any]
    output: dict[str, Any] = field(default_factory=dict)


def git_commit() -> str | None:
    """The checkout's commit, `-dirty` when it has uncommitted changes."""
    result = subprocess.run(
        ["git", "-C", str(REPO), "describe", "--always", "--dirty", "--abbrev=12"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() or None


def content_hash(*parts: bytes | str) -> str:
    """A short sha256 over the parts, e.g. a dataset's files."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()[:16]


INSERT_RUN = """
INSERT INTO eval_runs (id, kind, suite, dataset, dataset_hash, git_commit, model_id, prompts,
                       settings, metrics, item_count, seconds)
VALUES (%(id)s, %(kind)s, %(suite)s, %(dataset)s, %(dataset_hash)s, %(git_commit)s,
        %(model_id)s, %(prompts)s, %(settings)s, %(metrics)s, %(item_count)s, %(seconds)s)
"""


async def save_run(conn: AsyncConnection, run: EvalRun, items: list[EvalItem]) -> UUID:
    """Store a run and its items; returns the run id."""
    values = {**run.__dict__}
    for key in ("prompts", "settings", "metrics"):
        values[key] = Jsonb(values[key])
    await conn.execute(INSERT_RUN, values)
    async with (
        conn.cursor() as cur,
        cur.copy("COPY eval_items (run_id, item_id, metrics, output) FROM STDIN") as copy,
    ):
        for item in items:
            await copy.write_row((run.id, item.item_id, Jsonb(item.metrics), Jsonb(item.output)))
    return run.id


RUN_COLUMNS = """id, kind, suite, dataset, dataset_hash, git_commit, model_id, prompts, settings,
    metrics, item_count, seconds, created_at"""
# Without a cursor the key compares as (infinity, max uuid): one statement serves every page
# and stays an index range scan even as a prepared, generic plan.
LIST_RUNS = f"""
SELECT {RUN_COLUMNS} FROM eval_runs
WHERE (%(suite)s::text IS NULL OR suite = %(suite)s)
  AND (created_at, id) < (coalesce(%(after_ts)s::timestamptz, 'infinity'),
                          coalesce(%(after_id)s::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'))
ORDER BY created_at DESC, id DESC
LIMIT %(limit)s
"""
RUN_BY_PREFIX = f"""
SELECT {RUN_COLUMNS} FROM eval_runs WHERE id::text LIKE %(prefix)s || '%%'
ORDER BY created_at DESC LIMIT 2
"""
ITEMS_OF_RUN = "SELECT item_id, metrics, output FROM eval_items WHERE run_id = %(id)s"


async def list_runs(
    conn: AsyncConnection,
    suite: str | None = None,
    *,
    limit: int = 50,
    after: Keyset | None = None,
) -> list[EvalRun]:
    """Runs, newest first, optionally of one suite, after the (created_at, id) of `after`."""
    cur = conn.cursor(row_factory=class_row(EvalRun))
    params = {"suite": suite, "limit": limit, **after_params(after)}
    await cur.execute(LIST_RUNS, params)
    return await cur.fetchall()


async def get_run(conn: AsyncConnection, id_or_prefix: str) -> tuple[EvalRun, list[EvalItem]]:
    """A run by its id or a unique prefix of it, with its items."""
    cur = conn.cursor(row_factory=class_row(EvalRun))
    await cur.execute(RUN_BY_PREFIX, {"prefix": id_or_prefix.strip().lower()})
    found = await cur.fetchall()
    if len(found) != 1:
        problem = "no run" if not found else "more than one run"
        raise EvalRunNotFound(f"{problem} matches {id_or_prefix!r}")
    items = conn.cursor(row_factory=class_row(EvalItem))
    await items.execute(ITEMS_OF_RUN, {"id": found[0].id})
    return found[0], await items.fetchall()
