"""Registration, login, the current user and websocket tickets."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, status
from pydantic import BaseModel, EmailStr, Field, StringConstraints

from api.deps import ConnDep, StateDep, UserDep
from api.schemas import PublicModel
from tutor.accounts import users
from tutor.accounts.auth import issue_token
from tutor.accounts.ws_tickets import issue_ticket
from tutor.study.profile import (
    MAX_RETENTION,
    MIN_RETENTION,
    Profile,
    get_profile,
    timezone_or_default,
    update_profile,
)

router = APIRouter(tags=["auth"])

DisplayName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=users.MAX_DISPLAY_NAME)
]


class UserCreate(BaseModel):
    """Self-registration; admins are created with the CLI only."""

    email: EmailStr
    password: str = Field(min_length=8, max_length=256)
    role: Literal["student", "teacher"] = "student"
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


class LoginRequest(BaseModel):
    """Credentials to exchange for an access token."""

    email: EmailStr
    password: str = Field(max_length=256)


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


@router.post("/auth/register", status_code=status.HTTP_201_CREATED)
async def register(body: UserCreate, conn: ConnDep) -> UserPublic:
    """Create a student or teacher account."""
    user = await users.create_user(conn, body.email, body.password, body.role, body.display_name)
    profile = await update_profile(conn, user.id, timezone=timezone_or_default(body.timezone))
    return UserPublic.of(user, profile)


@router.post("/auth/login")
async def login(body: LoginRequest, conn: ConnDep, state: StateDep) -> TokenPublic:
    """Exchange email and password for a bearer token."""
    user = await users.authenticate(conn, body.email, body.password)
    ttl = timedelta(minutes=state.settings.jwt_ttl_minutes)
    token = issue_token(state.jwt_key, user.id, user.role, ttl)
    return TokenPublic(access_token=token, expires_in=int(ttl.total_seconds()))


@router.get("/me")
async def me(user: UserDep, conn: ConnDep) -> UserPublic:
    """The authenticated account with its study settings."""
    return UserPublic.of(
        await users.get_user(conn, user.user_id), await get_profile(conn, user.user_id)
    )


@router.patch("/me")
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


@router.post("/ws-ticket")
async def ws_ticket(user: UserDep, state: StateDep) -> WsTicketPublic:
    """A ticket to open a websocket with (`?ticket=`): single use, valid for a few seconds."""
    ttl_s = state.settings.ws_ticket_ttl_s
    return WsTicketPublic(ticket=await issue_ticket(state.redis, user, ttl_s), expires_in=ttl_s)
