"""A student's game card: level and progress to the next, currencies, streak with freezes,
today's XP against the cap, badges earned, and whether the cached total matches the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from psycopg import AsyncConnection

from tutor.gamification import game_profile, xp
from tutor.gamification.badge_awards import EARNED
from tutor.gamification.game_profile import GameProfile
from tutor.gamification.levels import Standing, standing
from tutor.gamification.rules import CAPPED_RULES
from tutor.gamification.streak_freezes import current_streak, frozen_days
from tutor.study.profile import get_profile
from tutor.study.streaks import Streak
from tutor.study.study_days import study_days


@dataclass(frozen=True, slots=True)
class Overview:
    """Everything the profile card shows."""

    game: GameProfile
    standing: Standing
    streak: Streak
    xp_today: int
    badges: int
    ledger_matches: bool


async def overview(conn: AsyncConnection, user_id: UUID, now: datetime) -> Overview:
    """The game card for `user_id` at `now`."""
    game = await game_profile.get(conn, user_id)
    profile = await get_profile(conn, user_id)
    today = profile.today(now)
    active = {d.day for d in await study_days(conn, user_id) if d.events > 0}
    frozen = await frozen_days(conn, user_id)
    totals = await xp.day_totals(conn, user_id, today)
    cur = await conn.execute(EARNED, {"user_id": user_id})
    return Overview(
        game=game,
        standing=standing(game.xp),
        streak=current_streak(active, frozen, game.streak_freezes, today),
        xp_today=sum(amount for rule, amount in totals.items() if rule in CAPPED_RULES),
        badges=len(await cur.fetchall()),
        ledger_matches=await xp.ledger_xp(conn, user_id) == game.xp,
    )
