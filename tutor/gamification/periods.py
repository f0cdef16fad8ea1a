"""Leaderboard periods: the local day, ISO week (from Monday), calendar month, or all time,
in the board's time zone, as instants and a key naming the board."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Period = Literal["day", "week", "month", "all"]
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class PeriodWindow:
    """[start, end) of one period, and its board key ("2026-W49", "2026-12", "all")."""

    period: Period
    key: str
    start: datetime
    end: datetime | None


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone).astimezone(UTC)


def window(period: Period, now: datetime, zone: ZoneInfo) -> PeriodWindow:
    """The window of `period` that holds `now`."""
    today = now.astimezone(zone).date()
    if period == "day":
        first, last = today, today + timedelta(days=1)
        key = today.isoformat()
    elif period == "week":
        first = today - timedelta(days=today.weekday())
        last = first + timedelta(days=7)
        year, week, _ = first.isocalendar()
        key = f"{year}-W{week:02d}"
    elif period == "month":
        first = today.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1)
        key = f"{first.year}-{first.month:02d}"
    else:
        return PeriodWindow("all", "all", EPOCH, None)
    return PeriodWindow(period, key, _midnight(first, zone), _midnight(last, zone))


def expiry(span: PeriodWindow, now: datetime) -> int | None:
    """Seconds a built board is kept: a day past its period (the all-time board: always)."""
    if span.end is None:
        return None
    return max(60, int((span.end - now).total_seconds()) + 86_400)
