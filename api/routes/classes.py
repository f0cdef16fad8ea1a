"""Classes: teachers create them and share a join code; students join, leave, and see their
class's leaderboard; teachers see who is in them and remove students."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, EmailStr, Field, StringConstraints

from api.deps import ConnDep, StateDep, UserDep
from api.error_responses import error_responses
from api.pagination import Cursor, Limit, Page, decode_cursor, paginate
from api.schemas import PublicModel
from tutor.classes import classes, membership
from tutor.gamification import leaderboards

router = APIRouter(tags=["classes"], responses=error_responses(400, 401, 422))

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Subject = Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)]
Zone = Annotated[str, Field(min_length=1, max_length=64)]


class ClassCreate(BaseModel):
    """A new class; its join code is made for it."""

    name: Name
    subject: Subject = ""
    timezone: Zone = "UTC"


class ClassUpdate(BaseModel):
    """Changes to a class; omitted fields are kept."""

    name: Name | None = None
    subject: Subject | None = None
    timezone: Zone | None = None


class ClassPublic(PublicModel):
    """A class as the caller sees it: `join_code` for its teachers only (null when joining is
    off), the caller's `standing` (owner, co_teacher or student), and how many students and
    teachers (owner and co-teachers) it has."""

    id: UUID
    name: str
    subject: str
    timezone: str
    join_code: str | None
    created_at: datetime
    archived_at: datetime | None
    standing: str
    students: int
    teachers: int


@router.post("/classes", status_code=status.HTTP_201_CREATED, responses=error_responses(403))
async def create_class(body: ClassCreate, user: UserDep, conn: ConnDep) -> ClassPublic:
    """A new class owned by the caller (teachers and admins)."""
    made = await classes.create_class(
        conn, user.user_id, user.role, body.name, body.subject, body.timezone
    )
    return ClassPublic.model_validate(made)


@router.get("/classes")
async def list_classes(
    user: UserDep,
    conn: ConnDep,
    cursor: Cursor = None,
    limit: Limit = 20,
    archived: Annotated[bool, Query(description="Include archived classes.")] = False,
) -> Page[ClassPublic]:
    """The classes the caller teaches or attends, newest first."""
    rows = await classes.my_classes(conn, user.user_id, decode_cursor(cursor), limit + 1, archived)
    items, next_cursor = paginate(rows, limit, lambda c: (c.created_at, c.id))
    return Page(items=[ClassPublic.model_validate(c) for c in items], next_cursor=next_cursor)


@router.get("/classes/{class_id}", responses=error_responses(404))
async def get_class(class_id: UUID, user: UserDep, conn: ConnDep) -> ClassPublic:
    """One of the caller's classes."""
    return ClassPublic.model_validate(await classes.get_class(conn, user.user_id, class_id))


@router.patch("/classes/{class_id}", responses=error_responses(403, 404, 409))
async def update_class(
    class_id: UUID, body: ClassUpdate, user: UserDep, conn: ConnDep
) -> ClassPublic:
    """Rename a class the caller teaches, or change its subject or zone."""
    changes = body.model_dump(exclude_none=True)
    return ClassPublic.model_validate(
        await classes.update_class(conn, user.user_id, class_id, changes)
    )


@router.post("/classes/{class_id}/join-code", responses=error_responses(403, 404, 409))
async def rotate_join_code(class_id: UUID, user: UserDep, conn: ConnDep) -> ClassPublic:
    """A fresh join code; the old one stops working."""
    made = await classes.set_join_code(conn, user.user_id, class_id, enabled=True)
    return ClassPublic.model_validate(made)


@router.delete("/classes/{class_id}/join-code", responses=error_responses(403, 404, 409))
async def disable_join_code(class_id: UUID, user: UserDep, conn: ConnDep) -> ClassPublic:
    """Turn joining off (rotate to turn it on again)."""
    made = await classes.set_join_code(conn, user.user_id, class_id, enabled=False)
    return ClassPublic.model_validate(made)


@router.post("/classes/{class_id}/archive", responses=error_responses(403, 404))
async def archive_class(class_id: UUID, user: UserDep, conn: ConnDep) -> ClassPublic:
    """Archive a class (its owner): kept readable, no longer joinable or changeable."""
    return ClassPublic.model_validate(await classes.archive_class(conn, user.user_id, class_id))


class JoinRequest(BaseModel):
    """A class's join code, as the teacher gave it (case, spaces and dashes do not matter)."""

    code: Annotated[str, Field(min_length=1, max_length=20)]


@router.post("/classes/join", responses=error_responses(404))
async def join_class(
    body: JoinRequest, user: UserDep, conn: ConnDep, state: StateDep
) -> ClassPublic:
    """Join the class with this code (joining twice changes nothing)."""
    joined = await membership.join(conn, user.user_id, body.code)
    zone = state.leaderboard_zone
    await leaderboards.refresh_user(conn, state.redis, user.user_id, zone, datetime.now(UTC))
    return ClassPublic.model_validate(joined)


@router.post(
    "/classes/{class_id}/leave",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(404, 409),
)
async def leave_class(class_id: UUID, user: UserDep, conn: ConnDep, state: StateDep) -> Response:
    """Leave a class (a co-teacher steps down; the owner archives instead)."""
    found = await classes.get_class(conn, user.user_id, class_id)
    await membership.leave(conn, user.user_id, class_id)
    await _off_board(state, user.user_id, found)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


class PersonPublic(PublicModel):
    """Someone in a class, by display name."""

    user_id: UUID
    display_name: str
    standing: str
    since: datetime


@router.get("/classes/{class_id}/people", responses=error_responses(403, 404))
async def class_people(class_id: UUID, user: UserDep, conn: ConnDep) -> list[PersonPublic]:
    """The class's teachers and students (for its teachers)."""
    found = await membership.people(conn, user.user_id, class_id)
    return [PersonPublic.model_validate(p) for p in found]


@router.delete(
    "/classes/{class_id}/students/{student_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(403, 404, 409),
)
async def remove_student(
    class_id: UUID, student_id: UUID, user: UserDep, conn: ConnDep, state: StateDep
) -> Response:
    """Take a student out of the class; they lose its boards (and, later, its materials) on
    their next request."""
    await membership.remove_student(conn, user.user_id, class_id, student_id)
    found = await classes.get_class(conn, user.user_id, class_id)
    await _off_board(state, student_id, found)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


class CoTeacherAdd(BaseModel):
    """A teacher account to add as a co-teacher."""

    email: EmailStr


@router.post("/classes/{class_id}/teachers", responses=error_responses(403, 404, 409))
async def add_co_teacher(
    class_id: UUID, body: CoTeacherAdd, user: UserDep, conn: ConnDep
) -> list[PersonPublic]:
    """The owner adds a co-teacher by their account's email (404 when no teacher has it)."""
    found = await membership.add_co_teacher(conn, user.user_id, class_id, str(body.email))
    return [PersonPublic.model_validate(p) for p in found]


async def _off_board(state: StateDep, user_id: UUID, found: classes.Class) -> None:
    scope = leaderboards.class_scope(found.id)
    await leaderboards.leave_scope(
        state.redis, user_id, scope, ZoneInfo(found.timezone), datetime.now(UTC)
    )
