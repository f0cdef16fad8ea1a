"""The one place that builds shared resources from settings: pool, Redis, embedder, chat model.

Every process (the API's lifespan, the worker, the CLI, evals and benchmarks) opens what it
needs through `opened`. The URLs come from the settings as given: `tutor.runtime.services`
fills in the embedded servers' URLs once, at process start, before anything is opened here.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from arq.connections import ArqRedis
from pgvector.psycopg import register_vector_async
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from tutor.database import migrate
from tutor.errors import ServiceNotConfigured
from tutor.job_codec import deserialize_job, serialize_job
from tutor.llm.chat_model import ChatModel, UnavailableChatModel
from tutor.settings import Settings

if TYPE_CHECKING:
    from ingestion.embedding import Embedder, LocalEmbedder

POOL_OPEN_TIMEOUT_S = 30
T = TypeVar("T")
JUDGE_SEED = 1234  # judged reruns sample the same way


def database_url(settings: Settings) -> str:
    """The PostgreSQL URL, or a clear error when the process was started without one."""
    if not settings.database_url:
        raise ServiceNotConfigured(
            "TUTOR_DATABASE_URL is not set: set it, or run through `tutor up`, which starts an "
            "embedded PostgreSQL."
        )
    return settings.database_url


def redis_url(settings: Settings) -> str:
    """The Redis URL, or a clear error when the process was started without one."""
    if not settings.redis_url:
        raise ServiceNotConfigured(
            "TUTOR_REDIS_URL is not set: set it, or run through `tutor up`, which starts an "
            "embedded Redis."
        )
    return settings.redis_url


async def migrate_database(settings: Settings) -> list[str]:
    """Apply pending migrations; returns the versions applied."""
    return await migrate(database_url(settings))


def _configure(ef_search: int) -> Callable[[AsyncConnection], Awaitable[None]]:
    async def configure(conn: AsyncConnection) -> None:
        await register_vector_async(conn)
        # Iterative scans keep filtered HNSW queries (owner, document) from returning too few rows.
        await conn.execute(f"SET hnsw.ef_search = {int(ef_search)}")
        await conn.execute("SET hnsw.iterative_scan = relaxed_order")
        await conn.commit()

    return configure


def connection_options(settings: Settings) -> str:
    """libpq `options` for every pooled connection: the statement timeout, set at connect."""
    return f"-c statement_timeout={round(settings.db_statement_timeout_s * 1000)}"


async def open_pool(settings: Settings, *, max_size: int = 10) -> AsyncConnectionPool:
    """A pool whose connections know the `vector` type and the HNSW search settings.

    A connection is checked before it is lent: a backend killed since (a PostgreSQL restart,
    `pg_terminate_backend`, an idle timeout in a proxy) is replaced instead of failing the
    request that drew it. The check is one round trip; a request makes several.
    """
    pool = AsyncConnectionPool(
        database_url(settings),
        min_size=1,
        max_size=max_size,
        timeout=settings.db_pool_timeout_s,
        configure=_configure(settings.hnsw_ef_search),
        check=AsyncConnectionPool.check_connection,
        open=False,
        kwargs={"autocommit": False, "options": connection_options(settings)},
    )
    await pool.open(wait=True, timeout=POOL_OPEN_TIMEOUT_S)
    return pool


def open_redis(settings: Settings) -> ArqRedis:
    """A lazily connecting arq client: processes start (and keep serving) while Redis is down."""
    url = redis_url(settings)
    client: ArqRedis = ArqRedis.from_url(
        url, socket_connect_timeout=2, socket_timeout=settings.redis_timeout_s
    )
    # Set after the fact: from_url hands its keyword arguments to the connection pool.
    client.job_serializer, client.job_deserializer = serialize_job, deserialize_job
    return client


def build_embedder(settings: Settings) -> LocalEmbedder:
    """The embedding model named by the settings (the bundled MiniLM by default)."""
    from ingestion.embedding import load_embedder  # torch and OpenVINO load only when needed

    return load_embedder(
        settings.embedding_backend,
        settings.embedding_model,
        settings.embedding_batch_size,
        settings.model_cache_path,
        settings.embedding_precision,
    )


def build_chat_model(settings: Settings, seed: int | None = None) -> ChatModel:
    """The configured endpoint's model, or a stand-in that says why there is none."""
    if not settings.chat_base_url or not settings.chat_model:
        from tutor.llm.local_server import read_state

        recorded = read_state(settings.data_path).get("error")
        return UnavailableChatModel(
            str(recorded)
            if recorded and not settings.chat_base_url
            else "No chat model is configured: set TUTOR_CHAT_BASE_URL and TUTOR_CHAT_MODEL, "
            "or run `tutor up`, which starts the local model."
        )
    from tutor.llm.openai_compatible import OpenAIChatModel

    key = settings.chat_api_key.get_secret_value() if settings.chat_api_key else None
    # Local servers ignore the key, but the SDK insists on one.
    chosen_seed = settings.chat_seed if settings.chat_seed is not None else seed
    return OpenAIChatModel(
        settings.chat_base_url,
        key or "not-needed",
        settings.chat_model,
        settings.chat_timeout_s,
        seed=chosen_seed,
    )


def build_judge(settings: Settings) -> ChatModel | None:
    """The evals' LLM judge (`TUTOR_JUDGE_*`), or None when evaluators have not set one up."""
    if not settings.judge_base_url or not settings.judge_model:
        return None
    from tutor.llm.openai_compatible import OpenAIChatModel

    key = settings.judge_api_key.get_secret_value() if settings.judge_api_key else None
    return OpenAIChatModel(
        settings.judge_base_url,
        key or "not-needed",
        settings.judge_model,
        settings.chat_timeout_s,
        seed=JUDGE_SEED,
    )


class Resources:
    """What `opened` built; asking for one that was not requested is a programming error."""

    def __init__(
        self,
        settings: Settings,
        pool: AsyncConnectionPool,
        redis: ArqRedis | None = None,
        embedder: Embedder | None = None,
        chat_model: ChatModel | None = None,
    ) -> None:
        self.settings, self.pool = settings, pool
        self._redis, self._embedder, self._chat_model = redis, embedder, chat_model

    @property
    def redis(self) -> ArqRedis:
        """The Redis client (opened with `redis=True`)."""
        return _requested(self._redis, "redis")

    @property
    def embedder(self) -> Embedder:
        """The embedding model (opened with `embedder=True` or one given)."""
        return _requested(self._embedder, "embedder")

    @property
    def chat_model(self) -> ChatModel:
        """The chat model (opened with `chat=True` or one given)."""
        return _requested(self._chat_model, "chat")


def _requested(value: T | None, name: str) -> T:
    if value is None:
        raise RuntimeError(f"resources were opened without {name}=...")
    return value


@contextlib.asynccontextmanager
async def opened(
    settings: Settings,
    *,
    migrate: bool = True,
    pool_size: int = 10,
    redis: bool = False,
    embedder: Embedder | bool = False,
    chat: ChatModel | bool = False,
    seed: int | None = None,
) -> AsyncIterator[Resources]:
    """Open what is asked for (an instance given is used as is); close it all on exit.

    `seed` fixes the chat model's sampling when the settings do not (evals rerun the same way).
    """
    database_url(settings)
    if redis:
        redis_url(settings)
    if migrate:
        await migrate_database(settings)
    model: Embedder | None = None
    if not isinstance(embedder, bool):
        model = embedder
    elif embedder:
        model = await asyncio.to_thread(build_embedder, settings)
    pool = await open_pool(settings, max_size=pool_size)
    client = open_redis(settings) if redis else None
    chat_model: ChatModel | None = None
    if not isinstance(chat, bool):
        chat_model = chat
    elif chat:
        chat_model = build_chat_model(settings, seed)
    try:
        yield Resources(settings, pool, client, model, chat_model)
    finally:
        if client is not None:
            await client.aclose()
        await pool.close()
