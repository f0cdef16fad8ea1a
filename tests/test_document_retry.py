"""A failed document can be started again: by its retry endpoint, or by uploading it again."""

from __future__ import annotations

import signal
import subprocess
from typing import Any

import psycopg
from fastapi.testclient import TestClient

from tests.conftest import ingest, register, upload, wait_terminal
from tutor.resources import database_url
from tutor.settings import Settings

NOTE = b"# Tides\n\nSpring tides happen when the Sun and the Moon line up with the Earth."
# As if the worker had died on the document on each of its attempts.
CRASHED_ALREADY = "UPDATE ingestion_jobs SET attempts = %s WHERE document_id = %s"


def crashed_document(
    client: TestClient,
    headers: dict[str, str],
    settings: Settings,
    worker: subprocess.Popen[bytes],
    content: bytes = NOTE,
) -> dict[str, Any]:
    """A document failed with `worker_crashed`, through the worker's own give-up path."""
    worker.send_signal(signal.SIGSTOP)  # the job waits until its attempts are spent
    try:
        response = upload(client, headers, "tides.md", content)
        assert response.status_code == 202, response.text
        document_id = response.json()["id"]
        with psycopg.connect(database_url(settings), autocommit=True) as conn:
            conn.execute(CRASHED_ALREADY, (settings.max_job_attempts, document_id))
    finally:
        worker.send_signal(signal.SIGCONT)
    failed = wait_terminal(client, headers, document_id, timeout=60)
    assert failed["status"] == "failed" and failed["error"]["code"] == "worker_crashed", failed
    return failed


def search_ids(client: TestClient, headers: dict[str, str], query: str) -> list[str]:
    response = client.get("/api/v1/search", params={"q": query}, headers=headers)
    assert response.status_code == 200, response.text
    return [hit["document_id"] for hit in response.json()["items"]]


def test_retry_runs_a_crashed_document_again(client, settings, worker):
    headers = register(client)
    failed = crashed_document(client, headers, settings, worker)

    response = client.post(f"/api/v1/documents/{failed['id']}/retry", headers=headers)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "queued" and response.json()["error"] is None
    document = wait_terminal(client, headers, failed["id"], timeout=60)
    assert document["status"] == "ready", document
    assert search_ids(client, headers, "spring tides") == [failed["id"]]


def test_reupload_of_a_failed_document_starts_it_again(client, settings, worker):
    headers = register(client)
    failed = crashed_document(client, headers, settings, worker)

    again = upload(client, headers, "tides.md", NOTE)
    assert again.status_code == 202, again.text
    assert again.json()["id"] == failed["id"] and again.json()["status"] == "queued"
    assert again.json()["duplicate"] is False
    assert wait_terminal(client, headers, failed["id"], timeout=60)["status"] == "ready"


def test_only_a_failed_document_of_ones_own_is_retried(client):
    owner, stranger = register(client), register(client)
    ready = ingest(client, owner, "ready.md", b"Glaciers carve U-shaped valleys.")
    assert ready["status"] == "ready"

    response = client.post(f"/api/v1/documents/{ready['id']}/retry", headers=owner)
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "not_failed"
    response = client.post(f"/api/v1/documents/{ready['id']}/retry", headers=stranger)
    assert response.status_code == 404, response.text
    # A ready document uploaded again is still the same, untouched document.
    again = upload(client, owner, "ready.md", b"Glaciers carve U-shaped valleys.")
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["status"] == "ready"
