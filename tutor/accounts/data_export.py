"""Export my data: a zip of everything of the user's, built by the worker, kept for a day.

The zip holds one JSON file per kind of data (made by PostgreSQL itself, so every column a later
migration adds is exported without a change here; secrets such as the password hash are left
out by name) and each original file under `files/<document id>/<filename>`. The worker writes
it to a temporary file and stores it in parts, so neither process holds a whole export in
memory; the download streams the parts back in order.
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import class_row
from psycopg_pool import AsyncConnectionPool
from redis.asyncio import Redis

from ingestion.events import publish
from ingestion.queue import QUEUE_NAME
from tutor.errors import ExportNotFound, ExportNotReady
from tutor.events import Event

EXPORT_JOB = "export_data"
EXPORT_TRIES = 3
PART_BYTES = 8 * 1024 * 1024


@dataclass
class DataExport:
    """One export request and, once ready, the size of its zip."""

    id: UUID
    status: str
    done: int
    total: int
    size_bytes: int | None
    error_message: str | None
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime


EXPORT_COLUMNS = """
id, status, done, total, size_bytes, error_message, created_at, finished_at, expires_at
"""
UNFINISHED_EXPORT = f"""
SELECT {EXPORT_COLUMNS} FROM data_exports
WHERE user_id = %(user_id)s AND status IN ('queued', 'running') AND expires_at > now()
ORDER BY created_at DESC LIMIT 1
"""
INSERT_EXPORT = f"""
INSERT INTO data_exports (id, user_id) VALUES (%(id)s, %(user_id)s) RETURNING {EXPORT_COLUMNS}
"""
EXPORT_BY_ID = f"""
SELECT {EXPORT_COLUMNS} FROM data_exports
WHERE id = %(id)s AND user_id = %(user_id)s AND expires_at > now()
"""
DELETE_EXPIRED = "DELETE FROM data_exports WHERE expires_at <= now()"


async def start_export(conn: AsyncConnection, user_id: UUID) -> tuple[DataExport, bool]:
    """A queued export for the user, and True; or the one already under way, and False."""
    cur = conn.cursor(row_factory=class_row(DataExport))
    await cur.execute(UNFINISHED_EXPORT, {"user_id": user_id})
    running = await cur.fetchone()
    if running is not None:
        return running, False
    await cur.execute(INSERT_EXPORT, {"id": uuid.uuid4(), "user_id": user_id})
    made = await cur.fetchone()
    assert made is not None
    return made, True


async def get_export(conn: AsyncConnection, user_id: UUID, export_id: UUID) -> DataExport:
    """One of the user's unexpired exports; ExportNotFound for anyone else's or an expired one."""
    cur = conn.cursor(row_factory=class_row(DataExport))
    await cur.execute(EXPORT_BY_ID, {"id": export_id, "user_id": user_id})
    found = await cur.fetchone()
    if found is None:
        raise ExportNotFound()
    return found


async def ready_export(conn: AsyncConnection, user_id: UUID, export_id: UUID) -> DataExport:
    """The user's export if its zip is ready; ExportNotReady while it is being built."""
    found = await get_export(conn, user_id, export_id)
    if found.status != "ready":
        raise ExportNotReady()
    return found


async def delete_expired(conn: AsyncConnection) -> int:
    """Remove every export past its day, with its zip; returns how many went."""
    cur = await conn.execute(DELETE_EXPIRED)
    return cur.rowcount


async def enqueue_export(redis: Redis, export_id: UUID) -> None:
    """Hand the export to the worker."""
    await redis.enqueue_job(  # type: ignore[attr-defined]
        EXPORT_JOB, str(export_id), _job_id=f"data-export:{export_id}", _queue_name=QUEUE_NAME
    )


PART_COUNT = "SELECT count(*) FROM data_export_parts WHERE export_id = %(id)s"
PART = "SELECT content FROM data_export_parts WHERE export_id = %(id)s AND ordinal = %(ordinal)s"


async def zip_parts(pool: AsyncConnectionPool, export_id: UUID) -> AsyncIterator[bytes]:
    """The export's zip, part by part; each part is read on a connection held only for it."""
    async with pool.connection() as conn:
        row = await (await conn.execute(PART_COUNT, {"id": export_id})).fetchone()
    for ordinal in range(int(row[0]) if row else 0):
        async with pool.connection() as conn:
            cur = await conn.execute(PART, {"id": export_id, "ordinal": ordinal})
            part = await cur.fetchone()
        if part is None:  # expired (and purged) while it was being sent
            return
        yield bytes(part[0])


# Each kind is one JSON document, built by PostgreSQL; `- 'column'` leaves out what only
# repeats the owner or the parent, and the secrets.
ACCOUNT_JSON = """
SELECT jsonb_pretty(jsonb_build_object(
  'exported_at', now(),
  'account', to_jsonb(u) - 'password_hash' - 'token_version',
  'fsrs_parameters', (SELECT to_jsonb(f) - 'user_id' FROM fsrs_parameters f WHERE f.user_id = u.id),
  'teacher_request', (SELECT to_jsonb(t) - 'user_id' FROM teacher_requests t WHERE t.user_id = u.id)
)) FROM users u WHERE u.id = %(user_id)s
"""
DOCUMENTS_JSON = """
SELECT jsonb_pretty(coalesce(jsonb_agg((to_jsonb(d) - 'owner_id') || jsonb_build_object(
  'file', 'files/' || d.id || '/' || d.filename,
  'overview', (SELECT to_jsonb(o) - 'owner_id' - 'document_id'
               FROM document_overviews o WHERE o.document_id = d.id)
) ORDER BY d.created_at, d.id), '[]'))
FROM documents d WHERE d.owner_id = %(user_id)s
"""
CONVERSATIONS_JSON = """
SELECT jsonb_pretty(coalesce(jsonb_agg((to_jsonb(c) - 'owner_id') || jsonb_build_object(
  'messages', (SELECT coalesce(jsonb_agg(to_jsonb(m) - 'owner_id' - 'conversation_id'
                                         ORDER BY m.created_at, m.id), '[]')
               FROM messages m WHERE m.conversation_id = c.id)
) ORDER BY c.created_at, c.id), '[]'))
FROM conversations c WHERE c.owner_id = %(user_id)s
"""
PRACTICE_JSON = """
SELECT jsonb_pretty(coalesce(jsonb_agg((to_jsonb(s) - 'owner_id') || jsonb_build_object(
  'items', (SELECT coalesce(jsonb_agg((to_jsonb(i) - 'set_id') || jsonb_build_object(
              'attempts', (SELECT coalesce(jsonb_agg(to_jsonb(a) - 'user_id' - 'set_id' - 'item_id'
                                                     ORDER BY a.answered_at, a.id), '[]')
                           FROM practice_attempts a
                           WHERE a.item_id = i.id AND a.user_id = %(user_id)s)
            ) ORDER BY i.ordinal), '[]')
            FROM practice_items i WHERE i.set_id = s.id)
) ORDER BY s.created_at, s.id), '[]'))
FROM practice_sets s WHERE s.owner_id = %(user_id)s
"""
FLASHCARDS_JSON = """
SELECT jsonb_pretty(jsonb_build_object(
  'decks', (SELECT coalesce(jsonb_agg((to_jsonb(d) - 'user_id') || jsonb_build_object(
              'notes', (SELECT coalesce(jsonb_agg((to_jsonb(n) - 'user_id' - 'deck_id')
                          || jsonb_build_object('cards',
                               (SELECT coalesce(jsonb_agg(
                                  to_jsonb(c) - 'user_id' - 'deck_id' - 'note_id'
                                  ORDER BY c.ordinal), '[]')
                                FROM cards c WHERE c.note_id = n.id))
                        ORDER BY n.created_at, n.id), '[]')
                        FROM card_notes n WHERE n.deck_id = d.id)
            ) ORDER BY d.created_at, d.id), '[]')
            FROM decks d WHERE d.user_id = %(user_id)s),
  'review_logs', (SELECT coalesce(jsonb_agg(to_jsonb(r) - 'user_id'
                                            ORDER BY r.reviewed_at, r.id), '[]')
                  FROM review_logs r WHERE r.user_id = %(user_id)s)
))
"""
TASKS_JSON = """
SELECT jsonb_pretty(coalesce(jsonb_agg(
  to_jsonb(t) - 'user_id' - 'idempotency_key' - 'request_sha256' ORDER BY t.created_at, t.id
), '[]'))
FROM tasks t WHERE t.user_id = %(user_id)s
"""
STUDY_EVENTS_JSON = """
SELECT jsonb_pretty(jsonb_build_object(
  'events', (SELECT coalesce(jsonb_agg(to_jsonb(e) - 'user_id' ORDER BY e.occurred_at, e.id), '[]')
             FROM study_events e WHERE e.user_id = %(user_id)s),
  'days', (SELECT coalesce(jsonb_agg(to_jsonb(s) - 'user_id' ORDER BY s.day), '[]')
           FROM study_days s WHERE s.user_id = %(user_id)s)
))
"""
FOCUS_SESSIONS_JSON = """
SELECT jsonb_pretty(coalesce(jsonb_agg(to_jsonb(f) - 'user_id' ORDER BY f.started_at, f.id), '[]'))
FROM focus_sessions f WHERE f.user_id = %(user_id)s
"""
GAME_JSON = """
SELECT jsonb_pretty(jsonb_build_object(
  'profile', (SELECT to_jsonb(g) - 'user_id' FROM game_profiles g WHERE g.user_id = %(user_id)s),
  'xp', (SELECT coalesce(jsonb_agg(to_jsonb(x) - 'user_id' ORDER BY x.awarded_at, x.id), '[]')
         FROM xp_events x WHERE x.user_id = %(user_id)s),
  'currencies', (SELECT coalesce(jsonb_agg(to_jsonb(c) - 'user_id' ORDER BY c.at, c.id), '[]')
                 FROM currency_events c WHERE c.user_id = %(user_id)s),
  'badges', (SELECT coalesce(jsonb_agg(to_jsonb(b) - 'user_id' ORDER BY b.earned_at), '[]')
             FROM user_badges b WHERE b.user_id = %(user_id)s),
  'themes', (SELECT coalesce(jsonb_agg(to_jsonb(t) - 'user_id' ORDER BY t.unlocked_at), '[]')
             FROM user_themes t WHERE t.user_id = %(user_id)s),
  'frozen_days', (SELECT coalesce(jsonb_agg(f.day ORDER BY f.day), '[]')
                  FROM streak_freeze_days f WHERE f.user_id = %(user_id)s),
  'notifications', (SELECT coalesce(jsonb_agg(to_jsonb(n) - 'user_id' ORDER BY n.seq), '[]')
                    FROM notifications n WHERE n.user_id = %(user_id)s)
))
"""
# Classes attended and taught, and the student's own submissions with what they answered; a
# grade a teacher gave says so, but not which teacher.
CLASSES_JSON = """
SELECT jsonb_pretty(jsonb_build_object(
  'attending', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'class_id', c.id, 'name', c.name, 'joined_at', m.joined_at)
                 ORDER BY m.joined_at, c.id), '[]')
                FROM class_members m JOIN classes c ON c.id = m.class_id
                WHERE m.user_id = %(user_id)s),
  'teaching', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                  'class_id', c.id, 'name', c.name, 'role', t.role, 'since', t.added_at)
                ORDER BY t.added_at, c.id), '[]')
               FROM class_teachers t JOIN classes c ON c.id = t.class_id
               WHERE t.user_id = %(user_id)s),
  'submissions', (SELECT coalesce(jsonb_agg((to_jsonb(s) - 'student_id') || jsonb_build_object(
                     'assignment', (SELECT a.title FROM assignments a WHERE a.id = s.assignment_id),
                     'answers', (SELECT coalesce(jsonb_agg(
                                   (to_jsonb(x) - 'submission_id' - 'graded_by')
                                   || jsonb_build_object('question', i.question, 'key', i.answer,
                                                         'graded_by_teacher',
                                                         x.graded_by IS NOT NULL)
                                   ORDER BY i.ordinal), '[]')
                                 FROM assignment_answers x
                                 JOIN assignment_items i ON i.id = x.item_id
                                 WHERE x.submission_id = s.id))
                   ORDER BY s.submitted_at, s.id), '[]')
                  FROM assignment_submissions s WHERE s.student_id = %(user_id)s)
))
"""
KINDS = (
    ("account.json", ACCOUNT_JSON),
    ("documents.json", DOCUMENTS_JSON),
    ("conversations.json", CONVERSATIONS_JSON),
    ("practice.json", PRACTICE_JSON),
    ("flashcards.json", FLASHCARDS_JSON),
    ("tasks.json", TASKS_JSON),
    ("study_events.json", STUDY_EVENTS_JSON),
    ("focus_sessions.json", FOCUS_SESSIONS_JSON),
    ("gamification.json", GAME_JSON),
    ("classes.json", CLASSES_JSON),
)


async def kind_json(conn: AsyncConnection, query: str, user_id: UUID) -> str:
    """One kind of the user's data as JSON text."""
    row = await (await conn.execute(query, {"user_id": user_id})).fetchone()
    return str(row[0]) if row and row[0] is not None else "null"


FILES = """
SELECT d.id, d.filename FROM documents d
WHERE d.owner_id = %(user_id)s
  AND EXISTS (SELECT 1 FROM document_files f WHERE f.document_id = d.id)
ORDER BY d.created_at, d.id
"""
FILE_CONTENT = "SELECT content FROM document_files WHERE document_id = %(id)s"


async def file_list(conn: AsyncConnection, user_id: UUID) -> list[tuple[UUID, str]]:
    """The user's stored originals: (document id, filename)."""
    cur = await conn.execute(FILES, {"user_id": user_id})
    return [(row[0], row[1]) for row in await cur.fetchall()]


async def file_content(conn: AsyncConnection, document_id: UUID) -> bytes | None:
    """A document's original bytes; None when it was deleted meanwhile."""
    row = await (await conn.execute(FILE_CONTENT, {"id": document_id})).fetchone()
    return bytes(row[0]) if row else None


CLAIM = """
UPDATE data_exports SET status = 'running', done = 0
WHERE id = %(id)s AND status IN ('queued', 'running') AND expires_at > now()
RETURNING user_id
"""
SET_TOTAL = "UPDATE data_exports SET total = %(total)s WHERE id = %(id)s"
SET_DONE = "UPDATE data_exports SET done = %(done)s WHERE id = %(id)s"
DROP_PARTS = "DELETE FROM data_export_parts WHERE export_id = %(id)s"
INSERT_PART = """
INSERT INTO data_export_parts (export_id, ordinal, content)
VALUES (%(id)s, %(ordinal)s, %(content)s)
"""
FINISH = """
UPDATE data_exports SET status = 'ready', done = total, size_bytes = %(size)s, finished_at = now()
WHERE id = %(id)s
"""
FAIL = """
UPDATE data_exports SET status = 'failed', error_message = %(error)s, finished_at = now()
WHERE id = %(id)s
RETURNING user_id
"""


class _Progress:
    """Counts the export's steps in its row and announces each on the user's events."""

    def __init__(self, pool: AsyncConnectionPool, redis: Redis | None, export_id: UUID) -> None:
        self.pool, self.redis, self.export_id = pool, redis, export_id
        self.user_id: UUID | None = None
        self.done = 0
        self.total = 0

    async def step(self) -> None:
        self.done += 1
        async with self.pool.connection() as conn:
            await conn.execute(SET_DONE, {"id": self.export_id, "done": self.done})
        await self.announce("export.progress", done=self.done, total=self.total)

    async def announce(self, kind: str, **data: Any) -> None:
        if self.redis is not None and self.user_id is not None:
            event = Event.of(kind, export_id=str(self.export_id), **data)
            await publish(self.redis, self.user_id, event)


async def build_export(pool: AsyncConnectionPool, redis: Redis | None, export_id: UUID) -> bool:
    """Build and store the export's zip; False when the export is gone, done or expired."""
    progress = _Progress(pool, redis, export_id)
    async with pool.connection() as conn:
        row = await (await conn.execute(CLAIM, {"id": export_id})).fetchone()
        if row is None:
            return False
        progress.user_id = row[0]
        files = await file_list(conn, row[0])
        progress.total = len(KINDS) + len(files)
        await conn.execute(SET_TOTAL, {"id": export_id, "total": progress.total})
    with tempfile.TemporaryFile() as scratch:
        await _write_zip(scratch, pool, progress, files)
        size = scratch.tell()
        scratch.seek(0)
        await _store(pool, export_id, scratch)
    await progress.announce("export.ready", size_bytes=size)
    return True


async def _write_zip(
    scratch: IO[bytes],
    pool: AsyncConnectionPool,
    progress: _Progress,
    files: list[tuple[UUID, str]],
) -> None:
    assert progress.user_id is not None
    with zipfile.ZipFile(scratch, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, query in KINDS:
            async with pool.connection() as conn:
                text = await kind_json(conn, query, progress.user_id)
            await asyncio.to_thread(archive.writestr, name, text)
            await progress.step()
        for document_id, filename in files:
            async with pool.connection() as conn:
                content = await file_content(conn, document_id)
            if content is not None:
                # PDFs and DOCX files are compressed already: stored as they are.
                path = f"files/{document_id}/{filename}"
                await asyncio.to_thread(archive.writestr, path, content, zipfile.ZIP_STORED)
            await progress.step()


async def _store(pool: AsyncConnectionPool, export_id: UUID, scratch: IO[bytes]) -> None:
    async with pool.connection() as conn:
        await conn.execute(DROP_PARTS, {"id": export_id})  # a retried build starts over
        ordinal = 0
        while part := scratch.read(PART_BYTES):
            params = {"id": export_id, "ordinal": ordinal, "content": part}
            await conn.execute(INSERT_PART, params)
            ordinal += 1
        await conn.execute(FINISH, {"id": export_id, "size": scratch.tell()})


async def fail_export(
    pool: AsyncConnectionPool, redis: Redis | None, export_id: UUID, error: str
) -> None:
    """Mark the export failed and tell its user."""
    async with pool.connection() as conn:
        cur = await conn.execute(FAIL, {"id": export_id, "error": error})
        row = await cur.fetchone()
    if row is not None and redis is not None:
        event = Event.of("export.failed", export_id=str(export_id), message=error)
        await publish(redis, row[0], event)


async def export_data(ctx: dict[str, Any], export_id: str) -> str:
    """The worker's task: one export. The last try that fails marks the export failed."""
    deps = ctx["deps"]
    try:
        built = await build_export(deps.pool, deps.redis, UUID(export_id))
    except Exception:
        if ctx.get("job_try", 1) >= EXPORT_TRIES:
            message = "The export could not be built; try again."
            await fail_export(deps.pool, deps.redis, UUID(export_id), message)
        raise  # arq logs it, and retries it while tries are left
    return "done" if built else "gone"


async def purge_expired_exports(ctx: dict[str, Any]) -> int:
    """The worker's cron job: drop exports past their day."""
    async with ctx["deps"].pool.connection() as conn:
        return await delete_expired(conn)
