"""Ingesting one document: claim, extract, chunk, embed, store, mark ready (or failed)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from uuid import UUID

import numpy as np
from numpy.typing import NDArray
from psycopg import AsyncConnection, OperationalError
from psycopg.errors import QueryCanceled
from psycopg.rows import class_row
from psycopg_pool import AsyncConnectionPool
from redis.asyncio import Redis

from ingestion import chunk_store, events, overview
from ingestion.chunking import Chunk, Chunker
from ingestion.documents import DOCUMENT_COLUMNS, Document, lock_for_writing
from ingestion.embedding import Embedder, submit_embedding
from ingestion.errors import (
    CorruptDocument,
    DocumentDeleted,
    IngestionError,
    NoText,
    WorkerCrashed,
)
from ingestion.extraction import ExtractionReport, ExtractOptions
from ingestion.parser_process import ParseJob, ParserProcess, document_chunks
from tutor.study import card_sources

log = logging.getLogger(__name__)

PROGRESS_EVERY_S = 0.5
# Fewer chunks than this are not worth an encode call while more are still coming.
MIN_EMBED_BATCH = 64
# Once parsing is done, the document's last batch is kept about this small: nothing is left to
# embed while it is stored, so its store is pure waiting.
LAST_BATCH = 32

CLAIM = f"""
UPDATE documents SET status = 'processing', updated_at = now()
WHERE id = %(id)s AND status IN ('queued', 'processing')
RETURNING {DOCUMENT_COLUMNS}
"""
START_ATTEMPT = """
UPDATE ingestion_jobs
SET attempts = attempts + %(counted)s, worker_id = %(worker_id)s, started_at = now()
WHERE document_id = %(id)s RETURNING attempts
"""
LOAD_FILE = "SELECT content, password FROM document_files WHERE document_id = %(id)s"
SET_PROGRESS = f"""
UPDATE documents SET pages_done = %(pages_done)s, pages_total = %(pages_total)s,
       chunks_done = %(chunks_done)s, chunks_total = %(chunks_total)s,
       chunks_seen = %(chunks_seen)s,
       needs_ocr = %(needs_ocr)s, updated_at = now()
WHERE id = %(id)s RETURNING {DOCUMENT_COLUMNS}
"""
FINISH = f"""
UPDATE documents SET status = %(status)s, error_code = %(code)s, error_message = %(message)s,
       updated_at = now(), ready_at = CASE WHEN %(status)s = 'ready' THEN now() END
WHERE id = %(id)s RETURNING {DOCUMENT_COLUMNS}
"""
# The password is only needed while processing; don't keep it around afterwards.
FINISH_JOB = """
UPDATE ingestion_jobs SET finished_at = now(), worker_id = NULL WHERE document_id = %(id)s
"""
FORGET_PASSWORD = "UPDATE document_files SET password = NULL WHERE document_id = %(id)s"


@dataclass
class IngestionDeps:
    """What the pipeline needs; built once per worker process."""

    pool: AsyncConnectionPool
    redis: Redis
    embedder: Embedder
    chunker: Chunker
    worker_id: str
    max_attempts: int = 3
    max_docx_bytes: int = 200 * 1024 * 1024
    embed_batch: int = 256
    # One encode at a time: concurrent jobs overlap their parsing with another job's
    # embedding instead of fighting over the same cores.
    embed_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Parses and chunks off the GIL (ingestion.parser_process); None parses in a thread here.
    parser: ParserProcess | None = None
    # Documents whose last run here ended because PostgreSQL went away: that run did not crash
    # its worker, so the retry's claim does not count as another attempt.
    interrupted: set[UUID] = field(default_factory=set)


def database_unavailable(exc: BaseException) -> bool:
    """True when PostgreSQL is down or unreachable (a restart, a failover, no pooled connection
    in time): no fault of the document, and over once the database is back. A statement
    timeout is not: the same statement may well time out again."""
    return isinstance(exc, OperationalError) and not isinstance(exc, QueryCanceled)


async def ingest(deps: IngestionDeps, document_id: UUID) -> str:
    """Run the document through the pipeline; returns its final status."""
    document, attempts = await _claim(deps, document_id)
    if document is None:
        return "gone"  # deleted, or finished by an earlier attempt
    try:
        return await _ingest_claimed(deps, document, attempts)
    except DocumentDeleted:
        # Every batch is stored under the document's row lock, which the delete takes first:
        # whatever was stored went with the document, and nothing is stored after it.
        log.info("document %s deleted during ingestion; stopped", document.id)
        return "deleted"
    except OperationalError as exc:
        if database_unavailable(exc):
            deps.interrupted.add(document.id)
        raise


async def _ingest_claimed(deps: IngestionDeps, document: Document, attempts: int) -> str:
    try:
        if attempts > deps.max_attempts:
            raise WorkerCrashed(f"Processing stopped the worker {attempts - 1} times; giving up.")
        run = _Run(deps, document)
        await run.execute()
    except IngestionError as exc:
        await _finish(deps, document, "failed", exc.code, exc.message)
        return "failed"
    # Made before `ready` and stored with it, in one transaction; it cannot fail the document.
    made = await overview.try_build_overview(deps.pool, document.owner_id, document.id)
    await _finish(deps, document, "ready", None, None, made)
    return "ready"


async def _claim(deps: IngestionDeps, document_id: UUID) -> tuple[Document | None, int]:
    async with deps.pool.connection() as conn:
        cur = conn.cursor(row_factory=class_row(Document))
        await cur.execute(CLAIM, {"id": document_id})
        document = await cur.fetchone()
        if document is None:
            return None, 0
        counted = 0 if document_id in deps.interrupted else 1
        params = {"id": document_id, "worker_id": deps.worker_id, "counted": counted}
        row = await (await conn.execute(START_ATTEMPT, params)).fetchone()
    deps.interrupted.discard(document_id)
    return document, int(row[0]) if row else 1


async def _finish(
    deps: IngestionDeps,
    document: Document,
    status: str,
    code: str | None,
    message: str | None,
    made: overview.Overview | None = None,
) -> None:
    async with deps.pool.connection() as conn:
        cur = conn.cursor(row_factory=class_row(Document))
        params = {"id": document.id, "status": status, "code": code, "message": message}
        await cur.execute(FINISH, params)
        final = await cur.fetchone()
        if final is None:
            raise DocumentDeleted()
        await conn.execute(FINISH_JOB, {"id": document.id})
        await conn.execute(FORGET_PASSWORD, {"id": document.id})
        if status == "failed":  # a failed document must not stay half-searchable
            await chunk_store.drop_chunks_from(conn, document.id, 0)
        if made is not None:
            await overview.save_quietly(conn, document.owner_id, made)
        if status == "ready":  # cards quoting an earlier version of it may need re-pointing
            await card_sources.recheck_document(conn, document.id)
    kind = "ready" if status == "ready" else "failed"
    await events.publish(deps.redis, document.owner_id, events.document_event(kind, final))
    log.info("document %s %s%s", document.id, status, f" ({code}: {message})" if code else "")


class _ProducerDone:
    """Sentinel: the producer thread has chunked the whole document."""


class _Run:
    """One attempt at one document.

    A producer thread parses and chunks while this coroutine embeds and stores what is ready,
    so parsing overlaps with encoding instead of adding to it.
    """

    def __init__(self, deps: IngestionDeps, document: Document) -> None:
        self.deps = deps
        self.document = document
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[Chunk | BaseException | _ProducerDone] = asyncio.Queue()
        self.report = ExtractionReport()
        self.pages = (0, 0)
        self.chunks: tuple[int, int | None] = (0, None)
        self.seen = 0  # chunks produced so far, written by the producer thread
        self.last_report = 0.0
        # Set when the consumer gives up (an error, a deleted document): the producer thread
        # stops at its next chunk instead of parsing the rest of the file for nobody.
        self.abandoned = threading.Event()

    async def execute(self) -> None:
        data, password = await self._load()
        start = await self._resume_point()
        self.chunks = (start, None)
        producer = asyncio.create_task(asyncio.to_thread(self._produce, data, password, start))
        try:
            total = await self._consume(start)
        finally:
            self.abandoned.set()
            await asyncio.gather(producer, return_exceptions=True)
        if total == 0:
            raise NoText("No text could be extracted from the document.")

    async def _load(self) -> tuple[bytes, str | None]:
        async with self.deps.pool.connection() as conn:
            row = await (await conn.execute(LOAD_FILE, {"id": self.document.id})).fetchone()
        if row is None:  # the file goes only with its document
            raise DocumentDeleted()
        return bytes(row[0]), row[1]

    async def _resume_point(self) -> int:
        async with self.deps.pool.connection() as conn:
            start = await chunk_store.stored_chunk_count(conn, self.document.id)
            await chunk_store.drop_chunks_from(conn, self.document.id, start)
        if start:
            log.info("resuming %s after %d stored chunks", self.document.id, start)
        return start

    def _produce(self, data: bytes, password: str | None, skip: int) -> None:
        """Thread: parse and chunk, handing chunks past the resume point to the event loop."""
        put = self.queue.put_nowait
        try:
            with contextlib.closing(self._chunks(data, password)) as chunks:
                for chunk in chunks:
                    if self.abandoned.is_set():
                        return
                    self.seen = chunk.ordinal + 1
                    if chunk.ordinal >= skip:
                        self.loop.call_soon_threadsafe(put, chunk)
            self.loop.call_soon_threadsafe(put, _ProducerDone())
        except IngestionError as exc:
            self.loop.call_soon_threadsafe(put, exc)
        except Exception as exc:  # a parser bug on one file must fail that file, not the worker
            log.exception("parsing %s crashed", self.document.id)
            error = CorruptDocument(f"The file could not be read ({type(exc).__name__}).")
            self.loop.call_soon_threadsafe(put, error)

    def _chunks(self, data: bytes, password: str | None) -> Generator[Chunk]:
        """The document's chunks: from the parser process when there is one, else parsed here.

        A generator, so that closing it early closes the parser's stream (and frees the parser).
        """
        options = ExtractOptions(password, self.deps.max_docx_bytes)
        if self.deps.parser is not None:
            job = ParseJob(data, self.document.filename, options)
            yield from self.deps.parser.parse(job, self.report, self._on_page)
            return
        yield from document_chunks(
            data, self.document.filename, options, self.deps.chunker, self.report, self._on_page
        )

    async def _consume(self, start: int) -> int:
        """Embed and store chunks as they arrive; returns the document's chunk count.

        The next batch is queued on the encoder before the last one's vectors are taken, so the
        encoder never idles between batches, and a batch is stored while the next is embedded;
        stores still run one at a time, in order.
        """
        pending: list[Chunk] = []
        done = False
        stored = start
        embedding: tuple[list[Chunk], asyncio.Future[NDArray[np.float32]]] | None = None
        storing: asyncio.Task[None] | None = None
        try:
            while not done or pending or embedding is not None:
                if not done:
                    done = await self._take(pending)
                queued = None
                if pending and (done or len(pending) >= MIN_EMBED_BATCH):
                    batch = pending[: self._batch_size(len(pending), done)]
                    del pending[: len(batch)]
                    queued = (batch, await self._submit(batch))
                if embedding is not None and (queued is not None or done or embedding[1].done()):
                    batch, vectors = embedding[0], await embedding[1]
                    behind = (len(queued[0]) if queued is not None else 0) + len(pending)
                    total = stored + len(batch) + behind if done else None
                    if storing is not None:
                        await storing
                    storing = asyncio.create_task(self._store(batch, vectors, total))
                    stored += len(batch)
                    embedding = None
                if queued is not None:
                    embedding = queued
            if storing is not None:
                await storing
        finally:
            if storing is not None and not storing.done():
                storing.cancel()
                await asyncio.gather(storing, return_exceptions=True)
        self.chunks = (stored, stored)
        await self._report(force=True)
        return stored

    def _batch_size(self, pending: int, done: bool) -> int:
        if done and pending > 2 * LAST_BATCH:
            return min(self.deps.embed_batch, pending - LAST_BATCH)
        return self.deps.embed_batch

    async def _take(self, pending: list[Chunk]) -> bool:
        """Wait for the next item, then drain what is ready; True once the producer is done."""
        item = await self.queue.get()
        while True:
            if isinstance(item, BaseException):
                raise item
            if isinstance(item, _ProducerDone):
                return True
            pending.append(item)
            if self.queue.empty() or len(pending) >= self.deps.embed_batch:
                return False
            item = self.queue.get_nowait()

    async def _submit(self, batch: list[Chunk]) -> asyncio.Future[NDArray[np.float32]]:
        """Queue the batch on the encoder; its vectors come through the returned future."""
        texts = [chunk.embedding_text() for chunk in batch]
        known = [chunk.embedding_ids for chunk in batch if chunk.embedding_ids is not None]
        ids = known if len(known) == len(batch) else None  # the chunker's, spares re-tokenising
        async with self.deps.embed_lock:
            queued = await asyncio.to_thread(submit_embedding, self.deps.embedder, texts, ids)
        return asyncio.wrap_future(queued)

    async def _store(
        self, batch: list[Chunk], vectors: NDArray[np.float32], total: int | None
    ) -> None:
        async with self.deps.pool.connection() as conn:
            await lock_for_writing(conn, self.document.id)
            await chunk_store.copy_chunks(
                conn, self.document.id, self.document.owner_id, batch, vectors
            )
            self.chunks = (batch[-1].ordinal + 1, total)
            await self._report(conn=conn, force=True)

    def _on_page(self, done: int, total: int) -> None:
        """Called from the producer thread; hops back to the loop to report."""
        self.pages = (done, total)
        if time.monotonic() - self.last_report >= PROGRESS_EVERY_S:
            self.last_report = time.monotonic()
            asyncio.run_coroutine_threadsafe(self._report(), self.loop)

    async def _report(self, conn: AsyncConnection | None = None, force: bool = False) -> None:
        if not force and time.monotonic() - self.last_report < PROGRESS_EVERY_S:
            return
        self.last_report = time.monotonic()
        if conn is None:
            async with self.deps.pool.connection() as own:
                await self._write_progress(own)
        else:
            await self._write_progress(conn)

    async def _write_progress(self, conn: AsyncConnection) -> None:
        params = {
            "id": self.document.id,
            "pages_done": self.pages[0],
            "pages_total": self.pages[1] or None,
            "chunks_done": self.chunks[0],
            "chunks_total": self.chunks[1],
            "chunks_seen": self.seen,
            "needs_ocr": self.report.needs_ocr,
        }
        cur = conn.cursor(row_factory=class_row(Document))
        await cur.execute(SET_PROGRESS, params)
        updated = await cur.fetchone()
        if updated is not None:
            event = events.document_event("progress", updated)
            await events.publish(self.deps.redis, self.document.owner_id, event)
