"""What the lifespan builds once and every request shares."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from arq.connections import ArqRedis
from psycopg_pool import AsyncConnectionPool

from api.socket_slots import SocketSlots
from ingestion.embedding import Embedder
from tutor.accounts.hashing import PasswordHashing
from tutor.chat.engine import TutorEngine
from tutor.chat.generations import Generations
from tutor.rate_limit import RateLimiter
from tutor.settings import Settings


@dataclass
class AppState:
    """Long-lived resources of one API process."""

    settings: Settings
    pool: AsyncConnectionPool
    redis: ArqRedis
    embedder: Embedder
    jwt_key: str
    engine: TutorEngine
    generations: Generations
    hashing: PasswordHashing
    sockets: SocketSlots
    limiter: RateLimiter

    @property
    def leaderboard_zone(self) -> ZoneInfo:
        """The zone of the leaderboards' days, weeks and months."""
        return ZoneInfo(self.settings.leaderboard_timezone)
