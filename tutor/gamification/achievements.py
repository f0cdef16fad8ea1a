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

DAY = """
SELECT events, seconds FROM study_days WHERE user_id = %(user_id)s AND day = %(day)s
"""


async def daily_goal(turn: Turn) -> None:
    """The daily goal met on the event's day: once per day."""
    cur = await turn.conn.execute(DAY, {"user_id": turn.user_id, "day": turn.day})
    row = await cur.fetchone()
    if row is not None and row[1] >= turn.profile.daily_goal_minutes * 60:
        amount = RULES["daily_goal"].xp
        await turn.award("daily_goal", turn.day.isoformat(), amount, detail={"seconds": row[1]})


async def first_event_of_day(turn: Turn) -> bool:
    """Whether the event just recorded is its day's first qualifying one."""
    cur = await turn.conn.execute(DAY, {"user_id": turn.user_id, "day": turn.day})
    row = await cur.fetchone()
    return row is not None and row[0] == 1


ACTIVE_DAYS = """
SELECT day FROM study_days
WHERE user_id = %(user_id)s AND events > 0 AND day >= %(since)s
"""
FROZEN_DAYS = """
SELECT day FROM streak_freeze_days
WHERE user_id = %(user_id)s AND day >= %(since)s
"""
# Longer than the longest milestone: a run is counted from days this far back at most. Days
# after the event's are read too: their presence means the event came late.
LOOKBACK_DAYS = 400


async def _days(turn: Turn, query: str) -> set[date]:
    since = turn.day - timedelta(days=LOOKBACK_DAYS)
    cur = await turn.conn.execute(query, {"user_id": turn.user_id, "since": since})
    return {row[0] for row in await cur.fetchall()}


FREEZE = "INSERT INTO streak_freeze_days (user_id, day) VALUES (%(user_id)s, %(day)s)"
SPEND_FREEZES = """
UPDATE game_profiles SET streak_freezes = streak_freezes - %(count)s
WHERE user_id = %(user_id)s
RETURNING streak_freezes
"""


async def new_study_day(turn: Turn) -> None:
    """On a day's first study: spend freezes on the days missed (or lose the streak), tell the
    student their streak grew, and award a milestone it reached."""
    active, frozen = await _days(turn, ACTIVE_DAYS), await _days(turn, FROZEN_DAYS)
    if any(day > turn.day for day in active | frozen):
        return  # a late event for a past day: today's streak was settled then
    before = (active | frozen) - {turn.day}
    covered = streak_freezes.days_to_cover(before, turn.day, turn.game.streak_freezes)
    if covered:
        await _freeze(turn, covered)
        frozen |= set(covered)
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
