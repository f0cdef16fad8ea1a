"""Registration, login, the current user's account (password, sessions, teacher request) and
websocket tickets."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, EmailStr, Field, StringConstraints, field_validator

from api.deps import ConnDep, StateDep, UserDep
from api.error_responses import error_responses
from api.rate_limits import client_ip
from api.routes.admin import TeacherRequestPublic
from api.schemas import PublicModel
from tutor.accounts import audit, teachers, users
from tutor.accounts.auth import issue_token
from tutor.accounts.sign_in import sign_in
from tutor.accounts.ws_tickets import issue_ticket
from tutor.errors import TeacherSignupClosed
from tutor.study.profile import (
    MAX_RETENTION,
    MIN_RETENTION,
    Profile,
    get_profile,
    timezone_or_default,
    update_profile,
)

router = APIRouter(tags=["auth"], responses=error_responses(400, 422))

DisplayName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=users.MAX_DISPLAY_NAME)
]


class UserCreate(BaseModel):
    """Self-registration; admins are created with the CLI only."""

    email: EmailStr
    password: str = Field(min_length=8, max_length=256)
    role: Literal["student", "teacher"] = "student"
    # Needed for role "teacher" unless the install opens teacher sign-up.
    teacher_invite: str | None = Field(default=None, min_length=1, max_length=100)
    display_name: DisplayName | None = None  # None: the email's local part
    # The browser's zone (Intl.DateTimeFormat().resolvedOptions().timeZone); unknown -> UTC.
    timezone: str | None = Field(default=None, max_length=64)


class UserUpdate(BaseModel):
    """What an account's owner may change; fields left out stay as they are."""

    display_name: DisplayName | None = None
    timezone: str | None = Field(
        default=None, min_length=1, max_length=64, examples=["Europe/Paris"]
    )
    daily_goal_minutes: int | None = Field(default=None, ge=1, le=600)
    desired_retention: float | None = Field(default=None, ge=MIN_RETENTION, le=MAX_RETENTION)

    @field_validator("display_name")
    @classmethod
    def _named(cls, value: str | None) -> str | None:
        # Runs only for a name sent: an explicit null would otherwise read as "unchanged".
        if value is None:
            raise ValueError("a display name cannot be null; leave the field out to keep it")
        return value


class LoginRequest(BaseModel):
    """Credentials to exchange for an access token."""

    email: EmailStr
    password: str = Field(max_length=256)


class PasswordChange(BaseModel):
    """The current password, and the one to replace it."""

    current_password: str = Field(max_length=256)
    new_password: str = Field(min_length=8, max_length=256)


class TokenPublic(PublicModel):
    """A bearer token and how long it lives."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class UserPublic(PublicModel):
    """An account as its owner sees it."""

    id: UUID
    email: str
    role: str
    display_name: str | None
    created_at: datetime
    timezone: str
    daily_goal_minutes: int
    desired_retention: float

    @classmethod
    def of(cls, user: users.User, profile: Profile) -> UserPublic:
        return cls(
            id=user.id,
            email=user.email,
            role=user.role,
            display_name=user.display_name,
            created_at=user.created_at,
            timezone=profile.timezone,
            daily_goal_minutes=profile.daily_goal_minutes,
            desired_retention=round(profile.desired_retention, 4),
        )


class WsTicketPublic(PublicModel):
    """A single-use ticket for `?ticket=` on a websocket, and its seconds to live."""

    ticket: str
    expires_in: int


@router.post(
    "/auth/register",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(403, 409, 429, 503),
)
async def register(body: UserCreate, request: Request, state: StateDep) -> UserPublic:
    """Create a student account, or a teacher account with an invite code (403 without one,
    unless the install opens teacher sign-up)."""
    settings = state.settings
    ip = client_ip(request)
    await state.limiter.check("register-ip", ip, settings.register_per_minute_per_ip)
    needs_invite = body.role == "teacher" and not settings.open_teacher_signup
    if needs_invite and not body.teacher_invite:
        raise TeacherSignupClosed()
    # Hashed before a connection is taken: none is held for the second argon2 takes.
    password_hash = await state.hashing.hash(body.password, ip)
    async with state.pool.connection() as conn:
        invite_id = None
        if needs_invite and body.teacher_invite:
            invite_id = await teachers.spend_invite(conn, body.teacher_invite)
        user = await users.insert_user(
            conn, body.email, password_hash, body.role, body.display_name
        )
        profile = await update_profile(conn, user.id, timezone=timezone_or_default(body.timezone))
        details = {"role": user.role, **({"invite_id": str(invite_id)} if invite_id else {})}
        origin = audit.Origin(user.id, ip)
        await audit.record(conn, audit.REGISTERED, origin, subject_id=user.id, details=details)
    return UserPublic.of(user, profile)


@router.post("/auth/login", responses=error_responses(401, 429, 503))
async def login(body: LoginRequest, request: Request, state: StateDep) -> TokenPublic:
    """Exchange email and password for a bearer token (429 with Retry-After when too many
    attempts come from one address or for one account; 503 while attempts cannot be counted)."""
    settings = state.settings
    ip = client_ip(request)
    # A digest: an email is not left in Redis by an attempt that may never become an account.
    account = hashlib.sha256(body.email.strip().lower().encode()).hexdigest()
    await state.limiter.check("login-ip", ip, settings.login_per_minute_per_ip, fail_closed=True)
    await state.limiter.check(
        "login", account, settings.login_per_minute_per_account, fail_closed=True
    )
    origin = audit.Origin(None, ip)
    user = await sign_in(state.pool, state.hashing, body.email, body.password, origin)
    return _token_for(user, state)


def _token_for(user: users.User, state: StateDep) -> TokenPublic:
    ttl = timedelta(minutes=state.settings.jwt_ttl_minutes)
    token = issue_token(state.jwt_key, user.id, user.role, ttl, user.token_version)
    return TokenPublic(access_token=token, expires_in=int(ttl.total_seconds()))


@router.post("/me/password", responses=error_responses(401, 403, 429, 503))
async def change_password(
    body: PasswordChange, request: Request, user: UserDep, conn: ConnDep, state: StateDep
) -> TokenPublic:
    """Set a new password (403 `wrong_password` unless the current one is right); every session
    of the account ends, and the answer is a fresh token for this one."""
    await state.limiter.check(
        "password",
        user.user_id,
        state.settings.login_per_minute_per_account,
        fail_closed=True,
    )
    account = await users.change_password(
        conn, state.hashing, user.user_id, body.current_password, body.new_password
    )
    origin = audit.Origin(user.user_id, client_ip(request))
    await audit.record(conn, audit.PASSWORD_CHANGED, origin, subject_id=user.user_id)
    return _token_for(account, state)


@router.post(
    "/me/sign-out-all",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401),
)
async def sign_out_everywhere(request: Request, user: UserDep, conn: ConnDep) -> None:
    """End every session of the account, this one included."""
    await users.end_sessions(conn, user.user_id)
    origin = audit.Origin(user.user_id, client_ip(request))
    await audit.record(conn, audit.SIGNED_OUT_EVERYWHERE, origin, subject_id=user.user_id)


@router.post(
    "/me/teacher-request",
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(401),
)
async def request_teacher_role(
    request: Request, user: UserDep, conn: ConnDep
) -> TeacherRequestPublic:
    """Ask an admin to make this student account a teacher; asking again changes nothing."""
    made = await teachers.request_teacher_role(conn, user.user_id)
    origin = audit.Origin(user.user_id, client_ip(request))
    await audit.record(conn, audit.TEACHER_REQUESTED, origin, subject_id=user.user_id)
    return TeacherRequestPublic.model_validate(made)


@router.get("/me", responses=error_responses(401))
async def me(user: UserDep, conn: ConnDep) -> UserPublic:
    """The authenticated account with its study settings."""
    return UserPublic.of(
        await users.get_user(conn, user.user_id), await get_profile(conn, user.user_id)
    )


@router.patch("/me", responses=error_responses(401))
async def update_me(body: UserUpdate, user: UserDep, conn: ConnDep) -> UserPublic:
    """Change the account's display name or study settings (time zone, daily goal in minutes,
    desired retention for flashcards)."""
    account = (
        await users.set_display_name(conn, user.user_id, body.display_name)
        if body.display_name is not None
        else await users.get_user(conn, user.user_id)
    )
    profile = await update_profile(
        conn,
        user.user_id,
        timezone=body.timezone,
        daily_goal_minutes=body.daily_goal_minutes,
        desired_retention=body.desired_retention,
    )
    return UserPublic.of(account, profile)


@router.post("/ws-ticket", responses=error_responses(401, 503))
async def ws_ticket(user: UserDep, state: StateDep) -> WsTicketPublic:
    """A ticket to open a websocket with (`?ticket=`): single use, valid for a few seconds."""
    ttl_s = state.settings.ws_ticket_ttl_s
    return WsTicketPublic(ticket=await issue_ticket(state.redis, user, ttl_s), expires_in=ttl_s)
