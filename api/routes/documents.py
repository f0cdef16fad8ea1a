"""Uploading, listing, inspecting and deleting one's documents."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, File, Form, Request, Response, UploadFile, status

from api.deps import ConnDep, StateDep, UserDep
from api.error_responses import error_responses
from api.pagination import Cursor, Limit, Page, decode_cursor, paginate
from api.rate_limits import client_ip, rate_limited
from api.schemas import PublicModel
from ingestion import documents, overview
from ingestion.errors import FileTooLarge
from ingestion.uploads import UploadLimits, accept_upload, retry_document
from tutor.accounts import audit

router = APIRouter(
    prefix="/documents", tags=["documents"], responses=error_responses(400, 401, 422)
)

Status = Literal["queued", "processing", "ready", "failed"]


class ErrorPublic(PublicModel):
    """Why a document failed."""

    code: str
    message: str | None


class DocumentPublic(PublicModel):
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


class SummarySentencePublic(PublicModel):
    """A sentence of the document's summary, with the pages of the passage it comes from."""

    text: str
    page_start: int | None
    page_end: int | None


class ConceptPublic(PublicModel):
    """A key concept of the document: a term as the document writes it; the best weighs 1."""

    term: str
    weight: float


class OverviewPublic(PublicModel):
    """A document's extractive summary (its most central sentences, in reading order) and its
    key concepts (terms frequent in it and rare in the owner's other documents)."""

    document_id: UUID
    summary: list[SummarySentencePublic]
    concepts: list[ConceptPublic]
    computed_ms: float


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[rate_limited("upload")],
    responses={
        200: {"model": DocumentPublic, "description": "The same file, uploaded before."},
        **error_responses(400, 413, 415, 429),
    },
)
async def upload_document(
    user: UserDep,
    state: StateDep,
    conn: ConnDep,
    response: Response,
    file: Annotated[UploadFile, File(description="PDF, DOCX, Markdown or plain text")],
    password: Annotated[str | None, Form(description="Opens an encrypted PDF")] = None,
) -> DocumentPublic:
    """Store the file and queue it for ingestion; answers at once (202). 413 `quota_exceeded`
    when the caller's documents or their bytes would pass the quota (see GET /limits)."""
    limit = state.settings.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(f"The file is larger than the {limit:,}-byte limit.")
    limits = UploadLimits(
        max_bytes=limit,
        max_documents=state.settings.max_documents_per_user,
        max_storage_bytes=state.settings.max_storage_bytes_per_user,
    )
    result = await accept_upload(
        conn,
        state.redis,
        user.user_id,
        file.filename or "",
        data,
        limits=limits,
        password=password or None,
    )
    if not result.created:
        response.status_code = status.HTTP_200_OK
    document = DocumentPublic.model_validate(result.document)
    return document.model_copy(update={"duplicate": not result.created})


@router.get("")
async def list_documents(
    user: UserDep,
    conn: ConnDep,
    limit: Limit = 20,
    cursor: Cursor = None,
    status: Status | None = None,
) -> Page[DocumentPublic]:
    """The caller's documents, newest first."""
    rows = await documents.list_documents(
        conn, user.user_id, limit=limit + 1, status=status, after=decode_cursor(cursor)
    )
    shown, next_cursor = paginate(rows, limit, lambda d: (d.created_at, d.id))
    items = [DocumentPublic.model_validate(d) for d in shown]
    return Page[DocumentPublic](items=items, next_cursor=next_cursor)


@router.get("/{document_id}", responses=error_responses(404))
async def get_document(document_id: UUID, user: UserDep, conn: ConnDep) -> DocumentPublic:
    """One of the caller's documents with its progress."""
    return DocumentPublic.model_validate(
        await documents.get_document(conn, user.user_id, document_id)
    )


@router.post(
    "/{document_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(404, 409),
)
async def retry(document_id: UUID, user: UserDep, state: StateDep, conn: ConnDep) -> DocumentPublic:
    """Queue a failed document again with fresh attempts; 409 `not_failed` for any other."""
    document = await retry_document(conn, state.redis, user.user_id, document_id)
    return DocumentPublic.model_validate(document)


@router.get("/{document_id}/overview", responses=error_responses(404))
async def get_document_overview(document_id: UUID, user: UserDep, conn: ConnDep) -> OverviewPublic:
    """The document's summary and key concepts; 404 `overview_not_ready` until it is made."""
    return OverviewPublic.model_validate(
        await overview.get_overview(conn, user.user_id, document_id)
    )


@router.delete(
    "/{document_id}", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(404)
)
async def delete_document(
    document_id: UUID, request: Request, user: UserDep, conn: ConnDep
) -> None:
    """Delete the document with its file and chunks."""
    await documents.delete_document(conn, user.user_id, document_id)
    origin = audit.Origin(user.user_id, client_ip(request))
    details = {"document_id": str(document_id)}
    await audit.record(
        conn, audit.DOCUMENT_DELETED, origin, subject_id=user.user_id, details=details
    )
