"""A class's gradebook, for its teachers: every current student against every assignment.

A student's grade on an assignment is their best submission's share right (an answer waiting
for a teacher counts as not right until graded). Past its due time, an assignment a student
never submitted is **missing** and counts 0 in their average; before it, it is open and counts
nothing. Each student is also checked against the struggling rules (`tutor.classes.struggling`:
the last 30 days' average of their grades, dated by submission, and their missing work) and has
a trend (the slope of their grades in due order). The mastery rule is not applied here: a
student's mastery comes from their own study, which their teachers do not see. The CSV has one
row per student: their name, each assignment's grade in percent (or "missing", or empty while
open), their average, missing count and struggling reasons.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from psycopg import AsyncConnection

from tutor.classes import struggling
from tutor.classes.classes import teaching
from tutor.classes.struggling import GradedResult, Verdict, assess

Status = Literal["submitted", "late", "missing", "open"]


@dataclass(frozen=True, slots=True)
class Column:
    """One assignment of the gradebook."""

    assignment_id: UUID
    title: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Cell:
    """A student's standing on one assignment."""

    status: Status
    score: float | None
    attempts: int
    waiting: int
    # When the best submission was made (None without one).
    submitted_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Row:
    """A student's line: a cell per column, and their average over what counts."""

    student_id: UUID
    display_name: str
    cells: list[Cell]

    def counted(self) -> list[float]:
        """The grades that count, in due order: submitted ones, and 0 for missing work."""
        return [c.score or 0.0 for c in self.cells if c.status != "open"]

    @property
    def average(self) -> float | None:
        """The mean of the submitted grades and the missing zeros; None while nothing counts."""
        counted = self.counted()
        return sum(counted) / len(counted) if counted else None

    @property
    def missing(self) -> int:
        return sum(c.status == "missing" for c in self.cells)

    @property
    def trend(self) -> float | None:
        """The slope of the grades that count, per assignment (None below two)."""
        return struggling.trend(self.counted())

    def verdict(self, now: datetime) -> Verdict:
        """The struggling rules on this line, as of `now` (the mastery rule left out)."""
        results = [
            GradedResult(c.submitted_at, c.score)
            for c in self.cells
            if c.submitted_at is not None and c.score is not None
        ]
        return assess(results, missing=self.missing, mastery_then=None, mastery_now=None, now=now)


@dataclass(frozen=True, slots=True)
class Gradebook:
    """The columns, the rows, and the instant they were read at (what is due, missing, recent)."""

    columns: list[Column]
    rows: list[Row]
    as_of: datetime


COLUMNS = """
SELECT id, title, due_at FROM assignments WHERE class_id = %(class_id)s ORDER BY due_at, id
"""
# One line per (current student, assignment): their best submission, how many, whether that
# best one was late, and their answers still waiting. Best: highest share right, then earliest.
CELLS = """
SELECT m.user_id, coalesce(u.display_name, 'Student'), a.id, best.score, best.late,
       coalesce(used.attempts, 0), coalesce(used.waiting, 0), best.submitted_at
FROM class_members m
JOIN users u ON u.id = m.user_id
CROSS JOIN assignments a
LEFT JOIN LATERAL (
    SELECT count(DISTINCT s.id)::int AS attempts, count(x.*) FILTER (WHERE x.correct IS NULL)::int
           AS waiting
    FROM assignment_submissions s LEFT JOIN assignment_answers x ON x.submission_id = s.id
    WHERE s.assignment_id = a.id AND s.student_id = m.user_id
) used ON true
LEFT JOIN LATERAL (
    SELECT s.late, s.submitted_at, avg(CASE WHEN x.correct THEN 1 ELSE 0 END)::float8 AS score
    FROM assignment_submissions s JOIN assignment_answers x ON x.submission_id = s.id
    WHERE s.assignment_id = a.id AND s.student_id = m.user_id
    GROUP BY s.id, s.late, s.submitted_at, s.attempt
    ORDER BY score DESC, s.attempt
    LIMIT 1
) best ON true
WHERE m.class_id = %(class_id)s AND a.class_id = %(class_id)s
ORDER BY lower(coalesce(u.display_name, 'Student')), m.user_id, a.due_at, a.id
"""


async def gradebook(
    conn: AsyncConnection, user_id: UUID, class_id: UUID, now: datetime
) -> Gradebook:
    """The gradebook of a class the caller teaches, as of `now`."""
    await teaching(conn, user_id, class_id)
    cur = await conn.execute(COLUMNS, {"class_id": class_id})
    columns = [Column(*row) for row in await cur.fetchall()]
    due = {c.assignment_id: c.due_at for c in columns}
    cur = await conn.execute(CELLS, {"class_id": class_id})
    rows: dict[UUID, Row] = {}
    for student, name, assignment, score, late, attempts, waiting, at in await cur.fetchall():
        row = rows.setdefault(student, Row(student, name, []))
        row.cells.append(_cell(score, late, attempts, waiting, at, due[assignment], now))
    return Gradebook(columns, list(rows.values()), now)


def _cell(
    score: float | None,
    late: bool | None,
    attempts: int,
    waiting: int,
    submitted_at: datetime | None,
    due: datetime,
    now: datetime,
) -> Cell:
    if attempts:
        return Cell("late" if late else "submitted", score, attempts, waiting, submitted_at)
    return Cell("missing" if now > due else "open", None, 0, 0)


def as_csv(book: Gradebook) -> str:
    """The gradebook as CSV text: a row per student, grades in percent."""
    out = io.StringIO()
    writer = csv.writer(out)
    titles = [_text(c.title) for c in book.columns]
    writer.writerow(["student", *titles, "average", "missing", "struggling"])
    for row in book.rows:
        grades = [_shown(c) for c in row.cells]
        reasons = ";".join(row.verdict(book.as_of).reasons)
        writer.writerow(
            [_text(row.display_name), *grades, _percent(row.average), row.missing, reasons]
        )
    return out.getvalue()


def _text(value: str) -> str:
    """A name or title as a spreadsheet cell that is never read as a formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _shown(cell: Cell) -> str:
    if cell.status == "missing":
        return "missing"
    return _percent(cell.score)


def _percent(share: float | None) -> str:
    return "" if share is None else f"{100 * share:.0f}"
