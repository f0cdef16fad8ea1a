"""The audit trail: written with each action, read by admins only, filtered and paged."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import ingest, register, register_admin

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def admin(client, settings) -> dict[str, str]:
    return register_admin(client, settings)


def events(client, admin, **filters) -> list[dict]:
    response = client.get("/api/v1/admin/audit", params={"limit": 100, **filters}, headers=admin)
    assert response.status_code == 200, response.text
    items: list[dict] = response.json()["items"]
    return items


def user_id(client, headers) -> str:
    return str(client.get("/api/v1/me", headers=headers).json()["id"])


def test_sign_ins_are_recorded_with_the_email_tried_and_never_the_password(client, admin):
    email = f"audited-{uuid.uuid4().hex}@example.com"
    client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    wrong = client.post("/api/v1/auth/login", json={"email": email, "password": "guess-1234"})
    assert wrong.status_code == 401
    token = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    me = user_id(client, {"Authorization": f"Bearer {token.json()['access_token']}"})

    failed = [e for e in events(client, admin, action="sign_in.failed") if e["email"] == email]
    assert len(failed) == 1
    assert failed[0]["actor_id"] is None and failed[0]["ip"] == "testclient"
    assert "guess-1234" not in str(failed[0]) and PASSWORD not in str(failed[0])
    signed_in = events(client, admin, action="sign_in", user_id=me)
    assert [e["actor_id"] for e in signed_in] == [me]


def test_password_change_sign_out_and_document_delete_are_recorded(client, admin):
    headers = register(client)
    me = user_id(client, headers)
    document = ingest(client, headers, "gone.txt", b"a note to delete")
    assert client.delete(f"/api/v1/documents/{document['id']}", headers=headers).status_code == 204
    changed = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "another long one"},
        headers=headers,
    )
    fresh = {"Authorization": f"Bearer {changed.json()['access_token']}"}
    assert client.post("/api/v1/me/sign-out-all", headers=fresh).status_code == 204

    trail = events(client, admin, user_id=me)
    assert [e["action"] for e in trail] == [
        "sessions.ended",
        "password.changed",
        "document.deleted",
        "sign_in",
        "user.registered",
    ]
    assert trail[2]["details"] == {"document_id": document["id"]}
    assert all(e["actor_id"] == me for e in trail)


def test_a_refused_action_leaves_no_event(client, admin):
    headers = register(client)
    me = user_id(client, headers)
    missing = uuid.uuid4()
    assert client.delete(f"/api/v1/documents/{missing}", headers=headers).status_code == 404
    wrong = client.post(
        "/api/v1/me/password",
        json={"current_password": "not the one", "new_password": "another long one"},
        headers=headers,
    )
    assert wrong.status_code == 403
    assert [e["action"] for e in events(client, admin, user_id=me)] == [
        "sign_in",
        "user.registered",
    ]


def test_invites_approvals_and_role_changes_are_recorded(client, admin):
    me = user_id(client, admin)
    created = client.post(
        "/api/v1/admin/teacher-invites", json={"max_uses": 3, "note": "maths"}, headers=admin
    ).json()
    made = events(client, admin, action="teacher_invite.created", user_id=me)
    assert made[0]["details"] == {"invite_id": created["id"], "max_uses": 3, "note": "maths"}
    assert created["code"] not in str(made)

    student = register(client)
    request = client.post("/api/v1/me/teacher-request", headers=student).json()
    client.post(f"/api/v1/admin/teacher-requests/{request['id']}/approve", headers=admin)
    about_student = events(client, admin, user_id=request["user_id"])
    assert [e["action"] for e in about_student][:3] == [
        "role.changed",
        "teacher.approved",
        "teacher.requested",
    ]
    assert about_student[0]["details"] == {"from": "student", "to": "teacher"}
    assert about_student[0]["actor_id"] == me


def test_the_trail_filters_by_time_range(client, admin):
    headers = register(client)
    me = user_id(client, headers)
    middle = datetime.now(UTC)
    time.sleep(0.05)
    client.post("/api/v1/me/sign-out-all", headers=headers)
    after = [e["action"] for e in events(client, admin, user_id=me, since=middle.isoformat())]
    before = [e["action"] for e in events(client, admin, user_id=me, until=middle.isoformat())]
    assert after == ["sessions.ended"]
    assert before == ["sign_in", "user.registered"]
    later = (middle + timedelta(hours=1)).isoformat()
    assert events(client, admin, user_id=me, since=later) == []


def test_only_admins_read_the_trail(client):
    for role in ["student", "teacher"]:
        response = client.get("/api/v1/admin/audit", headers=register(client, role=role))
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/admin/audit").status_code == 401
