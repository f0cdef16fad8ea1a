"""What currencies buy: streak freezes (sparks) and cosmetic profile themes (crystals).

A purchase is one conditional balance change plus its ledger row, keyed by the client's
idempotency key: a retried purchase is applied once, and two at once cannot overspend.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from psycopg import AsyncConnection

from tutor.gamification import currencies, game_profile
from tutor.gamification.errors import StreakFreezesFull, ThemeLocked, ThemeNotFound
from tutor.gamification.rules import MAX_STREAK_FREEZES, STREAK_FREEZE_SPARKS


@dataclass(frozen=True, slots=True)
class Theme:
    """A profile theme and its price in crystals (0: every student has it)."""

    key: str
    name: str
    crystals: int


THEMES: tuple[Theme, ...] = (
    Theme("classic", "Classic", 0),
    Theme("ocean", "Ocean", 50),
    Theme("forest", "Forest", 50),
    Theme("sunset", "Sunset", 100),
    Theme("midnight", "Midnight", 150),
    Theme("aurora", "Aurora", 300),
)
THEMES_BY_KEY = {theme.key: theme for theme in THEMES}

ADD_FREEZE = """
UPDATE game_profiles SET streak_freezes = streak_freezes + 1
WHERE user_id = %(user_id)s AND streak_freezes < %(max)s
RETURNING streak_freezes
"""


async def buy_streak_freeze(conn: AsyncConnection, user_id: UUID, request_key: str) -> int:
    """Spend sparks on a streak freeze (once per `request_key`); the freezes now held.
    Raises StreakFreezesFull or NotEnoughCurrency."""
    profile = await game_profile.lock(conn, user_id)
    assert profile is not None  # the caller is an authenticated user
    change = currencies.Change("sparks", -STREAK_FREEZE_SPARKS, "streak_freeze", request_key)
    if not await currencies.apply(conn, user_id, change):
        return profile.streak_freezes  # this purchase was made already
    cur = await conn.execute(ADD_FREEZE, {"user_id": user_id, "max": MAX_STREAK_FREEZES})
    row = await cur.fetchone()
    if row is None:
        raise StreakFreezesFull()  # the caller's transaction rolls the spend back
    return int(row[0])


UNLOCK = """
INSERT INTO user_themes (user_id, theme) VALUES (%(user_id)s, %(theme)s)
ON CONFLICT DO NOTHING
RETURNING theme
"""


async def unlock_theme(conn: AsyncConnection, user_id: UUID, key: str) -> None:
    """Spend crystals on a theme (unlocking one already held costs nothing)."""
    theme = THEMES_BY_KEY.get(key)
    if theme is None:
        raise ThemeNotFound()
    await game_profile.lock(conn, user_id)
    cur = await conn.execute(UNLOCK, {"user_id": user_id, "theme": key})
    if await cur.fetchone() is None or not theme.crystals:
        return
    change = currencies.Change("crystals", -theme.crystals, "theme", f"theme:{key}")
    await currencies.apply(conn, user_id, change)


UNLOCKED = "SELECT theme FROM user_themes WHERE user_id = %(user_id)s"
USE_THEME = "UPDATE game_profiles SET theme = %(theme)s WHERE user_id = %(user_id)s"


async def unlocked_themes(conn: AsyncConnection, user_id: UUID) -> set[str]:
    """The themes the student may use (the free ones included)."""
    cur = await conn.execute(UNLOCKED, {"user_id": user_id})
    free = {theme.key for theme in THEMES if not theme.crystals}
    return free | {row[0] for row in await cur.fetchall()}


async def use_theme(conn: AsyncConnection, user_id: UUID, key: str) -> None:
    """Show the student's profile in an unlocked theme."""
    if key not in THEMES_BY_KEY:
        raise ThemeNotFound()
    if key not in await unlocked_themes(conn, user_id):
        raise ThemeLocked()
    await game_profile.lock(conn, user_id)
    await conn.execute(USE_THEME, {"user_id": user_id, "theme": key})
