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
    display_name: str | None


@dataclass
class _UserWithHash(User):
    password_hash: str


INSERT_USER = """
INSERT INTO users (id, email, password_hash, role, display_name)
VALUES (%(id)s, %(email)s, %(password_hash)s, %(role)s, %(display_name)s)
RETURNING id, email, role, created_at, display_name
"""

USER_BY_EMAIL = """
SELECT id, email, role, created_at, display_name, password_hash
FROM users WHERE lower(email) = lower(%(email)s)
"""

USER_BY_ID = "SELECT id, email, role, created_at, display_name FROM users WHERE id = %(id)s"

SET_DISPLAY_NAME = """
UPDATE users SET display_name = %(display_name)s WHERE id = %(id)s
RETURNING id, email, role, created_at, display_name
"""
MAX_DISPLAY_NAME = 80  # the CHECK in migration 009


def default_display_name(email: str) -> str | None:
    """The name an account gets when none is given: the email's local part."""
    return email.strip().rsplit("@", 1)[0][:MAX_DISPLAY_NAME].strip() or None


async def create_user(
    conn: AsyncConnection, email: str, password: str, role: Role, display_name: str | None = None
) -> User:
    """Create an account (named after its email unless named); raises EmailTaken if in use."""
    cur = conn.cursor(row_factory=class_row(User))
    params = {
        "id": uuid.uuid4(),
        "email": email.strip(),
        "role": role,
        "password_hash": hash_password(password),
        "display_name": display_name or default_display_name(email),
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
    return _without_hash(found)


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
    return _without_hash(found)


async def set_display_name(conn: AsyncConnection, user_id: UUID, display_name: str) -> User:
    """Rename the account; raises UserNotFound."""
    cur = conn.cursor(row_factory=class_row(User))
    await cur.execute(SET_DISPLAY_NAME, {"id": user_id, "display_name": display_name})
    user = await cur.fetchone()
    if user is None:
        raise UserNotFound()
    return user


def _without_hash(found: _UserWithHash) -> User:
    return User(found.id, found.email, found.role, found.created_at, found.display_name)
