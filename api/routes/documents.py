"""Uploading, listing, inspecting and deleting one's documents."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, File, Form, Query, Response, UploadFile, status
from pydantic import BaseModel

from api.deps import ConnDep, StateDep, UserDep
from ingestion import documents
from ingestion.documents import Document
from ingestion.errors import FileTooLarge
from ingestion.uploads import UploadLimits, accept_upload
from tutor.errors import InvalidInput

router = APIRouter(prefix="/documents", tags=["documents"])

Status = Literal["queued", "processing", "ready", "failed"]


class ErrorPublic(BaseModel):
    """Why a document failed."""

    code: str
    message: str | None


class DocumentPublic(BaseModel):
    """A document and its ingestion progress."""

    id: UUID
    filename: str
    mime: str | None
    size_bytes: int
    sha256: str
    status: Status
    progress: float
    pages_done: int
    pages_total: int | None
    chunks_done: int
    chunks_total: int | None
    needs_ocr: bool
    error: ErrorPublic | None
    created_at: datetime
    updated_at: datetime
    ready_at: datetime | None
    duplicate: bool = False

    @classmethod
    def of(cls, doc: Document, duplicate: bool = False) -> DocumentPublic:
        """The public view of a document row."""
        error = (
            ErrorPublic(code=doc.error_code, message=doc.error_message) if doc.error_code else None
        )
        return cls(
            id=doc.id, filename=doc.filename, mime=doc.mime, size_bytes=doc.size_bytes,
            sha256=doc.sha256, status=doc.status,  # type: ignore[arg-type]
            progress=doc.progress, pages_done=doc.pages_done, pages_total=doc.pages_total,
            chunks_done=doc.chunks_done, chunks_total=doc.chunks_total, needs_ocr=doc.needs_ocr,
            error=error, created_at=doc.created_at, updated_at=doc.updated_at,
            ready_at=doc.ready_at, duplicate=duplicate,
        )  # fmt: skip


class DocumentPage(BaseModel):
    """One page of documents; pass `next_cursor` back as `cursor` for the next."""

    items: list[DocumentPublic]
    next_cursor: str | None


def _encode_cursor(doc: Document) -> str:
    return base64.urlsafe_b64encode(f"{doc.created_at.isoformat()}|{doc.id}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        created, _, doc_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.fromisoformat(created), UUID(doc_id)
    except (ValueError, binascii.Error) as exc:
        raise InvalidInput("The cursor is not valid.") from exc


@router.post("", status_code=status.HTTP_202_ACCEPTED)
async def upload_document(
    user: UserDep,
    state: StateDep,
    conn: ConnDep,
    response: Response,
    file: Annotated[UploadFile, File(description="PDF, DOCX, Markdown or plain text")],
    password: Annotated[str | None, Form(description="Opens an encrypted PDF")] = None,
) -> DocumentPublic:
    """Store the file and queue it for ingestion; answers at once (202)."""
    limit = state.settings.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(f"The file is larger than the {limit:,}-byte limit.")
    limits = UploadLimits(max_bytes=limit, max_documents=state.settings.max_documents_per_user)
    result = await accept_upload(
        conn, state.redis, user.user_id, file.filename or "", data,
        limits=limits, password=password or None,
    )  # fmt: skip
    if not result.created:
        response.status_code = status.HTTP_200_OK
    return DocumentPublic.of(result.document, duplicate=not result.created)


@router.get("")
async def list_documents(
    user: UserDep,
    conn: ConnDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: str | None = None,
    status: Status | None = None,
) -> DocumentPage:
    """The caller's documents, newest first."""
    after = _decode_cursor(cursor) if cursor else None
    rows = await documents.list_documents(
        conn, user.user_id, limit=limit + 1, status=status, after=after
    )
    page = rows[:limit]
    next_cursor = _encode_cursor(page[-1]) if len(rows) > limit else None
    return DocumentPage(items=[DocumentPublic.of(d) for d in page], next_cursor=next_cursor)


@router.get("/{document_id}")
async def get_document(document_id: UUID, user: UserDep, conn: ConnDep) -> DocumentPublic:
    """One of the caller's documents with its progress."""
    return DocumentPublic.of(await documents.get_document(conn, user.user_id, document_id))


@router.delete("/{document_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_document(document_id: UUID, user: UserDep, conn: ConnDep) -> None:
    """Delete the document with its file and chunks."""
    await documents.delete_document(conn, user.user_id, document_id)
