"""The API docs page works offline: it names no asset on another host."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

EXTERNAL_URL = re.compile(r"""https?://|(?:src|href)=["']//""")


def test_docs_load_nothing_from_another_host(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in response.text
    assert not EXTERNAL_URL.search(response.text), response.text


def test_docs_assets_and_oauth2_redirect_are_served(client: TestClient) -> None:
    for path in (
        "/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "/static/vendor/swagger-ui/swagger-ui.css",
        "/static/vendor/swagger-ui/favicon-32x32.png",
        "/docs/oauth2-redirect",
    ):
        assert client.get(path).status_code == 200, path
    assert client.get("/redoc").status_code == 404
