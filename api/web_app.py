"""The web app's page, `/`, with a Content-Security-Policy that admits only this server's files.

The app is static (api/static/app/, see api/static/vendor/VENDORED.md): the page loads its
modules from /static and talks to /api/v1 over HTTP and websockets. The policy lets nothing
else in: no inline script but the import map (allowed by its hash), no other origin, no
framing. Should a model's output or a filename ever reach the page as markup, it could not run.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

IMPORT_MAP = re.compile(r'<script type="importmap">(.*?)</script>', re.S)


def content_security_policy(page: str) -> str:
    """The policy for `page`: its import map is the one inline script allowed."""
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in IMPORT_MAP.findall(page)
    ]
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' " + " ".join(hashes),
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def add_web_app(app: FastAPI, index: Path) -> None:
    """Serve `index` at `/` with its policy (read once: the file ships with the code)."""
    page = index.read_text()
    headers = {
        "Content-Security-Policy": content_security_policy(page),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }

    @app.get("/", include_in_schema=False)
    async def web_app() -> HTMLResponse:
        return HTMLResponse(page, headers=headers)
