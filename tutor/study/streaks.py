"""Streaks: runs of consecutive local days on which the student studied.

Pure rules over local dates (the caller turns instants into the student's own calendar days, so
a review at 23:30 in Tokyo counts on that Tokyo day, and a DST change never splits or merges a
day). A streak is still *current* on a day the student has not studied yet: it breaks only when
a whole local day passes without study.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Streak:
    """The current run (0 when broken), the longest run ever, and whether today already counts."""

    current: int
    longest: int
    studied_today: bool


def local_day(instant: datetime, zone: ZoneInfo) -> date:
    """The calendar day `instant` falls on in `zone`."""
    return instant.astimezone(zone).date()


def runs(days: Iterable[date]) -> list[tuple[date, int]]:
    """Maximal runs of consecutive days as (first day, length), oldest first."""
    found: list[tuple[date, int]] = []
    for day in sorted(set(days)):
        if found and found[-1][0] + timedelta(days=found[-1][1]) == day:
            first, length = found[-1]
            found[-1] = (first, length + 1)
        else:
            found.append((day, 1))
    return found


def streak(days: Iterable[date], today: date) -> Streak:
    """The streak on `today` given the days studied (days after `today` are ignored)."""
    past = runs(day for day in days if day <= today)
    longest = max((length for _, length in past), default=0)
    if not past:
        return Streak(0, 0, False)
    first, length = past[-1]
    last = first + timedelta(days=length - 1)
    current = length if last >= today - ONE_DAY else 0
    return Streak(current, longest, last == today)
