"""What the CLI's user, ingest and search commands do, over the same domain code as the API."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import asdict
from pathlib import Path
from typing import Any
from uuid import UUID

from tqdm import tqdm

from ingestion import documents
from ingestion.queue import LEASE_PREFIX, connect_redis
from ingestion.uploads import UploadLimits, accept_upload
from retrieval.search import SearchMode, SearchParams, embed_query, search_chunks
from tutor.accounts import users
from tutor.database import migrate, open_pool
from tutor.errors import TutorError
from tutor.runtime.worker import build_embedder, serve
from tutor.settings import Settings

log = logging.getLogger(__name__)
POLL_S = 0.3
TERMINAL = {"ready", "failed"}


async def create_user(settings: Settings, email: str, password: str, role: Any) -> int:
    """Create the account and print its id."""
    assert settings.database_url
    await migrate(settings.database_url)
    pool = await open_pool(settings.database_url, max_size=1)
    try:
        async with pool.connection() as conn:
            user = await users.create_user(conn, email, password, role)
    except TutorError as exc:
        print(f"error: {exc.message}")
        return 1
    finally:
        await pool.close()
    print(f"created {user.role} {user.email} ({user.id})")
    return 0


async def ingest_files(
    settings: Settings, email: str, paths: list[Path], *, wait: bool, password: str | None
) -> int:
    """Upload each file; with `wait`, show a progress bar per document until it ends."""
    assert settings.database_url and settings.redis_url
    await migrate(settings.database_url)
    pool = await open_pool(settings.database_url, max_size=2)
    redis = connect_redis(settings.redis_url)
    limits = UploadLimits(settings.max_upload_bytes, settings.max_documents_per_user)
    failures = 0
    try:
        async with pool.connection() as conn:
            owner = await users.get_user_by_email(conn, email)
            accepted: list[UUID] = []
            for path in paths:
                try:
                    result = await accept_upload(
                        conn, redis, owner.id, path.name, path.read_bytes(),
                        limits=limits, password=password,
                    )  # fmt: skip
                except (TutorError, OSError) as exc:
                    print(f"{path}: rejected: {getattr(exc, 'message', exc)}")
                    failures += 1
                    continue
                state = "queued" if result.created else f"unchanged, {result.document.status}"
                print(f"{path}: {state} as {result.document.id}")
                accepted.append(result.document.id)
        if wait and accepted:
            failures += await _wait_for(settings, pool, redis, owner.id, accepted)
    finally:
        await redis.aclose()
        await pool.close()
    return 1 if failures else 0


async def _wait_for(
    settings: Settings, pool: Any, redis: Any, owner_id: UUID, ids: list[UUID]
) -> int:
    """Progress bars until every document is ready or failed; runs a worker if none is alive."""
    own_worker = None
    if not await redis.keys(LEASE_PREFIX + "*"):
        log.info("no ingestion worker running; processing in this process")
        assert settings.database_url and settings.redis_url
        own_worker = asyncio.create_task(
            serve(settings, settings.database_url, settings.redis_url, burst=True)
        )
    bars = {i: tqdm(total=100, desc=str(i)[:8], position=n, unit="%") for n, i in enumerate(ids)}
    failed = 0
    pending = set(ids)
    try:
        while pending:
            async with pool.connection() as conn:
                for doc_id in list(pending):
                    doc = await documents.get_document(conn, owner_id, doc_id)
                    bar = bars[doc_id]
                    bar.set_description(f"{doc.filename[:28]} {doc.status}")
                    bar.n = int(doc.progress * 100)
                    bar.refresh()
                    if doc.status in TERMINAL:
                        pending.discard(doc_id)
                        failed += doc.status == "failed"
                        if doc.error_code:
                            bar.write(
                                f"{doc.filename}: failed ({doc.error_code}) {doc.error_message}"
                            )
            if own_worker is not None and own_worker.done() and pending:
                own_worker.result()  # surfaces the worker's error, if any
                own_worker = None
            await asyncio.sleep(POLL_S)
    finally:
        for bar in bars.values():
            bar.close()
        if own_worker is not None:
            own_worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await own_worker
    return failed


async def search_notes(
    settings: Settings, email: str, query: str, k: int, mode: str
) -> list[dict[str, Any]]:
    """The user's best chunks for the query, as plain dicts."""
    assert settings.database_url
    search_mode = SearchMode(mode)
    embedder = None if search_mode is SearchMode.FTS else build_embedder(settings)
    pool = await open_pool(settings.database_url, ef_search=settings.hnsw_ef_search, max_size=1)
    try:
        async with pool.connection() as conn:
            owner = await users.get_user_by_email(conn, email)
            embedding = None if embedder is None else await embed_query(embedder, query)
            params = SearchParams(candidates=settings.search_candidates)
            hits = await search_chunks(
                conn, owner.id, query, embedding, k=k, mode=search_mode, params=params
            )
    finally:
        await pool.close()
    return [asdict(hit) for hit in hits]
