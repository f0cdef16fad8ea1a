"""Gamification's errors, leaves of the study core's bases (a 404 and 409s, mapped there)."""

from tutor.study.errors import StudyConflict, StudyNotFound


class NotEnoughCurrency(StudyConflict):
    """You do not hold enough of that currency for this."""

    code = "not_enough_currency"


class StreakFreezesFull(StudyConflict):
    """You already hold the most streak freezes allowed (2)."""

    code = "streak_freezes_full"


class ThemeNotFound(StudyNotFound):
    """There is no theme by that name."""

    code = "theme_not_found"


class ThemeLocked(StudyConflict):
    """Unlock this theme before using it."""

    code = "theme_locked"
