"""Deleting one's own account: what would go, and everything of it going in one transaction.

Almost every table reaches the account through `ON DELETE CASCADE`, directly or through a
parent (chunks through documents, cards through notes, review logs through cards). Postings and
term counts are removed first and in bulk by owner: the cascade would reach them one chunk at a
time. The audit trail keeps its rows (it has no foreign keys by design) and gains one saying the
account was deleted, with the counts, and without the email the user asked to have erased.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import class_row

from tutor import outbox
from tutor.accounts import audit
from tutor.accounts.hashing import PasswordHashing
from tutor.errors import UserNotFound, WrongPassword


@dataclass(frozen=True)
class DeletionPreview:
    """What deleting the account removes, counted."""

    documents: int
    document_bytes: int
    conversations: int
    messages: int
    practice_sets: int
    practice_attempts: int
    decks: int
    notes: int
    cards: int
    reviews: int
    tasks: int
    study_events: int
    focus_sessions: int


PREVIEW = """
SELECT
  (SELECT count(*) FROM documents WHERE owner_id = %(user_id)s)::int AS documents,
  (SELECT coalesce(sum(size_bytes), 0) FROM documents WHERE owner_id = %(user_id)s)::bigint
      AS document_bytes,
  (SELECT count(*) FROM conversations WHERE owner_id = %(user_id)s)::int AS conversations,
  (SELECT count(*) FROM messages WHERE owner_id = %(user_id)s)::int AS messages,
  (SELECT count(*) FROM practice_sets WHERE owner_id = %(user_id)s)::int AS practice_sets,
  (SELECT count(*) FROM practice_attempts WHERE user_id = %(user_id)s)::int AS practice_attempts,
  (SELECT count(*) FROM decks WHERE user_id = %(user_id)s)::int AS decks,
  (SELECT count(*) FROM card_notes WHERE user_id = %(user_id)s)::int AS notes,
  (SELECT count(*) FROM cards WHERE user_id = %(user_id)s)::int AS cards,
  (SELECT count(*) FROM review_logs WHERE user_id = %(user_id)s)::int AS reviews,
  (SELECT count(*) FROM tasks WHERE user_id = %(user_id)s)::int AS tasks,
  (SELECT count(*) FROM study_events WHERE user_id = %(user_id)s)::int AS study_events,
  (SELECT count(*) FROM focus_sessions WHERE user_id = %(user_id)s)::int AS focus_sessions
"""


async def preview(conn: AsyncConnection, user_id: UUID) -> DeletionPreview:
    """What deleting the user's account would remove."""
    cur = conn.cursor(row_factory=class_row(DeletionPreview))
    await cur.execute(PREVIEW, {"user_id": user_id})
    found = await cur.fetchone()
    assert found is not None  # one row of counts, always
    return found


PASSWORD_HASH_FOR_UPDATE = "SELECT password_hash FROM users WHERE id = %(user_id)s FOR UPDATE"
DELETE_POSTINGS = "DELETE FROM postings WHERE owner_id = %(user_id)s"
DELETE_TERM_STATS = "DELETE FROM term_stats WHERE owner_id = %(user_id)s"
DELETE_USER = "DELETE FROM users WHERE id = %(user_id)s"


async def delete_account(
    conn: AsyncConnection,
    hashing: PasswordHashing,
    user_id: UUID,
    password: str,
    origin: audit.Origin,
) -> DeletionPreview:
    """Delete the account and everything of it if `password` is the account's (WrongPassword
    otherwise), in the caller's transaction; returns what went."""
    params = {"user_id": user_id}
    cur = await conn.execute(PASSWORD_HASH_FOR_UPDATE, params)
    row = await cur.fetchone()
    if row is None:
        raise UserNotFound()
    if not await hashing.verify(row[0], password):
        raise WrongPassword("The password is not right.")
    gone = await preview(conn, user_id)
    for statement in (DELETE_POSTINGS, DELETE_TERM_STATS, DELETE_USER):
        await conn.execute(statement, params)
    outbox.name_changed(user_id)  # no cached copy of the name outlives the account
    details = asdict(gone)
    await audit.record(conn, audit.ACCOUNT_DELETED, origin, subject_id=user_id, details=details)
    return gone
