"""Refuse oversized request bodies before anything parses or spools them."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

# Multipart framing and form fields around the file itself.
ENVELOPE_BYTES = 64 * 1024


class BodyLimit:
    """ASGI middleware: 413 when Content-Length, or the bytes actually sent, pass the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes + ENVELOPE_BYTES

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(send, self.max_bytes)
            return
        received = 0

        async def counting_receive() -> dict[str, object]:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise BodyTooLarge()
            return message  # type: ignore[return-value]

        try:
            await self.app(scope, counting_receive, send)
        except BodyTooLarge:
            await _too_large(send, self.max_bytes)


class BodyTooLarge(Exception):
    """A chunked request body grew past the limit."""


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        {"error": {"code": "too_large", "message": f"The request is larger than {limit:,} bytes."}}
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
