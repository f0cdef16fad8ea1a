"""Deleting a document mid-ingestion: the job stops cleanly and nothing of the document stays."""

from __future__ import annotations

import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg

from tests.conftest import (
    ingest,
    register,
    shared_file,
    start_worker,
    stop_worker,
    upload,
    worker_env,
)
from tests.test_worker_faults import WORKER_READY, wait_for_log
from tutor.resources import database_url
from tutor.settings import Settings

STOPPED = "deleted during ingestion"
NOTE = b"# Rivers\n\nMeanders form where a river erodes its outer bank and deposits on the inner."

TERMS = "SELECT lexeme, df FROM term_stats WHERE owner_id = %s AND df <> 0"
POSTINGS = "SELECT lexeme, tf FROM postings WHERE owner_id = %s"
ORPHANS = """
SELECT count(*) FROM postings p
WHERE p.owner_id = %s AND NOT EXISTS (SELECT 1 FROM chunks c WHERE c.id = p.chunk_id)
"""
CHUNKS = "SELECT count(*) FROM chunks WHERE document_id = %s"


def keyword_index(settings: Settings, owner_id: UUID) -> dict[str, Any]:
    """What keyword ranking reads for the owner: document frequencies and postings."""
    with psycopg.connect(database_url(settings)) as conn:
        terms = dict(conn.execute(TERMS, (owner_id,)).fetchall())
        postings = Counter(conn.execute(POSTINGS, (owner_id,)).fetchall())
        orphans = conn.execute(ORPHANS, (owner_id,)).fetchone()
    return {"terms": terms, "postings": postings, "orphans": orphans[0] if orphans else None}


def chunk_count(settings: Settings, document_id: str) -> int:
    with psycopg.connect(database_url(settings)) as conn:
        row = conn.execute(CHUNKS, (document_id,)).fetchone()
    return int(row[0]) if row else -1


def wait_for_chunks(client, headers: dict[str, str], document_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        state: dict[str, Any] = client.get(
            f"/api/v1/documents/{document_id}", headers=headers
        ).json()
        if state["chunks_done"] > 0:
            return state
        time.sleep(0.05)
    raise AssertionError(f"no chunk stored after 180 s: {state}")


def user_id(client, headers: dict[str, str]) -> UUID:
    return UUID(client.get("/api/v1/me", headers=headers).json()["id"])


def test_delete_mid_ingestion_leaves_nothing_behind(client, settings, worker, data_dir: Path):
    big = shared_file("documents/educational/R-intro.pdf").read_bytes()
    deleter, bystander = register(client), register(client)
    for headers in (deleter, bystander):
        assert ingest(client, headers, "rivers.md", NOTE)["status"] == "ready"

    log_path = data_dir / "delete-during-ingest-worker.log"
    worker.send_signal(signal.SIGSTOP)  # only the worker whose log is read here takes the job
    # Small batches: many commits, so the delete lands between two of them.
    own = start_worker(worker_env(settings, TUTOR_INGEST_BATCH_CHUNKS="32"), log_path)
    try:
        wait_for_log(log_path, WORKER_READY, own, timeout=120)
        document_id = upload(client, deleter, "R-intro.pdf", big).json()["id"]
        state = wait_for_chunks(client, deleter, document_id)
        assert state["status"] == "processing", state
        deleted = client.delete(f"/api/v1/documents/{document_id}", headers=deleter)
        assert deleted.status_code == 204, deleted.text
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            text = log_path.read_text(errors="replace")
            if STOPPED in text or "Traceback" in text:
                break
            time.sleep(0.2)
        time.sleep(1.0)  # anything the job would still write, it has written by now
    finally:
        stop_worker(own)
        worker.send_signal(signal.SIGCONT)

    text = log_path.read_text(errors="replace")
    assert "Traceback" not in text and "ForeignKeyViolation" not in text, text[-4000:]
    assert f"{document_id} {STOPPED}" in text, text[-4000:]
    assert chunk_count(settings, document_id) == 0
    left = keyword_index(settings, user_id(client, deleter))
    assert left["orphans"] == 0
    assert left == keyword_index(settings, user_id(client, bystander))
    listing = client.get("/api/v1/documents", headers=deleter).json()["items"]
    assert [d["filename"] for d in listing] == ["rivers.md"]
