"""Levels and titles: level = floor(sqrt(XP / 100)) + 1, so level n starts at 100·(n-1)² XP."""

from __future__ import annotations

from dataclasses import dataclass
from math import isqrt

TITLES: tuple[tuple[int, str], ...] = (
    (1, "Novice Odyssey Seeker"),
    (5, "Rising Spark Wielder"),
    (10, "Skilled Realm Explorer"),
    (20, "Expert Quest Conqueror"),
    (30, "Master Scholar Sage"),
    (40, "Epic Knowledge Champion"),
    (50, "Legendary Spark Master"),
)


def level_of(xp: int) -> int:
    """The level `xp` reaches (exact in integers: isqrt, no float rounding at the thresholds)."""
    return isqrt(max(0, xp) // 100) + 1


def xp_for_level(level: int) -> int:
    """The least XP that reaches `level`."""
    return 100 * (max(1, level) - 1) ** 2


def title_of(level: int) -> str:
    """The title of the highest tier `level` has reached."""
    return next(title for start, title in reversed(TITLES) if level >= start)


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a student's XP puts them: level, title and progress to the next level."""

    xp: int
    level: int
    title: str
    level_xp: int
    next_level_xp: int

    @property
    def progress(self) -> float:
        """Share of the way from this level's start to the next one."""
        span = self.next_level_xp - self.level_xp
        return (self.xp - self.level_xp) / span if span else 1.0


def standing(xp: int) -> Standing:
    """The standing `xp` gives."""
    level = level_of(xp)
    return Standing(xp, level, title_of(level), xp_for_level(level), xp_for_level(level + 1))
