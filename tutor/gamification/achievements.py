"""One-off awards read from the learning record: the daily goal met, streak milestones (with
streak freezes spent on missed days) and a document's mastery crossing a threshold."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from tutor.events import Event
from tutor.gamification import notifications, streak_freezes
from tutor.gamification.rules import (
    MASTERY_MIN_EVIDENCE,
    MASTERY_THRESHOLDS,
    RULES,
    STREAK_MILESTONES,
)
from tutor.gamification.turn import Turn
from tutor.study import mastery
from tutor.study.streaks import streak


async def daily_goal(turn: Turn) -> None:
    """The daily goal met on the event's day: once per day."""
    seconds = turn.activity.seconds
    if seconds >= turn.profile.daily_goal_minutes * 60:
        amount = RULES["daily_goal"].xp
        await turn.award("daily_goal", turn.day.isoformat(), amount, detail={"seconds": seconds})


FREEZE = "INSERT INTO streak_freeze_days (user_id, day) VALUES (%(user_id)s, %(day)s)"
SPEND_FREEZES = """
UPDATE game_profiles SET streak_freezes = streak_freezes - %(count)s
WHERE user_id = %(user_id)s
RETURNING streak_freezes
"""


async def new_study_day(turn: Turn) -> None:
    """On a day's first study: spend freezes on the days missed (or lose the streak), tell the
    student their streak grew, and award a milestone it reached."""
    assert turn.active_days is not None and turn.frozen_days is not None  # read on a new day
    active, frozen = turn.active_days, turn.frozen_days
    if any(day > turn.day for day in active | frozen):
        return  # a late event for a past day: today's streak was settled then
    before = (active | frozen) - {turn.day}
    covered = streak_freezes.days_to_cover(before, turn.day, turn.game.streak_freezes)
    if covered:
        await _freeze(turn, covered)  # adds them to `frozen`
    elif missed := streak_freezes.missed_days(before, turn.day):
        lost = streak(before, missed[0]).current
        if lost >= 2:
            await _tell(turn, Event.of("streak.lost", days=lost))
    current = streak(active | frozen, turn.day).current
    if current >= 2:
        await _tell(turn, Event.of("streak.extended", days=current))
    if current in STREAK_MILESTONES:
        first = turn.day - timedelta(days=current - 1)
        key = f"{current}:{first.isoformat()}"
        await turn.award("streak_milestone", key, STREAK_MILESTONES[current])


async def _freeze(turn: Turn, days: list[date]) -> None:
    for day in days:
        await turn.conn.execute(FREEZE, {"user_id": turn.user_id, "day": day})
    assert turn.frozen_days is not None
    turn.frozen_days.update(days)  # the streak and the streak badges count them from now
    params = {"user_id": turn.user_id, "count": len(days)}
    cur = await turn.conn.execute(SPEND_FREEZES, params)
    row = await cur.fetchone()
    left = int(row[0]) if row else 0
    covered = [day.isoformat() for day in days]
    await _tell(turn, Event.of("streak.frozen", days=covered, freezes_left=left))


async def _tell(turn: Turn, event: Event) -> None:
    await notifications.notify(turn.conn, turn.user_id, event)


async def document_mastery(turn: Turn, document_id: UUID) -> None:
    """Award each mastery threshold the document has crossed (once per threshold ever)."""
    decay = await mastery.user_decay(turn.conn, turn.user_id)
    found = await mastery.mastery_by_document(
        turn.conn, turn.user_id, turn.at, decay, document_id=document_id
    )
    if not found:
        return
    doc = found[0]
    level = doc.mastery
    evidence = doc.cards + doc.practice_weight
    if level is None or evidence < MASTERY_MIN_EVIDENCE:
        return
    for threshold, amount in MASTERY_THRESHOLDS.items():
        if level >= threshold:
            detail = {"document_id": str(document_id), "threshold": threshold}
            await turn.award("mastery", f"{document_id}:{threshold}", amount, detail=detail)
