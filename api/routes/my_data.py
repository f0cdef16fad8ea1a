"""The caller's own data: what deleting the account removes, deleting it, and exporting it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from redis.exceptions import RedisError

from api.deps import ConnDep, StateDep, UserDep
from api.error_responses import error_responses
from api.rate_limits import client_ip
from api.schemas import PublicModel
from tutor.accounts import account_deletion, audit, data_export
from tutor.errors import RealtimeUnavailable

router = APIRouter(prefix="/me", tags=["my data"], responses=error_responses(400, 401, 422))


class DeletionPreviewPublic(PublicModel):
    """What deleting the account removes, counted; `document_bytes` is the files' total size."""

    documents: int
    document_bytes: int
    conversations: int
    messages: int
    practice_sets: int
    practice_attempts: int
    decks: int
    notes: int
    cards: int
    reviews: int
    tasks: int
    study_events: int
    focus_sessions: int


class AccountDeletion(BaseModel):
    """The account's password, asked again before everything goes."""

    password: str = Field(max_length=256)


class ExportPublic(PublicModel):
    """A data export: its progress in steps (one per kind of data, one per file) and, once
    ready, the zip's size; it is kept until `expires_at`."""

    id: UUID
    status: Literal["queued", "running", "ready", "failed"]
    done: int
    total: int
    size_bytes: int | None
    error_message: str | None
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime


@router.get("/deletion-preview")
async def deletion_preview(user: UserDep, conn: ConnDep) -> DeletionPreviewPublic:
    """What deleting the account would remove."""
    found = await account_deletion.preview(conn, user.user_id)
    return DeletionPreviewPublic.model_validate(found)


@router.delete("", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(403, 429, 503))
async def delete_account(
    body: AccountDeletion, request: Request, user: UserDep, conn: ConnDep, state: StateDep
) -> None:
    """Delete the account and everything of it, in one transaction (403 `wrong_password`
    unless the password is right). Every token of the account is refused afterwards."""
    await state.limiter.check(
        "password",
        user.user_id,
        state.settings.login_per_minute_per_account,
        fail_closed=True,
    )
    origin = audit.Origin(user.user_id, client_ip(request))
    await account_deletion.delete_account(conn, state.hashing, user.user_id, body.password, origin)


@router.post(
    "/export",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        200: {"model": ExportPublic, "description": "The export already under way."},
        **error_responses(503),
    },
)
async def start_export(
    user: UserDep, state: StateDep, conn: ConnDep, response: Response
) -> ExportPublic:
    """Build a zip of all the caller's data in the background (202): one JSON file per kind and
    the original files under `files/`. Progress comes on the events socket (`export.progress`,
    `export.ready`, `export.failed`) and from GET; asking while one is under way returns it
    (200)."""
    export, created = await data_export.start_export(conn, user.user_id)
    if not created:
        response.status_code = status.HTTP_200_OK
        return ExportPublic.model_validate(export)
    await data_export.delete_expired(conn)
    await conn.commit()  # the worker must find the export when it picks it up
    try:
        await data_export.enqueue_export(state.redis, export.id)
    except (RedisError, OSError) as exc:
        raise RealtimeUnavailable("The job queue is unavailable; try again shortly.") from exc
    return ExportPublic.model_validate(export)


@router.get("/exports/{export_id}", responses=error_responses(404))
async def get_export(export_id: UUID, user: UserDep, conn: ConnDep) -> ExportPublic:
    """One of the caller's exports; 404 for anyone else's or once it expired."""
    return ExportPublic.model_validate(await data_export.get_export(conn, user.user_id, export_id))


@router.get(
    "/exports/{export_id}/download",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/zip": {}}}, **error_responses(404, 409)},
)
async def download_export(
    export_id: UUID, user: UserDep, conn: ConnDep, state: StateDep
) -> StreamingResponse:
    """The export's zip (409 `export_not_ready` while it is being built)."""
    export = await data_export.ready_export(conn, user.user_id, export_id)
    filename = f"spark-tutor-export-{export.created_at:%Y-%m-%d}.zip"
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Content-Length": str(export.size_bytes),
    }
    parts = data_export.zip_parts(state.pool, export.id)
    return StreamingResponse(parts, media_type="application/zip", headers=headers)
