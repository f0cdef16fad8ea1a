"""A student's study settings: time zone, daily goal, desired retention for flashcards.

Every "today", "overdue" and "streak" is computed in the profile's IANA time zone, so the zone
is checked against the zone database before it is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from psycopg import AsyncConnection
from psycopg.rows import class_row

from tutor.errors import UserNotFound
from tutor.study import study_days
from tutor.study.errors import InvalidTimezone

DEFAULT_TIMEZONE = "UTC"
MIN_RETENTION, MAX_RETENTION = 0.80, 0.97


@dataclass(frozen=True, slots=True)
class Profile:
    """The settings the study modules read."""

    user_id: UUID
    timezone: str
    daily_goal_minutes: int
    desired_retention: float

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def today(self, now: datetime) -> date:
        """The student's local date at the instant `now`."""
        return now.astimezone(self.zone).date()


def checked_timezone(name: str) -> str:
    """`name` if the zone database knows it; raises InvalidTimezone otherwise."""
    if name not in _zone_names():
        raise InvalidTimezone(f"{name!r} is not an IANA time zone name (e.g. Europe/Paris).")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidTimezone() from exc
    return name


def timezone_or_default(name: str | None) -> str:
    """A zone given at sign-up (the browser's), or UTC when it is missing or unknown: signing up
    must not fail because a browser reports an odd zone."""
    if not name:
        return DEFAULT_TIMEZONE
    try:
        return checked_timezone(name)
    except InvalidTimezone:
        return DEFAULT_TIMEZONE


_ZONES: frozenset[str] | None = None


def _zone_names() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


PROFILE = """
SELECT id AS user_id, timezone, daily_goal_minutes, desired_retention::float8 AS desired_retention
FROM users WHERE id = %(user_id)s
"""

UPDATE_PROFILE = """
UPDATE users SET
    timezone = coalesce(%(timezone)s, timezone),
    daily_goal_minutes = coalesce(%(daily_goal_minutes)s, daily_goal_minutes),
    desired_retention = coalesce(%(desired_retention)s, desired_retention)
WHERE id = %(user_id)s
RETURNING id AS user_id, timezone, daily_goal_minutes,
          desired_retention::float8 AS desired_retention
"""


async def get_profile(conn: AsyncConnection, user_id: UUID) -> Profile:
    """The user's study settings; raises UserNotFound."""
    cur = conn.cursor(row_factory=class_row(Profile))
    await cur.execute(PROFILE, {"user_id": user_id})
    found = await cur.fetchone()
    if found is None:
        raise UserNotFound()
    return found


async def update_profile(
    conn: AsyncConnection,
    user_id: UUID,
    *,
    timezone: str | None = None,
    daily_goal_minutes: int | None = None,
    desired_retention: float | None = None,
) -> Profile:
    """Change the given settings (None keeps one); the zone is checked first. A new zone moves
    every event to its new local day, so the per-day rollup is rebuilt."""
    before = await get_profile(conn, user_id)
    params = {
        "user_id": user_id,
        "timezone": checked_timezone(timezone) if timezone is not None else None,
        "daily_goal_minutes": daily_goal_minutes,
        "desired_retention": desired_retention,
    }
    cur = conn.cursor(row_factory=class_row(Profile))
    await cur.execute(UPDATE_PROFILE, params)
    found = await cur.fetchone()
    if found is None:
        raise UserNotFound()
    if found.timezone != before.timezone:
        await study_days.rebuild(conn, user_id)
    return found
