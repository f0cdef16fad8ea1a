"""Documents: the rows users see, and the SQL that moves them through their lifecycle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import class_row

from ingestion.chunk_store import drop_chunks_from
from ingestion.errors import DocumentDeleted
from tutor.database import Keyset, after_params
from tutor.errors import DocumentNotFound

DOCUMENT_COLUMNS = """
id, owner_id, filename, mime, sha256, size_bytes, status, pages_total, pages_done,
chunks_total, chunks_done, chunks_seen, needs_ocr, error_code, error_message,
created_at, updated_at, ready_at
"""


@dataclass
class DocumentError:
    """Why a document failed: a stable code and, where there is one, a human message."""

    code: str
    message: str | None


@dataclass
class Document:
    """A user's uploaded file and how far its ingestion has got."""

    id: UUID
    owner_id: UUID
    filename: str
    mime: str | None
    sha256: str
    size_bytes: int
    status: str
    pages_total: int | None
    pages_done: int
    chunks_total: int | None
    chunks_done: int
    chunks_seen: int
    needs_ocr: bool
    error_code: str | None
    error_message: str | None
    created_at: datetime
    updated_at: datetime
    ready_at: datetime | None

    @property
    def progress(self) -> float:
        """0..1: parsing counts for the first 20%, embedding for the rest."""
        if self.status == "ready":
            return 1.0
        pages = self.pages_done / self.pages_total if self.pages_total else 0.0
        total = self.chunks_total
        if total is None and self.chunks_seen:
            # Still parsing: extrapolate the chunk count from the pages read so far.
            total = round(self.chunks_seen / pages) if pages else self.chunks_seen
        chunks = min(1.0, self.chunks_done / total) if total else 0.0
        return round(0.2 * (pages if self.pages_total else chunks) + 0.8 * chunks, 4)

    @property
    def error(self) -> DocumentError | None:
        """Why ingestion failed; None unless it did."""
        return DocumentError(self.error_code, self.error_message) if self.error_code else None


INSERT_DOCUMENT = f"""
INSERT INTO documents (id, owner_id, filename, mime, sha256, size_bytes, status)
VALUES (%(id)s, %(owner_id)s, %(filename)s, %(mime)s, %(sha256)s, %(size_bytes)s, 'queued')
ON CONFLICT (owner_id, sha256) DO NOTHING
RETURNING {DOCUMENT_COLUMNS}
"""

INSERT_FILE = """
INSERT INTO document_files (document_id, content, password)
VALUES (%(document_id)s, %(content)s, %(password)s)
"""

INSERT_JOB = "INSERT INTO ingestion_jobs (document_id) VALUES (%(document_id)s)"

DOCUMENT_BY_ID = f"""
SELECT {DOCUMENT_COLUMNS} FROM documents WHERE id = %(id)s AND owner_id = %(owner_id)s
"""

DOCUMENT_BY_SHA = f"""
SELECT {DOCUMENT_COLUMNS} FROM documents WHERE owner_id = %(owner_id)s AND sha256 = %(sha256)s
"""

# Without a cursor the key compares as (infinity, max uuid): one statement serves every page
# and stays an index range scan even as a prepared, generic plan.
LIST_DOCUMENTS = f"""
SELECT {DOCUMENT_COLUMNS} FROM documents
WHERE owner_id = %(owner_id)s
  AND (%(status)s::text IS NULL OR status = %(status)s)
  AND (created_at, id) < (coalesce(%(after_ts)s::timestamptz, 'infinity'),
                          coalesce(%(after_id)s::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'))
ORDER BY created_at DESC, id DESC
LIMIT %(limit)s
"""

COUNT_DOCUMENTS = "SELECT count(*) FROM documents WHERE owner_id = %(owner_id)s"

DELETE_DOCUMENT = "DELETE FROM documents WHERE id = %(id)s AND owner_id = %(owner_id)s"

# Taken before anything of the document is dropped: it waits for a batch being stored to
# commit (so that batch's term counts are uncounted too) and keeps the next batch out.
LOCK_FOR_DELETE = """
SELECT id FROM documents WHERE id = %(id)s AND owner_id = %(owner_id)s FOR UPDATE
"""

# The ingestion side of that lock: a batch is stored only while its document still exists.
LOCK_FOR_WRITING = "SELECT id FROM documents WHERE id = %(id)s FOR NO KEY UPDATE"

REQUEUE_DOCUMENT = f"""
UPDATE documents SET status = 'queued', error_code = NULL, error_message = NULL,
       pages_done = 0, chunks_done = 0, chunks_seen = 0, updated_at = now()
WHERE id = %(id)s
RETURNING {DOCUMENT_COLUMNS}
"""

REPLACE_PASSWORD = """
UPDATE document_files SET password = %(password)s WHERE document_id = %(document_id)s
"""

RESET_JOB = "UPDATE ingestion_jobs SET attempts = 0, enqueued_at = NULL WHERE document_id = %(id)s"


async def insert_document(conn: AsyncConnection, values: dict[str, Any]) -> Document | None:
    """Insert a queued document with its file and job row; None if this owner has the sha256."""
    cur = conn.cursor(row_factory=class_row(Document))
    await cur.execute(INSERT_DOCUMENT, values)
    document = await cur.fetchone()
    if document is None:
        return None
    await conn.execute(
        INSERT_FILE,
        {"document_id": document.id, "content": values["content"], "password": values["password"]},
    )
    await conn.execute(INSERT_JOB, {"document_id": document.id})
    return document


async def get_document(conn: AsyncConnection, owner_id: UUID, document_id: UUID) -> Document:
    """The owner's document; raises DocumentNotFound for anyone else's."""
    cur = conn.cursor(row_factory=class_row(Document))
    await cur.execute(DOCUMENT_BY_ID, {"id": document_id, "owner_id": owner_id})
    document = await cur.fetchone()
    if document is None:
        raise DocumentNotFound()
    return document


async def find_by_sha256(conn: AsyncConnection, owner_id: UUID, sha256: str) -> Document | None:
    """The owner's document with these exact bytes, if any."""
    cur = conn.cursor(row_factory=class_row(Document))
    await cur.execute(DOCUMENT_BY_SHA, {"owner_id": owner_id, "sha256": sha256})
    return await cur.fetchone()


async def list_documents(
    conn: AsyncConnection,
    owner_id: UUID,
    *,
    limit: int,
    status: str | None = None,
    after: Keyset | None = None,
) -> list[Document]:
    """The owner's documents, newest first, after the (created_at, id) of `after` if given."""
    cur = conn.cursor(row_factory=class_row(Document))
    params = {"owner_id": owner_id, "status": status, "limit": limit, **after_params(after)}
    await cur.execute(LIST_DOCUMENTS, params)
    return await cur.fetchall()


async def count_documents(conn: AsyncConnection, owner_id: UUID) -> int:
    """How many documents the owner has."""
    cur = await conn.execute(COUNT_DOCUMENTS, {"owner_id": owner_id})
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def delete_document(conn: AsyncConnection, owner_id: UUID, document_id: UUID) -> None:
    """Delete the owner's document; its file, chunks, term counts and job go with it."""
    cur = await conn.execute(LOCK_FOR_DELETE, {"id": document_id, "owner_id": owner_id})
    if await cur.fetchone() is None:
        raise DocumentNotFound()
    await drop_chunks_from(conn, document_id, 0)
    cur = await conn.execute(DELETE_DOCUMENT, {"id": document_id, "owner_id": owner_id})
    if cur.rowcount == 0:
        raise DocumentNotFound()


async def lock_for_writing(conn: AsyncConnection, document_id: UUID) -> None:
    """Hold the document while a batch of its chunks is written; raises DocumentDeleted if it
    is gone (a delete that was under way is waited for)."""
    cur = await conn.execute(LOCK_FOR_WRITING, {"id": document_id})
    if await cur.fetchone() is None:
        raise DocumentDeleted()


async def requeue_document(
    conn: AsyncConnection, document_id: UUID, password: str | None
) -> Document:
    """Put a document back in the queue with fresh attempts (e.g. with the password it
    lacked)."""
    if password is not None:
        await conn.execute(REPLACE_PASSWORD, {"document_id": document_id, "password": password})
    await conn.execute(RESET_JOB, {"id": document_id})
    cur = conn.cursor(row_factory=class_row(Document))
    await cur.execute(REQUEUE_DOCUMENT, {"id": document_id})
    document = await cur.fetchone()
    if document is None:
        raise DocumentNotFound()
    return document
