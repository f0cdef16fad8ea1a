"""A client that acts on a 2xx sees its write: the transaction is committed before the first
byte of the response leaves the server. The app is wrapped so that, the instant the response
starts, another connection reads the database: the row must already be gone."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.app import create_app
from tests.conftest import register, upload
from tutor.resources import database_url
from tutor.settings import Settings


class ReadAtResponseStart:
    """ASGI wrapper: when a DELETE's response starts, count the row it deleted, elsewhere."""

    def __init__(self, app: ASGIApp, url: str) -> None:
        self.app, self.url = app, url
        self.seen: dict[str, int] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def observing_send(message: Message) -> None:
            if message["type"] == "http.response.start" and scope["method"] == "DELETE":
                self.seen[scope["path"]] = await self.count(scope["path"])
            await send(message)

        await self.app(scope, receive, observing_send)

    async def count(self, path: str) -> int:
        table = {"documents": "documents", "tasks": "tasks"}[path.split("/")[3]]
        row_id = uuid.UUID(path.split("/")[4])
        query = f"SELECT count(*) FROM {table} WHERE id = %(id)s"  # table from a fixed map
        async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
            cur = await conn.execute(query, {"id": row_id})
            row = await cur.fetchone()
            assert row is not None
            return int(row[0])


@pytest.fixture(scope="module")
def observed(settings: Settings, embedder: Any) -> Iterator[tuple[TestClient, ReadAtResponseStart]]:
    wrapper = ReadAtResponseStart(create_app(settings, embedder=embedder), database_url(settings))
    with TestClient(wrapper) as client:  # type: ignore[arg-type]
        yield client, wrapper


def test_a_deleted_document_is_gone_before_the_204_is_sent(observed):
    client, wrapper = observed
    headers = register(client)
    document = upload(client, headers, "gone.txt", b"Deleted before the answer.").json()
    path = f"/api/v1/documents/{document['id']}"
    assert client.delete(path, headers=headers).status_code == 204
    assert wrapper.seen[path] == 0, "the delete committed after its response started"
    listed = client.get("/api/v1/documents", headers=headers).json()["items"]
    assert document["id"] not in [d["id"] for d in listed]


def test_a_deleted_task_is_gone_before_the_204_is_sent(observed):
    client, wrapper = observed
    headers = register(client)
    task = client.post("/api/v1/tasks", json={"title": "Gone"}, headers=headers).json()
    path = f"/api/v1/tasks/{task['id']}"
    assert client.delete(path, headers=headers).status_code == 204
    assert wrapper.seen[path] == 0, "the delete committed after its response started"
