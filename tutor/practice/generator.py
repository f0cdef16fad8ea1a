"""The practice generation job, run by the worker: choose the passages (the materials' best
chunks for the topic, or chunks spread over them; for a rewrite, the question's own chunk), pick
anchor sentences, write one checked question per anchor as the tutor's practice mode does
(`tutor.chat.practice_writer.ItemWriter`), and add each to the set as it passes, reporting
progress on the owner's events socket (`practice.generation.progress`, then `.done`).

Anchors come out the same on every run, so a job retried after a crash resumes after the ones
it already counted. A cancelled job stops before its next question is stored.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import numpy as np
from psycopg import AsyncConnection
from psycopg.rows import dict_row
from redis.asyncio import Redis

from ingestion.events import publish
from ingestion.pipeline import database_unavailable
from ingestion.queue import QUEUE_NAME
from retrieval.scopes import Scope, search_scopes
from retrieval.search import SearchHit, embed_query
from tutor.chat.anchors import choose_anchors
from tutor.chat.asks import Mode
from tutor.chat.context import ChatContext
from tutor.chat.grounding import Source
from tutor.chat.practice import PracticeItem
from tutor.chat.practice_writer import ItemWriter
from tutor.chat.prompt_set import PromptSet
from tutor.chat.reply import Reply
from tutor.chat.sharp_context import Sentence, score_sentences, split_sources
from tutor.errors import PracticeGenerationFailed, TutorError
from tutor.events import Event
from tutor.practice import generations as store
from tutor.practice.generations import Generation
from tutor.resources import build_chat_model
from tutor.settings import Settings
from tutor.study.card_suggester import spread

log = logging.getLogger(__name__)

GENERATE_JOB = "generate_practice"
# Passages per question asked for, and beyond: a set's anchors are spread over more chunks than
# questions, and a manual's chunks are often mostly code or tables with no sentence to ask about
# (R-intro.pdf: 18 passages for 10 questions gave 16 usable anchors, not the 20 wanted).
PASSAGES_PER_QUESTION = 2
SPARE_PASSAGES = 8
MAX_PASSAGES = 60
# Anchors beyond the count asked for, to stand in for dropped drafts: as many again (at least
# three). On R-intro.pdf the local model's drafts were dropped 8 times in 15, so ten questions
# asked for with five spares came back seven.
MIN_SPARE_ANCHORS = 3

# A class's materials the owner still teaches with, still shared, and every chunk of them.
MATERIAL_CHUNKS = """
SELECT c.id AS chunk_id, c.document_id, d.filename, c.page_start, c.page_end, c.heading_path,
       c.text, c.embedding, d.owner_id
FROM chunks c JOIN documents d ON d.id = c.document_id
WHERE c.document_id = ANY(%(document_ids)s)
  AND EXISTS (SELECT 1 FROM class_teachers WHERE class_id = %(class_id)s AND user_id = %(owner_id)s)
  AND EXISTS (SELECT 1 FROM class_materials m
              JOIN class_teachers t ON t.class_id = m.class_id AND t.user_id = d.owner_id
              WHERE m.class_id = %(class_id)s AND m.document_id = d.id)
ORDER BY c.document_id, c.ordinal
"""
ONE_CHUNK = """
SELECT c.id AS chunk_id, c.document_id, d.filename, c.page_start, c.page_end, c.heading_path,
       c.text, c.embedding, d.owner_id
FROM chunks c JOIN documents d ON d.id = c.document_id
WHERE c.id = %(chunk_id)s
"""
OLD_ANCHOR = "SELECT explanation FROM practice_items WHERE id = %(id)s"


@dataclass
class GeneratorDeps:
    """What the job needs: the writer's context and Redis for progress."""

    context: ChatContext
    redis: Redis
    max_output_tokens: int | None = None


async def generate_practice(ctx: dict[str, Any], generation_id: str) -> str:
    """The worker's task: the generation with the configured chat model (or one it was given)."""
    settings: Settings = ctx["settings"]
    deps = ctx["deps"]
    model = ctx.get("chat_model") or build_chat_model(settings)
    prompts = PromptSet.load(folder=settings.prompts_dir)
    context = ChatContext(deps.pool, deps.embedder, model, prompts)
    generator = GeneratorDeps(context, deps.redis, settings.tutor_max_output_tokens)
    return await run_generation(generator, UUID(generation_id))


async def enqueue_generation(redis: Redis, generation_id: UUID) -> None:
    """Hand the generation to the worker."""
    await redis.enqueue_job(  # type: ignore[attr-defined]
        GENERATE_JOB,
        str(generation_id),
        _job_id=f"practice-generation:{generation_id}",
        _queue_name=QUEUE_NAME,
    )


async def run_generation(deps: GeneratorDeps, generation_id: UUID) -> str:
    """Run the generation to its end; returns its final status ("gone" when it is no more)."""
    pool, model = deps.context.pool, deps.context.model
    async with pool.connection() as conn:
        job = await store.for_worker(conn, generation_id)
    if job is None or job.status in store.FINAL:
        return "gone"
    kept = job.kept
    try:
        async with pool.connection() as conn:
            anchors, sources = await _anchors(deps.context, conn, job)
        if not anchors:
            raise PracticeGenerationFailed("These materials have no sentences to ask about.")
        async with pool.connection() as conn:
            await store.start(conn, job.id, len(anchors), model.model_id)
        outcome = await _write(deps, job, anchors, sources)
        if outcome is None:
            return "cancelled"
        kept = outcome
    except TutorError as exc:
        await _finish(deps, job, kept, exc.code, exc.message)
        return "failed"
    except Exception as exc:
        if database_unavailable(exc):
            raise  # arq runs it again; it resumes after the anchors it counted
        # A bug: the teacher is told, not left watching a job that never ends; arq logs it.
        await _finish(deps, job, kept, "internal_error", "Something went wrong writing the set.")
        raise
    await _finish(deps, job, kept)
    return "done"


async def _write(
    deps: GeneratorDeps, job: Generation, anchors: list[Sentence], sources: list[Source]
) -> int | None:
    """Write a question per anchor until enough are kept; the count kept, None if cancelled."""
    reply = Reply(job.id, job.id, job.owner_id, Mode.PRACTICE, deps.context.model.model_id, _quiet)
    reply.max_output_tokens = deps.max_output_tokens
    writer = ItemWriter(deps.context, reply, split_sources(sources))
    kept, dropped = job.kept, Counter(job.dropped)
    for anchor in anchors[job.done :]:
        if kept >= job.requested:
            break
        written = await writer.write(anchor)
        item = written if isinstance(written, PracticeItem) else None
        if item is None:
            dropped[str(written)] += 1
        async with deps.context.pool.connection() as conn:
            recorded = await store.record(conn, job, item, dict(dropped))
        if recorded is None:
            return None
        stored, (done, total, kept) = recorded
        await _progress(deps, job, stored, done, total, kept)
    if writer.audit.drafts and writer.audit.invalid == writer.audit.drafts:
        raise PracticeGenerationFailed("The model did not produce valid practice questions.")
    return kept


def _quiet(_: Event) -> None:
    """Nothing streams to a socket: progress goes out per question instead."""


async def _progress(
    deps: GeneratorDeps,
    job: Generation,
    stored: PracticeItem | None,
    done: int,
    total: int,
    kept: int,
) -> None:
    event = Event.of(
        "practice.generation.progress",
        generation_id=str(job.id),
        set_id=str(job.set_id),
        done=done,
        total=total,
        kept=kept,
        requested=job.requested,
        question=stored.public() if stored else None,
    )
    await publish(deps.redis, job.owner_id, event)


async def _finish(
    deps: GeneratorDeps,
    job: Generation,
    kept: int,
    code: str | None = None,
    message: str | None = None,
) -> None:
    async with deps.context.pool.connection() as conn:
        await store.finish(conn, job, kept, deps.context.model.model_id, code, message)
        final = await store.for_worker(conn, job.id)
    if final is None:
        return
    data: dict[str, Any] = {
        "generation_id": str(job.id),
        "set_id": str(job.set_id),
        "status": final.status,
        "kept": final.kept,
        "requested": final.requested,
        "dropped": final.dropped,
    }
    if code:
        data["error"] = {"code": code, "message": message}
        log.warning("practice generation %s failed: %s", job.id, message)
    await publish(deps.redis, job.owner_id, Event.of("practice.generation.done", **data))


async def _anchors(
    context: ChatContext, conn: AsyncConnection, job: Generation
) -> tuple[list[Sentence], list[Source]]:
    """The anchor sentences, in the order they are tried, and the sources they come from."""
    sources, query = await _sources(context, conn, job)
    if not sources:
        return [], []
    sentences = await score_sentences(context.embedder, query, sources)
    count = job.requested + max(MIN_SPARE_ANCHORS, job.requested)
    anchors = choose_anchors(sentences, count)
    if job.replaces_item is not None:  # the sentence the old question was written from goes last
        row = await (await conn.execute(OLD_ANCHOR, {"id": job.replaces_item})).fetchone()
        old = row[0] if row else None
        anchors.sort(key=lambda a: a.text == old)
    return anchors, sources


async def _sources(
    context: ChatContext, conn: AsyncConnection, job: Generation
) -> tuple[list[Source], np.ndarray]:
    """The passages to write from, and what their sentences are scored against."""
    if job.chunk_id is not None:
        rows = await _rows(conn, ONE_CHUNK, {"chunk_id": job.chunk_id})
        return _as_sources(rows), _centre(rows)
    params = {"document_ids": job.document_ids, "class_id": job.class_id, "owner_id": job.owner_id}
    rows = await _rows(conn, MATERIAL_CHUNKS, params)
    wanted = min(PASSAGES_PER_QUESTION * job.requested + SPARE_PASSAGES, MAX_PASSAGES)
    if not rows or job.topic is None:
        chosen = [rows[i] for i in spread(len(rows), wanted)]
        return _as_sources(chosen), _centre(chosen)
    query = await embed_query(context.embedder, job.topic)
    owners: dict[UUID, set[UUID]] = {}
    for row in rows:
        owners.setdefault(row["owner_id"], set()).add(row["document_id"])
    scopes = [Scope(owner, tuple(sorted(docs))) for owner, docs in owners.items()]
    hits = await search_scopes(conn, scopes, job.topic, query, k=wanted)
    return [Source(n, hit, hit.score) for n, hit in enumerate(hits, start=1)], query


async def _rows(conn: AsyncConnection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(sql, params)
    return await cur.fetchall()


def _as_sources(rows: list[dict[str, Any]]) -> list[Source]:
    hits = [
        SearchHit(
            chunk_id=r["chunk_id"],
            document_id=r["document_id"],
            filename=r["filename"],
            page_start=r["page_start"],
            page_end=r["page_end"],
            heading_path=list(r["heading_path"]),
            text=r["text"],
            score=0.0,
        )
        for r in rows
    ]
    return [Source(n, hit, 0.0) for n, hit in enumerate(hits, start=1)]


def _centre(rows: list[dict[str, Any]]) -> np.ndarray:
    """The passages' mean embedding, normalised: sentences near it are central to them."""
    if not rows:
        return np.zeros(0, dtype=np.float32)
    mean = np.mean([np.asarray(r["embedding"].to_numpy(), dtype=np.float32) for r in rows], axis=0)
    norm = float(np.linalg.norm(mean))
    centre: np.ndarray = mean / norm if norm else mean
    return centre
