"""JSON logs from a real `tutor api` process: one object per line, request ids, no secrets."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from tutor import log_context
from tutor.runtime.log_format import JsonFormatter, TextFormatter
from tutor.runtime.services import service_env

SECRET_TICKET = "tkt-SECRET-7f3a9"
SECRET_TOKEN = "qs-SECRET-token-51c2"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def api(settings, data_dir) -> Iterator[tuple[str, Path]]:
    """`tutor api` on the session's PostgreSQL and Redis, logging JSON to a file."""
    port, log_path = free_port(), data_dir / "json-api.log"
    env = {
        **os.environ,
        **service_env(settings),
        "TUTOR_LOG_FORMAT": "json",
        # A chat endpoint nobody listens on: the API must not start a local model for this.
        "TUTOR_CHAT_BASE_URL": "http://127.0.0.1:9/v1",
        "TUTOR_CHAT_MODEL": "none",
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tutor.cli", "api", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, process)
        yield base, log_path
    finally:
        process.terminate()
        process.wait(30)


def wait_healthy(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "the API exited during start-up"
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError("the API did not start")


def lines(log_path: Path) -> list[str]:
    return [line for line in log_path.read_text().splitlines() if line.strip()]


def entries(log_path: Path) -> list[dict[str, Any]]:
    parsed = []
    for line in lines(log_path):
        try:
            parsed.append(json.loads(line))
        except ValueError:
            raise AssertionError(f"not a JSON line: {line!r}") from None
    return parsed


def sign_up(base: str) -> tuple[dict[str, str], str]:
    email = f"logs-{time.time_ns()}@example.com"
    body = {"email": email, "password": "correct horse battery"}
    assert httpx.post(f"{base}/api/v1/auth/register", json=body).status_code == 201
    token = httpx.post(f"{base}/api/v1/auth/login", json=body).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}, token


def test_every_line_is_json_and_a_request_carries_its_id_and_user(api):
    base, log_path = api
    headers, _ = sign_up(base)
    request_id = f"req-{time.time_ns()}"
    response = httpx.get(
        f"{base}/api/v1/documents", headers={**headers, "X-Request-ID": request_id}
    )
    assert response.status_code == 200
    me = httpx.get(f"{base}/api/v1/me", headers=headers).json()
    time.sleep(0.5)  # the access line is written as the response goes out

    logged = entries(log_path)
    assert {"time", "level", "logger", "message"} <= set(logged[-1])
    mine = [e for e in logged if e.get("request_id") == request_id]
    assert mine, "no line carries the request's id"
    access = [e for e in mine if e["logger"] == "uvicorn.access"]
    assert len(access) == 1 and "GET /api/v1/documents" in access[0]["message"]
    assert access[0]["user_id"] == me["id"]
    assert access[0]["level"] == "INFO"


def test_secrets_in_query_strings_and_tokens_never_reach_the_log(api):
    base, log_path = api
    headers, token = sign_up(base)
    httpx.get(f"{base}/api/v1/documents?ticket={SECRET_TICKET}&access_token={SECRET_TOKEN}")
    httpx.get(f"{base}/api/v1/documents?token={token}", headers=headers)

    async def open_socket() -> None:
        url = f"ws://{base.removeprefix('http://')}/api/v1/events?ticket={SECRET_TICKET}"
        async with websockets.connect(url) as ws:
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()  # a made-up ticket: the server closes the socket

    asyncio.run(open_socket())
    time.sleep(0.5)
    text = log_path.read_text()
    assert "/api/v1/events?ticket=[redacted]" in text  # the socket was logged, redacted
    for secret in (SECRET_TICKET, SECRET_TOKEN, token, token.split(".")[-1]):
        assert secret not in text
    entries(log_path)  # and still one JSON object per line


def record(message: str, *args: object, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError("boom with eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl")
        except ValueError:
            exc_info = sys.exc_info()
    return logging.LogRecord("tutor.x", logging.WARNING, __file__, 1, message, args, exc_info)


def test_formatters_carry_the_context_and_scrub_jwts():
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
    with log_context.bound("abc-123"):
        log_context.set_user("u-1")
        line = json.loads(JsonFormatter().format(record("saw %s", f"Bearer {jwt}", exc=True)))
        text = TextFormatter().format(record("saw %s", jwt))
    assert line["request_id"] == "abc-123" and line["user_id"] == "u-1"
    assert line["message"] == "saw Bearer [redacted]"
    assert "ValueError" in line["exception"] and jwt not in line["exception"]
    assert jwt not in text and text.endswith("[request abc-123]")
    outside = json.loads(JsonFormatter().format(record("plain")))
    assert "request_id" not in outside
