"""Practice generations: what a teacher asked for (questions from chosen class materials, or one
question rewritten from its passage), its progress, and the set its questions go into.

The job itself (sources, anchors, the writer) is `tutor.practice.generator`; this module holds
what it reads and writes. Every start makes its practice set at once, so the set editor can be
opened on it while the questions arrive.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from tutor.chat.practice import PracticeItem
from tutor.classes.classes import teaching
from tutor.classes.errors import AssignmentNotFound, MaterialNotFound
from tutor.practice.errors import GenerationNotFound, NothingToRewrite, PracticeItemNotFound
from tutor.practice.set_editing import append_item, lock_set, replace_item
from tutor.study.errors import IdempotencyKeyReused

MAX_REQUESTED = 30
FINAL = frozenset({"done", "failed", "cancelled"})


@dataclass(frozen=True)
class GenerationRequest:
    """Questions from these materials of the class, on a topic or spread over them."""

    class_id: UUID
    document_ids: list[UUID]
    requested: int
    topic: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class Prompted:
    """The prompt and model a new set is written with (the worker's model may differ)."""

    prompt_name: str
    prompt_version: int
    model_id: str


@dataclass
class Generation:
    """A generation's request and progress."""

    id: UUID
    owner_id: UUID
    class_id: UUID | None
    set_id: UUID
    document_ids: list[UUID]
    topic: str | None
    requested: int
    chunk_id: int | None
    replaces_item: UUID | None
    status: str
    done: int
    total: int
    kept: int
    dropped: dict[str, int]
    model_id: str | None
    error_code: str | None
    error_message: str | None
    created_at: datetime
    finished_at: datetime | None


COLUMNS = """
id, owner_id, class_id, set_id, document_ids, topic, requested, chunk_id, replaces_item, status,
done, total, kept, dropped, model_id, error_code, error_message, created_at, finished_at
"""
# Materials of the class still shared by one of its teachers, ready to read.
MATERIALS_READY = """
SELECT count(*) FROM class_materials m
JOIN documents d ON d.id = m.document_id
JOIN class_teachers t ON t.class_id = m.class_id AND t.user_id = d.owner_id
WHERE m.class_id = %(class_id)s AND d.id = ANY(%(document_ids)s) AND d.status = 'ready'
"""
FILENAMES = "SELECT filename FROM documents WHERE id = ANY(%(document_ids)s) ORDER BY filename"
INSERT_SET = """
INSERT INTO practice_sets (id, owner_id, topic, requested, dropped, prompt_name, prompt_version,
                           model_id)
VALUES (%(id)s, %(owner_id)s, %(topic)s, %(requested)s, 0, %(prompt_name)s, %(prompt_version)s,
        %(model_id)s)
"""
INSERT = f"""
INSERT INTO practice_generations (id, owner_id, class_id, set_id, idempotency_key, document_ids,
                                  topic, requested, chunk_id, replaces_item)
VALUES (%(id)s, %(owner_id)s, %(class_id)s, %(set_id)s, %(key)s, %(document_ids)s, %(topic)s,
        %(requested)s, %(chunk_id)s, %(replaces_item)s)
ON CONFLICT (owner_id, idempotency_key) DO NOTHING
RETURNING {COLUMNS}
"""
BY_KEY = f"""
SELECT {COLUMNS} FROM practice_generations
WHERE owner_id = %(owner_id)s AND idempotency_key = %(key)s
"""
BY_ID = f"SELECT {COLUMNS} FROM practice_generations WHERE id = %(id)s AND owner_id = %(owner_id)s"
FOR_WORKER = f"SELECT {COLUMNS} FROM practice_generations WHERE id = %(id)s"
LATEST_OF_SET = f"""
SELECT {COLUMNS} FROM practice_generations
WHERE set_id = %(set_id)s AND owner_id = %(owner_id)s
ORDER BY created_at DESC LIMIT 1
"""


async def start_for_class(
    conn: AsyncConnection,
    owner_id: UUID,
    request: GenerationRequest,
    prompted: Prompted,
    key: str | None = None,
) -> tuple[Generation, bool]:
    """A queued generation from the class's materials (the caller teaches it), and its new
    set; or the one first made with this idempotency key. Returns it and whether it is new."""
    await teaching(conn, owner_id, request.class_id)
    documents = sorted(set(request.document_ids))
    params = {"class_id": request.class_id, "document_ids": documents}
    row = await (await conn.execute(MATERIALS_READY, params)).fetchone()
    if row is None or row[0] != len(documents):
        raise MaterialNotFound("Choose documents shared with this class and ready to read.")
    title = request.title or request.topic or await _from_files(conn, documents)
    values = {
        "class_id": request.class_id,
        "document_ids": documents,
        "topic": request.topic,
        "requested": request.requested,
        "chunk_id": None,
        "replaces_item": None,
    }
    return await _insert(conn, owner_id, title, values, prompted, key)


async def _from_files(conn: AsyncConnection, documents: list[UUID]) -> str:
    cur = await conn.execute(FILENAMES, {"document_ids": documents})
    names = [row[0] for row in await cur.fetchall()]
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f"Practice on {shown}"[:200]


async def _insert(
    conn: AsyncConnection,
    owner_id: UUID,
    title: str,
    values: dict[str, Any],
    prompted: Prompted,
    key: str | None,
    set_id: UUID | None = None,
) -> tuple[Generation, bool]:
    """The generation row (and its new set when `set_id` is None), or the key's first one."""
    existing = await _by_key(conn, owner_id, key)
    if existing is not None:
        if (existing.document_ids, existing.topic, existing.requested, existing.chunk_id) != (
            values["document_ids"],
            values["topic"],
            values["requested"],
            values["chunk_id"],
        ):
            raise IdempotencyKeyReused()
        return existing, False
    if set_id is None:
        set_id = uuid.uuid4()
        header = {"id": set_id, "owner_id": owner_id, "topic": title, **vars(prompted)}
        await conn.execute(INSERT_SET, {**header, "requested": values["requested"]})
    row = {**values, "id": uuid.uuid4(), "owner_id": owner_id, "set_id": set_id, "key": key}
    cur = conn.cursor(row_factory=class_row(Generation))
    await cur.execute(INSERT, row)
    made = await cur.fetchone()
    if made is None:  # a concurrent retry with the same key won: this transaction rolls back
        raise IdempotencyKeyReused("The same request is being started already; retry shortly.")
    return made, True


async def _by_key(conn: AsyncConnection, owner_id: UUID, key: str | None) -> Generation | None:
    if key is None:
        return None
    cur = conn.cursor(row_factory=class_row(Generation))
    await cur.execute(BY_KEY, {"owner_id": owner_id, "key": key})
    return await cur.fetchone()


# The item's chunk, if the owner may still read it: their own, or shared with a class they teach.
READABLE_CHUNK = """
SELECT c.id FROM chunks c
WHERE c.id = %(chunk_id)s
  AND (c.owner_id = %(owner_id)s
       OR EXISTS (SELECT 1 FROM class_materials m
                  JOIN class_teachers me ON me.class_id = m.class_id AND me.user_id = %(owner_id)s
                  JOIN class_teachers t ON t.class_id = m.class_id AND t.user_id = c.owner_id
                  WHERE m.document_id = c.document_id))
"""
SET_ITEM = """
SELECT i.chunk_id, s.topic FROM practice_items i JOIN practice_sets s ON s.id = i.set_id
WHERE i.id = %(item_id)s AND i.set_id = %(set_id)s AND s.owner_id = %(owner_id)s
"""
ASSIGNMENT_ITEM = """
SELECT a.class_id, a.title, a.source_set_id, s.owner_id = %(owner_id)s AS own_set, i.chunk_id,
       i.source_item_id
FROM assignment_items i JOIN assignments a ON a.id = i.assignment_id
LEFT JOIN practice_sets s ON s.id = a.source_set_id
WHERE i.id = %(item_id)s AND a.id = %(assignment_id)s
"""


async def rewrite_set_item(
    conn: AsyncConnection,
    owner_id: UUID,
    set_id: UUID,
    item_id: UUID,
    prompted: Prompted,
    key: str | None = None,
) -> tuple[Generation, bool]:
    """A queued rewrite of one of the owner's questions from its own passage, to replace it."""
    row = await (
        await conn.execute(SET_ITEM, {"item_id": item_id, "set_id": set_id, "owner_id": owner_id})
    ).fetchone()
    if row is None:
        await lock_set(conn, owner_id, set_id)  # PracticeSetNotFound when the set is not theirs
        raise PracticeItemNotFound()
    chunk_id = await _readable_chunk(conn, owner_id, row[0])
    values = _rewrite_values(chunk_id, item_id)
    return await _insert(conn, owner_id, row[1], values, prompted, key, set_id)


async def rewrite_assignment_item(
    conn: AsyncConnection,
    owner_id: UUID,
    assignment_id: UUID,
    item_id: UUID,
    prompted: Prompted,
    key: str | None = None,
) -> tuple[Generation, bool]:
    """A queued rewrite of a published question (a teacher of its class asks): into the set it
    was published from when that is still the caller's, else into a new set of theirs. The
    assignment itself never changes: its students answered what it asked."""
    params = {"item_id": item_id, "assignment_id": assignment_id, "owner_id": owner_id}
    row = await (await conn.execute(ASSIGNMENT_ITEM, params)).fetchone()
    if row is None:
        raise AssignmentNotFound()
    class_id, title, source_set_id, own_set, chunk_id, source_item_id = row
    await teaching(conn, owner_id, class_id)
    chunk_id = await _readable_chunk(conn, owner_id, chunk_id)
    values = _rewrite_values(chunk_id, source_item_id if own_set else None)
    set_id = source_set_id if own_set else None
    return await _insert(conn, owner_id, f"Rewritten: {title}"[:200], values, prompted, key, set_id)


def _rewrite_values(chunk_id: int, replaces: UUID | None) -> dict[str, Any]:
    return {
        "class_id": None,
        "document_ids": [],
        "topic": None,
        "requested": 1,
        "chunk_id": chunk_id,
        "replaces_item": replaces,
    }


async def _readable_chunk(conn: AsyncConnection, owner_id: UUID, chunk_id: int | None) -> int:
    if chunk_id is not None:
        params = {"chunk_id": chunk_id, "owner_id": owner_id}
        if await (await conn.execute(READABLE_CHUNK, params)).fetchone() is not None:
            return chunk_id
    raise NothingToRewrite()


async def get(conn: AsyncConnection, owner_id: UUID, generation_id: UUID) -> Generation:
    """One of the owner's generations."""
    cur = conn.cursor(row_factory=class_row(Generation))
    await cur.execute(BY_ID, {"id": generation_id, "owner_id": owner_id})
    found = await cur.fetchone()
    if found is None:
        raise GenerationNotFound()
    return found


async def latest_of_set(conn: AsyncConnection, owner_id: UUID, set_id: UUID) -> Generation | None:
    """The set's latest generation (what the editor shows progress for), if any."""
    cur = conn.cursor(row_factory=class_row(Generation))
    await cur.execute(LATEST_OF_SET, {"set_id": set_id, "owner_id": owner_id})
    return await cur.fetchone()


async def for_worker(conn: AsyncConnection, generation_id: UUID) -> Generation | None:
    """The generation by id alone (the worker acts for its owner); None once deleted."""
    cur = conn.cursor(row_factory=class_row(Generation))
    await cur.execute(FOR_WORKER, {"id": generation_id})
    return await cur.fetchone()


START = """
UPDATE practice_generations SET status = 'running', total = %(total)s, model_id = %(model)s,
       updated_at = now()
WHERE id = %(id)s AND status IN ('queued', 'running')
"""
STATUS = "SELECT status FROM practice_generations WHERE id = %(id)s"
PROGRESS = """
UPDATE practice_generations SET done = done + 1, kept = kept + %(kept)s, dropped = %(dropped)s,
       updated_at = now()
WHERE id = %(id)s
RETURNING done, total, kept
"""
SET_COUNTS = """
UPDATE practice_sets SET dropped = greatest(requested - %(kept)s, 0), model_id = %(model)s
WHERE id = %(set_id)s
"""
FINISH = """
UPDATE practice_generations SET status = %(status)s, error_code = %(code)s,
       error_message = %(message)s, finished_at = now(), updated_at = now()
WHERE id = %(id)s AND status NOT IN ('done', 'failed', 'cancelled')
"""
CANCEL = f"""
UPDATE practice_generations SET status = 'cancelled', finished_at = now(), updated_at = now()
WHERE id = %(id)s AND owner_id = %(owner_id)s AND status IN ('queued', 'running')
RETURNING {COLUMNS}
"""


async def start(conn: AsyncConnection, generation_id: UUID, total: int, model_id: str) -> None:
    """Mark it running over `total` anchor sentences."""
    await conn.execute(START, {"id": generation_id, "total": total, "model": model_id})


async def record(
    conn: AsyncConnection,
    job: Generation,
    outcome: PracticeItem | None,
    dropped: dict[str, int],
) -> tuple[PracticeItem | None, tuple[int, int, int]] | None:
    """One anchor tried: its question (if it passed) into the set, in the place of the one it
    rewrites; returns the stored question and (done, total, kept), or None when the owner
    cancelled meanwhile (then nothing is stored)."""
    await lock_set(conn, job.owner_id, job.set_id)
    status = await (await conn.execute(STATUS, {"id": job.id})).fetchone()
    if status is None or status[0] == "cancelled":
        return None
    stored = None
    if outcome is not None:
        if job.replaces_item is not None:
            stored = await replace_item(conn, job.set_id, job.replaces_item, outcome)
        else:
            stored = await append_item(conn, job.set_id, outcome)
    params = {"id": job.id, "kept": int(stored is not None), "dropped": Jsonb(dropped)}
    counts = await (await conn.execute(PROGRESS, params)).fetchone()
    assert counts is not None
    return stored, (int(counts[0]), int(counts[1]), int(counts[2]))


async def finish(
    conn: AsyncConnection,
    job: Generation,
    kept: int,
    model_id: str,
    code: str | None = None,
    message: str | None = None,
) -> None:
    """Mark it done (or failed, with why); a whole set's header counts what was dropped."""
    status = "failed" if code else "done"
    await conn.execute(FINISH, {"id": job.id, "status": status, "code": code, "message": message})
    if job.chunk_id is None:
        params = {"set_id": job.set_id, "kept": kept, "model": model_id}
        await conn.execute(SET_COUNTS, params)


async def cancel(conn: AsyncConnection, owner_id: UUID, generation_id: UUID) -> Generation:
    """Stop one of the owner's generations; the questions already kept stay in the set."""
    cur = conn.cursor(row_factory=class_row(Generation))
    await cur.execute(CANCEL, {"id": generation_id, "owner_id": owner_id})
    cancelled = await cur.fetchone()
    return cancelled if cancelled is not None else await get(conn, owner_id, generation_id)
