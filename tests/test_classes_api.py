"""Classes on the real stack: teachers create them and manage their join code, students join,
leave and are removed, and every read is scoped to the people in the class; a class's
leaderboard ranks its current students only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import register, set_role
from tests.test_leaderboards import add_xp
from tests.test_xp_awards import user_id

API = "/api/v1"


def teacher(client: TestClient, settings: Any) -> dict[str, str]:
    headers = register(client)
    set_role(settings, user_id(client, headers), "teacher")
    return headers


def new_class(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"name": "Biology 9B", "subject": "Biology", "timezone": "Europe/Paris", **fields}
    response = client.post(f"{API}/classes", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def join(client: TestClient, headers: dict[str, str], code: str) -> Any:
    return client.post(f"{API}/classes/join", json={"code": code}, headers=headers)


def test_a_class_is_made_joined_and_scoped_to_its_people(client, settings):
    owner, student, outsider = teacher(client, settings), register(client), register(client)
    refused = client.post(f"{API}/classes", json={"name": "Mine"}, headers=student)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_a_teacher"
    bad_zone = client.post(f"{API}/classes", json={"name": "X", "timezone": "Mars/Base"},
                           headers=owner)  # fmt: skip
    assert bad_zone.status_code == 422
    made = new_class(client, owner)
    assert made["standing"] == "owner" and len(made["join_code"]) == 8 and made["students"] == 0
    assert made["teachers"] == 1

    typed = made["join_code"].lower()[:4] + "-" + made["join_code"].lower()[4:]
    joined = join(client, student, typed)
    assert joined.status_code == 200, joined.text
    assert joined.json()["standing"] == "student" and joined.json()["join_code"] is None
    assert join(client, student, made["join_code"]).json()["students"] == 1  # twice is once

    path = f"{API}/classes/{made['id']}"
    assert client.get(path, headers=outsider).status_code == 404
    assert client.get(f"{API}/classes", headers=outsider).json()["items"] == []
    assert client.patch(path, json={"name": "Hacked"}, headers=student).status_code == 403
    assert client.get(f"{path}/people", headers=student).status_code == 403
    people = client.get(f"{path}/people", headers=owner).json()
    assert sorted(p["standing"] for p in people) == ["owner", "student"]
    assert all("email" not in p for p in people)
    listed = client.get(f"{API}/classes", headers=student).json()["items"]
    assert [c["id"] for c in listed] == [made["id"]]

    rotated = client.post(f"{path}/join-code", headers=owner).json()["join_code"]
    assert rotated != made["join_code"]
    stale = join(client, outsider, made["join_code"])
    assert stale.status_code == 404 and stale.json()["error"]["code"] == "join_code_invalid"
    assert client.delete(f"{path}/join-code", headers=owner).json()["join_code"] is None
    assert join(client, outsider, rotated).status_code == 404

    student_id = user_id(client, student)
    removed = client.delete(f"{path}/students/{student_id}", headers=owner)
    assert removed.status_code == 204
    assert client.get(path, headers=student).status_code == 404  # at once
    assert client.delete(f"{path}/students/{student_id}", headers=owner).status_code == 404


def test_leaving_co_teachers_and_archiving(client, settings):
    owner, helper, student = teacher(client, settings), teacher(client, settings), register(client)
    made = new_class(client, owner)
    path = f"{API}/classes/{made['id']}"
    assert join(client, student, made["join_code"]).status_code == 200
    assert client.post(f"{path}/leave", headers=student).status_code == 204
    assert client.get(path, headers=student).status_code == 404
    assert client.post(f"{path}/leave", headers=owner).status_code == 409

    email = client.get(f"{API}/me", headers=helper).json()["email"]
    added = client.post(f"{path}/teachers", json={"email": email}, headers=owner)
    assert added.status_code == 200
    assert "co_teacher" in {p["standing"] for p in added.json()}
    assert client.get(path, headers=helper).json()["join_code"] == made["join_code"]
    assert client.get(path, headers=owner).json()["teachers"] == 2
    student_email = client.get(f"{API}/me", headers=student).json()["email"]
    not_teacher = client.post(f"{path}/teachers", json={"email": student_email}, headers=owner)
    assert not_teacher.status_code == 404
    assert client.post(f"{path}/archive", headers=helper).status_code == 403

    archived = client.post(f"{path}/archive", headers=owner)
    assert archived.status_code == 200 and archived.json()["archived_at"]
    assert archived.json()["join_code"] is None
    assert client.patch(path, json={"name": "New"}, headers=owner).status_code == 409
    assert client.get(f"{API}/classes", headers=owner).json()["items"] == []
    with_archived = client.get(f"{API}/classes", params={"archived": True}, headers=owner)
    assert [c["id"] for c in with_archived.json()["items"]] == [made["id"]]


def test_a_class_board_ranks_its_current_students_only(client, settings):
    owner, first, second, outsider = (
        teacher(client, settings),
        register(client),
        register(client),
        register(client),
    )
    made = new_class(client, owner, timezone="Pacific/Auckland")
    now = datetime.now(UTC)
    for headers, amount in ((first, 30), (second, 20), (outsider, 1000)):
        add_xp(settings, user_id(client, headers), amount, now)
        if headers is not outsider:
            assert join(client, headers, made["join_code"]).status_code == 200

    def board(headers: dict[str, str]) -> Any:
        params = {"class_id": made["id"], "period": "week"}
        return client.get(f"{API}/leaderboards", params=params, headers=headers)

    seen = board(first).json()
    assert [e["xp"] for e in seen["top"]] == [30, 20] and seen["my_rank"] == 1
    assert seen["timezone"] == "Pacific/Auckland"
    assert board(outsider).status_code == 404
    assert [e["xp"] for e in board(owner).json()["top"]] == [30, 20]
    second_id = user_id(client, second)
    gone = client.delete(f"{API}/classes/{made['id']}/students/{second_id}", headers=owner)
    assert gone.status_code == 204
    assert [e["xp"] for e in board(first).json()["top"]] == [30]
