"""The XP ledger: one row per (rule, source), so an award is written once however often the
event that earns it is retried, replayed or submitted concurrently.

Callers hold the student's game-profile row lock (`game_profile.lock`) for the transaction, so
two awards of the same student are applied one after the other and the daily caps hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from tutor.gamification.rules import RuleName


@dataclass(frozen=True, slots=True)
class Award:
    """XP to award for one rule and source on the student's local day."""

    rule: RuleName
    source_key: str
    amount: int
    day: date
    at: datetime
    flag: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


DAY_TOTALS = """
SELECT rule, sum(amount)::int FROM xp_events
WHERE user_id = %(user_id)s AND day = %(day)s
GROUP BY rule
"""


async def day_totals(conn: AsyncConnection, user_id: UUID, day: date) -> dict[str, int]:
    """XP awarded on a local day, per rule."""
    cur = await conn.execute(DAY_TOTALS, {"user_id": user_id, "day": day})
    return {str(rule): int(amount) for rule, amount in await cur.fetchall()}


# The ledger row and the cached total move in one statement: nothing is added to the total for
# a (rule, source) already in the ledger, since the UPDATE then finds no inserted row.
INSERT_AWARD = """
WITH awarded AS (
    INSERT INTO xp_events (user_id, rule, source_key, amount, day, awarded_at, flag, detail)
    VALUES (%(user_id)s, %(rule)s, %(source_key)s, %(amount)s, %(day)s, %(at)s, %(flag)s,
            %(detail)s)
    ON CONFLICT (user_id, rule, source_key) DO NOTHING
    RETURNING amount
)
UPDATE game_profiles SET xp = greatest(0, game_profiles.xp + awarded.amount)
FROM awarded
WHERE game_profiles.user_id = %(user_id)s
RETURNING awarded.amount, game_profiles.xp
"""


async def award(conn: AsyncConnection, user_id: UUID, wanted: Award) -> tuple[int, int] | None:
    """Write `wanted` (its amount already cut to the day's caps: `capped_amount`) and add it to
    the cached total; (XP awarded, new total), or None when this rule and source were already in
    the ledger. A flagged award is written with 0 XP."""
    params = {
        "user_id": user_id,
        "rule": wanted.rule,
        "source_key": wanted.source_key,
        "amount": 0 if wanted.flag else wanted.amount,
        "day": wanted.day,
        "at": wanted.at,
        "flag": wanted.flag,
        "detail": Jsonb(wanted.detail),
    }
    cur = await conn.execute(INSERT_AWARD, params)
    row = await cur.fetchone()
    return None if row is None else (int(row[0]), int(row[1]))


REVOKE = """
DELETE FROM xp_events
WHERE user_id = %(user_id)s AND rule = %(rule)s AND source_key = %(source_key)s
RETURNING amount
"""


async def revoke(conn: AsyncConnection, user_id: UUID, rule: RuleName, source_key: str) -> int:
    """Take back an award whose cause was undone; the XP removed (0 when there was none)."""
    cur = await conn.execute(REVOKE, {"user_id": user_id, "rule": rule, "source_key": source_key})
    row = await cur.fetchone()
    return int(row[0]) if row else 0


LEDGER_XP = "SELECT coalesce(sum(amount), 0)::bigint FROM xp_events WHERE user_id = %(user_id)s"


async def ledger_xp(conn: AsyncConnection, user_id: UUID) -> int:
    """The student's XP as the ledger sums it (the truth the cached total is checked against)."""
    cur = await conn.execute(LEDGER_XP, {"user_id": user_id})
    row = await cur.fetchone()
    return int(row[0]) if row else 0


COUNT_RULE = """
SELECT count(*) FROM xp_events WHERE user_id = %(user_id)s AND rule = %(rule)s
"""


async def count_of(conn: AsyncConnection, user_id: UUID, rule: RuleName) -> int:
    """How many sources a rule has seen for the student (capped or not): badges count these."""
    cur = await conn.execute(COUNT_RULE, {"user_id": user_id, "rule": rule})
    row = await cur.fetchone()
    return int(row[0]) if row else 0
