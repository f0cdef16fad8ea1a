"""Teacher sign-up is closed by default: an admin's invite code or approval opens it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.conftest import register, register_admin
from tutor.resources import database_url
from tutor.runtime.services import service_env

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def closed(settings, embedder) -> Iterator[TestClient]:
    """The API as installed: teacher sign-up closed (the session's test settings open it)."""
    app = create_app(settings.model_copy(update={"open_teacher_signup": False}), embedder=embedder)
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def admin(closed, settings) -> dict[str, str]:
    return register_admin(closed, settings)


def sign_up(client: TestClient, role: str = "teacher", invite: str | None = None):
    email = f"t-{uuid.uuid4().hex}@example.com"
    body = {"email": email, "password": PASSWORD, "role": role}
    if invite is not None:
        body["teacher_invite"] = invite
    return email, client.post("/api/v1/auth/register", json=body)


def headers_of(client: TestClient, email: str) -> dict[str, str]:
    login = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def invite(client: TestClient, admin: dict[str, str], **body: int) -> dict:
    response = client.post("/api/v1/admin/teacher-invites", json=body, headers=admin)
    assert response.status_code == 201, response.text
    created: dict = response.json()
    return created


def test_a_teacher_cannot_sign_up_without_an_invite(closed):
    email, response = sign_up(closed)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "teacher_signup_closed"
    # Nothing was created: the email is still free.
    login = closed.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 401
    assert sign_up(closed, role="student")[1].status_code == 201


def test_an_invite_opens_teacher_sign_up_as_many_times_as_it_allows(closed, admin):
    code = invite(closed, admin, max_uses=2)["code"]
    for _ in range(2):
        email, response = sign_up(closed, invite=code)
        assert response.status_code == 201, response.text
        assert response.json()["role"] == "teacher"
        me = closed.get("/api/v1/me", headers=headers_of(closed, email)).json()
        assert me["role"] == "teacher"
    _, used_up = sign_up(closed, invite=code)
    assert used_up.status_code == 403
    assert used_up.json()["error"]["code"] == "invalid_invite"


def test_an_expired_or_made_up_invite_is_refused(closed, admin, settings):
    created = invite(closed, admin)
    with psycopg.connect(database_url(settings), autocommit=True) as conn:
        conn.execute(
            "UPDATE teacher_invites SET expires_at = now() - interval '1 second' WHERE id = %s",
            (created["id"],),
        )
    for code in [created["code"], "made-up-code"]:
        _, response = sign_up(closed, invite=code)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "invalid_invite"


def test_only_admins_create_invites_and_see_requests(closed, admin):
    email, _ = sign_up(closed, invite=invite(closed, admin)["code"])
    for headers in [register(closed), headers_of(closed, email)]:
        denied = closed.post("/api/v1/admin/teacher-invites", json={}, headers=headers)
        assert denied.status_code == 403
        assert denied.json()["error"]["code"] == "forbidden"
        assert closed.get("/api/v1/admin/teacher-requests", headers=headers).status_code == 403
        assert closed.get("/api/v1/admin/audit", headers=headers).status_code == 403


def test_an_admin_approves_a_students_request_to_teach(closed, admin):
    email, response = sign_up(closed, role="student")
    student = headers_of(closed, email)
    asked = closed.post("/api/v1/me/teacher-request", headers=student)
    assert asked.status_code == 202, asked.text
    assert asked.json()["status"] == "pending"
    again = closed.post("/api/v1/me/teacher-request", headers=student)
    assert again.json()["id"] == asked.json()["id"]

    pending = closed.get("/api/v1/admin/teacher-requests", params={"limit": 100}, headers=admin)
    mine = [r for r in pending.json()["items"] if r["email"] == email]
    assert [r["id"] for r in mine] == [asked.json()["id"]]

    approved = closed.post(
        f"/api/v1/admin/teacher-requests/{asked.json()['id']}/approve", headers=admin
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["role"] == "teacher"
    # The student's own token now acts as a teacher's: roles are read on each request.
    assert closed.get("/api/v1/me", headers=student).json()["role"] == "teacher"
    assert closed.get("/api/v1/evals/runs", headers=student).status_code == 200
    pending = closed.get("/api/v1/admin/teacher-requests", params={"limit": 100}, headers=admin)
    assert email not in [r["email"] for r in pending.json()["items"]]
    twice = closed.post(
        f"/api/v1/admin/teacher-requests/{asked.json()['id']}/approve", headers=admin
    )
    assert twice.status_code == 404


def test_open_teacher_signup_needs_no_invite(client):
    _, response = sign_up(client)  # the session's app opens it
    assert response.status_code == 201
    assert response.json()["role"] == "teacher"


def test_the_cli_creates_an_invite(closed, settings):
    command = [sys.executable, "-m", "tutor.cli", "user", "invite-teacher", "--days", "2"]
    env = {**os.environ, **service_env(settings)}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    code = done.stdout.split("teacher invite code: ", 1)[1].split()[0]
    _, response = sign_up(closed, invite=code)
    assert response.status_code == 201, response.text
    assert response.json()["role"] == "teacher"
    _, again = sign_up(closed, invite=code)
    assert again.status_code == 403, "one use by default"
