"""A class's gradebook, for its teachers: every current student against every assignment.

A student's grade on an assignment is their best submission's share right (an answer waiting
for a teacher counts as not right until graded). Past its due time, an assignment a student
never submitted is **missing** and counts 0 in their average; before it, it is open and counts
nothing; one a teacher excused the student from, or published and due before the student
joined the class, is **excused** and counts nothing. Each student is also checked against the
struggling rules (`tutor.classes.struggling`: the last 30 days' average of their grades, dated
by submission, and their missing work) and has a trend (the slope of their grades in due
order). The mastery rule is not applied here: a student's mastery comes from their own study,
which their teachers do not see. The CSV has one row per student: their name, each
assignment's grade in percent (or "missing" or "excused", or empty while open), their average,
missing count and struggling reasons.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, NamedTuple
from uuid import UUID

from psycopg import AsyncConnection

from tutor.classes import struggling
from tutor.classes.classes import teaching
from tutor.classes.struggling import Verdict

Status = Literal["submitted", "late", "missing", "open", "excused"]


@dataclass(frozen=True, slots=True)
class Column:
    """One assignment of the gradebook."""

    assignment_id: UUID
    title: str
    due_at: datetime
    published_at: datetime


class Cell(NamedTuple):
    """A student's standing on one assignment (a named tuple: a gradebook makes 12,000, and a
    tuple is the cheapest object to make)."""

    status: Status
    score: float | None
    attempts: int
    waiting: int
    # When the best submission was made, in epoch seconds (None without one): compared, not
    # shown, so never turned into a datetime.
    submitted_at: float | None = None


@dataclass(frozen=True, slots=True)
class Row:
    """A student's line: a cell per column, and their average over what counts."""

    student_id: UUID
    display_name: str
    cells: list[Cell]

    def counted(self) -> list[float]:
        """The grades that count, in due order: submitted ones, and 0 for missing work."""
        return [c.score or 0.0 for c in self.cells if c.status not in ("open", "excused")]

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
        """The struggling rules on this line, as of `now` (the mastery rule left out): the grades
        submitted in the window, compared in epoch seconds (no datetime made per cell)."""
        start, end = (now - struggling.WINDOW).timestamp(), now.timestamp()
        recent = [
            c.score
            for c in self.cells
            if c.submitted_at is not None and start <= c.submitted_at <= end and c.score is not None
        ]
        return struggling.assess_average(
            struggling.mean_of(recent), missing=self.missing, mastery_then=None, mastery_now=None
        )


@dataclass(frozen=True, slots=True)
class Gradebook:
    """The columns, the rows, and the instant they were read at (what is due, missing, recent)."""

    columns: list[Column]
    rows: list[Row]
    as_of: datetime


COLUMNS = """
SELECT id, title, due_at, published_at FROM assignments WHERE class_id = %(class_id)s
ORDER BY due_at, id
"""
STUDENTS = """
SELECT m.user_id, coalesce(u.display_name, 'Student'), m.joined_at
FROM class_members m JOIN users u ON u.id = m.user_id
WHERE m.class_id = %(class_id)s
ORDER BY lower(coalesce(u.display_name, 'Student')), m.user_id
"""
# A cell per (student, assignment) with a submission, its place given as the two positions in
# the lists read before (integers only, read in binary: 12,000 cells cost little to load). The
# best submission (most right, then the earliest): its right answers, questions, lateness and
# time (epoch seconds), with how many submissions and answers still waiting. Read from the
# submissions' own counts and the index that orders them: no answer is read, nothing sorted.
# Someone who joined or an assignment published since those lists were read is left out.
CELLS = """
WITH best AS (
    SELECT DISTINCT ON (s.assignment_id, s.student_id)
           s.assignment_id, s.student_id, s.correct, s.questions, s.late, s.submitted_at,
           count(*) OVER mine AS attempts, sum(s.waiting) OVER mine AS waiting
    FROM assignment_submissions s
    WHERE s.assignment_id = ANY(%(assignments)s::uuid[])
    WINDOW mine AS (PARTITION BY s.assignment_id, s.student_id)
    ORDER BY s.assignment_id, s.student_id, s.correct DESC, s.attempt
)
SELECT st.n::int, an.n::int, b.correct, b.questions, b.late, b.attempts::int, b.waiting::int,
       floor(extract(epoch FROM b.submitted_at))::int8
FROM best b
JOIN unnest(%(assignments)s::uuid[]) WITH ORDINALITY an (id, n) ON an.id = b.assignment_id
JOIN unnest(%(students)s::uuid[]) WITH ORDINALITY st (id, n) ON st.id = b.student_id
"""


# The (student, assignment) positions a teacher excused.
EXCUSED_CELLS = """
SELECT st.n::int, an.n::int
FROM assignment_excusals e
JOIN unnest(%(assignments)s::uuid[]) WITH ORDINALITY an (id, n) ON an.id = e.assignment_id
JOIN unnest(%(students)s::uuid[]) WITH ORDINALITY st (id, n) ON st.id = e.student_id
"""
# Marks an excused position in the grid (a submission's row is a 6-tuple).
EXCUSED_BY_TEACHER: tuple[Any, ...] = ("excused by a teacher",)


async def gradebook(
    conn: AsyncConnection, user_id: UUID, class_id: UUID, now: datetime
) -> Gradebook:
    """The gradebook of a class the caller teaches, as of `now`."""
    await teaching(conn, user_id, class_id)
    cur = await conn.execute(COLUMNS, {"class_id": class_id})
    columns = [Column(*row) for row in await cur.fetchall()]
    cur = await conn.execute(STUDENTS, {"class_id": class_id})
    students = await cur.fetchall()  # (id, name, joined at)
    grid: list[list[tuple[Any, ...] | None]] = [[None] * len(columns) for _ in students]
    params = {
        "assignments": [c.assignment_id for c in columns],
        "students": [s[0] for s in students],
    }
    cur = await conn.execute(CELLS, params, binary=True)
    for student, assignment, *cell in await cur.fetchall():
        grid[student - 1][assignment - 1] = tuple(cell)
    cur = await conn.execute(EXCUSED_CELLS, params, binary=True)
    for student, assignment in await cur.fetchall():
        if grid[student - 1][assignment - 1] is None:  # work handed in still counts
            grid[student - 1][assignment - 1] = EXCUSED_BY_TEACHER
    rows = [
        Row(student, name, [_cell(cell, columns[i], now, joined) for i, cell in enumerate(cells)])
        for (student, name, joined), cells in zip(students, grid, strict=True)
    ]
    return Gradebook(columns, rows, now)


def _cell(cell: tuple[Any, ...] | None, column: Column, now: datetime, joined: datetime) -> Cell:
    """A cell from its row: the best submission's right answers and questions, late,
    submissions, waiting, submitted at (epoch seconds); None without a submission."""
    if cell is EXCUSED_BY_TEACHER:
        return EXCUSED
    if cell:
        correct, questions, late, attempts, waiting, submitted_at = cell
        status: Status = "late" if late else "submitted"
        return Cell(status, correct / questions, attempts, waiting, submitted_at)
    if column.published_at < joined and column.due_at < joined:
        return EXCUSED  # published and due before they were in the class: never theirs to do
    return MISSING if now > column.due_at else OPEN


# Cells without a submission are all alike: one each, shared.
MISSING = Cell("missing", None, 0, 0)
OPEN = Cell("open", None, 0, 0)
EXCUSED = Cell("excused", None, 0, 0)


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
    if cell.status in ("missing", "excused"):
        return cell.status
    return _percent(cell.score)


def _percent(share: float | None) -> str:
    return "" if share is None else f"{100 * share:.0f}"
