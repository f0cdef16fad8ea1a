"""A signed token is only as good as its account: gone, re-roled, or signed out everywhere."""

from __future__ import annotations

import psycopg
import pytest
from starlette.websockets import WebSocketDisconnect

from tests.conftest import register, set_role, upload
from tutor.resources import database_url

PASSWORD = "correct horse battery"  # what `register` signs up with


def me(client, headers):
    return client.get("/api/v1/me", headers=headers)


def delete_account(settings, user_id: str) -> None:
    with psycopg.connect(database_url(settings), autocommit=True) as conn:
        conn.execute("DELETE FROM users WHERE id = %s", (user_id,))


def test_the_token_of_a_deleted_account_is_refused(client, settings):
    headers = register(client)
    delete_account(settings, me(client, headers).json()["id"])

    assert me(client, headers).status_code == 401
    assert me(client, headers).json()["error"]["code"] == "invalid_token"
    # Before the check, an upload by the gone user hit a foreign-key violation: a 500.
    response = upload(client, headers, "orphan.txt", b"nobody owns this")
    assert response.status_code == 401, response.text
    assert client.get("/api/v1/search", params={"q": "x"}, headers=headers).status_code == 401
    assert client.post("/api/v1/ws-ticket", headers=headers).status_code == 401


def test_the_role_is_read_from_the_database_not_the_token(client, settings):
    headers = register(client, role="teacher")
    assert client.get("/api/v1/evals/runs", headers=headers).status_code == 200

    set_role(settings, me(client, headers).json()["id"], "student")
    refused = client.get("/api/v1/evals/runs", headers=headers)
    assert refused.status_code == 403, "a demoted teacher's old token must not keep the role"
    assert me(client, headers).json()["role"] == "student"


def test_the_websocket_refuses_a_ticket_of_a_deleted_account(client, settings):
    headers = register(client)
    ticket = client.post("/api/v1/ws-ticket", headers=headers).json()["ticket"]
    delete_account(settings, me(client, headers).json()["id"])
    with client.websocket_connect(f"/api/v1/events?ticket={ticket}") as ws:
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4401


def sign_in(client, email: str, password: str = PASSWORD):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def bearer(response) -> dict[str, str]:
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_sign_out_everywhere_ends_every_session(client):
    headers = register(client)
    email = me(client, headers).json()["email"]
    other_device = bearer(sign_in(client, email))

    assert client.post("/api/v1/me/sign-out-all", headers=headers).status_code == 204
    assert me(client, headers).status_code == 401
    assert me(client, other_device).status_code == 401
    assert me(client, bearer(sign_in(client, email))).status_code == 200


def test_changing_the_password_ends_other_sessions_and_returns_a_fresh_token(client):
    headers = register(client)
    email = me(client, headers).json()["email"]
    other_device = bearer(sign_in(client, email))

    wrong = client.post(
        "/api/v1/me/password",
        json={"current_password": "not it at all", "new_password": "a brand new one"},
        headers=headers,
    )
    # Not 401: the page would read that as "signed out".
    assert wrong.status_code == 403
    assert wrong.json()["error"]["code"] == "wrong_password"
    assert me(client, other_device).status_code == 200

    changed = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "a brand new one"},
        headers=headers,
    )
    fresh = bearer(changed)
    assert me(client, fresh).status_code == 200
    assert me(client, headers).status_code == 401
    assert me(client, other_device).status_code == 401
    assert sign_in(client, email).status_code == 401
    assert sign_in(client, email, "a brand new one").status_code == 200


def test_a_new_password_is_at_least_8_characters(client):
    headers = register(client)
    response = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "short"},
        headers=headers,
    )
    assert response.status_code == 422
    assert me(client, headers).status_code == 200
