"""PostgreSQL stopped and started again mid-ingestion: the same worker process finishes the
document, with exactly the chunks and keyword index of a run on a healthy stack."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pypdfium2 as pdfium
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.conftest import (
    ingest,
    register,
    shared_file,
    start_worker,
    stop_worker,
    upload,
    wait_terminal,
    worker_env,
)
from tests.own_postgres import OwnPostgres
from tests.test_delete_during_ingest import keyword_index
from tests.test_worker_faults import WORKER_READY, wait_for_log
from tutor.resources import database_url
from tutor.runtime.local_redis import LocalRedis
from tutor.settings import Settings

CHUNKS = """
SELECT ordinal, page_start, page_end, heading_path, heading, text, token_count
FROM chunks WHERE document_id = %s ORDER BY ordinal
"""
PROGRESS = "SELECT status, chunks_done FROM documents WHERE id = %s"
ATTEMPTS = "SELECT attempts FROM ingestion_jobs WHERE document_id = %s"
PAGES = 16  # of R-intro.pdf: 67 chunks, five batches of 16, a few seconds each
OUTAGES = 3  # as many as a document's attempts: none of them may count as a crash
OUTAGE_S = 4.0  # the job needs the database within it and waits 1 s for a connection
INTERRUPTED = "database unavailable"


def first_pages(data: bytes, pages: int) -> bytes:
    """A PDF of the first `pages` pages of `data`."""
    source = pdfium.PdfDocument(data)
    part = pdfium.PdfDocument.new()
    part.import_pages(source, list(range(pages)))
    out = io.BytesIO()
    part.save(out)
    return out.getvalue()


def query(settings: Settings, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with psycopg.connect(database_url(settings)) as conn:
        return conn.execute(sql, params).fetchall()


def wait_until_stored(settings: Settings, document_id: str, more_than: int) -> int:
    """Wait until more than `more_than` of the document's chunks are stored; returns how many."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        [(status, done)] = query(settings, PROGRESS, document_id)
        assert status in ("queued", "processing"), status
        if done > more_than:
            return int(done)
        time.sleep(0.05)
    raise AssertionError(f"no more than {more_than} chunks of {document_id} stored after 60 s")


def owner(client: TestClient, headers: dict[str, str]) -> UUID:
    return UUID(client.get("/api/v1/me", headers=headers).json()["id"])


@pytest.mark.timeout(240)
def test_ingestion_rides_out_database_restarts(settings, embedder, data_dir: Path):
    data = first_pages(shared_file("documents/educational/R-intro.pdf").read_bytes(), PAGES)
    folder = data_dir / "pg-restart"
    postgres = OwnPostgres(folder)
    redis = LocalRedis(folder)
    own = settings.model_copy(update={"database_url": postgres.start(), "redis_url": redis.start()})
    log_path = folder / "worker.log"
    # Small batches: many commits, so each outage lands between two of them; a short wait for
    # a connection, so that the job meets each outage instead of sitting it out.
    env = worker_env(own, TUTOR_INGEST_BATCH_CHUNKS="16", TUTOR_DB_POOL_TIMEOUT_S="1")
    worker = start_worker(env, log_path)
    try:
        with TestClient(create_app(own, embedder=embedder)) as client:
            wait_for_log(log_path, WORKER_READY, worker, timeout=120)
            healthy, restarted = register(client), register(client)
            clean = ingest(client, healthy, "R-intro-16.pdf", data)
            assert clean["status"] == "ready", clean

            document_id = upload(client, restarted, "R-intro-16.pdf", data).json()["id"]
            stored = 0
            for _ in range(OUTAGES):
                stored = wait_until_stored(own, document_id, more_than=stored)
                postgres.stop()
                time.sleep(OUTAGE_S)
                postgres.start()
            assert stored < clean["chunks_total"], "each outage must land mid-document"

            document = wait_terminal(client, restarted, document_id, timeout=120)
            worker_log = log_path.read_text(errors="replace")
            assert document["status"] == "ready", (document, worker_log[-4000:])
            assert worker.poll() is None, "the worker must ride out the outages"
            assert INTERRUPTED in worker_log, "the job must have met an outage"
            assert query(own, ATTEMPTS, document_id) == [(1,)], "an outage is not a crash"

            expected = query(own, CHUNKS, clean["id"])
            assert document["chunks_total"] == len(expected) == clean["chunks_total"]
            assert query(own, CHUNKS, document_id) == expected
            # A batch stored twice, or counted twice, would skew keyword ranking for good.
            index = keyword_index(own, owner(client, restarted))
            assert index == keyword_index(own, owner(client, healthy))
            assert index["orphans"] == 0
    finally:
        stop_worker(worker)
        redis.stop()
        postgres.stop()
