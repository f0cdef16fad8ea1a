"""The ingestion queue: Postgres is the source of truth, Redis (arq) only carries the work.

An upload is committed to Postgres before it is enqueued, so a Redis outage loses nothing;
`reconcile` later makes Redis reflect Postgres: it enqueues documents with no live job and
frees jobs held by workers that died (their lease expired).
"""

from __future__ import annotations

import logging
from uuid import UUID

from arq.connections import ArqRedis
from arq.constants import default_queue_name, in_progress_key_prefix, job_key_prefix
from psycopg import AsyncConnection
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

QUEUE_NAME = default_queue_name
TASK_NAME = "ingest_document"
LEASE_PREFIX = "tutor:worker-lease:"

MARK_ENQUEUED = "UPDATE ingestion_jobs SET enqueued_at = now() WHERE document_id = %(id)s"

PENDING_JOBS = """
SELECT d.id, d.status, j.worker_id
FROM documents d JOIN ingestion_jobs j ON j.document_id = d.id
WHERE d.status IN ('queued', 'processing')
ORDER BY d.created_at
LIMIT %(limit)s
"""


def job_id(document_id: UUID) -> str:
    """One arq job id per document, so enqueuing twice never runs it twice."""
    return f"ingest:{document_id}"


async def enqueue(redis: ArqRedis, document_id: UUID) -> bool:
    """Enqueue the document's ingestion; False when its job already exists."""
    job = await redis.enqueue_job(
        TASK_NAME, str(document_id), _job_id=job_id(document_id), _queue_name=QUEUE_NAME
    )
    return job is not None


async def try_enqueue(redis: ArqRedis | None, conn: AsyncConnection, document_id: UUID) -> bool:
    """Enqueue if Redis answers; otherwise leave it to `reconcile` and report False."""
    if redis is None:
        return False
    try:
        await enqueue(redis, document_id)
    except (RedisError, OSError) as exc:
        log.warning("Redis unavailable, %s stays queued in Postgres: %s", document_id, exc)
        return False
    await conn.execute(MARK_ENQUEUED, {"id": document_id})
    return True


async def reconcile(redis: ArqRedis, conn: AsyncConnection, limit: int = 1000) -> int:
    """Re-enqueue lost jobs and free jobs of dead workers; returns how many it fixed."""
    cur = await conn.execute(PENDING_JOBS, {"limit": limit})
    fixed = 0
    for document_id, status, worker_id in await cur.fetchall():
        jid = job_id(document_id)
        if await redis.exists(in_progress_key_prefix + jid):
            if status == "processing" and not await _lease_alive(redis, worker_id):
                # The job is still in arq's queue; dropping the marker lets a live worker take it.
                await redis.delete(in_progress_key_prefix + jid)
                log.warning("reclaimed %s from dead worker %s", document_id, worker_id)
                fixed += 1
            continue
        if not await redis.exists(job_key_prefix + jid) and await enqueue(redis, document_id):
            await conn.execute(MARK_ENQUEUED, {"id": document_id})
            log.info("re-enqueued %s (%s, no job in Redis)", document_id, status)
            fixed += 1
    return fixed


async def _lease_alive(redis: ArqRedis, worker_id: str | None) -> bool:
    return worker_id is not None and bool(await redis.exists(LEASE_PREFIX + worker_id))
