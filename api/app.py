"""The FastAPI application and its lifespan."""

from __future__ import annotations

import contextlib
import mimetypes
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.body_limit import BodyLimit, Upload
from api.early_refusal import EarlyRefusal
from api.errors import CatchAll, install_error_handlers
from api.log_redaction import redact_server_logs
from api.metrics import RequestMetrics
from api.metrics import router as metrics_router
from api.request_id import RequestId
from api.routes import (
    admin,
    assignments,
    auth,
    card_exchange,
    card_suggestions,
    class_materials,
    classes,
    conversations,
    decks,
    documents,
    evals,
    events,
    fsrs,
    gamification,
    health,
    limits,
    my_data,
    notifications,
    practice_attempts,
    practice_generations,
    practice_set_editor,
    progress,
    search,
    tasks,
    tutor,
)
from api.security_headers import SecurityHeaders, page_policy
from api.socket_slots import SocketSlots
from api.state import AppState
from api.web_app import add_web_app
from ingestion.embedding import Embedder
from tutor.accounts.hashing import PasswordHashing
from tutor.chat.engine import TutorEngine
from tutor.chat.generations import Generations
from tutor.llm.chat_model import ChatModel
from tutor.rate_limit import RateLimiter
from tutor.resources import database_url, opened, redis_url
from tutor.settings import Settings
from tutor.study.card_exchange import MAX_IMPORT_BYTES

API_PREFIX = "/api/v1"
STATIC = Path(__file__).parent / "static"
SWAGGER_UI = "/static/vendor/swagger-ui"


def create_app(
    settings: Settings, *, embedder: Embedder | None = None, chat_model: ChatModel | None = None
) -> FastAPI:
    """An app bound to external services named in `settings` (see `tutor up` for embedded)."""
    database_url(settings), redis_url(settings)  # fail at creation, not at first request
    redact_server_logs()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        model = embedder if embedder is not None else True
        chat = chat_model if chat_model is not None else True
        async with opened(settings, redis=True, embedder=model, chat=chat) as resources:
            engine = TutorEngine(resources.pool, resources.embedder, resources.chat_model, settings)
            generations = Generations(
                settings.tutor_generations_per_user, settings.tutor_generations_total
            )
            hashing = PasswordHashing(
                settings.password_hash_threads,
                settings.password_hash_queue,
                settings.password_hash_time_cost,
                settings.password_hash_memory_kib,
            )
            app.state.tutor = AppState(
                settings,
                resources.pool,
                resources.redis,
                resources.embedder,
                settings.jwt_key(),
                engine,
                generations,
                hashing,
                sockets=SocketSlots(settings.ws_sockets_per_user),
                limiter=RateLimiter(resources.redis),
            )
            try:
                yield
            finally:
                await generations.close()
                hashing.close()

    app = FastAPI(
        title="Spark Tutor",
        version="0.1.0",
        summary="Upload notes; search them; learn from them with a tutor that cites them.",
        lifespan=lifespan,
        docs_url=None,  # served below from vendored files, not FastAPI's CDN
        redoc_url=None,
    )
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, uploads=uploads(settings))
    # Before the body is read: an address already over its limit costs no routing or parsing.
    app.add_middleware(EarlyRefusal)
    # Added last, run first: even a 500 from CatchAll carries the request id and the headers.
    app.add_middleware(CatchAll)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestId)
    app.add_middleware(RequestMetrics)  # outermost: times refused bodies too
    v1 = APIRouter(prefix=API_PREFIX)
    for module in (
        health,
        auth,
        documents,
        limits,
        search,
        events,
        tutor,
        conversations,
        practice_set_editor,
        practice_generations,
        practice_attempts,
        tasks,
        decks,
        card_suggestions,
        card_exchange,
        fsrs,
        progress,
        evals,
        admin,
        my_data,
        gamification,
        notifications,
        classes,
        class_materials,
        assignments,
    ):
        v1.include_router(module.router)
    app.include_router(v1)
    app.include_router(metrics_router)

    add_web_app(app, STATIC / "index.html")
    add_docs(app)
    # A browser refuses an ES module served with a non-JavaScript type; the system's
    # mime.types may not know `.mjs`.
    mimetypes.add_type("text/javascript", ".mjs")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def uploads(settings: Settings) -> list[Upload]:
    """The routes whose bodies are files, with their limits (any other body: max_body_bytes)."""
    return [
        Upload("POST", f"{API_PREFIX}/documents", settings.max_upload_bytes),
        Upload("POST", f"{API_PREFIX}/decks/[^/]+/import", MAX_IMPORT_BYTES),
    ]


def add_docs(app: FastAPI) -> None:
    """Swagger UI at `/docs`, from the vendored copy so it works offline."""
    oauth2_redirect_url = "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return with_page_policy(
            get_swagger_ui_html(
                openapi_url=app.openapi_url or "/openapi.json",
                title=f"{app.title} - Swagger UI",
                swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
                swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
                swagger_favicon_url=f"{SWAGGER_UI}/favicon-32x32.png",
                oauth2_redirect_url=oauth2_redirect_url,
            )
        )

    @app.get(oauth2_redirect_url, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return with_page_policy(get_swagger_ui_oauth2_redirect_html())


def with_page_policy(page: HTMLResponse) -> HTMLResponse:
    """`page` allowed to run its own inline scripts, pinned by hash, and nothing else inline."""
    page.headers["Content-Security-Policy"] = page_policy(bytes(page.body).decode())
    return page
