"""The badge catalogue: declarative criteria, each badge awarded once with its reward when its
criterion first holds. Adding a badge is adding a row here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CriterionKind = Literal[
    "sets_completed",  # practice sets finished
    "quiz_streak",  # sets in a row finished at or above a score
    "documents_mastered",  # documents whose mastery crossed a threshold
    "learning_streak",  # consecutive study days (the longest run, freezes included)
    "cards_mastered",  # cards with a stability of 21 days or more (Anki's "mature")
    "tasks_on_time",  # tasks done by their due date
]
Rarity = Literal["common", "uncommon", "rare", "epic", "legendary"]


@dataclass(frozen=True, slots=True)
class Criterion:
    """Holds when the student's measure of `kind` reaches `count` (`at` qualifies it: the least
    score of a quiz streak, the mastery threshold of a document)."""

    kind: CriterionKind
    count: int
    at: float | None = None


@dataclass(frozen=True, slots=True)
class Badge:
    """A badge and what earning it pays."""

    key: str
    name: str
    description: str
    rarity: Rarity
    icon: str
    criterion: Criterion
    xp: int = 0
    crystals: int = 0
    sparks: int = 0


def _badge(key: str, name: str, description: str, rarity: Rarity, icon: str,
           criterion: Criterion) -> Badge:  # fmt: skip
    xp, crystals, sparks = REWARDS[rarity]
    return Badge(key, name, description, rarity, icon, criterion, xp, crystals, sparks)


# Rewards by rarity: (xp, crystals, sparks).
REWARDS: dict[Rarity, tuple[int, int, int]] = {
    "common": (20, 5, 5),
    "uncommon": (50, 10, 10),
    "rare": (100, 25, 20),
    "epic": (250, 50, 40),
    "legendary": (500, 100, 80),
}

CATALOGUE: tuple[Badge, ...] = (
    _badge(
        "first-set",
        "First Set",
        "Finish a practice set.",
        "common",
        "📝",
        Criterion("sets_completed", 1),
    ),
    _badge(
        "ten-sets",
        "Practice Makes Progress",
        "Finish 10 practice sets.",
        "uncommon",
        "📚",
        Criterion("sets_completed", 10),
    ),
    _badge(
        "fifty-sets",
        "Question Crusher",
        "Finish 50 practice sets.",
        "rare",
        "🏋️",
        Criterion("sets_completed", 50),
    ),
    _badge(
        "hat-trick",
        "Hat Trick",
        "Finish 3 sets in a row at 80% or more.",
        "uncommon",
        "🎩",
        Criterion("quiz_streak", 3, at=0.8),
    ),
    _badge(
        "sharpshooter",
        "Sharpshooter",
        "Finish 5 sets in a row at 90% or more.",
        "rare",
        "🎯",
        Criterion("quiz_streak", 5, at=0.9),
    ),
    _badge(
        "flawless",
        "Flawless",
        "Finish 10 sets in a row with every answer right.",
        "legendary",
        "💎",
        Criterion("quiz_streak", 10, at=1.0),
    ),
    _badge(
        "getting-there",
        "Getting There",
        "Bring a document to 50% mastery.",
        "common",
        "🌱",
        Criterion("documents_mastered", 1, at=0.5),
    ),
    _badge(
        "subject-savvy",
        "Subject Savvy",
        "Bring a document to 80% mastery.",
        "uncommon",
        "🧠",
        Criterion("documents_mastered", 1, at=0.8),
    ),
    _badge(
        "master-of-notes",
        "Master of Notes",
        "Bring 3 documents to 95% mastery.",
        "epic",
        "🏛️",
        Criterion("documents_mastered", 3, at=0.95),
    ),
    _badge(
        "warming-up",
        "Warming Up",
        "Study 3 days in a row.",
        "common",
        "🔥",
        Criterion("learning_streak", 3),
    ),
    _badge(
        "week-warrior",
        "Week Warrior",
        "Study 7 days in a row.",
        "uncommon",
        "⚔️",
        Criterion("learning_streak", 7),
    ),
    _badge(
        "monthly-devotion",
        "Monthly Devotion",
        "Study 30 days in a row.",
        "rare",
        "📅",
        Criterion("learning_streak", 30),
    ),
    _badge(
        "centurion",
        "Centurion",
        "Study 100 days in a row.",
        "epic",
        "🛡️",
        Criterion("learning_streak", 100),
    ),
    _badge(
        "year-of-learning",
        "Year of Learning",
        "Study 365 days in a row.",
        "legendary",
        "🌟",
        Criterion("learning_streak", 365),
    ),
    _badge(
        "memory-seeds",
        "Memory Seeds",
        "Master 10 flashcards (21-day stability).",
        "common",
        "🌰",
        Criterion("cards_mastered", 10),
    ),
    _badge(
        "deep-roots",
        "Deep Roots",
        "Master 100 flashcards (21-day stability).",
        "rare",
        "🌳",
        Criterion("cards_mastered", 100),
    ),
    _badge(
        "on-schedule",
        "On Schedule",
        "Finish 5 tasks by their due date.",
        "common",
        "⏰",
        Criterion("tasks_on_time", 5),
    ),
    _badge(
        "reliable",
        "Reliable",
        "Finish 25 tasks by their due date.",
        "uncommon",
        "✅",
        Criterion("tasks_on_time", 25),
    ),
)
BY_KEY = {badge.key: badge for badge in CATALOGUE}

# Which learning-record events can move each kind of measure: only those are re-measured.
MOVED_BY: dict[str, frozenset[CriterionKind]] = {
    "review": frozenset({"documents_mastered", "learning_streak", "cards_mastered"}),
    "practice_answer": frozenset(
        {"sets_completed", "quiz_streak", "documents_mastered", "learning_streak"}
    ),
    "task_done": frozenset({"tasks_on_time", "learning_streak"}),
    "focus_session": frozenset({"learning_streak"}),
}


def longest_run_at(scores: list[float], at: float) -> int:
    """The longest run of consecutive scores at or above `at` (sets in finishing order)."""
    best = run = 0
    for score in scores:
        run = run + 1 if score >= at - 1e-9 else 0
        best = max(best, run)
    return best
