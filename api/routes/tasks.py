"""Tasks: create (idempotent with an Idempotency-Key), edit, complete and reopen; the views
(today, overdue, upcoming, open, done) and stats in the student's time zone; and the private
calendar feed of open tasks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Header, Path, Query, Request, Response, status
from pydantic import AwareDatetime, BaseModel, Field, StringConstraints, model_validator

from api.deps import ConnDep, UserDep
from api.error_responses import error_responses
from api.pagination import Cursor, Limit, Page, decode_cursor, paginate
from api.schemas import PublicModel
from tutor.study import calendar_feed, task_views, tasks
from tutor.study.recurrence import Recurrence

router = APIRouter(tags=["tasks"], responses=error_responses(400, 422))
# Every route but the calendar feed's (its token is in the path) needs a bearer token.
AUTHED = error_responses(401)
ONE_TASK = error_responses(401, 404)

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Notes = Annotated[str, Field(max_length=10_000)]
Subject = Annotated[str, StringConstraints(strip_whitespace=True, max_length=80)]
Priority = Literal["low", "medium", "high"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Any unique string per new task: a retried POST with it returns that task.",
    ),
]
# Not editable as such: status changes through complete and reopen.
NOT_NULL = ("title", "notes", "subject", "priority")


class RecurrenceSpec(BaseModel):
    """How a task repeats: `daily`, `weekly` on `weekdays`, or `every_n_days` (`interval`)."""

    kind: Literal["daily", "weekly", "every_n_days"]
    interval: int = Field(default=1, ge=1, le=365, description="Days apart (every_n_days).")
    weekdays: list[Weekday] = Field(default_factory=list, max_length=7, description="weekly")

    @model_validator(mode="after")
    def _fits_kind(self) -> RecurrenceSpec:
        if (self.kind == "weekly") != bool(self.weekdays):
            raise ValueError("weekdays are given for a weekly recurrence, and only for it")
        if self.kind != "every_n_days" and self.interval != 1:
            raise ValueError("only an every_n_days recurrence has an interval")
        return self

    def rule(self) -> Recurrence:
        """The domain's rule."""
        if self.kind == "weekly":
            return Recurrence.weekly(*self.weekdays)
        return Recurrence(self.kind, self.interval)


class RecurrencePublic(PublicModel):
    """How a task repeats."""

    kind: str
    interval: int
    weekdays: list[Weekday] = Field(validation_alias="weekday_names")


def _one_due(body: dict[str, Any]) -> None:
    if body.get("due_date") is not None and body.get("due_at") is not None:
        raise ValueError("give due_date (an all-day task) or due_at (a timed one), not both")


class TaskCreate(BaseModel):
    """A new task: due on a day (`due_date`), at a time (`due_at`, with its offset), or never."""

    title: Title
    notes: Notes = ""
    subject: Subject = ""
    due_date: date | None = None
    due_at: AwareDatetime | None = None
    priority: Priority = "medium"
    document_id: UUID | None = None
    deck_id: UUID | None = None
    practice_set_id: UUID | None = None
    recurrence: RecurrenceSpec | None = None

    @model_validator(mode="after")
    def _consistent(self) -> TaskCreate:
        _one_due(vars(self))
        if self.recurrence is not None and self.due_date is None and self.due_at is None:
            raise ValueError("a repeating task needs a due_date or due_at")
        return self

    def draft(self) -> tasks.TaskDraft:
        """The domain's draft."""
        rule = self.recurrence.rule() if self.recurrence else None
        return tasks.TaskDraft(**self.model_dump(exclude={"recurrence"}), recurrence=rule)


class TaskUpdate(BaseModel):
    """Changes to a task; omitted fields are kept. Setting `due_date` or `due_at` replaces the
    due (the other becomes null); `null` clears a due, a link or the recurrence."""

    title: Title | None = None
    notes: Notes | None = None
    subject: Subject | None = None
    due_date: date | None = None
    due_at: AwareDatetime | None = None
    priority: Priority | None = None
    document_id: UUID | None = None
    deck_id: UUID | None = None
    practice_set_id: UUID | None = None
    recurrence: RecurrenceSpec | None = None

    @model_validator(mode="after")
    def _consistent(self) -> TaskUpdate:
        _one_due(vars(self))
        cleared = [
            name
            for name in NOT_NULL
            if name in self.model_fields_set and getattr(self, name) is None
        ]
        if cleared:
            raise ValueError(f"{', '.join(cleared)} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, as draft fields."""
        changed = {name: getattr(self, name) for name in self.model_fields_set}
        if "recurrence" in changed:
            changed["recurrence"] = self.recurrence.rule() if self.recurrence else None
        return changed


class TaskPublic(PublicModel):
    """A task. `overdue`: open, and its day is over (all-day) or its instant passed (timed), in
    the student's time zone."""

    id: UUID
    title: str
    notes: str
    subject: str
    due_date: date | None
    due_at: datetime | None
    priority: Priority
    status: Literal["open", "done"]
    completed_at: datetime | None
    overdue: bool
    document_id: UUID | None
    deck_id: UUID | None
    practice_set_id: UUID | None
    recurrence: RecurrencePublic | None
    previous_id: UUID | None = Field(description="The instance this one repeats.")
    next_id: UUID | None = Field(description="The instance completing this one created.")
    assignment_id: UUID | None = Field(
        default=None, description="The class assignment it is for: done by submitting it."
    )
    created_at: datetime
    updated_at: datetime


class TaskStatsPublic(PublicModel):
    """Counts over all one's tasks; the completion rate is this local week's (Monday-Sunday):
    done this week / (done this week + open and due this week), null when both are 0."""

    total: int
    done: int
    open: int
    overdue: int
    done_this_week: int
    open_due_this_week: int
    completion_rate: float | None


class CalendarFeedStatus(BaseModel):
    """Whether a calendar feed URL exists (the URL itself is shown only when made)."""

    active: bool
    created_at: datetime | None


class CalendarFeedCreated(BaseModel):
    """A new secret feed URL; the previous one, if any, no longer works."""

    url: str = Field(description="Subscribe to this in a calendar app; keep it private.")
    created_at: datetime


async def _moment(conn: ConnDep, user: UserDep) -> tasks.Moment:
    return await tasks.moment_of(conn, user.user_id, datetime.now(UTC))


@router.post(
    "/tasks",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {
            "model": TaskPublic,
            "description": "The task an earlier try with this Idempotency-Key made.",
        },
        **error_responses(401, 404, 409),
    },
)
async def create_task(
    body: TaskCreate,
    user: UserDep,
    conn: ConnDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> TaskPublic:
    """Create a task (201); a retry with the same Idempotency-Key returns it (200)."""
    at = await _moment(conn, user)
    task, created = await tasks.create_task(conn, user.user_id, body.draft(), at, idempotency_key)
    if not created:
        response.status_code = status.HTTP_200_OK
    return TaskPublic.model_validate(task)


@router.get("/tasks", responses=AUTHED)
async def list_tasks(
    user: UserDep,
    conn: ConnDep,
    view: Annotated[
        task_views.View, Query(description="Which tasks, see the tasks docs.")
    ] = "open",
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[TaskPublic]:
    """The caller's tasks in a view: open ones soonest due first, done ones latest first."""
    at = await _moment(conn, user)
    rows = await task_views.list_tasks(
        conn, user.user_id, view, at, limit=limit + 1, after=decode_cursor(cursor)
    )
    shown, next_cursor = paginate(rows, limit, lambda t: (t.sort_key or task_views.NO_DUE, t.id))
    return Page[TaskPublic](
        items=[TaskPublic.model_validate(t) for t in shown], next_cursor=next_cursor
    )


@router.get("/tasks/stats", responses=AUTHED)
async def task_stats(user: UserDep, conn: ConnDep) -> TaskStatsPublic:
    """Totals, overdue, and this week's completion rate."""
    stats = await task_views.task_stats(conn, user.user_id, await _moment(conn, user))
    return TaskStatsPublic.model_validate(stats)


@router.get("/tasks/calendar-feed", responses=AUTHED)
async def calendar_feed_status(user: UserDep, conn: ConnDep) -> CalendarFeedStatus:
    """Whether the caller has a calendar feed URL."""
    created_at = await calendar_feed.feed_created_at(conn, user.user_id)
    return CalendarFeedStatus(active=created_at is not None, created_at=created_at)


@router.post("/tasks/calendar-feed", status_code=status.HTTP_201_CREATED, responses=AUTHED)
async def create_calendar_feed(
    user: UserDep, conn: ConnDep, request: Request
) -> CalendarFeedCreated:
    """Make a secret calendar feed URL, or a new one in place of the old."""
    token, created_at = await calendar_feed.rotate_feed(conn, user.user_id)
    url = str(request.url_for("calendar_feed", token=token))
    return CalendarFeedCreated(url=url, created_at=created_at)


@router.delete("/tasks/calendar-feed", status_code=status.HTTP_204_NO_CONTENT, responses=AUTHED)
async def revoke_calendar_feed(user: UserDep, conn: ConnDep) -> None:
    """Revoke the caller's feed URL: calendar apps subscribed to it get 404 from now on."""
    await calendar_feed.revoke_feed(conn, user.user_id)


@router.get(
    "/calendar/{token}.ics",
    name="calendar_feed",
    response_class=Response,
    responses={
        200: {"content": {"text/calendar": {}}, "description": "The open tasks."},
        **error_responses(404),
    },
)
async def calendar_feed_ics(
    token: Annotated[str, Path(max_length=100)], conn: ConnDep, request: Request
) -> Response:
    """The open tasks of the feed's owner as iCalendar; the secret token is the credential."""
    owner = await calendar_feed.feed_owner(conn, token)
    at = await tasks.moment_of(conn, owner, datetime.now(UTC))
    body = calendar_feed.calendar_of(
        await calendar_feed.feed_tasks(conn, owner, at), str(request.base_url)
    )
    headers = {"Cache-Control": "private, max-age=300", "Referrer-Policy": "no-referrer"}
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)


@router.get("/tasks/{task_id}", responses=ONE_TASK)
async def get_task(task_id: UUID, user: UserDep, conn: ConnDep) -> TaskPublic:
    """One of the caller's tasks."""
    task = await tasks.get_task(conn, user.user_id, task_id, await _moment(conn, user))
    return TaskPublic.model_validate(task)


@router.patch("/tasks/{task_id}", responses=ONE_TASK)
async def update_task(task_id: UUID, body: TaskUpdate, user: UserDep, conn: ConnDep) -> TaskPublic:
    """Edit one of the caller's tasks."""
    at = await _moment(conn, user)
    task = await tasks.update_task(conn, user.user_id, task_id, body.changes(), at)
    return TaskPublic.model_validate(task)


@router.delete("/tasks/{task_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ONE_TASK)
async def delete_task(task_id: UUID, user: UserDep, conn: ConnDep) -> None:
    """Delete one of the caller's tasks."""
    await tasks.delete_task(conn, user.user_id, task_id)


@router.post("/tasks/{task_id}/complete", responses=ONE_TASK)
async def complete_task(task_id: UUID, user: UserDep, conn: ConnDep) -> TaskPublic:
    """Mark a task done (again: no change); a repeating task gets its next instance (`next_id`)."""
    task = await tasks.complete_task(conn, user.user_id, task_id, await _moment(conn, user))
    return TaskPublic.model_validate(task)


@router.post("/tasks/{task_id}/reopen", responses=ONE_TASK)
async def reopen_task(task_id: UUID, user: UserDep, conn: ConnDep) -> TaskPublic:
    """Mark a done task open again (it leaves the learning record)."""
    task = await tasks.reopen_task(conn, user.user_id, task_id, await _moment(conn, user))
    return TaskPublic.model_validate(task)
