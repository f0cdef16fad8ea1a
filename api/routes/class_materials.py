"""Class materials: a class's teachers share their own documents with it, read-only; its
people list them, and their search and tutor read them (`tutor.classes.materials`)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from api.deps import ConnDep, UserDep
from api.error_responses import error_responses
from api.pagination import Cursor, Limit, Page, decode_cursor, paginate
from api.schemas import PublicModel
from tutor.classes import materials

router = APIRouter(tags=["classes"], responses=error_responses(400, 401, 422))


class MaterialShare(BaseModel):
    """One of the caller's own documents to share with the class."""

    document_id: UUID


class MaterialPublic(PublicModel):
    """A document shared with a class: who shared it (display name), when, and whether the
    caller owns it."""

    document_id: UUID
    filename: str
    status: str
    pages: int | None
    shared_by: str
    shared_at: datetime
    mine: bool


@router.get("/classes/{class_id}/materials", responses=error_responses(404))
async def list_materials(
    class_id: UUID, user: UserDep, conn: ConnDep, cursor: Cursor = None, limit: Limit = 20
) -> Page[MaterialPublic]:
    """The documents shared with one of the caller's classes, newest share first."""
    rows = await materials.materials(conn, user.user_id, class_id, decode_cursor(cursor), limit + 1)
    items, next_cursor = paginate(rows, limit, lambda m: (m.shared_at, m.document_id))
    return Page(items=[MaterialPublic.model_validate(m) for m in items], next_cursor=next_cursor)


@router.post("/classes/{class_id}/materials", responses=error_responses(403, 404, 409))
async def share_material(
    class_id: UUID, body: MaterialShare, user: UserDep, conn: ConnDep
) -> MaterialPublic:
    """Share one of the caller's documents with a class they teach (sharing twice is once);
    its students can search it and ask the tutor about it from their next request."""
    shared = await materials.share(conn, user.user_id, class_id, body.document_id)
    return MaterialPublic.model_validate(shared)


@router.delete(
    "/classes/{class_id}/materials/{document_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(403, 404, 409),
)
async def unshare_material(
    class_id: UUID, document_id: UUID, user: UserDep, conn: ConnDep
) -> Response:
    """Stop sharing a document with the class; its students lose it on their next request."""
    await materials.unshare(conn, user.user_id, class_id, document_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
