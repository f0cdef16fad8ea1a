"""The ingestion worker process: arq on Redis, resilient to Redis outages and its own crashes.

The task itself is `ingestion.pipeline.ingest`; this module runs it, keeps the worker's lease
and reconciles Redis with PostgreSQL every few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

from arq.connections import ArqRedis
from arq.worker import Retry, Worker, func
from prometheus_client import start_http_server
from psycopg import Error as DatabaseError
from redis.exceptions import RedisError

from ingestion.chunking import Chunker
from ingestion.embedding import Embedder
from ingestion.overview import refresh_missing_overviews
from ingestion.parser_process import ParserLimits, start_parser
from ingestion.pipeline import IngestionDeps, database_unavailable, ingest
from ingestion.queue import LEASE_PREFIX, QUEUE_NAME, TASK_NAME, reconcile
from tutor.job_codec import deserialize_job, serialize_job
from tutor.resources import Resources, opened
from tutor.runtime.study_jobs import study_cron_jobs, study_functions
from tutor.settings import Settings
from tutor.telemetry import JOBS

log = logging.getLogger(__name__)

REDIS_RETRY_S = 1.0
# Between runs of a job that PostgreSQL left mid-document; each run also waits up to
# TUTOR_DB_POOL_TIMEOUT_S for a connection, which paces the retries of a long outage.
DATABASE_RETRY_S = 2


async def ingest_document(ctx: dict[str, Any], document_id: str) -> str:
    """The arq task: one document through the pipeline."""
    deps: IngestionDeps = ctx["deps"]
    try:
        outcome = await ingest(deps, UUID(document_id))
    except asyncio.CancelledError:
        raise  # shutting down or timed out: arq runs it again, not an outcome
    except Exception as exc:
        if database_unavailable(exc):
            # arq runs it again (the task allows 1000 tries); it resumes after the stored chunks.
            JOBS.labels("retry").inc()
            log.warning(
                "document %s: database unavailable (%s); retrying in %ds",
                document_id,
                type(exc).__name__,
                DATABASE_RETRY_S,
            )
            raise Retry(defer=DATABASE_RETRY_S) from exc
        JOBS.labels("error").inc()  # arq retries it; the reconciler requeues it if lost
        raise
    JOBS.labels(outcome).inc()
    return outcome


def new_worker_id() -> str:
    """Unique per process start, so a restarted worker never inherits a dead one's lease."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@contextlib.asynccontextmanager
async def worker_deps(resources: Resources) -> AsyncIterator[IngestionDeps]:
    """The pipeline's dependencies over opened resources: adds the chunker and the parser."""
    settings, model = resources.settings, resources.embedder
    tokenizer = getattr(model, "tokenizer", None)
    if tokenizer is None:
        raise TypeError("the embedder must expose its tokenizer for token-sized chunking")
    limits = ParserLimits(
        memory_bytes=settings.parser_memory_mb * 1024 * 1024,
        cpu_s=settings.parser_cpu_s,
        wall_s=settings.parser_wall_s,
    )
    parser = (
        await asyncio.to_thread(
            start_parser, tokenizer, settings.chunk_tokens, settings.chunk_overlap_tokens, limits
        )
        if settings.parse_in_process
        else None
    )
    try:
        yield IngestionDeps(
            pool=resources.pool,
            redis=resources.redis,
            embedder=model,
            # Its own copy: a fast tokenizer's padding/truncation state is mutated per call, and
            # the parser thread chunks while the embedder encodes.
            chunker=Chunker(
                copy.deepcopy(tokenizer), settings.chunk_tokens, settings.chunk_overlap_tokens
            ),
            worker_id=new_worker_id(),
            max_attempts=settings.max_job_attempts,
            max_docx_bytes=settings.max_docx_uncompressed_bytes,
            embed_batch=settings.ingest_batch_chunks,
            parser=parser,
        )
    finally:
        if parser is not None:
            await asyncio.to_thread(parser.close)


# What a background loop outlives: a restarted or unreachable PostgreSQL or Redis. Anything
# else is a bug and ends the loop with its traceback.
TRANSIENT = (DatabaseError, RedisError, OSError)


async def _keep_lease(deps: IngestionDeps, lease_s: float) -> None:
    key = LEASE_PREFIX + deps.worker_id
    while True:
        try:
            await deps.redis.set(key, "1", px=int(lease_s * 1000))
        except TRANSIENT as exc:
            log.warning("could not renew worker lease: %s", exc)
        await asyncio.sleep(lease_s / 3)


async def _keep_reconciling(deps: IngestionDeps, redis: ArqRedis, interval_s: float) -> None:
    while True:
        try:
            async with deps.pool.connection() as conn:
                await reconcile(redis, conn)
        except TRANSIENT as exc:
            # A broken connection is discarded by the pool; the next round takes a fresh one.
            log.warning("reconcile skipped (%s): %s", type(exc).__name__, exc)
        await asyncio.sleep(interval_s)


async def _make_missing_overviews(deps: IngestionDeps) -> None:
    """Once per start: overviews for documents ready before overviews existed, or whose
    overview failed (the pipeline makes the others)."""
    try:
        made = await refresh_missing_overviews(deps.pool)
    except (DatabaseError, OSError) as exc:
        log.warning("missing overviews not made: %s", exc)
        return
    if made:
        log.info("made %d missing document overviews", made)


def _arq_worker(settings: Settings, redis: ArqRedis, deps: IngestionDeps, burst: bool) -> Worker:
    task = func(ingest_document, name=TASK_NAME, timeout=settings.job_timeout_s, max_tries=1000)
    return Worker(
        functions=[task, *study_functions(settings)],
        cron_jobs=study_cron_jobs(settings),
        queue_name=QUEUE_NAME,
        redis_pool=redis,
        ctx={"deps": deps, "settings": settings},
        max_jobs=settings.worker_max_jobs,
        job_timeout=settings.job_timeout_s,
        keep_result=0,
        poll_delay=0.2,
        burst=burst,
        handle_signals=False,
        job_serializer=serialize_job,
        job_deserializer=deserialize_job,
    )


def worker_pool_size(settings: Settings) -> int:
    """Connections for the concurrent jobs, the lease keeper, the reconciler and the start's
    missing overviews."""
    return settings.worker_max_jobs + 3


async def serve(
    settings: Settings, *, burst: bool = False, embedder: Embedder | None = None
) -> None:
    """Run the worker until cancelled (or, with `burst`, until the queue is empty)."""
    model = embedder if embedder is not None else True
    if settings.worker_metrics_port is not None:
        # prometheus_client serves from its own daemon thread; the endpoint has no auth, hence
        # the loopback default for the host.
        start_http_server(settings.worker_metrics_port, settings.worker_metrics_host)
        log.info(
            "worker metrics at http://%s:%d/metrics",
            settings.worker_metrics_host,
            settings.worker_metrics_port,
        )
    async with (
        opened(settings, pool_size=worker_pool_size(settings), redis=True, embedder=model) as res,
        worker_deps(res) as deps,
    ):
        background = [
            asyncio.create_task(_keep_lease(deps, settings.worker_lease_s)),
            asyncio.create_task(_keep_reconciling(deps, res.redis, settings.reconcile_interval_s)),
            asyncio.create_task(_make_missing_overviews(deps)),
        ]
        log.info("ingestion worker %s ready", deps.worker_id)
        try:
            await _run_until_done(settings, res.redis, deps, burst)
        finally:
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)


async def _run_until_done(
    settings: Settings, redis: ArqRedis, deps: IngestionDeps, burst: bool
) -> None:
    while True:
        worker = _arq_worker(settings, redis, deps, burst)
        try:
            await worker.main()
            return
        except (RedisError, OSError) as exc:
            # arq's loop ends on a lost connection; jobs are safe in Postgres, so wait and rejoin.
            log.warning("Redis unavailable (%s); retrying in %.0fs", exc, REDIS_RETRY_S)
            await asyncio.gather(*worker.tasks.values(), return_exceptions=True)
            await asyncio.sleep(REDIS_RETRY_S)
        except asyncio.CancelledError:
            # Shutting down: abandon running jobs; dropping the lease lets the next worker
            # reclaim them at once instead of after the lease times out.
            for job in worker.tasks.values():
                job.cancel()
            await asyncio.gather(*worker.tasks.values(), return_exceptions=True)
            with contextlib.suppress(RedisError, OSError):
                await redis.delete(LEASE_PREFIX + deps.worker_id)
            raise
