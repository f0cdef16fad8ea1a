"""Becoming a teacher: closed to self sign-up; an admin's invite code or approval opens it.

A teacher sees what students share with them, so the role is granted, not claimed. Codes are
random, shown once, and stored as a SHA-256 digest; an invite has a number of uses and an expiry.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import class_row

from tutor.accounts import users
from tutor.database import Keyset, after_params
from tutor.errors import InvalidInput, InvalidInvite, TeacherRequestNotFound


@dataclass
class Invite:
    """A teacher invite; `code` is known only to whoever created it."""

    id: UUID
    note: str
    max_uses: int
    uses: int
    expires_at: datetime
    created_at: datetime
    code: str = ""


@dataclass
class TeacherRequest:
    """A student's request to become a teacher."""

    id: UUID
    user_id: UUID
    email: str
    display_name: str | None
    status: str
    requested_at: datetime


def code_digest(code: str) -> str:
    """What the table keeps of a code."""
    return hashlib.sha256(code.strip().encode()).hexdigest()


INSERT_INVITE = """
INSERT INTO teacher_invites (id, code_sha256, created_by, note, max_uses, expires_at)
VALUES (%(id)s, %(digest)s, %(created_by)s, %(note)s, %(max_uses)s, now() + %(lifetime)s)
RETURNING id, note, max_uses, uses, expires_at, created_at
"""


async def create_invite(
    conn: AsyncConnection, created_by: UUID | None, max_uses: int, lifetime: timedelta, note: str
) -> Invite:
    """A new invite code usable `max_uses` times within `lifetime`."""
    code = secrets.token_urlsafe(12)
    params = {
        "id": uuid.uuid4(),
        "digest": code_digest(code),
        "created_by": created_by,
        "note": note,
        "max_uses": max_uses,
        "lifetime": lifetime,
    }
    cur = conn.cursor(row_factory=class_row(Invite))
    await cur.execute(INSERT_INVITE, params)
    invite = await cur.fetchone()
    assert invite is not None
    invite.code = code
    return invite


# One statement: two sign-ups racing for the last use cannot both win it.
SPEND_INVITE = """
UPDATE teacher_invites SET uses = uses + 1
WHERE code_sha256 = %(digest)s AND uses < max_uses AND expires_at > now()
RETURNING id
"""


async def spend_invite(conn: AsyncConnection, code: str) -> UUID:
    """Use up one use of the invite; raises InvalidInvite if unknown, expired or used up."""
    cur = await conn.execute(SPEND_INVITE, {"digest": code_digest(code)})
    row = await cur.fetchone()
    if row is None:
        raise InvalidInvite()
    invite_id: UUID = row[0]
    return invite_id


REQUEST_COLUMNS = "r.id, r.user_id, u.email, u.display_name, r.status, r.requested_at"

INSERT_REQUEST = """
INSERT INTO teacher_requests (id, user_id) VALUES (%(id)s, %(user_id)s)
ON CONFLICT (user_id) DO NOTHING
"""

REQUEST_OF_USER = f"""
SELECT {REQUEST_COLUMNS} FROM teacher_requests r JOIN users u ON u.id = r.user_id
WHERE r.user_id = %(user_id)s
"""


async def request_teacher_role(conn: AsyncConnection, user_id: UUID) -> TeacherRequest:
    """Ask an admin for the teacher role; asking again returns the same request."""
    user = await users.get_user(conn, user_id)
    if user.role != "student":
        raise InvalidInput(f"This account is already a {user.role}.")
    await conn.execute(INSERT_REQUEST, {"id": uuid.uuid4(), "user_id": user_id})
    cur = conn.cursor(row_factory=class_row(TeacherRequest))
    await cur.execute(REQUEST_OF_USER, {"user_id": user_id})
    request = await cur.fetchone()
    assert request is not None
    return request


PENDING_REQUESTS = f"""
SELECT {REQUEST_COLUMNS} FROM teacher_requests r JOIN users u ON u.id = r.user_id
WHERE r.status = 'pending'
  AND (r.requested_at, r.id) < (
      coalesce(%(after_ts)s::timestamptz, 'infinity'),
      coalesce(%(after_id)s::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'))
ORDER BY r.requested_at DESC, r.id DESC
LIMIT %(limit)s
"""


async def pending_requests(
    conn: AsyncConnection, *, limit: int, after: Keyset | None = None
) -> list[TeacherRequest]:
    """Requests waiting for an admin, newest first."""
    cur = conn.cursor(row_factory=class_row(TeacherRequest))
    await cur.execute(PENDING_REQUESTS, {"limit": limit, **after_params(after)})
    return await cur.fetchall()


APPROVE_REQUEST = """
UPDATE teacher_requests
SET status = 'approved', decided_by = %(admin_id)s, decided_at = now()
WHERE id = %(id)s AND status = 'pending'
RETURNING user_id
"""


async def approve_request(
    conn: AsyncConnection, request_id: UUID, admin_id: UUID
) -> tuple[users.User, str]:
    """Make the requester a teacher; returns them and the role they had."""
    cur = await conn.execute(APPROVE_REQUEST, {"id": request_id, "admin_id": admin_id})
    row = await cur.fetchone()
    if row is None:
        raise TeacherRequestNotFound()
    before = (await users.get_user(conn, row[0])).role
    return await users.set_role(conn, row[0], "teacher"), before
