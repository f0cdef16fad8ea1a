"""Refuse request bodies before anything parses or spools them.

Every body is capped: JSON and forms at `max_bytes` (1 MiB by default), the upload routes at
their own, larger limits. An upload-sized body is read only from a caller with a validly signed
token: without one the request is answered 401 from its headers alone, before a byte of the body
is read (the route's own dependency still checks the account itself). Past its limit a body is
answered 413, whether it declared its length or came chunked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tutor.accounts.auth import decode_token
from tutor.errors import InvalidToken

# Multipart framing and form fields around the file itself.
ENVELOPE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Upload:
    """A route that takes a file: its method, its path (a regular expression) and its limit."""

    method: str
    path: str
    max_bytes: int

    def matches(self, scope: Scope) -> bool:
        """Whether the request in `scope` is for this route."""
        return scope["method"] == self.method and re.fullmatch(self.path, scope["path"]) is not None


class BodyLimit:
    """ASGI middleware: the per-route limits and the token check of the module docstring."""

    def __init__(self, app: ASGIApp, max_bytes: int, uploads: list[Upload]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.uploads = uploads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = next((u for u in self.uploads if u.matches(scope)), None)
        if upload is not None and not _signed_in(scope):
            await _refuse(send, 401, "invalid_token", "Uploads need a valid bearer token.")
            return
        limit = self.max_bytes if upload is None else upload.max_bytes + ENVELOPE_BYTES
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        await self.app(scope, *_counted(receive, send, limit))


def _signed_in(scope: Scope) -> bool:
    """Whether the request carries a bearer token this server signed and that has not expired."""
    scheme, _, token = Headers(scope=scope).get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    try:
        decode_token(scope["app"].state.tutor.jwt_key, token.strip())
    except InvalidToken:
        return False
    return True


def _counted(receive: Receive, send: Send, limit: int) -> tuple[Receive, Send]:
    """`receive` that answers 413 once the body passes `limit` and tells the app the client
    left; `send` that then drops whatever the app still tries to answer."""
    received = 0
    refused = started = False

    async def counting_receive() -> Message:
        nonlocal received, refused
        message = await receive()
        received += len(message.get("body", b""))
        if received <= limit:
            return message
        if not started and not refused:
            await _too_large(send, limit)
        refused = True
        return {"type": "http.disconnect"}

    async def guarded_send(message: Message) -> None:
        nonlocal started
        if refused:
            return
        started = started or message["type"] == "http.response.start"
        await send(message)

    return counting_receive, guarded_send


async def _too_large(send: Send, limit: int) -> None:
    await _refuse(send, 413, "too_large", f"The request is larger than {limit:,} bytes.")


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    # Whatever of the body is still unread stays so: the server closes the connection after this.
    headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
