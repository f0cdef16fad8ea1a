"""Deleting one's own account: the preview, the password asked again, every row of the user gone
in one transaction (checked over every table with a user_id or owner_id column, so tables added
later are checked too), the audit trail kept with an `account.deleted` event, the old token
refused, and another user's data untouched."""

from __future__ import annotations

import pytest

from tests.conftest import register_admin
from tests.full_account import API, PASSWORD, FullAccount, full_account, rows_of


@pytest.fixture(scope="module")
def pair(client, settings) -> tuple[FullAccount, FullAccount]:
    return full_account(client, settings), full_account(client, settings)


def delete_me(client, headers, password: str = PASSWORD):
    return client.request("DELETE", f"{API}/me", json={"password": password}, headers=headers)


def test_the_preview_counts_what_would_go(client, pair):
    doomed, _ = pair
    response = client.get(f"{API}/me/deletion-preview", headers=doomed.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "documents": 1,
        "document_bytes": len(doomed.file),
        "conversations": 1,
        "messages": 2,
        "practice_sets": 1,
        "practice_attempts": 1,
        "decks": 1,
        "notes": 1,
        "cards": 1,
        "reviews": 1,
        "tasks": 1,
        "study_events": 3,  # the answer, the review, the finished task (the focus: 0 s)
        "focus_sessions": 1,
    }


def test_a_wrong_password_deletes_nothing(client, settings, pair):
    doomed, _ = pair
    before = rows_of(settings, doomed.user_id)
    refused = delete_me(client, doomed.headers, "not the password")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "wrong_password"
    assert rows_of(settings, doomed.user_id) == before
    assert client.get(f"{API}/me", headers=doomed.headers).status_code == 200


def test_everything_of_the_user_goes_and_nothing_of_anyone_else(client, settings, pair):
    doomed, bystander = pair
    before = rows_of(settings, doomed.user_id)
    # The sweep must see the data it later finds gone, or it proves nothing.
    seen = (
        "documents.owner_id", "chunks.owner_id", "postings.owner_id", "term_stats.owner_id",
        "messages.owner_id", "review_logs.user_id", "study_days.user_id",
        "practice_attempts.user_id", "calendar_feeds.user_id",
    )  # fmt: skip
    for table in seen:
        assert before[table] > 0, table
    kept = rows_of(settings, bystander.user_id)

    assert delete_me(client, doomed.headers).status_code == 204

    left = {table: n for table, n in rows_of(settings, doomed.user_id).items() if n}
    assert left == {}
    assert rows_of(settings, bystander.user_id) == kept
    refused = client.get(f"{API}/me", headers=doomed.headers)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_token"
    document = client.get(f"{API}/documents/{bystander.document_id}", headers=bystander.headers)
    assert document.status_code == 200
    found = client.get(f"{API}/search", params={"q": "mitochondria"}, headers=bystander.headers)
    assert found.status_code == 200 and found.json()["items"], found.text


def test_the_audit_trail_keeps_the_deletion(client, settings, pair):
    doomed, _ = pair
    admin = register_admin(client, settings)
    params = {"action": "account.deleted", "user_id": str(doomed.user_id)}
    events = client.get(f"{API}/admin/audit", params=params, headers=admin).json()["items"]
    assert len(events) == 1
    assert events[0]["details"]["documents"] == 1 and events[0]["details"]["cards"] == 1
    assert events[0]["email"] is None
    earlier = client.get(
        f"{API}/admin/audit", params={"user_id": str(doomed.user_id)}, headers=admin
    ).json()["items"]
    assert {"user.registered", "account.deleted"} <= {e["action"] for e in earlier}
