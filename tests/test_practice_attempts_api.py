"""Answering a saved practice set over HTTP: grading, retries, the score, the learning record,
settling an uncertain answer, and another user's ids."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from psycopg import AsyncConnection

from tests.conftest import register
from tutor.chat import practice
from tutor.chat.practice import PracticeItem
from tutor.resources import database_url
from tutor.settings import Settings

T = TypeVar("T")
KEY = "the light reactions of photosynthesis"
# Similarity to KEY with the bundled MiniLM: 0.815, 0.442 and 0.088.
RIGHT_IN_PART = "photosynthesis"
HALF_RIGHT = "chlorophyll"
UNRELATED = "Napoleon Bonaparte"
OPTIONS = ["mitochondria", "ribosome", "chloroplast", "nucleus"]


def committed(settings: Settings, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    """Run `work` in one transaction of its own and commit it."""

    async def run() -> T:
        async with await AsyncConnection.connect(database_url(settings)) as conn:
            return await work(conn)

    return asyncio.run(run())


def item(kind: str, question: str, answer: str, options: list[str] | None = None) -> PracticeItem:
    document_id = uuid.uuid4()  # not a real document: the attempt copies whatever the item has
    return PracticeItem(
        kind, question, options or [], answer, f"Because: {answer}.", None, document_id,
        "notes.md", None, None, f"The notes say {answer}.",
    )  # fmt: skip


SET_HEADER = {
    "message_id": None,
    "topic": "plant cells",
    "requested": 3,
    "dropped": 0,
    "prompt_name": "practice",
    "prompt_version": 1,
    "model_id": "scripted",
}


def set_items() -> list[PracticeItem]:
    """One multiple-choice and two short-answer questions (fresh ids each time)."""
    return [
        item("multiple_choice", "Where does photosynthesis happen?", "chloroplast", OPTIONS),
        item("short_answer", "What makes ATP and NADPH in a leaf?", KEY),
        item("short_answer", "How many chloroplasts per cell, roughly?", "twenty-one"),
    ]


def saved_set(client: TestClient, settings: Settings, headers: dict[str, str]) -> dict[str, Any]:
    """A practice set of `set_items()`, read back."""
    owner = UUID(client.get("/api/v1/me", headers=headers).json()["id"])

    async def save(conn: AsyncConnection) -> UUID:
        return await practice.save_set(conn, owner, SET_HEADER, set_items())

    set_id = committed(settings, save)
    response = client.get(f"/api/v1/practice-sets/{set_id}", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def answer(client: TestClient, headers: dict[str, str], set_id: str, body: dict[str, Any]) -> Any:
    body = {"attempt_id": str(uuid.uuid4()), **body}
    return client.post(f"/api/v1/practice-sets/{set_id}/attempts", json=body, headers=headers)


def events(settings: Settings, attempt_id: str) -> list[tuple[Any, ...]]:
    """The practice_answer events recorded for an attempt."""

    async def work(conn: AsyncConnection) -> list[tuple[Any, ...]]:
        cur = await conn.execute(
            "SELECT document_id, detail FROM study_events"
            " WHERE kind = 'practice_answer' AND source_key = %s",
            (attempt_id,),
        )
        return await cur.fetchall()

    return committed(settings, work)


@pytest.fixture
def student(client: TestClient) -> dict[str, str]:
    return register(client)


def test_a_multiple_choice_answer_is_graded_and_recorded(client, settings, student):
    practice_set = saved_set(client, settings, student)
    question = practice_set["questions"][0]
    response = answer(client, student, practice_set["id"], {"item_id": question["id"], "answer": 2})
    assert response.status_code == 201, response.text
    attempt = response.json()
    assert attempt["verdict"] == "correct" and attempt["correct"] is True
    assert attempt["answer"] == "chloroplast" and attempt["first_try"] is True
    assert attempt["key"] == "chloroplast" and attempt["explanation"] == "Because: chloroplast."
    assert attempt["document_id"] == question["document_id"]
    [(document_id, detail)] = events(settings, attempt["id"])
    assert str(document_id) == question["document_id"]
    assert detail == {"correct": True, "first_try": True, "set_id": practice_set["id"]}

    # By the option's text, a second try at the same question.
    again = answer(client, student, practice_set["id"], {"ordinal": 0, "answer": "nucleus"})
    assert again.status_code == 201, again.text
    assert again.json()["verdict"] == "incorrect" and again.json()["correct"] is False
    assert again.json()["first_try"] is False


def test_short_answers_match_by_words_then_by_meaning(client, settings, student):
    practice_set = saved_set(client, settings, student)
    set_id = practice_set["id"]
    cases = [
        (1, "The Light-Reactions of PHOTOSYNTHESIS!", "correct", False),
        (1, RIGHT_IN_PART, "correct", False),  # enough of the key's words
        (1, UNRELATED, "incorrect", True),
        (2, "21", "correct", False),
    ]
    for ordinal, text, verdict, compared in cases:
        response = answer(client, student, set_id, {"ordinal": ordinal, "answer": text})
        assert response.status_code == 201, response.text
        attempt = response.json()
        assert attempt["verdict"] == verdict, (text, attempt)
        assert (attempt["similarity"] is not None) == compared, (text, attempt)


def test_a_retried_submit_changes_nothing(client, settings, student):
    practice_set = saved_set(client, settings, student)
    set_id, attempt_id = practice_set["id"], str(uuid.uuid4())
    body = {"attempt_id": attempt_id, "ordinal": 0, "answer": "chloroplast"}
    first = client.post(f"/api/v1/practice-sets/{set_id}/attempts", json=body, headers=student)
    retry = {**body, "answer": "nucleus"}  # a different body under the same id changes nothing
    second = client.post(f"/api/v1/practice-sets/{set_id}/attempts", json=retry, headers=student)
    assert first.status_code == second.status_code == 201, second.text
    assert second.json() == first.json()
    assert len(events(settings, attempt_id)) == 1
    listed = client.get(f"/api/v1/practice-sets/{set_id}/attempts", headers=student).json()
    assert [a["id"] for a in listed["items"]] == [attempt_id]

    # The same id for another question is a conflict, not a silent replay.
    other = {**body, "ordinal": 1}
    reused = client.post(f"/api/v1/practice-sets/{set_id}/attempts", json=other, headers=student)
    assert reused.status_code == 409
    assert reused.json()["error"]["code"] == "attempt_id_reused"


def test_the_score_counts_the_latest_answer_per_question(client, settings, student):
    practice_set = saved_set(client, settings, student)
    set_id = practice_set["id"]
    empty = client.get(f"/api/v1/practice-sets/{set_id}/attempts", headers=student).json()
    assert empty == {
        "items": [],
        "score": {"questions": 3, "answered": 0, "correct": 0, "uncertain": 0, "share": None},
    }
    answer(client, student, set_id, {"ordinal": 0, "answer": "nucleus"})
    latest_first = answer(client, student, set_id, {"ordinal": 0, "answer": "chloroplast"}).json()
    wrong = answer(client, student, set_id, {"ordinal": 1, "answer": UNRELATED}).json()
    listed = client.get(f"/api/v1/practice-sets/{set_id}/attempts", headers=student).json()
    assert [a["id"] for a in listed["items"]] == [latest_first["id"], wrong["id"]]
    assert listed["score"] == {
        "questions": 3,
        "answered": 2,
        "correct": 1,
        "uncertain": 0,
        "share": 0.5,
    }


def test_the_student_settles_an_uncertain_answer(client, settings, student):
    practice_set = saved_set(client, settings, student)
    set_id = practice_set["id"]
    attempt = answer(client, student, set_id, {"ordinal": 1, "answer": HALF_RIGHT}).json()
    assert attempt["verdict"] == "uncertain" and attempt["correct"] is None, attempt
    [(_, detail)] = events(settings, attempt["id"])
    assert detail["correct"] is None
    listed = client.get(f"/api/v1/practice-sets/{set_id}/attempts", headers=student).json()
    assert listed["score"]["uncertain"] == 1 and listed["score"]["correct"] == 0

    resolve = f"/api/v1/practice-sets/{set_id}/attempts/{attempt['id']}/resolve"
    settled = client.post(resolve, json={"correct": True}, headers=student)
    assert settled.status_code == 200, settled.text
    assert settled.json()["verdict"] == "uncertain" and settled.json()["correct"] is True
    [(_, detail)] = events(settings, attempt["id"])
    assert detail == {"correct": True, "first_try": True, "set_id": set_id}
    listed = client.get(f"/api/v1/practice-sets/{set_id}/attempts", headers=student).json()
    assert listed["score"]["correct"] == 1 and listed["score"]["uncertain"] == 0

    # A decided answer is not the student's to overrule.
    decided = answer(client, student, set_id, {"ordinal": 0, "answer": "nucleus"}).json()
    path = f"/api/v1/practice-sets/{set_id}/attempts/{decided['id']}/resolve"
    overrule = client.post(path, json={"correct": True}, headers=student)
    assert overrule.status_code == 409
    assert overrule.json()["error"]["code"] == "attempt_not_uncertain"


@pytest.mark.parametrize(
    "body",
    [
        {"ordinal": 0, "item_id": str(uuid.uuid4()), "answer": "x"},  # both
        {"answer": "x"},  # neither
        {"ordinal": 1, "answer": "   "},
        {"ordinal": 1, "answer": "x" * 2001},
        {"ordinal": -1, "answer": "x"},
    ],
)
def test_malformed_answers_are_invalid_input(client, settings, student, body):
    practice_set = saved_set(client, settings, student)
    response = answer(client, student, practice_set["id"], body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_input"


@pytest.mark.parametrize("given", [4, "a nucleus, probably"])
def test_a_choice_that_is_not_an_option_is_invalid_input(client, settings, student, given):
    practice_set = saved_set(client, settings, student)
    response = answer(client, student, practice_set["id"], {"ordinal": 0, "answer": given})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_input"
    listed = client.get(f"/api/v1/practice-sets/{practice_set['id']}/attempts", headers=student)
    assert listed.json()["items"] == []


def test_another_users_set_item_and_attempt_are_not_found(client, settings, student):
    mine = saved_set(client, settings, student)
    mine_id = mine["id"]
    attempt = answer(client, student, mine_id, {"ordinal": 1, "answer": HALF_RIGHT}).json()
    other = register(client)
    theirs = saved_set(client, settings, other)

    assert answer(client, other, mine_id, {"ordinal": 0, "answer": 1}).status_code == 404
    assert client.get(f"/api/v1/practice-sets/{mine_id}/attempts", headers=other).status_code == 404
    resolve = f"/api/v1/practice-sets/{mine_id}/attempts/{attempt['id']}/resolve"
    assert client.post(resolve, json={"correct": True}, headers=other).status_code == 404
    own_set = f"/api/v1/practice-sets/{theirs['id']}/attempts/{attempt['id']}/resolve"
    assert client.post(own_set, json={"correct": True}, headers=other).status_code == 404
    # My question inside their set, and my attempt id reused in their set.
    item_id = mine["questions"][0]["id"]
    foreign_item = answer(client, other, theirs["id"], {"item_id": item_id, "answer": 1})
    assert foreign_item.status_code == 404
    assert foreign_item.json()["error"]["code"] == "practice_item_not_found"
    body = {"attempt_id": attempt["id"], "ordinal": 0, "answer": 1}
    reused = client.post(f"/api/v1/practice-sets/{theirs['id']}/attempts", json=body, headers=other)
    assert reused.status_code == 404
    # Nothing of theirs leaked into my list, and mine is untouched.
    listed = client.get(f"/api/v1/practice-sets/{mine_id}/attempts", headers=student).json()
    assert [a["id"] for a in listed["items"]] == [attempt["id"]]
    assert listed["items"][0]["correct"] is None
    unknown = client.get(f"/api/v1/practice-sets/{uuid.uuid4()}/attempts", headers=student)
    assert unknown.status_code == 404
