"""Websocket auth: single-use tickets or a bearer header, and no credential ever in the log."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from api.app import create_app
from api.log_redaction import redact
from tests.conftest import app_on_own_redis, register, stop_worker, worker_env
from tutor.runtime.supervisor import spawn

PASSWORD = "correct horse battery"


def ticket_for(client: TestClient, headers: dict[str, str]) -> str:
    response = client.post("/api/v1/ws-ticket", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"ticket", "expires_in"}
    ticket: str = body["ticket"]
    return ticket


def refused(client: TestClient, url: str, **kwargs: Any) -> int:
    """The close code of a socket the server accepts and then closes."""
    with client.websocket_connect(url, **kwargs) as ws:
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    return closed.value.code


def test_a_ticket_opens_one_socket_once(client):
    headers = register(client)
    me = client.get("/api/v1/me", headers=headers).json()
    ticket = ticket_for(client, headers)
    assert client.post("/api/v1/ws-ticket", headers=headers).json()["expires_in"] == 30
    with client.websocket_connect(f"/api/v1/events?ticket={ticket}") as ws:
        subscribed = ws.receive_json()
        assert subscribed["type"] == "subscribed"
        assert subscribed["data"]["user_id"] == me["id"]
    assert refused(client, f"/api/v1/events?ticket={ticket}") == 4401
    assert refused(client, f"/api/v1/tutor?ticket={ticket}") == 4401


def test_a_ticket_opens_the_tutor_socket(tutor_client):
    headers = register(tutor_client)
    with tutor_client.websocket_connect(
        f"/api/v1/tutor?ticket={ticket_for(tutor_client, headers)}"
    ) as ws:
        ws.send_json({"type": "cancel"})
        assert ws.receive_json()["data"]["code"] == "not_generating"


def test_an_expired_ticket_is_refused(settings, embedder):
    app = create_app(settings.model_copy(update={"ws_ticket_ttl_s": 1}), embedder=embedder)
    with TestClient(app) as client:
        headers = register(client)
        ticket = ticket_for(client, headers)
        time.sleep(1.5)
        assert refused(client, f"/api/v1/events?ticket={ticket}") == 4401


def test_unknown_tickets_are_refused(client):
    assert refused(client, "/api/v1/events?ticket=made-up") == 4401
    assert refused(client, "/api/v1/tutor?ticket=") == 4401


def test_a_token_in_the_url_no_longer_authenticates(client):
    token = register(client)["Authorization"].removeprefix("Bearer ")
    assert refused(client, f"/api/v1/events?token={token}") == 4401
    assert refused(client, f"/api/v1/tutor?token={token}") == 4401
    assert refused(client, f"/api/v1/events?access_token={token}") == 4401


def test_the_bearer_header_still_authenticates(client):
    headers = register(client)
    with client.websocket_connect("/api/v1/events", headers=headers) as ws:
        assert ws.receive_json()["type"] == "subscribed"
    bad = {"Authorization": "Bearer not.a.jwt"}
    assert refused(client, "/api/v1/events", headers=bad) == 4401


def test_a_ticket_needs_a_bearer_token(client):
    for headers in ({}, {"Authorization": "Bearer not.a.jwt"}):
        response = client.post("/api/v1/ws-ticket", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_token"


def test_without_redis_tickets_are_unavailable_not_invalid(settings, embedder, data_dir):
    with app_on_own_redis(settings, embedder, data_dir / "ticket-outage") as (client, redis):
        headers = register(client)
        ticket = ticket_for(client, headers)
        redis.stop()
        response = client.post("/api/v1/ws-ticket", headers=headers)
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "realtime_unavailable"
        assert refused(client, f"/api/v1/tutor?ticket={ticket}") == 1011


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/api/v1/events?ticket=abc_-1", "/api/v1/events?ticket=[redacted]"),
        ("/x?a=1&token=ey.J.w&b=2", "/x?a=1&token=[redacted]&b=2"),
        (
            '"GET /x?ACCESS_TOKEN=s3cret HTTP/1.1" 200',
            '"GET /x?ACCESS_TOKEN=[redacted] HTTP/1.1" 200',
        ),
        ("/x?refresh_token=q;ticket=t", "/x?refresh_token=[redacted];ticket=[redacted]"),
        ("/api/v1/search?q=tickets&k=3", "/api/v1/search?q=tickets&k=3"),
    ],
)
def test_redact_hides_secret_query_values(line, expected):
    assert redact(line) == expected


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(base: str, log_path: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise AssertionError(f"the API did not come up:\n{log_path.read_text()[-3000:]}")


async def close_code(url: str, headers: dict[str, str] | None = None) -> int | None:
    """The code the server closes a socket with, before any event arrives."""
    async with connect(url, additional_headers=headers) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    return closed.value.rcvd.code if closed.value.rcvd else None


async def use_sockets(ws_base: str, token: str, tickets: list[str]) -> None:
    """Both sockets with a ticket each; then reused tickets and a token in the URL."""
    async with connect(f"{ws_base}/events?ticket={tickets[0]}") as events:
        assert '"subscribed"' in await events.recv()
    async with connect(f"{ws_base}/tutor?ticket={tickets[1]}") as tutor:
        await tutor.send('{"type": "cancel"}')
        assert "not_generating" in await tutor.recv()
    assert await close_code(f"{ws_base}/tutor?ticket={tickets[0]}") == 4401
    assert await close_code(f"{ws_base}/events?ticket={tickets[1]}") == 4401
    assert await close_code(f"{ws_base}/events?token={token}") == 4401
    assert await close_code(f"{ws_base}/tutor?token={token}") == 4401


def test_no_token_or_ticket_reaches_the_server_log(settings, data_dir):
    port, log_path = free_port(), data_dir / "api-log-test.log"
    log_path.unlink(missing_ok=True)
    env = worker_env(
        settings,
        TUTOR_CHAT_BASE_URL="http://127.0.0.1:9/v1",  # never called; keeps the local model off
        TUTOR_CHAT_MODEL="absent",
    )
    with log_path.open("ab") as log:
        api = spawn(["api", "--host", "127.0.0.1", "--port", str(port)], env, log)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, log_path)
        email = f"logged-{time.time_ns()}@example.com"
        with httpx.Client(base_url=f"{base}/api/v1", timeout=30) as http:
            body = {"email": email, "password": PASSWORD}
            assert http.post("/auth/register", json=body).status_code == 201
            token = http.post("/auth/login", json=body).json()["access_token"]
            bearer = {"Authorization": f"Bearer {token}"}
            tickets = [http.post("/ws-ticket", headers=bearer).json()["ticket"] for _ in range(2)]
        asyncio.run(use_sockets(f"ws://127.0.0.1:{port}/api/v1", token, tickets))
    finally:
        stop_worker(api)
    log = log_path.read_text()
    for secret in (token, *tickets):
        assert secret not in log, "a credential reached the server log"
    assert '"WebSocket /api/v1/events?ticket=[redacted]" [accepted]' in log, log[-3000:]
    assert '"WebSocket /api/v1/tutor?ticket=[redacted]" [accepted]' in log, log[-3000:]
    assert '"WebSocket /api/v1/tutor?token=[redacted]" [accepted]' in log, log[-3000:]
    assert '"POST /api/v1/ws-ticket HTTP/1.1" 200' in log, log[-3000:]
