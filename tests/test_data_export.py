"""Export my data: a worker job builds a zip with one JSON file per kind and the original files
byte for byte; progress on the events socket; the owner alone may read or download it; it
expires after a day."""

from __future__ import annotations

import io
import json
import time
import zipfile
from typing import Any

import psycopg
import pytest

from tests.conftest import next_event, register
from tests.full_account import API, FullAccount, full_account
from tests.test_assignments import publish, submit
from tests.test_classes_api import join, new_class, teacher
from tests.test_practice_attempts_api import saved_set
from tutor.resources import database_url

KINDS = {
    "account.json",
    "documents.json",
    "conversations.json",
    "practice.json",
    "flashcards.json",
    "tasks.json",
    "study_events.json",
    "focus_sessions.json",
    "gamification.json",
    "classes.json",
}


@pytest.fixture(scope="module")
def owner(client, settings) -> FullAccount:
    return full_account(client, settings)


def wait_ready(client, headers, export_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        export = client.get(f"{API}/me/exports/{export_id}", headers=headers).json()
        if export["status"] in ("ready", "failed"):
            return dict(export)
        time.sleep(0.2)
    raise AssertionError(f"export {export_id} not finished after {timeout}s: {export}")


@pytest.fixture(scope="module")
def export(client, owner) -> dict[str, Any]:
    started = client.post(f"{API}/me/export", headers=owner.headers)
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "queued"
    done = wait_ready(client, owner.headers, started.json()["id"])
    assert done["status"] == "ready", done
    return done


def download(client, headers, export_id: str):
    return client.get(f"{API}/me/exports/{export_id}/download", headers=headers)


def test_the_zip_holds_each_kind_and_the_original_file_byte_for_byte(client, owner, export):
    response = download(client, owner.headers, export["id"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    assert len(response.content) == export["size_bytes"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert KINDS <= names
    path = f"files/{owner.document_id}/{owner.filename}"
    assert archive.read(path) == owner.file

    data = {name: json.loads(archive.read(name)) for name in KINDS}
    account = data["account.json"]["account"]
    assert account["id"] == str(owner.user_id)
    assert "password_hash" not in account
    assert [d["file"] for d in data["documents.json"]] == [path]
    assert data["documents.json"][0]["overview"]["summary"]
    [conversation] = data["conversations.json"]
    said = [m["content"] for m in conversation["messages"]]
    assert said == ["What is ATP?", "The cell's energy."]
    [practice_set] = data["practice.json"]
    assert practice_set["items"][0]["attempts"][0]["answer"] == "mitochondria"
    [deck] = data["flashcards.json"]["decks"]
    assert deck["notes"][0]["cards"][0]["reps"] == 1
    assert len(data["flashcards.json"]["review_logs"]) == 1
    assert data["tasks.json"][0]["title"] == "Read ch. 2"
    assert "idempotency_key" not in data["tasks.json"][0]
    kinds = {e["kind"] for e in data["study_events.json"]["events"]}
    assert kinds == {"practice_answer", "review", "task_done"}
    assert len(data["focus_sessions.json"]) == 1
    game = data["gamification.json"]
    assert "review" in {x["rule"] for x in game["xp"]}
    assert game["profile"]["xp"] == sum(x["amount"] for x in game["xp"])


def test_progress_comes_on_the_events_socket(client, owner):
    ticket = client.post(f"{API}/ws-ticket", headers=owner.headers).json()["ticket"]
    with client.websocket_connect(f"{API}/events?ticket={ticket}") as ws:
        assert next_event(ws)["type"] == "subscribed"
        started = client.post(f"{API}/me/export", headers=owner.headers).json()
        seen: list[dict[str, Any]] = []
        while not seen or seen[-1]["type"] == "export.progress":
            event = next_event(ws)
            if event["type"].startswith("export."):
                seen.append(event)
    assert {e["data"]["export_id"] for e in seen} == {started["id"]}
    assert seen[-1]["type"] == "export.ready"
    steps = [e["data"]["done"] for e in seen[:-1]]
    assert steps == list(range(1, len(KINDS) + 2))  # the kinds, then the one file
    assert {e["data"]["total"] for e in seen[:-1]} == {len(KINDS) + 1}


def test_another_user_gets_404_for_the_export_and_its_zip(client, export):
    stranger = register(client)
    for path in (f"/me/exports/{export['id']}", f"/me/exports/{export['id']}/download"):
        response = client.get(f"{API}{path}", headers=stranger)
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "export_not_found"


def test_an_export_expires_after_a_day(client, settings, owner, export):
    with psycopg.connect(database_url(settings), autocommit=True) as conn:
        conn.execute(
            "UPDATE data_exports SET expires_at = now() - interval '1 second' WHERE id = %s",
            (export["id"],),
        )
    assert client.get(f"{API}/me/exports/{export['id']}", headers=owner.headers).status_code == 404
    assert download(client, owner.headers, export["id"]).status_code == 404
    # The next export request purges it, zip included.
    fresh = client.post(f"{API}/me/export", headers=owner.headers)
    assert fresh.status_code in (200, 202)
    wait_ready(client, owner.headers, fresh.json()["id"])
    with psycopg.connect(database_url(settings), autocommit=True) as conn:
        parts = conn.execute(
            "SELECT count(*) FROM data_export_parts WHERE export_id = %s", (export["id"],)
        ).fetchone()
    assert parts == (0,)


def test_a_students_classes_and_submissions_are_in_their_export(client, settings):
    teacher_headers = teacher(client, settings)
    student = register(client)
    made = new_class(client, teacher_headers, name="Export class")
    assert join(client, student, made["join_code"]).status_code == 200
    practice_set = saved_set(client, settings, teacher_headers)
    published = publish(client, teacher_headers, made["id"], set_id=practice_set["id"]).json()
    seen = client.get(f"{API}/assignments/{published['id']}", headers=student).json()
    first = seen["questions"][0]
    submitted = submit(client, student, published["id"], [{"item_id": first["id"], "answer": 2}])
    assert submitted.status_code == 200, submitted.text

    started = client.post(f"{API}/me/export", headers=student).json()
    assert wait_ready(client, student, started["id"])["status"] == "ready"
    archive = zipfile.ZipFile(io.BytesIO(download(client, student, started["id"]).content))
    classes = json.loads(archive.read("classes.json"))
    assert [c["name"] for c in classes["attending"]] == ["Export class"]
    assert classes["teaching"] == []
    [submission] = classes["submissions"]
    assert submission["assignment"] == "Week 1 quiz" and submission["attempt"] == 1
    answered = submission["answers"][0]
    assert (answered["question"], answered["answer"], answered["verdict"]) == (
        first["question"], "chloroplast", "correct",
    )  # fmt: skip
    assert all("graded_by" not in a for a in submission["answers"])
