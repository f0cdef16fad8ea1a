"""The web app's page, `/`, with a Content-Security-Policy that admits only this server's files.

The app is static (api/static/app/, see api/static/vendor/VENDORED.md): the page loads its
modules from /static and talks to /api/v1 over HTTP and websockets. The policy lets nothing
else in: no inline script but the import map (allowed by its hash), no other origin, no
framing. Should a model's output or a filename ever reach the page as markup, it could not run.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from api.security_headers import page_policy


def add_web_app(app: FastAPI, index: Path) -> None:
    """Serve `index` at `/` with its policy (read once: the file ships with the code)."""
    page = index.read_text()
    headers = {"Content-Security-Policy": page_policy(page)}

    @app.get("/", include_in_schema=False)
    async def web_app() -> HTMLResponse:
        return HTMLResponse(page, headers=headers)
