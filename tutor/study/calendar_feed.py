"""A private iCalendar feed of a student's open tasks, at a secret URL any calendar app can
subscribe to.

The URL's token is the only credential (calendar apps send no bearer token), so it is long and
random, shown once, and only its SHA-256 is stored: a leaked database leaks no working URL.
Creating a feed again rotates the token (the old URL stops working); revoking deletes it.

Dated tasks become events, because that is what calendar apps show (several ignore to-dos): an
all-day task an all-day event on its day, a timed one an event at its due instant. Undated open
tasks become to-dos.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from uuid import UUID

from icalendar import Calendar, Event, Todo
from psycopg import AsyncConnection

from tutor.study.errors import CalendarFeedNotFound
from tutor.study.task_views import list_tasks
from tutor.study.tasks import Moment, Task

TOKEN_BYTES = 32
# Open tasks put in a feed, soonest due first: a calendar has no use for thousands.
FEED_LIMIT = 1000
# How often calendar apps that honour it should fetch the feed again.
REFRESH = timedelta(hours=1)
PRIORITY = {"high": 1, "medium": 5, "low": 9}  # RFC 5545: 1 highest, 9 lowest


def token_hash(token: str) -> str:
    """What is stored for a feed token."""
    return hashlib.sha256(token.encode()).hexdigest()


UPSERT_FEED = """
INSERT INTO calendar_feeds (user_id, token_sha256) VALUES (%(user_id)s, %(token_sha256)s)
ON CONFLICT (user_id) DO UPDATE SET token_sha256 = EXCLUDED.token_sha256, created_at = now()
RETURNING created_at
"""


async def rotate_feed(conn: AsyncConnection, user_id: UUID) -> tuple[str, datetime]:
    """A new secret token for the user's feed (replacing any earlier one), and when it was made."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    cur = await conn.execute(UPSERT_FEED, {"user_id": user_id, "token_sha256": token_hash(token)})
    row = await cur.fetchone()
    assert row is not None  # an upsert returns its row
    return token, row[0]


DELETE_FEED = "DELETE FROM calendar_feeds WHERE user_id = %(user_id)s"


async def revoke_feed(conn: AsyncConnection, user_id: UUID) -> None:
    """Stop the user's feed URL from working (nothing to do when there is none)."""
    await conn.execute(DELETE_FEED, {"user_id": user_id})


FEED_CREATED = "SELECT created_at FROM calendar_feeds WHERE user_id = %(user_id)s"


async def feed_created_at(conn: AsyncConnection, user_id: UUID) -> datetime | None:
    """When the user's current feed URL was made; None when they have none."""
    cur = await conn.execute(FEED_CREATED, {"user_id": user_id})
    row = await cur.fetchone()
    return row[0] if row else None


FEED_OWNER = "SELECT user_id FROM calendar_feeds WHERE token_sha256 = %(token_sha256)s"


async def feed_owner(conn: AsyncConnection, token: str) -> UUID:
    """Whose feed `token` opens; raises CalendarFeedNotFound for a revoked or unknown token."""
    cur = await conn.execute(FEED_OWNER, {"token_sha256": token_hash(token)})
    row = await cur.fetchone()
    if row is None:
        raise CalendarFeedNotFound()
    owner: UUID = row[0]
    return owner


async def feed_tasks(conn: AsyncConnection, user_id: UUID, at: Moment) -> list[Task]:
    """The open tasks a feed carries."""
    return await list_tasks(conn, user_id, "open", at, limit=FEED_LIMIT)


def calendar_of(tasks: Iterable[Task], app_url: str | None = None) -> bytes:
    """The iCalendar text of `tasks`; each item links to the tasks page when `app_url` is given."""
    calendar = Calendar()
    calendar.add("prodid", "-//Spark Tutor//Tasks//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Spark Tutor tasks")
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    for task in tasks:
        calendar.add_component(_item(task, app_url))
    text: bytes = calendar.to_ical()
    return text


def _item(task: Task, app_url: str | None) -> Event | Todo:
    item: Event | Todo
    if task.due_date is not None:
        item = Event()
        item.add("dtstart", task.due_date)
        item.add("dtend", task.due_date + timedelta(days=1))
        item.add("transp", "TRANSPARENT")  # a reminder of work, not a busy slot
    elif task.due_at is not None:
        item = Event()
        item.add("dtstart", task.due_at)
        item.add("transp", "TRANSPARENT")
    else:
        item = Todo()
        item.add("status", "NEEDS-ACTION")
    item.add("uid", f"{task.id}@spark-tutor")
    item.add("dtstamp", task.updated_at)
    item.add("last-modified", task.updated_at)
    item.add("summary", task.title)
    item.add("priority", PRIORITY[task.priority])
    if task.notes:
        item.add("description", task.notes)
    if task.subject:
        item.add("categories", [task.subject])
    if app_url:
        item.add("url", f"{app_url.rstrip('/')}/#/tasks/{task.id}")
    return item
