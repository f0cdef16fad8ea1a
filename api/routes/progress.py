"""The progress dashboard and the focus timer."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

from fastapi import APIRouter, Response, status

from api.deps import ConnDep, UserDep
from api.error_responses import error_responses
from api.schemas import PublicModel
from tutor.study import focus
from tutor.study.progress import dashboard

router = APIRouter(tags=["progress"], responses=error_responses(400, 401, 422))


class StreakPublic(PublicModel):
    """Consecutive local days with study; `current` is 0 once a whole day was missed."""

    current: int
    longest: int
    studied_today: bool


class DayPublic(PublicModel):
    """One local day of the activity calendar."""

    day: date
    events: int
    minutes: float


class MasteryPublic(PublicModel):
    """A document's mastery (see the README for the formula) and the evidence behind it."""

    document_id: UUID
    filename: str
    mastery: float | None
    cards: int
    recall: float | None
    answers: int
    practice_accuracy: float | None


class GoalPublic(PublicModel):
    """Today's study minutes against the daily goal."""

    minutes: float
    goal_minutes: int
    met: bool


class ProgressPublic(PublicModel):
    """The dashboard: streak, today's goal, due cards, today's tasks, mastery, last year."""

    timezone: str
    today: date
    streak: StreakPublic
    goal: GoalPublic
    due_cards: int
    tasks_due_today: int
    tasks_overdue: int
    mastery: list[MasteryPublic]
    days: list[DayPublic]


@router.get("/progress")
async def progress(user: UserDep, conn: ConnDep) -> ProgressPublic:
    """The caller's progress, in their own time zone; `days` covers the last 365 local days
    (days without activity are left out)."""
    board = await dashboard(conn, user.user_id, datetime.now(UTC))
    return ProgressPublic(
        timezone=board.profile.timezone,
        today=board.today,
        streak=StreakPublic(
            current=board.streak.current,
            longest=board.streak.longest,
            studied_today=board.streak.studied_today,
        ),
        goal=GoalPublic(
            minutes=round(board.today_seconds / 60, 1),
            goal_minutes=board.profile.daily_goal_minutes,
            met=board.goal_met,
        ),
        due_cards=board.due_cards,
        tasks_due_today=board.tasks_due_today,
        tasks_overdue=board.tasks_overdue,
        mastery=[
            MasteryPublic(
                document_id=m.document_id,
                filename=m.filename,
                mastery=_rounded(m.mastery),
                cards=m.cards,
                recall=_rounded(m.recall),
                answers=m.answers,
                practice_accuracy=_rounded(m.practice_accuracy),
            )
            for m in board.mastery
        ],
        days=[
            DayPublic(day=d.day, events=d.events, minutes=round(d.seconds / 60, 1))
            for d in board.days
        ],
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


class FocusSessionPublic(PublicModel):
    """A focus timer. While it runs, send a heartbeat every `heartbeat_s` seconds: only time up
    to the last heartbeat (plus a short grace) counts."""

    id: UUID
    started_at: datetime
    ended_at: datetime | None
    counted_s: int | None
    heartbeat_s: int = int(focus.HEARTBEAT_INTERVAL.total_seconds())

    @classmethod
    def of(cls, session: focus.FocusSession) -> FocusSessionPublic:
        return cls(
            id=session.id,
            started_at=session.started_at,
            ended_at=session.ended_at,
            counted_s=session.counted_s,
        )


@router.get("/focus-sessions/current", responses={204: {"description": "No timer is running."}})
async def current_focus_session(
    user: UserDep, conn: ConnDep, response: Response
) -> FocusSessionPublic | None:
    """The running focus timer; 204 when none runs."""
    running = await focus.current_session(conn, user.user_id)
    if running is None:
        response.status_code = status.HTTP_204_NO_CONTENT
        return None
    return FocusSessionPublic.of(running)


@router.post("/focus-sessions", status_code=status.HTTP_201_CREATED)
async def start_focus_session(user: UserDep, conn: ConnDep) -> FocusSessionPublic:
    """Start the focus timer (starting while one runs returns that one)."""
    return FocusSessionPublic.of(await focus.start_session(conn, user.user_id, datetime.now(UTC)))


@router.post("/focus-sessions/current/heartbeat")
async def focus_heartbeat(user: UserDep, conn: ConnDep) -> FocusSessionPublic:
    """Keep the running timer counting; 404 when none runs."""
    return FocusSessionPublic.of(await focus.heartbeat(conn, user.user_id, datetime.now(UTC)))


@router.post("/focus-sessions/current/stop")
async def stop_focus_session(user: UserDep, conn: ConnDep) -> FocusSessionPublic:
    """Stop the timer; its counted time goes into the learning record. 404 when none runs."""
    return FocusSessionPublic.of(await focus.stop_session(conn, user.user_id, datetime.now(UTC)))
