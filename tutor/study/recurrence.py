"""Recurring tasks: when the next instance is due once one is completed. Pure functions.

Rules repeat from the due date, not from the completion (Todoist's "every"): a task due every
Monday stays on Mondays however late it is done, and "every 3 days" keeps its rhythm. The next
instance is the rule's first occurrence after the current due that is not already over when
the task is completed, so finishing late never leaves a trail of overdue copies: a daily task
due three days ago and done today is next due today (today's occurrence is still to do); one
due today and done today is next due tomorrow.

A timed task keeps its wall-clock time in the student's zone: 09:00 stays 09:00 across a DST
change, the UTC instant moves instead. A wall time the zone skips on that day (02:30 on a
spring-forward night) becomes the instant one offset-change later (03:30), and as only instants
are stored, later instances keep 03:30; an ambiguous one (a fall-back night) is its first
occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from tutor.errors import InvalidInput

Kind = Literal["daily", "weekly", "every_n_days"]
KINDS: tuple[Kind, ...] = ("daily", "weekly", "every_n_days")
# Index + 1 is the ISO weekday (Monday = 1), which is what the database keeps.
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_INTERVAL = 365
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Recurrence:
    """How a task repeats: every day, on some weekdays each week, or every `interval` days."""

    kind: Kind
    interval: int = 1
    weekdays: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidInput(f"A recurrence is one of {', '.join(KINDS)}.")
        if not 1 <= self.interval <= MAX_INTERVAL:
            raise InvalidInput(f"A recurrence's interval is 1 to {MAX_INTERVAL} days.")
        if self.kind != "every_n_days" and self.interval != 1:
            raise InvalidInput("Only an every-N-days recurrence has an interval.")
        if any(day not in range(1, 8) for day in self.weekdays):
            raise InvalidInput("Weekdays are ISO numbers, 1 (Monday) to 7 (Sunday).")
        if (self.kind == "weekly") != bool(self.weekdays):
            raise InvalidInput("A weekly recurrence needs its weekdays, and only it has them.")

    @classmethod
    def weekly(cls, *names: str) -> Recurrence:
        """A weekly rule from weekday names (`mon` ... `sun`)."""
        try:
            days = sorted({WEEKDAY_NAMES.index(name) + 1 for name in names})
        except ValueError as exc:
            raise InvalidInput(f"Weekdays are {', '.join(WEEKDAY_NAMES)}.") from exc
        return cls("weekly", 1, tuple(days))

    @property
    def weekday_names(self) -> list[str]:
        """The weekly rule's days as names, Monday first."""
        return [WEEKDAY_NAMES[day - 1] for day in self.weekdays]


def first_occurrence(rule: Recurrence, anchor: date, earliest: date) -> date:
    """The rule's first occurrence on or after `earliest` (which is after `anchor`), counting
    intervals from `anchor`."""
    if rule.kind == "weekly":
        return next(
            day
            for day in (earliest + timedelta(days=offset) for offset in range(7))
            if day.isoweekday() in rule.weekdays
        )
    step = rule.interval if rule.kind == "every_n_days" else 1
    periods = max(1, -(-(earliest - anchor).days // step))  # ceiling division
    return anchor + timedelta(days=periods * step)


def next_due_date(rule: Recurrence, due: date, done_on: date) -> date:
    """The next all-day instance's day, for a task due `due` and completed on local `done_on`."""
    return first_occurrence(rule, due, max(due + ONE_DAY, done_on))


def next_due_at(
    rule: Recurrence, due_at: datetime, completed_at: datetime, zone: ZoneInfo
) -> datetime:
    """The next timed instance (UTC): the same local wall time on the rule's next day that is
    after `due_at` and not before `completed_at`."""
    local = due_at.astimezone(zone)
    done_on = completed_at.astimezone(zone).date()
    day = first_occurrence(rule, local.date(), max(local.date() + ONE_DAY, done_on))
    at = at_wall_time(day, local.time(), zone)
    if at <= completed_at:  # that day's occurrence already passed when it was completed
        at = at_wall_time(first_occurrence(rule, local.date(), day + ONE_DAY), local.time(), zone)
    return at


def at_wall_time(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """`wall` o'clock on `day` in `zone`, as a UTC instant (see the module docstring for the
    times a DST change skips or repeats)."""
    return datetime.combine(day, wall.replace(tzinfo=None), tzinfo=zone).astimezone(UTC)
