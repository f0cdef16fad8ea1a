"""Streak freezes: a held freeze covers one missed local day, so the streak survives it.

Freezes are spent when the student next studies: the days missed since the last study day are
covered if the student holds enough freezes for all of them (a partial cover would save
nothing), and the covered days count in the streak from then on (`streak_freeze_days`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from uuid import UUID

from psycopg import AsyncConnection

from tutor.study.streaks import Streak, streak


def missed_days(active: Iterable[date], day: date) -> list[date]:
    """The days between the last active day before `day` and `day` (both excluded)."""
    before = [d for d in active if d < day]
    if not before:
        return []
    last = max(before)
    return [last + timedelta(days=i) for i in range(1, (day - last).days)]


def days_to_cover(active: Iterable[date], day: date, held: int) -> list[date]:
    """The missed days a student studying on `day` covers with the `held` freezes: all of
    them, or none when there are more than freezes."""
    missed = missed_days(active, day)
    return missed if len(missed) <= held else []


def current_streak(active: set[date], frozen: set[date], held: int, today: date) -> Streak:
    """The streak on `today`, counting frozen days, and keeping alive (not yet counting) a
    gap up to yesterday that the freezes held would cover on the next study day."""
    days = active | frozen
    shown = streak(days, today)
    if shown.current or not days:
        return shown
    pending = days_to_cover(days, today, held)
    if not pending:
        return shown
    # The gap reaches yesterday and would be covered: the run before it is still current.
    covered = streak(days | set(pending), today - timedelta(days=1))
    return Streak(covered.current - len(pending), shown.longest, False)


FROZEN_DAYS = "SELECT day FROM streak_freeze_days WHERE user_id = %(user_id)s"


async def frozen_days(conn: AsyncConnection, user_id: UUID) -> set[date]:
    """The days the student's freezes covered."""
    cur = await conn.execute(FROZEN_DAYS, {"user_id": user_id})
    return {row[0] for row in await cur.fetchall()}
