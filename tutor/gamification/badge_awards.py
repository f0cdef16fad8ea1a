"""Badges earned: after an event's awards, re-measure the criteria it can move, and award each
badge whose criterion now holds, once, with its reward."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from psycopg import AsyncConnection

from tutor.events import Event
from tutor.gamification import currencies, notifications
from tutor.gamification.badges import CATALOGUE, MOVED_BY, Badge, Criterion, longest_run_at
from tutor.gamification.turn import Turn
from tutor.gamification.xp import count_of
from tutor.study.streaks import streak

SET_SCORES = """
SELECT (detail->>'score')::float8 FROM xp_events
WHERE user_id = %(user_id)s AND rule = 'set_completed'
ORDER BY awarded_at, id
"""
MASTERED_DOCUMENTS = """
SELECT count(*) FROM xp_events
WHERE user_id = %(user_id)s AND rule = 'mastery' AND (detail->>'threshold')::float8 >= %(at)s
"""
MATURE_CARDS = """
SELECT count(*) FROM cards WHERE user_id = %(user_id)s AND stability >= 21
"""
EARNED = "SELECT badge FROM user_badges WHERE user_id = %(user_id)s"
STUDY_DAYS = """
SELECT day FROM study_days WHERE user_id = %(user_id)s AND events > 0
UNION SELECT day FROM streak_freeze_days WHERE user_id = %(user_id)s
"""


async def measure(conn: AsyncConnection, user_id: UUID, today: date, criterion: Criterion) -> int:
    """The student's progress towards `criterion`, in its own unit."""
    params = {"user_id": user_id, "at": criterion.at}
    match criterion.kind:
        case "sets_completed":
            return await count_of(conn, user_id, "set_completed")
        case "tasks_on_time":
            return await count_of(conn, user_id, "task_on_time")
        case "quiz_streak":
            cur = await conn.execute(SET_SCORES, params)
            scores = [row[0] for row in await cur.fetchall()]
            return longest_run_at(scores, criterion.at or 0.0)
        case "documents_mastered":
            cur = await conn.execute(MASTERED_DOCUMENTS, params)
        case "cards_mastered":
            cur = await conn.execute(MATURE_CARDS, params)
        case "learning_streak":
            cur = await conn.execute(STUDY_DAYS, params)
            return streak({row[0] for row in await cur.fetchall()}, today).longest
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def _measure_in(turn: Turn, criterion: Criterion) -> int:
    """`measure`, from what the turn already read where it can."""
    if criterion.kind == "cards_mastered" and turn.mature_cards is not None:
        return turn.mature_cards
    if criterion.kind == "learning_streak" and turn.active_days is not None:
        return streak(turn.active_days | (turn.frozen_days or set()), turn.day).longest
    return await measure(turn.conn, turn.user_id, turn.day, criterion)


async def earned(conn: AsyncConnection, user_id: UUID) -> set[str]:
    """Keys of the badges the student holds."""
    cur = await conn.execute(EARNED, {"user_id": user_id})
    return {row[0] for row in await cur.fetchall()}


async def award_badges(turn: Turn, event_kind: str, *, new_day: bool = True) -> None:
    """Award every badge not yet held whose criterion the event could move and now holds."""
    moved = set(MOVED_BY.get(event_kind, frozenset()))
    # Only a day's first event adds a study day (or a frozen one), and only a mastery award adds
    # a mastered document: a review in the middle of a session skips those reads.
    if not new_day:
        moved.discard("learning_streak")
    if not any(rule == "mastery" for rule, _ in turn.gained):
        moved.discard("documents_mastered")
    held = turn.badges_held
    # A measure depends on the criterion's kind and qualifier, not its count: the 7-, 30- and
    # 100-day streak badges share one read of the study days.
    measured: dict[tuple[str, float | None], int] = {}
    for badge in CATALOGUE:
        criterion = badge.criterion
        if badge.key in held or criterion.kind not in moved:
            continue
        key = (criterion.kind, criterion.at)
        if key not in measured:
            measured[key] = await _measure_in(turn, criterion)
        if measured[key] >= criterion.count:
            await _earn(turn, badge)


INSERT_BADGE = """
INSERT INTO user_badges (user_id, badge, earned_at) VALUES (%(user_id)s, %(badge)s, %(at)s)
ON CONFLICT DO NOTHING
RETURNING badge
"""


async def _earn(turn: Turn, badge: Badge) -> None:
    params = {"user_id": turn.user_id, "badge": badge.key, "at": turn.at}
    cur = await turn.conn.execute(INSERT_BADGE, params)
    if await cur.fetchone() is None:
        return
    turn.badges_held.add(badge.key)
    if badge.xp:
        await turn.award("badge", badge.key, badge.xp)
    source = f"badge:{badge.key}"
    if badge.crystals:
        change = currencies.Change("crystals", badge.crystals, "badge", source)
        await currencies.apply(turn.conn, turn.user_id, change)
    if badge.sparks:
        change = currencies.Change("sparks", badge.sparks, "badge", source)
        await currencies.apply(turn.conn, turn.user_id, change)
    data = badge_data(badge)
    await notifications.notify(turn.conn, turn.user_id, Event.of("badge.earned", **data))


def badge_data(badge: Badge) -> dict[str, object]:
    """A badge as events and pages show it."""
    return {
        "badge": badge.key,
        "name": badge.name,
        "description": badge.description,
        "rarity": badge.rarity,
        "icon": badge.icon,
        "reward": {"xp": badge.xp, "crystals": badge.crystals, "sparks": badge.sparks},
    }
