"""A teacher's practice set, end to end on the real stack with the scripted model: a class, its
shared materials, a set generated in the background by the real arq worker (questions stream on
the events socket as they pass), edited (a check fires), published, submitted by two students
(one answer uncertain), settled in the review queue, overridden, and read back as gradebook CSV
and Moodle GIFT; then a flagged question rewritten from its passage, and a cancelled generation.
"""

from __future__ import annotations

import csv
import io
import time
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests import gift_reader
from tests.browser.scripted_replies import practice_reply
from tests.conftest import ingest, next_event
from tests.scripted_chat import ScriptedChatModel
from tests.study_worker import scripted_study_worker
from tests.test_assignments import named, publish, submit
from tests.test_class_materials import share
from tests.test_classes_api import join, new_class, teacher
from tests.test_practice_attempts_api import HALF_RIGHT, KEY
from tests.test_tutor_ws import PIGMENTS

API = "/api/v1"


def generations_until_done(ws: Any) -> list[dict[str, Any]]:
    """The generation events up to `practice.generation.done`."""
    seen: list[dict[str, Any]] = []
    while not seen or seen[-1]["type"] != "practice.generation.done":
        event = next_event(ws)
        if event["type"].startswith("practice.generation."):
            seen.append(event)
    return seen


def wait_generation(client: TestClient, headers: dict[str, str], job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    job: dict[str, Any] = {}
    while time.monotonic() < deadline:
        job = client.get(f"{API}/practice-generations/{job_id}", headers=headers).json()
        if job["status"] in ("done", "failed", "cancelled"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"generation {job_id} did not finish: {job}")


@pytest.fixture
def classroom(client: TestClient, settings: Any) -> dict[str, Any]:
    """A teacher's class with the pigments notes shared, and two students in it (the notes are
    ingested first: the session's worker is paused while the scripted one runs)."""
    owner = teacher(client, settings)
    notes = ingest(client, owner, "pigments.md", PIGMENTS)
    private = ingest(client, owner, "private.md", b"# Mine\n\nNot shared with anyone at all.\n")
    assert notes["status"] == private["status"] == "ready"
    made = new_class(client, owner, name="Biology 9B")
    ada, bo = named(client, "Ada"), named(client, "Bo")
    for student in (ada, bo):
        assert join(client, student, made["join_code"]).status_code == 200
    assert share(client, owner, made["id"], notes["id"]).status_code == 200
    return {"owner": owner, "class": made, "notes": notes, "private": private, "ada": ada, "bo": bo}


@pytest.fixture
def generating(
    client: TestClient, settings: Any, embedder: Any, worker: Any, chat: ScriptedChatModel,
    classroom: dict[str, Any],
) -> Any:  # fmt: skip
    del classroom
    chat.default = practice_reply  # drafts a question from its anchor, verifies by its source
    with scripted_study_worker(settings, embedder, chat, worker):
        yield client


def test_generate_edit_publish_submit_grade_and_export(generating, classroom, chat):
    client, owner, made = generating, classroom["owner"], classroom["class"]
    ada, bo, notes = classroom["ada"], classroom["bo"], classroom["notes"]
    start = f"{API}/classes/{made['id']}/practice-generations"
    body = {"document_ids": [notes["id"]], "count": 2, "title": "Pigments quiz"}

    # Only the class's teachers generate, only from its materials.
    assert client.post(start, json=body, headers=ada).status_code == 403
    private = classroom["private"]
    unshared = client.post(start, json={**body, "document_ids": [private["id"]]}, headers=owner)
    assert unshared.status_code == 404 and unshared.json()["error"]["code"] == "material_not_found"

    key = {**owner, "Idempotency-Key": f"k-{uuid.uuid4()}"}
    with client.websocket_connect(f"{API}/events", headers=owner) as ws:
        assert next_event(ws)["type"] == "subscribed"
        started = client.post(start, json=body, headers=key)
        assert started.status_code == 202, started.text
        events = generations_until_done(ws)
    job = started.json()
    calls = len(chat.calls)
    again = client.post(start, json=body, headers=key)
    assert again.json()["id"] == job["id"] and len(chat.calls) == calls  # ran once

    # Each question went out as it passed, then the end; the set holds them in that order.
    streamed = [e["data"]["question"] for e in events if e["data"].get("question")]
    assert len(streamed) == 2 and events[-1]["data"]["status"] == "done"
    assert events[-1]["data"]["kept"] == 2
    practice_set = client.get(f"{API}/practice-sets/{job['set_id']}", headers=owner).json()
    assert practice_set["topic"] == "Pigments quiz" and practice_set["question_count"] == 2
    assert practice_set["generation"]["status"] == "done"
    questions = practice_set["questions"]
    assert [q["id"] for q in questions] == [q["id"] for q in streamed]
    for question in questions:
        assert question["document_id"] == notes["id"] and question["problems"] == []
        assert question["answer"].lower() in PIGMENTS.decode().lower()

    # Edit: a check fires (an option repeating the key), then a sound edit is kept.
    first = questions[0]
    item_path = f"{API}/practice-sets/{practice_set['id']}/items/{first['id']}"
    repeated = [first["answer"], first["answer"].upper(), *first["options"][2:]]
    fields = {"question": first["question"], "answer": first["answer"]}
    refused = client.put(item_path, json={**fields, "options": repeated}, headers=owner)
    assert refused.status_code == 422
    assert refused.json()["error"]["problems"][0]["code"] == "duplicate_options"
    reworded = client.put(
        item_path, json={**fields, "question": "Which pigment is named here?",
                         "options": first["options"]}, headers=owner,
    )  # fmt: skip
    assert reworded.status_code == 200 and reworded.json()["problems"] == []
    short = {"id": str(uuid.uuid4()), "kind": "short_answer", "answer": KEY,
             "question": "What makes ATP and NADPH in a leaf?"}  # fmt: skip
    added = client.post(
        f"{API}/practice-sets/{practice_set['id']}/items", json=short, headers=owner
    )
    assert added.status_code == 201

    # Publish; two students submit, Bo's short answer is one the grader is unsure of.
    published = publish(client, owner, made["id"], set_id=practice_set["id"], title="Pigments")
    assert published.status_code == 201, published.text
    assignment = published.json()
    seen = client.get(f"{API}/assignments/{assignment['id']}", headers=ada).json()
    mc1, mc2, written = seen["questions"]
    right = [questions[0]["options"].index(first["answer"]),
             questions[1]["options"].index(questions[1]["answer"])]  # fmt: skip
    ada_answers = [{"item_id": mc1["id"], "answer": right[0]},
                   {"item_id": mc2["id"], "answer": right[1]},
                   {"item_id": written["id"], "answer": KEY}]  # fmt: skip
    assert submit(client, ada, assignment["id"], ada_answers).json()["score"] == 1
    bo_answers = [{"item_id": mc1["id"], "answer": (right[0] + 1) % 4},
                  {"item_id": mc2["id"], "answer": right[1]},
                  {"item_id": written["id"], "answer": HALF_RIGHT}]  # fmt: skip
    bo_result = submit(client, bo, assignment["id"], bo_answers).json()
    assert [a["verdict"] for a in bo_result["answers"]] == ["incorrect", "correct", "uncertain"]

    # The review queue settles Bo's answer; an override marks Ada's first answer wrong.
    [waiting] = client.get(f"{API}/classes/{made['id']}/review-queue", headers=owner).json()
    path = f"{API}/assignments/{assignment['id']}/submissions"
    grade = f"{path}/{waiting['submission_id']}/answers/{waiting['item_id']}/grade"
    assert client.put(grade, json={"correct": True}, headers=owner).status_code == 204
    [ada_submission] = client.get(path, headers=ada).json()
    override = f"{path}/{ada_submission['id']}/answers/{mc1['id']}/grade"
    assert client.put(override, json={"correct": False}, headers=owner).status_code == 204

    # Gradebook CSV and the set as GIFT parse back.
    exported = client.get(f"{API}/classes/{made['id']}/gradebook.csv", headers=owner)
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0] == ["student", "Pigments", "average", "missing", "struggling"]
    assert sorted(rows[1:]) == [["Ada", "67", "67", "0", ""], ["Bo", "67", "67", "0", ""]]
    gift = client.get(f"{API}/practice-sets/{practice_set['id']}/export.gift", headers=owner)
    read = gift_reader.read(gift.text)
    assert [q.text for q in read] == ["Which pigment is named here?", questions[1]["question"],
                                      short["question"]]  # fmt: skip
    assert [q.right for q in read] == [[first["answer"]], [questions[1]["answer"]], [KEY]]

    # Rewrite the first question from its passage, from the assignment's item analysis: the
    # replacement takes its place in the set; the assignment stays as the students saw it.
    rewrite = f"{API}/assignments/{assignment['id']}/items/{mc1['id']}/rewrite"
    assert client.post(rewrite, headers=ada).status_code == 403
    rewriting = client.post(rewrite, headers=owner)
    assert rewriting.status_code == 202, rewriting.text
    assert rewriting.json()["set_id"] == practice_set["id"] and rewriting.json()["rewrite"]
    done = wait_generation(client, owner, rewriting.json()["id"])
    assert (done["status"], done["kept"]) == ("done", 1)
    after = client.get(f"{API}/practice-sets/{practice_set['id']}", headers=owner).json()
    ids = [q["id"] for q in after["questions"]]
    assert len(ids) == 3 and first["id"] not in ids and ids[1:] == [questions[1]["id"], short["id"]]
    assert after["questions"][0]["chunk_id"] == first["chunk_id"]
    assert client.get(f"{API}/assignments/{assignment['id']}", headers=ada).json()[
        "questions"][0]["question"] == "Which pigment is named here?"  # fmt: skip
    # A question written by hand has no passage to rewrite from.
    by_hand = f"{API}/practice-sets/{practice_set['id']}/items/{short['id']}/rewrite"
    assert client.post(by_hand, headers=owner).json()["error"]["code"] == "nothing_to_rewrite"


def test_a_cancelled_generation_keeps_what_it_stored(generating, classroom, chat):
    client, owner, made = generating, classroom["owner"], classroom["class"]
    chat.delay_s = 0.2  # slow enough to cancel between questions
    body = {"document_ids": [classroom["notes"]["id"]], "count": 3}
    with client.websocket_connect(f"{API}/events", headers=owner) as ws:
        assert next_event(ws)["type"] == "subscribed"
        job = client.post(
            f"{API}/classes/{made['id']}/practice-generations", json=body, headers=owner
        ).json()
        while next_event(ws)["type"] != "practice.generation.progress":
            pass
        cancelled = client.post(f"{API}/practice-generations/{job['id']}/cancel", headers=owner)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.post(f"{API}/practice-generations/{job['id']}/cancel",
                       headers=classroom["ada"]).status_code == 404  # fmt: skip
    time.sleep(1.5)  # the question being written when it was cancelled is not stored
    final = wait_generation(client, owner, job["id"])
    kept = client.get(f"{API}/practice-sets/{job['set_id']}", headers=owner).json()
    assert final["status"] == "cancelled" and final["kept"] == kept["question_count"] < 3
