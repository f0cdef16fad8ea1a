"""What one learning-record event's awards share while they are worked out: the student, their
local day, and what has been awarded so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from psycopg import AsyncConnection

from tutor.gamification import xp
from tutor.gamification.game_profile import GameProfile
from tutor.gamification.rules import RuleName
from tutor.study.profile import Profile


@dataclass
class Turn:
    """One event's award pass, in its transaction, with the student's game profile locked."""

    conn: AsyncConnection
    profile: Profile
    game: GameProfile
    day: date
    at: datetime
    gained: list[tuple[RuleName, int]] = field(default_factory=list)

    @property
    def user_id(self) -> UUID:
        return self.profile.user_id

    async def award(
        self,
        rule: RuleName,
        source_key: str,
        amount: int,
        *,
        flag: str | None = None,
        detail: dict[str, object] | None = None,
    ) -> bool:
        """Award once (see `xp.award`); True when this rule and source were new."""
        wanted = xp.Award(rule, source_key, amount, self.day, self.at, flag, dict(detail or {}))
        awarded = await xp.award(self.conn, self.user_id, wanted)
        if awarded is None:
            return False
        if awarded:
            self.gained.append((rule, awarded))
        return True

    @property
    def total_gained(self) -> int:
        return sum(amount for _, amount in self.gained)
