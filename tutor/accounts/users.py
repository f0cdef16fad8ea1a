"""User accounts: create, look up, authenticate."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

import psycopg
from psycopg import AsyncConnection
from psycopg.rows import class_row

from tutor.accounts.auth import dummy_hash, hash_password, verify_password
from tutor.errors import EmailTaken, InvalidCredentials, UserNotFound

Role = Literal["student", "teacher", "admin"]
ROLES: tuple[Role, ...] = ("student", "teacher", "admin")


@dataclass
class User:
    """An account."""

    id: UUID
    email: str
    role: str
    created_at: datetime


@dataclass
class _UserWithHash(User):
    password_hash: str


INSERT_USER = """
INSERT INTO users (id, email, password_hash, role)
VALUES (%(id)s, %(email)s, %(password_hash)s, %(role)s)
RETURNING id, email, role, created_at
"""

USER_BY_EMAIL = """
SELECT id, email, role, created_at, password_hash FROM users WHERE lower(email) = lower(%(email)s)
"""

USER_BY_ID = "SELECT id, email, role, created_at FROM users WHERE id = %(id)s"


async def create_user(conn: AsyncConnection, email: str, password: str, role: Role) -> User:
    """Create an account; raises EmailTaken when the email is in use."""
    cur = conn.cursor(row_factory=class_row(User))
    params = {
        "id": uuid.uuid4(),
        "email": email.strip(),
        "role": role,
        "password_hash": hash_password(password),
    }
    try:
        async with conn.transaction():
            await cur.execute(INSERT_USER, params)
    except psycopg.errors.UniqueViolation as exc:
        raise EmailTaken() from exc
    user = await cur.fetchone()
    assert user is not None
    return user


async def authenticate(conn: AsyncConnection, email: str, password: str) -> User:
    """The user with this email and password; raises InvalidCredentials otherwise."""
    cur = conn.cursor(row_factory=class_row(_UserWithHash))
    await cur.execute(USER_BY_EMAIL, {"email": email.strip()})
    found = await cur.fetchone()
    if found is None:
        verify_password(dummy_hash(), password)
        raise InvalidCredentials()
    if not verify_password(found.password_hash, password):
        raise InvalidCredentials()
    return User(id=found.id, email=found.email, role=found.role, created_at=found.created_at)


async def get_user(conn: AsyncConnection, user_id: UUID) -> User:
    """The user with this id; raises UserNotFound."""
    cur = conn.cursor(row_factory=class_row(User))
    await cur.execute(USER_BY_ID, {"id": user_id})
    user = await cur.fetchone()
    if user is None:
        raise UserNotFound()
    return user


async def get_user_by_email(conn: AsyncConnection, email: str) -> User:
    """The user with this email; raises UserNotFound."""
    cur = conn.cursor(row_factory=class_row(_UserWithHash))
    await cur.execute(USER_BY_EMAIL, {"email": email})
    found = await cur.fetchone()
    if found is None:
        raise UserNotFound(f"no user with email {email}")
    return User(id=found.id, email=found.email, role=found.role, created_at=found.created_at)
