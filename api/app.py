"""The FastAPI application and its lifespan."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse

from api.body_limit import BodyLimit
from api.errors import install_error_handlers
from api.routes import auth, conversations, documents, evals, events, health, search, tutor
from api.state import AppState
from ingestion.embedding import Embedder
from ingestion.queue import connect_redis
from tutor.chat.engine import TutorEngine
from tutor.chat.generations import Generations
from tutor.database import migrate, open_pool
from tutor.llm.chat_model import ChatModel, UnavailableChatModel, build_chat_model
from tutor.settings import Settings

API_PREFIX = "/api/v1"
STATIC = Path(__file__).parent / "static"


def create_app(
    settings: Settings, *, embedder: Embedder | None = None, chat_model: ChatModel | None = None
) -> FastAPI:
    """An app bound to external services named in `settings` (see `tutor up` for embedded)."""
    if not settings.database_url or not settings.redis_url:
        raise ValueError("TUTOR_DATABASE_URL and TUTOR_REDIS_URL must be set (or use `tutor up`)")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        assert settings.database_url and settings.redis_url
        await migrate(settings.database_url)
        model: Embedder = (
            embedder
            if embedder is not None
            else await asyncio.to_thread(_default_embedder, settings)
        )
        pool = await open_pool(settings.database_url, ef_search=settings.hnsw_ef_search)
        redis = connect_redis(settings.redis_url)
        chat = chat_model or _default_chat_model(settings)
        engine = TutorEngine(pool, model, chat, settings)
        generations = Generations(
            settings.tutor_generations_per_user, settings.tutor_generations_total
        )
        app.state.tutor = AppState(
            settings, pool, redis, model, settings.jwt_key(), engine, generations
        )
        try:
            yield
        finally:
            await generations.close()
            await redis.aclose()
            await pool.close()

    app = FastAPI(
        title="Spark Tutor",
        version="0.1.0",
        summary="Upload notes; search them; learn from them with a tutor that cites them.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes)
    v1 = APIRouter(prefix=API_PREFIX)
    for module in (health, auth, documents, search, events, tutor, conversations, evals):
        v1.include_router(module.router)
    app.include_router(v1)

    @app.get("/", include_in_schema=False)
    async def demo_page() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    return app


def _default_chat_model(settings: Settings) -> ChatModel:
    from tutor.llm.local_server import unavailable_reason

    reason = unavailable_reason(settings)
    if reason and not settings.chat_base_url:
        return UnavailableChatModel(reason)
    return build_chat_model(settings)


def _default_embedder(settings: Settings) -> Embedder:
    from tutor.runtime.worker import build_embedder

    return build_embedder(settings)
