"""`tutor ingest`: upload files as a user through the API's code path, optionally waiting."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from uuid import UUID

from psycopg import AsyncConnection
from tqdm import tqdm

from ingestion import documents
from ingestion.queue import LEASE_PREFIX
from ingestion.uploads import UploadLimits, accept_upload
from tutor.accounts import users
from tutor.errors import TutorError
from tutor.resources import Resources, opened
from tutor.runtime.worker import serve
from tutor.settings import Settings

log = logging.getLogger(__name__)
POLL_S = 0.3
TERMINAL = {"ready", "failed"}


async def ingest_files(
    settings: Settings, email: str, paths: list[Path], *, wait: bool, password: str | None
) -> int:
    """Upload each file; with `wait`, show a progress bar per document until it ends."""
    async with opened(settings, pool_size=2, redis=True) as resources:
        async with resources.pool.connection() as conn:
            owner = await users.get_user_by_email(conn, email)
            accepted, failures = await _upload_all(conn, resources, owner.id, paths, password)
        if wait and accepted:
            failures += await _wait_for(resources, owner.id, accepted)
    return 1 if failures else 0


async def _upload_all(
    conn: AsyncConnection,
    resources: Resources,
    owner_id: UUID,
    paths: list[Path],
    password: str | None,
) -> tuple[list[UUID], int]:
    """The ids of the documents accepted, and how many files were rejected."""
    settings = resources.settings
    limits = UploadLimits(settings.max_upload_bytes, settings.max_documents_per_user)
    accepted: list[UUID] = []
    for path in paths:
        try:
            result = await accept_upload(
                conn,
                resources.redis,
                owner_id,
                path.name,
                path.read_bytes(),
                limits=limits,
                password=password,
            )
        except (TutorError, OSError) as exc:
            print(f"{path}: rejected: {getattr(exc, 'message', exc)}")
            continue
        state = "queued" if result.created else f"unchanged, {result.document.status}"
        print(f"{path}: {state} as {result.document.id}")
        accepted.append(result.document.id)
    return accepted, len(paths) - len(accepted)


async def _wait_for(resources: Resources, owner_id: UUID, ids: list[UUID]) -> int:
    """Progress bars until every document is ready or failed; runs a worker if none is alive."""
    own_worker = None
    if not await resources.redis.keys(LEASE_PREFIX + "*"):
        log.info("no ingestion worker running; processing in this process")
        own_worker = asyncio.create_task(serve(resources.settings, burst=True))
    bars = {i: tqdm(total=100, desc=str(i)[:8], position=n, unit="%") for n, i in enumerate(ids)}
    failed = 0
    pending = set(ids)
    try:
        while pending:
            async with resources.pool.connection() as conn:
                for doc_id in list(pending):
                    doc = await documents.get_document(conn, owner_id, doc_id)
                    if _show(bars[doc_id], doc):
                        pending.discard(doc_id)
                        failed += doc.status == "failed"
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


def _show(bar: tqdm, doc: documents.Document) -> bool:
    """Draw the document's progress; True once it is ready or failed."""
    bar.set_description(f"{doc.filename[:28]} {doc.status}")
    bar.n = int(doc.progress * 100)
    bar.refresh()
    if doc.status not in TERMINAL:
        return False
    if doc.error_code:
        bar.write(f"{doc.filename}: failed ({doc.error_code}) {doc.error_message}")
    return True
