"""From the learning record to XP: each event the record accepts is turned into its awards in
the same transaction (`tutor/study/record.py` calls `on_recorded`), and an undone one takes its
award back (`on_retracted`).

All of one student's awards are applied one after the other (their game-profile row is locked
first), every award is unique per rule and source in the ledger, and the live events go out
only after the commit (`tutor.outbox`).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection

from tutor import outbox
from tutor.events import Event
from tutor.gamification import achievements, currencies, game_profile, notifications, xp
from tutor.gamification.badge_awards import award_badges
from tutor.gamification.levels import level_of, title_of
from tutor.gamification.rules import (
    BURST_REVIEWS,
    LEVEL_CRYSTALS,
    LEVEL_SPARKS,
    RULES,
    RuleName,
    set_completed_xp,
)
from tutor.gamification.turn import Turn, open_turn
from tutor.study.study_event import StudyEvent

# What an undone event takes back.
UNDONE_RULE: dict[str, RuleName] = {"review": "review", "task_done": "task_on_time"}


async def on_recorded(conn: AsyncConnection, event: StudyEvent, day: date) -> None:
    """Award what a newly recorded qualifying event earns; `day` is its local day, whose rollup
    row the transaction has locked and which the pass recounts as it starts."""
    turn = await open_turn(conn, event.user_id, event.kind, event.occurred_at, day)
    await _activity(turn, event)
    new_day = turn.first_event_of_day
    if new_day:
        await achievements.new_study_day(turn)
    await achievements.daily_goal(turn)
    if event.document_id is not None and event.kind in ("review", "practice_answer"):
        await achievements.document_mastery(turn, event.document_id)
    await award_badges(turn, event.kind, new_day=new_day)
    await _settle(turn)


async def on_retracted(conn: AsyncConnection, user_id: UUID, kind: str, source_key: str) -> None:
    """Take back the award of an event whose cause was undone (an undone review, a reopened
    task). Achievements it helped reach stay: they were reached."""
    rule = UNDONE_RULE.get(kind)
    if rule is None or await game_profile.lock(conn, user_id) is None:
        return
    removed = await xp.revoke(conn, user_id, rule, source_key)
    if removed:
        await game_profile.add_xp(conn, user_id, -removed)
        outbox.xp_changed(user_id)


async def _activity(turn: Turn, event: StudyEvent) -> None:
    detail = event.detail
    key = event.source_key
    if event.kind == "review":
        flag = "too_fast" if _in_burst(turn) else None
        await turn.award("review", key, RULES["review"].xp, flag=flag)
    elif event.kind == "practice_answer":
        if detail.get("correct") is True and detail.get("first_try"):
            await turn.award("practice_correct", key, RULES["practice_correct"].xp)
        if done := detail.get("set_done"):
            await _set_completed(turn, str(detail["set_id"]), done)
    elif event.kind == "task_done" and detail.get("due") and detail.get("on_time"):
        await turn.award("task_on_time", key, RULES["task_on_time"].xp)


async def _set_completed(turn: Turn, set_id: str, done: dict[str, Any]) -> None:
    correct, questions = int(done["correct"]), int(done["questions"])
    score = correct / questions if questions else 0.0
    amount = set_completed_xp(correct, questions)
    await turn.award("set_completed", set_id, amount, detail={"score": score})


def _in_burst(turn: Turn) -> bool:
    """More reviews in the window than a person recalling can do (this one included)."""
    return (turn.recent_reviews or 0) > BURST_REVIEWS


async def _settle(turn: Turn) -> None:
    """Pay the levels the pass's XP reached, and tell the student."""
    gained = turn.total_gained
    if not gained:
        return
    total = turn.xp_total  # each award added itself to the cached total
    level = level_of(total)
    if level > turn.game.level_paid:
        await _level_up(turn, turn.game.level_paid, level)
    rules = [{"rule": rule, "amount": amount} for rule, amount in turn.gained]
    event = Event.of("xp.gained", amount=gained, total=total, level=level, rules=rules)
    outbox.send_after_commit(turn.user_id, event)
    outbox.xp_changed(turn.user_id)


async def _level_up(turn: Turn, paid: int, level: int) -> None:
    crystals = sparks = 0
    for reached in range(paid + 1, level + 1):
        source = f"level:{reached}"
        crystals += LEVEL_CRYSTALS * reached
        sparks += LEVEL_SPARKS * reached
        change = currencies.Change("crystals", LEVEL_CRYSTALS * reached, "level_up", source)
        await currencies.apply(turn.conn, turn.user_id, change)
        change = currencies.Change("sparks", LEVEL_SPARKS * reached, "level_up", source)
        await currencies.apply(turn.conn, turn.user_id, change)
    await game_profile.mark_level_paid(turn.conn, turn.user_id, level)
    event = Event.of(
        "level.up", level=level, title=title_of(level), crystals=crystals, sparks=sparks
    )
    await notifications.notify(turn.conn, turn.user_id, event)
