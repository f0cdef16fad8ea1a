"""Every response tells the browser to trust nothing but this server: the app page and Swagger
UI run only this server's files and their own hash-pinned inline scripts; everything else
(JSON, files, errors) may run and load nothing, and nothing may be framed or sniffed."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import register

COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def policy_of(response: httpx.Response) -> dict[str, str]:
    parts = response.headers["content-security-policy"].split(";")
    return {name: value for name, _, value in (p.strip().partition(" ") for p in parts)}


def inline_script_hashes(page: str) -> set[str]:
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    return {
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for attributes, body in scripts
        if "src=" not in attributes
    }


def assert_common(response: httpx.Response) -> dict[str, str]:
    for name, value in COMMON.items():
        assert response.headers.get(name) == value, (response.request.url, name, response.headers)
    policy = policy_of(response)
    assert policy["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert "'unsafe-eval'" not in response.headers["content-security-policy"]
    return policy


@pytest.mark.parametrize("path", ["/", "/docs", "/docs/oauth2-redirect"])
def test_pages_run_only_this_servers_files_and_their_pinned_scripts(client, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = assert_common(response)
    assert policy["default-src"] == "'self'"
    allowed = set(policy["script-src"].split())
    assert allowed == {"'self'", *inline_script_hashes(response.text)}
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"


def test_everything_else_may_run_nothing(client: TestClient):
    headers = register(client)
    responses = [
        client.get("/api/v1/health"),
        client.get("/api/v1/me", headers=headers),
        client.get("/api/v1/me"),  # 401
        client.get("/api/v1/nowhere"),  # 404
        client.post("/api/v1/tasks", json={}, headers=headers),  # 422
        client.get("/static/app/main.js"),
        client.get("/openapi.json"),
        client.post(
            "/api/v1/auth/login",
            content=b"x" * (2 * 1024 * 1024),
            headers={"Content-Type": "application/json"},
        ),  # 413, answered by the body limit before routing
    ]
    assert [r.status_code for r in responses] == [200, 200, 401, 404, 422, 200, 200, 413]
    for response in responses:
        policy = assert_common(response)
        assert policy["default-src"] == "'none'", response.request.url


def test_a_500_carries_the_headers_too(settings, embedder):
    from api.app import create_app

    app = create_app(settings, embedder=embedder)

    @app.get("/api/v1/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/boom")
    assert response.status_code == 500
    assert_common(response)
