"""Prometheus metrics of the API process: `GET /metrics` and the middleware that times requests.

`/metrics` is for the operator's Prometheus, not for students: it answers only a bearer of
`TUTOR_METRICS_TOKEN` and is off (404) while none is set. A token rather than "localhost only"
because behind a reverse proxy on the same host every client is local.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Response
from fastapi.security import HTTPAuthorizationCredentials
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import StateDep, bearer
from tutor.errors import InvalidToken
from tutor.telemetry import REQUEST_SECONDS, WEBSOCKETS, refresh_queue_depth

router = APIRouter()
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")  # `{document_id}`, `{path:path}`
UNMATCHED = "unmatched"  # no route: raw paths (probes, typos) must not become label values


def check_scraper(
    state: StateDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    """404 while metrics are off; 401 unless the bearer holds the metrics token."""
    token = state.settings.metrics_token
    if token is None:
        raise HTTPException(404, "Not Found")
    given = credentials.credentials if credentials is not None else ""
    if not secrets.compare_digest(given.encode(), token.get_secret_value().encode()):
        raise InvalidToken("/metrics needs the metrics token (TUTOR_METRICS_TOKEN).")


@router.get("/metrics", include_in_schema=False, dependencies=[Depends(check_scraper)])
async def metrics(state: StateDep) -> Response:
    """Every instrument of this process, the queue depth read fresh from PostgreSQL."""
    async with state.pool.connection() as conn:
        await refresh_queue_depth(conn)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def route_label(scope: Scope) -> str:
    """The matched route's template (`/api/v1/documents/{document_id}`), never the raw path."""
    route: BaseRoute | None = scope.get("route")
    template: str | None = getattr(route, "path", None)
    if not template:
        return UNMATCHED
    # An included router's route knows its own path, not the prefixes above it: those are the
    # part of the request's path before this route's path with its parameters filled in.
    params = {k: str(v) for k, v in scope.get("path_params", {}).items()}
    filled = PARAM.sub(lambda m: params.get(m[1], m[0]), template)
    path: str = scope["path"]
    return path.removesuffix(filled) + template if path.endswith(filled) else template


class RequestMetrics:
    """ASGI middleware: HTTP latency by route and status; open websockets by socket."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started, status = time.perf_counter(), 500  # an exception escaping is a 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            labels = (scope["method"], route_label(scope), str(status))
            REQUEST_SECONDS.labels(*labels).observe(time.perf_counter() - started)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        counted: str | None = None

        async def send_counting(message: Message) -> None:
            nonlocal counted
            await send(message)
            if message["type"] == "websocket.accept" and counted is None:
                # Routing has run by now: the route template names the socket.
                counted = route_label(scope).rsplit("/", 1)[-1] or UNMATCHED
                WEBSOCKETS.labels(counted).inc()

        try:
            await self.app(scope, receive, send_counting)
        finally:
            if counted is not None:
                WEBSOCKETS.labels(counted).dec()
