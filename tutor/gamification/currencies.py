"""Crystals and sparks: earned on level-ups and from badges, spent on streak freezes and
themes. Every change is a ledger row unique per source, and a balance is changed by one
conditional UPDATE, so concurrent spends can never take it below zero."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from psycopg import AsyncConnection, sql

from tutor.gamification.errors import NotEnoughCurrency

Currency = Literal["crystals", "sparks"]

INSERT = """
INSERT INTO currency_events (user_id, currency, amount, reason, source_key)
VALUES (%(user_id)s, %(currency)s, %(amount)s, %(reason)s, %(source_key)s)
ON CONFLICT (user_id, currency, source_key) DO NOTHING
RETURNING id
"""
CHANGE = """
UPDATE game_profiles SET {column} = {column} + %(amount)s
WHERE user_id = %(user_id)s AND {column} + %(amount)s >= 0
RETURNING {column}
"""


@dataclass(frozen=True, slots=True)
class Change:
    """A change of one balance, for a reason, once per source."""

    currency: Currency
    amount: int
    reason: str
    source_key: str


async def apply(conn: AsyncConnection, user_id: UUID, change: Change) -> bool:
    """Apply `change` once; False when this source was already applied. Raises
    NotEnoughCurrency (and writes nothing) when a spend would go below zero."""
    params = {
        "user_id": user_id,
        "currency": change.currency,
        "amount": change.amount,
        "reason": change.reason,
        "source_key": change.source_key,
    }
    cur = await conn.execute(INSERT, params)
    if await cur.fetchone() is None:
        return False
    column = sql.Identifier(change.currency)
    query = sql.SQL(CHANGE).format(column=column)
    cur = await conn.execute(query, params)
    if await cur.fetchone() is None:
        raise NotEnoughCurrency()
    return True
