"""Every request's id: the client's `X-Request-ID` when it is sane, else one made here.

It goes back on every response and is bound to the log context (`tutor.log_context`) while the
request runs, so every log line of the request carries it: an operator finds the lines of the
request a user reports, and a proxy's id carries over.
"""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tutor import log_context

HEADER = "X-Request-ID"
# Anything else (spaces, quotes, markup, a kilobyte of it) would be copied into logs verbatim.
SANE = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def current_request_id() -> str | None:
    """The id of the request being served in this task, if any."""
    context = log_context.current()
    return context.request_id if context is not None else None


def request_id_for(scope: Scope) -> str:
    """The client's id when sane, else a new random one."""
    given = dict(scope["headers"]).get(HEADER.lower().encode(), b"").decode("latin-1")
    return given if SANE.fullmatch(given) else uuid.uuid4().hex


class RequestId:
    """ASGI middleware: give each request (and websocket) its id; echo it on the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = request_id_for(scope)
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        with log_context.bound(request_id):
            await self.app(scope, receive, send_with_id)
