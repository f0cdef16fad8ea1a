"""Administration: teacher invites and requests, and the audit trail. Admins only."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, status
from pydantic import BaseModel, Field

from api.deps import ConnDep, UserDep
from api.error_responses import error_responses
from api.pagination import Cursor, Limit, Page, decode_cursor, paginate
from api.rate_limits import client_ip
from api.schemas import PublicModel
from tutor.accounts import audit, teachers
from tutor.accounts.auth import TokenClaims
from tutor.errors import Forbidden

router = APIRouter(prefix="/admin", tags=["admin"], responses=error_responses(400, 401, 403, 422))


def admin_user(user: UserDep) -> TokenClaims:
    """The caller, if an admin (role as the database has it); 403 otherwise."""
    if user.role != "admin":
        raise Forbidden("This is for admins.")
    return user


AdminDep = Annotated[TokenClaims, Depends(admin_user)]


class InviteCreate(BaseModel):
    """A teacher invite: how many sign-ups it allows and for how long."""

    max_uses: int = Field(default=1, ge=1, le=1000)
    expires_in_days: int = Field(default=7, ge=1, le=365)
    note: str = Field(default="", max_length=200, description="Who it is for, for the admins.")


class InvitePublic(PublicModel):
    """A new invite; `code` is shown this once and stored only as a digest."""

    id: UUID
    code: str
    note: str
    max_uses: int
    uses: int
    expires_at: datetime
    created_at: datetime


class TeacherRequestPublic(PublicModel):
    """A request for the teacher role."""

    id: UUID
    user_id: UUID
    email: str
    display_name: str | None
    status: Literal["pending", "approved"]
    requested_at: datetime


class AccountPublic(PublicModel):
    """An account as an admin sees it."""

    id: UUID
    email: str
    role: str
    display_name: str | None


class AuditEventPublic(PublicModel):
    """One recorded action; `actor_id` did it, to `subject_id` where it concerns an account."""

    id: UUID
    at: datetime
    action: str
    actor_id: UUID | None
    subject_id: UUID | None
    email: str | None
    ip: str | None
    details: dict[str, Any]


@router.post("/teacher-invites", status_code=status.HTTP_201_CREATED)
async def create_invite(
    body: InviteCreate, request: Request, admin: AdminDep, conn: ConnDep
) -> InvitePublic:
    """A teacher invite code, for `max_uses` sign-ups within `expires_in_days` days."""
    lifetime = timedelta(days=body.expires_in_days)
    invite = await teachers.create_invite(conn, admin.user_id, body.max_uses, lifetime, body.note)
    details = {"invite_id": str(invite.id), "max_uses": invite.max_uses, "note": invite.note}
    origin = audit.Origin(admin.user_id, client_ip(request))
    await audit.record(conn, audit.INVITE_CREATED, origin, details=details)
    return InvitePublic.model_validate(invite)


@router.get("/teacher-requests")
async def list_teacher_requests(
    admin: AdminDep, conn: ConnDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[TeacherRequestPublic]:
    """Students waiting to become teachers, newest first."""
    del admin
    rows = await teachers.pending_requests(conn, limit=limit + 1, after=decode_cursor(cursor))
    shown, next_cursor = paginate(rows, limit, lambda r: (r.requested_at, r.id))
    items = [TeacherRequestPublic.model_validate(r) for r in shown]
    return Page[TeacherRequestPublic](items=items, next_cursor=next_cursor)


@router.post("/teacher-requests/{request_id}/approve", responses=error_responses(404))
async def approve_teacher_request(
    request_id: UUID, request: Request, admin: AdminDep, conn: ConnDep
) -> AccountPublic:
    """Make the requester a teacher (from their next request on; their sessions go on)."""
    user, before = await teachers.approve_request(conn, request_id, admin.user_id)
    origin = audit.Origin(admin.user_id, client_ip(request))
    details = {"request_id": str(request_id)}
    await audit.record(conn, audit.TEACHER_APPROVED, origin, subject_id=user.id, details=details)
    change = {"from": before, "to": user.role}
    await audit.record(conn, audit.ROLE_CHANGED, origin, subject_id=user.id, details=change)
    return AccountPublic.model_validate(user)


@router.get("/audit")
async def list_audit_events(
    admin: AdminDep,
    conn: ConnDep,
    action: Annotated[str | None, Query(max_length=64, examples=["sign_in.failed"])] = None,
    user_id: Annotated[UUID | None, Query(description="As the actor or the subject.")] = None,
    since: Annotated[datetime | None, Query(description="At or after this instant.")] = None,
    until: Annotated[datetime | None, Query(description="Before this instant.")] = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[AuditEventPublic]:
    """The audit trail, newest first, filtered by action, account and time range."""
    del admin
    which = audit.AuditFilter(action=action, user_id=user_id, since=since, until=until)
    rows = await audit.list_events(conn, which, limit=limit + 1, after=decode_cursor(cursor))
    shown, next_cursor = paginate(rows, limit, lambda e: (e.at, e.id))
    items = [AuditEventPublic.model_validate(e) for e in shown]
    return Page[AuditEventPublic](items=items, next_cursor=next_cursor)
