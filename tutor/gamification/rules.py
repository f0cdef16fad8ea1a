"""Every number of the XP rules, in one table: what earns XP, how much, and the caps.

XP comes only from events the server verified in the learning record (`tutor/study/record.py`):
a review, a practice answer right the first time, a set finished, a task done by its due date,
the daily goal met, a streak milestone, a document's mastery crossing a threshold. Asking the
tutor or chatting earns nothing. The README's "How XP is earned" section is this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

RuleName = Literal[
    "review",
    "practice_correct",
    "set_completed",
    "task_on_time",
    "daily_goal",
    "streak_milestone",
    "mastery",
    "badge",
]


@dataclass(frozen=True, slots=True)
class Rule:
    """One way to earn XP: a fixed amount, an optional per-day cap of its own, and whether it
    counts against the daily XP cap (repeatable activity does; one-off achievements don't)."""

    name: RuleName
    xp: int
    daily_cap: int | None = None
    capped: bool = True


RULES: dict[RuleName, Rule] = {
    rule.name: rule
    for rule in (
        Rule("review", xp=2, daily_cap=100),
        Rule("practice_correct", xp=10),
        # Scaled by the score: SET_BASE_XP + round(SET_SCORE_XP × share right).
        Rule("set_completed", xp=5),
        Rule("task_on_time", xp=15, daily_cap=75),
        Rule("daily_goal", xp=25, capped=False),
        Rule("streak_milestone", xp=0, capped=False),  # by milestone, STREAK_MILESTONES
        Rule("mastery", xp=0, capped=False),  # by threshold, MASTERY_THRESHOLDS
        Rule("badge", xp=0, capped=False),  # by badge, tutor/gamification/badges.py
    )
}
CAPPED_RULES: frozenset[str] = frozenset(name for name, rule in RULES.items() if rule.capped)

# XP from repeatable activity per local day; achievements are once-only by their source key,
# so they cannot be farmed and are not capped.
DAILY_XP_CAP = 500
SET_BASE_XP = 5
SET_SCORE_XP = 45
STREAK_MILESTONES: dict[int, int] = {7: 50, 30: 200, 100: 500, 365: 1500}
MASTERY_THRESHOLDS: dict[float, int] = {0.5: 30, 0.8: 60, 0.95: 100}
# Mastery counts for XP once it rests on this much evidence (cards plus weighted answers): one
# card reviewed a minute ago is 100% "mastered" and proves nothing.
MASTERY_MIN_EVIDENCE = 5

# The speed floor: more than BURST_REVIEWS reviews within BURST_WINDOW_S seconds (under a second
# each) is clicking, not recalling. Those reviews earn nothing and are flagged `too_fast`.
BURST_REVIEWS = 10
BURST_WINDOW_S = 10

# Currencies: a level-up pays LEVEL_CRYSTALS × level crystals and LEVEL_SPARKS × level sparks.
LEVEL_CRYSTALS = 10
LEVEL_SPARKS = 5
STREAK_FREEZE_SPARKS = 50
MAX_STREAK_FREEZES = 2


def set_completed_xp(correct: int, questions: int) -> int:
    """XP for finishing a practice set, by its score."""
    share = correct / questions if questions else 0.0
    return SET_BASE_XP + round(SET_SCORE_XP * share)


def capped_amount(rule: Rule, amount: int, rule_today: int, capped_today: int) -> int:
    """What is left to award of `amount` after the rule's own daily cap and the daily XP cap,
    given what this rule and all capped rules already awarded on the student's local day."""
    if rule.daily_cap is not None:
        amount = min(amount, max(0, rule.daily_cap - rule_today))
    if rule.capped:
        amount = min(amount, max(0, DAILY_XP_CAP - capped_today))
    return max(0, amount)
