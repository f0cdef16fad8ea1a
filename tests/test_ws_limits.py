"""Websocket limits: the server refuses a message past 64 KiB as it arrives (1009); a user holds
at most `ws_sockets_per_user` sockets (the next closes with 4429); binary frames and deeply
nested JSON get an `error` event on a socket that stays open, not a 1011 and a traceback."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from api.app import create_app
from api.errors import WS_TOO_MANY_SOCKETS
from api.routes.tutor import MAX_MESSAGE_BYTES
from tests.conftest import register
from tests.served_api import bearer, served_api
from tutor.settings import Settings


@pytest.fixture(scope="module")
def limited(settings: Settings, embedder: Any) -> Iterator[TestClient]:
    """An API allowing two sockets per user and pinging idle event sockets every 0.2 s."""
    own = settings.model_copy(update={"ws_sockets_per_user": 2, "events_ping_s": 0.2})
    with TestClient(create_app(own, embedder=embedder)) as client:
        yield client


def close_code_of(ws: Any) -> int:
    with pytest.raises(WebSocketDisconnect) as closed:
        while True:
            ws.receive_json()
    return closed.value.code


def test_a_user_holds_at_most_the_cap_of_sockets(limited):
    headers, other = register(limited), register(limited)
    with (
        limited.websocket_connect("/api/v1/events", headers=headers) as first,
        limited.websocket_connect("/api/v1/tutor", headers=headers),
    ):
        assert first.receive_json()["type"] == "subscribed"
        with limited.websocket_connect("/api/v1/events", headers=headers) as third:
            assert close_code_of(third) == WS_TOO_MANY_SOCKETS
        with limited.websocket_connect("/api/v1/events", headers=other) as others:
            assert others.receive_json()["type"] == "subscribed"  # the cap is per user
    with limited.websocket_connect("/api/v1/events", headers=headers) as again:
        assert again.receive_json()["type"] == "subscribed"  # closed sockets gave their slots back


def test_a_binary_frame_on_the_tutor_socket_is_an_error_event(limited, caplog):
    with (
        caplog.at_level(logging.ERROR),
        limited.websocket_connect("/api/v1/tutor", headers=register(limited)) as ws,
    ):
        ws.send_bytes(b"\x00\x01binary")
        event = ws.receive_json()
        assert event["type"] == "error" and event["data"]["code"] == "invalid_input", event
        ws.send_json({"type": "cancel"})
        assert ws.receive_json()["data"]["code"] == "not_generating"  # still open, still serving
    assert not [r for r in caplog.records if r.exc_info], caplog.text


@pytest.mark.parametrize(
    "message",
    [
        "[" * 30_000 + "]" * 30_000,  # deep enough to exhaust Python's recursion limit
        json.dumps({"type": "ask", "text": "hi", "extra": [[[[[[[[[[["deep"]]]]]]]]]]]}),
    ],
)
def test_deeply_nested_json_on_the_tutor_socket_is_an_error_event(limited, message, caplog):
    assert len(message) < MAX_MESSAGE_BYTES
    with (
        caplog.at_level(logging.ERROR),
        limited.websocket_connect("/api/v1/tutor", headers=register(limited)) as ws,
    ):
        ws.send_text(message)
        event = ws.receive_json()
        assert event["type"] == "error" and event["data"]["code"] == "invalid_input", event
        assert "deep" in event["data"]["message"]
        ws.send_json({"type": "cancel"})
        assert ws.receive_json()["data"]["code"] == "not_generating"
    assert not [r for r in caplog.records if r.exc_info], caplog.text


def test_a_binary_frame_on_the_events_socket_is_ignored(limited, caplog):
    with (
        caplog.at_level(logging.ERROR),
        limited.websocket_connect("/api/v1/events", headers=register(limited)) as ws,
    ):
        assert ws.receive_json()["type"] == "subscribed"
        ws.send_bytes(b"\x00\x01binary")
        ws.send_text("[" * 30_000)
        for _ in range(3):  # still open: the keep-alive goes on arriving
            assert ws.receive_json()["type"] == "ping"
    assert not [r for r in caplog.records if r.exc_info], caplog.text


@pytest.fixture(scope="module")
def base(settings: Settings, data_dir) -> Iterator[str]:
    with served_api(settings, data_dir / "ws-limits-api.log") as url:
        yield url


async def close_after_sending(url: str, headers: dict[str, str], message: str) -> int | None:
    async with connect(url, additional_headers=headers, max_size=None) as ws:
        await ws.send(message)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await ws.recv()
    return closed.value.rcvd.code if closed.value.rcvd else None


async def reply_to(url: str, headers: dict[str, str], message: str) -> dict[str, Any]:
    async with connect(url, additional_headers=headers) as ws:
        await ws.send(message)
        reply: dict[str, Any] = json.loads(await ws.recv())
        return reply


@pytest.mark.parametrize("path", ["/api/v1/tutor", "/api/v1/events"])
def test_the_server_refuses_a_message_past_64_kib(base, path):
    url = base.replace("http", "ws", 1) + path
    headers = bearer(base)
    too_big = json.dumps({"type": "ask", "text": "x" * (MAX_MESSAGE_BYTES + 1)})
    assert asyncio.run(close_after_sending(url, headers, too_big)) == 1009
    if path.endswith("tutor"):
        fits = json.dumps({"type": "cancel", "pad": "x" * (MAX_MESSAGE_BYTES - 100)})
        assert asyncio.run(reply_to(url, headers, fits))["data"]["code"] == "not_generating"
