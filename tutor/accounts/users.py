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

from tutor import outbox
from tutor.accounts.auth import TokenClaims, hash_password
from tutor.accounts.hashing import PasswordHashing
from tutor.errors import EmailTaken, InvalidToken, UserNotFound, WrongPassword

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
    # Carried by every access token; bumping it (new password, sign out everywhere) ends them.
    token_version: int = 0


@dataclass
class _UserWithHash(User):
    password_hash: str = ""


USER_COLUMNS = "id, email, role, created_at, display_name, token_version"

INSERT_USER = f"""
INSERT INTO users (id, email, password_hash, role, display_name)
VALUES (%(id)s, %(email)s, %(password_hash)s, %(role)s, %(display_name)s)
RETURNING {USER_COLUMNS}
"""

USER_BY_EMAIL = f"""
SELECT {USER_COLUMNS}, password_hash
FROM users WHERE lower(email) = lower(%(email)s)
"""

USER_BY_ID = f"SELECT {USER_COLUMNS} FROM users WHERE id = %(id)s"

SET_DISPLAY_NAME = f"""
UPDATE users SET display_name = %(display_name)s WHERE id = %(id)s
RETURNING {USER_COLUMNS}
"""
MAX_DISPLAY_NAME = 80  # the CHECK in migration 009


def default_display_name(email: str) -> str | None:
    """The name an account gets when none is given: the email's local part."""
    return email.strip().rsplit("@", 1)[0][:MAX_DISPLAY_NAME].strip() or None


async def create_user(
    conn: AsyncConnection, email: str, password: str, role: Role, display_name: str | None = None
) -> User:
    """Create an account, hashing here (for the CLI and scripts: the API hashes off its loop)."""
    return await insert_user(conn, email, hash_password(password), role, display_name)


async def insert_user(
    conn: AsyncConnection,
    email: str,
    password_hash: str,
    role: Role,
    display_name: str | None = None,
) -> User:
    """Create an account (named after its email unless named); raises EmailTaken if in use."""
    cur = conn.cursor(row_factory=class_row(User))
    params = {
        "id": uuid.uuid4(),
        "email": email.strip(),
        "role": role,
        "password_hash": password_hash,
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


async def credentials(conn: AsyncConnection, email: str) -> tuple[User, str] | None:
    """The user with this email and their password hash; None for an unknown email."""
    cur = conn.cursor(row_factory=class_row(_UserWithHash))
    await cur.execute(USER_BY_EMAIL, {"email": email.strip()})
    found = await cur.fetchone()
    return (_without_hash(found), found.password_hash) if found else None


TOKEN_HOLDER = "SELECT role, token_version FROM users WHERE id = %(id)s"


async def token_holder(conn: AsyncConnection, claims: TokenClaims) -> TokenClaims:
    """The claims as the database has them now (the role included); raises InvalidToken when
    the account is gone or the token predates its last password change or sign-out."""
    cur = await conn.execute(TOKEN_HOLDER, {"id": claims.user_id})
    row = await cur.fetchone()
    if row is None:
        raise InvalidToken("This account no longer exists.")
    role, version = row
    if version != claims.version:
        raise InvalidToken("This session has ended; sign in again.")
    return TokenClaims(user_id=claims.user_id, role=role, version=version)


PASSWORD_HASH_FOR_UPDATE = "SELECT password_hash FROM users WHERE id = %(id)s FOR UPDATE"

SET_PASSWORD = f"""
UPDATE users SET password_hash = %(password_hash)s, token_version = token_version + 1
WHERE id = %(id)s
RETURNING {USER_COLUMNS}
"""


async def change_password(
    conn: AsyncConnection, hashing: PasswordHashing, user_id: UUID, current: str, new: str
) -> User:
    """Set a new password if `current` is right (WrongPassword otherwise); every token the user
    holds ends with it (the returned user carries the new token version)."""
    cur = await conn.execute(PASSWORD_HASH_FOR_UPDATE, {"id": user_id})
    row = await cur.fetchone()
    if row is None:
        raise UserNotFound()
    if not await hashing.verify(row[0], current):
        raise WrongPassword()
    password_hash = await hashing.hash(new)
    return await _updated(conn, SET_PASSWORD, {"id": user_id, "password_hash": password_hash})


END_SESSIONS = f"""
UPDATE users SET token_version = token_version + 1 WHERE id = %(id)s RETURNING {USER_COLUMNS}
"""


async def end_sessions(conn: AsyncConnection, user_id: UUID) -> User:
    """End every token of the user (sign out everywhere)."""
    return await _updated(conn, END_SESSIONS, {"id": user_id})


SET_ROLE = f"UPDATE users SET role = %(role)s WHERE id = %(id)s RETURNING {USER_COLUMNS}"


async def set_role(conn: AsyncConnection, user_id: UUID, role: Role) -> User:
    """Give the user another role; tokens read it from here, so it applies at the next request."""
    return await _updated(conn, SET_ROLE, {"id": user_id, "role": role})


async def _updated(conn: AsyncConnection, query: str, params: dict[str, object]) -> User:
    cur = conn.cursor(row_factory=class_row(User))
    await cur.execute(query, params)
    user = await cur.fetchone()
    if user is None:
        raise UserNotFound()
    return user


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
    outbox.name_changed(user_id)  # the leaderboards' cached copy
    return user


def _without_hash(found: _UserWithHash) -> User:
    return User(
        found.id, found.email, found.role, found.created_at, found.display_name, found.token_version
    )
