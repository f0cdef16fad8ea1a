"""Assignments: a class's teachers publish practice sets with a due time, students submit their
answers and see their grades, teachers settle the uncertain ones and read the gradebook."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Request, Response, status
from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from api.deps import ConnDep, StateDep, UserDep
from api.error_responses import error_responses
from api.pagination import Cursor, Limit, Page, decode_cursor, paginate
from api.rate_limits import client_ip
from api.schemas import PublicModel
from tutor.accounts import audit
from tutor.classes import assignment_analysis, assignments, gradebook, grading, submissions

router = APIRouter(tags=["assignments"], responses=error_responses(400, 401, 422))

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class AssignmentCreate(BaseModel):
    """One of the caller's practice sets to publish: open from `opens_at` (default now), due at
    `due_at`, with `attempts_allowed` submissions per student."""

    set_id: UUID
    title: Title
    opens_at: AwareDatetime | None = None
    due_at: AwareDatetime
    attempts_allowed: int = Field(default=1, ge=1, le=10)


class AssignmentPublic(PublicModel):
    """An assignment. For its teachers: `submitted` (students) and `waiting` (answers to
    grade); for a student: their `attempts_used` and `best_score` (0..1)."""

    id: UUID
    class_id: UUID
    class_name: str
    title: str
    opens_at: datetime
    due_at: datetime
    attempts_allowed: int
    published_at: datetime
    questions: int
    standing: str
    submitted: int | None
    waiting: int | None
    attempts_used: int | None
    best_score: float | None


class QuestionPublic(PublicModel):
    """A question; the key, explanation and source only for teachers and after submitting."""

    id: UUID
    ordinal: int
    kind: str
    question: str
    options: list[str]
    answer: str | None
    explanation: str | None
    filename: str | None
    page_start: int | None
    page_end: int | None
    quote: str | None


class AssignmentDetail(BaseModel):
    """An assignment with its questions."""

    assignment: AssignmentPublic
    questions: list[QuestionPublic]


@router.post(
    "/classes/{class_id}/assignments",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(403, 404, 409),
)
async def publish_assignment(
    class_id: UUID, body: AssignmentCreate, user: UserDep, conn: ConnDep
) -> AssignmentPublic:
    """Publish one of the caller's practice sets to a class they teach: each current student
    gets a task due then and an `assignment.published` notification."""
    opens_at = body.opens_at or datetime.now(UTC)
    draft = assignments.Draft(body.set_id, body.title, opens_at, body.due_at, body.attempts_allowed)
    made = await assignments.publish(conn, user.user_id, class_id, draft)
    return AssignmentPublic.model_validate(
        await assignments.get_assignment(conn, user.user_id, made)
    )


@router.get("/classes/{class_id}/assignments", responses=error_responses(404))
async def list_assignments(
    class_id: UUID, user: UserDep, conn: ConnDep, cursor: Cursor = None, limit: Limit = 20
) -> Page[AssignmentPublic]:
    """A class's assignments, latest due first."""
    rows = await assignments.class_assignments(
        conn, user.user_id, class_id, decode_cursor(cursor), limit + 1
    )
    items, next_cursor = paginate(rows, limit, lambda a: (a.due_at, a.id))
    return Page(items=[AssignmentPublic.model_validate(a) for a in items], next_cursor=next_cursor)


@router.get("/assignments/{assignment_id}", responses=error_responses(404))
async def get_assignment(assignment_id: UUID, user: UserDep, conn: ConnDep) -> AssignmentDetail:
    """An assignment of one of the caller's classes with its questions: keys for its teachers,
    and for a student once they have submitted."""
    found = await assignments.get_assignment(conn, user.user_id, assignment_id)
    keys = found.standing != "student" or bool(found.attempts_used)
    asked = await assignments.questions(conn, found, keys)
    return AssignmentDetail(
        assignment=AssignmentPublic.model_validate(found),
        questions=[QuestionPublic.model_validate(q) for q in asked],
    )


class GivenAnswer(BaseModel):
    """An answer to one question: text, or a multiple-choice option's index."""

    item_id: UUID
    answer: Annotated[str, StringConstraints(max_length=2000)] | int


class SubmissionCreate(BaseModel):
    """All of a student's answers at once; questions left out count as blank (wrong).
    `submission_id` is the client's: a retry with it returns the first submission."""

    submission_id: UUID
    answers: list[GivenAnswer] = Field(max_length=100)


class GradedAnswerPublic(PublicModel):
    """An answer, its grade (`correct` null while it waits for a teacher) and the key."""

    item_id: UUID
    ordinal: int
    answer: str
    verdict: str
    correct: bool | None
    similarity: float | None
    graded_by_teacher: bool
    key: str
    explanation: str


class SubmissionPublic(PublicModel):
    """A graded submission: `score` is the share right so far, `waiting` the answers a
    teacher has yet to grade."""

    id: UUID
    assignment_id: UUID
    attempt: int
    submitted_at: datetime
    late: bool
    score: float
    waiting: int
    answers: list[GradedAnswerPublic]


@router.post(
    "/assignments/{assignment_id}/submissions",
    responses=error_responses(403, 404, 409),
)
async def submit_assignment(
    assignment_id: UUID, body: SubmissionCreate, user: UserDep, conn: ConnDep, state: StateDep
) -> SubmissionPublic:
    """Submit a student's answers; graded at once (409 `assignment_not_open`,
    `no_attempts_left`)."""
    given = {a.item_id: a.answer for a in body.answers}
    made = await submissions.submit(
        conn,
        state.embedder,
        user.user_id,
        assignment_id,
        body.submission_id,
        given,
        datetime.now(UTC),
    )
    return SubmissionPublic.model_validate(made)


@router.get("/assignments/{assignment_id}/submissions", responses=error_responses(404))
async def my_submissions(
    assignment_id: UUID, user: UserDep, conn: ConnDep
) -> list[SubmissionPublic]:
    """The caller's own submissions of the assignment (never a classmate's), first first."""
    found = await submissions.my_submissions(conn, user.user_id, assignment_id)
    return [SubmissionPublic.model_validate(s) for s in found]


class WaitingPublic(PublicModel):
    """An answer waiting for a teacher's grade."""

    assignment_id: UUID
    assignment_title: str
    submission_id: UUID
    item_id: UUID
    ordinal: int
    question: str
    key: str
    answer: str
    similarity: float | None
    student_name: str
    submitted_at: datetime


@router.get("/classes/{class_id}/review-queue", responses=error_responses(403, 404))
async def review_queue(class_id: UUID, user: UserDep, conn: ConnDep) -> list[WaitingPublic]:
    """The answers waiting for a grade in a class the caller teaches (the oldest 100)."""
    found = await grading.review_queue(conn, user.user_id, class_id)
    return [WaitingPublic.model_validate(w) for w in found]


class GradeSet(BaseModel):
    """The grade a teacher gives an answer."""

    correct: bool


@router.put(
    "/assignments/{assignment_id}/submissions/{submission_id}/answers/{item_id}/grade",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(403, 404, 409),
)
async def grade_answer(
    assignment_id: UUID,
    submission_id: UUID,
    item_id: UUID,
    body: GradeSet,
    user: UserDep,
    conn: ConnDep,
    request: Request,
) -> Response:
    """Grade one answer (settle an uncertain one, or override the grader); audited."""
    origin = audit.Origin(user.user_id, client_ip(request))
    await grading.set_grade(
        conn, user.user_id, assignment_id, submission_id, item_id, body.correct, origin
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/assignments/{assignment_id}/excusals/{student_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(403, 404, 409),
)
async def excuse_student(
    assignment_id: UUID, student_id: UUID, user: UserDep, conn: ConnDep, request: Request
) -> Response:
    """Excuse a student of the class from the assignment: missing work that counts nothing
    (work handed in still counts); audited."""
    return await _excused(assignment_id, student_id, user, conn, request, excused=True)


@router.delete(
    "/assignments/{assignment_id}/excusals/{student_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(403, 404, 409),
)
async def unexcuse_student(
    assignment_id: UUID, student_id: UUID, user: UserDep, conn: ConnDep, request: Request
) -> Response:
    """Take an excusal back; audited."""
    return await _excused(assignment_id, student_id, user, conn, request, excused=False)


async def _excused(
    assignment_id: UUID,
    student_id: UUID,
    user: UserDep,
    conn: ConnDep,
    request: Request,
    *,
    excused: bool,
) -> Response:
    origin = audit.Origin(user.user_id, client_ip(request))
    await grading.set_excused(conn, user.user_id, assignment_id, student_id, excused, origin)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


class CellPublic(PublicModel):
    """A student's standing on one assignment: `submitted`, `late`, `missing` (past due, counts
    0), `open`, or `excused` (by a teacher, or due before they joined; counts nothing); their
    best `score` (0..1), submissions made and answers waiting."""

    status: str
    score: float | None
    attempts: int
    waiting: int


class ColumnPublic(PublicModel):
    """One assignment of the gradebook."""

    assignment_id: UUID
    title: str
    due_at: datetime


class RowPublic(BaseModel):
    """A student's line: `average` over submitted and missing work, `trend` (the slope of their
    grades per assignment), and `struggling` with its `reasons` (`low_average`: under 60% over
    the last 30 days; `missing_work`: two or more missing)."""

    student_id: UUID
    display_name: str
    cells: list[CellPublic]
    average: float | None
    missing: int
    trend: float | None
    struggling: bool
    reasons: list[str]


class GradebookPublic(BaseModel):
    """Every current student against every assignment, oldest due first."""

    columns: list[ColumnPublic]
    rows: list[RowPublic]


@router.get(
    "/classes/{class_id}/gradebook",
    response_model=GradebookPublic,
    responses=error_responses(403, 404),
)
async def class_gradebook(class_id: UUID, user: UserDep, conn: ConnDep) -> Response:
    """The gradebook of a class the caller teaches."""
    book = await gradebook.gradebook(conn, user.user_id, class_id, datetime.now(UTC))
    return Response(gradebook_json(book), media_type="application/json")


def gradebook_json(book: gradebook.Gradebook) -> bytes:
    """The gradebook as the API sends it, shaped as `GradebookPublic` (the benchmark times this
    too). Written as JSON text directly: a class of 300 with 40 assignments has 12,000 cells,
    and a model (or a dict for the encoder) per cell cost more than the query. Each cell's
    values are the domain's own: a status from a fixed set, a float or null, two integers."""
    columns = [
        {"assignment_id": str(c.assignment_id), "title": c.title, "due_at": c.due_at.isoformat()}
        for c in book.columns
    ]
    rows = ",".join(_row_json(r, book.as_of) for r in book.rows)
    return f'{{"columns":{json.dumps(columns)},"rows":[{rows}]}}'.encode()


def _row_json(row: gradebook.Row, now: datetime) -> str:
    verdict = row.verdict(now)
    head = json.dumps(
        {
            "student_id": str(row.student_id),
            "display_name": row.display_name,
            "average": row.average,
            "missing": row.missing,
            "trend": row.trend,
            "struggling": verdict.struggling,
            "reasons": list(verdict.reasons),
        }
    )
    cells = ",".join(map(_cell_json, row.cells))
    return f'{head[:-1]},"cells":[{cells}]}}'


def _cell_json(cell: gradebook.Cell) -> str:
    score = "null" if cell.score is None else repr(float(cell.score))
    return (
        f'{{"status":"{cell.status}","score":{score},'
        f'"attempts":{cell.attempts},"waiting":{cell.waiting}}}'
    )


@router.get(
    "/classes/{class_id}/gradebook.csv",
    responses={**error_responses(403, 404), 200: {"content": {"text/csv": {}}}},
    response_class=Response,
)
async def class_gradebook_csv(class_id: UUID, user: UserDep, conn: ConnDep) -> Response:
    """The gradebook as CSV: a row per student, grades in percent, "missing" for work past due,
    the average, the missing count and the struggling reasons."""
    book = await gradebook.gradebook(conn, user.user_id, class_id, datetime.now(UTC))
    return Response(
        gradebook.as_csv(book),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="gradebook.csv"'},
    )


class ItemReportPublic(BaseModel):
    """A question with its statistics over the first submissions: `facility` (share right),
    `discrimination` (upper minus lower 27%), `point_biserial` (with the rest of the score),
    `distractor_counts` (per option) and `flags` (`too_hard` under 0.2, `too_easy` over 0.95,
    `low_discrimination` under 0.1)."""

    question: QuestionPublic
    facility: float | None
    discrimination: float | None
    point_biserial: float | None
    distractor_counts: list[int]
    flags: list[str]


class AnalysisPublic(BaseModel):
    """An assignment's completion, its first submissions' score histogram (10 bins, 0-10% to
    90-100%) and each question's statistics."""

    assignment: AssignmentPublic
    students: int
    submitted: int
    histogram: list[int]
    items: list[ItemReportPublic]


@router.get("/assignments/{assignment_id}/analysis", responses=error_responses(403, 404))
async def analyse_assignment(assignment_id: UUID, user: UserDep, conn: ConnDep) -> AnalysisPublic:
    """Item analysis of an assignment of a class the caller teaches."""
    found = await assignment_analysis.analyse(conn, user.user_id, assignment_id)
    return AnalysisPublic(
        assignment=AssignmentPublic.model_validate(found.assignment),
        students=found.students,
        submitted=found.submitted,
        histogram=found.histogram,
        items=[
            ItemReportPublic(
                question=QuestionPublic.model_validate(i.question),
                facility=i.stats.facility,
                discrimination=i.stats.discrimination,
                point_biserial=i.stats.point_biserial,
                distractor_counts=list(i.stats.distractor_counts),
                flags=list(i.stats.flags),
            )
            for i in found.items
        ],
    )
