"""The audit trail: who did what to which account or document, and from where.

An event is written with the connection of the action it records, so both commit or neither
does. Events never hold secrets: a failed sign-in keeps the email tried, not the password.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from tutor.database import Keyset, after_params

# The actions recorded so far; later features add theirs.
SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in.failed"
REGISTERED = "user.registered"
PASSWORD_CHANGED = "password.changed"
SIGNED_OUT_EVERYWHERE = "sessions.ended"
ROLE_CHANGED = "role.changed"
TEACHER_REQUESTED = "teacher.requested"
TEACHER_APPROVED = "teacher.approved"
INVITE_CREATED = "teacher_invite.created"
DOCUMENT_DELETED = "document.deleted"
ACCOUNT_DELETED = "account.deleted"


@dataclass
class AuditEvent:
    """One recorded action."""

    id: UUID
    at: datetime
    action: str
    actor_id: UUID | None
    subject_id: UUID | None
    email: str | None
    ip: str | None
    details: dict[str, Any]


@dataclass(frozen=True)
class AuditFilter:
    """Which events to list: all of them by default."""

    action: str | None = None
    user_id: UUID | None = None  # as actor or as subject
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class Origin:
    """Who acted, and from which address."""

    actor_id: UUID | None = None
    ip: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


INSERT_EVENT = """
INSERT INTO audit_events (id, action, actor_id, subject_id, email, ip, details)
VALUES (%(id)s, %(action)s, %(actor_id)s, %(subject_id)s, %(email)s, %(ip)s, %(details)s)
"""


async def record(
    conn: AsyncConnection,
    action: str,
    origin: Origin,
    *,
    subject_id: UUID | None = None,
    email: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add an event to the trail, in the caller's transaction."""
    params = {
        "id": uuid.uuid4(),
        "action": action,
        "actor_id": origin.actor_id,
        "subject_id": subject_id,
        "email": email[:320] if email else None,
        "ip": origin.ip[:64] if origin.ip else None,
        "details": Jsonb({**origin.extra, **(details or {})}),
    }
    await conn.execute(INSERT_EVENT, params)


LIST_EVENTS = """
SELECT id, at, action, actor_id, subject_id, email, ip, details FROM audit_events
WHERE (%(action)s::text IS NULL OR action = %(action)s)
  AND (%(user_id)s::uuid IS NULL OR actor_id = %(user_id)s OR subject_id = %(user_id)s)
  AND (%(since)s::timestamptz IS NULL OR at >= %(since)s)
  AND (%(until)s::timestamptz IS NULL OR at < %(until)s)
  AND (at, id) < (coalesce(%(after_ts)s::timestamptz, 'infinity'),
                  coalesce(%(after_id)s::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'))
ORDER BY at DESC, id DESC
LIMIT %(limit)s
"""


async def list_events(
    conn: AsyncConnection, which: AuditFilter, *, limit: int, after: Keyset | None = None
) -> list[AuditEvent]:
    """Events matching `which`, newest first, after the (at, id) of `after` if given."""
    cur = conn.cursor(row_factory=class_row(AuditEvent))
    params = {
        "action": which.action,
        "user_id": which.user_id,
        "since": which.since,
        "until": which.until,
        "limit": limit,
        **after_params(after),
    }
    await cur.execute(LIST_EVENTS, params)
    return await cur.fetchall()
