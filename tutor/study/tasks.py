"""Tasks: what a student plans to do, due on a day or at an instant, maybe repeating.

Completing a task writes a `task_done` event to the learning record in the same transaction,
and for a repeating task creates the next instance (`tutor.study.recurrence`). Both are keyed so
that a retried "complete" changes nothing: the event by the task id, the next instance by its
unique `previous_id`. Reopening retracts the event but keeps the next instance (completing again
finds it and makes no other).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from psycopg import AsyncConnection
from psycopg.rows import class_row

from tutor.errors import DocumentNotFound, InvalidInput, PracticeSetNotFound
from tutor.study.errors import DeckNotFound, IdempotencyKeyReused, TaskNotFound
from tutor.study.profile import get_profile
from tutor.study.record import StudyEvent, record, retract
from tutor.study.recurrence import Kind as RecurrenceKind
from tutor.study.recurrence import Recurrence, next_due_at, next_due_date

Priority = Literal["low", "medium", "high"]
DUE_FIELDS = ("due_date", "due_at")


@dataclass(frozen=True, slots=True)
class Moment:
    """An instant and the student's local day at it: what "overdue" and "today" are read from."""

    now: datetime
    today: date
    zone: ZoneInfo


async def moment_of(conn: AsyncConnection, user_id: UUID, now: datetime) -> Moment:
    """`now` in the user's own time zone."""
    profile = await get_profile(conn, user_id)
    return Moment(now, profile.today(now), profile.zone)


@dataclass(frozen=True, slots=True)
class TaskDraft:
    """What a student says about a task: the fields they create and edit."""

    title: str
    notes: str = ""
    subject: str = ""
    due_date: date | None = None
    due_at: datetime | None = None
    priority: Priority = "medium"
    document_id: UUID | None = None
    deck_id: UUID | None = None
    practice_set_id: UUID | None = None
    recurrence: Recurrence | None = None

    def __post_init__(self) -> None:
        if self.due_date is not None and self.due_at is not None:
            raise InvalidInput("A task is due on a day or at a time, not both.")
        if self.due_at is not None and self.due_at.tzinfo is None:
            raise InvalidInput("A due time needs its UTC offset.")
        if self.recurrence is not None and self.due_date is None and self.due_at is None:
            raise InvalidInput("A repeating task needs a due date or time to repeat from.")

    def fingerprint(self) -> str:
        """A hash of the draft, to tell a retried request from another one with the same key."""
        text = json.dumps(asdict(self), default=str, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def changed(self, changes: dict[str, Any]) -> TaskDraft:
        """The draft with `changes` applied; setting one kind of due clears the other."""
        if any(name in changes for name in DUE_FIELDS):
            changes = {"due_date": None, "due_at": None, **changes}
        return replace(self, **changes)


@dataclass
class Task:
    """A task as stored, with whether it is overdue at the moment it was read."""

    id: UUID
    title: str
    notes: str
    subject: str
    due_date: date | None
    due_at: datetime | None
    priority: Priority
    status: Literal["open", "done"]
    completed_at: datetime | None
    document_id: UUID | None
    deck_id: UUID | None
    practice_set_id: UUID | None
    repeat_kind: RecurrenceKind | None
    repeat_interval: int
    repeat_weekdays: list[int]
    previous_id: UUID | None
    next_id: UUID | None
    overdue: bool
    created_at: datetime
    updated_at: datetime
    # The class assignment the task is for (made by publishing it; done by submitting it).
    assignment_id: UUID | None = None
    # The list order's key (lists only): the due instant, or the completion for done tasks.
    sort_key: datetime | None = field(default=None, repr=False)

    @property
    def recurrence(self) -> Recurrence | None:
        """The repeat rule, if any."""
        if self.repeat_kind is None:
            return None
        return Recurrence(self.repeat_kind, self.repeat_interval, tuple(self.repeat_weekdays))

    def draft(self) -> TaskDraft:
        """The task's editable fields."""
        return TaskDraft(
            self.title,
            self.notes,
            self.subject,
            self.due_date,
            self.due_at,
            self.priority,
            self.document_id,
            self.deck_id,
            self.practice_set_id,
            self.recurrence,
        )


# Overdue: an all-day task once its local day is over, a timed one once its instant passed.
TASK_COLUMNS = """t.id, t.title, t.notes, t.subject, t.due_date, t.due_at, t.priority, t.status,
    t.completed_at, t.document_id, t.deck_id, t.practice_set_id, t.repeat_kind,
    t.repeat_interval, t.repeat_weekdays::int[] AS repeat_weekdays, t.previous_id,
    (SELECT n.id FROM tasks n WHERE n.previous_id = t.id) AS next_id,
    coalesce(t.status = 'open' AND (t.due_date < %(today)s OR t.due_at < %(now)s), false)
        AS overdue,
    t.created_at, t.updated_at, t.assignment_id"""
TASK_BY_ID = f"""
SELECT {TASK_COLUMNS} FROM tasks t WHERE t.id = %(id)s AND t.user_id = %(user_id)s
"""


async def get_task(conn: AsyncConnection, user_id: UUID, task_id: UUID, at: Moment) -> Task:
    """One of the user's tasks; raises TaskNotFound."""
    cur = conn.cursor(row_factory=class_row(Task))
    await cur.execute(TASK_BY_ID, {"id": task_id, "user_id": user_id, **_clock(at)})
    task = await cur.fetchone()
    if task is None:
        raise TaskNotFound()
    return task


def _clock(at: Moment) -> dict[str, Any]:
    return {"now": at.now, "today": at.today}


LINKS_OWNED = """
SELECT
    %(document_id)s::uuid IS NULL OR EXISTS (
        SELECT 1 FROM documents WHERE id = %(document_id)s AND owner_id = %(user_id)s),
    %(deck_id)s::uuid IS NULL OR EXISTS (
        SELECT 1 FROM decks WHERE id = %(deck_id)s AND user_id = %(user_id)s),
    %(practice_set_id)s::uuid IS NULL OR EXISTS (
        SELECT 1 FROM practice_sets WHERE id = %(practice_set_id)s AND owner_id = %(user_id)s)
"""


async def check_links(conn: AsyncConnection, user_id: UUID, draft: TaskDraft) -> None:
    """Raise the not-found of a linked item the user does not own: a task never points at
    someone else's document, deck or practice set."""
    params = {
        "user_id": user_id,
        "document_id": draft.document_id,
        "deck_id": draft.deck_id,
        "practice_set_id": draft.practice_set_id,
    }
    cur = await conn.execute(LINKS_OWNED, params)
    document_ok, deck_ok, practice_set_ok = await cur.fetchone() or (False, False, False)
    if not document_ok:
        raise DocumentNotFound()
    if not deck_ok:
        raise DeckNotFound()
    if not practice_set_ok:
        raise PracticeSetNotFound()


INSERT_TASK = """
INSERT INTO tasks (id, user_id, title, notes, subject, due_date, due_at, priority, document_id,
                   deck_id, practice_set_id, repeat_kind, repeat_interval, repeat_weekdays,
                   idempotency_key, request_sha256)
VALUES (%(id)s, %(user_id)s, %(title)s, %(notes)s, %(subject)s, %(due_date)s, %(due_at)s,
        %(priority)s, %(document_id)s, %(deck_id)s, %(practice_set_id)s, %(repeat_kind)s,
        %(repeat_interval)s, %(repeat_weekdays)s, %(idempotency_key)s, %(request_sha256)s)
ON CONFLICT (user_id, idempotency_key) DO NOTHING
RETURNING id
"""
TASK_OF_KEY = """
SELECT id, request_sha256 FROM tasks
WHERE user_id = %(user_id)s AND idempotency_key = %(idempotency_key)s
"""


async def create_task(
    conn: AsyncConnection,
    user_id: UUID,
    draft: TaskDraft,
    at: Moment,
    idempotency_key: str | None = None,
) -> tuple[Task, bool]:
    """A new task, and True; or, for an Idempotency-Key already used with the same draft, the
    task it created, and False (IdempotencyKeyReused for another draft)."""
    await check_links(conn, user_id, draft)
    params = {
        "id": uuid.uuid4(),
        "user_id": user_id,
        **_draft_columns(draft),
        "idempotency_key": idempotency_key,
        "request_sha256": draft.fingerprint() if idempotency_key else None,
    }
    cur = await conn.execute(INSERT_TASK, params)
    if await cur.fetchone() is not None:
        return await get_task(conn, user_id, params["id"], at), True
    cur = await conn.execute(TASK_OF_KEY, params)
    task_id, fingerprint = await cur.fetchone() or (None, None)
    if fingerprint != params["request_sha256"]:
        raise IdempotencyKeyReused()
    return await get_task(conn, user_id, task_id, at), False


def _draft_columns(draft: TaskDraft) -> dict[str, Any]:
    rule = draft.recurrence
    return {
        "title": draft.title,
        "notes": draft.notes,
        "subject": draft.subject,
        "due_date": draft.due_date,
        "due_at": draft.due_at,
        "priority": draft.priority,
        "document_id": draft.document_id,
        "deck_id": draft.deck_id,
        "practice_set_id": draft.practice_set_id,
        "repeat_kind": rule.kind if rule else None,
        "repeat_interval": rule.interval if rule else 1,
        "repeat_weekdays": list(rule.weekdays) if rule else [],
    }


TASK_FOR_UPDATE = f"""
SELECT {TASK_COLUMNS} FROM tasks t WHERE t.id = %(id)s AND t.user_id = %(user_id)s
FOR UPDATE OF t
"""
# A new due is reminded of again.
UPDATE_TASK = """
UPDATE tasks SET title = %(title)s, notes = %(notes)s, subject = %(subject)s,
    reminded_at = CASE WHEN due_date IS NOT DISTINCT FROM %(due_date)s::date
                        AND due_at IS NOT DISTINCT FROM %(due_at)s::timestamptz
                       THEN reminded_at END,
    due_date = %(due_date)s, due_at = %(due_at)s, priority = %(priority)s,
    document_id = %(document_id)s, deck_id = %(deck_id)s, practice_set_id = %(practice_set_id)s,
    repeat_kind = %(repeat_kind)s, repeat_interval = %(repeat_interval)s,
    repeat_weekdays = %(repeat_weekdays)s, updated_at = now()
WHERE id = %(id)s AND user_id = %(user_id)s
"""


async def update_task(
    conn: AsyncConnection, user_id: UUID, task_id: UUID, changes: dict[str, Any], at: Moment
) -> Task:
    """Apply `changes` (TaskDraft fields) to one of the user's tasks."""
    cur = conn.cursor(row_factory=class_row(Task))
    await cur.execute(TASK_FOR_UPDATE, {"id": task_id, "user_id": user_id, **_clock(at)})
    current = await cur.fetchone()
    if current is None:
        raise TaskNotFound()
    draft = current.draft().changed(changes)
    await check_links(conn, user_id, draft)
    await conn.execute(UPDATE_TASK, {"id": task_id, "user_id": user_id, **_draft_columns(draft)})
    return await get_task(conn, user_id, task_id, at)


DELETE_TASK = "DELETE FROM tasks WHERE id = %(id)s AND user_id = %(user_id)s RETURNING id"


async def delete_task(conn: AsyncConnection, user_id: UUID, task_id: UUID) -> None:
    """Delete one of the user's tasks (a finished one stays in the learning record)."""
    cur = await conn.execute(DELETE_TASK, {"id": task_id, "user_id": user_id})
    if await cur.fetchone() is None:
        raise TaskNotFound()


# Only an open task changes: of two concurrent completes, the second finds it done.
COMPLETE_TASK = """
UPDATE tasks SET status = 'done', completed_at = %(now)s, updated_at = now()
WHERE id = %(id)s AND user_id = %(user_id)s AND status = 'open'
RETURNING id
"""
INSERT_NEXT = """
INSERT INTO tasks (id, user_id, title, notes, subject, due_date, due_at, priority, document_id,
                   deck_id, practice_set_id, repeat_kind, repeat_interval, repeat_weekdays,
                   previous_id)
SELECT %(id)s, user_id, title, notes, subject, %(due_date)s, %(due_at)s, priority, document_id,
       deck_id, practice_set_id, repeat_kind, repeat_interval, repeat_weekdays, id
FROM tasks WHERE id = %(previous_id)s
ON CONFLICT (previous_id) DO NOTHING
"""


async def complete_task(conn: AsyncConnection, user_id: UUID, task_id: UUID, at: Moment) -> Task:
    """Mark a task done (done already: unchanged), record it, and create the next instance of a
    repeating task."""
    params = {"id": task_id, "user_id": user_id, "now": at.now}
    cur = await conn.execute(COMPLETE_TASK, params)
    if await cur.fetchone() is None:
        return await get_task(conn, user_id, task_id, at)
    task = await get_task(conn, user_id, task_id, at)
    await record(conn, _done_event(user_id, task, at))
    rule = task.recurrence
    if rule is not None:
        await conn.execute(
            INSERT_NEXT, {"id": uuid.uuid4(), "previous_id": task_id, **_next_due(rule, task, at)}
        )
        task = await get_task(conn, user_id, task_id, at)
    return task


def _done_event(user_id: UUID, task: Task, at: Moment) -> StudyEvent:
    if task.due_date is not None:
        on_time = at.today <= task.due_date
    else:
        on_time = task.due_at is None or at.now <= task.due_at
    return StudyEvent(
        user_id,
        "task_done",
        str(task.id),
        at.now,
        document_id=task.document_id,
        detail={"on_time": on_time, "due": task.due_date is not None or task.due_at is not None},
    )


def _next_due(rule: Recurrence, task: Task, at: Moment) -> dict[str, Any]:
    if task.due_date is not None:
        return {"due_date": next_due_date(rule, task.due_date, at.today), "due_at": None}
    assert task.due_at is not None  # a repeating task has a due (checked by the draft)
    return {"due_date": None, "due_at": next_due_at(rule, task.due_at, at.now, at.zone)}


REOPEN_TASK = """
UPDATE tasks SET status = 'open', completed_at = NULL, updated_at = now()
WHERE id = %(id)s AND user_id = %(user_id)s AND status = 'done'
RETURNING id
"""


async def reopen_task(conn: AsyncConnection, user_id: UUID, task_id: UUID, at: Moment) -> Task:
    """Mark a done task open again and take its completion out of the learning record."""
    cur = await conn.execute(REOPEN_TASK, {"id": task_id, "user_id": user_id})
    if await cur.fetchone() is not None:
        await retract(conn, user_id, "task_done", str(task_id))
    return await get_task(conn, user_id, task_id, at)
