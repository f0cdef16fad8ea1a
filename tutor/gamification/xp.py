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

from tutor.gamification.rules import CAPPED_RULES, RULES, RuleName, capped_amount


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


INSERT_AWARD = """
INSERT INTO xp_events (user_id, rule, source_key, amount, day, awarded_at, flag, detail)
VALUES (%(user_id)s, %(rule)s, %(source_key)s, %(amount)s, %(day)s, %(at)s, %(flag)s, %(detail)s)
ON CONFLICT (user_id, rule, source_key) DO NOTHING
RETURNING amount
"""


async def award(conn: AsyncConnection, user_id: UUID, wanted: Award) -> int | None:
    """Write `wanted`, cut to the caps left on its day; the XP awarded, or None when this rule
    and source were already in the ledger."""
    totals = await day_totals(conn, user_id, wanted.day)
    rule = RULES[wanted.rule]
    capped_today = sum(amount for name, amount in totals.items() if name in CAPPED_RULES)
    amount = capped_amount(rule, wanted.amount, totals.get(rule.name, 0), capped_today)
    params = {
        "user_id": user_id,
        "rule": wanted.rule,
        "source_key": wanted.source_key,
        "amount": 0 if wanted.flag else amount,
        "day": wanted.day,
        "at": wanted.at,
        "flag": wanted.flag,
        "detail": Jsonb(wanted.detail),
    }
    cur = await conn.execute(INSERT_AWARD, params)
    row = await cur.fetchone()
    return None if row is None else int(row[0])


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
