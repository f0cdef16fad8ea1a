"""The card-suggestion job, run by the worker: choose passages of the student's notes, ask the
chat model for cards from each, keep the cards their quotes support, and report progress on the
student's events socket (`cards.suggestions.progress`, then `cards.suggestions.done`).

Passages come from the chosen documents, spread evenly from start to end so the cards cover
the whole of each, or are the best hybrid-search hits for a topic. A job retried after a crash
resumes after the passages it already counted.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from psycopg.rows import class_row
from psycopg_pool import AsyncConnectionPool
from redis.asyncio import Redis

from ingestion.embedding import Embedder
from ingestion.events import publish
from ingestion.queue import QUEUE_NAME
from retrieval.search import SearchMode, embed_query, search_chunks
from tutor.errors import TutorError
from tutor.events import Event
from tutor.llm.chat_model import ChatModel
from tutor.llm.prompts import Prompt, load_prompt
from tutor.resources import build_chat_model
from tutor.study import card_suggestions as store
from tutor.study.card_suggestions import NewSuggestion, SuggestionJob
from tutor.study.card_writer import write_cards

log = logging.getLogger(__name__)

SUGGEST_JOB = "suggest_cards"
PROMPT = "cards"
# Shorter chunks are mostly headings, captions or a line of code: poor ground for a card.
MIN_PASSAGE_CHARS = 200


@dataclass
class Passage:
    """A chunk of the notes the model writes cards from."""

    chunk_id: int
    document_id: UUID
    filename: str
    page_start: int | None
    page_end: int | None
    text: str


@dataclass
class SuggesterDeps:
    """What the job needs: the worker's resources and the chat model and prompt to use."""

    pool: AsyncConnectionPool
    redis: Redis
    embedder: Embedder
    model: ChatModel
    prompt: Prompt


def spread(total: int, count: int) -> list[int]:
    """`count` indices over `range(total)` spread evenly: the middle of each of `count` equal
    parts (all of them when there are fewer)."""
    count = min(count, total)
    return [(2 * i + 1) * total // (2 * count) for i in range(count)]


CHUNKS_OF_DOCUMENTS = """
SELECT c.id, char_length(c.text) >= %(min_chars)s AS long_enough
FROM chunks c
WHERE c.owner_id = %(user_id)s AND c.document_id = ANY(%(document_ids)s)
ORDER BY c.document_id, c.ordinal
"""
PASSAGES = """
SELECT c.id AS chunk_id, c.document_id, d.filename, c.page_start, c.page_end, c.text
FROM chunks c JOIN documents d ON d.id = c.document_id
WHERE c.id = ANY(%(ids)s) AND c.owner_id = %(user_id)s
ORDER BY c.document_id, c.ordinal
"""


async def document_passages(
    pool: AsyncConnectionPool, user_id: UUID, document_ids: list[UUID], count: int
) -> list[Passage]:
    """Up to `count` of the documents' chunks, spread over them, long ones preferred."""
    async with pool.connection() as conn:
        params = {"user_id": user_id, "document_ids": document_ids, "min_chars": MIN_PASSAGE_CHARS}
        rows = await (await conn.execute(CHUNKS_OF_DOCUMENTS, params)).fetchall()
        ids = [chunk_id for chunk_id, long_enough in rows if long_enough] or [r[0] for r in rows]
        chosen = [ids[i] for i in spread(len(ids), count)]
        cur = conn.cursor(row_factory=class_row(Passage))
        await cur.execute(PASSAGES, {"ids": chosen, "user_id": user_id})
        return await cur.fetchall()


async def topic_passages(
    deps: SuggesterDeps, user_id: UUID, topic: str, count: int
) -> list[Passage]:
    """The `count` best chunks for the topic by hybrid search over the student's notes."""
    embedding = await embed_query(deps.embedder, topic)
    async with deps.pool.connection() as conn:
        hits = await search_chunks(conn, user_id, topic, embedding, k=count, mode=SearchMode.HYBRID)
    return [
        Passage(h.chunk_id, h.document_id, h.filename, h.page_start, h.page_end, h.text)
        for h in hits
    ]


# Passages read per card asked for. The local model's cards pass the checks about a third of the
# time (R-intro.pdf: 3 of 10 kept from one passage each), so the job has spares to go on to and
# stops asking as soon as it has the cards it was asked for.
SPARE_PASSAGES = 2


async def passages_for(deps: SuggesterDeps, job: SuggestionJob) -> list[Passage]:
    """The passages the job writes from, the same on every attempt."""
    count = SPARE_PASSAGES * job.requested
    if job.document_ids is not None:
        return await document_passages(deps.pool, job.user_id, job.document_ids, count)
    assert job.topic is not None  # the table's check: documents or a topic
    return await topic_passages(deps, job.user_id, job.topic, count)


async def run_suggestion_job(deps: SuggesterDeps, job_id: UUID) -> str:
    """Run the job to its end; returns its final status ("gone" when it is no more)."""
    async with deps.pool.connection() as conn:
        job = await store.job_for_worker(conn, job_id)
    if job is None or job.status in ("done", "failed"):
        return "gone"
    try:
        passages = await passages_for(deps, job)
        async with deps.pool.connection() as conn:
            await store.start_job(conn, job.id, len(passages), deps.prompt.ref, deps.model.model_id)
        await _write_from(deps, job, passages)
    except TutorError as exc:
        await _finish(deps, job, exc.code, exc.message)
        return "failed"
    await _finish(deps, job)
    return "done"


async def _write_from(deps: SuggesterDeps, job: SuggestionJob, passages: list[Passage]) -> None:
    kept, dropped = job.kept, dict(job.dropped)
    per_passage = math.ceil(job.requested / max(len(passages), 1))
    for passage in passages[job.done :]:
        wanted = min(per_passage, job.requested - kept)
        new, reasons = await _cards_from(deps, passage, wanted) if wanted > 0 else ([], [])
        for reason in reasons:
            dropped[reason] = dropped.get(reason, 0) + 1
        async with deps.pool.connection() as conn:
            done, total, kept = await store.record_passage(conn, job, new, dropped)
        progress = Event.of(
            "cards.suggestions.progress",
            job_id=str(job.id),
            deck_id=str(job.deck_id),
            done=done,
            total=total,
            kept=kept,
        )
        await publish(deps.redis, job.user_id, progress)


async def _cards_from(
    deps: SuggesterDeps, passage: Passage, wanted: int
) -> tuple[list[NewSuggestion], list[str]]:
    """Up to `wanted` checked suggestions from the passage, and why the others were dropped."""
    written = await write_cards(deps.model, deps.prompt, passage.text, wanted)
    new = [_suggestion(d.question, d.answer, d.quote, passage) for d in written.kept]
    return new, written.dropped


def _suggestion(front: str, back: str, quote: str, passage: Passage) -> NewSuggestion:
    return NewSuggestion(
        front=front,
        back=back,
        quote=quote,
        document_id=passage.document_id,
        chunk_id=passage.chunk_id,
        filename=passage.filename,
        page_start=passage.page_start,
        page_end=passage.page_end,
    )


async def _finish(
    deps: SuggesterDeps, job: SuggestionJob, code: str | None = None, message: str | None = None
) -> None:
    async with deps.pool.connection() as conn:
        await store.finish_job(conn, job.id, code, message)
        final = await store.job_for_worker(conn, job.id)
    if final is None:
        return
    data = {
        "job_id": str(job.id),
        "deck_id": str(job.deck_id),
        "status": final.status,
        "done": final.done,
        "total": final.total,
        "kept": final.kept,
        "dropped": final.dropped,
    }
    if code:
        data["error"] = {"code": code, "message": message}
        log.warning("card suggestions %s failed: %s", job.id, message)
    await publish(deps.redis, job.user_id, Event.of("cards.suggestions.done", **data))


async def enqueue_suggestions(redis: Redis, job_id: UUID) -> None:
    """Hand the job to the worker."""
    await redis.enqueue_job(  # type: ignore[attr-defined]
        SUGGEST_JOB, str(job_id), _job_id=f"card-suggestions:{job_id}", _queue_name=QUEUE_NAME
    )


async def suggest_cards(ctx: dict[str, Any], job_id: str) -> str:
    """The worker's task: the job with the configured chat model (or one the worker was given)."""
    deps = ctx["deps"]
    model = ctx.get("chat_model") or build_chat_model(ctx["settings"])
    prompt = load_prompt(PROMPT)
    suggester = SuggesterDeps(deps.pool, deps.redis, deps.embedder, model, prompt)
    return await run_suggestion_job(suggester, UUID(job_id))
