"""Hostile values a client can send (NUL bytes, integers past 64 bits) never reach the client as
a 500: each route family answers 422 in the documented envelope, and whatever does fail
unexpectedly answers a 500 envelope with a request id and nothing of the server's internals."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.conftest import register
from tests.test_practice_attempts_api import saved_set
from tests.test_tasks_api import insert_deck
from tutor.settings import Settings

NUL = "a\x00b"
HUGE = 10**30  # past PostgreSQL's bigint and numeric-free integer columns
BIGGER_THAN_BIGINT = 2**63


@pytest.fixture(scope="module")
def app_client(settings: Settings, embedder: Any) -> Iterator[TestClient]:
    """The real app, answering its 500s as a server would instead of raising in the test."""
    with TestClient(create_app(settings, embedder=embedder), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def student(app_client: TestClient) -> dict[str, str]:
    return register(app_client)


def assert_refused(response: httpx.Response) -> None:
    """A 4xx in the documented shape, with a request id."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert set(response.json()) == {"error"}, response.text
    assert response.json()["error"]["code"], response.text
    assert response.headers.get("x-request-id"), response.headers


@pytest.mark.parametrize(
    "params",
    [
        {"q": NUL},
        {"q": NUL, "mode": "fts"},
        {"q": "cells", "k": HUGE},
        {"q": "cells", "document_id": NUL},
    ],
)
def test_search_refuses_nul_bytes_and_huge_ints(app_client, student, params):
    assert_refused(app_client.get("/api/v1/search", params=params, headers=student))


def test_a_nul_byte_only_embedded_finds_nothing(app_client, student):
    params = {"q": NUL, "mode": "dense"}  # never reaches SQL as text
    response = app_client.get("/api/v1/search", params=params, headers=student)
    assert response.status_code == 200 and response.json()["items"] == [], response.text


@pytest.mark.parametrize("params", [{"limit": HUGE}, {"limit": -HUGE}, {"cursor": NUL}])
def test_lists_refuse_nul_bytes_and_huge_ints(app_client, student, params):
    for path in ("/api/v1/documents", "/api/v1/tasks", "/api/v1/decks", "/api/v1/conversations"):
        assert_refused(app_client.get(path, params=params, headers=student))
    params = {"status": NUL, "view": NUL}
    assert_refused(app_client.get("/api/v1/documents", params=params, headers=student))
    assert_refused(app_client.get("/api/v1/tasks", params=params, headers=student))


def test_an_upload_named_with_a_nul_byte_keeps_no_nul(app_client, student):
    files = {"file": ("not\x00es.txt", b"Cells have walls.")}
    response = app_client.post("/api/v1/documents", files=files, headers=student)
    assert response.status_code == 202, response.text
    assert "\x00" not in response.json()["filename"]


@pytest.mark.parametrize(
    "body",
    [
        {"title": NUL},
        {"title": "Read", "notes": NUL},
        {"title": "Read", "subject": NUL},
        {"title": "Read", "recurrence": {"kind": "every_n_days", "interval": HUGE}},
    ],
)
def test_tasks_refuse_nul_bytes_and_huge_ints(app_client, student, body):
    assert_refused(app_client.post("/api/v1/tasks", json=body, headers=student))
    created = app_client.post("/api/v1/tasks", json={"title": "Read"}, headers=student)
    task = f"/api/v1/tasks/{created.json()['id']}"
    assert_refused(app_client.patch(task, json=body, headers=student))


def test_the_calendar_feed_refuses_a_nul_token(app_client):
    assert_refused(app_client.get("/api/v1/calendar/a%00b.ics"))


@pytest.mark.parametrize(
    "body",
    [
        {"name": NUL},
        {"name": "Cells", "description": NUL},
        {"name": "Cells", "new_per_day": HUGE},
    ],
)
def test_decks_refuse_nul_bytes_and_huge_ints(app_client, student, body):
    assert_refused(app_client.post("/api/v1/decks", json=body, headers=student))
    created = app_client.post("/api/v1/decks", json={"name": "Cells"}, headers=student)
    assert_refused(
        app_client.patch(f"/api/v1/decks/{created.json()['id']}", json=body, headers=student)
    )


NOTE = {"kind": "basic", "front": "f", "back": "b"}


@pytest.mark.parametrize(
    "body",
    [
        {**NOTE, "front": NUL},
        {**NOTE, "back": NUL},
        {**NOTE, "source": {"quote": NUL}},
        {**NOTE, "source": {"filename": NUL}},
        {**NOTE, "source": {"chunk_id": HUGE}},
        {**NOTE, "source": {"chunk_id": BIGGER_THAN_BIGINT}},
        {**NOTE, "source": {"page_start": HUGE}},
    ],
)
def test_notes_refuse_nul_bytes_and_huge_ints(app_client, settings, student, body):
    me = UUID(app_client.get("/api/v1/me", headers=student).json()["id"])
    deck = insert_deck(settings, me)
    assert_refused(app_client.post(f"/api/v1/decks/{deck}/notes", json=body, headers=student))


@pytest.mark.parametrize("body", [{"front": NUL}, {"back": NUL}])
def test_note_edits_refuse_nul_bytes(app_client, settings, student, body):
    me = UUID(app_client.get("/api/v1/me", headers=student).json()["id"])
    deck = insert_deck(settings, me)
    note = app_client.post(f"/api/v1/decks/{deck}/notes", json=NOTE, headers=student).json()
    assert_refused(app_client.patch(f"/api/v1/notes/{note['id']}", json=body, headers=student))


def test_card_imports_and_suggestions_refuse_nul_bytes(app_client, settings, student):
    me = UUID(app_client.get("/api/v1/me", headers=student).json()["id"])
    deck = insert_deck(settings, me)
    files = {"file": ("cards.csv", b"front,back\nce\x00ll,wall\n")}
    response = app_client.post(f"/api/v1/decks/{deck}/import", files=files, headers=student)
    # A row with a NUL byte is skipped (reported), or the file refused: never a 500.
    assert response.status_code < 500, response.text
    suggest = app_client.post(
        f"/api/v1/decks/{deck}/suggestions", json={"topic": NUL}, headers=student
    )
    assert_refused(suggest)


@pytest.mark.parametrize(
    "body",
    [
        {"rating": 3, "duration_ms": HUGE},
        {"rating": HUGE},
    ],
)
def test_reviews_refuse_huge_ints(app_client, settings, student, body):
    me = UUID(app_client.get("/api/v1/me", headers=student).json()["id"])
    deck = insert_deck(settings, me)
    note = app_client.post(f"/api/v1/decks/{deck}/notes", json=NOTE, headers=student).json()
    card = note["cards"][0]["id"]
    review = {"review_id": str(uuid.uuid4()), **body}
    assert_refused(app_client.post(f"/api/v1/cards/{card}/reviews", json=review, headers=student))


@pytest.mark.parametrize(
    "body",
    [
        {"ordinal": 1, "answer": NUL},
        {"ordinal": HUGE, "answer": "chloroplast"},
        {"ordinal": BIGGER_THAN_BIGINT, "answer": "chloroplast"},
        {"ordinal": 0, "answer": HUGE},
    ],
)
def test_practice_attempts_refuse_nul_bytes_and_huge_ints(app_client, settings, student, body):
    practice_set = saved_set(app_client, settings, student)
    attempt = {"attempt_id": str(uuid.uuid4()), **body}
    assert_refused(
        app_client.post(
            f"/api/v1/practice-sets/{practice_set['id']}/attempts", json=attempt, headers=student
        )
    )


@pytest.mark.parametrize(
    "body",
    [{"display_name": NUL}, {"timezone": NUL}, {"daily_goal_minutes": HUGE}],
)
def test_the_profile_behind_progress_refuses_nul_bytes_and_huge_ints(app_client, student, body):
    assert_refused(app_client.patch("/api/v1/me", json=body, headers=student))
    progress = app_client.get("/api/v1/progress", headers=student)
    assert progress.status_code == 200, progress.text


def test_sign_in_refuses_nul_bytes(app_client):
    body = {"email": "a\x00@example.com", "password": NUL}
    assert_refused(app_client.post("/api/v1/auth/login", json=body))
    assert_refused(app_client.post("/api/v1/auth/register", json=body))


def test_the_tutor_answers_a_nul_byte_with_an_error_event(settings, embedder, chat):
    from tests.conftest import scripted_tutor_app

    with scripted_tutor_app(settings, embedder, chat) as client:
        headers = register(client)
        with client.websocket_connect("/api/v1/tutor", headers=headers) as ws:
            ws.send_json({"type": "ask", "mode": "answer", "text": f"What is {NUL}?"})
            event = ws.receive_json()
            assert event["type"] == "error", event
            assert event["data"]["code"] == "invalid_input", event
            ws.send_json({"type": "nonsense"})  # the socket is still open and answering
            assert ws.receive_json()["type"] == "error"


def test_an_unexpected_failure_answers_the_envelope_with_a_request_id(settings, embedder, caplog):
    app = create_app(settings, embedder=embedder)

    @app.get("/api/v1/boom")
    async def boom() -> None:
        raise RuntimeError("password=hunter2 at /srv/secret/path.py line 12")

    with TestClient(app, raise_server_exceptions=False) as client, caplog.at_level(logging.ERROR):
        response = client.get("/api/v1/boom", headers={"X-Request-ID": "req-42.abc"})
    assert response.status_code == 500
    assert response.json() == {
        "error": {
            "code": "internal_error",
            "message": "Something went wrong on our side.",
            "request_id": "req-42.abc",
        }
    }
    assert "hunter2" not in response.text and "Traceback" not in response.text
    assert response.headers["x-request-id"] == "req-42.abc"
    logged = [r for r in caplog.records if "req-42.abc" in r.getMessage()]
    assert logged and logged[0].exc_info is not None, caplog.text


def test_every_response_carries_a_request_id(app_client):
    given = app_client.get("/api/v1/health", headers={"X-Request-ID": "client-id-1"})
    assert given.headers["x-request-id"] == "client-id-1"
    made = app_client.get("/api/v1/nowhere")
    assert made.status_code == 404
    assert len(made.headers["x-request-id"]) >= 16
    for insane in ("x" * 500, "bad id with spaces", "<script>"):
        response = app_client.get("/api/v1/health", headers={"X-Request-ID": insane})
        assert response.headers["x-request-id"] != insane
        assert len(response.headers["x-request-id"]) >= 16
    first = app_client.get("/api/v1/health").headers["x-request-id"]
    second = app_client.get("/api/v1/health").headers["x-request-id"]
    assert first != second
