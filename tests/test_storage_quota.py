"""Per-user quotas on uploads: the number of documents and the bytes of their files together."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.conftest import register, upload


@pytest.fixture(scope="module")
def tight(settings, embedder) -> Iterator[TestClient]:
    """An API whose users may store 3 documents of 2,000 bytes together."""
    own = settings.model_copy(
        update={"max_storage_bytes_per_user": 2000, "max_documents_per_user": 3}
    )
    with TestClient(create_app(own, embedder=embedder)) as client:
        yield client


def note(tag: str, size: int) -> bytes:
    """A plain-text note of exactly `size` bytes, distinct per tag."""
    text = f"Notes {tag}: the mitochondria makes energy for the cell. "
    return (text * (size // len(text) + 1)).encode()[:size]


def limits(client: TestClient, headers: dict[str, str]) -> dict:
    response = client.get("/api/v1/limits", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_an_upload_past_the_storage_quota_is_refused_with_the_use_and_the_limit(tight):
    headers = register(tight)
    assert upload(tight, headers, "a.txt", note("a", 1200)).status_code == 202
    assert limits(tight, headers)["used_bytes"] == 1200

    refused = upload(tight, headers, "b.txt", note("b", 900))
    assert refused.status_code == 413, refused.text
    error = refused.json()["error"]
    assert error["code"] == "quota_exceeded"
    assert "you use 1.2 KB of 2 KB" in error["message"] and "900 bytes" in error["message"]
    assert limits(tight, headers)["used_bytes"] == 1200

    # What still fits is taken, to the byte; the same bytes again cost nothing and pass.
    assert upload(tight, headers, "c.txt", note("c", 800)).status_code == 202
    assert upload(tight, headers, "a again.txt", note("a", 1200)).status_code == 200
    shown = limits(tight, headers)
    assert (shown["used_bytes"], shown["max_storage_bytes"]) == (2000, 2000)
    assert shown["used_documents"] == 2


def test_an_upload_past_the_document_quota_is_refused(tight):
    headers = register(tight)
    for tag in "xyz":
        assert upload(tight, headers, f"{tag}.txt", note(tag, 100)).status_code == 202
    refused = upload(tight, headers, "w.txt", note("w", 100))
    assert refused.status_code == 413, refused.text
    assert refused.json()["error"]["code"] == "quota_exceeded"
    assert "3 documents" in refused.json()["error"]["message"]
    assert limits(tight, headers)["used_documents"] == 3


def test_one_users_files_do_not_count_against_another(tight):
    full, other = register(tight), register(tight)
    assert upload(tight, full, "big.txt", note("big", 2000)).status_code == 202
    assert upload(tight, full, "more.txt", note("more", 10)).status_code == 413
    assert upload(tight, other, "big.txt", note("big", 2000)).status_code == 202
    assert limits(tight, other)["used_bytes"] == 2000


def test_limits_show_the_default_storage_quota(client):
    shown = limits(client, register(client))
    assert shown["max_storage_bytes"] == 1024**3
    assert shown["used_bytes"] == 0 and shown["used_documents"] == 0
