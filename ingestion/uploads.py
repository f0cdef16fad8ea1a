"""Accepting an upload: validate, deduplicate by content, store, enqueue. Used by API and CLI."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from dataclasses import dataclass
from pathlib import PurePath
from uuid import UUID

from arq.connections import ArqRedis
from psycopg import AsyncConnection

from ingestion import documents
from ingestion.detection import FileType, detect_type
from ingestion.documents import Document
from ingestion.errors import DocumentNotFailed, FileTooLarge
from ingestion.queue import try_enqueue
from ingestion.storage_quota import check_room
from tutor.errors import InvalidInput

MAX_FILENAME_CHARS = 255


@dataclass(frozen=True)
class UploadLimits:
    """What one upload and one user may store."""

    max_bytes: int
    max_documents: int
    # The bytes of all the user's files together; None: no cap (the CLI, scripts).
    max_storage_bytes: int | None = None


@dataclass(frozen=True)
class UploadResult:
    """The stored document, and whether this upload created (or re-queued) it."""

    document: Document
    created: bool
    enqueued: bool


def clean_filename(filename: str) -> str:
    """The base name only, without control characters; never empty."""
    name = PurePath(filename.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip()[:MAX_FILENAME_CHARS]
    if not name:
        raise InvalidInput("The file needs a name.")
    return name


def inspect_upload(data: bytes, name: str) -> tuple[FileType, str]:
    """The file's type and sha256 (blocking: CPU-bound on large files)."""
    return detect_type(data, name), hashlib.sha256(data).hexdigest()


async def accept_upload(
    conn: AsyncConnection,
    redis: ArqRedis | None,
    owner_id: UUID,
    filename: str,
    data: bytes,
    *,
    limits: UploadLimits,
    password: str | None = None,
) -> UploadResult:
    """Store the file as a queued document and enqueue it. The same bytes again cost nothing,
    unless their document failed: then it is queued again (with `password`, if given).

    Commits before enqueuing: if Redis is down the upload is kept and enqueued later.
    """
    name = clean_filename(filename)
    if len(data) > limits.max_bytes:
        raise FileTooLarge(f"The file is {len(data):,} bytes; the limit is {limits.max_bytes:,}.")
    # A zip's directory (10^5 entries take ~1 s) and 50 MB of hashing would stall every other
    # request on this event loop.
    file_type, sha256 = await asyncio.to_thread(inspect_upload, data, name)
    async with conn.transaction():
        existing = await documents.find_by_sha256(conn, owner_id, sha256)
        if existing is not None and existing.status != "failed":
            return UploadResult(existing, created=False, enqueued=False)
        if existing is not None:  # the same bytes again start a failed document again
            document = await documents.requeue_document(conn, existing.id, password)
        else:
            document = await _insert(
                conn, owner_id, name, data, file_type.value, sha256, password, limits
            )
    enqueued = await _commit_then_enqueue(conn, redis, document.id)
    return UploadResult(document, created=True, enqueued=enqueued)


async def retry_document(
    conn: AsyncConnection, redis: ArqRedis | None, owner_id: UUID, document_id: UUID
) -> Document:
    """Queue the owner's failed document again with fresh attempts; commits, then enqueues.

    Raises DocumentNotFound for anyone else's and DocumentNotFailed unless it failed.
    """
    if (await documents.get_document(conn, owner_id, document_id)).status != "failed":
        raise DocumentNotFailed()
    document = await documents.requeue_document(conn, document_id, None)
    await _commit_then_enqueue(conn, redis, document.id)
    return document


async def _commit_then_enqueue(
    conn: AsyncConnection, redis: ArqRedis | None, document_id: UUID
) -> bool:
    # Explicitly: the caller's transaction (a request's user lookup) may hold ours open, and a
    # worker that takes the job before the commit finds no queued row and drops it.
    await conn.commit()
    async with conn.transaction():
        return await try_enqueue(redis, conn, document_id)


async def _insert(
    conn: AsyncConnection,
    owner_id: UUID,
    name: str,
    data: bytes,
    mime: str,
    sha256: str,
    password: str | None,
    limits: UploadLimits,
) -> Document:
    await check_room(
        conn,
        owner_id,
        len(data),
        max_documents=limits.max_documents,
        max_bytes=limits.max_storage_bytes,
    )
    values = {
        "id": uuid.uuid4(),
        "owner_id": owner_id,
        "filename": name,
        "mime": mime,
        "sha256": sha256,
        "size_bytes": len(data),
        "content": data,
        "password": password,
    }
    document = await documents.insert_document(conn, values)
    if document is None:  # a concurrent upload of the same bytes won the race
        found = await documents.find_by_sha256(conn, owner_id, sha256)
        assert found is not None
        return found
    return document
