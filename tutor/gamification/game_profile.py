"""A student's game profile: cached XP total, balances, preferences, and the row lock that
puts all of one student's awards in a line."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import class_row


@dataclass(frozen=True, slots=True)
class GameProfile:
    """The row as stored."""

    user_id: UUID
    xp: int
    level_paid: int
    crystals: int
    sparks: int
    streak_freezes: int
    theme: str
    leaderboard_opt_out: bool


GAME_COLUMNS = (
    "user_id",
    "xp",
    "level_paid",
    "crystals",
    "sparks",
    "streak_freezes",
    "theme",
    "leaderboard_opt_out",
)
COLUMNS = ", ".join(GAME_COLUMNS)
# Creating the row if missing and locking it are one statement: a concurrent first award waits
# on the conflict instead of failing on the primary key.
LOCK = f"""
INSERT INTO game_profiles (user_id) SELECT id FROM users WHERE id = %(user_id)s
ON CONFLICT (user_id) DO UPDATE SET xp = game_profiles.xp
RETURNING {COLUMNS}
"""


async def lock(conn: AsyncConnection, user_id: UUID) -> GameProfile | None:
    """The student's profile, locked until the transaction ends; None for no such user."""
    cur = conn.cursor(row_factory=class_row(GameProfile))
    await cur.execute(LOCK, {"user_id": user_id})
    return await cur.fetchone()


GET = f"SELECT {COLUMNS} FROM game_profiles WHERE user_id = %(user_id)s"


async def get(conn: AsyncConnection, user_id: UUID) -> GameProfile:
    """The profile (a fresh one, all zero, for a student who has earned nothing yet)."""
    cur = conn.cursor(row_factory=class_row(GameProfile))
    await cur.execute(GET, {"user_id": user_id})
    found = await cur.fetchone()
    return found or GameProfile(user_id, 0, 1, 0, 0, 0, "classic", False)


ADD_XP = """
UPDATE game_profiles SET xp = greatest(0, xp + %(delta)s) WHERE user_id = %(user_id)s
RETURNING xp
"""


async def add_xp(conn: AsyncConnection, user_id: UUID, delta: int) -> int:
    """Move the cached total by `delta`; the new total."""
    cur = await conn.execute(ADD_XP, {"user_id": user_id, "delta": delta})
    row = await cur.fetchone()
    return int(row[0]) if row else 0


SET_LEVEL_PAID = """
UPDATE game_profiles SET level_paid = %(level)s
WHERE user_id = %(user_id)s AND level_paid < %(level)s
"""


async def mark_level_paid(conn: AsyncConnection, user_id: UUID, level: int) -> None:
    """Record that rewards up to `level` were paid."""
    await conn.execute(SET_LEVEL_PAID, {"user_id": user_id, "level": level})


SET_OPT_OUT = """
INSERT INTO game_profiles (user_id, leaderboard_opt_out) VALUES (%(user_id)s, %(opt_out)s)
ON CONFLICT (user_id) DO UPDATE SET leaderboard_opt_out = excluded.leaderboard_opt_out
"""


async def set_opt_out(conn: AsyncConnection, user_id: UUID, opt_out: bool) -> None:
    """Leave the leaderboards (or join them again)."""
    await conn.execute(SET_OPT_OUT, {"user_id": user_id, "opt_out": opt_out})
