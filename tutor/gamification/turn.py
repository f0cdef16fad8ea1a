"""What one learning-record event's awards share while they are worked out: the student, their
local day, what the rules read about them, and what has been awarded so far.

An award pass is a handful of round trips however many rules it checks: the event's day is
recounted, the profile row locked and the student's settings read in one statement, and
everything the rules may read (the day's XP per rule, badges held, and what only some events
need) in the next, which runs after the lock so that it sees every award committed before it;
both are sent in one round trip (pipeline mode). Awards update these in memory, and each award
is one statement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from tutor.gamification import game_profile, xp
from tutor.gamification.game_profile import GAME_COLUMNS, GameProfile
from tutor.gamification.rules import BURST_WINDOW_S, CAPPED_RULES, RULES, RuleName, capped_amount
from tutor.study import study_days
from tutor.study.profile import Profile
from tutor.study.study_days import QUALIFYING_KINDS, DayActivity

# Reads a rule needs only for some events are asked for by flag (or, for a day's first event,
# found from the day's recounted row): an uncorrelated subquery in a CASE branch not taken is
# never run.
STATE = """
WITH counted AS (
    SELECT events = 1 AS first_of_day FROM study_days
    WHERE user_id = %(user_id)s AND day = %(day)s
)
SELECT
    (SELECT coalesce(jsonb_object_agg(rule, amount), '{}'::jsonb)
     FROM (SELECT rule, sum(amount)::int AS amount FROM xp_events
           WHERE user_id = %(user_id)s AND day = %(day)s GROUP BY rule) t) AS xp_today,
    ARRAY(SELECT badge FROM user_badges WHERE user_id = %(user_id)s) AS badges,
    CASE WHEN %(review)s THEN
        (SELECT count(*) FROM study_events
         WHERE user_id = %(user_id)s AND kind = 'review'
           AND occurred_at > %(at)s - %(window)s AND occurred_at <= %(at)s) END AS recent_reviews,
    CASE WHEN %(review)s THEN
        (SELECT count(*) FROM cards WHERE user_id = %(user_id)s AND stability >= 21)
    END AS mature_cards,
    CASE WHEN (SELECT first_of_day FROM counted) THEN
        ARRAY(SELECT day FROM study_days WHERE user_id = %(user_id)s AND events > 0)
    END AS active_days,
    CASE WHEN (SELECT first_of_day FROM counted) THEN
        ARRAY(SELECT day FROM streak_freeze_days WHERE user_id = %(user_id)s)
    END AS frozen_days
"""


@dataclass
class Turn:
    """One event's award pass, in its transaction, with the student's game profile locked."""

    conn: AsyncConnection
    profile: Profile
    game: GameProfile
    at: datetime
    # The event's local day in the rollup, this event counted.
    activity: DayActivity
    # XP awarded per rule on `day` (this pass's awards included) and the cached total.
    xp_today: dict[str, int]
    xp_total: int
    badges_held: set[str]
    # Read for reviews only: reviews in the burst window (this one included), mature cards.
    recent_reviews: int | None = None
    mature_cards: int | None = None
    # Read on a day's first event only: every active day and every frozen one.
    active_days: set[date] | None = None
    frozen_days: set[date] | None = None
    gained: list[tuple[RuleName, int]] = field(default_factory=list)

    @property
    def user_id(self) -> UUID:
        return self.profile.user_id

    @property
    def day(self) -> date:
        """The event's local day."""
        return self.activity.day

    @property
    def first_event_of_day(self) -> bool:
        """Whether the event is its day's first qualifying one."""
        return self.activity.events == 1

    async def award(
        self,
        rule: RuleName,
        source_key: str,
        amount: int,
        *,
        flag: str | None = None,
        detail: dict[str, object] | None = None,
    ) -> bool:
        """Award once, cut to the caps left on the day (see `xp.award`); True when this rule and
        source were new."""
        capped_today = sum(value for name, value in self.xp_today.items() if name in CAPPED_RULES)
        left = capped_amount(RULES[rule], amount, self.xp_today.get(rule, 0), capped_today)
        wanted = xp.Award(rule, source_key, left, self.day, self.at, flag, dict(detail or {}))
        awarded = await xp.award(self.conn, self.user_id, wanted)
        if awarded is None:
            return False
        amount_awarded, self.xp_total = awarded
        self.xp_today[rule] = self.xp_today.get(rule, 0) + amount_awarded
        if amount_awarded:
            self.gained.append((rule, amount_awarded))
        return True

    @property
    def total_gained(self) -> int:
        return sum(amount for _, amount in self.gained)


# The day's recount (its row is locked already: `tutor.study.record`) and the profile lock with
# the student's settings, in one round trip. Both are safe in one snapshot: the day's row lock
# keeps out every other writer of that day, and the settings are not what the lock guards.
OPEN = f"""
WITH counted AS ({study_days.RECOUNT_DAY}), locked AS ({game_profile.LOCK})
SELECT {", ".join(f"locked.{column}" for column in GAME_COLUMNS)},
       u.timezone, u.daily_goal_minutes, u.desired_retention::float8,
       counted.day, counted.events, counted.seconds
FROM locked JOIN users u ON u.id = locked.user_id CROSS JOIN counted
"""


async def open_turn(
    conn: AsyncConnection, user_id: UUID, kind: str, at: datetime, day: date
) -> Turn:
    """Recount the event's local day (whose row the transaction locked), lock the student's game
    profile, and read what the rules need."""
    opening_params = {"user_id": user_id, "day": day, "kinds": list(QUALIFYING_KINDS)}
    state_params = {
        "user_id": user_id,
        "day": day,
        "at": at,
        "window": timedelta(seconds=BURST_WINDOW_S),
        "review": kind == "review",
    }
    # One round trip for both: the server runs them in order, so the reads come after the lock.
    reading = conn.cursor(row_factory=dict_row)
    async with conn.pipeline():
        opening = await conn.execute(OPEN, opening_params)
        await reading.execute(STATE, state_params)
    row = await opening.fetchone()
    state = await reading.fetchone()
    assert row is not None  # the event's user and day row exist in this transaction
    assert state is not None  # a SELECT without FROM has one row
    game = GameProfile(*row[: len(GAME_COLUMNS)])
    profile = Profile(user_id, *row[len(GAME_COLUMNS) : len(GAME_COLUMNS) + 3])
    activity = DayActivity(*row[len(GAME_COLUMNS) + 3 :])
    new_day = activity.events == 1
    return Turn(
        conn,
        profile,
        game,
        at,
        activity,
        xp_today={str(rule): int(amount) for rule, amount in state["xp_today"].items()},
        xp_total=game.xp,
        badges_held=set(state["badges"]),
        recent_reviews=state["recent_reviews"],
        mature_cards=state["mature_cards"],
        active_days=set(state["active_days"]) if new_day else None,
        frozen_days=set(state["frozen_days"]) if new_day else None,
    )
