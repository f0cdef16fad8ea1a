"""One list convention: every list endpoint pages by keyset with an opaque cursor."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from psycopg import AsyncConnection

from evals.records import EvalRun, save_run
from tests.conftest import register, register_admin, upload, wait_terminal
from tests.test_practice_attempts_api import saved_set
from tutor.accounts import audit
from tutor.chat import conversations, practice
from tutor.resources import database_url
from tutor.settings import Settings
from tutor.study import card_suggestions, cards, decks

LISTS = [
    "/api/v1/documents",
    "/api/v1/conversations",
    "/api/v1/practice-sets",
    "/api/v1/evals/runs",
    "/api/v1/tasks",
    "/api/v1/decks",
    "/api/v1/decks/{deck_id}/notes",
    "/api/v1/decks/{deck_id}/suggestions",
    "/api/v1/admin/audit",
    "/api/v1/admin/teacher-requests",
    "/api/v1/classes",
    "/api/v1/classes/{class_id}/materials",
    "/api/v1/classes/{class_id}/assignments",
    "/api/v1/notifications",
]
# Lists whose items are keyed by another field than `id`.
ITEM_KEYS = {"/api/v1/classes/{class_id}/materials": "document_id"}
# GET collections whose body holds an array but that are not a list to walk page by page.
NOT_PAGED = {
    "/api/v1/search": "the k best matches of one query, ranked by score",
    "/api/v1/documents/{document_id}/overview": "3-6 summary sentences and about 10 concepts",
    "/api/v1/limits": "the handful of accepted file extensions",
    "/api/v1/practice-sets/{set_id}/attempts": "the latest attempt per question of one set",
    "/api/v1/decks/{deck_id}/stats": "a 30-day forecast and a handful of counts",
    "/api/v1/review-queue": "the head of a queue each review changes, at most `limit` cards",
    "/api/v1/progress": "the last 365 days and one row per studied document",
    "/api/v1/gamification/badges": "the fixed catalogue of badges, each with its progress",
    "/api/v1/gamification/themes": "the fixed catalogue of profile themes",
    "/api/v1/leaderboards": "a board's top `top` (at most 100) and the caller's neighbours",
    "/api/v1/classes/{class_id}/people": "one class's teachers and students, a roster",
    "/api/v1/classes/{class_id}/review-queue": "the oldest 100 answers waiting for a grade",
    "/api/v1/classes/{class_id}/gradebook": "one class's roster against its assignments",
    "/api/v1/assignments/{assignment_id}/submissions": "the caller's own, at most 10 attempts",
    "/api/v1/assignments/{assignment_id}/analysis": "one assignment's questions and 10 bins",
}
T = TypeVar("T")


def committed(settings: Settings, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    """Run `work` in one transaction of its own and commit it."""

    async def run() -> T:
        async with await AsyncConnection.connect(database_url(settings)) as conn:
            return await work(conn)

    return asyncio.run(run())


def walk(client: TestClient, path: str, headers: dict[str, str], limit: int, **params: Any):
    """Every item of a list, following `next_cursor`; checks each page's size on the way."""
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(50):
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = client.get(path, params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"items", "next_cursor"}
        cursor = page["next_cursor"]
        if cursor is None:
            # The last page: never an empty page after a full one.
            assert 0 < len(page["items"]) <= limit or not items
            return items + page["items"]
        assert len(page["items"]) == limit
        items += page["items"]
    raise AssertionError(f"{path} never reached a page with next_cursor null")


def owner_of(client: TestClient, headers: dict[str, str]) -> UUID:
    return UUID(client.get("/api/v1/me", headers=headers).json()["id"])


def newest_first(*transactions: list[UUID]) -> list[str]:
    """Rows made in one transaction share now(): the id, descending, orders them among themselves
    (Python orders UUIDs by their bytes, as PostgreSQL does)."""
    return [str(i) for batch in reversed(transactions) for i in sorted(batch, reverse=True)]


def seed_documents(client: TestClient, _: Settings, headers: dict[str, str]):
    ids = [
        upload(client, headers, f"page{i}.txt", f"paged note {i}".encode()).json()["id"]
        for i in range(5)
    ]
    for document_id in ids:
        wait_terminal(client, headers, document_id)
    return {}, list(reversed(ids))


def seed_conversations(client: TestClient, settings: Settings, headers: dict[str, str]):
    owner = owner_of(client, headers)

    async def open_three(conn: AsyncConnection) -> list[UUID]:
        return [await conversations.open_conversation(conn, owner, None, f"q{i}") for i in range(3)]

    first, second = committed(settings, open_three), committed(settings, open_three)

    async def touch(conn: AsyncConnection) -> UUID:
        return await conversations.open_conversation(conn, owner, first[1], "again")

    # Asking again in a conversation makes it the most recently active one.
    touched = committed(settings, touch)
    return {}, [str(touched), *newest_first([i for i in first if i != touched], second)]


def seed_practice_sets(client: TestClient, settings: Settings, headers: dict[str, str]):
    owner = owner_of(client, headers)
    header = {
        "message_id": None,
        "topic": "cells",
        "requested": 4,
        "dropped": 0,
        "prompt_name": "practice",
        "prompt_version": 1,
        "model_id": "scripted",
    }

    def save(count: int) -> Callable[[AsyncConnection], Awaitable[list[UUID]]]:
        async def work(conn: AsyncConnection) -> list[UUID]:
            return [await practice.save_set(conn, owner, header, []) for _ in range(count)]

        return work

    return {}, newest_first(committed(settings, save(3)), committed(settings, save(2)))


def seed_eval_runs(_: TestClient, settings: Settings, __: dict[str, str]):
    suite = f"paging-{uuid.uuid4()}"
    runs = [
        EvalRun(uuid.uuid4(), "tutor", suite, "notes", "hash", "abc", "m", {}, {}, {}, 0, None)
        for _ in range(5)
    ]

    async def work(conn: AsyncConnection) -> None:
        for run in runs:  # created_at is clock_timestamp(): later rows are newer
            await save_run(conn, run, [])

    committed(settings, work)
    return {"suite": suite}, [str(run.id) for run in reversed(runs)]


def seed_tasks(client: TestClient, _: Settings, headers: dict[str, str]):
    # Open tasks list soonest due first; two share a day, and their ids break the tie.
    made = []
    for due in ["2027-01-05", "2027-01-03", "2027-01-04", "2027-01-03", "2027-01-01"]:
        task = client.post("/api/v1/tasks", json={"title": due, "due_date": due}, headers=headers)
        made.append((due, task.json()["id"]))
    return {"view": "open"}, [task_id for _, task_id in sorted(made)]


def seed_decks(client: TestClient, settings: Settings, headers: dict[str, str]):
    owner = owner_of(client, headers)
    day_end = datetime.now(UTC) + timedelta(days=1)

    def make(count: int) -> Callable[[AsyncConnection], Awaitable[list[UUID]]]:
        async def work(conn: AsyncConnection) -> list[UUID]:
            return [(await decks.create_deck(conn, owner, "d", day_end)).id for _ in range(count)]

        return work

    return {}, newest_first(committed(settings, make(3)), committed(settings, make(2)))


def seed_notes(client: TestClient, settings: Settings, headers: dict[str, str]):
    deck = client.post("/api/v1/decks", json={"name": "paged"}, headers=headers).json()
    owner = owner_of(client, headers)

    def make(count: int) -> Callable[[AsyncConnection], Awaitable[list[UUID]]]:
        async def work(conn: AsyncConnection) -> list[UUID]:
            return [
                (await cards.create_note(conn, owner, deck["id"], "basic", f"q{i}", "a")).id
                for i in range(count)
            ]

        return work

    made = newest_first(committed(settings, make(3)), committed(settings, make(2)))
    return {"deck_id": deck["id"]}, made


def seed_suggestions(client: TestClient, settings: Settings, headers: dict[str, str]):
    deck = client.post("/api/v1/decks", json={"name": "suggested"}, headers=headers).json()
    owner = owner_of(client, headers)

    def make(count: int) -> Callable[[AsyncConnection], Awaitable[list[UUID]]]:
        async def work(conn: AsyncConnection) -> list[UUID]:
            request = card_suggestions.SuggestionRequest(UUID(deck["id"]), count, topic="paged")
            job, _ = await card_suggestions.create_job(conn, owner, request)
            made = [
                card_suggestions.NewSuggestion(f"q{i}", "a", "a quote", None, None, "n.md", 1, 1)
                for i in range(count)
            ]
            await card_suggestions.record_passage(conn, job, made, {})
            return [suggestion.id for suggestion in made]

        return work

    made = newest_first(committed(settings, make(3)), committed(settings, make(2)))
    return {"deck_id": deck["id"]}, made


def seed_audit_events(_: TestClient, settings: Settings, __: dict[str, str]):
    # The trail is everyone's: one account's events are the list walked.
    actor = uuid.uuid4()

    async def work(conn: AsyncConnection) -> None:
        for i in range(5):  # `at` is clock_timestamp(): later events are newer
            await audit.record(conn, "paging.test", audit.Origin(actor), details={"i": i})

    committed(settings, work)

    async def made(conn: AsyncConnection) -> list[str]:
        cur = await conn.execute(
            "SELECT id FROM audit_events WHERE actor_id = %s ORDER BY details->>'i' DESC",
            (actor,),
        )
        return [str(row[0]) for row in await cur.fetchall()]

    return {"user_id": str(actor)}, committed(settings, made)


def seed_teacher_requests(client: TestClient, settings: Settings, _: dict[str, str]):
    for _ in range(5):
        student = register(client)
        assert client.post("/api/v1/me/teacher-request", headers=student).status_code == 202

    async def pending(conn: AsyncConnection) -> list[str]:
        # Pending requests are everyone's: the list holds any other test's left pending too.
        cur = await conn.execute(
            "SELECT id FROM teacher_requests WHERE status = 'pending'"
            " ORDER BY requested_at DESC, id DESC"
        )
        return [str(row[0]) for row in await cur.fetchall()]

    return {}, committed(settings, pending)


def seed_classes(client: TestClient, _: Settings, headers: dict[str, str]):
    made = [
        client.post("/api/v1/classes", json={"name": f"Class {i}"}, headers=headers).json()["id"]
        for i in range(5)
    ]
    return {}, made[::-1]


def seed_materials(client: TestClient, _: Settings, headers: dict[str, str]):
    made = client.post("/api/v1/classes", json={"name": "Shared"}, headers=headers).json()["id"]
    shared = []
    for i in range(5):  # each shared by its own request: the first is the oldest share
        document = upload(client, headers, f"material-{i}.txt", f"Material {i}.".encode()).json()
        path = f"/api/v1/classes/{made}/materials"
        response = client.post(path, json={"document_id": document["id"]}, headers=headers)
        assert response.status_code == 200, response.text
        shared.append(document["id"])
    return {"class_id": made}, shared[::-1]


def seed_assignments(client: TestClient, settings: Settings, headers: dict[str, str]):
    made = client.post("/api/v1/classes", json={"name": "Assigned"}, headers=headers).json()["id"]
    set_id = saved_set(client, settings, headers)["id"]
    start = datetime.now(UTC)
    published = []
    for i in range(5):  # listed latest due first: the last published is due last
        due = (start + timedelta(days=i + 1)).isoformat()
        body = {"set_id": set_id, "title": f"Quiz {i}", "due_at": due}
        response = client.post(f"/api/v1/classes/{made}/assignments", json=body, headers=headers)
        assert response.status_code == 201, response.text
        published.append(response.json()["id"])
    return {"class_id": made}, published[::-1]


def seed_notifications(client: TestClient, settings: Settings, headers: dict[str, str]):
    owner = owner_of(client, headers)
    ids = [uuid.uuid4() for _ in range(5)]

    async def work(conn: AsyncConnection) -> None:
        for age, note_id in enumerate(ids):  # the first is the newest
            await conn.execute(
                "INSERT INTO notifications (id, user_id, type, created_at)"
                " VALUES (%s, %s, 'badge.earned', now() - make_interval(secs => %s))",
                (note_id, owner, age),
            )

    committed(settings, work)
    return {}, [str(note_id) for note_id in ids]


SEEDS = {
    "/api/v1/documents": seed_documents,
    "/api/v1/conversations": seed_conversations,
    "/api/v1/practice-sets": seed_practice_sets,
    "/api/v1/evals/runs": seed_eval_runs,
    "/api/v1/tasks": seed_tasks,
    "/api/v1/decks": seed_decks,
    "/api/v1/decks/{deck_id}/notes": seed_notes,
    "/api/v1/decks/{deck_id}/suggestions": seed_suggestions,
    "/api/v1/admin/audit": seed_audit_events,
    "/api/v1/admin/teacher-requests": seed_teacher_requests,
    "/api/v1/classes": seed_classes,
    "/api/v1/classes/{class_id}/materials": seed_materials,
    "/api/v1/classes/{class_id}/assignments": seed_assignments,
    "/api/v1/notifications": seed_notifications,
}


@pytest.mark.parametrize("path", LISTS)
def test_walking_every_page_yields_each_row_once_newest_first(client, settings, path):
    headers = register_admin(client, settings)  # eval runs and the admin lists need one
    params, expected = SEEDS[path](client, settings, headers)
    # Path parameters (a deck's id) fill the path; the rest go in the query.
    concrete = path.format(**params)
    query = {name: value for name, value in params.items() if f"{{{name}}}" not in path}
    key = ITEM_KEYS.get(path, "id")
    assert [item[key] for item in walk(client, concrete, headers, 2, **query)] == expected
    # A page as large as the list is the only page.
    assert [item[key] for item in walk(client, concrete, headers, 100, **query)] == expected


def cursor_of(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


BAD_CURSORS = [
    "not a cursor!",
    cursor_of("yesterday|42"),
    cursor_of("2026-01-01T00:00:00|b798649f-3b1b-4553-9d29-4644600a9057"),  # no time zone
    cursor_of("2026-01-01T00:00:00+00:00|not-a-uuid"),
    base64.urlsafe_b64encode(b"\xff\xfe|\x00").decode(),
]


@pytest.fixture(scope="module")
def teacher(client, settings) -> dict[str, str]:
    # An admin: evals are for teachers and admins, and the admin lists for admins.
    return register_admin(client, settings)


@pytest.fixture(scope="module")
def teacher_deck(client, teacher) -> str:
    deck = client.post("/api/v1/decks", json={"name": "cursor checks"}, headers=teacher)
    return str(deck.json()["id"])


@pytest.fixture(scope="module")
def teacher_class(client, teacher) -> str:
    made = client.post("/api/v1/classes", json={"name": "cursor checks"}, headers=teacher)
    return str(made.json()["id"])


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_a_bad_cursor_is_invalid_input(client, teacher, teacher_deck, teacher_class, path, cursor):
    concrete = path.format(deck_id=teacher_deck, class_id=teacher_class)
    response = client.get(concrete, params={"cursor": cursor}, headers=teacher)
    assert response.status_code == 422, response.text
    assert response.json() == {
        "error": {"code": "invalid_input", "message": "The cursor is not valid."}
    }


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("limit", [0, 101])
def test_limit_outside_1_to_100_is_invalid_input(
    client, teacher, teacher_deck, teacher_class, path, limit
):
    concrete = path.format(deck_id=teacher_deck, class_id=teacher_class)
    response = client.get(concrete, params={"limit": limit}, headers=teacher)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"


def test_every_list_in_the_openapi_schema_is_a_cursor_page(client):
    spec = client.app.openapi()

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def holds_a_list(body: dict[str, Any]) -> bool:
        fields = [resolve(s) for s in body.get("properties", {}).values()]
        return body.get("type") == "array" or any(f.get("type") == "array" for f in fields)

    paged = set()
    for path, operations in spec["paths"].items():
        if "get" not in operations:
            continue
        content = operations["get"]["responses"]["200"].get("content", {})
        body = resolve(content.get("application/json", {}).get("schema", {}))
        if body.get("title", "").startswith("Page["):
            parameters = {p["name"]: p for p in operations["get"].get("parameters", [])}
            assert {"limit", "cursor"} <= set(parameters) and "offset" not in parameters, path
            limit = parameters["limit"]["schema"]
            assert (limit["minimum"], limit["maximum"], limit["default"]) == (1, 100, 20), path
            assert set(body["properties"]) == {"items", "next_cursor"}, path
            assert body["properties"]["items"]["type"] == "array", path
            assert {"type": "null"} in body["properties"]["next_cursor"]["anyOf"], path
            assert set(body["required"]) == {"items", "next_cursor"}, path
            paged.add(path)
        elif path.startswith("/api/v1/") and not path.endswith("}") and holds_a_list(body):
            assert path in NOT_PAGED, f"GET {path} returns a list but not a Page"
    assert paged == set(LISTS)
