"""Ingesting one document: claim, extract, chunk, embed, store, mark ready (or failed)."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import class_row
from psycopg_pool import AsyncConnectionPool
from redis.asyncio import Redis

from ingestion import chunk_store, events
from ingestion.chunking import Chunk, Chunker
from ingestion.detection import detect_type
from ingestion.documents import DOCUMENT_COLUMNS, Document
from ingestion.embedding import Embedder
from ingestion.errors import CorruptDocument, IngestionError, WorkerCrashed
from ingestion.extraction import Extraction, ExtractOptions, extract

log = logging.getLogger(__name__)

PROGRESS_EVERY_S = 0.5

CLAIM = f"""
UPDATE documents SET status = 'processing', updated_at = now()
WHERE id = %(id)s AND status IN ('queued', 'processing')
RETURNING {DOCUMENT_COLUMNS}
"""
START_ATTEMPT = """
UPDATE ingestion_jobs SET attempts = attempts + 1, worker_id = %(worker_id)s, started_at = now()
WHERE document_id = %(id)s RETURNING attempts
"""
LOAD_FILE = "SELECT content, password FROM document_files WHERE document_id = %(id)s"
SET_PROGRESS = f"""
UPDATE documents SET pages_done = %(pages_done)s, pages_total = %(pages_total)s,
       chunks_done = %(chunks_done)s, chunks_total = %(chunks_total)s,
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


async def ingest(deps: IngestionDeps, document_id: UUID) -> str:
    """Run the document through the pipeline; returns its final status."""
    document, attempts = await _claim(deps, document_id)
    if document is None:
        return "gone"  # deleted, or finished by an earlier attempt
    try:
        if attempts > deps.max_attempts:
            raise WorkerCrashed(f"Processing stopped the worker {attempts - 1} times; giving up.")
        run = _Run(deps, document)
        await run.execute()
    except IngestionError as exc:
        await _finish(deps, document, "failed", exc.code, exc.message)
        return "failed"
    await _finish(deps, document, "ready", None, None)
    return "ready"


async def _claim(deps: IngestionDeps, document_id: UUID) -> tuple[Document | None, int]:
    async with deps.pool.connection() as conn:
        cur = conn.cursor(row_factory=class_row(Document))
        await cur.execute(CLAIM, {"id": document_id})
        document = await cur.fetchone()
        if document is None:
            return None, 0
        row = await (
            await conn.execute(START_ATTEMPT, {"id": document_id, "worker_id": deps.worker_id})
        ).fetchone()
    return document, int(row[0]) if row else 1


async def _finish(
    deps: IngestionDeps, document: Document, status: str, code: str | None, message: str | None
) -> None:
    async with deps.pool.connection() as conn:
        cur = conn.cursor(row_factory=class_row(Document))
        params = {"id": document.id, "status": status, "code": code, "message": message}
        await cur.execute(FINISH, params)
        final = await cur.fetchone()
        await conn.execute(FINISH_JOB, {"id": document.id})
        await conn.execute(FORGET_PASSWORD, {"id": document.id})
    if final is not None:
        kind = "ready" if status == "ready" else "failed"
        await events.publish(deps.redis, document.owner_id, events.document_event(kind, final))
    log.info("document %s %s%s", document.id, status, f" ({code}: {message})" if code else "")


class _Run:
    """One attempt at one document; tracks progress for the row and the event stream."""

    def __init__(self, deps: IngestionDeps, document: Document) -> None:
        self.deps = deps
        self.document = document
        self.loop = asyncio.get_running_loop()
        self.pages = (0, 0)
        self.chunks = (0, 0)
        self.needs_ocr = False
        self.last_report = 0.0

    async def execute(self) -> None:
        data, password = await self._load()
        extraction = await asyncio.to_thread(self._extract, data, password)
        self.needs_ocr = extraction.needs_ocr
        chunks = await asyncio.to_thread(self.deps.chunker.chunk, extraction.sections)
        if not chunks:
            raise CorruptDocument("No text could be extracted from the document.")
        await self._embed_and_store(chunks)

    async def _load(self) -> tuple[bytes, str | None]:
        async with self.deps.pool.connection() as conn:
            row = await (await conn.execute(LOAD_FILE, {"id": self.document.id})).fetchone()
        if row is None:
            raise CorruptDocument("The uploaded file is missing.")
        return bytes(row[0]), row[1]

    def _extract(self, data: bytes, password: str | None) -> Extraction:
        file_type = detect_type(data, self.document.filename)
        options = ExtractOptions(password=password, max_uncompressed_bytes=self.deps.max_docx_bytes)
        try:
            extraction = extract(data, file_type, options, self._on_page)
        except IngestionError:
            raise
        except Exception as exc:  # a parser bug on one file must fail that file, not the worker
            log.exception("extraction of %s crashed", self.document.id)
            raise CorruptDocument(f"The file could not be read ({type(exc).__name__}).") from exc
        total = extraction.pages_total or 0
        self.pages = (total, total)
        return extraction

    def _on_page(self, done: int, total: int) -> None:
        """Called from the extraction thread; hops back to the loop to report."""
        self.pages = (done, total)
        if time.monotonic() - self.last_report >= PROGRESS_EVERY_S:
            self.last_report = time.monotonic()
            asyncio.run_coroutine_threadsafe(self._report(), self.loop)

    async def _embed_and_store(self, chunks: list[Chunk]) -> None:
        async with self.deps.pool.connection() as conn:
            start = await chunk_store.stored_chunk_count(conn, self.document.id)
            await chunk_store.drop_chunks_from(conn, self.document.id, start)
        if start:
            log.info("resuming %s at chunk %d of %d", self.document.id, start, len(chunks))
        self.chunks = (start, len(chunks))
        await self._report(force=True)
        step = self.deps.embed_batch
        for first in range(start, len(chunks), step):
            batch = chunks[first : first + step]
            texts = [c.embedding_text() for c in batch]
            async with self.deps.embed_lock:
                vectors = await asyncio.to_thread(self.deps.embedder.embed, texts)
            async with self.deps.pool.connection() as conn:
                await chunk_store.copy_chunks(
                    conn, self.document.id, self.document.owner_id, batch, vectors
                )
                self.chunks = (first + len(batch), len(chunks))
                await self._report(conn=conn, force=True)

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
            "pages_done": self.pages[0], "pages_total": self.pages[1] or None,
            "chunks_done": self.chunks[0], "chunks_total": self.chunks[1] or None,
            "needs_ocr": self.needs_ocr,
        }  # fmt: skip
        cur = conn.cursor(row_factory=class_row(Document))
        await cur.execute(SET_PROGRESS, params)
        updated = await cur.fetchone()
        if updated is not None:
            event = events.document_event("progress", updated)
            await events.publish(self.deps.redis, self.document.owner_id, event)
