"""Cards from the notes: the job a student starts, the suggestions it keeps, and the student's
decision on each (accept as is, accept edited, reject).

The job itself (choosing passages, asking the model, checking) is `tutor.study.card_suggester`;
this module holds what it reads and writes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from tutor.database import Keyset, after_params
from tutor.errors import DocumentNotFound
from tutor.study import cards
from tutor.study.card_sources import quote_sha256
from tutor.study.errors import (
    DeckNotFound,
    IdempotencyKeyReused,
    SuggestionDecided,
    SuggestionNotFound,
)

MAX_REQUESTED = 30


@dataclass
class SuggestionRequest:
    """What the student asked for: cards from some documents, or on a topic, and how many."""

    deck_id: UUID
    requested: int
    document_ids: list[UUID] | None = None
    topic: str | None = None


@dataclass
class SuggestionJob:
    """A job's request and progress."""

    id: UUID
    user_id: UUID
    deck_id: UUID
    document_ids: list[UUID] | None
    topic: str | None
    requested: int
    status: str
    done: int
    total: int
    kept: int
    dropped: dict[str, int]
    prompt_ref: str | None
    model_id: str | None
    error_code: str | None
    error_message: str | None
    created_at: datetime
    finished_at: datetime | None


@dataclass
class Suggestion:
    """A card the job suggests, with the passage it came from."""

    id: UUID
    job_id: UUID
    deck_id: UUID
    front: str
    back: str
    status: str
    document_id: UUID | None
    chunk_id: int | None
    filename: str | None
    page_start: int | None
    page_end: int | None
    quote: str
    quote_sha256: str
    note_id: UUID | None
    created_at: datetime


@dataclass
class NewSuggestion:
    """A checked card and its passage, as the job stores it."""

    front: str
    back: str
    quote: str
    document_id: UUID | None
    chunk_id: int | None
    filename: str | None
    page_start: int | None
    page_end: int | None
    id: UUID = field(default_factory=uuid.uuid4)


JOB_COLUMNS = """
id, user_id, deck_id, document_ids, topic, requested, status, done, total, kept, dropped,
prompt_ref, model_id, error_code, error_message, created_at, finished_at
"""
DECK_OWNED = "SELECT 1 FROM decks WHERE id = %(deck_id)s AND user_id = %(user_id)s"
DOCUMENTS_OWNED = """
SELECT count(*) FROM documents WHERE owner_id = %(user_id)s AND id = ANY(%(document_ids)s)
"""
INSERT_JOB = f"""
INSERT INTO card_suggestion_jobs (id, user_id, deck_id, idempotency_key, document_ids, topic,
                                  requested)
VALUES (%(id)s, %(user_id)s, %(deck_id)s, %(key)s, %(document_ids)s, %(topic)s, %(requested)s)
ON CONFLICT (user_id, idempotency_key) DO NOTHING
RETURNING {JOB_COLUMNS}
"""
JOB_BY_KEY = f"""
SELECT {JOB_COLUMNS} FROM card_suggestion_jobs
WHERE user_id = %(user_id)s AND idempotency_key = %(key)s
"""
JOB_BY_ID = f"""
SELECT {JOB_COLUMNS} FROM card_suggestion_jobs WHERE id = %(id)s AND user_id = %(user_id)s
"""
JOB_FOR_WORKER = f"SELECT {JOB_COLUMNS} FROM card_suggestion_jobs WHERE id = %(id)s"


async def _check_request(conn: AsyncConnection, user_id: UUID, request: SuggestionRequest) -> None:
    cur = await conn.execute(DECK_OWNED, {"deck_id": request.deck_id, "user_id": user_id})
    if await cur.fetchone() is None:
        raise DeckNotFound()
    if request.document_ids is None:
        return
    wanted = set(request.document_ids)
    cur = await conn.execute(DOCUMENTS_OWNED, {"user_id": user_id, "document_ids": list(wanted)})
    row = await cur.fetchone()
    if row is None or row[0] != len(wanted):
        raise DocumentNotFound()


def _same_request(job: SuggestionJob, request: SuggestionRequest) -> bool:
    documents = sorted(job.document_ids) if job.document_ids is not None else None
    asked = sorted(set(request.document_ids)) if request.document_ids is not None else None
    return (job.deck_id, documents, job.topic, job.requested) == (
        request.deck_id,
        asked,
        request.topic,
        request.requested,
    )


async def create_job(
    conn: AsyncConnection, user_id: UUID, request: SuggestionRequest, key: str | None = None
) -> tuple[SuggestionJob, bool]:
    """A queued job for the request, or the job first made with this idempotency key; returns
    it and whether it is new (only a new one is enqueued)."""
    await _check_request(conn, user_id, request)
    documents = sorted(set(request.document_ids)) if request.document_ids is not None else None
    values = {
        "id": uuid.uuid4(),
        "user_id": user_id,
        "deck_id": request.deck_id,
        "key": key,
        "document_ids": documents,
        "topic": request.topic,
        "requested": request.requested,
    }
    cur = conn.cursor(row_factory=class_row(SuggestionJob))
    await cur.execute(INSERT_JOB, values)
    job = await cur.fetchone()
    if job is not None:
        return job, True
    await cur.execute(JOB_BY_KEY, {"user_id": user_id, "key": key})
    job = await cur.fetchone()
    assert job is not None  # the conflict that skipped the insert is this row
    if not _same_request(job, request):
        raise IdempotencyKeyReused()
    return job, False


async def get_job(conn: AsyncConnection, user_id: UUID, job_id: UUID) -> SuggestionJob:
    """One of the user's jobs; SuggestionNotFound for anyone else's."""
    cur = conn.cursor(row_factory=class_row(SuggestionJob))
    await cur.execute(JOB_BY_ID, {"id": job_id, "user_id": user_id})
    job = await cur.fetchone()
    if job is None:
        raise SuggestionNotFound("No such card suggestion job.")
    return job


async def job_for_worker(conn: AsyncConnection, job_id: UUID) -> SuggestionJob | None:
    """The job by id alone (the worker acts for its owner); None once deleted."""
    cur = conn.cursor(row_factory=class_row(SuggestionJob))
    await cur.execute(JOB_FOR_WORKER, {"id": job_id})
    return await cur.fetchone()


START_JOB = """
UPDATE card_suggestion_jobs SET status = 'running', total = %(total)s, prompt_ref = %(prompt)s,
       model_id = %(model)s, updated_at = now()
WHERE id = %(id)s AND status IN ('queued', 'running')
"""
PROGRESS = """
UPDATE card_suggestion_jobs SET done = done + 1, kept = kept + %(kept)s, dropped = %(dropped)s,
       updated_at = now()
WHERE id = %(id)s
RETURNING done, total, kept
"""
FINISH_JOB = """
UPDATE card_suggestion_jobs SET status = %(status)s, error_code = %(code)s,
       error_message = %(message)s, finished_at = now(), updated_at = now()
WHERE id = %(id)s
"""
INSERT_SUGGESTION = """
INSERT INTO card_suggestions (id, job_id, user_id, deck_id, front, back, document_id, chunk_id,
                              filename, page_start, page_end, quote, quote_sha256)
VALUES (%(id)s, %(job_id)s, %(user_id)s, %(deck_id)s, %(front)s, %(back)s, %(document_id)s,
        %(chunk_id)s, %(filename)s, %(page_start)s, %(page_end)s, %(quote)s, %(quote_sha256)s)
"""


async def start_job(
    conn: AsyncConnection, job_id: UUID, total: int, prompt_ref: str, model_id: str
) -> None:
    """Mark the job running over `total` passages."""
    params = {"id": job_id, "total": total, "prompt": prompt_ref, "model": model_id}
    await conn.execute(START_JOB, params)


async def record_passage(
    conn: AsyncConnection, job: SuggestionJob, kept: list[NewSuggestion], dropped: dict[str, int]
) -> tuple[int, int, int]:
    """Store one passage's suggestions and count it done, with the job's drops so far by
    reason; returns (done, total, kept)."""
    for suggestion in kept:
        values = {
            **vars(suggestion),
            "job_id": job.id,
            "user_id": job.user_id,
            "deck_id": job.deck_id,
            "quote_sha256": quote_sha256(suggestion.quote),
        }
        await conn.execute(INSERT_SUGGESTION, values)
    params = {"id": job.id, "kept": len(kept), "dropped": Jsonb(dropped)}
    cur = await conn.execute(PROGRESS, params)
    counts = await cur.fetchone()
    assert counts is not None
    return int(counts[0]), int(counts[1]), int(counts[2])


async def finish_job(
    conn: AsyncConnection, job_id: UUID, code: str | None = None, message: str | None = None
) -> None:
    """Mark the job done, or failed with an error code and message."""
    status = "failed" if code else "done"
    await conn.execute(
        FINISH_JOB, {"id": job_id, "status": status, "code": code, "message": message}
    )


SUGGESTION_COLUMNS = """
id, job_id, deck_id, front, back, status, document_id, chunk_id, filename, page_start, page_end,
quote, quote_sha256, note_id, created_at
"""
PENDING_OF_DECK = f"""
SELECT {SUGGESTION_COLUMNS} FROM card_suggestions
WHERE deck_id = %(deck_id)s AND user_id = %(user_id)s AND status = 'pending'
  AND (created_at, id) < (coalesce(%(after_ts)s::timestamptz, 'infinity'),
                          coalesce(%(after_id)s::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'))
ORDER BY created_at DESC, id DESC
LIMIT %(limit)s
"""
SUGGESTION_FOR_UPDATE = f"""
SELECT {SUGGESTION_COLUMNS} FROM card_suggestions
WHERE id = %(id)s AND user_id = %(user_id)s
FOR UPDATE
"""
DECIDE = """
UPDATE card_suggestions SET status = %(status)s, note_id = %(note_id)s, front = %(front)s,
       back = %(back)s, decided_at = now()
WHERE id = %(id)s
"""


async def list_pending(
    conn: AsyncConnection,
    user_id: UUID,
    deck_id: UUID,
    *,
    limit: int,
    after: Keyset | None = None,
) -> list[Suggestion]:
    """The deck's pending suggestions, newest first; DeckNotFound for another user's deck."""
    cur = await conn.execute(DECK_OWNED, {"deck_id": deck_id, "user_id": user_id})
    if await cur.fetchone() is None:
        raise DeckNotFound()
    rows = conn.cursor(row_factory=class_row(Suggestion))
    params = {"deck_id": deck_id, "user_id": user_id, "limit": limit, **after_params(after)}
    await rows.execute(PENDING_OF_DECK, params)
    return await rows.fetchall()


async def _pending(conn: AsyncConnection, user_id: UUID, suggestion_id: UUID) -> Suggestion:
    cur = conn.cursor(row_factory=class_row(Suggestion))
    await cur.execute(SUGGESTION_FOR_UPDATE, {"id": suggestion_id, "user_id": user_id})
    suggestion = await cur.fetchone()
    if suggestion is None:
        raise SuggestionNotFound()
    if suggestion.status != "pending":
        raise SuggestionDecided()
    return suggestion


async def accept(
    conn: AsyncConnection,
    user_id: UUID,
    suggestion_id: UUID,
    front: str | None = None,
    back: str | None = None,
) -> Suggestion:
    """Make the suggestion a basic note in its deck (as edited, when `front`/`back` are given),
    with its source; returns the suggestion, now accepted."""
    suggestion = await _pending(conn, user_id, suggestion_id)
    suggestion.front = front if front is not None else suggestion.front
    suggestion.back = back if back is not None else suggestion.back
    note = await cards.create_note(
        conn,
        user_id,
        suggestion.deck_id,
        "basic",
        suggestion.front,
        suggestion.back,
        source=source_of(suggestion),
    )
    suggestion.status, suggestion.note_id = "accepted", note.id
    await conn.execute(DECIDE, _decision(suggestion))
    return suggestion


async def reject(conn: AsyncConnection, user_id: UUID, suggestion_id: UUID) -> Suggestion:
    """Set the suggestion aside; it leaves the pending list."""
    suggestion = await _pending(conn, user_id, suggestion_id)
    suggestion.status = "rejected"
    await conn.execute(DECIDE, _decision(suggestion))
    return suggestion


def _decision(suggestion: Suggestion) -> dict[str, Any]:
    return {
        "id": suggestion.id,
        "status": suggestion.status,
        "note_id": suggestion.note_id,
        "front": suggestion.front,
        "back": suggestion.back,
    }


def source_of(suggestion: Suggestion) -> cards.Source:
    """The note's source: the suggestion's passage and quote."""
    return cards.Source(
        document_id=suggestion.document_id,
        chunk_id=suggestion.chunk_id,
        filename=suggestion.filename,
        page_start=suggestion.page_start,
        page_end=suggestion.page_end,
        quote=suggestion.quote,
    )
