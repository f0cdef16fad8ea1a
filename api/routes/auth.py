"""Registration, login and the current user."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, status
from pydantic import BaseModel, EmailStr, Field

from api.deps import ConnDep, StateDep, UserDep
from api.schemas import PublicModel
from tutor.accounts import users
from tutor.accounts.auth import issue_token

router = APIRouter(tags=["auth"])


class UserCreate(BaseModel):
    """Self-registration; admins are created with the CLI only."""

    email: EmailStr
    password: str = Field(min_length=8, max_length=256)
    role: Literal["student", "teacher"] = "student"


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
    created_at: datetime


@router.post("/auth/register", status_code=status.HTTP_201_CREATED)
async def register(body: UserCreate, conn: ConnDep) -> UserPublic:
    """Create a student or teacher account."""
    user = await users.create_user(conn, body.email, body.password, body.role)
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
