"""Which PostgreSQL and Redis to use: the configured ones, or embedded ones started here."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from tutor.errors import ModelUnavailable
from tutor.llm.local_server import LocalChatServer
from tutor.resources import database_url, redis_url
from tutor.runtime.local_postgres import start_postgres
from tutor.runtime.local_redis import LocalRedis
from tutor.settings import Settings

log = logging.getLogger(__name__)


@contextlib.contextmanager
def services(settings: Settings, *, chat: bool = False) -> Iterator[Settings]:
    """Settings whose database and Redis URLs (and with `chat`, the chat model) are filled in.

    Unset URLs mean embedded servers under the data dir: started here, or attached to when
    another process (`tutor up`) already runs them. Embedded PostgreSQL stops when the last
    process using it exits; Redis and the local chat model stop with the process that
    started them. A chat model that cannot start leaves `chat_base_url` unset, with the
    reason in `tutor.llm.local_server.unavailable_reason`: the service runs on without chat.
    """
    database_url = settings.database_url or start_postgres(settings.data_path)
    local_redis = None if settings.redis_url else LocalRedis(settings.data_path)
    redis_url = settings.redis_url or local_redis.start()  # type: ignore[union-attr]
    update = {"database_url": database_url, "redis_url": redis_url}
    local_chat = None
    try:
        if chat and settings.chat_base_url is None:
            local_chat = LocalChatServer(settings)
            update |= _start_local_chat(local_chat)
        yield settings.model_copy(update=update)
    finally:
        if local_chat is not None:
            local_chat.stop()
        if local_redis is not None:
            local_redis.stop()


def _start_local_chat(server: LocalChatServer) -> dict[str, str]:
    try:
        server.start()
    except ModelUnavailable as exc:
        log.warning("chat is unavailable: %s", exc.message)
        return {}
    server.keep_alive()  # a crashed server comes back on its port: the URL below stays good
    return {"chat_base_url": server.base_url, "chat_model": server.model}


def service_env(settings: Settings) -> dict[str, str]:
    """Environment that points child processes at the same services."""
    env = {
        "TUTOR_DATABASE_URL": database_url(settings),
        "TUTOR_REDIS_URL": redis_url(settings),
        "TUTOR_DATA_DIR": str(settings.data_path),
    }
    if settings.chat_base_url:
        env["TUTOR_CHAT_BASE_URL"] = settings.chat_base_url
    if settings.chat_model:
        env["TUTOR_CHAT_MODEL"] = settings.chat_model
    return env
