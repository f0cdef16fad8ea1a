"""Which PostgreSQL and Redis to use: the configured ones, or embedded ones started here."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from tutor.local_postgres import start_postgres
from tutor.local_redis import LocalRedis
from tutor.settings import Settings

log = logging.getLogger(__name__)


@contextlib.contextmanager
def services(settings: Settings) -> Iterator[Settings]:
    """Settings whose database and Redis URLs are filled in.

    Unset URLs mean embedded servers under the data dir: started here, or attached to when
    another process (`tutor up`) already runs them. Embedded PostgreSQL stops when the last
    process using it exits; Redis stops with the process that started it.
    """
    database_url = settings.database_url or start_postgres(settings.data_path)
    local_redis = None if settings.redis_url else LocalRedis(settings.data_path)
    redis_url = settings.redis_url or local_redis.start()  # type: ignore[union-attr]
    try:
        yield settings.model_copy(update={"database_url": database_url, "redis_url": redis_url})
    finally:
        if local_redis is not None:
            local_redis.stop()


def service_env(settings: Settings) -> dict[str, str]:
    """Environment that points child processes at the same services."""
    assert settings.database_url and settings.redis_url
    return {
        "TUTOR_DATABASE_URL": settings.database_url,
        "TUTOR_REDIS_URL": settings.redis_url,
        "TUTOR_DATA_DIR": str(settings.data_path),
    }
