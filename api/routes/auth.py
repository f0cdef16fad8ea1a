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


class UserUpdate(BaseModel):
    """What an account's owner may change."""

    display_name: DisplayName


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


class WsTicketPublic(PublicModel):
    """A single-use ticket for `?ticket=` on a websocket, and its seconds to live."""

    ticket: str
    expires_in: int


@router.post("/auth/register", status_code=status.HTTP_201_CREATED)
async def register(body: UserCreate, conn: ConnDep) -> UserPublic:
    """Create a student or teacher account."""
    user = await users.create_user(conn, body.email, body.password, body.role, body.display_name)
    return UserPublic.model_validate(user)


@router.post("/auth/login")
async def login(body: LoginRequest, conn: ConnDep, state: StateDep) -> TokenPublic:
    """Exchange email and password for a bearer token."""
    user = await users.authenticate(conn, body.email, body.password)
    ttl = timedelta(minutes=state.settings.jwt_ttl_minutes)
    token = issue_token(state.jwt_key, user.id, user.role, ttl)
    return TokenPublic(access_token=token, expires_in=int(ttl.total_seconds()))


@router.get("/me")
async def me(user: UserDep, conn: ConnDep) -> UserPublic:
    """The authenticated account."""
    return UserPublic.model_validate(await users.get_user(conn, user.user_id))


@router.patch("/me")
async def update_me(body: UserUpdate, user: UserDep, conn: ConnDep) -> UserPublic:
    """Change the authenticated account's display name."""
    return UserPublic.model_validate(
        await users.set_display_name(conn, user.user_id, body.display_name)
    )


@router.post("/ws-ticket")
async def ws_ticket(user: UserDep, state: StateDep) -> WsTicketPublic:
    """A ticket to open a websocket with (`?ticket=`): single use, valid for a few seconds."""
    ttl_s = state.settings.ws_ticket_ttl_s
    return WsTicketPublic(ticket=await issue_ticket(state.redis, user, ttl_s), expires_in=ttl_s)
